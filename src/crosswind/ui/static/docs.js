// The API reference: the mount's openapi.json as a list of operations grouped by tag.
"use strict";
(() => {
  const { el } = cw;
  const root = document.getElementById("docs");
  const status = document.getElementById("docs-status");
  const filter = document.getElementById("docs-filter");

  const ref = (spec, obj) => {  // follow one local $ref ("#/components/schemas/X")
    if (!obj || !obj.$ref) return obj;
    return obj.$ref.replace(/^#\//, "").split("/").reduce((o, k) => o?.[k], spec);
  };
  const typeOf = (spec, schema) => {
    const s = ref(spec, schema) || {};
    if (schema?.$ref) return schema.$ref.split("/").pop();
    if (s.type === "array") return `${typeOf(spec, s.items)}[]`;
    if (s.anyOf) return s.anyOf.map((x) => typeOf(spec, x)).join(" | ");
    return s.type || "object";
  };

  function operation(spec, path, method, op) {
    const params = (op.parameters || []).map((p) => ref(spec, p));
    const body = ref(spec, op.requestBody)?.content?.["application/json"]?.schema;
    const rows = params.map((p) => el("tr", {},
      el("td", {}, el("code", {}, p.name)), el("td", {}, p.in), el("td", {}, typeOf(spec, p.schema)),
      el("td", {}, p.required ? "required" : ""), el("td", {}, p.description || "")));
    return el("details", { class: "op", "data-search": `${method} ${path} ${op.summary || ""} ${(op.tags || []).join(" ")}`.toLowerCase() },
      el("summary", {}, el("code", { class: "method" }, method.toUpperCase()), " ", el("code", {}, path), " ", op.summary || ""),
      op.description ? el("p", {}, op.description) : null,
      rows.length ? el("table", { class: "dags" }, el("thead", {}, el("tr", {},
        ["Parameter", "In", "Type", "", "Description"].map((h) => el("th", { scope: "col" }, h)))), el("tbody", {}, rows)) : null,
      body ? el("p", {}, "Request body: ", el("code", {}, typeOf(spec, body))) : null,
      el("p", {}, "Responses: ", Object.keys(op.responses || {}).join(", ")));
  }

  async function load() {
    const spec = await (await fetch(root.dataset.openapi)).json();
    const byTag = new Map();
    let n = 0;
    for (const [path, item] of Object.entries(spec.paths || {})) {
      for (const [method, op] of Object.entries(item)) {
        if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
        const tag = (op.tags || ["other"])[0];
        if (!byTag.has(tag)) byTag.set(tag, []);
        byTag.get(tag).push(operation(spec, path, method, op));
        n++;
      }
    }
    root.replaceChildren(...[...byTag].map(([tag, ops]) => el("section", {}, el("h2", {}, tag), ops)));
    status.textContent = `${n} operations`;
  }

  filter.addEventListener("input", () => {
    const q = filter.value.trim().toLowerCase();
    for (const op of root.querySelectorAll(".op")) op.hidden = q && !op.dataset.search.includes(q);
  });
  load().catch((e) => { status.textContent = "Could not load the API description: " + e.message; });
})();
