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
  const tabButtons = [...document.querySelectorAll(".ld-tab")]; // grows with dashboard:create-dashboard
  const panels = [...document.querySelectorAll(".ld-panel")];
  const builtinTabs = new Set(panels.map((panel) => panel.dataset.tab.toLowerCase()));
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

  function wireTab(button) {
    button.addEventListener("click", () => {
      selectTab(button.dataset.tab);
      showPane(true); // a narrow window shows the work area
    });
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
  for (const button of tabButtons) wireTab(button);

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
    if (mainPanes.length < 2 || narrow.matches) return; // narrow: one pane at a time (the switch)
    const direction = narrow.matches ? "vertical" : "horizontal";
    mainSplit = makeSplit(mainPanes, `main-${direction}`, [40, 60], { direction, minSize: 120 });
  }

  const terminalPanes = [...document.querySelectorAll(".ld-terminal-pane")];
  if (terminalPanes.length > 1) {
    makeSplit(terminalPanes, `terminals-${terminalPanes.length}`, config.sessionSizes,
      { direction: "vertical", minSize: 60 });
  }
  const [upper, lower] = [document.getElementById("ld-upper"), document.getElementById("ld-lower")];
  if (upper && lower) makeSplit([upper, lower], "lower", [70, 30], { direction: "vertical", minSize: 60 });
  narrow.addEventListener("change", layoutMain);
  layoutMain();

  // a narrow window shows the notes or the work area; the header's switch (CSS shows it then) flips
  const paneSwitch = document.getElementById("ld-switch");
  function showPane(work) {
    if (!paneSwitch) return;
    main.classList.toggle("ld-show-work", work);
    paneSwitch.textContent = work ? paneSwitch.dataset.notes : paneSwitch.dataset.work;
  }
  if (paneSwitch) paneSwitch.addEventListener("click", () => showPane(!main.classList.contains("ld-show-work")));

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

  function flush(frame) {
    const messages = pending.get(frame) || [];
    pending.delete(frame);
    for (const [action, args] of messages) window.labdeck.post(action, args, frame.contentWindow);
  }

  for (const frame of terminalFrames.values()) frame.addEventListener("load", () => flush(frame));

  /** A tab showing terminal session `name` (its frame's URL is that session's page), or null. */
  function terminalTabFrame(name) {
    const path = `${config.terminalUrl}session/${encodeURIComponent(name)}`;
    for (const panel of panels) {
      const frame = panel.querySelector("iframe");
      const url = frame && (frame.getAttribute("src") || frame.dataset.src);
      if (url && new URL(url, window.location.href).pathname.replace(/\/$/, "") === path) {
        selectTab(panel.dataset.tab); // loads its frame
        if (!frame.dataset.session) {
          frame.dataset.session = name;
          frame.addEventListener("load", () => flush(frame));
        }
        return frame;
      }
    }
    return null;
  }

  /** The frame for `session`; a session this dashboard does not show goes to the first terminal. */
  function terminalFrame(session) {
    const name = session === undefined || session === null || session === "" ? "1" : String(session);
    return terminalFrames.get(name) || (config.terminalUrl && terminalTabFrame(name))
      || terminalFrames.values().next().value || null;
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
    if (terminalFrames.has(frames[0].dataset.session)) selectTab(TERMINAL);
    showPane(true); // in a narrow window, the command is seen running
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
      if (args.clear === true) terminalAction("terminal:clear", { session: args.session }, all);
      terminalAction("terminal:execute", { ...args, command }, all);
    }
  }

  // ---------------------------------------------------------------- action bus
  const actions = {
    "terminal:execute": (args) => execute(args, false),
    "terminal:execute-all": (args) => execute(args, true),
    "terminal:input": (args) => {
      const text = String(args.text ?? args.command ?? "") + (args.endl === true ? "\r" : "");
      terminalAction("terminal:input", { session: args.session, text });
    },
    "terminal:interrupt": (args) => terminalAction("terminal:interrupt", args, args.session === undefined),
    "terminal:interrupt-all": () => terminalAction("terminal:interrupt", {}, true),
    "terminal:clear": (args) => terminalAction("terminal:clear", args, args.session === undefined),
    "terminal:clear-all": () => terminalAction("terminal:clear", {}, true),
    "terminal:select": (args) => terminalAction("terminal:focus", { session: args.session }),
    // a clicked command's result (docs/terminal.md "Command results"): the notes show it on its block
    "terminal:result": (args) => notes && window.labdeck.post("terminal:result", args, notes.contentWindow),
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
    "dashboard:create-dashboard": (args) => createDashboard(args, false),
    "dashboard:reload-dashboard": (args) => createDashboard(args, true),
    "dashboard:delete-dashboard": (args) => deleteDashboard(String(args.name ?? "")),
    // how an action another tab carried out went (labdeck-editor): the notes show it on the block
    "editor:result": (args) => {
      const frame = document.getElementById("ld-notes");
      if (frame && frame.contentWindow) window.labdeck.post("editor:result", args, frame.contentWindow);
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

  // ---------------------------------------------------------------- tabs made by the notes
  const work = document.getElementById("ld-work");
  const tabList = document.querySelector(".ld-tabs");

  /** A tab URL as a frame loads it: `terminal:<session>` is that terminal session's page. */
  function tabUrl(url) {
    const text = String(url ?? "");
    if (text.startsWith("terminal:") && config.terminalUrl) {
      return `${config.terminalUrl}session/${encodeURIComponent(text.slice(9))}`;
    }
    const parsed = new URL(text, window.location.href);
    return /^https?:$/.test(parsed.protocol) ? parsed.href : null;
  }

  /** dashboard:create-dashboard, and dashboard:reload-dashboard (`reload`: an existing tab is
   * reloaded, at `url` when given; a missing one is created). */
  function createDashboard(args, reload) {
    const name = String(args.name ?? "").trim();
    const existing = name && findPanel(name);
    if (existing) {
      if (!reload) {
        if (args.focus !== false) selectTab(name);
        return;
      }
      const frame = existing.querySelector("iframe");
      const url = args.url === undefined ? null : tabUrl(args.url);
      if (args.focus !== false) selectTab(name);
      if (frame && url && !frame.dataset.session) frame.src = url;
      else if (frame && frame.getAttribute("src")) reloadFrame(frame);
      return;
    }
    const url = tabUrl(args.url);
    if (!name || !url || !work || !tabList) {
      notify(name ? `Cannot open a tab at ${args.url ?? "(no URL)"}` : "A dashboard needs a name", true);
      return;
    }
    const button = document.createElement("button");
    Object.assign(button, { type: "button", className: "ld-tab", textContent: name, title: name });
    button.setAttribute("role", "tab");
    button.dataset.tab = name;
    const panel = document.createElement("div");
    Object.assign(panel, { className: "ld-panel", hidden: true });
    panel.setAttribute("role", "tabpanel");
    panel.dataset.tab = name;
    const frame = document.createElement("iframe");
    frame.title = name;
    frame.dataset.src = url;
    frame.setAttribute("allow", "clipboard-read; clipboard-write");
    panel.appendChild(frame);
    tabList.appendChild(button);
    work.appendChild(panel);
    tabButtons.push(button);
    panels.push(panel);
    config.tabs.push({ name, url, title: name });
    wireTab(button);
    if (args.focus !== false) selectTab(name);
  }

  function deleteDashboard(name) {
    const panel = findPanel(name);
    if (!panel || builtinTabs.has(panel.dataset.tab.toLowerCase())) {
      notify(panel ? `The ${name} tab cannot be deleted` : `No tab named ${name}`, true);
      return;
    }
    const wasShown = !panel.hidden;
    const button = tabButtons.find((b) => sameName(b.dataset.tab, name));
    panel.remove();
    button.remove();
    panels.splice(panels.indexOf(panel), 1);
    tabButtons.splice(tabButtons.indexOf(button), 1);
    config.tabs = config.tabs.filter((tab) => !sameName(tab.name, name));
    if (wasShown && tabButtons.length > 0) selectTab(tabButtons[0].dataset.tab);
  }

  // ---------------------------------------------------------------- actions other plugins carry out
  // An action a tab declares (Tab.actions: name prefixes such as "editor:") goes to that tab's
  // frame, which listens on the bus; editor:*, files:*, examiner:* otherwise go to the tab of that
  // name (Editor, Files, Examiner). Without such a tab the notes say which plugin the action needs.
  const RELAYED = ["editor", "files", "examiner"];
  const relayTab = (action) => {
    const declared = config.tabs.find((tab) => (tab.actions || []).some((prefix) => action.startsWith(prefix)));
    if (declared) return findPanel(declared.name) || null;
    const namespace = action.split(":")[0];
    return RELAYED.includes(namespace) ? findPanel(namespace) || null : null;
  };

  function relay(action, args) {
    const panel = relayTab(action);
    if (!panel) {
      notify(`No ${action.split(":")[0]} tab in this dashboard for ${action}`, true);
      return;
    }
    selectTab(panel.dataset.tab);
    const frame = panel.querySelector("iframe");
    if (!frame) return;
    if (!frame.dataset.relay) {
      frame.dataset.relay = "1";
      frame.addEventListener("load", () => flush(frame));
    }
    postToFrame(frame, action, args);
  }

  const listened = new Proxy(actions, {
    has: (target, name) => Object.hasOwn(target, name) || (typeof name === "string" && relayTab(name) !== null),
    get: (target, name) => (Object.hasOwn(target, name) ? target[name] : (args) => relay(name, args)),
    getOwnPropertyDescriptor: (target, name) => (Object.hasOwn(target, name)
      ? Object.getOwnPropertyDescriptor(target, name)
      : relayTab(String(name)) ? { value: (args) => relay(name, args), configurable: true, enumerable: true, writable: true }
        : undefined),
  });

  /** For the notes (same origin): does this dashboard carry out `action`? */
  window.labdeckDashboard = Object.freeze({
    handles: (action) => Object.hasOwn(actions, action) || relayTab(String(action)) !== null,
    /** True when every action has been handed to its frame (none waits for a frame to load). */
    delivered: () => pending.size === 0,
    /** The notes page's script says its page is parsed: its title shows now, not at the frame's
     * load event, which waits for every image and script of the page (a workshop's analytics
     * script from a host that does not answer holds it for seconds). */
    notesShown: () => watchNotes(),
  });

  window.labdeck.listen(listened); // only messages from this origin, of the bus's shape

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

  // the keyboard as in WAI-ARIA's menu button: Enter, Space or the arrows open it on an item; the
  // arrows, Home and End move; Escape (below) and Tab leave it
  const menuItems = () => [...menu.querySelectorAll("[role=menuitem]")];
  function focusItem(index) {
    const items = menuItems();
    if (items.length) items[(index + items.length) % items.length].focus();
  }
  menuButton.addEventListener("click", (event) => {
    setMenu(menu.hidden);
    if (!menu.hidden && event.detail === 0) focusItem(0); // opened by the keyboard
  });
  menuButton.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    event.preventDefault();
    setMenu(true);
    focusItem(event.key === "ArrowDown" ? 0 : -1);
  });
  menu.addEventListener("keydown", (event) => {
    const index = menuItems().indexOf(document.activeElement);
    const next = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: -1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    focusItem(next);
  });
  menu.addEventListener("focusout", (event) => {
    if (event.relatedTarget && !event.relatedTarget.closest(".ld-menu")) setMenu(false);
  });
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
