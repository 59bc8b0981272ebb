"""The seed dialect's shapes where they differ from Airflow's: `schedule_interval` is the
plain string the seed document shows ("0 0 * * *", "1 day, 0:00:00"), or null."""

from __future__ import annotations

from crosswind.api.openapi.airflow.common import CollectionInfo
from crosswind.api.openapi.airflow.dags import DAG, DAGDetail


class SeedDAG(DAG):
    """A DAG as the scheduler knows it; its schedule as a plain string."""

    schedule_interval: str | None = None  # type: ignore[assignment]


class SeedDAGCollection(CollectionInfo):
    """One page of DAGs."""

    dags: list[SeedDAG] | None = None


class SeedDAGDetail(DAGDetail):
    """A DAG with the details of its definition; its schedule as a plain string."""

    schedule_interval: str | None = None  # type: ignore[assignment]


# Airflow shape -> the seed dialect's replacement (every other shape is shared).
SEED_REPLACES = {"DAG": SeedDAG, "DAGCollection": SeedDAGCollection, "DAGDetail": SeedDAGDetail}
