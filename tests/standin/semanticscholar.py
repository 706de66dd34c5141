"""The Semantic Scholar Graph API's paper lookup, built from its documented shapes.

No contract is published in a form usable offline (the Graph API's OpenAPI description is
served only from https://api.semanticscholar.org/graph/v1/swagger.json), so this stand-in
follows the documentation at https://api.semanticscholar.org/api-docs/graph:

- ``GET /graph/v1/paper/{paper_id}?fields=a,b,c`` where ``paper_id`` is a 40-hex S2 id,
  ``CorpusId:N``, ``DOI:10.…`` or ``ARXIV:NNNN.NNNNN`` -> the paper with ``paperId`` and
  exactly the fields asked (unknown ones: 400 ``{"error": "Unrecognized or unsupported
  fields: [...]"}``); unknown paper: 404 ``{"error": "Paper not found"}``; a malformed id:
  400 ``{"error": "..."}``.
- ``x-api-key`` is optional; a key not in ``tokens`` is 403 ``{"message": "Forbidden"}``.
- ``throttle`` answers that many next requests 429 ``{"message": "Too Many Requests...",
  "code": "429"}`` without Retry-After (what anonymous callers see often).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from .kit import Quota, Reply, Request, Response, Router, StandIn

KNOWN_FIELDS = {
    "paperId", "corpusId", "externalIds", "url", "title", "abstract", "venue",
    "publicationVenue", "year", "referenceCount", "citationCount", "influentialCitationCount",
    "isOpenAccess", "openAccessPdf", "fieldsOfStudy", "s2FieldsOfStudy", "publicationTypes",
    "publicationDate", "journal", "citationStyles", "authors", "tldr",
}  # fmt: skip
SHA = re.compile(r"^[0-9a-f]{40}$")

routes: Router[S2StandIn] = Router()


class S2StandIn(StandIn):
    service = "Semantic Scholar"
    router = routes
    budgets = {"requests": 10_000}
    etags = False

    def __init__(self, *, port: int = 0, validate: bool = True) -> None:
        super().__init__(port=port, validate=validate)
        self.papers: dict[str, dict[str, Any]] = {}
        self.throttle = 0
        self.default_cache_control = None

    def add(self, paper_id: str, **fields: Any) -> dict[str, Any]:
        paper = {"paperId": paper_id, **fields}
        self.papers[paper_id] = paper
        return paper

    def find(self, ident: str) -> dict[str, Any] | None:
        kind, sep, value = ident.partition(":")
        if not sep:
            return self.papers.get(ident)
        key = {"doi": "DOI", "arxiv": "ArXiv", "corpusid": "CorpusId"}.get(kind.lower())
        if key is None:
            raise self.error(400, f"Unsupported paper id prefix: {kind}")
        for p in self.papers.values():
            ext = p.get("externalIds") or {}
            got = ext.get(key)
            if got is not None and str(got).lower() == value.lower():
                return p
        return None

    def authenticate(self, req: Request) -> str | None:
        key = req.headers.get("x-api-key")
        if key is None:
            return "anonymous"
        return self.tokens.get(key)

    def unauthorized(self, req: Request) -> Reply:
        return Reply(403, {"message": "Forbidden"})

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        return {}

    def error(self, status: int, message: str) -> Reply:
        return Reply(status, {"error": message})


@routes.route("GET", r"/graph/v1/paper/(?P<id>.+)")
def _paper(s: S2StandIn, req: Request) -> Response:
    if s.throttle > 0:
        s.throttle -= 1
        raise Reply(
            429,
            {"message": "Too Many Requests. Please wait and try again or apply for a key "
             "for higher rate limits.", "code": "429"},
        )  # fmt: skip
    fields = [f for f in req.args.get("fields", "title").split(",") if f]
    unknown = [f for f in fields if f not in KNOWN_FIELDS]
    if unknown:
        raise s.error(400, f"Unrecognized or unsupported fields: {unknown}")
    ident = unquote(req.path_args["id"])
    if ":" not in ident and not SHA.match(ident):
        raise s.error(400, f"Invalid paper id: {ident}")
    paper = s.find(ident)
    if paper is None:
        raise s.error(404, "Paper not found")
    return 200, {"paperId": paper["paperId"], **{f: paper.get(f) for f in fields}}, {}
