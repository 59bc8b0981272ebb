"""Mapped tasks end to end: real scheduler, task processes and API (SQLite, PostgreSQL).
Expected states, map indexes and reduce inputs are those Airflow 2.11.2 gives for the
same DAG shapes."""

from __future__ import annotations

import ast

import httpx

from execution.engine_helpers import log_text, trigger, wait_run


def all_tis(api: httpx.Client, dag_id: str, run_id: str) -> list[dict]:
    out: list[dict] = []
    while True:
        r = api.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances",
                    params={"limit": 100, "offset": len(out)})
        assert r.status_code == 200, r.text
        page = r.json()["task_instances"]
        out += page
        if not page:
            return out


def by_task(tis: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for ti in sorted(tis, key=lambda t: (t["task_id"], t["map_index"])):
        out.setdefault(ti["task_id"], []).append(ti)
    return out


def test_fan_out_of_200_with_reduce(api):
    run_id = trigger(api, "map_fanout")
    assert wait_run(api, "map_fanout", run_id, timeout=180) == "success"
    tasks = by_task(all_tis(api, "map_fanout", run_id))
    assert [t["map_index"] for t in tasks["square"]] == list(range(200))
    assert {t["state"] for t in tasks["square"]} == {"success"}
    assert [t["map_index"] for t in tasks["numbers"]] == [-1]
    assert tasks["square"][7]["rendered_map_index"] == "n=7"
    xcom = api.get(f"/dags/map_fanout/dagRuns/{run_id}/taskInstances/total/xcomEntries/"
                   "return_value", params={"deserialize": "true"}).json()
    value = xcom["value"]
    assert "'count': 200" in str(value) or '"count": 200' in str(value)
    assert str(sum(n * n + 1 for n in range(200))) in str(value)
    one = api.get(f"/dags/map_fanout/dagRuns/{run_id}/taskInstances/square/xcomEntries/"
                  "return_value", params={"map_index": 9}).json()
    assert "82" in str(one["value"])


def test_failing_index_retries_others_succeed(api):
    run_id = trigger(api, "map_retry")
    assert wait_run(api, "map_retry", run_id, timeout=120) == "failed"
    tasks = by_task(all_tis(api, "map_retry", run_id))
    assert [(t["map_index"], t["state"], t["try_number"]) for t in tasks["work"]] == [
        (0, "success", 1), (1, "success", 1), (2, "failed", 2), (3, "success", 1)]
    assert tasks["collect"][0]["state"] == "success"
    assert tasks["strict"][0]["state"] == "upstream_failed"
    collected = api.get(f"/dags/map_retry/dagRuns/{run_id}/taskInstances/collect/xcomEntries/"
                        "return_value").json()["value"]
    assert str(collected).replace(" ", "") in ("[10,20,40]", "'[10,20,40]'")
    r = api.get(f"/dags/map_retry/dagRuns/{run_id}/taskInstances/work/logs/2",
                params={"map_index": 2, "full_content": "true"})
    assert r.status_code == 200 and "index with x=3 always fails" in r.json()["content"]
    assert "always fails" not in log_text(api, "map_retry", run_id, "collect", 1)


def test_zero_length_expansion_is_skipped(api):
    run_id = trigger(api, "map_empty")
    state = wait_run(api, "map_empty", run_id, timeout=60)
    tasks = by_task(all_tis(api, "map_empty", run_id))
    assert state == "success", tasks
    assert [(t["map_index"], t["state"]) for t in tasks["echo"]] == [(-1, "skipped")]
    assert tasks["after"][0]["state"] == "skipped"
    assert tasks["nothing"][0]["state"] == "success"


def test_isinstance_of_mapped_tasks_in_a_task_process(api):
    # Airflow 2.11.2: a mapped task is a MappedOperator and an AbstractOperator, neither a
    # BaseOperator nor an instance of the operator class it maps.
    run_id = trigger(api, "map_isinstance")
    assert wait_run(api, "map_isinstance", run_id, timeout=60) == "success"
    value = api.get(f"/dags/map_isinstance/dagRuns/{run_id}/taskInstances/report/xcomEntries/"
                    "return_value", params={"deserialize": "true"}).json()["value"]
    got = value if isinstance(value, dict) else ast.literal_eval(value)
    assert got == {"echo": [True, False, True, False], "plain": [False, True, True, True],
                   "double": [True, False, True, False]}


def _value(api: httpx.Client, dag_id: str, run_id: str, task_id: str, map_index: int = -1):
    r = api.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/"
                "return_value", params={"map_index": map_index, "deserialize": "true"})
    assert r.status_code == 200, r.text
    value = r.json()["value"]
    if not isinstance(value, str):
        return value
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return value  # a plain string


def test_mapped_task_group_per_index(api):
    # As Airflow 2.11.2 gives for this DAG: each task of the group runs per index, index 1
    # of `check` fails alone, `after` (all_done) runs for it with None; the run succeeds
    # (its leaves did).
    run_id = trigger(api, "map_group")
    assert wait_run(api, "map_group", run_id, timeout=120) == "success"
    tasks = by_task(all_tis(api, "map_group", run_id))
    got = {tid: [(t["map_index"], t["state"]) for t in rows] for tid, rows in tasks.items()}
    assert got == {
        "numbers": [(-1, "success")],
        "grp.add": [(0, "success"), (1, "success"), (2, "success")],
        "grp.check": [(0, "success"), (1, "failed"), (2, "success")],
        "grp.after": [(0, "success"), (1, "success"), (2, "success")],
        "grp.echo": [(0, "success"), (1, "success"), (2, "success")],
        "total": [(-1, "success")],
        "strict": [(-1, "success")],
    }, got
    assert [_value(api, "map_group", run_id, "grp.add", i) for i in range(3)] == [101, 102, 103]
    assert _value(api, "map_group", run_id, "grp.after", 1) == -1
    assert _value(api, "map_group", run_id, "total") == [-1, 1011, 1031]
    assert _value(api, "map_group", run_id, "strict") == [1011, -1, 1031]
    assert _value(api, "map_group", run_id, "grp.echo", 2) == "index 2"
    listed = api.get(f"/dags/map_group/dagRuns/{run_id}/taskInstances/grp.check/listMapped")
    assert listed.status_code == 200, listed.text
    assert [t["map_index"] for t in listed.json()["task_instances"]] == [0, 1, 2]
    task = api.get("/dags/map_group/tasks/grp.check").json()
    assert task["is_mapped"] is False  # Airflow: only a MappedOperator says True


def test_mapped_task_group_expand_kwargs_and_literals(api):
    run_id = trigger(api, "map_group_kwargs")
    assert wait_run(api, "map_group_kwargs", run_id, timeout=120) == "failed"
    tasks = by_task(all_tis(api, "map_group_kwargs", run_id))
    got = {tid: [(t["map_index"], t["state"]) for t in rows] for tid, rows in tasks.items()}
    assert got == {
        "pairs": [(-1, "success")],
        "labels.join": [(0, "success"), (1, "success")],
        "labels.shout": [(0, "failed"), (1, "failed")],
        "again": [(-1, "upstream_failed")],
        "lit.twice": [(0, "success"), (1, "success"), (2, "success")],
        "tot": [(-1, "success")],
    }, got
    assert [_value(api, "map_group_kwargs", run_id, "labels.join", i) for i in (0, 1)] == [
        "x-1", "y-2"]
    assert _value(api, "map_group_kwargs", run_id, "tot") == 36


def test_xcom_values_mapped_over_are_not_rendered(api):
    run_id = trigger(api, "map_no_render")
    assert wait_run(api, "map_no_render", run_id, timeout=60) == "success"
    got = {t: _value(api, "map_no_render", run_id, t, 0)
           for t in ("from_xcom", "from_literal", "show", "show_literal")}
    assert got == {"from_xcom": "x{{ 1 + 1 }}", "from_literal": "y6",
                   "show": "t{{ 2 + 2 }}|10", "show_literal": "l14|k"}


def _set_length(api: httpx.Client, n: int) -> None:
    r = api.post("/variables", json={"key": "map_revise_n", "value": str(n)})
    if r.status_code == 409:
        r = api.patch("/variables/map_revise_n", json={"key": "map_revise_n", "value": str(n)})
    assert r.status_code == 200, r.text


def _clear_numbers(api: httpx.Client, run_id: str) -> None:
    r = api.post("/dags/map_revise/clearTaskInstances", json={
        "dry_run": False, "task_ids": ["numbers"], "dag_run_id": run_id,
        "include_downstream": True, "only_failed": False, "reset_dag_runs": True})
    assert r.status_code == 200, r.text


def test_clear_re_expands_a_mapped_task(api):
    _set_length(api, 3)
    run_id = trigger(api, "map_revise")
    assert wait_run(api, "map_revise", run_id) == "success"
    assert _value(api, "map_revise", run_id, "total") == [0, 1, 4]
    for n, states, total in [
        (5, ["success"] * 5, [0, 1, 4, 9, 16]),
        (2, ["success", "success", "removed", "removed", "removed"], [0, 1]),
        (4, ["success"] * 4 + ["removed"], [0, 1, 4, 9]),
    ]:
        _set_length(api, n)
        _clear_numbers(api, run_id)
        state = wait_run(api, "map_revise", run_id)
        tis = by_task(all_tis(api, "map_revise", run_id))
        brief = {k: [(t["map_index"], t["state"]) for t in v] for k, v in tis.items()}
        assert state == "success", (n, brief)
        assert [t["state"] for t in tis["square"]] == states, (n, tis["square"])
        assert _value(api, "map_revise", run_id, "total") == total


def test_mapped_setup_and_teardown(api):
    # Airflow 2.11.2: mapped teardowns run after the failed work (one successful setup
    # index is enough); the run fails by its work, not by the teardowns.
    run_id = trigger(api, "map_setup_teardown")
    assert wait_run(api, "map_setup_teardown", run_id, timeout=120) == "failed"
    tasks = by_task(all_tis(api, "map_setup_teardown", run_id))
    got = {tid: [t["state"] for t in rows] for tid, rows in tasks.items()}
    assert got == {
        "create": ["success", "success"], "create3": ["success", "failed"],
        "work": ["failed"], "work3": ["upstream_failed"], "after_work": ["upstream_failed"],
        "drop": ["success", "success"], "drop3": ["success"],
    }, got
    assert _value(api, "map_setup_teardown", run_id, "drop", 1) == "dropped2"


def test_indexes_get_their_item_from_the_scheduler(api):
    run_id = trigger(api, "map_items")
    assert wait_run(api, "map_items", run_id) == "success"
    got = {t: [_value(api, "map_items", run_id, t, i) for i in range(n)]
           for t, n in (("plain", 3), ("mapped", 3), ("items", 2))}
    assert got == {"plain": [[10, True], [20, True], [30, True]],
                   "mapped": [[11, False], [21, False], [31, False]],
                   "items": [[["a", 1], False], [["b", 2], False]]}, got
