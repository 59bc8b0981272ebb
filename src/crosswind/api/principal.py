"""The caller of a request and what they may do (crosswind.roles decides)."""

from __future__ import annotations

from dataclasses import dataclass

from crosswind.roles import (
    DAG_RESOURCES,
    EDIT,
    READ,
    RESOURCE_OF,
    ROLES,
    Action,
    Permissions,
    fab_action,
    scopes_allow,
)

_NO_PERMISSIONS = Permissions(frozenset())


@dataclass(frozen=True)
class Principal:
    """Who is calling, and through what: a password (`token_id is None`) or a token.

    `perms` is the union of the user's roles' permissions (crosswind.roles); `scopes` and
    `token_dag_ids` are the token's narrowing."""

    user_id: int
    username: str
    roles: tuple[str, ...] = ()
    perms: Permissions = _NO_PERMISSIONS
    scopes: frozenset[str] | None = None
    token_dag_ids: frozenset[str] | None = None
    token_id: int | None = None

    @property
    def role(self) -> str:
        """The most privileged built-in role the user has (for display), else the first."""
        for name in ROLES:
            if name in self.roles:
                return name
        return self.roles[0] if self.roles else "Public"

    @property
    def is_admin(self) -> bool:
        """May manage other users (and their tokens)."""
        return self.can("user", "write", "PATCH")

    def can(self, resource: str, action: Action, method: str = "GET") -> bool:
        """The role's permission on `resource` (for a DAG, on some DAG), and the token's."""
        if self.scopes is not None and not scopes_allow(self.scopes, resource, action):
            return False
        if self.token_dag_ids is not None and resource not in DAG_RESOURCES:
            return False
        wanted = fab_action(action, method)
        if resource == "dag":
            return self.perms.may_dag(wanted, None)
        if resource == "dag_run":
            return self.perms.may_runs(wanted, None)
        return self.perms.has(wanted, RESOURCE_OF[resource])

    def can_dag(self, dag_id: str, action: str = READ) -> bool:
        """`action` (can_read, can_edit, can_delete) on this DAG, by roles and token."""
        if self.token_dag_ids is not None and dag_id not in self.token_dag_ids:
            return False
        return self.perms.may_dag(action, dag_id)

    @property
    def dag_ids(self) -> frozenset[str] | None:
        """The DAGs this caller may read; None for every DAG."""
        return self._narrowed(self.perms.dags(READ))

    @property
    def editable_dag_ids(self) -> frozenset[str] | None:
        return self._narrowed(self.perms.dags(EDIT))

    def _narrowed(self, by_role: frozenset[str] | None) -> frozenset[str] | None:
        if self.token_dag_ids is None:
            return by_role
        return self.token_dag_ids if by_role is None else by_role & self.token_dag_ids


