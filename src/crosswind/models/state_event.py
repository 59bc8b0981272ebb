"""The append-only log behind `GET /api/v1/events`: one row per state change.

Rows are written by database triggers in the same transaction as the change itself, so every
writer (scheduler, fork server, task processes, Celery workers, API servers, raw Core or ORM)
is covered without a hook in its code, and a change that rolls back leaves no event:

    task_instances  INSERT, UPDATE of state (when it really changes)  -> kind "task_instance"
    dag_runs        INSERT, UPDATE of state (when it really changes)  -> kind "dag_run"
    import_errors   INSERT, UPDATE of stacktrace (when it changes)    -> kind "import_error"

`id` orders the events. On SQLite one writer at a time means ids commit in order; on
PostgreSQL a later id can commit before an earlier one, which `crosswind.api.event_hub`
handles (it never passes an id whose transaction may still be running). The API server
deletes rows older than `RETENTION` (see `crosswind.api.event_hub.prune`).

The triggers are installed by `install_triggers`, called from the initial migration (via
the migration template, so regenerating it keeps them) and after `metadata.create_all`.
Note for later migrations: SQLite batch mode recreates a table and drops its triggers; a
migration that batch-alters one of the three tables must call `install_triggers` again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, Index, Integer, String, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column

from crosswind.db.base import Base, UtcDateTime, utcnow

RETENTION = timedelta(hours=24)


class StateEvent(Base):
    __tablename__ = "state_events"
    __table_args__ = (Index("ix_state_events_dag_id_id", "dag_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    dag_id: Mapped[str | None] = mapped_column(String(250), nullable=True)
    run_id: Mapped[str | None] = mapped_column(String(250), nullable=True)
    task_id: Mapped[str | None] = mapped_column(String(250), nullable=True)
    map_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    try_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    previous_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    filename: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


_COLS = ("kind, dag_id, run_id, task_id, map_index, try_number, state, previous_state, "
         "filename, created_at")
# (table, kind, watched column, VALUES for a row given the NEW/OLD prefix of the dialect)
_SOURCES = (
    ("task_instances", "task_instance", "state",
     "'task_instance', NEW.dag_id, NEW.run_id, NEW.task_id, NEW.map_index, NEW.try_number, "
     "NEW.state, {prev}.state, NULL"),
    ("dag_runs", "dag_run", "state",
     "'dag_run', NEW.dag_id, NEW.run_id, NULL, NULL, NULL, NEW.state, {prev}.state, NULL"),
    ("import_errors", "import_error", "stacktrace",
     "'import_error', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NEW.filename"),
)
# SQLite's DATETIME text as SQLAlchemy writes it (naive UTC), microseconds padded.
_SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'"


def _sqlite_ddl() -> list[str]:
    out = []
    for table, kind, col, values in _SOURCES:
        ins = values.replace("{prev}.state", "NULL")
        upd = values.format(prev="OLD")
        out += [
            f"DROP TRIGGER IF EXISTS se_{kind}_insert",
            f"DROP TRIGGER IF EXISTS se_{kind}_update",
            f"CREATE TRIGGER se_{kind}_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO state_events ({_COLS}) VALUES ({ins}, {_SQLITE_NOW}); END",
            f"CREATE TRIGGER se_{kind}_update AFTER UPDATE OF {col} ON {table} "
            f"WHEN OLD.{col} IS NOT NEW.{col} BEGIN "
            f"INSERT INTO state_events ({_COLS}) VALUES ({upd}, {_SQLITE_NOW}); END",
        ]
    return out


def _postgres_ddl() -> list[str]:
    out = []
    for table, kind, col, values in _SOURCES:
        ins = values.replace("{prev}.state", "NULL")
        upd = values.format(prev="OLD")
        out += [
            f"CREATE OR REPLACE FUNCTION se_{kind}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF TG_OP = 'INSERT' THEN "
            f"INSERT INTO state_events ({_COLS}) VALUES ({ins}, clock_timestamp()); "
            f"ELSE INSERT INTO state_events ({_COLS}) VALUES ({upd}, clock_timestamp()); "
            f"END IF; RETURN NULL; END $$",
            f"DROP TRIGGER IF EXISTS se_{kind}_insert ON {table}",
            f"DROP TRIGGER IF EXISTS se_{kind}_update ON {table}",
            f"CREATE TRIGGER se_{kind}_insert AFTER INSERT ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION se_{kind}()",
            # WHEN in the trigger, not the function: an update that leaves the state alone
            # (heartbeats, pids) costs no function call.
            f"CREATE TRIGGER se_{kind}_update AFTER UPDATE OF {col} ON {table} "
            f"FOR EACH ROW WHEN (OLD.{col} IS DISTINCT FROM NEW.{col}) "
            f"EXECUTE FUNCTION se_{kind}()",
        ]
    return out


def install_triggers(conn: Connection) -> None:
    """(Re)create the triggers that fill state_events; idempotent."""
    ddl = _postgres_ddl() if conn.dialect.name == "postgresql" else _sqlite_ddl()
    for stmt in ddl:
        conn.execute(text(stmt))


@event.listens_for(Base.metadata, "after_create")
def _after_create(_metadata: object, conn: Connection, **_kw: object) -> None:
    install_triggers(conn)
