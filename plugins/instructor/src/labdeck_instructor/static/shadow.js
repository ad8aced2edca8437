// A read-only view of an attendee's terminal: output as plain text (escape sequences dropped).
// The socket carries acknowledgements back, nothing else: there is no way to type here.
"use strict";
(() => {
  const { base, user, session } = document.body.dataset;
  const screen = document.getElementById("screen");
  const status = document.getElementById("status");
  const decoder = new TextDecoder();
  const MAX = 200000; // characters kept on screen
  let text = "";
  let received = 0;

  const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78MDEc]/g;
  function show(chunk) {
    text += chunk.replace(ESCAPES, "").replace(/\r\n/g, "\n").replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "");
    if (text.length > MAX) text = text.slice(text.length - MAX);
    const atBottom = screen.scrollTop + screen.clientHeight >= screen.scrollHeight - 4;
    screen.textContent = text;
    if (atBottom) screen.scrollTop = screen.scrollHeight;
  }

  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}${base}-/shadow/${encodeURIComponent(user)}/${encodeURIComponent(session)}`);
  socket.binaryType = "arraybuffer";
  socket.onmessage = (event) => {
    if (typeof event.data === "string") {
      const control = JSON.parse(event.data);
      if (control.t === "hello") status.textContent = "watching";
      if (control.t === "error") status.textContent = control.message;
      if (control.t === "exit") status.textContent = "the session ended";
      return;
    }
    received += event.data.byteLength;
    show(decoder.decode(event.data, { stream: true }));
    socket.send(JSON.stringify({ t: "ack", n: received }));
  };
  socket.onclose = () => { if (status.textContent === "watching" || status.textContent === "connecting…") status.textContent = "disconnected"; };
})();
