/*
 * Hona Messaging: the client portal's replies. The message box empties as soon as the client
 * sends; their reply shows at once at the bottom of the thread as "Sending…", then "Sent" (the
 * one the server stored takes its place), or "Failed" with a Retry button that sends it again.
 *
 * Each reply carries a key made here. A retry sends the same key, so a reply whose answer was
 * lost on the way back (stored, but the phone never heard) is not stored twice. workspace.js
 * does the rest of the message box (counter, chosen files, progress bar).
 */
(function () {
  "use strict";

  if (!window.htmx) return;

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return (b < 16 ? "0" : "") + b.toString(16);
      })
      .join("");
  }

  function setFiles(input, files) {
    var transfer = new DataTransfer();
    files.forEach(function (file) {
      transfer.items.add(file);
    });
    input.files = transfer.files;
  }

  function bindPortalComposer(form) {
    var textarea = form.querySelector("[data-composer-body]");
    var fileInput = form.querySelector("[data-composer-files]");
    var keyInput = form.querySelector("[data-portal-key]");
    var template = document.getElementById("portal-pending-reply");
    var list = document.getElementById("message-list");
    var scroller = list && list.closest(".message-scroll");
    if (!textarea || !fileInput || !keyInput || !template || !list) return;

    var inFlight = null; // the bubble of the reply being sent
    var retrying = null; // the failed bubble that Retry is sending again

    function scrollDown() {
      if (!scroller) return;
      scroller.scrollTop = scroller.scrollHeight;
      scroller.honaStick = true;
    }

    function compose(text, files) {
      textarea.value = text;
      setFiles(fileInput, files);
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
      fileInput.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function setState(bubble, state, words) {
      bubble.dataset.state = state;
      bubble.classList.toggle("is-pending", state === "sending");
      bubble.classList.toggle("is-failed", state === "failed");
      bubble.querySelector("[data-pending-state]").textContent = words;
      bubble.querySelector("[data-pending-retry]").hidden = state !== "failed";
    }

    function makeBubble(reply) {
      var bubble = template.content.firstElementChild.cloneNode(true);
      bubble.honaReply = reply;
      bubble.dataset.pendingKey = reply.key;
      var body = bubble.querySelector("[data-pending-body]");
      if (reply.body) body.textContent = reply.body;
      else body.remove();
      var fileList = bubble.querySelector("[data-pending-files]");
      var sample = fileList.querySelector("[data-pending-file]");
      sample.remove();
      if (reply.files.length) {
        reply.files.forEach(function (file) {
          var item = sample.cloneNode(true);
          item.querySelector(".attachment-name").textContent = file.name;
          fileList.appendChild(item);
        });
      } else {
        fileList.remove();
      }
      var retry = bubble.querySelector("[data-pending-retry]");
      retry.setAttribute("aria-label", "Retry sending: " + (reply.body || reply.files.map(function (f) { return f.name; }).join(", ")).slice(0, 80));
      retry.addEventListener("click", function () {
        send(bubble);
      });
      var empty = document.getElementById("message-empty");
      if (empty) empty.remove();
      list.appendChild(bubble);
      return bubble;
    }

    // Retry: the failed reply goes through the message box again, with its own key; whatever
    // the client has started writing since is put back straight after.
    function send(bubble) {
      if (form.classList.contains("htmx-request")) return;
      var draft = { text: textarea.value, files: Array.prototype.slice.call(fileInput.files) };
      retrying = bubble;
      retrying.honaDraft = draft;
      textarea.value = bubble.honaReply.body;
      setFiles(fileInput, bubble.honaReply.files);
      keyInput.value = bubble.honaReply.key;
      form.requestSubmit();
      if (retrying) {
        // htmx did not send it (the box refused it): leave things as they were.
        retrying = null;
        compose(draft.text, draft.files);
      }
    }

    // Before htmx reads the form: a new reply gets a new key (a retry keeps its own).
    document.addEventListener(
      "submit",
      function (event) {
        if (event.target === form && !retrying) keyInput.value = newKey();
      },
      true
    );

    form.addEventListener("htmx:beforeRequest", function (event) {
      if (event.detail.elt !== form || event.defaultPrevented) return;
      var bubble = retrying;
      if (bubble) {
        retrying = null;
        compose(bubble.honaDraft.text, bubble.honaDraft.files);
        bubble.honaDraft = null;
      } else {
        // htmx has read the form already: empty the box so the client can write the next one.
        bubble = makeBubble({
          key: keyInput.value,
          body: textarea.value.trim(),
          files: Array.prototype.slice.call(fileInput.files),
        });
        compose("", []);
      }
      setState(bubble, "sending", "Sending…");
      inFlight = bubble;
      scrollDown();
    });

    form.addEventListener("htmx:xhr:progress", function (event) {
      var detail = event.detail;
      if (!inFlight || !inFlight.honaReply.files.length || !detail.total) return;
      var percent = Math.round((detail.loaded / detail.total) * 100);
      inFlight.querySelector("[data-pending-state]").textContent = "Sending… " + percent + "%";
    });

    // A refusal with a reason (422: too many files, too long…): the reply goes back into the
    // box to be changed, and the reason shows above it.
    document.addEventListener("htmx:beforeSwap", function (event) {
      var detail = event.detail;
      if (detail.elt !== form || !inFlight || !detail.xhr || detail.xhr.status !== 422) return;
      var bubble = inFlight;
      inFlight = null;
      if (!textarea.value && !fileInput.files.length) {
        compose(bubble.honaReply.body, bubble.honaReply.files);
        bubble.remove();
      } else {
        setState(bubble, "failed", "Not sent");
      }
    });

    form.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.elt !== form || !inFlight) return;
      var bubble = inFlight;
      inFlight = null;
      if (event.detail.successful) {
        if (stored(bubble.honaReply.key)) {
          var hadFocus = bubble.contains(document.activeElement);
          bubble.remove();
          if (hadFocus) textarea.focus();
        } else {
          setState(bubble, "sent", "Sent");
        }
        scrollDown();
      } else if (event.detail.xhr && event.detail.xhr.status === 403) {
        // The page's session ended (the link was replaced or stopped): a retry cannot work.
        setState(bubble, "failed", "Failed");
        bubble.querySelector("[data-pending-retry]").hidden = true;
        var why = document.createElement("p");
        why.className = "message-meta message-why";
        why.textContent =
          "This page has ended. Open the link in your latest text or email from us, and send it again.";
        bubble.appendChild(why);
      } else {
        setState(bubble, "failed", "Failed");
        bubble.querySelector("[data-pending-retry]").focus({ preventScroll: true });
      }
    });

    function stored(key) {
      return list.querySelector('li.message[data-key="' + key + '"]');
    }

    // The stored reply can also come with the live update (a reply whose answer was lost was
    // stored all the same): it takes the place of its bubble, failed or being retried. A retry
    // still on its way then finds nothing to update, and the server keeps the reply once.
    form.honaSettle = function (items) {
      items.forEach(function (li) {
        var bubble = list.querySelector('li.message[data-pending-key="' + li.dataset.key + '"]');
        if (!bubble) return;
        if (bubble === inFlight) inFlight = null;
        var hadFocus = bubble.contains(document.activeElement);
        bubble.remove();
        if (hadFocus) textarea.focus();
      });
    };
  }

  htmx.onLoad(function (root) {
    var form = document.querySelector("form[data-portal-composer]");
    if (!form) return;
    if (!form.dataset.honaBoundPortal) {
      form.dataset.honaBoundPortal = "1";
      bindPortalComposer(form);
    }
    var arrived = [];
    if (root.querySelectorAll) {
      if (root.matches && root.matches("li.message[data-key]")) arrived.push(root);
      Array.prototype.push.apply(arrived, root.querySelectorAll("li.message[data-key]"));
    }
    if (arrived.length && form.honaSettle) form.honaSettle(arrived);
  });
})();
