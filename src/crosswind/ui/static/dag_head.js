// The head of a DAG's views: the pause switch (PATCH /dags/{id} is_paused), or, for those
// who may not change the DAG, whether it is paused.
"use strict";
(() => {
  const { api } = cw;
  const input = document.getElementById("dag-active");
  const shown = document.getElementById("dag-paused");
  const dagId = (input || shown)?.dataset.dagId;
  if (!dagId) return;
  const path = `/dags/${encodeURIComponent(dagId)}`;
  api(path).then((dag) => {
    if (shown) { shown.textContent = dag.is_paused ? "Paused" : "Active"; return; }
    input.checked = !dag.is_paused;
    input.disabled = false;
  }).catch(() => {});
  input?.addEventListener("change", async () => {
    input.disabled = true;
    try {
      const out = await api(path, { method: "PATCH", body: { is_paused: !input.checked } });
      input.checked = !out.is_paused;
    } catch { input.checked = !input.checked; }
    finally { input.disabled = false; }
  });
})();
