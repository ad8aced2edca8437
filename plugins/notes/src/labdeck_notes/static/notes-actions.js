// labdeck notes: action blocks with a YAML body (actions.py renders them with data-action and
// data-args). Clicking one posts {"labdeck": 1, "action": ..., "args": ...} to the dashboard;
// autostart, cascade, cooldown and hidden follow Educates. notes.js hands clicks to activate().
window.labdeckNotesActions = (function () {
  "use strict";

  function dashboard() {
    try {
      return window.parent !== window ? window.parent.labdeckDashboard || null : null;
    } catch (e) {
      return null; // another origin frames us
    }
  }

  function handles(action) {
    var board = dashboard();
    return Boolean(board && board.handles(action));
  }

  function say(block, text) {
    var status = block.querySelector(".ld-code-feedback");
    if (status) status.textContent = text;
    block.classList.add("ld-done");
    clearTimeout(block._ldTimer);
    block._ldTimer = setTimeout(function () { if (status) status.textContent = ""; }, 2500);
  }

  function cooling(block) {
    var value = block.getAttribute("data-cooldown");
    if (value === null) return false;
    if (Date.now() < (block._ldUntil || 0)) return true;
    var seconds = /^(\.inf|-1)$/i.test(value.trim()) ? Infinity : Number(value) || 0;
    block._ldUntil = Date.now() + seconds * 1000;
    return false;
  }

  var FEEDBACK = {
    "terminal:interrupt": "Interrupted", "terminal:interrupt-all": "Interrupted",
    "terminal:input": "Sent to the terminal", "workshop:copy-and-edit": "Pasted: edit, then press Enter",
    "terminal:clear": "Cleared", "terminal:clear-all": "Cleared",
  };

  function activate(block, shift) {
    if (block.classList.contains("ld-check") && window.labdeckChecks) return window.labdeckChecks.run(block);
    var action = block.getAttribute("data-action");
    var args;
    try {
      args = JSON.parse(block.getAttribute("data-args") || "{}");
    } catch (e) {
      args = {};
    }
    if (cooling(block)) return;
    var text = String(args.command != null ? args.command : args.text != null ? args.text : "");
    var copies = action === "workshop:copy" || (shift && /^(terminal|workshop):/.test(action));
    if (copies || (!dashboard() && /^(terminal:(execute|input)|workshop:)/.test(action))) {
      window.labdeck.copy(text).then(function () { say(block, "Copied"); },
        function () { say(block, "Select the text and copy it"); });
    } else if (!dashboard() && action === "dashboard:open-url") {
      window.open(args.url, "_blank", "noopener");
    } else if (!handles(action)) {
      var needs = block.querySelector(".ld-action-needs");
      if (needs) needs.hidden = false;
      say(block, needs ? "Not available here" : "Open the workshop in its dashboard to use this");
      return;
    } else if (action === "workshop:copy-and-edit") {
      window.labdeck.post("terminal:input", { session: args.session, text: text, endl: false });
    } else {
      if (action === "terminal:execute" && window.labdeckProgress) args.id = window.labdeckProgress.clicked(block);
      window.labdeck.post(action, args);
    }
    say(block, FEEDBACK[action] || "Done");
    if (block.hasAttribute("data-cascade")) cascade(block);
  }

  /** Run the action after `block` in the page (Educates' cascade). */
  function cascade(block) {
    var all = Array.prototype.slice.call(document.querySelectorAll(".ld-action[data-action], .ld-section-body"));
    var next = all[all.indexOf(block) + 1];
    if (!next) return;
    if (next.classList.contains("ld-section-body")) { // the cascade reached a section's end: close it
      next.parentNode.open = false;
    } else if (next.tagName === "SUMMARY") {
      next.parentNode.open = true;
    } else {
      activate(next, false);
    }
  }

  function autostart(root) {
    var blocks = root.querySelectorAll(".ld-code.ld-action[data-autostart]");
    for (var i = 0; i < blocks.length; i++) {
      var closed = blocks[i].closest("details:not([open])");
      if (!closed || closed === root.closest("details:not([open])")) activate(blocks[i], false);
    }
  }

  function start() {
    var needs = document.querySelectorAll(".ld-action-needs");
    for (var i = 0; i < needs.length; i++) {
      var block = needs[i].closest("[data-action]");
      needs[i].hidden = handles(block.getAttribute("data-action")); // the note stays when nothing handles it
    }
    var sections = document.querySelectorAll("details.ld-section");
    for (var j = 0; j < sections.length; j++) {
      sections[j].addEventListener("toggle", function (event) {
        var details = event.target;
        if (details.open) autostart(details.querySelector(".ld-section-body"));
        var summary = details.querySelector("summary");
        if (details.open && summary.hasAttribute("data-cascade")) cascade(summary);
      });
    }
    autostart(document);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();

  return { activate: activate, handles: handles, cascade: cascade };
})();
