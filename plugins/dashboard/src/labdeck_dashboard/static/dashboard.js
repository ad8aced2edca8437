/* labdeck dashboard: split panes, work-area tabs, the menu and the action bus.
 *
 * The action bus (docs/dashboard.md; core's labdeck.js, loaded first): pages in our frames post
 *   {labdeck: 1, action: "terminal:execute", args: {session: "1", command: "ls"}}
 * to window.parent. Only messages from this page's own origin are obeyed.
 * Terminal actions are forwarded, with the same shape, to the terminal frame.
 */
"use strict";

(() => {
  const config = JSON.parse(document.getElementById("labdeck-dashboard-config").textContent);
  const ORIGIN = window.location.origin;
  const TERMINAL = "Terminal";
  const INTERRUPT_TEXT = /^<ctrl[-+]c>$/i;

  // ---------------------------------------------------------------- storage
  const storageKey = (key) => `labdeck.dashboard:${config.prefix}:${key}`;
  const remembered = (key) => {
    try {
      return JSON.parse(window.localStorage.getItem(storageKey(key)));
    } catch {
      return null;
    }
  };
  const remember = (key, value) => {
    try {
      window.localStorage.setItem(storageKey(key), JSON.stringify(value));
    } catch {
      /* private mode or storage full: sizes are simply not kept */
    }
  };

  // ---------------------------------------------------------------- toast
  const toast = document.getElementById("ld-toast");
  let toastTimer = null;
  function notify(text, isError = false) {
    toast.textContent = text;
    toast.classList.toggle("ld-error", isError);
    toast.hidden = false;
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(() => { toast.hidden = true; }, 2500);
  }

  // ---------------------------------------------------------------- tabs
  const tabButtons = [...document.querySelectorAll(".ld-tab")];
  const panels = [...document.querySelectorAll(".ld-panel")];
  const sameName = (a, b) => a.trim().toLowerCase() === b.trim().toLowerCase();

  function findPanel(name) {
    return panels.find((panel) => sameName(panel.dataset.tab, String(name)));
  }

  function currentPanel() {
    return panels.find((panel) => !panel.hidden);
  }

  /** Bring tab `name` to the front (loading its frame the first time); returns its panel. */
  function selectTab(name) {
    const panel = findPanel(name);
    if (!panel) return null;
    for (const other of panels) other.hidden = other !== panel;
    for (const button of tabButtons) {
      const selected = sameName(button.dataset.tab, panel.dataset.tab);
      button.setAttribute("aria-selected", String(selected));
      button.tabIndex = selected ? 0 : -1; // one tab stop for the tab list; arrows move within it
    }
    const frame = panel.querySelector("iframe[data-src]");
    if (frame && !frame.getAttribute("src")) frame.src = frame.dataset.src;
    return panel;
  }

  for (const button of tabButtons) {
    button.addEventListener("click", () => selectTab(button.dataset.tab));
    button.addEventListener("keydown", (event) => {
      const index = tabButtons.indexOf(button);
      const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabButtons.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      const target = tabButtons[(next + tabButtons.length) % tabButtons.length];
      selectTab(target.dataset.tab);
      target.focus();
    });
  }

  /** The tab whose URL `url` lies under (the longest match), or null. */
  function tabForUrl(url) {
    let best = null;
    let bestLength = -1;
    for (const tab of config.tabs) {
      const base = new URL(tab.url, window.location.href);
      const path = base.pathname;
      const under = url.origin === base.origin
        && (url.pathname.startsWith(path) || (path.endsWith("/") && url.pathname === path.slice(0, -1)));
      if (under && path.length > bestLength) {
        best = tab;
        bestLength = path.length;
      }
    }
    return best;
  }

  /** Show `tab`; navigate its frame to `href` when that is deeper than the tab's own URL. */
  function openTab(tab, href) {
    const panel = selectTab(tab.name);
    const frame = panel && panel.querySelector("iframe");
    if (!frame || !href) return;
    const base = new URL(tab.url, window.location.href).href;
    if (href !== base && href !== base.replace(/\/$/, "") && frame.src !== href) frame.src = href;
  }

  /** Route a URL clicked in the notes (or sent by dashboard:open-url). True when handled. */
  function routeUrl(url) {
    if (url.origin === ORIGIN && config.terminalUrl) {
      const root = config.terminalUrl;
      if (url.pathname === root || url.pathname === root.slice(0, -1)) {
        selectTab(TERMINAL);
        return true;
      }
      if (url.pathname.startsWith(`${root}session/`)) {
        window.open(url.href, "_blank", "noopener");
        return true;
      }
    }
    const tab = tabForUrl(url);
    if (tab) {
      openTab(tab, url.href);
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- split panes
  const dragStart = () => document.body.classList.add("ld-dragging");
  const validSizes = (sizes, count) => (Array.isArray(sizes) && sizes.length === count
    && sizes.every((size) => typeof size === "number" && size >= 0) ? sizes : null);

  function makeSplit(elements, key, defaults, options) {
    return window.Split(elements, {
      sizes: validSizes(remembered(key), elements.length) || defaults,
      gutterSize: 6,
      snapOffset: 0,
      onDragStart: dragStart,
      onDragEnd: (sizes) => {
        document.body.classList.remove("ld-dragging");
        remember(key, sizes);
      },
      ...options,
    });
  }

  const main = document.getElementById("ld-main");
  const mainPanes = [document.getElementById("ld-notes-pane"), document.getElementById("ld-work")].filter(Boolean);
  const narrow = window.matchMedia("(max-width: 800px)");
  let mainSplit = null;

  function layoutMain() {
    if (mainSplit) mainSplit.destroy();
    mainSplit = null;
    main.classList.toggle("ld-stacked", narrow.matches);
    if (mainPanes.length < 2) return;
    const direction = narrow.matches ? "vertical" : "horizontal";
    mainSplit = makeSplit(mainPanes, `main-${direction}`, [40, 60], { direction, minSize: 120 });
  }

  const terminalPanes = [...document.querySelectorAll(".ld-terminal-pane")];
  if (terminalPanes.length > 1) {
    makeSplit(terminalPanes, `terminals-${terminalPanes.length}`, config.sessionSizes,
      { direction: "vertical", minSize: 60 });
  }
  narrow.addEventListener("change", layoutMain);
  layoutMain();

  // ---------------------------------------------------------------- terminals
  const terminalFrames = new Map(
    [...document.querySelectorAll("iframe.ld-terminal")].map((frame) => [frame.dataset.session, frame]),
  );
  const pending = new Map(); // frame -> messages waiting for it to load

  function frameLoaded(frame) {
    try {
      const doc = frame.contentDocument;
      return Boolean(doc) && doc.readyState === "complete" && doc.location.href !== "about:blank";
    } catch {
      return true; // not ours to inspect: assume it is there
    }
  }

  function postToFrame(frame, action, args) {
    if (frameLoaded(frame)) {
      window.labdeck.post(action, args, frame.contentWindow);
    } else {
      if (!pending.has(frame)) pending.set(frame, []);
      pending.get(frame).push([action, args]);
    }
  }

  for (const frame of terminalFrames.values()) {
    frame.addEventListener("load", () => {
      const messages = pending.get(frame) || [];
      pending.delete(frame);
      for (const [action, args] of messages) window.labdeck.post(action, args, frame.contentWindow);
    });
  }

  /** The frame for `session`; a session this dashboard does not show goes to the first terminal. */
  function terminalFrame(session) {
    const name = session === undefined || session === null || session === "" ? "1" : String(session);
    return terminalFrames.get(name) || terminalFrames.values().next().value || null;
  }

  function toTerminal(frame, action, args) {
    postToFrame(frame, action, { ...args, session: frame.dataset.session });
  }

  /** Forward a terminal action to one terminal (args.session) or, with `all`, to every one. */
  function terminalAction(action, args, all = false) {
    const frames = all ? [...terminalFrames.values()] : [terminalFrame(args.session)].filter(Boolean);
    if (frames.length === 0) {
      notify("This dashboard has no terminal", true);
      return;
    }
    selectTab(TERMINAL);
    for (const frame of frames) toTerminal(frame, action, args);
    const target = all ? terminalFrame(args.session) : frames[0];
    if (target) {
      target.focus();
      toTerminal(target, "terminal:focus", {});
    }
  }

  function execute(args, all) {
    const command = String(args.command ?? args.text ?? "");
    if (INTERRUPT_TEXT.test(command.trim())) {
      terminalAction("terminal:interrupt", args.session === undefined ? {} : { session: args.session }, all);
    } else {
      terminalAction("terminal:execute", { ...args, command }, all);
    }
  }

  // ---------------------------------------------------------------- action bus
  const actions = {
    "terminal:execute": (args) => execute(args, false),
    "terminal:execute-all": (args) => execute(args, true),
    "terminal:input": (args) => {
      terminalAction("terminal:input", { session: args.session, text: String(args.text ?? args.command ?? "") });
    },
    "terminal:interrupt": (args) => terminalAction("terminal:interrupt", args, args.session === undefined),
    "terminal:clear": (args) => terminalAction("terminal:clear", args, args.session === undefined),
    "workshop:copy": (args) => {
      const text = String(args.text ?? args.command ?? "");
      window.labdeck.copy(text).then(
        () => notify("Copied to the clipboard"),
        () => notify("Could not copy: select the text and press Ctrl+C", true),
      );
    },
    "dashboard:open-dashboard": (args) => {
      if (!selectTab(String(args.name ?? ""))) notify(`No tab named ${args.name}`, true);
    },
    "dashboard:open-url": (args) => {
      const url = new URL(String(args.url ?? ""), window.location.href);
      if (!/^https?:$/.test(url.protocol)) return;
      const named = args.name ? config.tabs.find((tab) => sameName(tab.name, String(args.name))) : null;
      if (named) {
        openTab(named, url.href);
      } else if (!routeUrl(url)) {
        window.open(url.href, "_blank", "noopener");
      }
    },
  };

  // Actions a tab's page carries out (Tab.actions: name prefixes such as "editor:") are forwarded
  // to its frame, with the same shape, after bringing the tab to the front (loading it if need be).
  for (const tab of config.tabs) {
    const panel = findPanel(tab.name);
    const frame = panel && panel.querySelector("iframe");
    if (!frame || !(tab.actions || []).length) continue;
    frame.addEventListener("load", () => {
      const messages = pending.get(frame) || [];
      pending.delete(frame);
      for (const [action, args] of messages) window.labdeck.post(action, args, frame.contentWindow);
    });
    window.addEventListener("message", (event) => {
      const message = event.data;
      if (event.origin !== ORIGIN || !message || message.labdeck !== 1 || typeof message.action !== "string") return;
      if (event.source === frame.contentWindow || Object.hasOwn(actions, message.action)) return;
      if (!tab.actions.some((prefix) => message.action.startsWith(prefix))) return;
      selectTab(tab.name);
      const args = message.args && typeof message.args === "object" ? message.args : {};
      postToFrame(frame, message.action, args);
    });
  }

  window.labdeck.listen(actions); // only messages from this origin, of the bus's shape

  // ---------------------------------------------------------------- notes frame
  const notes = document.getElementById("ld-notes");
  const title = document.getElementById("ld-title");

  function onNotesClick(event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target && event.target.closest && event.target.closest("a[href]");
    if (!link || link.hasAttribute("download")) return;
    let url;
    try {
      url = new URL(link.href);
    } catch {
      return;
    }
    if (routeUrl(url)) event.preventDefault();
  }

  const watched = new WeakSet(); // notes documents that already route their links here

  /** Route the links of the notes page now shown (called on each load, and at start in case
   * the frame finished loading before this script ran). */
  function watchNotes() {
    let doc = null;
    try {
      doc = notes.contentDocument;
    } catch {
      return;
    }
    if (!doc || doc.location.href === "about:blank" || watched.has(doc)) return;
    watched.add(doc);
    doc.addEventListener("click", onNotesClick);
    const showTitle = () => {
      if (!doc.title) return;
      title.textContent = doc.title;
      document.title = doc.title;
    };
    if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", showTitle);
    else showTitle();
  }

  if (notes) {
    notes.addEventListener("load", watchNotes);
    watchNotes();
  }

  // ---------------------------------------------------------------- menu
  const menuButton = document.getElementById("ld-menu-button");
  const menu = document.getElementById("ld-menu");

  function setMenu(open) {
    menu.hidden = !open;
    menuButton.setAttribute("aria-expanded", String(open));
  }

  function reloadFrame(frame) {
    try {
      frame.contentWindow.location.reload();
    } catch {
      frame.src = frame.src; // a cross-origin frame: setting src again reloads it
    }
  }

  const menuActions = {
    "new-terminal": () => {
      const session = Math.max(Number(remembered("next-session")) || 100, 100);
      remember("next-session", session + 1);
      window.open(`${config.terminalUrl}session/${session}`, "_blank", "noopener");
    },
    reload: () => {
      const panel = currentPanel();
      if (!panel) return;
      for (const frame of panel.querySelectorAll("iframe")) {
        if (frame.getAttribute("src")) reloadFrame(frame);
      }
    },
    restart: () => {
      if (window.confirm("Restart the workshop? Your terminals and anything running in them will be lost.")) {
        window.location.href = config.restartUrl;
      }
    },
  };

  menuButton.addEventListener("click", () => setMenu(menu.hidden));
  menu.addEventListener("click", (event) => {
    const item = event.target.closest("[data-menu], a");
    if (!item) return;
    setMenu(false);
    const action = menuActions[item.dataset.menu];
    if (action) action();
  });
  document.addEventListener("click", (event) => {
    if (!menu.hidden && !event.target.closest(".ld-menu")) setMenu(false);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !menu.hidden) {
      setMenu(false);
      menuButton.focus();
    }
  });
  window.addEventListener("blur", () => setMenu(false)); // a click into a frame

  // ---------------------------------------------------------------- start
  if (tabButtons.length > 0) selectTab(tabButtons[0].dataset.tab);
})();
