"""Parsing DAG files: the corpus, isolation from misbehaving files, listing, serialization."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from crosswind.dags.parser import (
    list_dag_files,
    load_dag_file,
    module_name_for,
    parse_file_isolated,
    parse_files_isolated,
)
from crosswind.dags.serialize import dag_hash, serialize_dag

CORPUS = Path(__file__).resolve().parent.parent / "dag_corpus"
GOOD, BROKEN = CORPUS / "good", CORPUS / "broken"
BENCH = Path("/work/shared/reference/bench-dags")

EXPECTED_GOOD = {
    "corpus_airflow_classic.py": ["corpus_airflow_classic"],
    "corpus_bash_script.py": ["corpus_bash_script"],
    "corpus_branching.py": ["corpus_branching"],
    "corpus_legacy_imports.py": ["corpus_legacy_imports"],
    "corpus_native_operators.py": ["corpus_native_operators"],
    "corpus_presets.py": [
        "corpus_preset_hourly",
        "corpus_preset_legacy_interval",
        "corpus_preset_manual",
        "corpus_preset_monthly",
        "corpus_preset_once",
        "corpus_preset_timedelta",
        "corpus_preset_weekly",
        "corpus_preset_yearly",
    ],
    "corpus_short_circuit.py": ["corpus_short_circuit"],
    "corpus_taskflow.py": ["corpus_taskflow"],
    "corpus_taskflow_airflow.py": ["corpus_taskflow_airflow"],
    "corpus_task_groups.py": ["corpus_task_groups"],
    "corpus_trigger_rules.py": ["corpus_trigger_rules"],
    "corpus_vars_conns.py": ["corpus_vars_conns"],
}
EXPECTED_BROKEN = {
    "bad_cron.py": "Invalid cron expression '61 25 * * *'",
    "cycle.py": "DagCycleException: Cycle detected in DAG: broken_cycle",
    "duplicate_task_id.py": "Task id 'same' has already been added to the DAG",
    "missing_module.py": "No module named 'crosswind_corpus_no_such_module'",
    "missing_name.py": "cannot import name 'NoSuchOperator' from 'airflow.operators.bash'",
    "missing_provider.py": "No module named 'airflow.providers.amazon' (Crosswind does not provide",
    "no_dag_wiring.py": "don't have DAGs yet",
    "os_exit.py": "exited with code 3",
    "segfault.py": "killed by signal SIGSEGV",
    "sleeps_forever.py": "DagFileProcessor timed out after 2 s",
    "syntax_error.py": "SyntaxError",
    "sys_exit.py": "SystemExit: bye from the dag file",
    "unknown_kwarg.py": "Invalid arguments were passed to BashOperator (task_id: x)",
    "unknown_trigger_rule.py": "but got 'whenever_you_like'",
}


def test_list_dag_files_honours_airflowignore_and_safe_mode() -> None:
    names = [os.path.basename(p) for p in list_dag_files(str(GOOD))]
    assert names == sorted(EXPECTED_GOOD)
    assert [os.path.basename(p) for p in list_dag_files(str(BROKEN))] == sorted(EXPECTED_BROKEN)


def test_airflowignore_applies_below_its_folder(tmp_path: Path) -> None:
    body = "from airflow import DAG  # dag\n"
    for rel in [
        "a.py",
        "sub/b.py",
        "sub/skip_me.py",
        "sub/deep/c.py",
        "other/skip_me.py",
        "sub/deep/d.txt",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(body)
    (tmp_path / "sub" / ".airflowignore").write_text("skip_.*\n# comment\ndeep\n")
    found = sorted(os.path.relpath(p, tmp_path) for p in list_dag_files(str(tmp_path)))
    assert found == ["a.py", "other/skip_me.py", "sub/b.py"]
    assert len(list_dag_files(str(tmp_path), safe_mode=False)) == 3


def test_good_corpus_parses_in_isolation() -> None:
    results = parse_files_isolated(list_dag_files(str(GOOD)), timeout=20, concurrency=2)
    got = {os.path.basename(p): [d["dag_id"] for d in o.dags] for p, o in results.items()}
    errors = {p: o.error for p, o in results.items() if o.error}
    assert errors == {}
    assert got == EXPECTED_GOOD


def test_broken_corpus_reports_clear_errors() -> None:
    start = time.monotonic()
    results = parse_files_isolated(list_dag_files(str(BROKEN)), timeout=2, concurrency=4)
    assert time.monotonic() - start < 10
    for path, outcome in results.items():
        name = os.path.basename(path)
        assert outcome.dags == [], name
        assert outcome.error is not None and EXPECTED_BROKEN[name] in outcome.error, (
            name,
            outcome.error,
        )


@pytest.mark.parametrize("path", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_bench_dags_parse_unchanged(path: Path) -> None:
    outcome = parse_file_isolated(str(path), timeout=30)
    assert outcome.error is None
    assert [d["dag_id"] for d in outcome.dags] == [path.stem]


def test_load_dag_file_in_process_sets_fileloc_and_module_name() -> None:
    path = str(GOOD / "corpus_taskflow.py")
    (d,) = load_dag_file(path)
    assert d.fileloc == path
    assert module_name_for(path).startswith("unusual_prefix_")
    assert module_name_for(path).endswith("_corpus_taskflow")


def test_serialized_format() -> None:
    (d,) = load_dag_file(str(GOOD / "corpus_airflow_classic.py"))
    s = serialize_dag(d)
    json.dumps(s)
    assert s["dag_id"] == "corpus_airflow_classic"
    assert s["schedule"] == {"kind": "cron", "value": "0 3 * * *", "timezone": "UTC"}
    assert s["timetable_summary"] == "0 3 * * *" and s["timetable_description"] == "At 03:00"
    assert s["start_date"] == "2024-01-01T00:00:00+00:00" and s["end_date"] is None
    assert (s["catchup"], s["max_active_runs"], s["max_active_tasks"]) == (True, 1, None)
    assert s["owners"] == ["data-eng"] and s["tags"] == ["classic", "corpus"]
    assert s["params"] == {"table": "events"}
    assert [t["task_id"] for t in s["tasks"]] == ["end", "extract", "load", "start"]
    extract = s["tasks"][1]
    assert extract["task_type"] == "BashOperator"
    assert extract["class_ref"] == {
        "module_path": "crosswind.dags.operators.bash",
        "class_name": "BashOperator",
    }
    assert (extract["retries"], extract["retry_delay"], extract["pool"]) == (
        2,
        60.0,
        "default_pool",
    )
    assert extract["upstream_task_ids"] == ["start"]
    assert extract["downstream_task_ids"] == ["load"]
    assert extract["priority_weight_total"] == 3
    assert extract["template_fields"] == ["bash_command", "env", "cwd"]
    assert s["tasks"][0]["trigger_rule"] == "all_done"
    assert s["tasks"][2]["retries"] == 0


def test_dag_hash_is_deterministic_and_sensitive() -> None:
    path = str(GOOD / "corpus_native_operators.py")
    first = serialize_dag(load_dag_file(path)[0])
    second = serialize_dag(load_dag_file(path)[0])
    assert dag_hash(first) == dag_hash(second)
    second["tasks"][0]["retries"] = 9
    assert dag_hash(first) != dag_hash(second)
    weights = {t["task_id"]: t["priority_weight_total"] for t in first["tasks"]}
    assert weights == {"a": 19, "b": 15, "c": 15, "d": 13, "e": 9, "f": 10}


def test_many_generated_files_parse_quickly(tmp_path: Path) -> None:
    template = (
        "from datetime import datetime\nfrom airflow import DAG\n"
        "from airflow.operators.empty import EmptyOperator\n"
        "with DAG('gen_{i}', schedule=None, start_date=datetime(2024, 1, 1)) as dag:\n"
        "    prev = None\n"
        "    for n in range(10):\n"
        "        t = EmptyOperator(task_id=f't{{n}}')\n"
        "        if prev: prev >> t\n"
        "        prev = t\n"
    )
    paths = []
    for i in range(100):
        path = tmp_path / f"gen_{i}.py"
        path.write_text(template.format(i=i))
        paths.append(str(path))
    start = time.monotonic()
    results = parse_files_isolated(paths, timeout=30, concurrency=2)
    elapsed = time.monotonic() - start
    assert all(o.error is None and len(o.dags[0]["tasks"]) == 10 for o in results.values())
    assert elapsed < 10


def test_load_dag_by_id() -> None:
    from crosswind.dags.parser import load_dag

    path = str(GOOD / "corpus_presets.py")
    assert load_dag(path, "corpus_preset_once").schedule_info == {"kind": "once", "value": "@once"}
    with pytest.raises(KeyError, match="nope"):
        load_dag(path, "nope")


def test_serialized_start_date_falls_back_to_earliest_task() -> None:
    from datetime import datetime

    from crosswind.dags.dag import DAG
    from crosswind.dags.operators.empty import EmptyOperator

    with DAG("no_start", schedule="@daily") as d:
        EmptyOperator(task_id="a", start_date=datetime(2024, 3, 1))
        EmptyOperator(task_id="b", start_date=datetime(2024, 2, 1))
    assert serialize_dag(d)["start_date"] == "2024-02-01T00:00:00+00:00"


@pytest.mark.parametrize("batch_size", [1, 8])
def test_misbehaving_files_do_not_take_their_batch_down(batch_size: int) -> None:
    names = [
        "corpus_taskflow.py",
        "os_exit.py",
        "corpus_presets.py",
        "sleeps_forever.py",
        "segfault.py",
        "corpus_branching.py",
        "sys_exit.py",
        "corpus_bash_script.py",
    ]
    paths = [str((GOOD if n.startswith("corpus_") else BROKEN) / n) for n in names]
    results = parse_files_isolated(paths, timeout=1.5, concurrency=1, batch_size=batch_size)
    assert list(results) != [] and set(results) == set(paths)
    for path, outcome in results.items():
        name = os.path.basename(path)
        if name in EXPECTED_GOOD:
            assert outcome.error is None, outcome.error
            assert [d["dag_id"] for d in outcome.dags] == EXPECTED_GOOD[name]
        else:
            assert EXPECTED_BROKEN[name].replace("2 s", "1.5 s") in outcome.error
