"""The published OpenAPI documents are honest (issue 12, item 5).

(a) every operation declares its success answer and no 422; (b) both security schemes;
(c) the Airflow dialect's answers match Airflow's own spec wherever both have an operation;
(d) real answers of a real server validate against the document that server publishes, and
carry exactly the declared properties.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml

from support.openapi_docs import json_schema, operations, resolve, success
from support.servers import Server

REPO = Path(__file__).resolve().parents[2]
AIRFLOW_SPEC = REPO.parent / "shared" / "reference" / "airflow-stable-v1.yaml"
PREFIXES = ["/api/v1", "/airflow/api/v1"]
NON_JSON = {"text/event-stream"}
# Where we say more than Airflow's spec, on purpose (each with its reason).
KNOWN = {
    # A task that returns None pushes a null XCom; we send it as null, not as "None".
    "GET /dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries/{xcom_key} "
    "$.value: nullable in ours, not in Airflow's",
    # Airflow 2.11 itself sends these shapes, not the ones its spec describes.
    "GET /dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/links $: type object vs"
    " Airflow's None",
    "GET /dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/links $.extra_links: "
    "missing in ours",
}
KNOWN_TRIES = "task_instances_history: missing in ours"
# A dry run answers references (as Airflow 2.11 does), not the full task instances.
KNOWN_CLEAR = "POST /dags/{dag_id}/dagRuns/{dag_run_id}/clear $<1>"
# Airflow's properties that Crosswind never sends (a feature it does not have).
NOT_SENT = {"sub_dag"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("openapi-honest")
    (home / "dags").mkdir()
    for name in ("hello.py", "datasets.py"):
        shutil.copy(REPO / "docs" / "examples" / name, home / "dags" / name)
    srv = Server(home, f"sqlite:///{home}/cw.db", command="standalone",
                 env={"CROSSWIND_EXPOSE_CONFIG": "true"})
    srv.start(timeout=60)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def docs(server: Server) -> dict[str, dict[str, Any]]:
    return {p: httpx.get(server.url + p + "/openapi.json", timeout=30).json() for p in PREFIXES}


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_operation_declares_its_success_and_no_422(docs, prefix: str) -> None:
    doc = docs[prefix]
    missing = []
    for method, path, op in operations(doc):
        assert "422" not in op["responses"], f"{method} {path} documents a 422"
        code, response = success(doc, op)
        content = response.get("content")
        if code in ("201", "204") and not content:
            continue  # no body, as sent
        if not content or not any(
            media in NON_JSON or media == "text/plain" or c.get("schema")
            for media, c in content.items()
        ):
            missing.append(f"{method.upper()} {path}")
        for code_, err in op["responses"].items():
            if not code_.startswith("2"):
                schema = resolve(doc, err)["content"]["application/problem+json"]["schema"]
                assert set(resolve(doc, schema)["properties"]) == {
                    "type", "title", "status", "detail", "instance"}
    assert not missing, missing
    assert "HTTPValidationError" not in doc["components"]["schemas"]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_security_schemes_and_public_operations(docs, prefix: str) -> None:
    doc = docs[prefix]
    schemes = doc["components"]["securitySchemes"]
    assert {k: (v["type"], v["scheme"]) for k, v in schemes.items()} == {
        "Basic": ("http", "basic"), "Bearer": ("http", "bearer")}
    assert doc["security"] == [{"Basic": []}, {"Bearer": []}]
    public = {(m, p) for m, p, op in operations(doc) if op.get("security") == []}
    assert public == {("get", "/health"), ("get", "/version")}
    for method, path, op in operations(doc):
        assert ("401" in op["responses"]) is ((method, path) not in public), (method, path)


def test_the_dialects_differ_in_schedule_interval(docs) -> None:
    seed, airflow = docs["/api/v1"], docs["/airflow/api/v1"]
    dag = resolve(seed, json_schema(seed, seed["paths"]["/dags/{dag_id}"]["get"]))
    assert dag["properties"]["schedule_interval"]["anyOf"] == [{"type": "string"},
                                                               {"type": "null"}]
    dag = resolve(airflow, json_schema(airflow, airflow["paths"]["/dags/{dag_id}"]["get"]))
    kinds = [resolve(airflow, k).get("title") for k in
             dag["properties"]["schedule_interval"]["anyOf"]]
    assert kinds == ["TimeDelta", "RelativeDelta", "CronExpression", None]


def test_airflow_dialect_matches_airflow_spec(docs) -> None:
    if not AIRFLOW_SPEC.exists():
        pytest.skip(f"Airflow's spec is not at {AIRFLOW_SPEC} (shared/ beside the repo)")
    from support.schema_compat import differences

    spec = yaml.safe_load(AIRFLOW_SPEC.read_text())
    ours = docs["/airflow/api/v1"]
    found, compared = [], 0
    for method, path, op in operations(ours):
        theirs = spec["paths"].get(path, {}).get(method)
        if theirs is None:
            continue
        compared += 1
        code, _ = success(ours, op)
        their_code, their_ok = success(spec, theirs)
        assert code == their_code, f"{method} {path}: {code} vs Airflow's {their_code}"
        their_schema = their_ok.get("content", {}).get("application/json", {}).get("schema")
        if their_schema is None:
            continue
        mine = json_schema(ours, op)
        found += [f"{method.upper()} {path} {d}"
                  for d in differences(ours, mine, spec, their_schema)]
    assert compared == 89
    left = [f for f in found if f not in KNOWN and not f.endswith(KNOWN_TRIES)
            and not f.startswith(KNOWN_CLEAR)]
    assert not left, "\n".join(left)


def _wait_for_run(c: httpx.Client, dag_id: str, run_id: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if c.get(f"/dags/{dag_id}/dagRuns/{run_id}").json()["state"] in ("success", "failed"):
            return
        time.sleep(0.2)
    raise AssertionError(f"run {dag_id}/{run_id} did not finish")


def _undeclared(doc: dict[str, Any], schema: Any, body: Any, where: str = "$") -> list[str]:
    """Properties declared but absent, or sent but undeclared, anywhere in `body`."""
    node = resolve(doc, schema) or {}
    alts = node.get("anyOf") or []
    for alt in alts:
        if resolve(doc, alt).get("type") == "null" and body is None:
            return []
    if alts:
        fits = [a for a in alts if resolve(doc, a).get("type") != "null"
                and jsonschema.Draft202012Validator({**resolve(doc, a),
                                                     "components": doc["components"]})
                .is_valid(body)]
        if not fits:
            return [f"{where}: fits no anyOf"]
        # Nothing is required, so several fit: the one whose properties the body has.
        keys = set(body) if isinstance(body, dict) else set()
        best = max(fits, key=lambda a: len(keys & set(resolve(doc, a).get("properties", {}))))
        return _undeclared(doc, best, body, where)
    found = []
    if isinstance(body, dict) and "properties" in node:
        props = node["properties"]
        found += [f"{where}.{k}: sent, not declared" for k in body if k not in props]
        found += [f"{where}.{k}: declared, not sent" for k in props
                  if k not in body and k not in NOT_SENT]
        for k, v in body.items():
            if k in props:
                found += _undeclared(doc, props[k], v, f"{where}.{k}")
    if isinstance(body, list) and "items" in node:
        for i, v in enumerate(body[:3]):
            found += _undeclared(doc, node["items"], v, f"{where}[{i}]")
    return found


def _check(doc: dict[str, Any], method: str, path: str, response: httpx.Response) -> list[str]:
    op = doc["paths"][path][method]
    code, _ = success(doc, op)
    if str(response.status_code) != code:
        return [f"{method.upper()} {path}: status {response.status_code} vs declared {code}: "
                f"{response.text[:300]}"]
    schema = json_schema(doc, op)
    if schema is None:
        return [] if not response.content else [f"{method.upper()} {path}: body not declared"]
    validator = jsonschema.Draft202012Validator({**schema, "components": doc["components"]})
    body = response.json()
    errors = [f"{method.upper()} {path}: {e.json_path}: {e.message[:200]}"
              for e in validator.iter_errors(body)]
    return errors + [f"{method.upper()} {path} {d}" for d in _undeclared(doc, schema, body)]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_real_answers_match_the_document(server: Server, docs, prefix: str) -> None:
    doc = docs[prefix]
    c = server.client(prefix=prefix)
    run = f"honest-{prefix.count('/')}"
    c.patch("/dags/hello", json={"is_paused": False}).raise_for_status()
    calls: list[tuple[str, str, dict[str, Any], dict[str, Any] | None]] = []

    def call(method: str, path: str, body: dict[str, Any] | None = None, **values: Any) -> Any:
        response = c.request(method, path.format(**values), json=body)
        calls.append((method, path, values, body))
        problems.extend(_check(doc, method, path, response))
        return response

    problems: list[str] = []
    call("post", "/dags/{dag_id}/dagRuns", {"dag_run_id": run}, dag_id="hello")
    _wait_for_run(c, "hello", run)
    ti = {"dag_id": "hello", "dag_run_id": run, "task_id": "shout"}
    for path in ("/health", "/version", "/dags", "/dags/{dag_id}", "/dags/{dag_id}/details",
                 "/dags/{dag_id}/tasks", "/dags/{dag_id}/tasks/{task_id}",
                 "/dags/{dag_id}/dagRuns", "/dags/{dag_id}/dagRuns/{dag_run_id}",
                 "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances",
                 "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}",
                 "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/tries",
                 "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/tries/{task_try_number}",
                 "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/dependencies",
                 "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/links",
                 "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{task_try_number}",
                 "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries",
                 "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries/"
                 "{xcom_key}",
                 "/dags/{dag_id}/dagRuns/{dag_run_id}/upstreamDatasetEvents",
                 "/eventLogs", "/importErrors", "/pools", "/pools/{pool_name}", "/users",
                 "/users/{username}", "/roles", "/roles/{role_name}", "/permissions",
                 "/users/{username}/tokens", "/datasets", "/datasets/events",
                 "/dagWarnings", "/config", "/plugins", "/providers"):
        call("get", path, **ti, task_try_number=1, xcom_key="return_value",
             pool_name="default_pool", username="admin", role_name="Admin")
    params = c.get("/dagStats", params={"dag_ids": "hello"})
    problems.extend(_check(doc, "get", "/dagStats", params))
    event = c.get("/eventLogs", params={"limit": 1}).json()["event_logs"][0]
    call("get", "/eventLogs/{event_log_id}", event_log_id=event["event_log_id"])
    token = c.get("/dags/hello").json()["file_token"]
    source = c.get(f"/dagSources/{token}", headers={"Accept": "application/json"})
    problems.extend(_check(doc, "get", "/dagSources/{file_token}", source))
    call("post", "/variables", {"key": "honest", "value": "1"})
    call("get", "/variables/{variable_key}", variable_key="honest")
    call("patch", "/variables/{variable_key}", {"key": "honest", "value": "2"},
         variable_key="honest")
    call("get", "/variables")
    call("delete", "/variables/{variable_key}", variable_key="honest")
    call("post", "/connections", {"connection_id": run, "conn_type": "http"})
    call("get", "/connections/{connection_id}", connection_id=run)
    call("get", "/connections")
    call("post", "/pools", {"name": run, "slots": 2})
    call("patch", "/pools/{pool_name}", {"name": run, "slots": 3}, pool_name=run)
    call("put", "/pools/{pool_name}", {"name": run, "slots": 4}, pool_name=run)
    call("delete", "/pools/{pool_name}", pool_name=run)
    call("delete", "/connections/{connection_id}", connection_id=run)
    call("post", "/users/{username}/tokens", {"name": "honest", "scopes": ["read"]},
         username="admin")
    user = {"username": run, "password": "pw-honest-123", "email": f"{run}@example.com",
            "first_name": "H", "last_name": "O", "roles": [{"name": "Viewer"}]}
    call("post", "/users", user)
    call("patch", "/users/{username}", {**user, "last_name": "P"}, username=run)
    call("delete", "/users/{username}", username=run)
    role = {"name": run, "actions": [{"action": {"name": "can_read"},
                                      "resource": {"name": "DAG:hello"}}]}
    call("post", "/roles", role)
    call("patch", "/roles/{role_name}", role, role_name=run)
    call("delete", "/roles/{role_name}", role_name=run)
    call("patch", "/dags/{dag_id}", {"is_paused": False}, dag_id="hello")
    call("post", "/dags/~/dagRuns/list", {"dag_ids": ["hello"]})
    call("post", "/dags/~/dagRuns/~/taskInstances/list", {"dag_ids": ["hello"]})
    call("patch", "/dags/{dag_id}/dagRuns/{dag_run_id}/setNote", {"note": "n"}, **ti)
    call("post", "/dags/{dag_id}/dagRuns/{dag_run_id}/clear", {"dry_run": True}, **ti)
    call("post", "/dags/{dag_id}/clearTaskInstances", {"dry_run": True}, dag_id="hello")
    call("post", "/datasets/events", {"dataset_uri": "s3://lake/raw"})
    call("get", "/datasets/{uri}", uri="s3://lake/raw")
    assert len(calls) > 50
    assert not problems, "\n".join(problems)
