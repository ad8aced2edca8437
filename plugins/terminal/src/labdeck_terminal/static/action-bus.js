/* labdeck-terminal: the terminal's actions, for our own terminal page and Butterfly's, on top of
 * core's labdeck.js (which checks each message's origin and shape). labdeckActionBus(api, session)
 * publishes `api` as window.labdeckTerminal and obeys {"labdeck": 1, "action": "terminal:…",
 * "args": {…}}; a message naming another session is ignored. See docs/terminal.md. */
window.labdeckActionBus = function (api, session) {
  "use strict";
  window.labdeckTerminal = api;
  const mine = (run) => (args) => {
    if (args.session == null || session === null || String(args.session) === session) run(args);
  };
  window.labdeck.listen({
    "terminal:execute": mine((args) => api.execute(args.command ?? args.text ?? "", args.id)),
    "terminal:execute-all": mine((args) => api.execute(args.command ?? args.text ?? "", args.id)),
    "terminal:input": mine((args) => api.input(args.text ?? args.data ?? "")),
    "terminal:interrupt": mine(() => api.interrupt()),
    "terminal:clear": mine(() => api.clear()),
    "terminal:focus": mine(() => api.focus()),
    focus: mine(() => api.focus()),
  });
};
