// The room board: rows from the server-sent events of -/events, sorted and filtered here.
"use strict";
(() => {
  const base = document.body.dataset.base;
  const tbody = document.querySelector("#board tbody");
  const status = document.getElementById("status");
  const filter = document.getElementById("filter");
  const onlyStuck = document.getElementById("only-stuck");
  let rows = [];
  let sortKey = "name";
  let reverse = false;

  const duration = (s) => (s == null ? "—" : s < 60 ? `${Math.round(s)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`);
  const since = (iso) => {
    if (!iso) return "—";
    const seconds = (Date.now() - Date.parse(iso)) / 1000;
    return seconds < 5 ? "now" : `${duration(seconds)} ago`;
  };
  const cell = (text, className) => {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    return td;
  };

  /** A raised hand: its page, last command and exit status, message, and "Handled". */
  function handCell(row) {
    const td = cell("", "hand");
    const hand = row.hand;
    if (!hand) return td;
    const last = hand.recent[0];
    const status = last ? (last.state === "passed" ? "ok" : last.code != null ? `exit ${last.code}` : last.state) : "";
    const lines = [
      `✋ ${hand.title || hand.page || "?"} · ${since(new Date(hand.at * 1000).toISOString())}`,
      last ? `last: ${last.command ?? `block ${Number(last.block) + 1} of ${last.page}`} (${status})` : "no command run yet",
      hand.message ? `“${hand.message}”` : "",
    ];
    for (const line of lines.filter(Boolean)) {
      const div = document.createElement("div");
      div.textContent = line;
      td.append(div);
    }
    const done = document.createElement("button");
    done.type = "button";
    done.className = "handled";
    done.textContent = "Handled";
    done.addEventListener("click", () => {
      done.disabled = true;
      fetch(`${base}-/hand/${encodeURIComponent(row.name)}`, {method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({at: hand.at})}).then((response) => { if (!response.ok) done.disabled = false; });
    });
    td.append(done);
    return td;
  }

  function render() {
    const words = filter.value.trim().toLowerCase();
    const shown = rows.filter((row) => (!onlyStuck.checked || row.stuck) &&
      (!words || `${row.name} ${row.title || ""} ${row.page || ""}`.toLowerCase().includes(words)));
    shown.sort((a, b) => {
      const key = (row) => (sortKey === "hand" ? (row.hand ? row.hand.at : null) : row[sortKey]);
    const x = key(a) ?? "", y = key(b) ?? "";
      const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return (reverse ? -order : order) || a.name.localeCompare(b.name);
    });
    const fragment = document.createDocumentFragment();
    for (const row of shown) {
      const tr = document.createElement("tr");
      tr.dataset.user = row.name;
      if (row.stuck) tr.className = "stuck";
      if (row.hand) tr.classList.add("hand-up");
      const name = cell(row.name, "name");
      const shadow = document.createElement("a");
      shadow.href = `${base}shadow/${encodeURIComponent(row.name)}/1`;
      shadow.textContent = "terminal";
      shadow.className = "shadow";
      shadow.title = `watch ${row.name}'s terminal 1, read-only`;
      name.append(" ", shadow);
      tr.append(
        name,
        row.problem && !row.page ? cell(row.problem, "page problem")
          : cell(row.page ? `${row.index ?? "?"} of ${row.pages} · ${row.title}` : "not started", "page"),
        cell(String(row.checks ?? 0), "checks"),
        cell(duration(row.seconds), "seconds"),
        cell(duration(row.median), "median"),
        cell(since(row.last_activity), "activity"),
        cell(row.stuck ? `stuck: ${row.why}` : "", "stuck"),
        handCell(row),
      );
      fragment.append(tr);
    }
    tbody.replaceChildren(fragment);
    document.querySelectorAll("th").forEach((th) => {
      th.classList.toggle("sorted", th.dataset.sort === sortKey);
      th.classList.toggle("reverse", th.dataset.sort === sortKey && reverse);
    });
  }

  document.querySelectorAll("th[data-sort]").forEach((th) => th.addEventListener("click", () => {
    reverse = sortKey === th.dataset.sort ? !reverse : false;
    sortKey = th.dataset.sort;
    render();
  }));
  filter.addEventListener("input", render);
  const broadcast = document.getElementById("broadcast");
  const broadcastStatus = document.getElementById("broadcast-status");
  broadcast.addEventListener("submit", (event) => {
    event.preventDefault();
    const message = document.getElementById("broadcast-message").value;
    fetch(`${base}-/broadcast`, {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({message})})
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then(({sent}) => {
        const failed = Object.entries(sent).filter(([, problem]) => problem).map(([name]) => name);
        broadcastStatus.textContent = `sent to ${Object.keys(sent).length - failed.length}` +
          (failed.length ? `; not to ${failed.join(", ")}` : "");
      }, (status) => { broadcastStatus.textContent = `not sent (HTTP ${status})`; });
  });
  onlyStuck.addEventListener("change", render);

  const events = new EventSource(`${base}-/events`);
  events.onmessage = (message) => {
    const state = JSON.parse(message.data);
    rows = state.rows;
    status.textContent = state.problem ? `problem: ${state.problem}` : `${rows.length} running · live`;
    status.classList.toggle("down", Boolean(state.problem));
    render();
  };
  events.onerror = () => { status.textContent = "reconnecting…"; status.classList.add("down"); };
  setInterval(render, 10000); // "last activity" ages between updates
})();
