/* labdeck-terminal: the action bus shared by our own terminal page and Butterfly's.
 * labdeckActionBus(api, session) publishes `api` as window.labdeckTerminal and obeys
 * same-origin postMessages {"labdeck": 1, "action": "terminal:…", "args": {…}}; a message
 * naming another session is ignored. See docs/terminal.md. */
window.labdeckActionBus = function (api, session) {
  "use strict";
  window.labdeckTerminal = api;
  const ACTIONS = {
    "terminal:execute": (args) => api.execute(args.command ?? args.text ?? ""),
    "terminal:execute-all": (args) => api.execute(args.command ?? args.text ?? ""),
    "terminal:input": (args) => api.input(args.text ?? args.data ?? ""),
    "terminal:interrupt": () => api.interrupt(),
    "terminal:clear": () => api.clear(),
    "terminal:focus": () => api.focus(),
    focus: () => api.focus(),
  };
  window.addEventListener("message", (event) => {
    if (event.origin !== location.origin) return;
    const message = event.data;
    if (!message || typeof message !== "object" || message.labdeck !== 1) return;
    if (!Object.hasOwn(ACTIONS, message.action)) return;
    const args = message.args && typeof message.args === "object" ? message.args : {};
    if (args.session != null && session !== null && String(args.session) !== session) return;
    ACTIONS[message.action](args);
  });
};
