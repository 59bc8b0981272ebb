"""The DAG processor on real files and a real database: one `tick()` at a time.

The corpus (tests/dag_corpus) is copied into a temporary DAGs folder; every good DAG must be
stored with its structure, every broken file must yield an import error naming its problem
while the rest loads, and changes/deletions must be followed scan by scan.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from crosswind.dags.processor import DagProcessor
from crosswind.db.engine import Database
from crosswind.models import DagCode, DagModel, DagRun, ImportError_, SerializedDag
from crosswind.settings import Settings, load_settings
from crosswind.store.bootstrap import prepare
from crosswind.store.dags import file_token
from support.databases import database_for

CORPUS = Path(__file__).resolve().parents[1] / "dag_corpus"
NOW = datetime(2026, 6, 15, 12, 30, tzinfo=UTC)

# broken file -> text its import error must contain
BROKEN = {
    "bad_cron.py": "Invalid cron expression",
    "cycle.py": "Cycle detected",
    "duplicate_task_id.py": "same",
    "missing_module.py": "crosswind_corpus_no_such_module",
    "missing_name.py": "NoSuchOperator",
    "missing_provider.py": "airflow.providers.amazon",
    "no_dag_wiring.py": "relationships",
    "os_exit.py": "exited with code",
    "segfault.py": "signal",
    "sleeps_forever.py": "timed out",
    "syntax_error.py": "SyntaxError",
    "sys_exit.py": "SystemExit",
    "unknown_kwarg.py": "provide_context",
    "unknown_trigger_rule.py": "whenever_you_like",
}


@pytest.fixture
def db(backend: str, tmp_path: Path) -> Iterator[Database]:
    with database_for(backend, tmp_path) as url:
        database = Database(url, pool_size=2)
        prepare(database, load_settings({"CROSSWIND_HOME": str(tmp_path)}))
        yield database
        database.dispose()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "dags"
    path.mkdir()
    return path


def make_processor(db: Database, folder: Path, **env: str) -> DagProcessor:
    settings: Settings = load_settings({
        "CROSSWIND_HOME": str(folder.parent), "CROSSWIND_DAGS_FOLDER": str(folder),
        # Long enough for a big file on a busy CI machine; the sleeping file costs it once.
        "CROSSWIND_DAG_FILE_PROCESSOR_TIMEOUT": "5", **env})
    return DagProcessor(settings, db, concurrency=2)


def write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def dag_source(dag_id: str, *, tasks: int = 2, extra: str = "", schedule: str = "None") -> str:
    body = "\n".join(f"    t{i} = EmptyOperator(task_id='t{i}')" for i in range(tasks))
    chain = " >> ".join(f"t{i}" for i in range(tasks))
    return (f"from datetime import datetime\nfrom airflow import DAG\n"
            f"from airflow.operators.empty import EmptyOperator\n"
            f"with DAG('{dag_id}', schedule={schedule}, start_date=datetime(2024, 1, 1),"
            f" catchup=False{extra}) as dag:\n{body}\n    {chain}\n")


def dags(db: Database) -> dict[str, DagModel]:
    with db.read() as s:
        return {d.dag_id: d for d in s.scalars(select(DagModel))}


def errors(db: Database) -> dict[str, str]:
    with db.read() as s:
        return {Path(e.filename).name: e.stacktrace for e in s.scalars(select(ImportError_))}


def structure(db: Database, dag_id: str) -> dict:
    with db.read() as s:
        return s.scalar(select(SerializedDag.data).where(SerializedDag.dag_id == dag_id))


def test_corpus_loads_good_dags_and_reports_each_broken_file(db: Database, folder: Path) -> None:
    shutil.copytree(CORPUS / "good", folder, dirs_exist_ok=True)
    for name in BROKEN:
        shutil.copy(CORPUS / "broken" / name, folder / name)
    report = make_processor(db, folder).tick(NOW)

    found = dags(db)
    expected = {"corpus_airflow_classic", "corpus_bash_script", "corpus_branching",
                "corpus_taskflow", "corpus_taskflow_airflow", "corpus_trigger_rules",
                "corpus_preset_hourly", "corpus_preset_once", "corpus_preset_timedelta"}
    assert expected <= set(found)
    assert not any("ignored" in d.fileloc for d in found.values())
    assert all(d.is_active and d.last_parsed_time == NOW for d in found.values())
    errs = errors(db)
    assert set(errs) == set(BROKEN)
    for name, text in BROKEN.items():
        assert text in errs[name], (name, errs[name])
    assert report.import_errors == len(BROKEN)

    branching = structure(db, "corpus_branching")
    by_id = {t["task_id"]: t for t in branching["tasks"]}
    assert len(by_id) >= 3
    assert any(t["downstream_task_ids"] for t in by_id.values())
    for d in found.values():  # every stored DAG has its source under its file token
        with db.read() as s:
            code = s.get(DagCode, file_token(d.fileloc))
        assert code is not None and code.source_code == Path(d.fileloc).read_text()

    again = make_processor(db, folder).tick(NOW)
    assert again.parsed == 0 and again.unchanged == report.files


def test_change_touch_break_fix_and_delete(db: Database, folder: Path) -> None:
    proc = make_processor(db, folder)
    path = write(folder, "one.py", dag_source("proc_one", tasks=2))
    proc.tick(NOW)
    first_hash = structure(db, "proc_one")
    assert len(first_hash["tasks"]) == 2

    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))  # same content
    touched = proc.tick(NOW)
    assert touched.parsed == 0

    write(folder, "one.py", dag_source("proc_one", tasks=3))
    assert proc.tick(NOW).parsed == 1
    assert len(structure(db, "proc_one")["tasks"]) == 3

    write(folder, "one.py", "from airflow import DAG\nraise RuntimeError('boom in one')\n")
    proc.tick(NOW)
    assert "boom in one" in errors(db)["one.py"]
    assert dags(db)["proc_one"].is_active  # the last good version stays until fixed or gone

    write(folder, "one.py", dag_source("proc_one", tasks=1))
    proc.tick(NOW)
    assert "one.py" not in errors(db)
    assert len(structure(db, "proc_one")["tasks"]) == 1

    path.unlink()
    report = proc.tick(NOW)
    assert report.deleted == 1 and report.deactivated == 1
    gone = dags(db)["proc_one"]
    assert gone.is_active is False
    with db.read() as s:
        assert s.get(DagCode, file_token(str(path))) is None


def test_dag_removed_from_file_becomes_inactive(db: Database, folder: Path) -> None:
    proc = make_processor(db, folder)
    write(folder, "two.py", dag_source("proc_a") + dag_source("proc_b").replace("as dag", "as d2"))
    proc.tick(NOW)
    assert {"proc_a", "proc_b"} <= set(dags(db))
    write(folder, "two.py", dag_source("proc_a"))
    proc.tick(NOW)
    state = dags(db)
    assert state["proc_a"].is_active and not state["proc_b"].is_active


def test_duplicate_dag_id_keeps_first_and_reports_second(db: Database, folder: Path) -> None:
    proc = make_processor(db, folder)
    write(folder, "a_first.py", dag_source("proc_dup"))
    write(folder, "b_second.py", dag_source("proc_dup", tasks=3))
    proc.tick(NOW)
    assert dags(db)["proc_dup"].fileloc.endswith("a_first.py")
    assert "proc_dup" in errors(db)["b_second.py"]
    (folder / "a_first.py").unlink()
    proc.tick(NOW)  # the owner disappeared: the duplicate is re-parsed and takes over
    assert dags(db)["proc_dup"].fileloc.endswith("b_second.py")
    assert dags(db)["proc_dup"].is_active
    assert "b_second.py" not in errors(db)


def test_dag_moved_between_files_settles_in_one_tick(db: Database, folder: Path) -> None:
    proc = make_processor(db, folder)
    write(folder, "z_old_home.py", dag_source("proc_moving"))
    proc.tick(NOW)
    (folder / "z_old_home.py").write_text(dag_source("proc_other"))
    write(folder, "a_new_home.py", dag_source("proc_moving", tasks=3))
    proc.tick(NOW)
    state = dags(db)
    assert state["proc_moving"].fileloc.endswith("a_new_home.py")
    assert state["proc_moving"].is_active and state["proc_other"].is_active
    assert errors(db) == {}
    assert len(structure(db, "proc_moving")["tasks"]) == 3


def test_paused_at_creation_and_kept_on_reparse(db: Database, folder: Path) -> None:
    write(folder, "p.py", dag_source("proc_paused_default")
          + dag_source("proc_unpaused", extra=", is_paused_upon_creation=False")
          .replace("as dag", "as d2"))
    proc = make_processor(db, folder)
    proc.tick(NOW)
    state = dags(db)
    assert state["proc_paused_default"].is_paused is True
    assert state["proc_unpaused"].is_paused is False
    with db.write() as s:
        s.get(DagModel, "proc_paused_default").is_paused = False
    write(folder, "p.py", dag_source("proc_paused_default", tasks=4))
    proc.tick(NOW)
    assert dags(db)["proc_paused_default"].is_paused is False

    other = folder.parent / "dags2"
    other.mkdir()
    write(other, "q.py", dag_source("proc_env_unpaused"))
    make_processor(db, other, CROSSWIND_DAGS_ARE_PAUSED_AT_CREATION="false").tick(NOW)
    assert dags(db)["proc_env_unpaused"].is_paused is False


def test_next_dagrun_from_timetable_and_last_scheduled_run(db: Database, folder: Path) -> None:
    proc = make_processor(db, folder)
    write(folder, "daily.py", dag_source("proc_daily", schedule="'@daily'"))
    write(folder, "manual.py", dag_source("proc_manual"))
    proc.tick(NOW)
    daily = dags(db)["proc_daily"]
    # catchup=False: the latest complete interval before NOW (2026-06-14 .. 2026-06-15)
    assert daily.next_dagrun == datetime(2026, 6, 14, tzinfo=UTC)
    assert daily.next_dagrun_data_interval_end == datetime(2026, 6, 15, tzinfo=UTC)
    assert daily.next_dagrun_create_after == datetime(2026, 6, 15, tzinfo=UTC)
    assert dags(db)["proc_manual"].next_dagrun is None

    start = datetime(2026, 6, 15, tzinfo=UTC)
    with db.write() as s:
        s.add(DagRun(dag_id="proc_daily", run_id="scheduled__x", logical_date=start,
                     data_interval_start=start, data_interval_end=start + timedelta(days=1),
                     run_type="scheduled", state="running"))
    write(folder, "daily.py", dag_source("proc_daily", tasks=3, schedule="'@daily'"))
    proc.tick(NOW)
    assert dags(db)["proc_daily"].next_dagrun == datetime(2026, 6, 16, tzinfo=UTC)


def test_airflowignore_and_subfolders(db: Database, folder: Path) -> None:
    write(folder, "sub/deep.py", dag_source("proc_deep"))
    write(folder, "skip/hidden.py", dag_source("proc_hidden"))
    write(folder, ".airflowignore", "skip/\n")
    proc = make_processor(db, folder)
    proc.tick(NOW)
    assert "proc_deep" in dags(db) and "proc_hidden" not in dags(db)
    write(folder, ".airflowignore", "sub/\n")
    proc.tick(NOW)
    state = dags(db)
    assert state["proc_hidden"].is_active and not state["proc_deep"].is_active


def test_one_file_generating_many_dags(db: Database, folder: Path) -> None:
    write(folder, "generated.py", """
        from datetime import datetime
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        for i in range(600):
            with DAG(f"proc_gen_{i:03d}", schedule="@daily", start_date=datetime(2024, 1, 1),
                     catchup=False) as d:
                EmptyOperator(task_id="t")
            globals()[f"dag_{i}"] = d
        """)
    proc = make_processor(db, folder)
    assert proc.tick(NOW).dags_written == 600
    state = dags(db)
    assert sum(k.startswith("proc_gen_") and v.is_active for k, v in state.items()) == 600
    assert state["proc_gen_599"].next_dagrun == datetime(2026, 6, 14, tzinfo=UTC)
    write(folder, "generated.py", dag_source("proc_gen_000"))
    proc.tick(NOW)
    state = dags(db)
    assert state["proc_gen_000"].is_active and not state["proc_gen_599"].is_active


def test_same_size_edit_with_same_mtime_is_seen(db: Database, folder: Path) -> None:
    # Two quick same-size writes can share one coarse kernel timestamp: stat alone would
    # miss the second, so a fresh file is confirmed by content hash on the next scan.
    path = write(folder, "racy.py", dag_source("proc_racy", extra=", description='aaaa'"))
    proc = make_processor(db, folder)
    proc.tick(NOW)
    stamp = path.stat().st_mtime_ns
    write(folder, "racy.py", dag_source("proc_racy", extra=", description='bbbb'"))
    os.utime(path, ns=(stamp, stamp))
    assert proc.tick(NOW).parsed == 1
    assert dags(db)["proc_racy"].description == "bbbb"
