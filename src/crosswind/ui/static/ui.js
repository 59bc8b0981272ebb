// Shared helpers of the UI pages: the JSON API with the session's CSRF token, DOM building.
"use strict";
const cw = (() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

  async function api(path, { method = "GET", body, prefix = "/api/v1" } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["X-CSRF-Token"] = csrf;
    const r = await fetch(prefix + path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (r.status === 401) {  // session ended (signed out elsewhere, expired)
      location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search));
      throw new Error("signed out");
    }
    const data = r.headers.get("content-type")?.includes("json") ? await r.json() : null;
    if (!r.ok) throw new Error((data && (data.detail || data.title)) || r.statusText);
    return data;
  }

  // el("a", {href: "/x", class: "y"}, "text", child...): text is never parsed as HTML.
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function when(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  }

  function stateBox(state, label) {
    const s = state || "no_status";
    return el("span", { class: "state s-" + s, title: label, role: "img", "aria-label": label });
  }

  return { api, el, when, stateBox, csrf };
})();
