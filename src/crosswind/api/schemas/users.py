"""User and token bodies. Users come in the seed form (`is_admin`) or Airflow's (`roles`)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, field_validator

from crosswind.errors import InvalidInput
from crosswind.roles import ROLES

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
    model_config = ConfigDict(extra="forbid")

    name: str

    @field_validator("name")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in ROLES:
            raise ValueError(f"unknown role {v!r}; roles: {', '.join(ROLES)}")
        return v


class _UserBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username | None = None
    email: str | None = None
    password: Password | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    is_active: StrictBool | None = None
    is_admin: StrictBool | None = None
    roles: list[RoleRef] | None = Field(default=None, max_length=4)

    _email = field_validator("email")(check_email)

    def role(self) -> str | None:
        """The role the body asks for (the most privileged named), or None for "unchanged".

        `is_admin: true` means Admin; `is_admin: false` means "not Admin" (the caller demotes an
        Admin to Op when no role is named); both given and disagreeing is a 400.
        """
        named = [r.name for r in self.roles or ()]
        role = min(named, key=ROLES.index) if named else None
        if self.is_admin is True:
            if role not in (None, "Admin"):
                raise InvalidInput(f"is_admin is true but roles name {role!r}")
            return "Admin"
        if self.is_admin is False and role == "Admin":
            raise InvalidInput("is_admin is false but roles name 'Admin'")
        return role


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
