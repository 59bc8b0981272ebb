"""Everything made through the API survives a server restart (same home, same database)."""

from __future__ import annotations

import json

from support import unique


def test_state_survives_restart(make_server) -> None:
    srv = make_server()
    key, cid, pool, name = unique("var"), unique("conn"), unique("pool"), unique("u")
    with srv.client() as c:
        assert c.post("/variables", json={"key": key, "val": "kept"}).status_code == 200
        assert c.post("/connections", json={"connection_id": cid, "conn_type": "http",
                                            "password": "p4ss", "extra": '{"a": 1}'}
                      ).status_code == 200
        assert c.post("/pools", json={"name": pool, "slots": 7}).status_code == 200
        assert c.post("/users", json={"username": name, "email": f"{name}@example.com",
                                      "password": "user-pw-1", "roles": [{"name": "Viewer"}]}
                      ).status_code == 200
        secret = c.post(f"/users/{name}/tokens", json={"name": "t", "scopes": ["read"]}
                        ).json()["token"]
    srv.restart()
    with srv.client() as c:
        assert c.get(f"/variables/{key}").json()["val"] == "kept"
        assert json.loads(c.get(f"/connections/{cid}").json()["extra"]) == {"a": 1}
        assert c.get(f"/pools/{pool}").json()["slots"] == 7
        assert c.get(f"/users/{name}").json()["roles"] == [{"name": "Viewer"}]
        assert c.get("/pools/default_pool").json()["slots"] == 128
    with srv.client(auth=(name, "user-pw-1")) as c:
        assert c.get("/variables").status_code == 403  # known, a Viewer
    with srv.client(auth=None, headers={"Authorization": f"Bearer {secret}"}) as c:
        assert c.get("/users").status_code == 403 and c.get("/pools").status_code == 403
        assert c.get(f"/users/{name}/tokens").status_code == 200
