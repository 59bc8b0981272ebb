"""Pure decisions: trigger rules through decide(), run state from leaves, retry backoff."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime, timedelta

import pytest

from crosswind.scheduling.dag_cache import build_info
from crosswind.scheduling.retries import failure_state, next_retry_at, retry_delay
from crosswind.scheduling.task_instances import TIRow, decide, run_outcome

NOW = datetime(2024, 5, 1, tzinfo=UTC)


def dag(edges: dict[str, list[str]], rules: dict[str, str] | None = None,
        extra: dict[str, dict] | None = None) -> dict:
    """edges: task -> upstream tasks."""
    tasks = []
    for tid, ups in edges.items():
        downs = [t for t, u in edges.items() if tid in u]
        tasks.append({"task_id": tid, "upstream_task_ids": ups, "downstream_task_ids": downs,
                      "trigger_rule": (rules or {}).get(tid, "all_success"),
                      **(extra or {}).get(tid, {})})
    return {"dag_id": "d", "tasks": tasks}


def tis(states: dict[str, str | None], **retry_at: datetime) -> dict[str, TIRow]:
    return {t: TIRow(i, t, s, 1, retry_at.get(t)) for i, (t, s) in enumerate(states.items())}


# (rule, upstream states, expected decision for the downstream; None = keeps waiting)
TABLE = [
    ("all_success", ["success", "success"], "scheduled"),
    ("all_success", ["success", "failed"], "upstream_failed"),
    ("all_success", ["success", "skipped"], "skipped"),
    ("all_success", ["success", None], None),
    ("all_failed", ["failed", "upstream_failed"], "scheduled"),
    ("all_failed", ["failed", "success"], "skipped"),
    ("all_done", ["failed", "skipped"], "scheduled"),
    ("all_done", ["failed", "running"], None),
    ("all_skipped", ["skipped", "skipped"], "scheduled"),
    ("all_skipped", ["skipped", "success"], "skipped"),
    ("one_success", ["success", "running"], "scheduled"),
    ("one_success", ["failed", "failed"], "upstream_failed"),
    ("one_success", ["skipped", "skipped"], "skipped"),
    ("one_failed", ["failed", "running"], "scheduled"),
    ("one_failed", ["success", "success"], "skipped"),
    ("one_done", ["success", "running"], "scheduled"),
    ("one_done", ["skipped", "skipped"], "skipped"),
    ("none_failed", ["success", "skipped"], "scheduled"),
    ("none_failed", ["success", "upstream_failed"], "upstream_failed"),
    ("none_failed_min_one_success", ["skipped", "success"], "scheduled"),
    ("none_failed_min_one_success", ["skipped", "skipped"], "skipped"),
    ("none_skipped", ["success", "failed"], "scheduled"),
    ("none_skipped", ["skipped", "success"], "skipped"),
    ("always", [None, None], "scheduled"),
]


@pytest.mark.parametrize(("rule", "ups", "expected"), TABLE)
def test_trigger_rule_table(rule, ups, expected):
    info = build_info(dag({"a": [], "b": [], "c": ["a", "b"]}, {"c": rule}))
    got = decide(info, tis({"a": ups[0], "b": ups[1], "c": None}), NOW)
    assert got.get("c") == expected


def test_chain_of_skips_and_failures_resolves_in_one_tick():
    info = build_info(dag({"a": [], "b": ["a"], "c": ["b"], "d": ["c"]}, {"d": "all_done"}))
    got = decide(info, tis({"a": "failed", "b": None, "c": None, "d": None}), NOW)
    assert got == {"b": "upstream_failed", "c": "upstream_failed", "d": "scheduled"}


def test_depends_on_past_waits_for_the_previous_run():
    info = build_info(dag({"a": []}, extra={"a": {"depends_on_past": True}}))
    assert decide(info, tis({"a": None}), NOW, past_ok=lambda t: False) == {}
    assert decide(info, tis({"a": None}), NOW, past_ok=lambda t: True) == {"a": "scheduled"}


def test_up_for_retry_is_rescheduled_only_when_due():
    info = build_info(dag({"a": []}))
    later = NOW + timedelta(seconds=5)
    assert decide(info, tis({"a": "up_for_retry"}, a=later), NOW) == {}
    assert decide(info, tis({"a": "up_for_retry"}, a=later), later) == {"a": "scheduled"}


def test_task_removed_from_the_dag_is_marked_removed():
    info = build_info(dag({"a": []}))
    assert decide(info, tis({"a": "success", "gone": None}), NOW) == {"gone": "removed"}


@pytest.mark.parametrize(("states", "expected"), [
    ({"a": "success", "b": "success"}, "success"),
    ({"a": "success", "b": "skipped"}, "success"),
    ({"a": "failed", "b": "success"}, "success"),  # a is not a leaf: b ran anyway
    ({"a": "success", "b": "upstream_failed"}, "failed"),
    ({"a": "success", "b": "failed"}, "failed"),
    ({"a": "success", "b": "running"}, None),
    ({"a": "up_for_retry", "b": None}, None),
])
def test_run_state_from_leaves(states, expected):
    info = build_info(dag({"a": [], "b": ["a"]}, {"b": "all_done"}))
    assert run_outcome(info, states) == expected


def test_failure_state_uses_remaining_tries():
    assert failure_state(1, 2) == "up_for_retry"
    assert failure_state(2, 2) == "up_for_retry"
    assert failure_state(3, 2) == "failed"
    assert failure_state(1, 2, retryable=False) == "failed"


def test_plain_retry_delay():
    assert retry_delay(try_number=3, retry_delay=30, exponential=False, max_retry_delay=None,
                       key="k") == timedelta(seconds=30)
    assert retry_delay(try_number=1, retry_delay=None, exponential=False, max_retry_delay=None,
                       key="k") == timedelta(seconds=300)  # Airflow's default


def airflow_backoff(delay: float, try_number: int, key: str) -> float:
    """Airflow 2's TaskInstance.next_retry_datetime, written out independently."""
    min_backoff = math.ceil(delay * (2 ** (try_number - 1)))
    min_backoff = max(min_backoff, 1)
    ti_hash = int(hashlib.sha1(key.encode()).hexdigest(), 16)
    return min_backoff + ti_hash % min_backoff


@pytest.mark.parametrize("try_number", [1, 2, 3, 4, 6])
def test_exponential_backoff_matches_airflow(try_number):
    key = f"dag#task#2024-01-01T00:00:00+00:00#{try_number}"
    got = retry_delay(try_number=try_number, retry_delay=10, exponential=True,
                      max_retry_delay=None, key=key)
    assert got == timedelta(seconds=airflow_backoff(10, try_number, key))
    base = 10 * 2 ** (try_number - 1)
    assert base <= got.total_seconds() < 2 * base


def test_exponential_backoff_is_capped_and_never_zero():
    assert retry_delay(try_number=10, retry_delay=10, exponential=True, max_retry_delay=60,
                       key="k") == timedelta(seconds=60)
    assert retry_delay(try_number=1, retry_delay=0, exponential=True, max_retry_delay=None,
                       key="k") == timedelta(seconds=1)


def test_next_retry_at_from_a_serialized_task():
    task = {"task_id": "t", "retry_delay": 7.5, "retry_exponential_backoff": False}
    end = NOW + timedelta(minutes=1)
    assert next_retry_at(task, dag_id="d", logical_date=NOW, try_number=1, end=end) == (
        end + timedelta(seconds=7.5))


# Deadlock, as Airflow 2.11.2's DagRun.update_state decides it (checked against it).
@pytest.mark.parametrize(
    ("states", "extra", "expected"),
    [
        ({"a": "removed", "b": None}, {}, True),  # b waits for an upstream that never ends
        ({"a": "removed", "b": None, "c": None}, {}, True),
        ({"a": "success", "b": None}, {}, False),  # b is runnable
        ({"a": "up_for_retry", "b": None}, {}, False),  # a retries later
        ({"a": "queued", "b": None}, {}, False),
        ({"a": "deferred", "b": None}, {}, False),
        ({"a": "success", "b": "success"}, {}, False),  # finished, not deadlocked
        # depends_on_past or an active-TI limit: may be unblocked from outside; Airflow
        # keeps such a run waiting.
        ({"a": None, "b": None}, {"a": {"depends_on_past": True}}, False),
        ({"a": "removed", "b": None}, {"b": {"max_active_tis_per_dag": 1}}, False),
    ],
)
def test_deadlock(states, extra, expected):
    from crosswind.scheduling.task_instances import deadlocked

    info = build_info(dag({"a": [], "b": ["a"], **({"c": ["b"]} if "c" in states else {})},
                          extra=extra))
    changes = decide(info, tis(states), NOW, past_ok=lambda _t: False)
    merged = {t: changes.get(t, s) for t, s in states.items()}
    assert deadlocked(info, merged, bool(changes)) is expected
