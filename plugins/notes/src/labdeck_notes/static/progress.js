// labdeck notes: what each clicked command did, and the attendee's progress (docs/notes.md "Progress").
// A clicked execute block gets an id, "<page id>#<its number among the page's code blocks>", which
// notes.js / notes-actions.js send with terminal:execute. The terminal reports on that id
// (terminal:result, relayed by the dashboard); this script shows running (with Ctrl-C), ✓ and the
// duration, or ✗ and the exit status on the block, and saves it at <notes>/-/progress/result.
// A page load shows the saved results and "page 4 of 12 · 3 of 5 checks".
window.labdeckProgress = (function () {
  "use strict";

  var base = document.body.getAttribute("data-notes-base");
  var pageId = document.body.getAttribute("data-page");
  var api = base + "-/progress";

  function blocks() {
    return document.querySelectorAll(".ld-code");
  }

  /** The id a click on `block` sends with terminal:execute. */
  function clicked(block) {
    var index = Array.prototype.indexOf.call(blocks(), block);
    if (!pageId || index < 0) return undefined;
    return pageId + "#" + index;
  }

  function duration(seconds) {
    if (typeof seconds !== "number") return "";
    if (seconds < 10) return seconds.toFixed(1) + " s";
    if (seconds < 60) return Math.round(seconds) + " s";
    return Math.floor(seconds / 60) + " min " + Math.round(seconds % 60) + " s";
  }

  function resultBox(block) {
    var box = block.querySelector(".ld-result");
    if (!box) {
      box = document.createElement("span");
      box.className = "ld-result";
      box.setAttribute("role", "status");
      block.appendChild(box);
    }
    return box;
  }

  function interruptButton(session) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "ld-result-interrupt";
    button.textContent = "Ctrl-C";
    button.title = "Interrupt the command";
    function stop(event) { event.stopPropagation(); } // not a click on the block
    button.addEventListener("keydown", stop);
    button.addEventListener("click", function (event) {
      stop(event);
      var args = {};
      if (session) args.session = session;
      window.labdeck.post("terminal:interrupt", args);
    });
    return button;
  }

  /** Show `result` ({state, code, seconds}) on `block`. */
  function show(block, result, session) {
    var box = resultBox(block);
    box.textContent = "";
    box.className = "ld-result ld-result-" + result.state;
    block.setAttribute("data-result", result.state);
    if (result.state === "running") {
      box.appendChild(document.createTextNode("running "));
      box.appendChild(interruptButton(session || block.getAttribute("data-session")));
    } else if (result.state === "passed") {
      box.textContent = "\u2713 " + duration(result.seconds);
      box.title = "finished with exit status 0";
    } else if (result.state === "started") { // saved as running: it may have ended unseen (a restart)
      box.textContent = "started, no result yet";
    } else if (result.state === "failed") {
      box.textContent = "\u2717 " + (result.code == null ? "" : result.code);
      box.title = "exit status " + result.code + (result.seconds == null ? "" : ", after " + duration(result.seconds));
    }
  }

  function save(page, block, args) {
    var body = { page: page, block: block, state: args.state,
      code: typeof args.code === "number" ? args.code : null,
      seconds: typeof args.seconds === "number" ? args.seconds : null };
    fetch(api + "/result", { method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json" } }).catch(function () { /* shown, not kept */ });
  }

  window.labdeck.listen({
    "terminal:result": function (args) {
      var id = typeof args.id === "string" ? args.id : "";
      var cut = id.lastIndexOf("#");
      if (cut <= 0 || ["running", "passed", "failed"].indexOf(args.state) < 0) return;
      var page = id.slice(0, cut);
      var index = id.slice(cut + 1);
      if (page === pageId) {
        var block = blocks()[Number(index)];
        if (block) show(block, args, args.session);
      }
      save(page, index, args); // the notes may have moved to another page meanwhile
    },
  });

  // ------------------------------------------------------------- what is saved, on load

  function passedChecks(progress) {
    var count = 0;
    Object.keys(progress.pages || {}).forEach(function (id) {
      var checks = progress.pages[id].checks || {};
      Object.keys(checks).forEach(function (name) { if (checks[name].state === "passed") count += 1; });
    });
    return count;
  }

  function showCounts(progress) {
    var total = 0;
    (progress.sequence || []).forEach(function (page) { total += page.checks || 0; });
    var counts = document.querySelector(".ld-checks-count");
    if (counts && total > 0) {
      counts.textContent = " \u00b7 " + passedChecks(progress) + " of " + total + " check" + (total === 1 ? "" : "s");
      counts.hidden = false;
    }
  }

  function showPage(progress) {
    var saved = (progress.pages || {})[pageId];
    if (!saved) return;
    var all = blocks();
    Object.keys(saved.blocks || {}).forEach(function (index) {
      var block = all[Number(index)];
      var result = saved.blocks[index];
      if (result.state === "running") result = { state: "started" };
      if (block && !block.hasAttribute("data-result")) show(block, result); // a live one wins
    });
  }

  /** The page id a link of the overview leads to (its path under the notes). */
  function linkedPage(link) {
    var path = new URL(link.href).pathname;
    return path.indexOf(base) === 0 ? decodeURIComponent(path.slice(base.length)) : null;
  }

  function showOverview(progress) {
    var links = document.querySelectorAll(".ld-page-list a[href]");
    var current = null;
    for (var i = 0; i < links.length; i++) {
      var id = linkedPage(links[i]);
      var item = links[i].parentNode;
      item.classList.toggle("ld-visited", Boolean((progress.pages || {})[id]));
      item.classList.toggle("ld-current", id === progress.current);
      if (id === progress.current) current = links[i];
    }
    var ids = (progress.sequence || []).map(function (page) { return page.id; });
    var position = ids.indexOf(progress.current);
    var count = document.querySelector(".ld-page-count");
    if (count && position >= 0) count.firstChild.textContent = "page " + (position + 1) + " of " + ids.length;
    var resume = document.querySelector(".ld-resume");
    if (resume && current) {
      resume.setAttribute("href", current.getAttribute("href"));
      resume.hidden = false;
    }
  }

  function load() {
    fetch(api, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (progress) {
        if (!progress) return;
        showCounts(progress);
        if (pageId) showPage(progress);
        else showOverview(progress);
      })
      .catch(function () { /* no progress shown: the notes work without it */ });
  }

  // "Reset my progress" (the overview), after a confirmation
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".ld-reset-progress");
    if (!button) return;
    event.preventDefault();
    if (!window.confirm("Reset your progress? The pages you visited and the results of your commands are forgotten.")) return;
    fetch(api + "/reset", { method: "POST", credentials: "same-origin" })
      .then(function () { window.location.reload(); });
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", load);
  else load();

  return { clicked: clicked };
})();
