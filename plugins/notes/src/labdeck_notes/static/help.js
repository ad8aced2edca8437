// labdeck notes: the instructor's broadcast and "Ask for help" (help.py, docs/instructor.md).
// Listens to the page's event stream, <notes>/-/events, opened by notes.js (server-sent events:
// one request held open, not a poll, so an idle tab is not use): shows the latest broadcast, and when the workshop offers help
// (LABDECK_NOTES_HELP) a button that raises the attendee's hand with an optional message.
(function () {
  "use strict";

  var base = document.body.getAttribute("data-notes-base");
  var pageId = document.body.getAttribute("data-page");
  if (!base) return;
  var bar = document.createElement("div");
  bar.className = "ld-help";
  var news = document.createElement("p");
  news.className = "ld-broadcast";
  news.setAttribute("role", "status");
  news.hidden = true;
  var ask = document.createElement("form");
  ask.className = "ld-ask";
  ask.hidden = true;
  var message = document.createElement("input");
  message.type = "text";
  message.maxLength = 500;
  message.placeholder = "What is wrong? (optional)";
  message.setAttribute("aria-label", "Message to the instructor (optional)");
  var button = document.createElement("button");
  button.type = "submit";
  button.className = "ld-ask-button";
  var up = document.createElement("span");
  up.className = "ld-hand-up";
  up.setAttribute("role", "status");
  ask.append(up, message, button);
  bar.append(news, ask);
  document.body.prepend(bar);

  var hand = null;

  function show(state) {
    var b = state.broadcast;
    news.hidden = !b;
    news.textContent = b ? (b.sender ? b.sender + ": " : "") + b.message : "";
    ask.hidden = !state.enabled || !pageId && !state.hand;
    hand = state.hand;
    up.textContent = hand ? "Your hand is up: the instructor will come by." : "";
    message.hidden = Boolean(hand);
    button.textContent = hand ? "Lower my hand" : "Ask for help";
  }

  /** The commands of this page that were run (they have a result): block number -> text. */
  function commands() {
    var found = {};
    document.querySelectorAll(".ld-code").forEach(function (block, index) {
      if (!block.querySelector(".ld-result")) return;
      var code = block.querySelector("pre, code") || block;
      found[String(index)] = code.textContent.trim().slice(0, 300);
    });
    return found;
  }

  function call(method, path, body) {
    return fetch(base + path, {method: method, credentials: "same-origin",
      headers: body ? {"Content-Type": "application/json"} : {}, body: body ? JSON.stringify(body) : undefined})
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); });
  }

  ask.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = hand ? {lower: true} : {page: pageId, message: message.value, commands: commands()};
    call("POST", "-/progress/hand", body).then(function () { message.value = ""; }, function () {});
  });
  if (window.labdeckNotesEvents) { // the page's one event stream (notes.js, events.py)
    window.labdeckNotesEvents.addEventListener("help", function (event) { show(JSON.parse(event.data)); });
  } else {
    call("GET", "-/help").then(show, function () {});
  }
})();
