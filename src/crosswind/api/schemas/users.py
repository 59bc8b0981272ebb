"""User and token bodies. Users come in the seed form (`is_admin`) or Airflow's (`roles`)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, field_validator

from crosswind.errors import InvalidInput
from crosswind.roles import DEFAULT_ROLE

# Letters, digits and . _ @ + - : what Airflow/FAB usernames look like in practice.
Username = Annotated[
    str, StringConstraints(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9._@+\-]+$")
]
Name = Annotated[str, StringConstraints(max_length=256)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$|^[^@\s]+@localhost$")


def check_email(value: str | None) -> str | None:
    if value is not None and (len(value) > 320 or not _EMAIL.match(value)):
        raise ValueError(f"{value!r} is not a valid email address")
    return value


class RoleRef(BaseModel):
    """A role by name; whether it exists is checked by the store (400 "Unknown roles")."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class _UserBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username | None = None
    email: str | None = None
    password: Password | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    is_active: StrictBool | None = None
    is_admin: StrictBool | None = None
    roles: list[RoleRef] | None = Field(default=None, max_length=64)

    _email = field_validator("email")(check_email)

    def role_names(self, current: list[str]) -> list[str] | None:
        """The roles the body asks for, or None for "unchanged" (`current` are the user's).

        `roles` names them all. `is_admin: true` alone means Admin; `is_admin: false` alone
        takes Admin away (leaving Op if nothing else is left); both given and disagreeing is
        a 400.
        """
        named = None if self.roles is None else sorted({r.name for r in self.roles})
        if self.is_admin is True:
            if named is not None and "Admin" not in named:
                raise InvalidInput(f"is_admin is true but roles are {named}")
            return named if named is not None else ["Admin"]
        if self.is_admin is False:
            if named is not None and "Admin" in named:
                raise InvalidInput("is_admin is false but roles name 'Admin'")
            if named is None and "Admin" in current:
                return [r for r in current if r != "Admin"] or [DEFAULT_ROLE]
        return named


class UserCreate(_UserBody):
    username: Username
    email: str
    password: Password


class UserUpdate(_UserBody):
    """PATCH: seed fields (email, is_active, is_admin, password) and Airflow's."""


USER_FIELDS = ("username", "email", "password", "first_name", "last_name", "is_active",
               "is_admin", "roles")


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    scopes: list[str] = Field(default_factory=lambda: ["read", "write"], min_length=1)
    expires_in_days: Annotated[float, Field(gt=0, le=3650)] | None = None
    dag_ids: list[Annotated[str, StringConstraints(min_length=1, max_length=250)]] | None = None
