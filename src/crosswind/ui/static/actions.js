// Changes to runs and task instances, each confirmed in one dialog after the API's dry run
// lists what it will touch: clear (downstream / upstream / past / future / only failed),
// mark success / failed, delete a run. `cwActions.open(kind, target)`; a done change is
// announced with a "cw:changed" event on document. Buttons with data-action="clear" etc.
// and data-run-id / data-task-id open it too.
"use strict";
const cwActions = (() => {
  const { api, el } = cw;
  const dialog = document.getElementById("action-dialog");
  if (!dialog) return { open() {} };
  const title = document.getElementById("action-title");
  const options = document.getElementById("action-options");
  const summary = document.getElementById("action-summary");
  const affected = document.getElementById("action-affected");
  const error = document.getElementById("action-error");
  const box = (k) => options.querySelector(`[data-option="${k}"]`);
  let job = null;  // {kind, target, run(dry)}
  const enc = encodeURIComponent;
  const mapped = (t) => t.mapIndex !== undefined && t.mapIndex !== "" && +t.mapIndex >= 0;

  function flags() {
    return Object.fromEntries(["downstream", "upstream", "past", "future"].map((k) => [`include_${k}`, box(k).checked]));
  }

  // What each change asks of the API; dry=true lists, dry=false does it.
  const KINDS = {
    clear: {
      title: (t) => t.taskId ? `Clear ${t.taskId}${mapped(t) ? " (all its mapped instances)" : ""} in ${t.runId}` : `Clear run ${t.runId}`,
      options: ["downstream", "upstream", "past", "future", "only_failed"],
      call: (t, dry) => api(`/dags/${enc(t.dagId)}/clearTaskInstances`, { method: "POST", body: {
        dry_run: dry, dag_run_id: t.runId, task_ids: t.taskId ? [t.taskId] : undefined,
        only_failed: box("only_failed").checked, reset_dag_runs: true, ...(t.taskId ? flags() : {}),
        include_past: box("past").checked, include_future: box("future").checked } }),
    },
    success: markTask("success"),
    failed: markTask("failed"),
    run_success: markRun("success"),
    run_failed: markRun("failed"),
    delete: {
      title: (t) => `Delete run ${t.runId}`,
      options: [],
      call: async (t, dry) => dry ? { message: `Run ${t.runId} and its task instances will be deleted.` }
        : api(`/dags/${enc(t.dagId)}/dagRuns/${enc(t.runId)}`, { method: "DELETE" }),
    },
  };

  function markTask(state) {
    return {
      title: (t) => `Mark ${t.taskId}${mapped(t) ? ` [${t.mapIndex}]` : ""} in ${t.runId} ${state}`,
      options: ["downstream", "upstream", "past", "future"],
      call: (t, dry) => mapped(t)  // one mapped instance: its own endpoint, no relatives
        ? api(`/dags/${enc(t.dagId)}/dagRuns/${enc(t.runId)}/taskInstances/${enc(t.taskId)}/${t.mapIndex}`,
          { method: "PATCH", body: { dry_run: dry, new_state: state } }).then((x) => (dry ? { task_instances: [x] } : x))
        : api(`/dags/${enc(t.dagId)}/updateTaskInstancesState`, { method: "POST", body: {
        dry_run: dry, dag_run_id: t.runId, task_id: t.taskId, new_state: state, ...flags() } }),
    };
  }

  function markRun(state) {
    return {
      title: (t) => `Mark run ${t.runId} ${state}`,
      options: [],
      call: async (t, dry) => {
        if (!dry) return api(`/dags/${enc(t.dagId)}/dagRuns/${enc(t.runId)}`, { method: "PATCH", body: { state } });
        const q = new URLSearchParams({ limit: 1000 });
        const out = await api(`/dags/${enc(t.dagId)}/dagRuns/${enc(t.runId)}/taskInstances?${q}`);
        const open = out.task_instances.filter((x) => !["success", "failed", "skipped", "upstream_failed"].includes(x.state));
        return { task_instances: open, message: open.length ? `The run is set ${state}; its unfinished task instances:` : `The run is set ${state}.` };
      },
    };
  }

  let asked = 0;  // previews may answer out of order: only the latest one is shown
  async function preview() {
    const mine = ++asked;
    error.hidden = true;
    summary.textContent = "Checking what this changes…";
    affected.replaceChildren();
    try {
      const out = await KINDS[job.kind].call(job.target, true);
      if (mine !== asked) return;
      const tis = out.task_instances || [];
      summary.textContent = out.message || (tis.length
        ? `${tis.length} task instance${tis.length === 1 ? "" : "s"} will change:` : "Nothing to change.");
      affected.replaceChildren(...tis.slice(0, 200).map((x) => el("li", {},
        `${x.task_id}${x.map_index >= 0 ? ` [${x.map_index}]` : ""} · ${x.dag_run_id || x.run_id}` + (x.state ? ` (${x.state})` : ""))));
      if (tis.length > 200) affected.append(el("li", {}, `… and ${tis.length - 200} more`));
    } catch (e) {
      if (mine !== asked) return;
      summary.textContent = ""; error.textContent = e.message; error.hidden = false; }
  }

  function open(kind, target) {
    job = { kind, target };
    const k = KINDS[kind];
    title.textContent = k.title(target);
    for (const input of options.querySelectorAll("[data-option]")) {
      const shown = k.options.includes(input.dataset.option) && (target.taskId || ["past", "future", "only_failed"].includes(input.dataset.option))
        && !(mapped(target) && kind !== "clear");
      input.closest("label").hidden = !shown;
      input.checked = kind === "clear" && input.dataset.option === "downstream" && !!target.taskId;
    }
    options.hidden = !k.options.length || (mapped(target) && kind !== "clear");
    dialog.showModal();
    preview();
  }

  options.addEventListener("change", preview);
  document.getElementById("action-cancel").addEventListener("click", () => dialog.close());
  document.getElementById("action-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await KINDS[job.kind].call(job.target, false);
      dialog.close();
      document.dispatchEvent(new CustomEvent("cw:changed", { detail: job }));
    } catch (e) { error.textContent = e.message; error.hidden = false; }
  });
  document.addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-action]");
    if (!b || !KINDS[b.dataset.action]) return;
    open(b.dataset.action, { dagId: b.dataset.dagId, runId: b.dataset.runId, taskId: b.dataset.taskId, mapIndex: b.dataset.mapIndex });
  });
  return { open };
})();
