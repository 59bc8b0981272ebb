"""SubDagOperator (airflow.operators.subdag, deprecated in Airflow 2 for TaskGroups).

The sub-DAG must be named "<parent dag_id>.<task_id>", as Airflow requires; it is not
a DAG of its own in Crosswind (not listed, never scheduled). Crosswind differs from
Airflow in how it runs: the SubDagOperator's try runs every task of the sub-DAG once, in
its own process and in dependency order (as dag.test() does: trigger rules, branching,
retries without delay), with the parent run's logical date and conf. The sub-DAG's
tasks log into the SubDagOperator's log and are not task instances of their own; their
XComs live only during the try. The try fails when a sub-DAG task ends failed or
upstream_failed; with propagate_skipped_state it is skipped when all leaves / any leaf
was skipped.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from crosswind.dags.baseoperator import BaseOperator
from crosswind.dags.exceptions import AirflowException, AirflowSkipException
from crosswind.dags.exceptions_compat import AirflowDagInconsistent
from crosswind.dags.runtime import OverlayBackend, get_backend


class SkippedStatePropagationOptions(Enum):
    ALL_LEAVES = "all_leaves"
    ANY_LEAF = "any_leaf"


class SubDagOperator(BaseOperator):
    ui_color = "#555"
    ui_fgcolor = "#fff"

    def __init__(self, *, subdag: Any, session: Any = None, conf: dict[str, Any] | None = None,
                 propagate_skipped_state: SkippedStatePropagationOptions | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.subdag = subdag
        self.conf = conf
        self.propagate_skipped_state = propagate_skipped_state
        if self.has_dag():
            expected = f"{self.dag.dag_id}.{self.task_id}"
            if subdag.dag_id != expected:
                raise AirflowDagInconsistent(
                    "The subdag's dag_id should have the form '{{parent_dag_id}}.{{this_task_id}}'."
                    f" Expected '{expected}'; received '{subdag.dag_id}'.")
        subdag.is_subdag = True
        subdag.parent_dag = self._dag

    def execute(self, context: dict[str, Any]) -> None:
        from crosswind.dags.local_run import run_dag_locally

        run = context.get("dag_run")
        conf = self.conf if self.conf is not None else dict(getattr(run, "conf", None) or {})
        try:
            outer = get_backend()
        except AirflowException:
            outer = None
        states = run_dag_locally(self.subdag, conf=conf, logical_date=context["logical_date"],
                                 backend=OverlayBackend(outer))
        print(f"Sub-DAG {self.subdag.dag_id} ended: {states}", flush=True)  # noqa: T201
        failed = sorted(t for t, s in states.items() if s in ("failed", "upstream_failed"))
        if failed:
            raise AirflowException(
                f"Expected state: success. Actual state: failed (tasks {failed})")
        self._maybe_skip(states)

    def _maybe_skip(self, states: dict[str, str]) -> None:
        option = self.propagate_skipped_state
        if option is None:
            return
        leaves = [states.get(t.task_id) == "skipped" for t in self.subdag.leaves]
        hit = all(leaves) if option == SkippedStatePropagationOptions.ALL_LEAVES else any(leaves)
        if leaves and hit:
            raise AirflowSkipException("Skipping the SubDagOperator: its leaves were skipped")
