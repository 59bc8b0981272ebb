// One DAG's runs, newest first, a page of /api/v1/dags/{id}/dagRuns with the URL's filters;
// each row's actions go through the confirm dialog of actions.js. Live: run state changes
// from the event stream reload the page of runs.
"use strict";
(() => {
  const PAGE_SIZE = 50;
  const { api, el, when, stateBox } = cw;
  const table = document.getElementById("runs");
  const body = table.querySelector("tbody");
  const status = document.getElementById("runs-status");
  const { dagId, state } = table.dataset;
  const page = Math.max(1, parseInt(table.dataset.page, 10) || 1);
  const canEdit = table.dataset.canEdit === "true", canDelete = table.dataset.canDelete === "true";
  const dagUrl = `/dags/${encodeURIComponent(dagId)}`;

  function button(action, label, run) {
    return el("button", { type: "button", "data-action": action, "data-dag-id": dagId, "data-run-id": run.dag_run_id,
      "aria-label": `${label}: ${run.dag_run_id}` }, label);
  }

  function row(run) {
    const cells = [
      el("td", {}, stateBox(run.state, run.state), " ", run.state),
      el("td", {}, el("a", { href: `${dagUrl}/grid?run_id=${encodeURIComponent(run.dag_run_id)}` }, run.dag_run_id)),
      el("td", {}, run.run_type), el("td", {}, when(run.logical_date)),
      el("td", {}, when(run.start_date)), el("td", {}, when(run.end_date))];
    if (canEdit) {
      cells.push(el("td", { class: "actions" }, button("clear", "Clear", run), button("run_success", "Mark success", run),
        button("run_failed", "Mark failed", run), canDelete ? button("delete", "Delete", run) : null));
    }
    return el("tr", { "data-run-id": run.dag_run_id }, cells);
  }

  function pager(total) {
    const nav = document.querySelector(".pager");
    const last = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const link = (n, text, rel) => {
      const q = new URLSearchParams(location.search); q.set("page", n);
      return el("a", { href: `?${q}`, rel }, text);
    };
    nav.replaceChildren(page > 1 ? link(page - 1, "← Previous", "prev") : "",
      el("span", {}, `page ${page} of ${last} · ${total} runs`), page < last ? link(page + 1, "Next →", "next") : "");
  }

  async function load() {
    const q = new URLSearchParams({ limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, order_by: "-execution_date" });
    if (state) q.set("state", state);
    const out = await api(`${dagUrl}/dagRuns?${q}`);
    body.replaceChildren(...out.dag_runs.map(row));
    pager(out.total_entries);
    return out;
  }

  let timer = null;
  function reloadSoon() {
    if (!timer) timer = setTimeout(() => { timer = null; load().catch(() => {}); }, 500);
  }

  document.addEventListener("cw:changed", async (ev) => {
    await load();
    status.textContent = `Done: ${document.getElementById("action-title").textContent}`;
    void ev;
  });
  document.addEventListener("cw:triggered", async (ev) => {
    await load();
    status.textContent = `Triggered ${ev.detail.dag_run_id}`;
  });
  load().then((out) => {
    status.textContent = out.total_entries ? `${out.total_entries} runs` : "No runs.";
    if (!window.EventSource) return;
    const q = new URLSearchParams([["dag_id", dagId], ["type", "dag_run"]]);
    const source = new EventSource(`/api/v1/events?${q}`);
    source.addEventListener("dag_run", reloadSoon);
    window.addEventListener("pagehide", () => source.close());
  }).catch((e) => { status.textContent = "Could not load the runs: " + e.message; });
})();
