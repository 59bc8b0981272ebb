"""Dataset authoring as Airflow 2.11 behaves (values checked against Airflow itself): URI
normalization, conditions and their stored expression, schedules, Metadata, outlet events
and the condition evaluation the scheduler uses."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from crosswind.dags import airflow_shim
from crosswind.dags.dataset_context import OutletEventAccessors, drain, emitted
from crosswind.dags.datasets import evaluate, expression_aliases, expression_uris
from crosswind.dags.serialize import serialize_dag

airflow_shim.install()

from airflow import DAG, Dataset  # noqa: E402
from airflow.datasets import DatasetAlias, DatasetAll, DatasetAny  # noqa: E402
from airflow.datasets.metadata import Metadata  # noqa: E402
from airflow.operators.empty import EmptyOperator  # noqa: E402
from airflow.timetables.datasets import DatasetOrTimeSchedule  # noqa: E402

START = datetime(2024, 1, 1, tzinfo=datetime.now().astimezone().tzinfo)


@pytest.mark.parametrize(("raw", "normalized"), [
    ("s3://a", "s3://a/"),
    ("s3://a/b/", "s3://a/b"),
    ("S3://Bucket/K", "s3://Bucket/K"),
    ("file:///tmp/x", "file:///tmp/x"),
    ("/tmp/x", "/tmp/x"),
    ("x", "x"),
    ("myscheme://h/p?z=1&a=2#frag", "myscheme://h/p?a=2&z=1"),
    ("postgres://h/db", "postgres://h/db"),
])
def test_uri_normalized_as_airflow(raw, normalized):
    assert Dataset(raw).uri == normalized


def test_uri_auth_dropped_with_a_warning():
    with pytest.warns(UserWarning, match="auth info"):
        assert Dataset("http://u:p@h/x").uri == "http://h/x"


@pytest.mark.parametrize(("raw", "message"), [
    ("", "cannot be empty"), ("  ", "just whitespace"), ("airflow://x", "reserved"),
    ("s3://é", "ASCII"), ("a" * 3001, "<= 3000"),
])
def test_invalid_uris_refused(raw, message):
    with pytest.raises(ValueError, match=message):
        Dataset(raw)


def test_conditions_and_expressions():
    a, b, c = Dataset("s3://a"), Dataset("s3://b"), Dataset("s3://c")
    assert (a | (b & c)).as_expression() == {"any": ["s3://a/", {"all": ["s3://b/", "s3://c/"]}]}
    assert DatasetAny(a, DatasetAlias("al")).as_expression() == {"any": ["s3://a/",
                                                                        {"alias": "al"}]}
    assert DatasetAll(a).as_expression() == {"all": ["s3://a/"]}
    assert a == Dataset("s3://a/") and hash(a) == hash(Dataset("s3://a/"))
    assert DatasetAlias("x") == DatasetAlias("x")
    with pytest.raises(TypeError):
        a & 1


@pytest.mark.parametrize(("schedule", "expression", "summary"), [
    ([Dataset("s3://a")], {"all": ["s3://a/"]}, "Dataset"),
    (Dataset("s3://a") | Dataset("s3://b"), {"any": ["s3://a/", "s3://b/"]}, "Dataset"),
    (DatasetAlias("al"), {"alias": "al"}, "Unresolved DatasetAlias"),
])
def test_dataset_schedules_serialize(schedule, expression, summary):
    with DAG("ds_unit", schedule=schedule, start_date=START) as dag:
        EmptyOperator(task_id="t", outlets=[Dataset("s3://out")], inlets=Dataset("s3://in"))
    data = serialize_dag(dag)
    assert data["dataset_expression"] == expression
    assert (data["timetable_summary"], data["timetable_description"]) == (
        summary, "Triggered by datasets")
    assert data["schedule"]["kind"] == "none"  # never time-scheduled
    [task] = data["tasks"]
    assert task["outlets"] == [{"uri": "s3://out/", "extra": None}]
    assert task["inlets"] == [{"uri": "s3://in/", "extra": None}]


def test_dataset_or_time_schedule_keeps_the_time_part():
    both = Dataset("s3://a") & Dataset("s3://b")
    with DAG("ds_or_time", schedule=DatasetOrTimeSchedule(timetable="0 1 * * 3", datasets=both),
             start_date=START) as dag:
        EmptyOperator(task_id="t")
    data = serialize_dag(dag)
    assert data["schedule"] == {"kind": "cron", "value": "0 1 * * 3", "timezone": "UTC"}
    assert data["dataset_expression"] == {"all": ["s3://a/", "s3://b/"]}
    assert data["timetable_summary"] == "Dataset or 0 1 * * 3"
    assert data["timetable_description"] == (
        "Triggered by datasets or At 01:00, only on Wednesday")
    listed = DatasetOrTimeSchedule(timetable=timedelta(hours=2), datasets=[Dataset("s3://a")])
    with DAG("ds_or_delta", schedule=listed, start_date=START) as dag2:
        pass
    assert serialize_dag(dag2)["schedule"] == {"kind": "delta", "value": 7200.0}


def test_plain_dags_have_no_dataset_keys():
    with DAG("plain", schedule="@daily", start_date=START) as dag:
        EmptyOperator(task_id="t")
    data = serialize_dag(dag)
    assert "dataset_expression" not in data and "outlets" not in data["tasks"][0]


def test_evaluate_with_aliases():
    expr = {"any": ["s3://j/", {"all": ["s3://a/", {"alias": "al"}]}]}
    resolve = {"al": {"s3://x/"}}.get
    assert expression_uris(expr) == {"s3://j/", "s3://a/"}
    assert expression_aliases(expr) == {"al"}
    assert evaluate(expr, {"s3://j/"}, lambda n: resolve(n, set()))
    assert not evaluate(expr, {"s3://a/"}, lambda n: resolve(n, set()))
    assert evaluate(expr, {"s3://a/", "s3://x/"}, lambda n: resolve(n, set()))
    assert not evaluate(expr, {"s3://a/", "s3://x/"}, lambda n: set())


def test_outlet_events_metadata_and_alias_events():
    a, alias = Dataset("s3://a"), DatasetAlias("al")
    with DAG("emit", schedule=None, start_date=START):
        task = EmptyOperator(task_id="t", outlets=[a, alias])
    events = OutletEventAccessors()
    context = {"outlet_events": events}

    def produce():
        yield Metadata(a, {"n": 1})
        yield Metadata(Dataset("s3://via"), {"k": "v"}, alias=alias)
        return 42

    assert drain(produce(), context) == 42
    events[alias].add(Dataset("s3://via"), extra={"k": "v"})  # same (uri, extra): one event
    events[alias].add(Dataset("s3://other"))
    assert emitted(task, context) == [
        {"uri": "s3://a/", "extra": {"n": 1}, "aliases": []},
        {"uri": "s3://via/", "extra": {"k": "v"}, "aliases": ["al"]},
        {"uri": "s3://other/", "extra": {}, "aliases": ["al"]},
    ]


def test_readme_example_parses():
    from pathlib import Path

    from crosswind.dags.parser import parse_file_isolated

    path = Path(__file__).parents[2] / "docs" / "examples" / "datasets.py"
    outcome = parse_file_isolated(str(path), 30)
    assert outcome.error is None, outcome.error
    refine = next(d for d in outcome.dags if d["dag_id"] == "refine")
    assert refine["dataset_expression"] == {
        "any": [{"all": ["s3://lake/raw", "s3://lake/clean"]}, {"alias": "partners"}]}
