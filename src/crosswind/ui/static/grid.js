// One DAG's grid: /ui/data/dags/{id}/grid drawn as rows (runs across, tasks down), only the
// rows in view in the DOM;
// selecting a cell (click, Enter, arrow keys) shows its task instance from the public API
// and puts run_id/task_id in the URL, so a cell can be linked to and back/forward work.
"use strict";
(() => {
  const { api, el, when, stateBox } = cw;
  const wrap = document.getElementById("grid");
  const dagId = wrap.dataset.dagId;
  const dagPath = `/dags/${encodeURIComponent(dagId)}`;
  const status = document.getElementById("grid-status");
  let data = null;

  function cellLabel(t, c) {
    const code = data.cells[t][c];
    const st = code < 0 ? "no status" : data.states[code];
    const n = data.mapped[data.tasks[t]]?.[c];
    return `${data.tasks[t]} · ${data.runs[c].run_id}: ${st}` + (n ? ` (${n} mapped)` : "");
  }

  const ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  const esc = (v) => String(v).replace(/[&<>"']/g, (ch) => ESC[ch]);
  const ROW = 20;        // px per task row (--grid-row in ui.css)
  const OVERSCAN = 10;   // rows drawn beyond the visible ones, so scrolling shows no gaps
  let focus = { t: 0, c: 0 };     // the grid's one tab stop (roving tabindex)
  let selected = null;            // the cell whose task instance is shown
  let body = null, drawn = "";

  // Only the rows in view are in the DOM (about 40 of 1,000): drawing and layout cost the
  // same at 10 tasks or 10,000. Every value put into HTML goes through esc().
  function drawRows() {
    const top = Math.max(0, Math.floor(wrap.scrollTop / ROW) - OVERSCAN);
    const end = Math.min(data.tasks.length, Math.ceil((wrap.scrollTop + wrap.clientHeight) / ROW) + OVERSCAN);
    const key = `${top}:${end}:${focus.t}:${focus.c}:${selected?.t}:${selected?.c}`;
    if (key === drawn) return;
    drawn = key;
    let html = "";
    for (let t = top; t < end; t++) {
      const task = data.tasks[t];
      const mapped = data.mapped[task] ? " mapped" : "";
      html += `<div class="grid-row" role="row" aria-rowindex="${t + 2}" style="top:${t * ROW}px"><span class="task" role="rowheader" title="${esc(task)}">${esc(task)}</span>`;
      for (let c = 0; c < data.runs.length; c++) {
        const code = data.cells[t][c];
        const cls = code < 0 ? "no_status none" : esc(data.states[code]);
        const tab = t === focus.t && c === focus.c ? 0 : -1;
        const cur = selected && t === selected.t && c === selected.c ? ' aria-current="true"' : "";
        html += `<span role="gridcell"><button type="button" class="cell s-${cls}${mapped}" tabindex="${tab}" data-t="${t}" data-c="${c}"${cur} aria-label="${esc(cellLabel(t, c))}"></button></span>`;
      }
      html += "</div>";
    }
    const hadFocus = body.contains(document.activeElement);
    body.innerHTML = html;
    if (hadFocus) cellAt(focus.t, focus.c)?.focus({ preventScroll: true });
  }

  function draw() {
    const head = data.runs.map((r) => {
      const label = esc(`Run ${r.run_id} (${when(r.logical_date)}): ${r.state}`);
      return `<span class="run" role="columnheader"><span class="state s-${esc(r.state || "no_status")}" role="img" aria-label="${label}" title="${label}"></span></span>`;
    }).join("");
    const width = 240 + 4 + data.runs.length * 20;  // --task-col + gap + a column per run
    wrap.innerHTML = `<div class="grid" role="grid" style="width:${width}px" aria-label="${esc("Grid of " + dagId)}" aria-rowcount="${data.tasks.length + 1}" aria-colcount="${data.runs.length + 1}">` +
      `<div class="grid-head" role="row" aria-rowindex="1"><span class="task" role="columnheader">Task</span>${head}</div>` +
      `<div class="grid-body" role="rowgroup" style="height:${data.tasks.length * ROW}px"></div></div>`;
    body = wrap.querySelector(".grid-body");
    focus = { t: 0, c: Math.max(0, data.runs.length - 1) };  // the newest run of the first task
    drawn = "";
    drawRows();
  }

  function cellAt(t, c) {
    return body?.querySelector(`.cell[data-t="${t}"][data-c="${c}"]`);
  }

  function moveFocus(t, c) {
    focus = { t, c };
    const head = wrap.querySelector(".grid-head").offsetHeight;
    const y = t * ROW;  // keep the row in view, below the sticky header
    if (y < wrap.scrollTop) wrap.scrollTop = y;
    else if (y + ROW + head > wrap.scrollTop + wrap.clientHeight) wrap.scrollTop = y + ROW + head - wrap.clientHeight;
    drawn = "";
    drawRows();
    cellAt(t, c)?.focus({ preventScroll: true });
  }

  async function showInstance(t, c) {
    const task = data.tasks[t], run = data.runs[c];
    const panel = document.getElementById("ti-panel");
    const dl = document.getElementById("ti-details");
    selected = { t, c };
    drawn = "";
    drawRows();
    document.getElementById("ti-title").textContent = `${task} · ${run.run_id}`;
    panel.hidden = false;
    for (const b of document.querySelectorAll("#cell-actions button")) {
      b.dataset.runId = run.run_id;
      if (b.dataset.for === "task") b.dataset.taskId = task;
    }
    document.getElementById("ti-open").href =
      `${dagPath}/runs/${encodeURIComponent(run.run_id)}/tasks/${encodeURIComponent(task)}`;  // mapped: set below
    const rows = [["Run", run.run_id], ["Logical date", when(run.logical_date)]];
    try {
      if (data.mapped[task]) {
        const q = new URLSearchParams({ limit: 100 });
        const out = await api(`${dagPath}/dagRuns/${encodeURIComponent(run.run_id)}/taskInstances?${q}`);
        const mine = out.task_instances.filter((x) => x.task_id === task);
        const tiUrl = (x) => `${dagPath}/runs/${encodeURIComponent(run.run_id)}/tasks/${encodeURIComponent(task)}?map_index=${x.map_index}`;
        rows.push(["Mapped instances", String(mine.length)],
          ...mine.map((x) => [`[${x.map_index}]`, el("a", { href: tiUrl(x) }, x.state || "no status")]));
        if (mine.length) document.getElementById("ti-open").href = tiUrl(mine[0]);
      } else {
        const ti = await api(`${dagPath}/dagRuns/${encodeURIComponent(run.run_id)}/taskInstances/${encodeURIComponent(task)}`);
        rows.push(["State", ti.state || "no status"], ["Try", String(ti.try_number)],
          ["Operator", ti.operator || ""], ["Started", when(ti.start_date)],
          ["Ended", when(ti.end_date)], ["Duration", ti.duration == null ? "" : `${ti.duration.toFixed(2)} s`],
          ["Host", ti.hostname || ""], ["Pool", ti.pool || ""]);
      }
    } catch (e) {
      rows.push(["State", "no task instance"], ["Note", e.message]);
    }
    dl.replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  }

  function select(t, c, push) {
    if (push) {
      const q = new URLSearchParams({ run_id: data.runs[c].run_id, task_id: data.tasks[t] });
      history.pushState(null, "", `${location.pathname}?${q}`);
    }
    focus = { t, c };
    showInstance(t, c);
  }

  function fromUrl() {
    const q = new URLSearchParams(location.search);
    const t = data.tasks.indexOf(q.get("task_id"));
    const c = data.runs.findIndex((r) => r.run_id === q.get("run_id"));
    if (t >= 0 && c >= 0) {
      moveFocus(t, c);
      select(t, c, false);
    } else {
      selected = null;
      drawn = "";
      drawRows();
      document.getElementById("ti-panel").hidden = true;
    }
  }

  wrap.addEventListener("scroll", () => requestAnimationFrame(drawRows), { passive: true });
  wrap.addEventListener("click", (ev) => {
    const b = ev.target.closest(".cell");
    if (b) select(+b.dataset.t, +b.dataset.c, true);
  });
  wrap.addEventListener("mouseover", (ev) => {  // tooltips on demand
    const b = ev.target.closest(".cell");
    if (b && !b.title) b.title = b.getAttribute("aria-label");
  });
  wrap.addEventListener("keydown", (ev) => {
    const b = ev.target.closest(".cell");
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (!b || !moves[ev.key]) return;
    const [dt, dc] = moves[ev.key];
    const t = +b.dataset.t + dt, c = +b.dataset.c + dc;
    if (t < 0 || c < 0 || t >= data.tasks.length || c >= data.runs.length) return;
    ev.preventDefault();
    moveFocus(t, c);
  });
  window.addEventListener("popstate", () => data && fromUrl());

  // quiet: a live reload, which must not move the keyboard focus or re-announce the status.
  async function load(quiet = false) {
    const keep = quiet && wrap.contains(document.activeElement) ? { ...focus } : null;
    data = await api(`${dagPath}/grid?runs=25`, { prefix: "/ui/data" });
    draw();
    if (!quiet) status.textContent = `${data.tasks.length} tasks, ${data.runs.length} runs`;
    fromUrl();
    if (keep && keep.t < data.tasks.length && keep.c < data.runs.length) moveFocus(keep.t, keep.c);
  }

  document.addEventListener("cw:changed", () => load(true).catch(() => {}));
  document.addEventListener("cw:triggered", async (ev) => {
    await load();
    status.textContent = `Triggered ${ev.detail.dag_run_id || ev.detail.run_id}`;
  });

  // Live: state changes arrive from GET /api/v1/events (EventSource resumes by itself with
  // Last-Event-ID after a drop). A change of a cell in view is applied in place; a new run,
  // a new task or a mapped task's change reloads the grid data, at most every RELOAD_MS.
  const RELOAD_MS = 1000;
  let reloadTimer = null;
  function reloadSoon() {
    if (reloadTimer) return;
    reloadTimer = setTimeout(() => {
      reloadTimer = null;
      load(true).catch(() => {});
    }, RELOAD_MS);
  }

  function stateCode(st) {
    let i = data.states.indexOf(st);
    if (i < 0) { data.states.push(st); i = data.states.length - 1; }
    return i;
  }

  function onTaskInstance(ev) {
    const d = JSON.parse(ev.data);
    const c = data.runs.findIndex((r) => r.run_id === d.run_id);
    const t = data.tasks.indexOf(d.task_id);
    if (c < 0 || t < 0 || d.map_index >= 0 || data.mapped[d.task_id]) return reloadSoon();
    data.cells[t][c] = stateCode(d.state || "none");
    drawn = "";
    drawRows();
    if (selected && selected.t === t && selected.c === c) showInstance(t, c);
  }

  function onDagRun(ev) {
    const d = JSON.parse(ev.data);
    const run = data.runs.find((r) => r.run_id === d.run_id);
    if (!run) return reloadSoon();
    run.state = d.state;
    const i = data.runs.indexOf(run);
    const img = wrap.querySelectorAll(".grid-head .run .state")[i];
    if (img) {
      const label = `Run ${run.run_id} (${when(run.logical_date)}): ${run.state}`;
      img.className = `state s-${run.state || "no_status"}`;
      img.setAttribute("aria-label", label);
      img.title = label;
    }
  }

  function follow() {
    if (!window.EventSource) return;
    const q = new URLSearchParams([["dag_id", dagId], ["type", "task_instance"], ["type", "dag_run"]]);
    const source = new EventSource(`/api/v1/events?${q}`);
    source.addEventListener("task_instance", (ev) => data && onTaskInstance(ev));
    source.addEventListener("dag_run", (ev) => data && onDagRun(ev));
    window.addEventListener("pagehide", () => source.close());
  }

  load().then(follow).catch((e) => { status.textContent = "Could not load the grid: " + e.message; });
})();
