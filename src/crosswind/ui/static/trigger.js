// Trigger a DAG: a form built from the DAG's Params (type, default, enum, description from
// GET /dags/{id}/details) kept in step with a raw JSON conf editor; the API's validation
// errors (400 "Invalid input for param NAME: ...") are shown inline, at the field they name.
// A new run is announced with a "cw:triggered" event on document.
"use strict";
(() => {
  const { api, el } = cw;
  const dialog = document.getElementById("trigger-dialog");
  if (!dialog) return;
  const dagId = dialog.dataset.dagId;
  const dagPath = `/dags/${encodeURIComponent(dagId)}`;
  const fields = document.getElementById("trigger-fields");
  const conf = document.getElementById("trigger-conf");
  const error = document.getElementById("trigger-error");
  let specs = {};

  // The JSON type a Param's value takes: its schema's type (the first not "null"), else its
  // default's.
  function kindOf(spec) {
    const t = spec.schema?.type;
    const types = (Array.isArray(t) ? t : [t]).filter((x) => x && x !== "null");
    if (types.length) return types[0];
    const v = spec.value;
    if (v === null || v === undefined) return "string";
    if (Array.isArray(v)) return "array";
    return typeof v === "boolean" ? "boolean" : typeof v === "number" ? "number" : typeof v === "object" ? "object" : "string";
  }

  function input(name, spec) {
    const id = `param-${name}`;
    const kind = kindOf(spec);
    const v = spec.value;
    const common = { id, name, "data-param": name, "data-kind": kind, "aria-describedby": `${id}-help ${id}-error` };
    let control;
    if (Array.isArray(spec.schema?.enum)) {
      control = el("select", common, spec.schema.enum.map((opt) =>
        el("option", { value: JSON.stringify(opt), selected: JSON.stringify(opt) === JSON.stringify(v) }, opt === null ? "(none)" : String(opt))));
    } else if (kind === "boolean") {
      control = el("input", { ...common, type: "checkbox", checked: v === true });
    } else if (kind === "integer" || kind === "number") {
      control = el("input", { ...common, type: "number", step: kind === "integer" ? "1" : "any",
        min: spec.schema?.minimum, max: spec.schema?.maximum, value: v ?? "" });
    } else if (kind === "array" || kind === "object") {
      control = el("textarea", { ...common, rows: 3, spellcheck: "false" });
      control.value = v === null || v === undefined ? "" : JSON.stringify(v);
    } else {
      control = el("input", { ...common, value: v ?? "", type: "text" });
    }
    const title = spec.schema?.title || name;
    return el("div", { class: "param" },
      el("label", { for: id }, title, kind === "boolean" ? null : el("span", { class: "kind" }, ` (${kind})`)),
      control,
      el("small", { id: `${id}-help`, class: "help" }, spec.description || ""),
      el("span", { id: `${id}-error`, class: "field-error", hidden: true }));
  }

  // The value a field stands for; throws with a message for a textarea that is not JSON.
  function valueOf(control) {
    const kind = control.dataset.kind;
    if (control.tagName === "SELECT") return JSON.parse(control.value);
    if (kind === "boolean") return control.checked;
    if (control.value === "") return null;
    if (kind === "integer" || kind === "number") return Number(control.value);
    if (kind === "array" || kind === "object") return JSON.parse(control.value);
    return control.value;
  }

  function controls() { return [...fields.querySelectorAll("[data-param]")]; }

  function formToJson() {
    let body;
    try { body = JSON.parse(conf.value || "{}"); } catch { body = {}; }
    if (body === null || typeof body !== "object" || Array.isArray(body)) body = {};
    for (const c of controls()) {
      try { body[c.dataset.param] = valueOf(c); clearField(c); } catch (e) { markField(c.dataset.param, `Not valid JSON: ${e.message}`); }
    }
    conf.value = JSON.stringify(body, null, 2);
  }

  function jsonToForm() {
    let body;
    try { body = JSON.parse(conf.value || "{}"); } catch { return; }  // mid-edit: leave the form
    if (body === null || typeof body !== "object") return;
    for (const c of controls()) {
      if (!(c.dataset.param in body)) continue;
      const v = body[c.dataset.param];
      if (c.tagName === "SELECT") c.value = JSON.stringify(v);
      else if (c.dataset.kind === "boolean") c.checked = v === true;
      else if (typeof v === "object" && v !== null) c.value = JSON.stringify(v);
      else c.value = v ?? "";
    }
  }

  function clearField(c) {
    c.removeAttribute("aria-invalid");
    const e = document.getElementById(`${c.id}-error`);
    if (e) { e.hidden = true; e.textContent = ""; }
  }

  function markField(name, message) {
    const c = controls().find((x) => x.dataset.param === name);
    if (!c) return false;
    c.setAttribute("aria-invalid", "true");
    const e = document.getElementById(`${c.id}-error`);
    e.textContent = message;
    e.hidden = false;
    return true;
  }

  function fail(message) {
    error.textContent = message;
    error.hidden = false;
    const m = /Invalid input for param ([^:]+): (.*)/.exec(message);
    if (!(m && markField(m[1], m[2]))) conf.setAttribute("aria-invalid", "true");
  }

  function reset() {
    error.hidden = true;
    conf.removeAttribute("aria-invalid");
    controls().forEach(clearField);
  }

  document.getElementById("trigger-open").addEventListener("click", async () => {
    reset();
    document.getElementById("trigger-more").open = false;
    document.getElementById("trigger-run-id").value = "";
    document.getElementById("trigger-date").value = "";
    try {
      const details = await api(`${dagPath}/details`);
      specs = details.params || {};
    } catch { specs = {}; }
    const names = Object.keys(specs);
    document.getElementById("trigger-params").hidden = names.length === 0;
    fields.replaceChildren(...names.map((n) => input(n, specs[n])));
    conf.value = JSON.stringify(Object.fromEntries(names.map((n) => [n, specs[n].value ?? null])), null, 2);
    dialog.showModal();
    (controls()[0] || conf).focus();
  });
  fields.addEventListener("input", formToJson);
  fields.addEventListener("change", formToJson);
  conf.addEventListener("input", jsonToForm);
  document.getElementById("trigger-cancel").addEventListener("click", () => dialog.close());

  document.getElementById("trigger-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    reset();
    let body;
    try { body = JSON.parse(conf.value || "{}"); } catch (e) { return fail(`Not valid JSON: ${e.message}`); }
    if (body === null || typeof body !== "object" || Array.isArray(body)) return fail("The configuration must be a JSON object.");
    const req = { conf: body };
    const runId = document.getElementById("trigger-run-id").value.trim();
    const date = document.getElementById("trigger-date").value;
    if (runId) req.dag_run_id = runId;
    if (date) req.logical_date = new Date(date + "Z").toISOString();
    try {
      const run = await api(`${dagPath}/dagRuns`, { method: "POST", body: req });
      dialog.close();
      document.dispatchEvent(new CustomEvent("cw:triggered", { detail: run }));
    } catch (e) { fail(e.message); }
  });
})();
