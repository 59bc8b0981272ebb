"""`crosswind standalone` start: the port first, the generated password kept in a file."""

from __future__ import annotations

import socket
import stat
import subprocess
import sys
from pathlib import Path

import httpx

from support.servers import Server


def test_taken_port_then_password_file(tmp_path: Path) -> None:
    no_admin = {"CROSSWIND_ADMIN_USERNAME": "", "CROSSWIND_ADMIN_PASSWORD": ""}
    server = Server(tmp_path, f"sqlite:///{tmp_path / 'crosswind.db'}", command="standalone",
                    env=no_admin)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", server.port))
        taken.listen()
        done = subprocess.run([sys.executable, "-m", "crosswind", "standalone", "--port",
                               str(server.port)], env=server.env, capture_output=True,
                              text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"Error: cannot listen on 127.0.0.1:{server.port}: Address already in use"]
    assert not (tmp_path / "crosswind.db").exists()  # nothing happened: no admin lost
    password_file = tmp_path / "standalone_admin_password.txt"
    assert not password_file.exists()

    server.start()
    try:
        password = password_file.read_text().strip()
        assert stat.S_IMODE(password_file.stat().st_mode) == 0o600 and len(password) >= 12
        out = server.log()
        listening = out.index("Crosswind standalone listening on")
        assert out.index(f"password: {password}") > listening
        auth = httpx.get(f"{server.url}/api/v1/dags", auth=("admin", password), timeout=30)
        assert auth.status_code == 200
        server.restart()  # a second start: no new admin, the same password shown again
        assert password_file.read_text().strip() == password
        assert server.log().count(f"password: {password}") == 2
    finally:
        server.stop()


def test_json_console_with_access_log(tmp_path: Path) -> None:
    import json

    server = Server(tmp_path, f"sqlite:///{tmp_path / 'crosswind.db'}", env={
        "CROSSWIND_LOG_FORMAT": "json", "CROSSWIND_ACCESS_LOG": "true",
        "CROSSWIND_LOG_LEVEL": "info"})
    server.start()
    try:
        assert httpx.get(f"{server.url}/api/v1/version", timeout=30).status_code in (200, 401)
    finally:
        server.stop()
    records = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    assert records and all({"ts", "level", "logger", "message"} <= r.keys() for r in records)
    access = [r["message"] for r in records if r["logger"] == "uvicorn.access"]
    assert any('"GET /api/v1/version HTTP/1.1"' in m for m in access), access
    assert not any("alembic" in r["logger"] for r in records)

    quiet = Server(tmp_path, f"sqlite:///{tmp_path / 'crosswind.db'}")
    quiet.start()
    try:
        httpx.get(f"{quiet.url}/api/v1/version", timeout=30)
    finally:
        quiet.stop()
    assert "/api/v1/version" not in quiet.log()  # no access log unless asked
