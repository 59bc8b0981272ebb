"""BaseBranchOperator (airflow.operators.branch): subclasses return the task ids (or task
group ids, which stand for the group's roots) to follow from choose_branch(); the other
direct downstream tasks are skipped, as BranchPythonOperator does."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from crosswind.dags.baseoperator import BaseOperator
from crosswind.dags.exceptions import AirflowException

log = logging.getLogger(__name__)


def task_groups(dag: Any) -> dict[str, Any]:
    """group_id -> TaskGroup for every group holding a task of dag."""
    groups: dict[str, Any] = {}
    for task in dag.tasks:
        group = getattr(task, "task_group", None)
        while group is not None:
            groups.setdefault(group.group_id, group)
            group = group.parent_group
    return groups


def expand_branches(dag: Any, branches: str | Iterable[str] | None) -> list[str]:
    """Task ids to follow: a task group id becomes the ids of the group's roots."""
    if branches is None:
        return []
    items = [branches] if isinstance(branches, str) else list(branches)
    bad = [b for b in items if not isinstance(b, str)]
    if bad:
        raise AirflowException(
            f"'branch_task_ids' expected all task IDs are strings. Invalid tasks found: {bad}."
        )
    groups = task_groups(dag)
    out: list[str] = []
    for branch in items:
        if branch in groups and branch not in dag.task_dict:
            out.extend(t.task_id for t in groups[branch].group_roots())
        else:
            out.append(branch)
    invalid = sorted(set(out) - set(dag.task_dict))
    if invalid:
        raise AirflowException(
            f"'branch_task_ids' must contain only valid task_ids. Invalid tasks found: {invalid}."
        )
    return out


class BaseBranchOperator(BaseOperator):
    """Override choose_branch(context) -> task id(s) / task group id(s) to follow."""

    def choose_branch(self, context: dict[str, Any]) -> str | Iterable[str] | None:
        raise NotImplementedError(f"{type(self).__name__} must implement choose_branch()")

    def do_branch(self, context: dict[str, Any], branches: Any) -> Any:
        log.info("Branch into %s", branches)
        context["ti"].follow_task_ids = expand_branches(self.dag, branches)
        return branches

    def execute(self, context: dict[str, Any]) -> Any:
        return self.do_branch(context, self.choose_branch(context))

