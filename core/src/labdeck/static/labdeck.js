/* labdeck.js: the action bus and the clipboard, one copy for every page of labdeck and its
 * plugins, served by core behind sign-in at <prefix>-/static/labdeck.js (docs/architecture.md).
 * A message is {labdeck: 1, action: "<plugin>:<verb>", args: {...}}, posted with
 * window.postMessage to a window of this origin; a receiver ignores every other origin and shape. */
window.labdeck = (() => {
  "use strict";
  const origin = window.location.origin;

  /** Post `action` to `target` (by default the page framing this one; nothing when unframed). */
  function post(action, args = {}, target = window.parent) {
    if (target && target !== window) target.postMessage({ labdeck: 1, action, args }, origin);
  }

  /** Obey `actions[action](args)` for each well-formed message from this origin. */
  function listen(actions) {
    window.addEventListener("message", (event) => {
      const message = event.data;
      if (event.origin !== origin || !message || typeof message !== "object" || message.labdeck !== 1) return;
      if (typeof message.action !== "string" || !Object.hasOwn(actions, message.action)) return;
      const args = message.args && typeof message.args === "object" ? message.args : {};
      try {
        actions[message.action](args);
      } catch (error) {
        console.warn(`labdeck: ${message.action} failed:`, error); // e.g. a malformed URL
      }
    });
  }

  /** Put `text` on the clipboard: the Clipboard API, else a selected textarea (plain http, or
   * a frame not allowed the API). Resolves when copied, rejects when the browser refused. */
  async function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        return await navigator.clipboard.writeText(text);
      } catch {
        /* not focused or not allowed: try the old way */
      }
    }
    const focused = document.activeElement;
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let copied = false;
    try { copied = document.execCommand("copy"); } catch { /* refused */ }
    area.remove();
    if (focused && focused.focus) focused.focus();
    if (!copied) throw new Error("copy refused");
  }

  return Object.freeze({ post, listen, copy });
})();
