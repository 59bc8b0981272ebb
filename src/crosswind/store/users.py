"""Users and personal access tokens."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from crosswind.db.base import utcnow
from crosswind.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from crosswind.models import ApiToken, User, UserRole
from crosswind.roles import DEFAULT_ROLE, SCOPES
from crosswind.security import hash_password, new_token_secret, token_digest
from crosswind.store import roles as role_store


def get(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"User {username!r} does not exist")
    return user


def create(
    session: Session,
    *,
    username: str,
    email: str,
    password: str,
    roles: Sequence[str] = (DEFAULT_ROLE,),
    first_name: str = "",
    last_name: str = "",
    is_active: bool = True,
) -> User:
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AlreadyExists(f"User {username!r} already exists")
    check_email_free(session, email)
    user = User(
        username=username,
        email=email,
        password_hash=hash_password(password),
        first_name=first_name,
        last_name=last_name,
        is_active=is_active,
    )
    session.add(user)
    session.flush()
    role_store.assign(session, user, roles)
    return user


def role_names(session: Session, user: User) -> list[str]:
    return role_store.roles_of(session, [user.id])[user.id]


def check_email_free(session: Session, email: str, except_id: int | None = None) -> None:
    """Emails are unique per user, as in Airflow (checked here: the column has no index)."""
    stmt = select(User.id).where(func.lower(User.email) == email.lower())
    if except_id is not None:
        stmt = stmt.where(User.id != except_id)
    if session.scalar(stmt.limit(1)) is not None:
        raise AlreadyExists(f"The email {email!r} is already taken")


def set_password(user: User, password: str) -> None:
    """A new argon2 hash (new salt): remembered credentials stop matching at once."""
    user.password_hash = hash_password(password)


def keep_an_admin(session: Session, user: User, *, roles: Collection[str],
                  is_active: bool) -> None:
    """Refuse a change that would leave no active Admin: nobody could manage users,
    roles or settings through the API any more, and there is no way back from there."""
    if ("Admin" in roles and is_active) or not user.is_active:
        return
    if "Admin" not in role_names(session, user):
        return
    if not role_store.active_admins(session, except_id=user.id):
        raise Conflict(f"{user.username!r} is the last active Admin; make another user an "
                       "active Admin first")


def remove(session: Session, username: str) -> None:
    user = get(session, username)
    keep_an_admin(session, user, roles=(), is_active=False)
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    # Explicit, not left to ON DELETE CASCADE: SQLite may reuse the id for the next user,
    # who must not inherit these roles where foreign keys are not enforced.
    session.execute(delete(UserRole).where(UserRole.user_id == user.id))
    session.delete(user)


def create_token(
    session: Session,
    user: User,
    *,
    name: str,
    scopes: list[str],
    expires_in_days: float | None = None,
    dag_ids: list[str] | None = None,
) -> tuple[ApiToken, str]:
    """Returns the token row and its secret; the secret is never stored nor shown again."""
    if not name.strip():
        raise InvalidInput("token name must not be empty")
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise InvalidInput(f"scopes must be a non-empty subset of {list(SCOPES)}")
    if expires_in_days is not None and expires_in_days <= 0:
        raise InvalidInput("expires_in_days must be positive")
    secret = new_token_secret()
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=token_digest(secret),
        prefix=secret[:8],
        scopes=sorted(set(scopes)),
        dag_ids=None if dag_ids is None else sorted(set(dag_ids)),
        expires_at=None if expires_in_days is None else utcnow() + timedelta(days=expires_in_days),
    )
    session.add(token)
    session.flush()
    return token, secret


def tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    )


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Delete the token row: the next request presenting it is refused."""
    token = session.scalars(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    ).first()
    if token is None:
        raise NotFound(f"Token {token_id} of user {user.username!r} does not exist")
    session.delete(token)
    return token
