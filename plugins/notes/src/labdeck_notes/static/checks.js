// labdeck notes: check blocks (check_blocks.py renders them; check_runner.py runs their script).
// A block runs when clicked, when its inputs form is sent, at page load (autostart) or when the
// action before it cascades; it shows running, passed, or failed with the script's last output
// lines, and retries (`retries`, -1 for .INF) after `delay` seconds with a visible countdown.
// A gated page (#ld-checks[data-gate]) keeps its next buttons disabled until every check passed.
window.labdeckChecks = (function () {
  "use strict";

  var state = document.getElementById("ld-checks");
  var runUrl = state ? state.getAttribute("data-run") : null;
  var passed = {};
  try {
    (JSON.parse(state ? state.getAttribute("data-passed") || "[]" : "[]")).forEach(function (name) {
      passed[name] = true;
    });
  } catch (e) { /* no recorded passes */ }

  function settings(block) {
    try {
      return JSON.parse(block.getAttribute("data-check") || "{}");
    } catch (e) {
      return {};
    }
  }

  function show(block, stateName, text, output) {
    block.setAttribute("data-state", stateName);
    block.querySelector(".ld-check-status").textContent = text;
    var pre = block.querySelector(".ld-check-output");
    pre.hidden = !output;
    pre.textContent = output || "";
  }

  function answers(block) {
    var form = block.querySelector("form.ld-check-form");
    if (!form) return undefined;
    var out = {};
    Array.prototype.forEach.call(form.querySelectorAll("input[name]"), function (input) {
      var kind = input.getAttribute("data-type");
      if (input.type === "checkbox") out[input.name] = input.checked;
      else if (kind === "number" || kind === "integer") out[input.name] = input.value === "" ? null : Number(input.value);
      else out[input.name] = input.value;
    });
    return out;
  }

  function post(block, check) {
    var page = document.body.getAttribute("data-page");
    return fetch(runUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ page: page, name: check.name, args: check.args, timeout: check.timeout,
                             inputs: answers(block) }),
    }).then(function (response) {
      if (!response.ok) return { state: "failed", output: ["labdeck answered " + response.status] };
      return response.json();
    }, function () {
      return { state: "failed", output: ["labdeck could not be reached"] };
    });
  }

  /** Run the block's check, then its retries; resolves true when it passed. */
  function run(block) {
    if (block._ldRunning) return block._ldRunning;
    var check = settings(block);
    var left = check.retries === -1 ? Infinity : Number(check.retries) || 0;
    var delay = Math.max(Number(check.delay) || 0, 0);
    var attempt = 1;

    function once() {
      show(block, "running", attempt > 1 ? "Running (attempt " + attempt + ")…" : "Running…", "");
      return post(block, check).then(function (result) {
        if (result.state === "passed") {
          show(block, "passed", "Passed", "");
          return true;
        }
        var output = (result.output || []).join("\n");
        var code = result.code === null || result.code === undefined ? "" : " (exit status " + result.code + ")";
        if (left <= 0) {
          show(block, "failed", "Failed" + code, output);
          return false;
        }
        left -= 1;
        attempt += 1;
        return countdown(block, delay, "Failed" + code, output).then(once);
      });
    }

    block._ldRunning = once().then(function (ok) {
      block._ldRunning = null;
      if (ok) {
        passed[check.name] = true;
        updateGate();
        if (block.hasAttribute("data-cascade") && window.labdeckNotesActions) window.labdeckNotesActions.cascade(block);
      }
      return ok;
    });
    return block._ldRunning;
  }

  function countdown(block, seconds, text, output) {
    return new Promise(function (resolve) {
      var left = Math.ceil(seconds);
      function tick() {
        if (left <= 0) return resolve();
        show(block, "waiting", text + " · trying again in " + left + " s", output);
        left -= 1;
        setTimeout(tick, 1000);
      }
      if (seconds <= 0) resolve();
      else tick();
    });
  }

  function updateGate() {
    if (!state || !state.hasAttribute("data-gate")) return;
    var blocks = document.querySelectorAll(".ld-check[data-check]");
    var open = Array.prototype.every.call(blocks, function (block) { return passed[settings(block).name]; });
    Array.prototype.forEach.call(document.querySelectorAll("a[data-gated]"), function (link) {
      if (open) link.removeAttribute("aria-disabled");
      else link.setAttribute("aria-disabled", "true");
    });
  }

  // A disabled next button leads nowhere (capture phase: before notes.js routes the link).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-gated][aria-disabled='true']");
    if (link) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".ld-check button.ld-check-run[type='button']");
    if (button) run(button.closest(".ld-check"));
  });

  document.addEventListener("submit", function (event) {
    var block = event.target.closest && event.target.closest(".ld-check");
    if (!block) return;
    event.preventDefault();
    run(block);
  });

  function autostart(root) {
    Array.prototype.forEach.call(root.querySelectorAll(".ld-check[data-autostart]:not([data-inputs])"), function (block) {
      if (!block.closest("details:not([open])")) run(block);
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".ld-check[data-check]"), function (block) {
      if (passed[settings(block).name]) show(block, "passed", "Passed before", "");
    });
    Array.prototype.forEach.call(document.querySelectorAll("details.ld-section"), function (details) {
      details.addEventListener("toggle", function () { if (details.open) autostart(details); });
    });
    updateGate();
    autostart(document);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();

  return { run: run };
})();
