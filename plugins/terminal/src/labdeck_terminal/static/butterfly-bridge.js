/* labdeck-terminal: the action bus for Butterfly's page (served by Butterfly as /local.js).
 * Same messages and window.labdeckTerminal as our own page; see docs/terminal.md. */
(function () {
  "use strict";
  const match = location.pathname.match(/\/session\/([^/]+)\/?$/);
  const session = match ? decodeURIComponent(match[1]) : null;
  const queued = [];

  function send(text) {
    if (window.butterfly && window.butterfly.send) window.butterfly.send(text);
    else queued.push(text); // the page's WebSocket is not open yet
  }
  const flush = setInterval(() => {
    if (!window.butterfly) return;
    clearInterval(flush);
    for (const text of queued.splice(0)) window.butterfly.send(text);
    if (window.parent !== window) {
      window.parent.postMessage({ labdeck: 1, action: "terminal:ready", args: { session } }, location.origin);
    }
  }, 100);

  const api = {
    session,
    execute(command) { send(String(command).replace(/\r?\n$/, "").replace(/\r?\n/g, "\r") + "\r"); },
    input(text) { send(String(text)); },
    interrupt() { send("\x03"); },
    clear() { if (window.butterfly) window.butterfly.write("\x1b[H\x1b[2J"); },
    focus() { const input = document.getElementById("input-helper"); if (input) input.focus(); },
  };
  window.labdeckActionBus(api, session);
})();
