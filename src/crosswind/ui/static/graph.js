// One DAG's graph: the layout of /ui/data/dags/{id}/graph drawn as SVG (task groups as
// boxes), coloured by the states of the run chosen in the URL (?run_id=, newest by default),
// zoomed with the wheel or the +/− buttons and panned by dragging (or the arrow keys).
// Each task links to its task instance of that run. Live from the event stream.
"use strict";
(() => {
  const { api } = cw;
  const wrap = document.getElementById("graph");
  const dagId = wrap.dataset.dagId;
  const dagPath = `/dags/${encodeURIComponent(dagId)}`;
  const status = document.getElementById("graph-status");
  const picker = document.getElementById("graph-run");
  const SVG = "http://www.w3.org/2000/svg";
  let graph = null, grid = null, svg = null, view = null;

  function make(tag, attrs = {}, text) {
    const n = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function runId() {
    const want = new URLSearchParams(location.search).get("run_id");
    return grid.runs.some((r) => r.run_id === want) ? want : grid.runs.at(-1)?.run_id;
  }

  function stateOf(taskId) {
    const c = grid.runs.findIndex((r) => r.run_id === runId());
    const t = grid.tasks.indexOf(taskId);
    if (c < 0 || t < 0) return "no_status";
    const code = grid.cells[t][c];
    return code < 0 ? "no_status" : grid.states[code];
  }

  function draw() {
    const pad = 20;
    svg = make("svg", { role: "img", "aria-label": `Graph of ${dagId}`, class: "graph" });
    const root = make("g");
    svg.append(root);
    for (const g of graph.groups) {
      const box = make("g", { class: "group", "aria-label": `Task group ${g.id}` });
      box.append(make("rect", { x: g.x, y: g.y, width: g.w, height: g.h, rx: 6 }),
        make("text", { x: g.x + 8, y: g.y + 15 }, g.label));
      root.append(box);
    }
    const at = Object.fromEntries(graph.nodes.map((n) => [n.id, n]));
    const edges = make("g", { class: "edges" });
    for (const [a, b] of graph.edges) {
      const u = at[a], v = at[b];
      const x1 = u.x + u.w, y1 = u.y + u.h / 2, x2 = v.x, y2 = v.y + v.h / 2, mid = (x1 + x2) / 2;
      edges.append(make("path", { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2 - 4},${y2}`, "marker-end": "url(#arrow)" }));
    }
    const defs = make("defs");
    const marker = make("marker", { id: "arrow", viewBox: "0 0 8 8", refX: 4, refY: 4, markerWidth: 6, markerHeight: 6, orient: "auto" });
    marker.append(make("path", { d: "M0,0 L8,4 L0,8 z" }));
    defs.append(marker);
    svg.prepend(defs);
    root.append(edges);
    const run = runId();
    for (const n of graph.nodes) {
      const st = stateOf(n.id);
      const href = run ? `${dagPath}/runs/${encodeURIComponent(run)}/tasks/${encodeURIComponent(n.id)}` : "#";
      const a = make("a", { href, class: "node", "data-task-id": n.id, "data-state": st,
        "aria-label": `${n.id}: ${st.replace("_", " ")}` });
      a.append(make("rect", { x: n.x, y: n.y, width: n.w, height: n.h, rx: n.mapped ? 12 : 4 }),
        make("rect", { class: "bar", x: n.x, y: n.y, width: 6, height: n.h, rx: 2 }),
        make("text", { x: n.x + 12, y: n.y + 15 }, n.label.length > 24 ? n.label.slice(0, 23) + "…" : n.label),
        make("text", { x: n.x + 12, y: n.y + 28, class: "op" }, (n.operator || "") + (n.mapped ? " [ ]" : "")));
      a.append(make("title", {}, `${n.id} (${st.replace("_", " ")})`));
      root.append(a);
    }
    view = view || { x: -pad, y: -pad, w: graph.width + 2 * pad, h: graph.height + 2 * pad };
    wrap.replaceChildren(svg);
    apply();
  }

  function apply() { svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`); }
  function fit() { view = { x: -20, y: -20, w: graph.width + 40, h: graph.height + 40 }; apply(); }
  function zoom(f, cx = view.x + view.w / 2, cy = view.y + view.h / 2) {
    const w = Math.min(Math.max(view.w * f, 100), (graph.width + 40) * 10);
    const k = w / view.w;
    view = { x: cx - (cx - view.x) * k, y: cy - (cy - view.y) * k, w, h: view.h * k };
    apply();
  }

  function toGraph(ev) {
    const r = svg.getBoundingClientRect();
    const s = Math.max(view.w / r.width, view.h / r.height);  // preserveAspectRatio: meet
    const ox = (r.width * s - view.w) / 2, oy = (r.height * s - view.h) / 2;
    return [view.x + (ev.clientX - r.left) * s - ox, view.y + (ev.clientY - r.top) * s - oy, s];
  }

  wrap.addEventListener("wheel", (ev) => {
    if (!svg) return;
    ev.preventDefault();
    const [x, y] = toGraph(ev);
    zoom(ev.deltaY > 0 ? 1.15 : 1 / 1.15, x, y);
  }, { passive: false });
  let drag = null;
  wrap.addEventListener("pointerdown", (ev) => {
    if (!svg || ev.target.closest("a")) return;
    drag = { x: ev.clientX, y: ev.clientY, view: { ...view }, s: toGraph(ev)[2] };
    wrap.setPointerCapture(ev.pointerId);
  });
  wrap.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    view = { ...drag.view, x: drag.view.x - (ev.clientX - drag.x) * drag.s, y: drag.view.y - (ev.clientY - drag.y) * drag.s };
    apply();
  });
  wrap.addEventListener("pointerup", () => { drag = null; });
  wrap.addEventListener("keydown", (ev) => {
    const step = view.w / 10;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[ev.key] && !ev.target.closest("a")) {
      ev.preventDefault();
      view.x += moves[ev.key][0]; view.y += moves[ev.key][1]; apply();
    } else if (ev.key === "+" || ev.key === "=") zoom(1 / 1.25);
    else if (ev.key === "-") zoom(1.25);
  });
  document.getElementById("zoom-in").addEventListener("click", () => zoom(1 / 1.25));
  document.getElementById("zoom-out").addEventListener("click", () => zoom(1.25));
  document.getElementById("zoom-fit").addEventListener("click", fit);

  function fillPicker() {
    const current = runId();
    picker.replaceChildren(...[...grid.runs].reverse().map((r) => {
      const o = document.createElement("option");
      o.value = r.run_id; o.textContent = `${r.run_id} (${r.state})`; o.selected = r.run_id === current;
      return o;
    }));
    picker.disabled = !grid.runs.length;
  }
  picker.addEventListener("change", () => {
    const q = new URLSearchParams(location.search);
    q.set("run_id", picker.value);
    history.pushState(null, "", `${location.pathname}?${q}`);
    draw();
  });
  window.addEventListener("popstate", () => { fillPicker(); draw(); });

  async function loadStates() {
    grid = await api(`${dagPath}/grid?runs=25`, { prefix: "/ui/data" });
  }

  let timer = null;
  function reloadSoon() {
    if (timer) return;
    timer = setTimeout(async () => {
      timer = null;
      await loadStates().catch(() => {});
      fillPicker(); draw();
    }, 500);
  }

  function recolour(ev) {
    const d = JSON.parse(ev.data);
    if (d.run_id !== runId()) return reloadSoon();
    const node = svg?.querySelector(`.node[data-task-id="${CSS.escape(d.task_id)}"]`);
    if (!node || d.map_index >= 0) return reloadSoon();
    const st = d.state || "no_status";
    node.dataset.state = st;
    node.setAttribute("aria-label", `${d.task_id}: ${st.replace("_", " ")}`);
    loadStates().catch(() => {});  // keep the picker's data current for the next redraw
  }

  document.addEventListener("cw:triggered", reloadSoon);
  Promise.all([api(`${dagPath}/graph`, { prefix: "/ui/data" }), loadStates()]).then(([g]) => {
    graph = g;
    wrap.tabIndex = 0;
    wrap.setAttribute("aria-label", "Graph: arrow keys pan, + and − zoom, Tab moves between tasks");
    fillPicker();
    draw();
    status.textContent = `${graph.nodes.length} tasks, ${graph.groups.length} groups`;
    if (!window.EventSource) return;
    const q = new URLSearchParams([["dag_id", dagId], ["type", "task_instance"], ["type", "dag_run"]]);
    const source = new EventSource(`/api/v1/events?${q}`);
    source.addEventListener("task_instance", recolour);
    source.addEventListener("dag_run", reloadSoon);
    window.addEventListener("pagehide", () => source.close());
  }).catch((e) => { status.textContent = "Could not load the graph: " + e.message; });
})();
