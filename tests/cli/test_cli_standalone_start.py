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
