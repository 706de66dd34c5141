"""Crossref's REST API (``/works/{doi}``), replaying real recorded sessions.

The sessions are Crossref's own, recorded as vcrpy cassettes by the ``habanero`` package's
test suite (``tests/contracts/crossref/``, see its PROVENANCE). A request is answered with
the recording of the same method, path and query -- ``mailto`` aside, the polite-pool
parameter the recordings were made without (it is kept in the log for tests to read); a DOI
nobody recorded is Crossref's 404, ``Resource not found.`` as text/plain. Recorded headers
are replayed (``x-rate-limit-limit``, ``x-rate-limit-interval``), the body decompressed.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import yaml

from .kit import Quota, Reply, Request, Response, Router, StandIn

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts" / "crossref"
#: Recorded headers not replayed: the body is sent decompressed, with a length of its own.
DROPPED = {"content-encoding", "transfer-encoding", "content-length", "connection", "date"}

Key = tuple[str, str, tuple[tuple[str, str], ...]]


def _key(method: str, path: str, query: list[tuple[str, str]]) -> Key:
    return method.upper(), path, tuple(sorted((k, v) for k, v in query if k != "mailto"))


def recordings() -> dict[Key, tuple[int, dict[str, str], bytes]]:
    out: dict[Key, tuple[int, dict[str, str], bytes]] = {}
    for f in sorted(CONTRACTS.glob("*.yaml")):
        for i in yaml.safe_load(f.read_text())["interactions"]:
            req, resp = i["request"], i["response"]
            parts = urlsplit(req["uri"])
            body = resp["body"]["string"]
            if isinstance(body, bytes) and body[:2] == b"\x1f\x8b":
                body = gzip.decompress(body)
            elif isinstance(body, str):
                body = body.encode()
            headers = {
                k.lower(): v[0] for k, v in resp["headers"].items() if k.lower() not in DROPPED
            }
            key = _key(req["method"], parts.path, parse_qsl(parts.query))
            out[key] = (int(resp["status"]["code"]), headers, body)
    return out


routes: Router[CrossrefStandIn] = Router()


class CrossrefStandIn(StandIn):
    service = "Crossref"
    router = routes
    budgets = {"requests": 10_000}
    etags = False

    def __init__(self, *, port: int = 0, validate: bool = True) -> None:
        super().__init__(port=port, validate=validate)
        self.recorded = recordings()

    def authenticate(self, req: Request) -> str | None:
        return "anonymous"

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        return {"x-rate-limit-limit": "5", "x-rate-limit-interval": "1s"}

    def error(self, status: int, message: str) -> Reply:
        return Reply(status, message.encode(), {"content-type": "text/plain"})


@routes.route("GET", r"/works/(?P<doi>.+)")
def _work(s: CrossrefStandIn, req: Request) -> Response:
    hit = s.recorded.get(_key(req.method, req.path, req.query))
    if hit is None:
        raise s.error(404, "Resource not found.")
    status, headers, body = hit
    return status, body, headers
