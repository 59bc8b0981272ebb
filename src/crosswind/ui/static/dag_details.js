// One DAG's details from GET /dags/{id}/details: schedule, owners, tags, limits, params and
// doc_md (through cwMarkdown, which escapes all HTML first).
"use strict";
(() => {
  const { api, el, when } = cw;
  const root = document.getElementById("details");
  const status = document.getElementById("details-status");
  const dagId = root.dataset.dagId;
  const show = (v) => (v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v));
  (async () => {
    const d = await api(`/dags/${encodeURIComponent(dagId)}/details`);
    const rows = [
      ["Description", d.description], ["Schedule", `${show(d.schedule_interval?.value ?? d.schedule_interval)}`],
      ["Timetable", d.timetable_description], ["Next run", when(d.next_dagrun)],
      ["Owners", (d.owners || []).join(", ")], ["Tags", (d.tags || []).map((t) => t.name).join(", ")],
      ["Paused", d.is_paused ? "yes" : "no"], ["Start date", when(d.start_date)], ["End date", when(d.end_date)],
      ["Catchup", show(d.catchup)], ["Max active runs", show(d.max_active_runs)],
      ["Max active tasks", show(d.max_active_tasks)], ["Timezone", d.timezone], ["File", d.fileloc],
      ["Last parsed", when(d.last_parsed)]];
    document.getElementById("about").replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v ?? "")]));
    const params = Object.entries(d.params || {});
    document.getElementById("params").replaceChildren(...(params.length ? params.map(([name, p]) =>
      el("tr", {}, el("th", { scope: "row" }, name), el("td", {}, el("code", {}, show(p?.value))),
        el("td", {}, show(p?.schema?.type ?? "")), el("td", {}, p?.description || "")))
      : [el("tr", {}, el("td", { colspan: 4 }, "No params."))]));
    if (d.doc_md) {
      document.getElementById("doc").innerHTML = cwMarkdown.render(d.doc_md);  // escaped inside
      document.getElementById("doc-section").hidden = false;
    }
    status.textContent = "";
  })().catch((e) => { status.textContent = "Could not load the details: " + e.message; });
})();
