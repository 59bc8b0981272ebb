"""Pool bodies: `name` (Airflow) or `pool_id` (seed); slots -1 means unlimited."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, model_validator

PoolName = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^[\w.\- ]+$")]
Slots = Annotated[int, Field(ge=-1, description="-1 = unlimited")]


class _PoolBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: PoolName | None = None
    pool_id: PoolName | None = None
    slots: Slots | None = None
    description: str | None = None
    include_deferred: StrictBool | None = None

    @model_validator(mode="after")
    def _one_name(self) -> _PoolBody:
        if self.name and self.pool_id and self.name != self.pool_id:
            raise ValueError("give the name once: 'name' and 'pool_id' differ")
        return self

    @property
    def the_name(self) -> str | None:
        return self.name or self.pool_id

    def given(self) -> set[str]:
        """Fields present in the body, with `pool_id` spelled `name`."""
        return {"name" if f == "pool_id" else f for f in self.model_fields_set}


class PoolCreate(_PoolBody):
    slots: Slots

    @model_validator(mode="after")
    def _has_name(self) -> PoolCreate:
        if not self.the_name:
            raise ValueError("name (or pool_id) is required")
        return self


class PoolUpdate(_PoolBody):
    """PUT (seed) and PATCH (Airflow)."""


UPDATABLE = ("name", "pool_id", "slots", "description", "include_deferred")
