// labdeck notes, a Killercoda step: {{exec interrupt}} and the step's scripts.
// Loaded after labdeck.js and notes.js (both deferred), only on a Killercoda scenario's pages.
(function () {
  "use strict";

  var inDashboard = window.labdeckNotesInDashboard === true; // notes.js, loaded before this script

  // {{exec interrupt}}: Ctrl-C first. This listener runs in the capture phase, before notes.js
  // posts the block's terminal:execute, under the same conditions (a plain click or key in a dashboard).
  function interruptFirst(block, event) {
    if (!block || !inDashboard || event.shiftKey) return;
    if (event.type === "click" && window.getSelection && String(window.getSelection()).length) return;
    var session = block.getAttribute("data-session");
    window.labdeck.post("terminal:interrupt", session ? { session: session } : {});
  }

  document.addEventListener("click", function (event) {
    interruptFirst(event.target.closest(".ld-code[data-interrupt]"), event);
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") return;
    interruptFirst(event.target.closest && event.target.closest(".ld-code[data-interrupt]"), event);
  }, true);

  // The step started: the server runs its background script (once), and answers its
  // foreground script for the first terminal (once, to a page inside a dashboard).
  var step = document.getElementById("ld-kc-step");
  if (!step) return;
  fetch(step.getAttribute("data-start"), {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ page: step.getAttribute("data-page"), terminal: inDashboard }),
  }).then(function (response) {
    return response.ok ? response.json() : {};
  }).then(function (answer) {
    if (answer.foreground) window.labdeck.post("terminal:execute", { session: "1", command: answer.foreground });
  }).catch(function (error) {
    console.warn("labdeck: starting this step's scripts failed:", error);
  });
})();
