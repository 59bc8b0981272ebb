// One DAG's source file: GET /dags/{id} gives its file_token, /dagSources/{token} the text,
// shown with line numbers (CSS counters, so copying the code copies no numbers).
"use strict";
(() => {
  const { api, el } = cw;
  const pre = document.getElementById("code");
  const status = document.getElementById("code-status");
  const dagId = pre.dataset.dagId;
  (async () => {
    const dag = await api(`/dags/${encodeURIComponent(dagId)}`);
    const out = await api(`/dagSources/${encodeURIComponent(dag.file_token)}`);
    pre.replaceChildren(...out.content.split("\n").map((line) => el("span", { class: "line" }, line + "\n")));
    status.textContent = dag.fileloc;
  })().catch((e) => { status.textContent = "Could not load the code: " + e.message; });
})();
