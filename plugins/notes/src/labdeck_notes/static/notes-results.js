// labdeck notes: how an action another tab carried out went, shown on the block that sent it.
// Each editor:* / files:* block gets an `_id` in its data-args (before notes-actions.js can post
// it); labdeck-editor answers {labdeck: 1, action: "editor:result", args: {id, action, ok, message}},
// which the dashboard hands to this frame. A failure stays on the block until the next result.
(function () {
  "use strict";

  var page = Date.now().toString(36) + Math.random().toString(36).slice(2, 6); // ids of this page only
  var blocks = document.querySelectorAll('.ld-action[data-action^="editor:"], .ld-action[data-action^="files:"]');
  for (var i = 0; i < blocks.length; i++) {
    try {
      var args = JSON.parse(blocks[i].getAttribute("data-args") || "{}");
      args._id = page + "-" + i;
      blocks[i].setAttribute("data-args", JSON.stringify(args));
      blocks[i].setAttribute("data-result-id", args._id);
    } catch (e) { /* a malformed block already says so */ }
  }

  function show(args) {
    var id = String(args.id || "");
    var block = id && document.querySelector('[data-result-id="' + CSS.escape(id) + '"]');
    if (!block) return;
    var failed = block.querySelector(".ld-action-failed");
    if (failed) failed.remove();
    var status = block.querySelector(".ld-code-feedback");
    clearTimeout(block._ldTimer); // notes-actions.js's "Done" would clear the answer early
    if (args.ok) {
      if (status) status.textContent = String(args.message || "Done");
      block._ldTimer = setTimeout(function () { if (status) status.textContent = ""; }, 5000);
      return;
    }
    if (status) status.textContent = "Failed";
    failed = document.createElement("p");
    failed.className = "ld-error ld-action-failed";
    failed.style.gridColumn = "1 / -1"; // a row of its own in the block's grid (notes.css .ld-code)
    failed.style.margin = "0";
    failed.setAttribute("role", "alert");
    failed.textContent = String(args.message || "The action failed");
    block.appendChild(failed);
  }

  if (window.labdeck) window.labdeck.listen({ "editor:result": show });
})();
