"""8 threads x 200 variable writes and reads against one server: zero 5xx, every row there."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from support import unique

THREADS, PER_THREAD = 8, 200


def test_concurrent_variable_writes_and_reads(make_server) -> None:
    # A server of its own: 1,600 rows would crowd other tests' lists on the shared one.
    server = make_server()
    prefix = unique("conc")

    def work(t: int) -> list[str]:
        problems = []
        with server.client() as c:
            for i in range(PER_THREAD):
                key = f"{prefix}_{t}_{i}"
                w = c.post("/variables", json={"key": key, "val": str(i)})
                r = c.get(f"/variables/{key}")
                if w.status_code != 200 or r.status_code != 200 or r.json()["val"] != str(i):
                    problems.append(f"{key}: POST {w.status_code} GET {r.status_code}")
        return problems

    with ThreadPoolExecutor(THREADS) as pool:
        problems = [p for found in pool.map(work, range(THREADS)) for p in found]
    assert problems == []

    keys = set()
    with server.client() as c:
        offset = 0
        while True:
            page = c.get("/variables", params={"limit": 100, "offset": offset, "order_by": "key"})
            assert page.status_code == 200
            batch = page.json()["variables"]
            if not batch:
                break
            keys |= {v["key"] for v in batch if v["key"].startswith(prefix)}
            offset += len(batch)
    assert len(keys) == THREADS * PER_THREAD
    assert "Traceback" not in server.log()
