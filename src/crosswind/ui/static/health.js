// The health of the components (GET /health), refreshed every REFRESH_MS.
"use strict";
(() => {
  const { api, el, when } = cw;
  const REFRESH_MS = 10000;
  const status = document.getElementById("health-status");
  async function load() {
    const h = await api("/health");
    document.getElementById("health").replaceChildren(...Object.entries(h).map(([name, c]) => {
      const beat = Object.entries(c).find(([k]) => k.startsWith("latest_"))?.[1];
      const st = c.status || "not running";
      return el("tr", { "data-component": name }, el("th", { scope: "row" }, name.replace(/_/g, " ")),
        el("td", { class: `health-${st.replace(/ /g, "_")}` }, st), el("td", {}, when(beat)));
    }));
    status.textContent = `Checked ${new Date().toLocaleTimeString()}`;
  }
  api("/version").then((v) => { document.getElementById("version").textContent = `Crosswind ${v.version}`; }).catch(() => {});
  load().catch((e) => { status.textContent = e.message; });
  setInterval(() => load().catch((e) => { status.textContent = e.message; }), REFRESH_MS);
})();
