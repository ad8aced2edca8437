/* labdeck-terminal page: xterm.js on the terminal server's WebSocket.
 * Protocol and the action-bus messages: docs/terminal.md. */
(function () {
  "use strict";

  const body = document.body;
  const session = body.dataset.session;
  const root = new URL(body.dataset.root, location.href);
  const params = new URLSearchParams(location.search);
  const PREFS_KEY = "labdeck.terminal.prefs";
  const ACK_EVERY = 64 * 1024;
  const WRITE_PIECE = 8 * 1024; // see output()
  const MAX_QUEUED_INPUT = 64 * 1024;
  const DEAD_AFTER_MS = 65000; // the server pings every 25 s
  const CLOSE = { signedOut: 1008, badName: 4400, gone: 4404, tooSlow: 4408, limit: 4429 };

  const THEMES = {
    dark: { background: "#1e1e1e", foreground: "#d4d4d4", cursor: "#d4d4d4", selectionBackground: "#264f78" },
    light: {
      background: "#fafafa", foreground: "#1f1f1f", cursor: "#1f1f1f", selectionBackground: "#add6ff",
      black: "#000000", red: "#c91b00", green: "#00a600", yellow: "#a68b00", blue: "#0451a5",
      magenta: "#bc05bc", cyan: "#0598bc", white: "#555555", brightBlack: "#666666",
      brightRed: "#cd3131", brightGreen: "#14ce14", brightYellow: "#b5ba00", brightBlue: "#0451a5",
      brightMagenta: "#bc05bc", brightCyan: "#0598bc", brightWhite: "#a5a5a5",
    },
  };

  function loadPrefs() {
    let stored = {};
    try { stored = JSON.parse(localStorage.getItem(PREFS_KEY) || "{}") || {}; } catch (e) { /* private mode */ }
    const theme = params.get("theme") || stored.theme;
    return {
      fontSize: clampFont(Number(params.get("fontSize")) || stored.fontSize || 14),
      theme: theme in THEMES ? theme : "dark",
    };
  }
  function savePrefs() {
    try { localStorage.setItem(PREFS_KEY, JSON.stringify(prefs)); } catch (e) { /* private mode */ }
  }
  function clampFont(size) { return Math.max(8, Math.min(32, Math.round(size))); }

  const prefs = loadPrefs();
  const term = new Terminal({
    fontSize: prefs.fontSize,
    fontFamily: 'ui-monospace, "DejaVu Sans Mono", "Cascadia Mono", Menlo, Consolas, monospace',
    theme: THEMES[prefs.theme],
    cursorBlink: true,
    scrollback: 10000,
    macOptionIsMeta: true,
  });
  const fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.loadAddon(new WebLinksAddon.WebLinksAddon());
  term.open(document.getElementById("terminal"));
  body.classList.toggle("light", prefs.theme === "light");
  fit.fit();
  new ResizeObserver(() => requestAnimationFrame(() => fit.fit())).observe(document.getElementById("terminal"));

  // -- the renderer ---------------------------------------------------------------------------
  // The DOM renderer rebuilds every visible row in the page each frame (a quarter of the main
  // thread during a flood, docs/benchmarks.md); xterm.js's WebGL renderer leaves that to the GPU.
  // On a software WebGL (SwiftShader, llvmpipe: no GPU, or a blocked one) it is slower than the
  // DOM renderer (measured), which is then kept. ?renderer=dom or ?renderer=webgl overrides the choice.
  // Losing the GL context (a GPU reset) drops back to the DOM renderer.

  function wantsWebgl() {
    const asked = params.get("renderer");
    if (asked === "dom" || asked === "webgl") return asked === "webgl";
    const gl = document.createElement("canvas").getContext("webgl2");
    if (!gl) return false;
    const info = gl.getExtension("WEBGL_debug_renderer_info");
    const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension("WEBGL_lose_context")?.loseContext(); // browsers allow few live contexts
    return !/swiftshader|llvmpipe|softpipe|software|basic render/i.test(name);
  }

  function loadWebgl() { // 250 KB that a DOM-rendered terminal never needs: loaded only here
    const script = document.createElement("script");
    script.src = new URL("static/vendor/addon-webgl.js", root).href;
    script.onload = () => {
      try {
        const webgl = new WebglAddon.WebglAddon();
        webgl.onContextLoss(() => webgl.dispose());
        term.loadAddon(webgl);
        body.dataset.renderer = "webgl";
      } catch (error) {
        console.warn("labdeck-terminal: WebGL renderer unavailable, keeping the DOM renderer", error);
      }
    };
    document.head.append(script);
  }

  // -- the connection ---------------------------------------------------------------------

  let ws = null;
  let sessionId = null; // set by "hello"; a reconnect asks for this very session
  let state = "connecting"; // connecting | connected | reconnecting | ended
  let attempt = 0;
  let timer = null;
  let lastMessage = Date.now();
  let queued = [];

  function connect() {
    clearTimeout(timer);
    const url = new URL("ws/session/" + encodeURIComponent(session), root);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("cols", term.cols);
    url.searchParams.set("rows", term.rows);
    if (sessionId) url.searchParams.set("id", sessionId);
    const socket = new WebSocket(url);
    socket.binaryType = "arraybuffer";
    const flow = { processed: 0, acked: 0, writes: 0 };
    ws = socket;
    lastMessage = Date.now();
    socket.onmessage = (event) => {
      if (socket !== ws) return;
      lastMessage = Date.now();
      if (typeof event.data === "string") control(JSON.parse(event.data));
      else output(socket, flow, new Uint8Array(event.data));
    };
    socket.onclose = (event) => { if (socket === ws) lost(event.code); };
  }

  // xterm.js checks its time budget (12 ms a task) between writes, never inside one: a 64 KiB
  // frame is parsed in one go, up to a 150 ms task on a busy machine. Written in pieces
  // (subarrays, no copy) it yields to drawing and to the keyboard between them.
  function output(socket, flow, bytes) {
    flow.writes++;
    let at = 0;
    for (; bytes.length - at > WRITE_PIECE; at += WRITE_PIECE) term.write(bytes.subarray(at, at + WRITE_PIECE));
    term.write(at ? bytes.subarray(at) : bytes, () => {
      flow.writes--;
      flow.processed += bytes.length;
      if (socket === ws && (flow.writes === 0 || flow.processed - flow.acked >= ACK_EVERY)) {
        flow.acked = flow.processed;
        send({ t: "ack", n: flow.processed });
      }
    });
  }

  function control(message) {
    switch (message.t) {
      case "hello":
        sessionId = message.id;
        state = "connected";
        live = false;
        attempt = 0;
        term.reset(); // the scrollback replay that follows redraws the screen
        showStatus(null);
        for (const text of queued) send({ t: "in", d: text });
        queued = [];
        window.labdeck.post("terminal:ready", { session });
        break;
      case "live": // the replay is queued before this: marks count once xterm.js has drawn it
        term.write(new Uint8Array(0), () => { live = true; });
        break;
      case "ping":
        send({ t: "pong" });
        break;
      case "watched": // someone watches this session read-only (the instructor's shadow view)
        showWatched(message.by || []);
        break;
      case "exit":
        ended("Session ended" + (message.code ? " (exit code " + message.code + ")" : "") + ".");
        break;
      case "error":
        if (message.reason === "gone") ended("The terminal server restarted: this session has ended.");
        else ended(message.message || "The terminal could not start.");
        break;
    }
  }

  function showWatched(names) {
    let notice = document.getElementById("watched");
    if (!notice) {
      notice = document.createElement("div");
      notice.id = "watched";
      notice.setAttribute("role", "status");
      document.body.append(notice);
    }
    notice.hidden = names.length === 0;
    notice.textContent = names.length ? "Being viewed by " + names.join(", ") + " (read-only)" : "";
  }

  function lost(code) {
    ws = null;
    if (state === "ended" || [CLOSE.badName, CLOSE.gone, CLOSE.limit].includes(code)) return;
    if (code === CLOSE.signedOut) { // labdeck closed it: its sign-in no longer holds (core's proxy)
      state = "ended";
      showStatus("Signed out. Reload the page to sign in again.");
      return;
    }
    state = "reconnecting";
    showStatus("Connection lost. Reconnecting\u2026");
    if (code === CLOSE.tooSlow && document.hidden) return; // visibilitychange reconnects
    const delay = Math.min(10000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
    attempt++;
    timer = setTimeout(connect, delay);
  }

  function ended(text) {
    state = "ended";
    sessionId = null;
    showStatus(text, true);
  }

  function restart() {
    state = "connecting";
    sessionId = null;
    term.reset();
    showStatus(null);
    connect();
    term.focus();
  }

  function send(message) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(message));
    return true;
  }

  function input(text) {
    if (state === "ended" || !text) return;
    if (send({ t: "in", d: text })) return;
    const size = queued.reduce((n, t) => n + t.length, 0);
    if (size + text.length <= MAX_QUEUED_INPUT) queued.push(text);
  }

  function showStatus(text, canRestart) {
    const status = document.getElementById("status");
    status.hidden = !text;
    status.classList.toggle("ended", !!canRestart);
    document.getElementById("status-text").textContent = text || "";
    document.getElementById("restart").hidden = !canRestart;
  }

  setInterval(() => {
    if (ws && state === "connected" && Date.now() - lastMessage > DEAD_AFTER_MS) {
      const dead = ws;
      ws = null;
      dead.close();
      lost(1006);
    }
  }, 5000);
  const reconnectNow = () => { if (state === "reconnecting" && !ws) connect(); };
  window.addEventListener("online", reconnectNow);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) reconnectNow(); });
  document.getElementById("restart").addEventListener("click", restart);

  // -- keyboard, copy and paste -------------------------------------------------------------

  term.onData(input);
  // non-UTF-8 bytes (old-style mouse reports) go as a binary frame
  term.onBinary((data) => {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(Uint8Array.from(data, (c) => c.charCodeAt(0) & 255));
  });
  term.onResize(({ cols, rows }) => send({ t: "resize", cols, rows }));
  let escaped = false; // Escape then Tab (or Shift+Tab) leaves the terminal; the shell still gets the Escape
  term.attachCustomKeyEventHandler((event) => {
    if (event.type === "keydown" && event.key === "Tab" && escaped) {
      escaped = false;
      return false; // not the shell's: the browser moves the focus
    }
    if (event.type === "keydown" && event.key !== "Shift") escaped = event.key === "Escape";
    if (event.type !== "keydown" || !event.ctrlKey || event.altKey || event.metaKey) return true;
    const key = event.key.toLowerCase();
    // Ctrl+Shift+C copies; so does Ctrl+C while text is selected (otherwise it interrupts).
    if (key === "c" && (event.shiftKey || term.hasSelection())) {
      if (term.hasSelection()) window.labdeck.copy(term.getSelection()).catch(() => { /* refused */ });
      term.clearSelection();
      event.preventDefault();
      return false;
    }
    // Ctrl+V and Ctrl+Shift+V: let the browser paste (xterm.js handles the paste event).
    return key !== "v";
  });

  // -- font size and theme --------------------------------------------------------------------

  function setFontSize(size) {
    prefs.fontSize = clampFont(size);
    term.options.fontSize = prefs.fontSize;
    fit.fit();
    savePrefs();
  }
  function setTheme(name) {
    if (!(name in THEMES)) return;
    prefs.theme = name;
    term.options.theme = THEMES[name];
    body.classList.toggle("light", name === "light");
    savePrefs();
  }
  document.getElementById("toolbar").addEventListener("click", (event) => {
    const what = event.target.closest("button")?.dataset.do;
    if (what === "smaller") setFontSize(prefs.fontSize - 1);
    else if (what === "larger") setFontSize(prefs.fontSize + 1);
    else if (what === "theme") setTheme(prefs.theme === "dark" ? "light" : "dark");
    term.focus();
  });

  // -- what a clicked command did -------------------------------------------------------------
  // The start script has bash mark each command's start (OSC 133 ;C) and end (;D;<status>). A
  // command sent by terminal:execute with an `id` is the next one to start; its start and end go
  // back on the bus as terminal:result. Commands typed by hand carry no id and report nothing.

  let live = false; // false while the scrollback replay (old marks) is drawn
  const waiting = []; // ids of executed commands that have not started yet, oldest first
  let running = null; // {id, started}

  function report(id, result, extra) {
    window.labdeck.post("terminal:result", { session, id, state: result, ...extra });
  }

  term.parser.registerOscHandler(133, (data) => {
    const [mark, status] = data.split(";");
    if (!live) return true;
    if (mark === "C" && waiting.length > 0) {
      running = { id: waiting.shift(), started: performance.now() };
      report(running.id, "running");
    } else if (mark === "D" && running) {
      const code = Number.parseInt(status, 10);
      const seconds = Math.round(performance.now() - running.started) / 1000;
      report(running.id, code === 0 ? "passed" : "failed", { code: Number.isNaN(code) ? null : code, seconds });
      running = null;
    }
    return true;
  });

  // -- the action bus -------------------------------------------------------------------------

  const api = {
    session,
    term,
    execute(command, id) {
      if (id != null && state !== "ended") {
        if (waiting.length >= 64) waiting.shift();
        waiting.push(String(id));
      }
      input(String(command).replace(/\r?\n$/, "").replace(/\r?\n/g, "\r") + "\r");
    },
    input(text) { input(String(text)); },
    interrupt() { input("\x03"); },
    clear() { term.clear(); },
    focus() { term.focus(); },
    setFontSize,
    setTheme,
    get state() { return state; },
  };
  window.labdeckActionBus(api, session);

  connect();
  if (wantsWebgl()) loadWebgl(); // after connecting: asking the GPU takes 5-30 ms
  // in a dashboard's frame the page keeps the focus (Tab inside a terminal is the shell's, so a
  // terminal taking it at load would hold a keyboard user there); a terminal page of its own takes it
  if (window.parent === window) term.focus();
})();
