// One DAG's grid: /ui/data/dags/{id}/grid drawn as a table (runs across, tasks down);
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

  function draw() {
    const head = el("tr", {}, el("th", { scope: "col" }, "Task"),
      data.runs.map((r) => el("th", { scope: "col" },
        stateBox(r.state, `Run ${r.run_id} (${when(r.logical_date)}): ${r.state}`))));
    const body = document.createDocumentFragment();
    data.tasks.forEach((task, t) => {
      const tr = el("tr", {}, el("th", { scope: "row" }, task));
      const mapped = data.mapped[task];
      for (let c = 0; c < data.runs.length; c++) {
        const code = data.cells[t][c];
        const cls = "cell s-" + (code < 0 ? "no_status none" : data.states[code]) + (mapped ? " mapped" : "");
        tr.append(el("td", {}, el("button", {
          type: "button", class: cls, tabindex: "-1", "data-t": t, "data-c": c,
          "aria-label": cellLabel(t, c), title: cellLabel(t, c),
        })));
      }
      body.append(tr);
    });
    const table = el("table", { class: "grid", "aria-label": `Grid of ${dagId}` },
      el("thead", {}, head), el("tbody", {}, body));
    wrap.replaceChildren(table);
    const first = wrap.querySelector(".cell");
    if (first) first.tabIndex = 0;  // one tab stop; arrow keys move inside the grid
  }

  function cellAt(t, c) {
    return wrap.querySelector(`.cell[data-t="${t}"][data-c="${c}"]`);
  }

  async function showInstance(t, c) {
    const task = data.tasks[t], run = data.runs[c];
    const panel = document.getElementById("ti-panel");
    const dl = document.getElementById("ti-details");
    wrap.querySelectorAll('.cell[aria-current="true"]').forEach((b) => b.removeAttribute("aria-current"));
    const cell = cellAt(t, c);
    if (cell) cell.setAttribute("aria-current", "true");
    document.getElementById("ti-title").textContent = `${task} · ${run.run_id}`;
    panel.hidden = false;
    const rows = [["Run", run.run_id], ["Logical date", when(run.logical_date)]];
    try {
      if (data.mapped[task]) {
        const q = new URLSearchParams({ limit: 100 });
        const out = await api(`${dagPath}/dagRuns/${encodeURIComponent(run.run_id)}/taskInstances?${q}`);
        const mine = out.task_instances.filter((x) => x.task_id === task);
        rows.push(["Mapped instances", String(mine.length)],
          ...mine.map((x) => [`[${x.map_index}]`, x.state || "no status"]));
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
    showInstance(t, c);
  }

  function fromUrl() {
    const q = new URLSearchParams(location.search);
    const t = data.tasks.indexOf(q.get("task_id"));
    const c = data.runs.findIndex((r) => r.run_id === q.get("run_id"));
    if (t >= 0 && c >= 0) select(t, c, false);
    else document.getElementById("ti-panel").hidden = true;
  }

  wrap.addEventListener("click", (ev) => {
    const b = ev.target.closest(".cell");
    if (b) select(+b.dataset.t, +b.dataset.c, true);
  });
  wrap.addEventListener("keydown", (ev) => {
    const b = ev.target.closest(".cell");
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (!b || !moves[ev.key]) return;
    const [dt, dc] = moves[ev.key];
    const next = cellAt(+b.dataset.t + dt, +b.dataset.c + dc);
    if (next) {
      ev.preventDefault();
      b.tabIndex = -1; next.tabIndex = 0; next.focus();
    }
  });
  window.addEventListener("popstate", () => data && fromUrl());

  async function load() {
    data = await api(`${dagPath}/grid?runs=25`, { prefix: "/ui/data" });
    draw();
    status.textContent = `${data.tasks.length} tasks, ${data.runs.length} runs`;
    fromUrl();
  }

  // Trigger: a raw conf editor, pre-filled with the DAG's params; errors shown inline.
  function triggerForm() {
    const dialog = document.getElementById("trigger-dialog");
    if (!dialog) return;
    const conf = document.getElementById("trigger-conf");
    const error = document.getElementById("trigger-error");
    const fail = (msg) => { error.textContent = msg; error.hidden = false; conf.setAttribute("aria-invalid", "true"); };
    document.getElementById("trigger-open").addEventListener("click", async () => {
      error.hidden = true; conf.removeAttribute("aria-invalid");
      try {
        const details = await api(`${dagPath}/details`);
        const params = Object.fromEntries(Object.entries(details.params || {}).map(([k, v]) => [k, v?.value ?? v]));
        conf.value = JSON.stringify(params, null, 2);
      } catch { conf.value = "{}"; }
      dialog.showModal();
      conf.focus();
    });
    document.getElementById("trigger-cancel").addEventListener("click", () => dialog.close());
    document.getElementById("trigger-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      let body;
      try { body = JSON.parse(conf.value || "{}"); } catch (e) { return fail(`Not valid JSON: ${e.message}`); }
      if (body === null || typeof body !== "object" || Array.isArray(body)) return fail("The configuration must be a JSON object.");
      try {
        const run = await api(`${dagPath}/dagRuns`, { method: "POST", body: { conf: body } });
        dialog.close();
        await load();
        status.textContent = `Triggered ${run.dag_run_id || run.run_id}`;
      } catch (e) { fail(e.message); }
    });
  }

  triggerForm();
  load().catch((e) => { status.textContent = "Could not load the grid: " + e.message; });
})();
