// labdeck notes: clickable code blocks, links into the dashboard, live reload.
// Messages follow the action bus of core's labdeck.js (loaded before this script):
//   {"labdeck": 1, "action": "terminal:execute", "args": {"session": "1", "command": "ls"}}
(function () {
  "use strict";

  var inDashboard = window.parent !== window && sameOriginParent();
  window.labdeckNotesInDashboard = inDashboard; // for the page's other scripts (killercoda.js)
  if (inDashboard && window.parent.labdeckDashboard && window.parent.labdeckDashboard.notesShown) {
    window.parent.labdeckDashboard.notesShown(); // the dashboard shows this page's title now
  }

  function sameOriginParent() {
    try {
      return window.parent.location.origin === window.location.origin;
    } catch (e) {
      return false;
    }
  }

  function feedback(block, text) {
    var status = block.querySelector(".ld-code-feedback");
    if (status) status.textContent = text;
    block.classList.remove("ld-flash");
    void block.offsetWidth; // restart the animation
    block.classList.add("ld-flash", "ld-done");
    clearTimeout(block._ldTimer);
    block._ldTimer = setTimeout(function () {
      block.classList.remove("ld-flash");
      if (status) status.textContent = "";
    }, 1500);
  }

  function copyBlock(block, text) {
    var done = block.classList.contains("ld-copy-and-edit") ? "Copied: change it before use" : "Copied";
    window.labdeck.copy(text).then(
      function () { feedback(block, done); },
      function () { feedback(block, "Select the text and copy it"); }
    );
  }

  function activate(block, shift) {
    if (block.hasAttribute("data-args")) { // an action block with a YAML body: notes-actions.js
      window.labdeckNotesActions.activate(block, shift);
      return;
    }
    var action = block.getAttribute("data-action");
    var session = block.getAttribute("data-session");
    var code = block.querySelector("code");
    var text = code ? code.textContent : "";
    if (action === "workshop:copy" || shift || !inDashboard) {
      copyBlock(block, text);
      return;
    }
    var args = {};
    if (session) args.session = session;
    if (action !== "terminal:interrupt") args.command = text;
    if (action === "terminal:execute" && window.labdeckProgress) args.id = window.labdeckProgress.clicked(block);
    window.labdeck.post(action, args);
    feedback(block, action === "terminal:interrupt" ? "Interrupted" : "Sent to the terminal");
  }

  // Shift-click means "copy": keep the browser from extending a text selection instead.
  document.addEventListener("mousedown", function (event) {
    if (event.shiftKey && event.target.closest(".ld-code")) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var block = event.target.closest(".ld-code");
    if (block) {
      var selection = window.getSelection ? String(window.getSelection()) : "";
      if (selection.length && !event.shiftKey) return; // the reader is selecting text
      event.preventDefault();
      activate(block, event.shiftKey);
      return;
    }
    var link = event.target.closest("a[href]");
    if (link && link.hasAttribute("data-finish")) confirmFinish(link, event);
    else if (link) routeLink(link, event);
  });

  // The last page's finish button leads to RESTART_URL, which ends the attendee's session:
  // ask first, as the original's "Finish Workshop" dialog did (Restart, in the dialog, is the link).
  function confirmFinish(link, event) {
    var dialog = document.querySelector("dialog.ld-finish");
    if (!dialog || !dialog.showModal || event.button !== 0) return;
    event.preventDefault();
    dialog.showModal();
  }

  document.addEventListener("keydown", function (event) {
    var block = event.target.closest && event.target.closest(".ld-code");
    if (block && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      activate(block, event.shiftKey);
    }
  });

  // Links: notes pages stay here; other pages of this labdeck open in the dashboard
  // (a tab there, e.g. %console_url% or %slides_url%); other sites open a new window.
  function routeLink(link, event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) return;
    if (link.target && link.target !== "_self") return;
    var url = new URL(link.href, window.location.href);
    var base = document.body.getAttribute("data-notes-base");
    if (url.origin !== window.location.origin) {
      link.target = "_blank";
      link.rel = "noopener";
      return;
    }
    if (url.pathname.indexOf(base) === 0 && url.pathname.indexOf(base + "slides") !== 0) return;
    if (inDashboard) {
      event.preventDefault();
      window.labdeck.post("dashboard:open-url", { url: url.pathname + url.search + url.hash });
    }
  }

  // The page's one event stream (events.py): live reload for authors (the server says "change"
  // when this page's file changes), and the help bar's state, which help.js listens to.
  var events = document.body.getAttribute("data-events");
  if (events && window.EventSource) {
    var version = document.body.getAttribute("data-version");
    var source = window.labdeckNotesEvents = new EventSource(events);
    if (version) {
      source.addEventListener("version", function (event) {
        if (version !== event.data) window.location.reload();
      });
      source.addEventListener("change", function () { window.location.reload(); });
    }
  }
})();
