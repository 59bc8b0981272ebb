"""Secrets at rest: read the database directly; no plaintext password, extra or variable value.

Every text column of every table is scanned, so a secret copied somewhere else (event log,
a new table) is caught too.
"""

from __future__ import annotations

import json

import httpx
from sqlalchemy import MetaData, select

from support import unique
from support.direct_db import engine_for


def _all_text(url: str) -> str:
    with engine_for(url) as engine:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as c:
            return "\n".join(
                str(value)
                for table in meta.sorted_tables
                for row in c.execute(select(table))
                for value in row
                if value is not None
            )


def test_secrets_are_encrypted_at_rest(server, api: httpx.Client) -> None:
    marker = unique("PLAIN")
    password, extra_secret, var_value = f"{marker}-pw", f"{marker}-extra", f"{marker}-var"
    user_pw = f"{marker}-userpw"
    cid = unique("conn")
    assert api.post("/connections", json={
        "connection_id": cid, "conn_type": "http", "password": password,
        "extra": json.dumps({"endpoint": extra_secret})}).status_code == 200
    assert api.post("/variables", json={"key": unique("plain_key"), "val": var_value}
                    ).status_code == 200
    name = unique("u")
    r = api.post("/users", json={"username": name, "email": f"{name}@example.com",
                                 "password": user_pw})
    assert r.status_code == 200
    # Not a secret: a non-sensitive extra value is shown decrypted over the API.
    assert extra_secret in api.get(f"/connections/{cid}").json()["extra"]

    stored = _all_text(server.database_url)
    assert cid in stored and name in stored  # the scan does see the rows
    for plain in (password, extra_secret, var_value, user_pw, marker):
        assert plain not in stored
    assert "$argon2" in stored  # the user's password is stored as an argon2 hash


def test_no_hash_in_user_responses(api: httpx.Client, af_api: httpx.Client) -> None:
    for client in (api, af_api):
        for r in (client.get("/users", params={"limit": 100}), client.get("/users/admin")):
            assert r.status_code == 200
            assert "argon2" not in r.text and "password" not in r.text
