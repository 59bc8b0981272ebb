// The API reference: the mount's openapi.json as a list of operations grouped by tag, with an
// Authorize control (Basic or Bearer) and a "Try it" form per operation. Credentials live in
// this page's memory only (never storage, never a cookie): a reload forgets them.
"use strict";
(() => {
  const { el } = cw;
  const root = document.getElementById("docs");
  const status = document.getElementById("docs-status");
  const filter = document.getElementById("docs-filter");
  const base = root.dataset.openapi.replace(/\/openapi\.json$/, "");
  let authorization = null;  // the Authorization header value, or null

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
  const responseText = (spec, code, r) => {
    const resolved = ref(spec, r) || {};
    const media = Object.entries(resolved.content || {})
      .map(([type, c]) => c.schema ? `${type} ${typeOf(spec, c.schema)}` : type);
    return `${code}${media.length ? " (" + media.join(", ") + ")" : ""}`;
  };

  function authorize() {
    const form = document.getElementById("docs-auth");
    const state = document.getElementById("docs-auth-state");
    const scheme = form.elements.scheme;
    const show = () => {
      for (const f of form.querySelectorAll("[data-scheme]")) f.hidden = f.dataset.scheme !== scheme.value;
    };
    scheme.addEventListener("change", show);
    show();
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (scheme.value === "basic") {
        const user = form.elements.username.value, pass = form.elements.password.value;
        authorization = "Basic " + btoa(String.fromCharCode(...new TextEncoder().encode(`${user}:${pass}`)));
        state.textContent = `Authorized (Basic, ${user})`;
      } else if (scheme.value === "bearer") {
        authorization = "Bearer " + form.elements.token.value.trim();
        state.textContent = "Authorized (Bearer token)";
      } else {
        authorization = null;
        state.textContent = "Not authorized";
      }
      form.elements.password.value = "";
    });
  }

  function tryIt(spec, path, method, op, params) {
    const hasBody = Boolean(ref(spec, op.requestBody));
    const inputs = params.filter((p) => p.in === "path" || p.in === "query").map((p) =>
      el("label", {}, `${p.name} (${p.in})`, el("input", { name: p.name, "data-in": p.in, required: p.in === "path" })));
    const out = el("pre", { class: "docs-result", "aria-live": "polite" });
    const form = el("form", { class: "docs-try" }, inputs,
      hasBody ? el("label", {}, "JSON body", el("textarea", { name: "__body", rows: 4 }, "{}")) : null,
      el("button", { type: "submit" }, "Send"), out);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      let url = path;
      const query = new URLSearchParams();
      for (const input of form.querySelectorAll("input[data-in]")) {
        if (input.dataset.in === "path") url = url.replace(`{${input.name}}`, encodeURIComponent(input.value));
        else if (input.value !== "") query.append(input.name, input.value);
      }
      const headers = { Accept: "application/json" };
      if (authorization) headers.Authorization = authorization;
      const init = { method: method.toUpperCase(), headers, credentials: "omit" };
      if (hasBody) { headers["Content-Type"] = "application/json"; init.body = form.elements.__body.value; }
      out.textContent = "…";
      try {
        const r = await fetch(base + url + (query.size ? "?" + query : ""), init);
        const text = await r.text();
        let shown = text;
        try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON */ }
        out.textContent = `${r.status} ${r.statusText}\n${shown}`;
      } catch (err) {
        out.textContent = "Request failed: " + err.message;
      }
    });
    return form;
  }

  function operation(spec, path, method, op) {
    const params = (op.parameters || []).map((p) => ref(spec, p));
    const body = ref(spec, op.requestBody)?.content?.["application/json"]?.schema;
    const rows = params.map((p) => el("tr", {},
      el("td", {}, el("code", {}, p.name)), el("td", {}, p.in), el("td", {}, typeOf(spec, p.schema)),
      el("td", {}, p.required ? "required" : ""), el("td", {}, p.description || "")));
    const open = op.security && op.security.length === 0;
    return el("details", { class: "op", "data-search": `${method} ${path} ${op.summary || ""} ${(op.tags || []).join(" ")}`.toLowerCase() },
      el("summary", {}, el("code", { class: "method" }, method.toUpperCase()), " ", el("code", {}, path), " ", op.summary || ""),
      op.description ? el("p", {}, op.description) : null,
      rows.length ? el("table", { class: "dags" }, el("thead", {}, el("tr", {},
        ["Parameter", "In", "Type", "", "Description"].map((h) => el("th", { scope: "col" }, h)))), el("tbody", {}, rows)) : null,
      body ? el("p", {}, "Request body: ", el("code", {}, typeOf(spec, body))) : null,
      el("p", {}, open ? "No credentials needed." : "Needs Basic or Bearer credentials."),
      el("p", {}, "Responses: ", Object.entries(op.responses || {}).map(([c, r]) => responseText(spec, c, r)).join("; ")),
      el("details", { class: "docs-try-it" }, el("summary", {}, "Try it"), tryIt(spec, path, method, op, params)));
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
  authorize();
  load().catch((e) => { status.textContent = "Could not load the API description: " + e.message; });
})();
