"""Issue 10 operators end to end: a real `crosswind standalone` runs DAG files with
EmailOperator and email_on_failure (received by a real local SMTP server, aiosmtpd), and
@task.virtualenv / PythonVirtualenvOperator with a pinned requirement installed by pip
into a venv cached under CROSSWIND_HOME."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

import httpx
import pytest
from aiosmtpd.controller import Controller
from engine_helpers import (
    log_text,
    running_standalone,
    task_states,
    trigger,
    wait_run,
)

from support.servers import Server, free_port
from support.smtp_inbox import Inbox, authenticate

EMAIL_DAG = """
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.email import EmailOperator

with DAG("e2e_email", schedule=None, start_date=datetime(2024, 1, 1),
         params={"who": "team"}) as dag:
    note = EmailOperator(task_id="note", to=["ops@example.com", "dev@example.com"],
                         cc="boss@example.com", subject="Run {{ run_id }}",
                         html_content="<b>hello {{ params.who }}</b>")
    broken = BashOperator(task_id="broken", bash_command="exit 1",
                          email="oncall@example.com")
    quiet = BashOperator(task_id="quiet", bash_command="exit 1", email="nobody@example.com",
                         email_on_failure=False)
    note >> [broken, quiet]
"""


VENV_DAG = """
import sys
from datetime import datetime
from airflow.decorators import dag, task
from airflow.operators.python import ExternalPythonOperator, PythonVirtualenvOperator


def doubled(v):
    return v * 2


@dag(schedule=None, start_date=datetime(2024, 1, 1))
def e2e_venv():
    @task.virtualenv(requirements=["six==1.16.0"], system_site_packages=False)
    def six_version(run_id=None):
        import six
        return {"six": six.__version__, "run": run_id}

    @task.virtualenv(requirements=["six==1.16.0"], system_site_packages=False)
    def isolated():
        import importlib.util
        return importlib.util.find_spec("fastapi") is None  # in the worker's venv only

    @task
    def check(found):
        assert found["six"] == "1.16.0", found

    check(six_version())
    isolated()
    PythonVirtualenvOperator(task_id="missing_requirement", python_callable=doubled,
                             op_args=[1], requirements=["crosswind-no-such-package==0.0.1"])
    ExternalPythonOperator(task_id="external", python=sys.executable, python_callable=doubled,
                           op_args=["ab"])


e2e_venv()
"""


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    # AUTH is offered without TLS (aiosmtpd warns when it is also required): our client
    # logs in because the connection has login and password, and a wrong pair fails.
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, auth_required=False,
                            auth_require_tls=False, authenticator=authenticate)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp(f"authoring-{backend}")
    (home / "dags").mkdir()
    (home / "dags" / "e2e_email.py").write_text(textwrap.dedent(EMAIL_DAG))
    (home / "dags" / "e2e_venv.py").write_text(VENV_DAG)
    with running_standalone(backend, home) as srv:
        yield srv


@pytest.fixture
def api(engine: Server) -> Iterator[httpx.Client]:
    with engine.client() as c:
        yield c


def test_email_operator_and_failure_email_reach_the_smtp_server(
        api: httpx.Client, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    r = api.post("/connections", json={
        "connection_id": "smtp_default", "conn_type": "smtp", "host": "127.0.0.1",
        "port": port, "login": "mailer", "password": "s3cret",
        "extra": '{"from_email": "crosswind@example.com"}'})
    assert r.status_code == 200, r.text
    run_id = trigger(api, "e2e_email")
    assert wait_run(api, "e2e_email", run_id) == "failed"
    assert task_states(api, "e2e_email", run_id) == {
        "note": "success", "broken": "failed", "quiet": "failed"}
    messages = inbox.wait(2)
    assert len(messages) == 2, messages
    by_subject = {m["Subject"]: (sender, rcpts, m) for sender, rcpts, m in messages}
    sender, rcpts, note = by_subject[f"Run {run_id}"]
    assert sender == "crosswind@example.com"
    assert sorted(rcpts) == ["boss@example.com", "dev@example.com", "ops@example.com"]
    assert note["To"] == "ops@example.com, dev@example.com" and note["CC"] == "boss@example.com"
    [html] = [p for p in note.walk() if p.get_content_type() == "text/html"]
    assert html.get_payload(decode=True).decode() == "<b>hello team</b>"
    alert = next(v for k, v in by_subject.items() if k.startswith("Airflow alert"))
    assert alert[1] == ["oncall@example.com"]
    assert f"e2e_email.broken {run_id} [failed]" in alert[2]["Subject"]


def _xcom(api: httpx.Client, run_id: str, task_id: str) -> object:
    r = api.get(f"/dags/e2e_venv/dagRuns/{run_id}/taskInstances/{task_id}"
                "/xcomEntries/return_value")
    assert r.status_code == 200, r.text
    return r.json()["value"]


def test_virtualenv_tasks_with_a_pinned_requirement(api: httpx.Client, engine: Server) -> None:
    run_id = trigger(api, "e2e_venv")
    assert wait_run(api, "e2e_venv", run_id, timeout=240) == "failed"
    assert task_states(api, "e2e_venv", run_id) == {
        "six_version": "success", "check": "success", "isolated": "success",
        "missing_requirement": "failed", "external": "success"}
    assert "1.16.0" in str(_xcom(api, run_id, "six_version"))
    assert str(_xcom(api, run_id, "isolated")) in ("True", "true")
    assert "abab" in str(_xcom(api, run_id, "external"))
    failed = log_text(api, "e2e_venv", run_id, "missing_requirement", 1)
    assert "installing the requirements ['crosswind-no-such-package==0.0.1'] failed" in failed
    assert "No matching distribution found for crosswind-no-such-package" in failed
    venvs = [p for p in (engine.home / "venvs").iterdir() if (p / "crosswind-venv-ready").exists()]
    assert len(venvs) == 1  # both six tasks share one venv; the failed one left nothing

    again = trigger(api, "e2e_venv")
    assert wait_run(api, "e2e_venv", again, timeout=120) == "failed"
    assert "Using the cached virtualenv" in log_text(api, "e2e_venv", again, "six_version", 1)
