"""REST API benchmark: listing 1,000 mirrored issues over HTTP.

Serves the API on uvicorn on 127.0.0.1 over a hub whose mirror holds ISSUES (1,000)
issues, then, from one keep-alive client, measures for REQUESTS requests each:

* the first page (``GET /issues?limit=50``),
* the whole list in one page (``limit=200``, walked by cursor: five requests per walk),
* a conditional re-read of the first page (``If-None-Match``: 304, no body),

printing requests/s and p50/p99 per request. Figures are printed, never asserted.

    python -m bench.api [ISSUES [REQUESTS]]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.client import percentiles
from tests.api.world import ALL, served

ISSUES = 1000
REQUESTS = 300


def _measure(label: str, call: object, n: int, unit: str = "req/s") -> None:
    assert callable(call)
    samples: list[float] = []
    start = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        samples.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    p50, p99 = percentiles(samples)
    print(f"  {label:<38} {n / elapsed:8.0f} {unit:<7} p50 {p50:6.2f} ms   p99 {p99:6.2f} ms")


def main(argv: list[str]) -> None:
    issues = int(argv[0]) if argv else ISSUES
    requests = int(argv[1]) if len(argv) > 1 else REQUESTS
    with tempfile.TemporaryDirectory() as tmp, served(Path(tmp), issues=issues, pulls=0) as api:
        headers = {"Authorization": f"Bearer {ALL}"}
        with httpx.Client(base_url=api.url, headers=headers) as client:
            first = client.get("/issues?limit=50")
            total = first.json()
            tag = first.headers["etag"]
            print(f"  {issues + 5} issues mirrored; first page of {len(total['items'])}")

            def page() -> None:
                client.get("/issues?limit=50").raise_for_status()

            walked: list[int] = []

            def walk() -> None:
                url: str | None = "/issues?limit=200"
                n = 0
                while url is not None:
                    doc = client.get(url).json()
                    n += len(doc["items"])
                    cursor = doc["next_cursor"]
                    url = f"/issues?limit=200&cursor={cursor}" if cursor else None
                walked.append(n)

            def cached() -> None:
                r = client.get("/issues?limit=50", headers={"If-None-Match": tag})
                assert r.status_code == 304

            _measure("GET /issues?limit=50", page, requests)
            _measure("every page, limit=200 (a walk)", walk, max(1, requests // 5), "walks/s")
            _measure("GET /issues?limit=50, If-None-Match", cached, requests)
            print(f"  a walk saw {walked[0]} issues")


if __name__ == "__main__":
    main(sys.argv[1:])
