"""The API's security findings (issue 12): no username probing, password-guess back-off,
the last active Admin kept, oversized bodies refused before they are read.

These run on a server of their own: the back-off is per client address, so guesses made
here must not hold up other tests' sign-ins on the shared server (and vice versa)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

import httpx
import pytest

from support import unique
from support.databases import database_for
from support.servers import Server


@pytest.fixture(scope="module")
def own(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp(f"sec-{backend}")
    with database_for(backend, home) as url:
        srv = Server(home, url, env={"CROSSWIND_MAX_REQUEST_BODY_BYTES": "65536"}).start()
        try:
            yield srv
        finally:
            srv.stop()


def _user(api: httpx.Client, role: str = "Op") -> tuple[str, str]:
    name, pw = unique(role.lower()), "pw-" + unique("x")
    r = api.post("/users", json={"username": name, "email": f"{name}@example.com",
                                 "password": pw, "roles": [{"name": role}],
                                 "first_name": "T", "last_name": "U"})
    assert r.status_code == 200, r.text
    return name, pw


def _status(srv: Server, auth: tuple[str, str]) -> int:
    with srv.client(auth=auth) as c:
        return c.get("/pools").status_code


def test_unknown_username_costs_the_same_check_as_a_wrong_password(own: Server) -> None:
    with own.client() as api:
        name, _ = _user(api)

    def cost(auth: tuple[str, str]) -> float:
        t0 = time.perf_counter()
        assert _status(own, auth) == 401
        return time.perf_counter() - t0

    # 4 of each: under both back-off thresholds. Before the fix: ~2 ms against ~250 ms.
    wrong = statistics.median(cost((name, unique("bad"))) for _ in range(4))
    unknown = statistics.median(cost((unique("ghost"), "pw")) for _ in range(4))
    assert unknown > wrong / 3, (unknown, wrong)
    with own.client() as api:  # a success clears this address's count for the next tests
        assert api.get("/pools").status_code == 200


def test_repeated_wrong_passwords_back_off_and_are_logged(own: Server) -> None:
    with own.client() as api:
        victim, pw = _user(api)
        bystander, bpw = _user(api)
    for _ in range(5):
        assert _status(own, (victim, "wrong")) == 401
    with own.client(auth=(victim, pw)) as c:
        r = c.get("/pools")
    # Even the right password waits now: checking it would cost argon2 again.
    assert r.status_code == 429, r.text
    assert int(r.headers["Retry-After"]) >= 1
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "try again" in r.json()["detail"]
    # Another user from the same address is not held up.
    assert _status(own, (bystander, bpw)) == 200
    with own.client() as api:
        events = api.get("/eventLogs", params={"event": "login.throttled", "owner": victim}
                         ).json()["event_logs"]
    assert [e["owner"] for e in events] == [victim]
    # The wait is short: the real user gets in once it is over.
    deadline = time.monotonic() + 10
    while (status := _status(own, (victim, pw))) == 429:
        assert time.monotonic() < deadline, "the back-off did not end"
        time.sleep(0.2)
    assert status == 200


def test_the_last_active_admin_cannot_be_removed_demoted_or_deactivated(own: Server) -> None:
    with own.client() as api:
        # `admin` is this server's only Admin.
        assert api.delete("/users/admin").status_code == 400  # not yourself, as before
        other, other_pw = _user(api, "Admin")
    with own.client(auth=(other, other_pw)) as second:
        # With two active Admins, one may be demoted; then the other is the last.
        assert second.patch("/users/admin", json={"roles": [{"name": "Op"}]}).status_code == 200
        for body in ({"roles": [{"name": "Viewer"}]}, {"is_admin": False},
                     {"is_active": False}):
            r = second.patch(f"/users/{other}", json=body)
            assert r.status_code == 409 and "last active Admin" in r.json()["detail"], r.text
    with own.client(auth=(other, other_pw)) as second:
        assert second.patch("/users/admin", json={"roles": [{"name": "Admin"}]}
                            ).status_code == 200
        assert second.get(f"/users/{other}").json()["roles"] == [{"name": "Admin"}]
    with own.client() as api:
        assert api.delete(f"/users/{other}").status_code == 204
        r = api.patch("/users/admin", json={"is_active": False})
        assert r.status_code == 409, r.text
        assert api.get("/users/admin").json()["is_active"] is True


def test_request_bodies_over_the_limit_get_413_before_they_are_read(own: Server) -> None:
    key = unique("big")
    with own.client() as api:
        big = {"key": key, "value": "x" * 70_000}
        r = api.post("/variables", json=big)
        assert r.status_code == 413, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "65536" in r.json()["detail"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
            yield b'{"key": "' + key.encode() + b'", "value": "'
            for _ in range(10):
                yield b"y" * 10_000
            yield b'"}'

        r = api.post("/variables", content=chunks(),
                     headers={"content-type": "application/json"})
        assert r.status_code == 413, r.text
        assert api.get(f"/variables/{key}").status_code == 404  # nothing was created

        def small() -> Iterator[bytes]:
            yield b'{"key": "' + key.encode() + b'", '
            yield b'"value": "fits"}'

        r = api.post("/variables", content=small(), headers={"content-type": "application/json"})
        assert r.status_code == 200, r.text
        assert api.get(f"/variables/{key}").json()["value"] == "fits"
        run = api.post("/dags/no_such_dag/dagRuns", json={"conf": {"blob": "z" * 70_000}})
        assert run.status_code == 413
