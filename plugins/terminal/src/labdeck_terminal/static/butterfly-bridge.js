/* labdeck-terminal: the action bus for Butterfly's page (served by Butterfly as /local.js, after
 * action-bus.js). Same messages and window.labdeckTerminal as our own page; see docs/terminal.md. */
(function () {
  "use strict";
  const match = location.pathname.match(/\/session\/([^/]+)\/?$/);
  const session = match ? decodeURIComponent(match[1]) : null;
  const queued = [];

  function send(text) {
    if (window.butterfly && window.butterfly.send) window.butterfly.send(text);
    else queued.push(text); // the page's WebSocket is not open yet
  }

  const api = {
    session,
    execute(command) { send(String(command).replace(/\r?\n$/, "").replace(/\r?\n/g, "\r") + "\r"); },
    input(text) { send(String(text)); },
    interrupt() { send("\x03"); },
    clear() { if (window.butterfly) window.butterfly.write("\x1b[H\x1b[2J"); },
    focus() { const input = document.getElementById("input-helper"); if (input) input.focus(); },
  };

  function start() {
    window.labdeckActionBus(api, session);
    const flush = setInterval(() => {
      if (!window.butterfly) return;
      clearInterval(flush);
      for (const text of queued.splice(0)) window.butterfly.send(text);
      window.labdeck.post("terminal:ready", { session });
    }, 100);
  }

  // core's labdeck.js, from labdeck itself (the proxy in front of Butterfly): Butterfly's root
  // path is <prefix>terminal, so <prefix>-/static/labdeck.js is "-/static/labdeck.js" beside it
  const root = (document.body.dataset.rootPath || "/terminal").replace(/\/+$/, "");
  const script = document.createElement("script");
  script.src = new URL("-/static/labdeck.js", location.origin + root).href;
  script.onload = start;
  document.head.appendChild(script);
})();
