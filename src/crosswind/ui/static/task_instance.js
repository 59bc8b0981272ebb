// One task instance: details, the log of each try (its tail first, earlier parts on demand,
// new lines followed live), XCom, rendered template fields, and why it is not running.
// The tab and the try are in the URL (?tab=log&try=2), so each view can be linked to.
"use strict";
(() => {
  const { api, el, when } = cw;
  const root = document.getElementById("ti");
  const { dagId, runId, taskId } = root.dataset;
  const mapIndex = parseInt(root.dataset.mapIndex, 10);
  const status = document.getElementById("ti-status");
  const runPath = `/dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(runId)}`;
  const tiPath = `${runPath}/taskInstances/${encodeURIComponent(taskId)}` + (mapIndex >= 0 ? `/${mapIndex}` : "");
  const mapQuery = mapIndex >= 0 ? `map_index=${mapIndex}` : "";
  const logBase = `${runPath}/taskInstances/${encodeURIComponent(taskId)}/logs`;
  const FINISHED = new Set(["success", "failed", "skipped", "upstream_failed", "removed"]);
  const FOLLOW_MS = 1000;  // how often a running try's log is asked for new text
  let ti = null;

  const tabs = [...root.querySelectorAll("[data-tab]")];
  function params() { return new URLSearchParams(location.search); }
  function url(changes) {
    const q = params();
    for (const [k, v] of Object.entries(changes)) (v === null ? q.delete(k) : q.set(k, v));
    return `${location.pathname}?${q}`;
  }
  function currentTab() {
    const t = params().get("tab");
    return tabs.some((a) => a.dataset.tab === t) ? t : "details";
  }

  function showTab() {
    const tab = currentTab();
    for (const a of tabs) {
      a.href = url({ tab: a.dataset.tab });
      if (a.dataset.tab === tab) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    }
    for (const p of root.querySelectorAll("[data-panel]")) p.hidden = p.dataset.panel !== tab;
    ({ details: () => {}, log: openLog, xcom: loadXcom, rendered: showRendered, dependencies: loadDeps })[tab]()
      ?.catch?.((e) => { status.textContent = e.message; });
  }

  root.addEventListener("click", (ev) => {
    const a = ev.target.closest("a[data-tab], a[data-try]");
    if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
    ev.preventDefault();
    history.pushState(null, "", a.href);
    showTab();
  });
  window.addEventListener("popstate", showTab);

  // Details -------------------------------------------------------------------------------
  function showDetails() {
    const badge = document.getElementById("ti-state");
    badge.className = `badge s-${ti.state || "no_status"}`;
    badge.textContent = ti.state || "no status";
    const rows = [["State", ti.state || "no status"], ["Try", `${ti.try_number} of ${ti.max_tries + 1}`],
      ["Operator", ti.operator], ["Run", ti.dag_run_id], ["Logical date", when(ti.logical_date)],
      ["Queued", when(ti.queued_when)], ["Started", when(ti.start_date)], ["Ended", when(ti.end_date)],
      ["Duration", ti.duration == null ? "" : `${ti.duration.toFixed(2)} s`], ["Host", ti.hostname],
      ["Pool", `${ti.pool} (${ti.pool_slots} slot${ti.pool_slots === 1 ? "" : "s"})`], ["Queue", ti.queue],
      ["Priority weight", String(ti.priority_weight)], ["Note", ti.note || ""]];
    if (mapIndex >= 0) rows.splice(1, 0, ["Map index", `${mapIndex}${ti.rendered_map_index ? ` (${ti.rendered_map_index})` : ""}`]);
    document.getElementById("ti-details").replaceChildren(
      ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v ?? "")]));
  }

  async function loadTi() {
    ti = await api(tiPath);
    showDetails();
    status.textContent = "";
  }

  // Log -----------------------------------------------------------------------------------
  const pre = document.getElementById("log");
  const earlier = document.getElementById("log-earlier");
  const followNote = document.getElementById("log-follow");
  const search = document.getElementById("log-search");
  const matchesNote = document.getElementById("log-matches");
  let log = null;  // {try, text, start, token, timer}

  function tryNumber() {
    const n = parseInt(params().get("try"), 10);
    return n >= 1 && n <= ti.try_number ? n : ti.try_number;
  }

  async function drawTries() {
    const nav = document.getElementById("log-tries");
    const shown = tryNumber();
    const links = [];
    for (let n = 1; n <= ti.try_number; n++) {
      links.push(el("a", { href: url({ tab: "log", try: n }), "data-try": n,
        "aria-current": n === shown ? "page" : null }, `Try ${n}`));
    }
    nav.replaceChildren(...links);
  }

  function stopFollowing() {
    if (log?.timer) clearTimeout(log.timer);
    if (log) log.timer = null;
    followNote.textContent = "";
  }

  async function openLog() {
    if (!ti) return;
    const n = tryNumber();
    drawTries();
    if (ti.try_number < 1) {
      pre.textContent = "";
      status.textContent = "This task has not run yet: no log.";
      return;
    }
    if (log && log.try === n) return;  // already shown (and followed)
    stopFollowing();
    const q = new URLSearchParams(mapQuery);
    const w = await api(`${logBase}/${n}/window?${q}`, { prefix: "/ui/data" });
    log = { try: n, text: w.content, start: w.start, token: w.continuation_token, timer: null };
    document.getElementById("log-download").href = `/ui/data${logBase}/${n}/download?${q}`;
    earlier.hidden = !(w.start > 0);
    drawLog(true);
    follow();
  }

  earlier.addEventListener("click", async () => {
    const q = new URLSearchParams(mapQuery);
    q.set("before", log.start);
    const w = await api(`${logBase}/${log.try}/window?${q}`, { prefix: "/ui/data" });
    log.text = w.content + log.text;
    log.start = w.start;
    earlier.hidden = !(w.start > 0);
    drawLog(false);
  });

  function running() { return ti && !FINISHED.has(ti.state) && log.try === ti.try_number && !log.detached; }

  // New text comes from the public endpoint's continuation token: the window's end first.
  async function poll() {
    if (!log) return;
    const mine = log;
    for (let more = true; more;) {
      const q = new URLSearchParams(mapQuery);
      q.set("token", mine.token);
      const out = await api(`${logBase}/${mine.try}?${q}`);
      if (log !== mine) return;
      mine.token = out.continuation_token;
      more = out.content.length > 0;
      if (more) appendLog(out.content);
    }
  }

  function follow() {
    const mine = log;
    if (!running()) { followNote.textContent = ""; return; }
    followNote.textContent = "Following the running task…";
    mine.timer = setTimeout(async () => {
      try { await poll(); } catch (e) { followNote.textContent = e.message; }
      if (log === mine) follow();
    }, FOLLOW_MS);
  }

  function atBottom() { return pre.scrollHeight - pre.scrollTop - pre.clientHeight < 30; }

  function appendLog(text) {
    const stick = atBottom();
    log.text += text;
    if (search.value) drawLog(false);
    else pre.append(document.createTextNode(text));
    if (stick) pre.scrollTop = pre.scrollHeight;
  }

  // Search: matches of the loaded text are marked; Enter / ↓ / ↑ move between them.
  let current = -1;
  function drawLog(toBottom) {
    const needle = search.value;
    if (!needle) {
      pre.textContent = log.text;
      matchesNote.textContent = "";
    } else {
      const parts = [];
      const hay = log.text.toLowerCase(), low = needle.toLowerCase();
      let at = 0, n = 0;
      for (let i = hay.indexOf(low); i >= 0; i = hay.indexOf(low, i + low.length)) {
        parts.push(document.createTextNode(log.text.slice(at, i)),
          el("mark", {}, log.text.slice(i, i + needle.length)));
        at = i + needle.length;
        n++;
      }
      parts.push(document.createTextNode(log.text.slice(at)));
      pre.replaceChildren(...parts);
      matchesNote.textContent = `${n} match${n === 1 ? "" : "es"}` + (log.start > 0 ? " in the loaded part" : "");
      current = -1;
    }
    if (toBottom) pre.scrollTop = pre.scrollHeight;
  }

  function jump(step) {
    const marks = pre.querySelectorAll("mark");
    if (!marks.length) return;
    marks[current]?.classList.remove("current");
    current = (current + step + marks.length) % marks.length;
    marks[current].classList.add("current");
    marks[current].scrollIntoView({ block: "center" });
    matchesNote.textContent = `${current + 1} of ${marks.length}`;
  }

  // The whole file is searched on the server (the page holds only a window of a big log);
  // a match opens the window around it, "Back to the end" returns to the followed tail.
  const results = document.getElementById("log-results");
  const tailButton = document.getElementById("log-tail");
  document.getElementById("log-search-all").addEventListener("click", async () => {
    const needle = search.value.trim();
    if (!needle || !log) return;
    const q = new URLSearchParams(mapQuery);
    q.set("q", needle);
    matchesNote.textContent = "Searching the whole log…";
    try {
      const out = await api(`${logBase}/${log.try}/search?${q}`, { prefix: "/ui/data" });
      matchesNote.textContent = `${out.matches.length}${out.truncated ? "+" : ""} matching line${out.matches.length === 1 ? "" : "s"} in the whole log`;
      results.replaceChildren(...out.matches.map((m) => el("li", {},
        el("button", { type: "button", class: "link", "data-offset": m.offset }, m.line))));
      results.hidden = !out.matches.length;
    } catch (e) { matchesNote.textContent = e.message; }
  });
  results.addEventListener("click", async (ev) => {
    const b = ev.target.closest("button[data-offset]");
    if (!b) return;
    const offset = +b.dataset.offset, n = log.try;
    stopFollowing();
    const q = new URLSearchParams(mapQuery);
    q.set("before", offset + 128 * 1024);
    const w = await api(`${logBase}/${n}/window?${q}`, { prefix: "/ui/data" });
    log = { try: n, text: w.content, start: w.start, token: w.continuation_token, timer: null, detached: true };
    earlier.hidden = !(w.start > 0);
    tailButton.hidden = false;
    followNote.textContent = "Showing a part of the log.";
    // The match's byte offset as a character index of the window's text.
    const bytes = new TextEncoder().encode(log.text);
    const at = new TextDecoder().decode(bytes.slice(0, Math.max(0, offset - w.start))).length;
    const end = log.text.indexOf("\n", at);
    const here = el("span", { class: "here", id: "log-here" }, log.text.slice(at, end < 0 ? undefined : end));
    pre.replaceChildren(document.createTextNode(log.text.slice(0, at)), here,
      document.createTextNode(end < 0 ? "" : log.text.slice(end)));
    here.scrollIntoView({ block: "center" });
  });
  tailButton.addEventListener("click", () => {
    tailButton.hidden = true;
    log = null;
    openLog().catch((e) => { status.textContent = e.message; });
  });

  search.addEventListener("input", () => log && drawLog(false));
  search.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") { ev.preventDefault(); jump(ev.shiftKey ? -1 : 1); }
  });
  document.getElementById("log-next").addEventListener("click", () => jump(1));
  document.getElementById("log-prev").addEventListener("click", () => jump(-1));

  // XCom, rendered fields, dependencies ----------------------------------------------------
  function show(v) { return typeof v === "string" ? v : JSON.stringify(v, null, 2); }

  async function loadXcom() {
    const q = new URLSearchParams(mapQuery);
    q.set("limit", 100);
    const base = `${runPath}/taskInstances/${encodeURIComponent(taskId)}/xcomEntries`;
    const out = await api(`${base}?${q}`);
    const body = document.getElementById("xcom");
    const rows = await Promise.all(out.xcom_entries.map(async (x) => {
      const one = await api(`${base}/${encodeURIComponent(x.key)}?${new URLSearchParams(mapQuery)}`);
      return el("tr", {}, el("th", { scope: "row" }, x.key), el("td", {}, el("pre", {}, show(one.value))));
    }));
    body.replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 2 }, "No XCom entries."))]));
  }

  function showRendered() {
    if (!ti) return;
    const fields = Object.entries(ti.rendered_fields || {});
    document.getElementById("rendered").replaceChildren(...(fields.length
      ? fields.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, el("pre", {}, show(v)))])
      : [el("dd", {}, "No rendered template fields (the task has not run, or has none).")]));
  }

  async function loadDeps() {
    const out = await api(`${tiPath}/dependencies`);
    const summary = document.getElementById("deps-summary");
    const deps = out.dependencies;
    summary.textContent = deps.length ? `Why ${taskId} is not running:`
      : FINISHED.has(ti?.state) ? `The task instance is ${ti.state}.`
      : "All dependencies are met: the task instance can run.";
    document.getElementById("deps").replaceChildren(...deps.map((d) =>
      el("tr", {}, el("th", { scope: "row" }, d.name), el("td", {}, d.reason))));
  }

  // Live: this task instance's state changes arrive on the event stream.
  function listen() {
    if (!window.EventSource) return;
    const q = new URLSearchParams([["dag_id", dagId], ["type", "task_instance"]]);
    const source = new EventSource(`/api/v1/events?${q}`);
    source.addEventListener("task_instance", async (ev) => {
      const d = JSON.parse(ev.data);
      if (d.run_id !== runId || d.task_id !== taskId || (d.map_index ?? -1) !== mapIndex) return;
      const before = ti.try_number;
      await loadTi();
      if (currentTab() === "log") {
        if (ti.try_number !== before && !params().get("try")) { stopFollowing(); log = null; }
        if (log && !log.timer) { await poll(); follow(); }
        await openLog();
      } else if (currentTab() === "dependencies") await loadDeps();
      else if (currentTab() === "rendered") showRendered();
    });
    window.addEventListener("pagehide", () => source.close());
  }

  document.addEventListener("cw:changed", async () => {
    await loadTi();
    stopFollowing();
    log = null;
    showTab();
    status.textContent = "Done.";
  });

  // A mapped task has no instance of its own (map index -1): list its mapped instances.
  async function mappedInstead(error) {
    if (mapIndex >= 0) throw error;
    const base = `${runPath}/taskInstances/${encodeURIComponent(taskId)}/listMapped`;
    const out = await api(`${base}?limit=100`).catch(() => { throw error; });
    if (!out.task_instances.length) throw error;
    status.replaceChildren(`${taskId} is mapped: ${out.total_entries} instances. `,
      ...out.task_instances.map((x) => el("a", { href: `${location.pathname}?map_index=${x.map_index}`, class: "mapped-link" },
        `[${x.map_index}] ${x.state || "no status"}`)));
  }

  loadTi().then(() => { showTab(); listen(); })
    .catch((e) => mappedInstead(e))
    .catch((e) => { status.textContent = "Could not load the task instance: " + e.message; });
})();
