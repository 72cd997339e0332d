/*
 * Hona Messaging: small progressive enhancements. Every page works without this file:
 * - the phone-width "Menu" is a link to #sidebar (CSS :target) and becomes a real toggle button;
 * - <details data-menu> menus open natively; this adds Escape and close-on-outside-click;
 * - flash messages get a "Dismiss" button.
 */
(function () {
  "use strict";

  var body = document.body;

  /* Phone-width navigation drawer ------------------------------------------------------ */

  var toggle = document.querySelector("[data-nav-toggle]");
  var fallback = document.querySelector("[data-nav-fallback]");
  var sidebar = document.getElementById("sidebar");

  function navIsOpen() {
    return body.classList.contains("nav-open");
  }

  function setNav(open, options) {
    if (!toggle || !sidebar) return;
    body.classList.toggle("nav-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      var first = sidebar.querySelector(".nav a");
      if (first) first.focus();
    } else if (options && options.returnFocus) {
      toggle.focus();
    }
  }

  if (toggle && sidebar) {
    toggle.hidden = false;
    if (fallback) fallback.hidden = true;

    // A reload while the no-JS drawer was open: drop the #sidebar target so state is one place.
    if (window.location.hash === "#sidebar" && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }

    toggle.addEventListener("click", function () {
      setNav(!navIsOpen());
    });

    document.querySelectorAll("[data-nav-close]").forEach(function (el) {
      el.addEventListener("click", function (event) {
        event.preventDefault();
        setNav(false, { returnFocus: true });
      });
    });

    // Close when keyboard focus leaves the open drawer (and it isn't going to the toggle).
    sidebar.addEventListener("focusout", function (event) {
      if (!navIsOpen()) return;
      var next = event.relatedTarget;
      if (next && !sidebar.contains(next) && next !== toggle) setNav(false);
    });

    // Wider than a phone: the sidebar is always shown, so forget the drawer state.
    var phone = window.matchMedia("(max-width: 699px)");
    var onChange = function () {
      if (!phone.matches && navIsOpen()) setNav(false);
    };
    if (phone.addEventListener) phone.addEventListener("change", onChange);
  }

  /* <details data-menu> menus ------------------------------------------------------------ */

  // Looked up on every use, so menus that htmx inserts later (a thread header, the badge after
  // a refresh) behave like the ones in the first page load.
  function allMenus() {
    return Array.prototype.slice.call(document.querySelectorAll("details[data-menu]"));
  }

  // "toggle" does not bubble; listening in the capture phase sees every menu's.
  document.addEventListener(
    "toggle",
    function (event) {
      var menu = event.target;
      if (!(menu instanceof HTMLDetailsElement) || !menu.hasAttribute("data-menu") || !menu.open) {
        return;
      }
      // One menu open at a time.
      allMenus().forEach(function (other) {
        if (other !== menu && other.open) other.open = false;
      });
    },
    true
  );

  // Close a menu when keyboard focus leaves it.
  document.addEventListener("focusout", function (event) {
    var menu = event.target.closest && event.target.closest("details[data-menu]");
    var next = event.relatedTarget;
    if (menu && menu.open && next && !menu.contains(next)) menu.open = false;
  });

  // Close on a click anywhere outside (CSS also covers the page with a layer while one is open).
  document.addEventListener("click", function (event) {
    allMenus().forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var openMenu = allMenus().filter(function (m) {
      return m.open;
    })[0];
    if (openMenu) {
      openMenu.open = false;
      openMenu.querySelector("summary").focus();
      return;
    }
    if (navIsOpen()) setNav(false, { returnFocus: true });
  });

  /* Dismissible flash messages --------------------------------------------------------- */

  document.querySelectorAll("[data-dismiss-alert]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var alert = button.closest(".alert");
      var container = alert && alert.parentElement;
      if (alert) alert.remove();
      if (container && container.classList.contains("messages") && !container.children.length) {
        container.remove();
      }
      var main = document.getElementById("main");
      if (main) main.focus();
    });
  });

  /* Live updates (hona.live) ------------------------------------------------------------
   * The page listens to its stream (htmx's SSE extension on <body sse-connect>): each part
   * fetches itself again on its own event. body[data-live] is "up" while the stream is open.
   * While it is down the browser reconnects by itself, the page says so, and every part polls
   * (live-poll) every 30 s. When it is back, or the server says events were missed (resync),
   * every part fetches itself once (live-resync). A page with no stream just polls. */

  var liveStatus = document.querySelector("[data-live-status]");
  var POLL_MS = 1000 * (Number(liveStatus && liveStatus.dataset.pollSeconds) || 30);
  var everOpened = false;

  function setLive(state) {
    body.dataset.live = state;
    if (liveStatus) liveStatus.hidden = state !== "down";
  }

  function resync() {
    if (window.htmx) window.htmx.trigger(body, "live-resync");
  }

  body.addEventListener("htmx:sseOpen", function (event) {
    var source = event.detail && event.detail.source;
    if (source && !source.honaResync) {
      source.honaResync = true;
      source.addEventListener("resync", resync);
    }
    if (everOpened) resync();
    everOpened = true;
    setLive("up");
  });
  body.addEventListener("htmx:sseError", function () {
    setLive("down");
  });
  window.setInterval(function () {
    if (body.dataset.live !== "up" && window.htmx) window.htmx.trigger(body, "live-poll");
  }, POLL_MS);
})();
