/* labdeck editor: a file tree, tabs of open files in CodeMirror 6, and the Educates editor actions.
 *
 * CodeMirror and the YAML library come bundled as window.LabdeckCM (static/vendor/codemirror.js,
 * built from frontend/codemirror.js); the action bus is core's labdeck.js. The file API is this
 * plugin's api/ (api.py): every path it takes is relative to the editor's folder.
 * Actions arrive from the dashboard as {labdeck: 1, action: "editor:open-file", args: {file, line}}.
 */
"use strict";

(() => {
  const CM = window.LabdeckCM;
  const config = JSON.parse(document.getElementById("labdeck-editor-config").textContent);
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 2000;

  // ---------------------------------------------------------------- the file API
  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, endpoint, path, body) {
    const url = `${config.api}${endpoint}${path === null ? "" : `?path=${encodeURIComponent(path)}`}`;
    const options = { method, headers: {}, credentials: "same-origin" };
    if (body !== undefined) {
      options.body = JSON.stringify(body);
      options.headers["Content-Type"] = "application/json";
    }
    const response = await fetch(url, options);
    const data = await response.json().catch(() => ({ error: `${response.status} ${response.statusText}` }));
    if (!response.ok) throw new ApiError(response.status, data.error || `${response.status}`);
    return data;
  }

  // ---------------------------------------------------------------- status line and notices
  const status = $("le-status");
  let statusTimer = null;
  function say(text, isError = false) {
    status.textContent = text;
    status.classList.toggle("le-error", isError);
    window.clearTimeout(statusTimer);
    statusTimer = window.setTimeout(() => { status.textContent = ""; }, isError ? 8000 : 3000);
  }

  const noticeBox = $("le-notice");
  function showNotice(file) {
    const notice = file && file.notice;
    noticeBox.hidden = !notice;
    noticeBox.replaceChildren();
    if (!notice) return;
    const text = document.createElement("span");
    text.textContent = notice.text;
    noticeBox.append(text);
    for (const [label, run] of notice.buttons || []) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      button.addEventListener("click", run);
      noticeBox.append(button);
    }
  }

  function setNotice(file, notice) {
    file.notice = notice;
    if (file === active) showNotice(file);
  }

  // ---------------------------------------------------------------- languages
  const LANGUAGES = [
    [/\.ya?ml$/i, "yaml"], [/\.json$/i, "json"], [/\.py$/i, "python"], [/\.java$/i, "java"], [/\.go$/i, "go"],
    [/\.(m|c)?[jt]sx?$/i, "javascript"], [/\.(md|markdown)$/i, "markdown"],
    [/(\.(sh|bash|zsh)|(^|\/)\.(bashrc|profile|bash_profile|zshrc))$/i, "shell"],
    [/((^|\/)(Dockerfile|Containerfile)[^/]*|\.dockerfile)$/i, "dockerfile"],
    [/\.(properties|env)$/i, "properties"], [/\.toml$/i, "toml"],
  ];

  function language(path) {
    const found = LANGUAGES.find(([pattern]) => pattern.test(path));
    return found ? [CM.languages[found[1]]()] : [];
  }

  // ---------------------------------------------------------------- open files and the editor
  const files = new Map(); // path -> {path, state, saved (Text), version, binary, readOnly, tab, notice}
  let active = null;
  const host = $("le-editor");
  const tabs = $("le-tabs");

  const saveKeys = CM.keymap.of([{ key: "Mod-s", preventDefault: true, run: () => { if (active) save(active); return true; } }]);
  const named = (name) => CM.EditorView.contentAttributes.of({ "aria-label": name }); // for screen readers
  const view = new CM.EditorView({
    parent: host,
    extensions: [named("Editor")],
    dispatchTransactions: (transactions) => {
      view.update(transactions);
      if (active) {
        active.state = view.state;
        markDirty(active);
      }
    },
  });
  view.dom.hidden = true;

  const isDirty = (file) => !file.binary && (!file.saved || !file.state.doc.eq(file.saved));

  function markDirty(file) {
    const dirty = isDirty(file);
    file.tab.classList.toggle("le-dirty", dirty);
    file.tab.querySelector(".le-tab-name").title = `${file.path}${dirty ? " (not saved)" : ""}`;
  }

  function makeState(file, text) {
    return CM.EditorState.create({
      doc: text,
      extensions: [
        saveKeys, CM.basicSetup, CM.keymap.of([CM.indentWithTab]), language(file.path),
        CM.EditorState.readOnly.of(file.readOnly), CM.EditorView.editable.of(!file.readOnly),
        named(`Contents of ${file.path}`),
      ],
    });
  }

  /** A tab of an open file: Enter or Space shows it, Delete closes it; the × is for the mouse
   * (a button inside a tab would be a control nested in a control, which screen readers garble). */
  function makeTab(file) {
    const tab = document.createElement("div");
    tab.className = "le-tab";
    tab.setAttribute("role", "tab");
    tab.tabIndex = 0;
    tab.dataset.path = file.path;
    tab.setAttribute("aria-keyshortcuts", "Delete");
    const name = document.createElement("span");
    name.className = "le-tab-name";
    name.textContent = file.path.split("/").pop();
    const close = document.createElement("span");
    close.className = "le-tab-close";
    close.title = "Close (Delete)";
    close.setAttribute("aria-hidden", "true");
    close.textContent = "\u00d7";
    tab.addEventListener("click", (event) => (event.target === close ? closeFile(file) : activate(file)));
    tab.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") activate(file);
      else if (event.key === "Delete") closeFile(file);
      else return;
      event.preventDefault();
    });
    tab.append(name, close);
    tabs.append(tab);
    return tab;
  }

  function activate(file) {
    active = file;
    for (const other of files.values()) other.tab.setAttribute("aria-selected", String(other === file));
    $("le-empty").hidden = true;
    view.dom.hidden = false;
    view.setState(file.state);
    showNotice(file);
    for (const item of document.querySelectorAll(".le-entry.le-current")) item.classList.remove("le-current");
    const entry = document.querySelector(`.le-entry[data-path="${CSS.escape(file.path)}"]`);
    if (entry) entry.classList.add("le-current");
  }

  function loaded(file, data) {
    file.version = data.version;
    file.binary = data.binary;
    file.readOnly = data.binary || !data.writable;
    file.state = makeState(file, data.binary ? "" : data.text);
    file.saved = file.state.doc;
    if (data.binary) {
      file.notice = { text: `${file.path} is a binary file (${data.size} bytes): the editor does not show or change it.` };
    } else if (!data.writable) {
      file.notice = { text: `${file.path} is read-only: you can read it here but not save it.` };
    } else {
      file.notice = null;
    }
  }

  /** Open `path` (relative to the editor's folder) in a tab, or bring its tab to the front.
   * `current`: an open file without unsaved changes is read again when it changed on disk (an
   * action works on what a terminal command just wrote, not on what the tab showed before). */
  async function open(path, current = false) {
    let file = files.get(path);
    if (file && current && !isDirty(file)) {
      const data = await api("GET", "stat", file.path);
      if (data.exists && data.version !== file.version) await reload(file);
    }
    if (!file) {
      const data = await api("GET", "file", path);
      file = { path: data.path };
      loaded(file, data);
      file.tab = makeTab(file);
      files.set(file.path, file);
      markDirty(file);
    }
    activate(file);
    return file;
  }

  function closeFile(file) {
    if (isDirty(file) && !window.confirm(`${file.path} has changes that are not saved. Close it anyway?`)) return;
    files.delete(file.path);
    file.tab.remove();
    if (active === file) {
      active = null;
      const next = [...files.values()].pop();
      if (next) {
        activate(next);
      } else {
        view.dom.hidden = true;
        $("le-empty").hidden = false;
        showNotice(null);
      }
    }
  }

  async function reload(file) {
    loaded(file, await api("GET", "file", file.path));
    markDirty(file);
    if (file === active) activate(file);
  }

  /** Replace a file's whole text with what is on disk, or keep the editor's and overwrite on the next save. */
  function changedOnDisk(file, version) {
    setNotice(file, {
      text: `${file.path} changed on disk since you opened it.`,
      buttons: [
        ["Reload from disk", () => reload(file).then(() => say(`Reloaded ${file.path}`))],
        ["Keep mine", () => {
          file.version = version; // the next save overwrites what is on disk
          file.saved = null; // which differs from the editor's text: unsaved
          markDirty(file);
          setNotice(file, null);
        }],
      ],
    });
  }

  async function save(file) {
    if (file.readOnly) {
      say(`${file.path} is read-only`, true);
      return false;
    }
    const text = file.state.doc.toString();
    try {
      const data = await api("PUT", "file", file.path, { text, version: file.version });
      file.version = data.version;
      file.saved = file.state.doc;
      markDirty(file);
      setNotice(file, null);
      say(`Saved ${file.path}`);
      return true;
    } catch (error) {
      if (error.status === 409 && /changed on disk/.test(error.message)) {
        changedOnDisk(file, null);
        say(`Not saved: ${error.message}`, true);
      } else {
        say(`Not saved: ${error.message}`, true);
      }
      return false;
    }
  }

  /** Every open file's version on disk against the one the editor knows: tell the attendee. */
  async function poll() {
    if (document.hidden) return;
    for (const file of [...files.values()]) {
      if (file.notice && file.notice.buttons) continue; // already asked
      try {
        const data = await api("GET", "stat", file.path);
        if (!data.exists) {
          setNotice(file, { text: `${file.path} was deleted on disk. Save to create it again, or close it.`,
            buttons: [["Close", () => closeFile(file)]] });
          file.version = null;
        } else if (file.version && data.version !== file.version) {
          changedOnDisk(file, data.version);
        }
      } catch { /* the server is restarting: try again at the next tick */ }
    }
  }
  window.setInterval(poll, POLL_MS);

  // ---------------------------------------------------------------- the file tree
  const rootList = $("le-entries");
  $("le-root").textContent = config.root.split("/").pop() || config.root;
  $("le-root").title = config.root;

  async function fillFolder(list, path) {
    const data = await api("GET", "list", path);
    list.replaceChildren();
    for (const entry of data.entries) {
      const child = data.path ? `${data.path}/${entry.name}` : entry.name;
      const item = document.createElement("li");
      item.setAttribute("role", "treeitem");
      const button = document.createElement("button");
      button.type = "button";
      button.className = `le-entry le-${entry.type}`;
      button.dataset.path = child;
      button.textContent = entry.name;
      item.append(button);
      if (entry.type === "dir") {
        item.setAttribute("aria-expanded", "false");
        const sub = document.createElement("ul");
        sub.hidden = true;
        item.append(sub);
        button.addEventListener("click", () => {
          const opening = sub.hidden;
          sub.hidden = !opening;
          item.setAttribute("aria-expanded", String(opening));
          if (opening) fillFolder(sub, child).catch((error) => say(error.message, true));
        });
      } else {
        button.addEventListener("click", () => open(child).catch((error) => say(error.message, true)));
      }
      list.append(item);
    }
  }

  async function refreshTree() {
    const expanded = [...document.querySelectorAll('[aria-expanded="true"] > .le-entry')].map((b) => b.dataset.path);
    await fillFolder(rootList, "");
    for (const path of expanded) {
      const button = document.querySelector(`.le-entry[data-path="${CSS.escape(path)}"]`);
      if (button) button.click();
    }
  }

  $("le-refresh").addEventListener("click", () => refreshTree().catch((error) => say(error.message, true)));
  $("le-new-file").addEventListener("click", async () => {
    const path = window.prompt("New file (path in the editor's folder):");
    if (!path) return;
    try {
      await api("POST", "file", path.replace(/^\/+/, ""), { text: "" });
      await refreshTree();
      await open(path.replace(/^\/+/, ""));
    } catch (error) {
      say(error.message, true);
    }
  });

  window.addEventListener("beforeunload", (event) => {
    if ([...files.values()].some(isDirty)) event.preventDefault();
  });

  // ---------------------------------------------------------------- actions
  const actions = window.LabdeckEditorActions.make({
    CM, config, api, open: (path) => open(path, true), save, reload, files, view, refreshTree });

  /** Tell the page that sent the action how it went: the dashboard hands `editor:result` to the
   * notes, which show it on the clicked block (`_id` is the block's; notes-results.js adds it). */
  function report(args, name, ok, message) {
    if (window.parent !== window) window.labdeck.post("editor:result", { id: args._id ?? null, action: name, ok, message });
  }

  let ready = refreshTree().catch((error) => say(error.message, true));
  function run(name, args) { // one after another, in the order they came
    ready = ready.then(() => actions[name](args)).then(
      (message) => {
        if (message) say(message);
        report(args, name, true, message || "Done");
      },
      (error) => {
        say(`${name}: ${error.message}`, true);
        report(args, name, false, `${name}: ${error.message}`);
      },
    );
    return ready;
  }
  window.labdeck.listen(Object.fromEntries(Object.keys(actions).map((name) => [name, (args) => run(name, args)])));

  window.labdeckEditor = { open, save, run, files, view, get active() { return active; }, idle: () => ready };
})();
