"""arXiv's query API, replaying real recorded answers.

The answers are arXiv's own, recorded by the ``arxiv`` Python package's test suite
(``tests/contracts/arxiv/``, see its PROVENANCE): each file holds the URL asked, the status
and the Atom body. A request is answered with the recording whose ``id_list`` it asks for; an
id nobody recorded gets the recorded empty feed (what arXiv answers for an unknown id), and a
request without ``id_list`` is a violation (the client only ever asks by id).

arXiv sends no rate-limit headers and takes no credential: every request is ``anonymous``.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from .kit import Quota, Reply, Request, Response, Router, StandIn

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts" / "arxiv"
ATOM = "application/atom+xml; charset=utf-8"


def recordings() -> dict[str, tuple[int, bytes]]:
    """``id_list`` -> (status, body) of every recorded answer."""
    out: dict[str, tuple[int, bytes]] = {}
    for f in sorted(CONTRACTS.glob("*.json")):
        rec = json.loads(f.read_text())
        ids = parse_qs(urlsplit(rec["url"]).query).get("id_list", [""])[0]
        out[ids] = (int(rec["status_code"]), rec["body"].encode())
    return out


routes: Router[ArxivStandIn] = Router()


class ArxivStandIn(StandIn):
    service = "arXiv"
    router = routes
    budgets = {"requests": 10_000}
    etags = False

    def __init__(self, *, port: int = 0, validate: bool = True) -> None:
        super().__init__(port=port, validate=validate)
        self.recorded = recordings()
        self.default_cache_control = None

    def authenticate(self, req: Request) -> str | None:
        return "anonymous"

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        return {}

    def error(self, status: int, message: str) -> Reply:
        return Reply(status, message.encode(), {"content-type": "text/plain"})


@routes.route("GET", r"/api/query")
def _query(s: ArxivStandIn, req: Request) -> Response:
    ids = req.args.get("id_list")
    if not ids:
        with s.lock:
            s.violations.append(f"GET {req.path}: asked without id_list ({req.query})")
        raise s.error(400, "no id_list")
    status, body = s.recorded.get(ids, s.recorded["0000.0000"])
    return status, body, {"content-type": ATOM}
