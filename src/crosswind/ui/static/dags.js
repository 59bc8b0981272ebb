// The DAGs page: one page of /api/v1/dags with the filters of the URL, the last runs of
// those DAGs (/ui/data/recent-runs), import errors, and the pause switch.
"use strict";
(() => {
  const PAGE_SIZE = 25;
  const { api, el, when, stateBox } = cw;
  const table = document.getElementById("dags");
  const body = table.querySelector("tbody");
  const status = document.getElementById("dags-status");
  const canEdit = table.dataset.canEdit === "true";
  const f = table.dataset;
  const page = Math.max(1, parseInt(f.page, 10) || 1);

  function listQuery() {
    const q = new URLSearchParams({ limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, order_by: "dag_id" });
    if (f.search) q.set("dag_id_pattern", f.search);
    for (const t of f.tag.split(",").map((s) => s.trim()).filter(Boolean)) q.append("tags", t);
    if (f.status === "active") q.set("paused", "false");
    if (f.status === "paused") q.set("paused", "true");
    return q;
  }

  function pageUrl(n) {
    const q = new URLSearchParams(location.search);
    q.set("page", n);
    return "/dags?" + q;
  }

  function tagUrl(tag) {
    const q = new URLSearchParams(location.search);
    q.set("tag", tag); q.delete("page");
    return "/dags?" + q;
  }

  function pauseSwitch(dag) {
    const input = el("input", {
      type: "checkbox", role: "switch", class: "pause-toggle", "data-dag-id": dag.dag_id,
      "aria-label": `Active: ${dag.dag_id}`, checked: !dag.is_paused,
    });
    input.addEventListener("change", async () => {
      const paused = !input.checked;
      input.disabled = true;
      try {
        const out = await api(`/dags/${encodeURIComponent(dag.dag_id)}`, { method: "PATCH", body: { is_paused: paused } });
        input.checked = !out.is_paused;
        status.textContent = `${dag.dag_id} ${out.is_paused ? "paused" : "unpaused"}`;
      } catch (e) {
        input.checked = !paused;
        status.textContent = `Could not change ${dag.dag_id}: ${e.message}`;
      } finally {
        input.disabled = false;
      }
    });
    return el("label", { class: "switch" }, input, el("span"));
  }

  function row(dag) {
    const grid = `/dags/${encodeURIComponent(dag.dag_id)}/grid`;
    const active = canEdit ? pauseSwitch(dag) : el("span", {}, dag.is_paused ? "Paused" : "Active");
    const tags = el("div", { class: "tags" }, dag.tags.map((t) => el("a", { href: tagUrl(t.name) }, t.name)));
    const broken = dag.has_import_errors ? el("span", { class: "error", title: "import error" }, " import error") : null;
    return el("tr", { "data-dag-id": dag.dag_id },
      el("td", {}, active),
      el("td", { class: "dag" }, el("a", { href: grid }, dag.dag_id), broken,
        dag.description ? el("div", { class: "desc" }, dag.description) : null, tags),
      el("td", {}, dag.owners.join(", ")),
      el("td", { title: dag.timetable_description || "" }, dag.schedule_interval ?? "None"),
      el("td", {}, when(dag.next_dagrun)),
      el("td", { class: "runs", "data-dag-id": dag.dag_id }));
  }

  function pager(total) {
    const nav = document.querySelector(".pager");
    nav.replaceChildren();
    const last = Math.max(1, Math.ceil(total / PAGE_SIZE));
    if (page > 1) nav.append(el("a", { href: pageUrl(page - 1), rel: "prev" }, "← Previous"));
    const first = total ? (page - 1) * PAGE_SIZE + 1 : 0;
    nav.append(el("span", {}, `${first}–${Math.min(page * PAGE_SIZE, total)} of ${total} · page ${page} of ${last}`));
    if (page < last) nav.append(el("a", { href: pageUrl(page + 1), rel: "next" }, "Next →"));
  }

  async function fillRuns(ids) {
    if (!ids.length) return;
    const q = new URLSearchParams();
    ids.forEach((id) => q.append("dag_id", id));
    const runs = await api("/recent-runs?" + q, { prefix: "/ui/data" });
    for (const cell of body.querySelectorAll("td.runs")) {
      const id = cell.dataset.dagId;
      const grid = `/dags/${encodeURIComponent(id)}/grid`;
      cell.replaceChildren(...(runs[id] || []).map((r) =>
        el("a", { href: grid }, stateBox(r.state, `${r.run_id}: ${r.state}`))));
      if (!(runs[id] || []).length) cell.textContent = "no runs";
    }
  }

  async function importErrors() {
    const out = await api("/importErrors?limit=100&order_by=filename");
    if (!out.total_entries) return;
    const box = document.getElementById("import-errors");
    box.querySelector("h2").textContent = `Import errors (${out.total_entries})`;
    box.querySelector(".list").replaceChildren(...out.import_errors.map((e) =>
      el("details", { class: "import-error" }, el("summary", {}, e.filename), el("pre", {}, e.stack_trace))));
    box.hidden = false;
  }

  async function load() {
    const out = await api("/dags?" + listQuery());
    body.replaceChildren(...out.dags.map(row));
    status.textContent = out.total_entries ? `${out.total_entries} DAGs` : "No DAGs match.";
    pager(out.total_entries);
    await fillRuns(out.dags.map((d) => d.dag_id));
  }

  // The filter form always shows this URL's filters: browsers restore edited-but-unsent
  // form values on back/forward (and from the back-forward cache), which would contradict
  // the list below them.
  function syncForm() {
    document.getElementById("search").value = f.search;
    document.getElementById("tag").value = f.tag;
    document.getElementById("status").value = f.status;
  }
  syncForm();
  window.addEventListener("pageshow", syncForm);

  load().catch((e) => { status.textContent = "Could not load the DAGs: " + e.message; });
  importErrors().catch(() => {});
})();
