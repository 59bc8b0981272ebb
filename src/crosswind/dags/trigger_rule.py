"""Trigger rules (Airflow 2 names) and the pure decision they make on upstream states."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import StrEnum

from crosswind.dags.exceptions import AirflowException


class TriggerRule(StrEnum):
    """When a task may run, given its direct upstream states."""

    ALL_SUCCESS = "all_success"
    ALL_FAILED = "all_failed"
    ALL_DONE = "all_done"
    # What as_teardown() gives a teardown: all upstream done, one direct setup succeeded.
    ALL_DONE_SETUP_SUCCESS = "all_done_setup_success"
    ONE_SUCCESS = "one_success"
    ONE_FAILED = "one_failed"
    ONE_DONE = "one_done"
    NONE_FAILED = "none_failed"
    NONE_FAILED_MIN_ONE_SUCCESS = "none_failed_min_one_success"
    NONE_SKIPPED = "none_skipped"
    ALL_SKIPPED = "all_skipped"
    ALWAYS = "always"
    # Legacy Airflow name; coerce_trigger_rule() maps it to NONE_FAILED_MIN_ONE_SUCCESS.
    NONE_FAILED_OR_SKIPPED = "none_failed_or_skipped"

    @classmethod
    def is_valid(cls, value: str) -> bool:
        return value in _VALID or value in _ALIASES

    @classmethod
    def all_triggers(cls) -> set[str]:
        return set(_VALID)


_VALID = frozenset(r.value for r in TriggerRule if r is not TriggerRule.NONE_FAILED_OR_SKIPPED)
_ALIASES = {"none_failed_or_skipped": TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS}


def coerce_trigger_rule(value: str | TriggerRule) -> TriggerRule:
    """Validate a user-given rule; legacy aliases map to their modern rule."""
    raw = value.value if isinstance(value, TriggerRule) else str(value)
    if raw in _ALIASES:
        return _ALIASES[raw]
    if raw not in _VALID:
        raise AirflowException(
            f"The trigger_rule must be one of {sorted(_VALID)}, but got '{raw}'."
        )
    return TriggerRule(raw)


_FAILED = ("failed", "upstream_failed")
_DONE = ("success", "skipped", "failed", "upstream_failed", "removed")


def evaluate_trigger_rule(
    rule: str | TriggerRule, upstream_states: Iterable[str], setup_states: Iterable[str] = ()
) -> str | None:
    """Decide a waiting task's fate from its direct upstream states.

    Returns "run", "skipped", "upstream_failed", or None (keep waiting). A task without
    upstream always gets "run". Mirrors Airflow 2's TriggerRuleDep; `setup_states` are
    the states of the direct upstreams that are setups (they matter only for
    all_done_setup_success; indirect setups are weighed in setup_teardown_graph).
    """
    states = list(upstream_states)
    if not states:
        return "run"
    c = Counter(states)
    total, success, skipped = len(states), c["success"], c["skipped"]
    failed = c["failed"] + c["upstream_failed"]
    done = sum(c[s] for s in _DONE)
    all_done = done == total
    r = coerce_trigger_rule(rule)
    if r is TriggerRule.ALWAYS:
        return "run"
    if r is TriggerRule.ALL_SUCCESS:
        if failed:
            return "upstream_failed"
        if skipped:
            return "skipped"
        return "run" if success == total else None
    if r is TriggerRule.ALL_FAILED:
        if success or skipped:
            return "skipped"
        return "run" if all_done else None
    if r is TriggerRule.ALL_SKIPPED:
        if success or failed:
            return "skipped"
        return "run" if all_done else None
    if r is TriggerRule.ALL_DONE:
        return "run" if all_done else None
    if r is TriggerRule.ALL_DONE_SETUP_SUCCESS:
        return _evaluate_teardown(all_done, list(setup_states))
    return _evaluate_any(r, all_done, total, success, skipped, failed)


def _evaluate_teardown(all_done: bool, setups: list[str]) -> str | None:
    """A teardown runs once everything upstream is done if a direct setup succeeded (or it
    has none); all setups skipped skip it, none succeeded fails it upstream."""
    if not all_done:
        return None
    if setups and all(s == "skipped" for s in setups):
        return "skipped"
    if setups and "success" not in setups:
        return "upstream_failed"
    return "run"


def _evaluate_any(
    r: TriggerRule, all_done: bool, total: int, success: int, skipped: int, failed: int
) -> str | None:
    if r is TriggerRule.ONE_SUCCESS:
        if success:
            return "run"
        if not all_done:
            return None
        return "upstream_failed" if failed else "skipped"
    if r is TriggerRule.ONE_FAILED:
        if failed:
            return "run"
        return "skipped" if all_done else None
    if r is TriggerRule.ONE_DONE:
        if success or failed:
            return "run"
        return "skipped" if all_done else None
    return _evaluate_none(r, all_done, total, skipped, failed)


def _evaluate_none(
    r: TriggerRule, all_done: bool, total: int, skipped: int, failed: int
) -> str | None:
    if r is TriggerRule.NONE_SKIPPED:
        if skipped:
            return "skipped"
        return "run" if all_done else None
    if failed:  # NONE_FAILED and NONE_FAILED_MIN_ONE_SUCCESS
        return "upstream_failed"
    if not all_done:
        return None
    if r is TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS and skipped == total:
        return "skipped"
    return "run"
