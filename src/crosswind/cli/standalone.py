"""`crosswind standalone`: API server, DAG processor, scheduler and local executor.

Process tree (children forked early from a parent that has imported the common modules,
with `gc.freeze()` first, so they share those pages and start in parallel):

    standalone (API server, uvicorn)  ── scheduler (+ DAG processor thread) ── fork server
                                                     │                       └─ task tries
                                                     └─ triggerer (on demand, restarted if it dies)

Forks happen before the parent starts any thread. Ctrl-C / SIGTERM: the API stops, the
children get SIGTERM and are waited for; a child that dies takes the others down too.

The port is bound first: a taken port stops the command before it touches the database.
A generated admin password is written to `$CROSSWIND_HOME/standalone_admin_password.txt`
(mode 0600, as Airflow's standalone) and printed, with the file's path, once the server
listens, at every start while that file exists.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable

import click

from crosswind.cli.context import settings_and_db
from crosswind.cli.server import KEEP_ALIVE_SECONDS, SHUTDOWN_GRACE_SECONDS
from crosswind.settings import Settings

log = logging.getLogger("crosswind.standalone")


def _die_with_parent() -> None:
    # PR_SET_PDEATHSIG: a kill -9 of standalone must not leave orphans behind.
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def _fork(name: str, body: Callable[[], None]) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 0
    try:
        _die_with_parent()
        body()
    except BaseException:
        log.exception("%s crashed", name)
        code = 1
    finally:
        os._exit(code)


def _engine(settings: Settings) -> None:
    """The scheduler on the main thread, the DAG processor on a second thread of the same
    process: one process fewer (~15 MiB less memory), and neither is busy for long at the
    same time as the other. The local executor starts its fork server as a fresh
    interpreter (fork + exec), so the thread does not constrain it."""
    from crosswind.db.engine import Database
    from crosswind.scheduling.loop import make_runner

    runner = make_runner(settings)
    stop = threading.Event()

    def processor() -> None:
        from crosswind.dags.processor import run_dag_processor

        try:
            run_dag_processor(settings, Database(settings.db_url, pool_size=2), stop)
        except BaseException:  # a half-running standalone misleads: stop all of it
            if not stop.is_set():
                log.exception("DAG processor crashed; stopping standalone")
                os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=processor, name="dag-processor", daemon=True)
    thread.start()
    from crosswind.triggerer.launcher import TriggererLauncher

    launcher = TriggererLauncher(settings, stop)
    launcher.start()
    # Ctrl-C reaches the whole process group and the parent relays it as SIGTERM too: both
    # only ask for the graceful stop; the parent sends SIGUSR1 for the immediate one.
    signal.signal(signal.SIGINT, runner.request_graceful_stop)
    signal.signal(signal.SIGTERM, runner.request_graceful_stop)
    signal.signal(signal.SIGUSR1, runner.request_stop_now)
    try:
        runner.run()
    finally:
        stop.set()
        thread.join(timeout=10)
        launcher.join(timeout=15)


def _preload_common() -> None:
    """Import what every component uses before forking, so the children share it; the
    API stack (FastAPI, pydantic schemas) is imported by the parent after the forks and
    the engine stack by each child, so they load in parallel on separate cores."""
    import crosswind.models
    import crosswind.store.dag_runs  # noqa: F401


def _stop_children(pids: dict[int, str], timeout: float = 15.0) -> None:
    """SIGTERM: the scheduler lets running tries finish (CROSSWIND_SHUTDOWN_GRACE_SECONDS);
    a second Ctrl-C here sends SIGUSR1, which stops them at once (they run again later)."""
    def now(*_: object) -> None:
        log.warning("stopping running tries now")
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGUSR1)
    signal.signal(signal.SIGINT, now)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pids and time.monotonic() < deadline:
        for pid in list(pids):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                pids.pop(pid)
        time.sleep(0.02)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _watch_children(pids: dict[int, str]) -> None:
    """If a component dies, stop the whole standalone (a half-running system misleads)."""
    def check(*_: object) -> None:
        for pid, name in list(pids.items()):
            with contextlib.suppress(ChildProcessError):
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    pids.pop(pid)
                    code = os.waitstatus_to_exitcode(status)
                    # Exit 0 is a clean stop: Ctrl-C or a group SIGTERM reaches the
                    # children as well as us. Anything else is a crash.
                    log.log(logging.INFO if code == 0 else logging.ERROR,
                            "%s exited (code %s); stopping standalone", name, code)
                    os.kill(os.getpid(), signal.SIGTERM)
    signal.signal(signal.SIGCHLD, check)


PASSWORD_FILE = "standalone_admin_password.txt"


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, before anything else happens; one line when it cannot be had."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, _, _, _, address = infos[0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}"
                                   ) from None
    return sock


def _prepare(settings: Settings) -> str | None:
    """Migrate and bootstrap; the admin password to announce (a generated one is written to
    the password file first, so it cannot be lost), or None."""
    from crosswind.store.bootstrap import prepare

    _, db = settings_and_db()
    generated = prepare(db, settings, generate_admin=True)
    db.dispose()
    path = settings.home / PASSWORD_FILE
    if generated:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(generated[1] + "\n")
        os.chmod(path, 0o600)  # an older file of wider mode keeps its mode through O_TRUNC
        return generated[1]
    if path.is_file() and not (settings.admin_username and settings.admin_password):
        return path.read_text().strip() or None
    return None


def _announce(settings: Settings, host: str, port: int, password: str | None) -> None:
    click.echo(f"Crosswind standalone listening on http://{host}:{port}/api/v1 "
               f"(Airflow dialect: /airflow/api/v1); DAGs: {settings.dags_path}")
    click.echo(f"Crosswind web UI on http://{host}:{port}/")
    if password:
        click.echo(f"Login with username: admin  password: {password}  (stored in "
                   f"{settings.home / PASSWORD_FILE})")


def _serve(app: object, sock: socket.socket, when_listening: Callable[[], None],
           log_config: dict[str, object], access_log: bool) -> None:
    import uvicorn

    class _Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                when_listening()

    config = uvicorn.Config(app, log_config=log_config, access_log=access_log,
                            timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
                            timeout_keep_alive=KEEP_ALIVE_SECONDS)
    _Server(config).run(sockets=[sock])


@click.command("standalone")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", "-p", default=8080, show_default=True, type=int)
def standalone(host: str, port: int) -> None:
    """API server, DAG processor, scheduler and local executor in one command."""
    from crosswind.cli.logs import configure as configure_logging
    from crosswind.settings import load_settings

    settings = load_settings()
    log_config = configure_logging(settings, "WARNING")
    sock = _bind(host, port)
    password = _prepare(settings)
    _preload_common()
    gc.freeze()  # keep the garbage collector from dirtying pages the children share

    def engine() -> None:
        sock.close()  # the port is the API's: a surviving child must not hold it
        _engine(settings)

    pids = {_fork("scheduler and DAG processor", engine): "scheduler"}
    _watch_children(pids)
    from crosswind.api.app import build_state, create_app

    try:
        app = create_app(build_state(settings))
        # Open event streams (GET /api/v1/events) never end on their own: the grace
        # timeout cuts them.
        _serve(app, sock, lambda: _announce(settings, host, port, password), log_config,
               settings.access_log)
    finally:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _stop_children(pids, timeout=settings.shutdown_grace_seconds + 15)


COMMANDS = [standalone]
