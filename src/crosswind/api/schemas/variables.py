"""Variable bodies: `val` (seed) or `value` (Airflow) are both accepted."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Key = Annotated[str, StringConstraints(min_length=1, max_length=250, strip_whitespace=False)]


class _ValueBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    val: str | None = None
    value: str | None = None
    description: str | None = None

    @model_validator(mode="after")
    def _one_value(self) -> _ValueBody:
        if self.val is not None and self.value is not None and self.val != self.value:
            raise ValueError("give the value once: 'val' and 'value' differ")
        return self

    @property
    def the_value(self) -> str | None:
        return self.val if self.val is not None else self.value


class VariableCreate(_ValueBody):
    key: Key


class VariableUpdate(_ValueBody):
    """PUT (seed) and PATCH (Airflow) body. `key`, when given, must match the path."""

    key: Key | None = Field(default=None)
