// The admin pages: one table per resource of the public API (variables, connections, pools,
// users, roles, my tokens, the event log, datasets, health), described by RESOURCES below:
// how to list it, its columns, the fields of its create/edit form and the calls behind them.
// Edits send only the fields that changed (with update_mask), so a masked value shown by the
// API is never written back and a connection's password is write-only: blank keeps it.
"use strict";
(() => {
  const { api, el, when } = cw;
  const table = document.getElementById("admin");
  const kind = table.dataset.resource;
  const canWrite = table.dataset.canWrite === "true";
  const me = table.dataset.username;
  const status = document.getElementById("admin-status");
  const body = table.querySelector("tbody");
  const enc = encodeURIComponent;
  const PAGE_SIZE = 50;
  const page = Math.max(1, parseInt(new URLSearchParams(location.search).get("page"), 10) || 1);
  const show = (v) => (v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v));
  const mask = (fields) => fields.map((f) => `update_mask=${enc(f)}`).join("&");

  const RESOURCES = {
    variables: {
      list: "/variables", items: "variables", id: "key", order: "key", noun: "variable",
      columns: [["Key", (x) => x.key], ["Value", (x) => el("code", {}, x.value)], ["Description", (x) => x.description]],
      fields: [{ name: "key", label: "Key", createOnly: true }, { name: "value", label: "Value", type: "textarea" },
        { name: "description", label: "Description" }],
      create: (v) => api("/variables", { method: "POST", body: v }),
      update: (x, v, changed) => api(`/variables/${enc(x.key)}?${mask(changed)}`, { method: "PATCH", body: { key: x.key, ...v } }),
      remove: (x) => api(`/variables/${enc(x.key)}`, { method: "DELETE" }),
    },
    connections: {
      list: "/connections", items: "connections", id: "connection_id", order: "connection_id", noun: "connection",
      columns: [["Id", (x) => x.connection_id], ["Type", (x) => x.conn_type], ["Host", (x) => x.host],
        ["Login", (x) => x.login], ["Port", (x) => show(x.port)]],
      fields: [{ name: "connection_id", label: "Connection id", createOnly: true }, { name: "conn_type", label: "Type" },
        { name: "description", label: "Description" }, { name: "host", label: "Host" }, { name: "schema", label: "Schema" },
        { name: "login", label: "Login" },
        { name: "password", label: "Password", type: "password", help: "Write-only: never shown; leave blank to keep the current one." },
        { name: "port", label: "Port", type: "number" }, { name: "extra", label: "Extra (JSON)", type: "textarea" }],
      load: (x) => api(`/connections/${enc(x.connection_id)}`),
      create: (v) => api("/connections", { method: "POST", body: v }),
      update: (x, v, changed) => api(`/connections/${enc(x.connection_id)}?${mask(changed)}`, { method: "PATCH", body: { connection_id: x.connection_id, conn_type: x.conn_type, ...v } }),
      remove: (x) => api(`/connections/${enc(x.connection_id)}`, { method: "DELETE" }),
    },
    pools: {
      list: "/pools", items: "pools", id: "name", order: "name", noun: "pool",
      columns: [["Pool", (x) => x.name], ["Slots", (x) => (x.slots < 0 ? "unlimited" : show(x.slots))],
        ["Occupancy", (x) => occupancy(x)], ["Running", (x) => show(x.running_slots)], ["Queued", (x) => show(x.queued_slots)],
        ["Open", (x) => show(x.open_slots)], ["Description", (x) => x.description]],
      fields: [{ name: "name", label: "Name", createOnly: true }, { name: "slots", label: "Slots", type: "number" },
        { name: "description", label: "Description" }, { name: "include_deferred", label: "Deferred tasks take slots", type: "checkbox" }],
      create: (v) => api("/pools", { method: "POST", body: v }),
      update: (x, v, changed) => api(`/pools/${enc(x.name)}?${mask(changed)}`, { method: "PATCH", body: { name: x.name, ...v } }),
      remove: (x) => api(`/pools/${enc(x.name)}`, { method: "DELETE" }),
    },
    users: {
      list: "/users", items: "users", id: "username", order: "username", noun: "user",
      columns: [["Username", (x) => x.username], ["Name", (x) => `${x.first_name} ${x.last_name}`], ["Email", (x) => x.email],
        ["Roles", (x) => x.roles.map((r) => r.name).join(", ")], ["Active", (x) => (x.is_active ? "yes" : "no")],
        ["Last login", (x) => when(x.last_login)]],
      fields: [{ name: "username", label: "Username", createOnly: true }, { name: "email", label: "Email" },
        { name: "first_name", label: "First name" }, { name: "last_name", label: "Last name" },
        { name: "roles", label: "Roles (comma-separated)", to: (s) => s.split(",").map((r) => r.trim()).filter(Boolean).map((name) => ({ name })),
          from: (v) => (v || []).map((r) => r.name).join(", ") },
        { name: "password", label: "Password", type: "password", help: "Leave blank to keep the current one." }],
      create: (v) => api("/users", { method: "POST", body: v }),
      update: (x, v, changed) => api(`/users/${enc(x.username)}?${mask(changed)}`, { method: "PATCH", body: v }),
      remove: (x) => api(`/users/${enc(x.username)}`, { method: "DELETE" }),
    },
    roles: {
      list: "/roles", items: "roles", id: "name", order: "name", noun: "role",
      columns: [["Role", (x) => x.name], ["Permissions", (x) => el("details", {}, el("summary", {}, `${x.actions.length} permissions`),
        el("ul", {}, x.actions.map((a) => el("li", {}, `${a.action.name} on ${a.resource.name}`))))]],
    },
    tokens: {
      list: `/users/${enc(me)}/tokens`, items: "tokens", id: "id", paged: false, noun: "token",
      columns: [["Name", (x) => x.name], ["Prefix", (x) => el("code", {}, x.prefix)], ["Scopes", (x) => x.scopes.join(", ")],
        ["DAGs", (x) => (x.dag_ids ? x.dag_ids.join(", ") : "all")], ["Created", (x) => when(x.created_at)],
        ["Expires", (x) => when(x.expires_at) || "never"], ["Last used", (x) => when(x.last_used_at)]],
      fields: [{ name: "name", label: "Name" },
        { name: "scopes", label: "Scopes (comma-separated: read, write, admin)", initial: "read, write", to: (s) => s.split(",").map((r) => r.trim()).filter(Boolean) },
        { name: "expires_in_days", label: "Expires in days (blank: never)", type: "number" },
        { name: "dag_ids", label: "Only these DAGs (comma-separated, blank: all)", to: (s) => (s.trim() ? s.split(",").map((r) => r.trim()) : null) }],
      create: (v) => api(`/users/${enc(me)}/tokens`, { method: "POST", body: v }),
      afterCreate: (t) => showSecret(t),
      remove: (x) => api(`/users/${enc(me)}/tokens/${x.id}`, { method: "DELETE" }),
      removeLabel: "Revoke",
    },
    events: {
      list: "/eventLogs", items: "event_logs", id: "event_log_id", order: "-when", filters: ["dag_id", "task_id", "run_id", "event", "owner", "after", "before"],
      columns: [["When", (x) => when(x.when)], ["Event", (x) => x.event], ["Owner", (x) => x.owner], ["DAG", (x) => x.dag_id],
        ["Task", (x) => x.task_id], ["Run", (x) => x.run_id], ["Extra", (x) => el("code", {}, show(x.extra))]],
    },
    datasets: {
      list: "/datasets", items: "datasets", id: "uri", order: "uri",
      columns: [["URI", (x) => x.uri], ["Producing tasks", (x) => (x.producing_tasks || []).map((t) => `${t.dag_id}.${t.task_id}`).join(", ")],
        ["Consuming DAGs", (x) => (x.consuming_dags || []).map((d) => d.dag_id).join(", ")],
        ["Events", (x) => el("button", { type: "button", "data-events": x.uri, "data-dataset-id": x.id, "aria-label": `Events of ${x.uri}` }, "Show events")]],
    },
  };

  function occupancy(p) {
    const used = (p.running_slots || 0) + (p.queued_slots || 0) + (p.deferred_slots || 0) + (p.scheduled_slots || 0);
    if (p.slots < 0) return `${used} used`;
    const pct = p.slots ? Math.min(100, Math.round((100 * (p.occupied_slots ?? used)) / p.slots)) : 0;
    return el("span", { class: "meter", role: "meter", "aria-valuenow": pct, "aria-valuemin": 0, "aria-valuemax": 100,
      "aria-label": `${p.name} occupancy` }, el("span", { class: "track" }, el("span", { style: `width:${pct}%` })),
      ` ${p.occupied_slots ?? used} of ${p.slots}`);
  }

  const R = RESOURCES[kind];
  if (!R) return;
  let items = [];

  // Form ----------------------------------------------------------------------------------
  const dialog = document.getElementById("edit-dialog");
  const form = document.getElementById("edit-form");
  const formError = document.getElementById("edit-error");
  let editing = null, initial = {};

  function fieldValue(f) {
    const input = form.querySelector(`[name="${f.name}"]`);
    if (f.type === "checkbox") return input.checked;
    if (f.type === "number") return input.value === "" ? null : Number(input.value);
    return f.to ? f.to(input.value) : input.value;
  }

  async function openForm(item) {
    editing = item;
    formError.hidden = true;
    const full = item && R.load ? await R.load(item) : item;
    document.getElementById("edit-title").textContent = item ? `Edit ${R.noun} ${item[R.id]}` : `New ${R.noun}`;
    const rows = R.fields.filter((f) => !(item && f.createOnly)).map((f) => {
      const id = `field-${f.name}`;
      const raw = full ? full[f.name] : f.initial;
      const value = f.type === "password" ? "" : f.from ? f.from(raw) : show(raw);
      const attrs = { id, name: f.name, "aria-describedby": f.help ? `${id}-help` : null };
      const input = f.type === "textarea" ? el("textarea", { ...attrs, rows: 4, spellcheck: "false" })
        : el("input", { ...attrs, type: f.type || "text", autocomplete: f.type === "password" ? "new-password" : "off",
          checked: f.type === "checkbox" && raw === true });
      if (f.type !== "checkbox") input.value = value;
      return el("div", { class: "param" }, el("label", { for: id }, f.label), input,
        f.help ? el("small", { id: `${id}-help`, class: "help" }, f.help) : null);
    });
    document.getElementById("edit-fields").replaceChildren(...rows);
    initial = Object.fromEntries(R.fields.filter((f) => !(item && f.createOnly)).map((f) => [f.name, JSON.stringify(fieldValue(f))]));
    dialog.showModal();
    form.querySelector("input, textarea")?.focus();
  }

  form?.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const values = {}, changed = [];
    for (const f of R.fields.filter((x) => !(editing && x.createOnly))) {
      const v = fieldValue(f);
      if (f.type === "password" && !v) continue;  // write-only: blank keeps the stored one
      if (editing && JSON.stringify(v) === initial[f.name] && f.type !== "password") continue;
      if (!editing && (v === null || v === "")) continue;
      values[f.name] = v;
      changed.push(f.name);
    }
    try {
      let made = null;
      if (editing) { if (changed.length) await R.update(editing, values, changed); } else made = await R.create(values);
      dialog.close();
      if (made && R.afterCreate) R.afterCreate(made);
      status.textContent = editing ? `Saved ${R.noun} ${editing[R.id]}.` : `Created ${R.noun} ${values[R.id] ?? values.name ?? ""}.`;
      await load();
    } catch (e) { formError.textContent = e.message; formError.hidden = false; }
  });
  document.getElementById("edit-cancel")?.addEventListener("click", () => dialog.close());

  // Confirm a removal in our own dialog (window.confirm cannot be styled or tested well).
  const confirmDialog = document.getElementById("confirm-dialog");
  let pending = null;
  function askRemove(item) {
    pending = item;
    document.getElementById("confirm-text").textContent = `${R.removeLabel || "Delete"} ${R.noun} ${item.name ?? item[R.id]}?`;
    document.getElementById("confirm-yes").textContent = R.removeLabel || "Delete";
    confirmDialog.showModal();
  }
  document.getElementById("confirm-form")?.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await R.remove(pending);
      confirmDialog.close();
      status.textContent = `${R.removeLabel === "Revoke" ? "Revoked" : "Deleted"} ${R.noun} ${pending.name ?? pending[R.id]}.`;
      await load();
    } catch (e) { confirmDialog.close(); status.textContent = e.message; }
  });
  document.getElementById("confirm-no")?.addEventListener("click", () => confirmDialog.close());

  function showSecret(t) {
    const d = document.getElementById("secret-dialog");
    document.getElementById("secret-value").value = t.token;
    d.showModal();
  }
  document.getElementById("secret-close")?.addEventListener("click", () => document.getElementById("secret-dialog").close());

  // Table ---------------------------------------------------------------------------------
  function row(x) {
    const cells = R.columns.map(([, f]) => el("td", {}, f(x) ?? ""));
    const id = String(x.name ?? x[R.id]);
    const actions = [];
    if (canWrite && R.update) actions.push(el("button", { type: "button", "aria-label": `Edit ${id}`, onclick: () => openForm(x).catch((e) => { status.textContent = e.message; }) }, "Edit"));
    if (canWrite && R.remove) actions.push(el("button", { type: "button", "aria-label": `${R.removeLabel || "Delete"} ${id}`, onclick: () => askRemove(x) }, R.removeLabel || "Delete"));
    if (actions.length) cells.push(el("td", { class: "actions" }, actions));
    return el("tr", { "data-id": id }, cells);
  }

  function query() {
    const q = new URLSearchParams();
    if (R.paged !== false) { q.set("limit", PAGE_SIZE); q.set("offset", (page - 1) * PAGE_SIZE); }
    if (R.order) q.set("order_by", R.order);
    const here = new URLSearchParams(location.search);
    for (const f of R.filters || []) if (here.get(f)) q.set(f, here.get(f));
    return q;
  }

  function pager(total) {
    const nav = document.querySelector(".pager");
    if (!nav || R.paged === false) return;
    const last = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const link = (n, text) => { const q = new URLSearchParams(location.search); q.set("page", n); return el("a", { href: `?${q}` }, text); };
    nav.replaceChildren(page > 1 ? link(page - 1, "← Previous") : "", el("span", {}, `page ${page} of ${last}`), page < last ? link(page + 1, "Next →") : "");
  }

  async function load() {
    const out = await api(`${R.list}?${query()}`);
    items = out[R.items];
    table.querySelector("thead tr").replaceChildren(...R.columns.map(([h]) => el("th", { scope: "col" }, h)),
      ...(canWrite && (R.update || R.remove) ? [el("th", { scope: "col" }, "Actions")] : []));
    body.replaceChildren(...(items.length ? items.map(row) : [el("tr", {}, el("td", { colspan: R.columns.length + 1 }, "None yet."))]));
    pager(out.total_entries ?? items.length);
    if (!status.textContent || status.textContent === "Loading…") status.textContent = `${out.total_entries ?? items.length} in all`;
  }

  document.getElementById("new")?.addEventListener("click", () => openForm(null));

  // Variables: export every variable as one JSON object; import one ({key: value}).
  document.getElementById("export")?.addEventListener("click", async () => {
    const all = {};
    for (let offset = 0; ; offset += 100) {
      const out = await api(`/variables?limit=100&offset=${offset}&order_by=key`);
      for (const v of out.variables) all[v.key] = v.value;
      if (offset + 100 >= out.total_entries) break;
    }
    const a = el("a", { href: URL.createObjectURL(new Blob([JSON.stringify(all, null, 2)], { type: "application/json" })), download: "variables.json" });
    document.body.append(a); a.click(); a.remove();
  });
  document.getElementById("import")?.addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    let data;
    try { data = JSON.parse(await file.text()); } catch (e) { status.textContent = `Not valid JSON: ${e.message}`; return; }
    if (!data || typeof data !== "object" || Array.isArray(data)) { status.textContent = "The file must hold one JSON object: {key: value}."; return; }
    let made = 0, updated = 0;
    for (const [key, raw] of Object.entries(data)) {
      const value = typeof raw === "string" ? raw : JSON.stringify(raw);
      try { await api("/variables", { method: "POST", body: { key, value } }); made++; } catch {
        await api(`/variables/${enc(key)}?update_mask=value`, { method: "PATCH", body: { key, value } }); updated++;
      }
    }
    ev.target.value = "";
    status.textContent = `Imported ${made + updated} variables (${made} new, ${updated} updated).`;
    await load();
  });

  // Datasets: a dataset's events below the table.
  table.addEventListener("click", async (ev) => {
    const b = ev.target.closest("button[data-events]");
    if (!b) return;
    const out = await api(`/datasets/events?${new URLSearchParams({ dataset_id: b.dataset.datasetId, order_by: "-timestamp", limit: 50 })}`);
    const box = document.getElementById("dataset-events");
    box.hidden = false;
    box.querySelector("h2").textContent = `Events of ${b.dataset.events}`;
    box.querySelector("tbody").replaceChildren(...(out.dataset_events.length ? out.dataset_events.map((e) => el("tr", {},
      el("td", {}, when(e.timestamp)), el("td", {}, [e.source_dag_id, e.source_task_id, e.source_run_id].filter(Boolean).join(" · ")),
      el("td", {}, el("code", {}, show(e.extra))))) : [el("tr", {}, el("td", { colspan: 3 }, "No events."))]));
  });

  // Filters of the event log: the form's GET puts them in the URL; keep the form in step.
  for (const f of R.filters || []) {
    const input = document.getElementById(`filter-${f}`);
    if (input) input.value = new URLSearchParams(location.search).get(f) || "";
  }
  load().catch((e) => { status.textContent = `Could not load: ${e.message}`; });
})();
