"""Random setup/teardown DAGs, and what Airflow 2.11.2 did with them.

`build(seed)` makes a DAG of 5-9 PythonOperators with random edges, setups, teardowns
(some with on_failure_fail_dagrun), trigger rules and failing tasks, from Airflow
imports (Crosswind serves them). `outcome(dag)` is what a run and clears give: the run
state, each task's state after dag.test(), and for every task and every
(include_upstream, include_downstream) the tasks a clear selects.

data/setup_teardown_oracle.json was written by running this file with Airflow 2.11.2:
    AIRFLOW_HOME=/tmp/afhome /work/afvenv/bin/python tests/unit/setup_teardown_oracle.py
tests/unit/test_setup_teardown_rules.py checks that Crosswind gives the same outcomes.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import pendulum
from airflow import DAG
from airflow.operators.python import PythonOperator

SEEDS = range(60)
DATA = Path(__file__).parent / "data" / "setup_teardown_oracle.json"
_RULES = ["all_success", "all_done", "one_success", "none_failed", "all_success"]


def _ok() -> int:
    return 1


def boom() -> None:
    raise ValueError("planned failure")


def build(seed: int) -> Any:
    r = random.Random(seed)
    with DAG(f"oracle_{seed}", start_date=pendulum.datetime(2024, 1, 1), schedule=None) as d:
        ops: list[Any] = []
        kinds: list[str] = []
        for j in range(r.randint(5, 9)):
            op = PythonOperator(task_id=f"k{j}", python_callable=boom if r.random() < 0.2 else _ok)
            ups = [ops[i] for i in range(j) if r.random() < 0.35]
            setups_above = [ops[i] for i in range(j) if kinds[i] == "setup"]
            kind, x = "plain", r.random()
            if x < 0.25:
                kind = "setup"
                op.as_setup()
            elif x < 0.5 and setups_above:
                kind = "teardown"
                op.as_teardown(setups=r.choice(setups_above),
                               on_failure_fail_dagrun=r.random() < 0.3)
            elif not any(kinds[ops.index(u)] == "setup" for u in ups):
                op.trigger_rule = r.choice(_RULES)
            for u in ups:
                u >> op
            ops.append(op)
            kinds.append(kind)
    return d


def selections(dag: Any, select: Any) -> dict[str, str]:
    return {f"{t} {int(up)}{int(down)}": " ".join(sorted(select(t, up, down)))
            for t in sorted(dag.task_ids) for up in (False, True) for down in (False, True)}


def airflow_outcome(dag: Any) -> dict[str, Any]:
    """Run under Airflow: partial_subset is what its clears select."""
    clears = selections(dag, lambda t, up, down: dag.partial_subset(
        [t], include_upstream=up, include_downstream=down).task_ids)
    run = dag.test()
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    return {"run": run.state, "states": dict(sorted(states.items())), "clears": clears}


if __name__ == "__main__":
    lines = [f'"{seed}": ' + json.dumps(airflow_outcome(build(seed)), sort_keys=True,
                                         separators=(",", ":")) for seed in SEEDS]
    DATA.write_text("{\n" + ",\n".join(lines) + "\n}\n")  # one DAG per line
    sys.exit(0)
