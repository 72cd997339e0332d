/*
 * Hona Messaging: the staff workspace (Conversations, a thread and its composer, Projects,
 * the unread badge). Progressive enhancement over htmx: every control also works as a plain
 * link or form, and the server has the last word (it refuses a message that is too long).
 *
 * Everything that binds to elements runs from htmx.onLoad, which htmx calls for the first page
 * and again for every piece of content it swaps in later (a thread panel inside Projects, a
 * re-rendered thread header, messages arriving by the live update). Each binder marks what it
 * has done, so running it twice over the same element is harmless.
 */
(function () {
  "use strict";

  if (!window.htmx) return;

  /* Helpers --------------------------------------------------------------------------- */

  // root itself (when it matches) and everything inside it that matches.
  function within(root, selector) {
    var found = [];
    if (!root || !root.querySelectorAll) return found;
    if (root.matches && root.matches(selector)) found.push(root);
    Array.prototype.push.apply(found, root.querySelectorAll(selector));
    return found;
  }

  // Run a binder once per element.
  function once(element, key, fn) {
    var flag = "honaBound" + key;
    if (element.dataset[flag]) return;
    element.dataset[flag] = "1";
    fn(element);
  }

  function formatSize(bytes) {
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1024 * 1024) return Math.round(bytes / 1024) + " KB";
    return (bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "") + " MB";
  }

  var LINK = /https?:\/\/\S+$/;

  // Insert text at a textarea's caret (replacing any selection), as a word or a block of its own:
  // a space or a line break keeps it apart from the text around it, so a link is never glued to
  // what follows (which would break it). A template (a block) starts on its own line after a link
  // or when it has several lines itself. Tells listeners the text changed.
  function insertAtCaret(textarea, text, options) {
    var value = textarea.value;
    var start = typeof textarea.selectionStart === "number" ? textarea.selectionStart : value.length;
    var end = typeof textarea.selectionEnd === "number" ? textarea.selectionEnd : value.length;
    // A box nobody has put the caret in yet (a restored draft) takes the insertion at its end.
    if (!textarea.honaCaretKnown && start === 0 && end === 0) start = end = value.length;
    var before = value.slice(0, start);
    var after = value.slice(end);
    var block = options && options.block;
    var multiline = text.indexOf("\n") !== -1;
    var trimmed = before.replace(/[ \t]+$/, "");
    if (block && trimmed && !/\n$/.test(trimmed) && (multiline || LINK.test(trimmed))) {
      start = trimmed.length; // "link " then a template: the template goes on the next line
      text = "\n" + text;
    } else if (before && !/\s$/.test(before)) {
      text = " " + text;
    }
    if (after && !/^\s/.test(after)) text += multiline ? "\n" : " ";
    else if (!after && options && options.link) text += " "; // what is typed next stays apart
    textarea.focus();
    textarea.setRangeText(text, start, end, "end");
    textarea.honaCaretKnown = true;
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // The composer's draft, kept for this tab while staff step away (New message template, another
  // conversation) and given back when they return. Cleared once the message is sent.
  function readDraft(key) {
    try {
      var draft = key && JSON.parse(window.sessionStorage.getItem(key) || "null");
      return draft && typeof draft.body === "string" ? draft : null;
    } catch (error) {
      return null;
    }
  }

  function writeDraft(key, textarea) {
    if (!key) return;
    try {
      if (textarea.value) {
        window.sessionStorage.setItem(
          key,
          JSON.stringify({
            body: textarea.value,
            start: textarea.selectionStart,
            end: textarea.selectionEnd,
            // A note's draft comes back as a note: never offered to be sent to the client.
            mode: composerMode(textarea.form),
          })
        );
      } else {
        window.sessionStorage.removeItem(key);
      }
    } catch (error) {
      /* storage full or disabled: the draft is simply not kept */
    }
  }

  // The staff composer's tab: "message" (to the client) or "note" (internal, for the team).
  function composerMode(form) {
    var checked = form && form.querySelector("[data-composer-mode]:checked");
    return checked ? checked.value : "message";
  }

  function smoothScroll() {
    return window.matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth";
  }

  /* SMS arithmetic: GSM-7 or UCS-2, and how many segments ------------------------------- */

  var GSM_BASIC =
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var GSM_EXTENDED = "^{}\\[~]|€\f"; // each takes two septets (an escape, then the character)

  function smsInfo(text) {
    var chars = Array.from(text).length; // what the server counts against the limit
    var septets = 0;
    var gsm = true;
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      if (GSM_BASIC.indexOf(ch) !== -1) {
        septets += 1;
      } else if (GSM_EXTENDED.indexOf(ch) !== -1) {
        septets += 2;
      } else {
        gsm = false;
        break;
      }
    }
    var units = gsm ? septets : text.length; // UCS-2: UTF-16 code units
    var segments = 0;
    if (units > 0) {
      if (gsm) segments = units <= 160 ? 1 : Math.ceil(units / 153);
      else segments = units <= 70 ? 1 : Math.ceil(units / 67);
    }
    return { chars: chars, encoding: gsm ? "GSM-7" : "UCS-2", units: units, segments: segments };
  }

  // Exposed for tests and the console.
  window.honaSmsInfo = smsInfo;

  /* The composer -------------------------------------------------------------------------- */

  function bindComposer(form) {
    var textarea = form.querySelector("[data-composer-body]");
    var counter = form.querySelector("[data-composer-counter]");
    // The Send button (Ctrl+Enter presses it); the form's other submit buttons (Schedule, the
    // quiet-hours question) are held with it while the text is too long.
    var send = form.querySelector(".composer-send") || form.querySelector("button[type=submit]");
    var fileInput = form.querySelector("[data-composer-files]");
    var fileList = form.querySelector("[data-composer-file-list]");
    var progress = form.querySelector("[data-composer-progress]");
    var plusMenu = form.querySelector("details.composer-plus");
    var errorBox = function () {
      return form.querySelector("#composer-error, .composer-error");
    };
    var maxLength = parseInt(form.dataset.maxLength, 10) || 1600;
    var dialog =
      form.parentElement && form.parentElement.querySelector("dialog.template-picker");
    if (!textarea) return;

    // A quiet live region: speaks only when the message's kind changes (over the limit, or
    // no longer plain GSM text), not at every keystroke as a live counter would.
    var announcer = document.createElement("span");
    announcer.className = "visually-hidden";
    announcer.setAttribute("aria-live", "polite");
    if (counter) counter.removeAttribute("aria-live");
    if (counter && counter.parentNode) counter.parentNode.appendChild(announcer);
    var lastState = "";

    function isOver() {
      return smsInfo(textarea.value).chars > maxLength;
    }

    function updateCounter() {
      var info = smsInfo(textarea.value);
      var over = info.chars - maxLength;
      var text = info.chars + " / " + maxLength + " characters";
      if (over > 0) {
        text += " · " + over + " character" + (over === 1 ? "" : "s") + " over the limit";
      } else if (info.segments > 0 && !form.hasAttribute("data-composer-no-segments")) {
        text += " · " + info.segments + " SMS (" + info.encoding + ")";
      }
      if (counter) {
        counter.textContent = text;
        counter.classList.toggle("is-over", over > 0);
      }
      if (over > 0) textarea.setAttribute("aria-invalid", "true");
      else textarea.removeAttribute("aria-invalid");
      var held = over > 0 || form.classList.contains("htmx-request");
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = held;
      });

      var state = over > 0 ? "over" : info.encoding;
      if (state !== lastState && lastState !== "") {
        announcer.textContent =
          over > 0
            ? "The message is over the " + maxLength + "-character limit."
            : info.encoding === "UCS-2"
              ? "Special characters: each SMS holds 70 characters."
              : "";
      }
      lastState = state;
    }

    function autosize() {
      textarea.style.height = "auto";
      var style = window.getComputedStyle(textarea);
      var max = parseFloat(style.maxHeight) || 240;
      var border = parseFloat(style.borderTopWidth) + parseFloat(style.borderBottomWidth);
      textarea.style.height = Math.min(textarea.scrollHeight + border, max) + "px";
    }

    function closePlus() {
      if (plusMenu) plusMenu.open = false;
    }

    function showError(message) {
      var box = errorBox();
      if (!box) return;
      box.textContent = message;
      box.hidden = false;
    }

    function clearError() {
      var box = errorBox();
      if (box && !box.hidden) {
        box.hidden = true;
        box.textContent = "";
      }
    }

    var draftKey = form.dataset.draftKey;
    textarea.addEventListener("input", function () {
      updateCounter();
      autosize();
      writeDraft(draftKey, textarea);
    });
    ["click", "keyup", "select"].forEach(function (name) {
      textarea.addEventListener(name, function () {
        textarea.honaCaretKnown = true;
      });
    });

    // Enter adds a line (the textarea's own behaviour); Ctrl+Enter or Cmd+Enter sends.
    textarea.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.isComposing) return;
      event.preventDefault();
      if (isOver() || form.classList.contains("htmx-request")) return;
      if (typeof form.requestSubmit === "function") form.requestSubmit(send || undefined);
      else if (send) send.click();
    });

    /* Files */

    function renderFiles() {
      if (!fileList || !fileInput) return;
      fileList.textContent = "";
      var clip = form.querySelector(".icon-paperclip");
      var close = (dialog && dialog.querySelector(".icon-close")) || form.querySelector(".icon-close");
      Array.prototype.forEach.call(fileInput.files, function (file, index) {
        var item = document.createElement("li");
        item.className = "composer-file";
        if (clip) item.appendChild(clip.cloneNode(true));
        var name = document.createElement("span");
        name.className = "composer-file-name";
        name.textContent = file.name;
        name.title = file.name;
        var size = document.createElement("span");
        size.className = "composer-file-size";
        size.textContent = formatSize(file.size);
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "composer-file-remove";
        remove.setAttribute("aria-label", "Remove " + file.name);
        if (close) {
          var icon = close.cloneNode(true);
          icon.setAttribute("width", "16");
          icon.setAttribute("height", "16");
          remove.appendChild(icon);
        } else {
          remove.textContent = "×";
        }
        remove.addEventListener("click", function () {
          removeFile(index);
        });
        item.appendChild(name);
        item.appendChild(size);
        item.appendChild(remove);
        fileList.appendChild(item);
      });
    }

    function removeFile(index) {
      var transfer = new DataTransfer();
      Array.prototype.forEach.call(fileInput.files, function (file, i) {
        if (i !== index) transfer.items.add(file);
      });
      fileInput.files = transfer.files;
      renderFiles();
      var next = fileList.querySelectorAll(".composer-file-remove")[Math.max(index - 1, 0)];
      (next || textarea).focus();
    }

    function clearFiles() {
      if (!fileInput) return;
      fileInput.value = "";
      renderFiles();
    }

    if (fileInput) {
      fileInput.addEventListener("change", function () {
        renderFiles();
        closePlus();
        clearError();
        textarea.focus();
      });
      fileInput.addEventListener("cancel", closePlus);
      // The "Upload file" menu item is a <label>: make it reachable and usable by keyboard.
      fileInput.tabIndex = -1;
      if (fileInput.id) {
        form.querySelectorAll('label[for="' + fileInput.id + '"]').forEach(function (label) {
          label.tabIndex = 0;
          label.setAttribute("role", "button");
          label.addEventListener("keydown", function (event) {
            if (event.key === "Enter" || event.key === " ") {
              event.preventDefault();
              fileInput.click();
            }
          });
        });
      }
    }

    /* Sending */

    form.addEventListener("htmx:beforeRequest", function (event) {
      if (event.detail.elt !== form) return;
      if (isOver()) {
        event.preventDefault();
        updateCounter();
        return;
      }
      closePlus();
      if (progress && fileInput && fileInput.files.length) {
        progress.value = 0;
        progress.hidden = false;
      }
    });

    form.addEventListener("htmx:xhr:progress", function (event) {
      if (event.detail.elt && event.detail.elt !== form) return;
      if (!progress || progress.hidden) return;
      var detail = event.detail;
      if (detail.total) progress.value = Math.round((detail.loaded / detail.total) * 100);
    });

    form.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.elt !== form) return;
      if (progress) {
        progress.hidden = true;
        progress.value = 0;
      }
      var hadFocus = form.contains(document.activeElement);
      // A 422 is Hona's answer ("write a message first"), shown in #composer-error, not a success.
      var refused = event.detail.xhr && event.detail.xhr.status === 422;
      // Not sent yet, for a question first (the client's quiet hours): keep what was written;
      // the question is in #composer-error.
      var asked = !!(event.detail.xhr && event.detail.xhr.getResponseHeader("X-Hona-Not-Sent"));
      if (asked) {
        window.setTimeout(updateCounter, 0);
        return;
      }
      // A composer that empties itself when it sends (the portal's: portal.js shows the reply
      // on its way, and Retry) keeps what was written since, and says itself what failed.
      var atOnce = form.hasAttribute("data-composer-sends-at-once");
      if (event.detail.successful && !refused) {
        if (!atOnce) {
          textarea.value = "";
          writeDraft(draftKey, textarea);
          clearFiles();
        }
        updateCounter();
        autosize();
        var scroller = form.closest(".thread") && form.closest(".thread").querySelector(".message-scroll");
        if (scroller) scrollToBottom(scroller);
        if (hadFocus || document.activeElement === document.body) textarea.focus();
      } else if (!atOnce) {
        var status = event.detail.xhr ? event.detail.xhr.status : 0;
        if (status === 0) {
          showError("Couldn’t reach Hona. Check your connection and try again; your message is still here.");
        } else if (status >= 500) {
          showError("Something went wrong on our side and the message was not sent. Try again in a moment.");
        } else if (status !== 422) {
          showError("The message was not sent (error " + status + "). Reload the page and try again.");
        }
      }
      // htmx re-enables the Send button after a request; the counter decides again.
      window.setTimeout(updateCounter, 0);
    });

    /* The (+) menu's other items */

    var insertTemplate = form.querySelector("[data-insert-template]");
    if (insertTemplate && dialog) {
      dialog.honaComposer = form;
      insertTemplate.addEventListener("click", function () {
        closePlus();
        dialog.returnValue = "";
        if (typeof dialog.showModal === "function") {
          if (!dialog.open) dialog.showModal();
        } else {
          dialog.setAttribute("open", "");
        }
      });
    }

    // The new template comes back into the draft (kept, with its caret) once it is saved.
    var newTemplate = form.querySelector("[data-new-template]");
    if (newTemplate) {
      newTemplate.addEventListener("click", function () {
        writeDraft(draftKey, textarea);
      });
    }

    var portalButton = form.querySelector("[data-insert-portal-link]");
    if (portalButton && form.dataset.portalLinkUrl) {
      portalButton.addEventListener("click", function () {
        portalButton.disabled = true;
        fetch(form.dataset.portalLinkUrl, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (response) {
            if (!response.ok) throw new Error("HTTP " + response.status);
            return response.json();
          })
          .then(function (data) {
            if (!data || !data.url) throw new Error("No link in the answer");
            closePlus();
            clearError();
            insertAtCaret(textarea, data.url, { link: true });
          })
          .catch(function () {
            closePlus();
            showError("Couldn’t get the link to this conversation. Try again in a moment.");
            textarea.focus();
          })
          .then(function () {
            portalButton.disabled = false;
          });
      });
    }

    /* Message to the client, or internal note */

    var modes = form.querySelectorAll("[data-composer-mode]");
    var label = form.querySelector("[data-composer-label]");
    var sendLabel = form.querySelector("[data-send-label]");
    var mentionList = form.querySelector("[data-mention-list]");

    function applyMode() {
      if (!modes.length) return; // the portal's composer writes messages only
      var note = composerMode(form) === "note";
      form.classList.toggle("is-note", note);
      if (note) form.setAttribute("data-composer-no-segments", "");
      else form.removeAttribute("data-composer-no-segments");
      textarea.placeholder = note ? form.dataset.notePlaceholder : form.dataset.messagePlaceholder;
      if (label) label.textContent = note ? label.dataset.note : label.dataset.message;
      if (sendLabel) sendLabel.textContent = note ? "Add note" : "Send";
      // The colleagues one can @mention, fetched the first time a note is written.
      if (note && mentionList && !mentionList.hasAttribute("data-loaded")) {
        mentionList.setAttribute("data-loaded", "");
        htmx.trigger(mentionList, "mentions-wanted");
      }
      updateCounter();
    }

    modes.forEach(function (radio) {
      radio.addEventListener("change", function () {
        applyMode();
        writeDraft(draftKey, textarea);
        clearError();
        textarea.focus();
      });
    });

    if (mentionList) {
      mentionList.addEventListener("click", function (event) {
        var button = event.target.closest("[data-mention]");
        if (!button) return;
        insertAtCaret(textarea, "@" + button.getAttribute("data-mention"), { link: true });
      });
    }

    // The draft kept for this thread, unless the browser restored one itself (Back button).
    var draft = readDraft(draftKey);
    if (draft && draft.mode === "note" && !textarea.value) {
      var noteTab = form.querySelector('[data-composer-mode][value="note"]');
      if (noteTab) noteTab.checked = true;
    }
    applyMode();
    if (draft && !textarea.value) {
      textarea.value = draft.body;
      if (typeof draft.start === "number" && typeof draft.end === "number") {
        textarea.setSelectionRange(draft.start, draft.end);
        textarea.honaCaretKnown = true;
      }
    }
    // Back from "New message template": the new template goes in at the draft's caret, once.
    var created = form.getAttribute("data-new-template-body");
    if (created !== null) {
      form.removeAttribute("data-new-template-body");
      insertAtCaret(textarea, created, { block: true });
      var url = new URL(window.location.href);
      if (url.searchParams.has("template")) {
        url.searchParams.delete("template");
        window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
      }
    }
    // A browser that restored a draft gets the right counter straight away.
    updateCounter();
    if (textarea.value) autosize();
  }

  /* The template picker dialog ------------------------------------------------------------ */

  function bindPicker(dialog) {
    // A click on the backdrop (the dialog box itself, outside its content) closes it.
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) dialog.close();
    });
    dialog.addEventListener("close", function () {
      var form = dialog.honaComposer;
      if (dialog.returnValue === "inserted" || !form) return;
      var summary = form.querySelector("details.composer-plus > summary");
      (summary || form.querySelector("[data-composer-body]")).focus();
    });
    dialog.addEventListener("cancel", function () {
      dialog.returnValue = "";
    });
  }

  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest(".template-option[data-template-body]");
    if (!option) return;
    var dialog = option.closest("dialog");
    var form =
      (dialog && dialog.honaComposer) ||
      (option.closest(".thread") && option.closest(".thread").querySelector("[data-composer]"));
    var textarea = form && form.querySelector("[data-composer-body]");
    if (!textarea) return;
    if (dialog) {
      dialog.returnValue = "inserted";
      dialog.close("inserted");
    }
    insertAtCaret(textarea, option.getAttribute("data-template-body"), { block: true });
  });

  // A menu item that opens a dialog by id (Attach file from integration); htmx fills it.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-open-dialog]");
    if (!opener) return;
    var dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
    if (!dialog || dialog.tagName !== "DIALOG") return;
    var menu = opener.closest("details[data-menu]");
    if (menu) menu.open = false;
    if (typeof dialog.showModal === "function") {
      if (!dialog.open) dialog.showModal();
    } else {
      dialog.setAttribute("open", "");
    }
  });

  /* The message list ---------------------------------------------------------------------- */

  var NEAR_BOTTOM = 96; // px: "the user is reading the latest messages"

  function scrollToBottom(scroller) {
    scroller.scrollTop = scroller.scrollHeight;
    scroller.honaStick = true;
  }

  function bindScroller(scroller) {
    scroller.honaStick = true;
    scroller.addEventListener(
      "scroll",
      function () {
        scroller.honaStick =
          scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM;
      },
      { passive: true }
    );
    // Thumbnails that finish loading grow the list: stay at the bottom if we were there.
    scroller.addEventListener(
      "load",
      function () {
        if (scroller.honaStick) scroller.scrollTop = scroller.scrollHeight;
      },
      true
    );
    // The composer growing (a longer draft, chosen files, an error) shrinks the list's box.
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        if (scroller.honaStick) scroller.scrollTop = scroller.scrollHeight;
      }).observe(scroller);
    }
    var list = scroller.querySelector(".message-list");
    if (list) {
      list.honaKnown = {};
      list.querySelectorAll("li.message[id]").forEach(function (li) {
        list.honaKnown[li.id] = true;
      });
    }
    // A link to one message (a mention, a note found by search): show it, not the bottom.
    var linked = /^#message-\d+$/.test(window.location.hash)
      ? scroller.querySelector(window.location.hash)
      : null;
    if (linked) {
      linked.classList.add("message-linked");
      linked.scrollIntoView({ block: "center" });
      scroller.honaStick = false;
    } else {
      scrollToBottom(scroller);
    }
  }

  // The live update and a send can both deliver the same message: keep the first copy.
  function dedupe(list) {
    var seen = {};
    list.querySelectorAll("li.message[id]").forEach(function (li) {
      if (seen[li.id]) li.remove();
      else seen[li.id] = true;
    });
  }

  var unreadTimer = null;
  function refreshUnreadSoon() {
    window.clearTimeout(unreadTimer);
    unreadTimer = window.setTimeout(function () {
      htmx.trigger(document.body, "unread-changed");
    }, 300);
  }

  // Messages that htmx just put into a list: new ones at the bottom, or a page of earlier ones.
  function onMessagesLoaded(items) {
    var lists = [];
    items.forEach(function (li) {
      var list = li.closest(".message-list");
      if (list && lists.indexOf(list) === -1) lists.push(list);
    });
    lists.forEach(function (list) {
      dedupe(list);
      var known = list.honaKnown || (list.honaKnown = {});
      var scroller = list.closest(".message-scroll");
      var appended = false;
      var inbound = false;
      items.forEach(function (li) {
        if (!li.isConnected || li.closest(".message-list") !== list) return;
        if (known[li.id]) return; // a status change of a message already shown
        known[li.id] = true;
        // New at the bottom unless a message we already knew comes after it (Load earlier).
        var after = li.nextElementSibling;
        var isAppend = true;
        while (after) {
          if (after.id && known[after.id] && items.indexOf(after) === -1) {
            isAppend = false;
            break;
          }
          after = after.nextElementSibling;
        }
        if (isAppend) {
          appended = true;
          li.classList.add("is-new");
          if (li.classList.contains("message-in")) inbound = true;
        }
      });
      if (appended && scroller && scroller.honaStick) scrollToBottom(scroller);
      // The server marks an open thread read when a client message arrives; show it in the badge.
      if (inbound) refreshUnreadSoon();
    });
  }

  // Keep the reading position when a page of earlier messages is inserted above it.
  var earlier = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.classList && target.classList.contains("load-earlier")) {
      var scroller = target.closest(".message-scroll");
      if (scroller) earlier = { scroller: scroller, fromBottom: scroller.scrollHeight - scroller.scrollTop };
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!earlier) return;
    var scroller = earlier.scroller;
    scroller.scrollTop = scroller.scrollHeight - earlier.fromBottom;
    var more = scroller.querySelector(".load-earlier a");
    (more || scroller).focus({ preventScroll: true });
    earlier = null;
  });

  /* htmx responses that need a hand --------------------------------------------------------- */

  // The scheduled messages redraw when they change elsewhere, but never under an edit that is
  // open here (its text would be lost); the next change, or a reconnect, brings them then.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var list = event.detail.elt;
    if (!list || !list.matches || !list.matches("[data-scheduled-live]")) return;
    if (list.querySelector("details[open]")) event.preventDefault();
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var status = detail.xhr && detail.xhr.status;
    if (status !== 422) return;
    // An intended refusal with words to show: htmx would log it to the console as an error.
    detail.isError = false;
    var target = detail.target;
    // The composer's refusal ("too long", "write a message…") replaces #composer-error.
    if (target && target.id === "composer-error") {
      detail.shouldSwap = true; // still a refusal: the draft stays in the textarea
      return;
    }
    // A project that can't be chosen: say so under the selector instead of losing the header.
    var form = detail.elt && detail.elt.closest && detail.elt.closest(".project-selector");
    if (form) {
      var note = form.querySelector(".field-error") || document.createElement("p");
      note.className = "field-error";
      note.setAttribute("role", "alert");
      note.textContent = detail.xhr.responseText || "That project can’t be chosen.";
      form.appendChild(note);
    }
  });

  // The thread header is replaced after a menu action or a project change: put focus back
  // on the same control (the project select), or else on the ⋯ menu button.
  var headerFocus = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "thread-header" || !event.detail.shouldSwap) return;
    var active = document.activeElement;
    if (target.contains(active) || active === document.body || !active) {
      headerFocus = { id: active && target.contains(active) ? active.id : "" };
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!headerFocus) return;
    var header = document.getElementById("thread-header");
    var wanted = headerFocus.id && document.getElementById(headerFocus.id);
    headerFocus = null;
    if (!header) return;
    if (wanted && header.contains(wanted)) wanted.focus();
    else {
      var summary = header.querySelector(".thread-menu > summary");
      if (summary) summary.focus();
    }
  });

  /* Conversation list ------------------------------------------------------------------------ */

  // htmx's "revealed" trigger (the list's infinite scroll) only watches the window scrolling;
  // the list scrolls inside its own pane, so pass its scrolling on.
  function bindResults(results) {
    var pending = false;
    results.addEventListener(
      "scroll",
      function () {
        if (pending) return;
        pending = true;
        window.requestAnimationFrame(function () {
          pending = false;
          window.dispatchEvent(new Event("scroll"));
        });
      },
      { passive: true }
    );
    // Say how many conversations a search or filter found, instead of reading the whole list.
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    results.parentNode.insertBefore(status, results);
    results.removeAttribute("aria-live");
    // htmx inserts the new rows before removing the old, and the browser's scroll anchoring
    // then moves the list: the list's own refresh puts it back where the reader left it.
    var scrolledTo = 0;
    results.addEventListener("htmx:beforeSwap", function (event) {
      if (event.detail.target === results) scrolledTo = results.scrollTop;
    });
    results.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target !== results) return;
      if (event.detail.requestConfig && event.detail.requestConfig.elt.id === "conversation-live") {
        results.scrollTop = scrolledTo;
        return; // the list refreshing itself: nothing to announce
      }
      var rows = results.querySelectorAll(".conversation-row").length;
      var more = results.querySelector(".load-more");
      status.textContent = rows
        ? (more ? "More than " + rows : rows) + " conversation" + (rows === 1 && !more ? "" : "s")
        : "No conversations found.";
    });

    // On a thread page, the open conversation's row is in view.
    var active = results.querySelector(".conversation-row.is-active");
    if (active) {
      var top = active.offsetTop - results.offsetTop;
      if (top + active.offsetHeight > results.scrollTop + results.clientHeight) {
        results.scrollTop = Math.max(top - results.clientHeight / 3, 0);
      }
    }
  }

  // The list's own refresh (#conversation-live) waits while the tab is hidden, the list is not
  // shown (a thread on a phone) or more than its first page has been loaded.
  document.addEventListener("htmx:confirm", function (event) {
    var poller = event.target;
    if (!poller || poller.id !== "conversation-live") return;
    var results = document.getElementById("conversation-results");
    var rows = results ? results.querySelectorAll(".conversation-row").length : 0;
    if (
      document.hidden ||
      !results ||
      !results.offsetParent ||
      rows > (parseInt(poller.dataset.pageSize, 10) || 50)
    ) {
      event.preventDefault();
    }
  });

  /* Unread badge ------------------------------------------------------------------------------ */

  function syncUnread(count) {
    var n = parseInt(count.dataset.count, 10) || 0;
    var outside = parseInt(count.dataset.outside, 10) || 0;
    var summary = count.closest("summary") || document.querySelector("[data-unread-summary]");
    if (summary) {
      // The same words as notifications/badge.html#unread-words.
      var words = n > 0 ? n + " unread conversation" + (n === 1 ? "" : "s") : "no unread conversations";
      if (outside > 0) {
        words += " in your notification scope · " + outside + " more outside it";
        summary.setAttribute("title", words);
      } else {
        summary.removeAttribute("title");
      }
      summary.setAttribute("aria-label", "Messages: " + words);
    }
    var title = document.title.replace(/^\(\d+\+?\)\s/, "");
    document.title = n > 0 ? "(" + n + ") " + title : title;
  }

  /* Projects: one expanded at a time, tabs, Close ------------------------------------------- */

  function summaryFor(details) {
    return details.id ? document.querySelector('[aria-controls="' + details.id + '"]') : null;
  }

  function collapse(details) {
    details.textContent = "";
    var summary = summaryFor(details);
    if (summary && summary.classList.contains("project-summary")) {
      summary.setAttribute("aria-expanded", "false");
    }
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var link = event.detail.elt;
    if (!link || !link.classList || !link.classList.contains("project-summary")) return;
    var details = document.getElementById(link.getAttribute("aria-controls"));
    if (!details) return;
    if (details.children.length) {
      // A second click on an open project closes it.
      event.preventDefault();
      collapse(details);
      return;
    }
    document.querySelectorAll(".project-details").forEach(function (other) {
      if (other !== details && other.children.length) collapse(other);
    });
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.classList || !target.classList.contains("project-details")) return;
    var summary = summaryFor(target);
    if (summary) summary.setAttribute("aria-expanded", target.children.length ? "true" : "false");
    // An opened project that runs past the bottom of the window scrolls up into view.
    var row = target.closest(".project-row");
    if (row && target.children.length) {
      var box = row.getBoundingClientRect();
      if (box.bottom > window.innerHeight && box.top > 0) {
        row.scrollIntoView({ block: "start", behavior: smoothScroll() });
      }
    }
    // After a tab switch, keep keyboard focus on the tab that is now selected.
    var fromTab = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (fromTab && fromTab.getAttribute && fromTab.getAttribute("role") === "tab") {
      var selected = target.querySelector('[role="tab"][aria-selected="true"]');
      if (selected) selected.focus();
    }
  });

  function bindTablist(tablist) {
    var tabs = Array.prototype.slice.call(tablist.querySelectorAll('[role="tab"]'));
    tabs.forEach(function (tab) {
      tab.tabIndex = tab.getAttribute("aria-selected") === "true" ? 0 : -1;
    });
    tablist.addEventListener("keydown", function (event) {
      var index = tabs.indexOf(document.activeElement);
      if (index === -1) return;
      var next = null;
      if (event.key === "ArrowRight") next = tabs[(index + 1) % tabs.length];
      else if (event.key === "ArrowLeft") next = tabs[(index - 1 + tabs.length) % tabs.length];
      else if (event.key === "Home") next = tabs[0];
      else if (event.key === "End") next = tabs[tabs.length - 1];
      if (next) {
        event.preventDefault();
        next.focus();
      }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-clear-target]");
    if (!button) return;
    var target = document.querySelector(button.getAttribute("data-clear-target"));
    if (!target) return;
    event.preventDefault();
    // A project's own page has nothing to collapse into: Close goes back to the list.
    if (target.dataset.closeHref) {
      window.location.href = target.dataset.closeHref;
      return;
    }
    var summary = summaryFor(target);
    collapse(target);
    if (summary) summary.focus();
  });

  /* Wiring ------------------------------------------------------------------------------------- */

  htmx.onLoad(function (root) {
    within(root, "[data-composer]").forEach(function (form) {
      once(form, "Composer", bindComposer);
    });
    within(root, "dialog.template-picker").forEach(function (dialog) {
      once(dialog, "Picker", bindPicker);
    });
    within(root, ".message-scroll").forEach(function (scroller) {
      once(scroller, "Scroller", bindScroller);
    });
    var messages = within(root, "li.message[id]");
    if (messages.length && !(root.matches && root.matches(".message-scroll, .thread, body"))) {
      onMessagesLoaded(messages);
    }
    // A link in a message (a client's, or a conversation link) opens beside the workspace.
    within(root, ".message-body a[href]").forEach(function (link) {
      link.target = "_blank";
      link.rel = "noopener noreferrer nofollow";
    });
    within(root, ".conversation-results").forEach(function (results) {
      once(results, "Results", bindResults);
    });
    within(root, "#unread-count").forEach(syncUnread);
    within(root, '[role="tablist"]').forEach(function (tablist) {
      once(tablist, "Tabs", bindTablist);
    });
    within(root, ".project-summary[aria-controls]").forEach(function (link) {
      var details = document.getElementById(link.getAttribute("aria-controls"));
      link.setAttribute("aria-expanded", details && details.children.length ? "true" : "false");
    });
  });
})();
