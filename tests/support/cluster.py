"""A scale-out Crosswind deployment as separate processes, for tests and bench/.

`Cluster` starts API servers, schedulers, Celery workers and the DAG processor on one
database and one broker, each a real `crosswind ...` subprocess in its own process group
(so `kill(-9)` takes a worker with its fork server and tries, like a lost host). Brokers:
`private_redis()` runs a redis-server of the test's own on a free port (restartable without
disturbing anybody); `rabbit_vhost()` gives a fresh RabbitMQ vhost on the shared server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from cryptography.fernet import Fernet

from support.processes import Process
from support.servers import ADMIN, Server, free_port


def wait_for(check: Callable[[], object], timeout: float, what: str,
             interval: float = 0.1) -> object:
    """Poll `check()` until it returns something truthy; AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class PrivateRedis:
    """redis-server on a free port, no persistence: a restart loses every message."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for(self.ping, 10, "redis-server to answer")
        return self

    def ping(self) -> bool:
        done = subprocess.run(["redis-cli", "-p", str(self.port), "ping"],
                              capture_output=True, text=True, check=False)
        return done.stdout.strip() == "PONG"

    def queue_length(self, queue: str) -> int:
        done = subprocess.run(["redis-cli", "-p", str(self.port), "llen", queue],
                              capture_output=True, text=True, check=False)
        return int(done.stdout.strip() or 0)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
                           capture_output=True, check=False)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


def redis_queue_length(url: str, queue: str) -> int:
    """Messages waiting in a Celery queue on the Redis of `url` (-1 if it does not answer)."""
    import redis

    try:
        return int(redis.Redis.from_url(url).llen(queue))
    except redis.RedisError:
        return -1


@contextmanager
def private_redis(workdir: Path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        raise RuntimeError("redis-server is not installed")
    redis = PrivateRedis(workdir).start()
    try:
        yield redis
    finally:
        redis.stop()


def rabbitmqctl(*args: str) -> str:
    done = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True,
                          check=True, timeout=60)
    return done.stdout


@contextmanager
def rabbit_vhost(base_url: str) -> Iterator[tuple[str, str]]:
    """A fresh vhost on the shared RabbitMQ: yields (its amqp URL, its name)."""
    vhost = f"cw_{uuid.uuid4().hex[:10]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        parts = urlsplit(base_url)
        yield f"{parts.scheme}://{parts.netloc}/{vhost}", vhost
    finally:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True,
                       check=False, timeout=60)


def rabbit_queue_length(vhost: str, queue: str) -> int:
    """Messages ready in `queue`; -1 while the node does not answer (being restarted)."""
    try:
        out = rabbitmqctl("list_queues", "-p", vhost, "name", "messages",
                          "--no-table-headers")
    except subprocess.CalledProcessError:
        return -1
    for line in out.splitlines():
        name, _, count = line.strip().partition("\t")
        if name == queue:
            return int(count or 0)
    return 0


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def restart_rabbit(vhost: str) -> bool:
    """stop_app/start_app of the shared RabbitMQ node (durable queues and persistent
    messages survive), but only while nobody but these tests (vhosts `cw_*`, built to
    survive a broker restart) is connected; False if it would have disturbed others."""
    out = rabbitmqctl("list_connections", "vhost", "--no-table-headers")
    conns = [line.strip() for line in out.splitlines() if line.strip()]
    if any(not v.startswith("cw_") for v in conns):
        return False
    rabbitmqctl("stop_app")
    rabbitmqctl("start_app")
    return True


class Cluster:
    """Processes of one deployment: shared database, broker, DAGs folder and Fernet key."""

    def __init__(self, root: Path, database_url: str, broker_url: str,
                 settings: dict[str, str] | None = None) -> None:
        self.root = root
        self.dags = root / "dags"
        self.dags.mkdir(parents=True, exist_ok=True)
        self.log_port = free_port()
        self.base_env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSWIND_")}
        self.base_env.update(
            CROSSWIND_DATABASE_URL=database_url,
            CROSSWIND_EXECUTOR="celery",
            CROSSWIND_BROKER_URL=broker_url,
            CROSSWIND_DAGS_FOLDER=str(self.dags),
            CROSSWIND_FERNET_KEY=Fernet.generate_key().decode(),
            CROSSWIND_WORKER_LOG_SERVER_PORT=str(self.log_port),
            CROSSWIND_ADMIN_USERNAME=ADMIN[0],
            CROSSWIND_ADMIN_PASSWORD=ADMIN[1],
            CROSSWIND_DAGS_ARE_PAUSED_AT_CREATION="false",
        )
        self.base_env.update(settings or {})
        self.procs: dict[str, Process] = {}
        self.servers: list[Server] = []

    def env(self, name: str, **extra: str) -> dict[str, str]:
        home = self.root / name
        home.mkdir(parents=True, exist_ok=True)
        return {**self.base_env, "CROSSWIND_HOME": str(home), **extra}

    def _start(self, name: str, args: list[str], **extra: str) -> Process:
        proc = Process(args, self.env(name, **extra), self.root / f"{name}.log").start()
        self.procs[name] = proc
        return proc

    def api_server(self, workers: int = 1) -> Server:
        server = ApiServer(self.root / "api", self.base_env["CROSSWIND_DATABASE_URL"],
                           env={**self.base_env, "CROSSWIND_HOME": str(self.root / "api")})
        server.workers = workers
        self.servers.append(server)
        return server.start(timeout=60)

    def scheduler(self, name: str) -> Process:
        return self._start(name, ["scheduler"])

    def dag_processor(self, name: str = "dag-processor") -> Process:
        return self._start(name, ["dag-processor"])

    def worker(self, name: str, queues: str, concurrency: int = 4,
               address: str = "127.0.0.1", home: str | None = None) -> Process:
        """A worker whose log server listens on `address` (127.0.0.x: one per worker);
        `home` reuses another worker's home and logs (the same host coming back)."""
        args = ["worker", "--queues", queues, "--concurrency", str(concurrency)]
        env = self.env(home or name, CROSSWIND_HOSTNAME=address,
                       CROSSWIND_WORKER_LOG_SERVER_HOST=address)
        proc = Process(args, env, self.root / f"{name}.log").start()
        self.procs[name] = proc
        return proc

    def wait_ready(self, name: str, marker: str, timeout: float = 60) -> None:
        proc = self.procs[name]

        def ready() -> bool:
            if not proc.alive():
                raise AssertionError(f"{name} exited:\n{proc.log()[-3000:]}")
            return marker in proc.log()

        wait_for(ready, timeout, f"{name} to print {marker!r}")

    def kill(self, name: str) -> None:
        """kill -9 the process and every descendant (a lost host: its tries die with it;
        task processes run in sessions of their own, so the group is not enough)."""
        proc = self.procs[name]
        assert proc.proc is not None
        os.killpg(proc.proc.pid, signal.SIGSTOP)  # freeze: no new fork while we look
        for pid in descendants(proc.proc.pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if os.getpgid(pid) == pid:  # a try's own group: its subprocesses too
                    os.killpg(pid, signal.SIGKILL)
                os.kill(pid, signal.SIGKILL)
        proc.stop(signal.SIGKILL)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            proc.stop()
        for server in self.servers:
            server.stop()


class ApiServer(Server):
    """`crosswind api-server --workers N` (Server starts it without options)."""

    workers = 1

    def start(self, timeout: float = 30) -> ApiServer:
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "crosswind", "api-server", "--port", str(self.port),
                 "--workers", str(self.workers)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(self._healthy, timeout, f"API server:\n{self.log()[-2000:]}", 0.05)
        return self

    def _healthy(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"API server exited:\n{self.log()[-3000:]}")
        try:
            return httpx.get(self.url + "/api/v1/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False
