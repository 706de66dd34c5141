"""Qdrant's REST API, served by qdrant-client's local mode (``QdrantClient(":memory:")``),
so collections, upserts, deletes and cosine queries behave as Qdrant's own code has them.

Contract: every request body and every answer is validated with the pydantic models of
``qdrant_client/http/models/models.py``, which qdrant-client generates from Qdrant's OpenAPI
description (``openapi.json`` in the qdrant repository), so they are that description's
schemas: a body the models refuse is a body Qdrant refuses. The stand-in records it as a
violation and answers 400 with Qdrant's error shape ``{"status": {"error": ...}}``.

Routes: ``GET /``, ``GET /collections``, ``GET|PUT /collections/{c}``,
``PUT /collections/{c}/points?wait=``, ``POST /collections/{c}/points/delete``,
``POST /collections/{c}/points/query``. Auth: the ``api-key`` header (or ``Authorization:
Bearer``) naming a key in ``tokens``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import qdrant_client
from pydantic import BaseModel, TypeAdapter, ValidationError
from qdrant_client import QdrantClient
from qdrant_client.http import models as m

from .kit import Reply, Request, Response, Router, StandIn

MODELS = Path(qdrant_client.__file__).parent / "http" / "models" / "models.py"

routes: Router[QdrantStandIn] = Router()

_BODIES: dict[tuple[str, str], Any] = {
    ("PUT", "collection"): TypeAdapter(m.CreateCollection),
    ("PUT", "points"): TypeAdapter(m.PointInsertOperations),
    ("POST", "delete"): TypeAdapter(m.PointsSelector),
    ("POST", "query"): TypeAdapter(m.QueryRequest),
}


def _endpoint(req: Request) -> str | None:
    parts = req.path.strip("/").split("/")
    if len(parts) == 2 and parts[0] == "collections":
        return "collection"
    if len(parts) == 3 and parts[2] == "points":
        return "points"
    if len(parts) == 4 and parts[2] == "points":
        return parts[3]
    return None


@dataclass
class PydanticContract:
    """The generated models as a contract: request bodies checked by endpoint."""

    path: Path = MODELS

    def available(self) -> bool:
        return self.path.is_file()

    def warm(self) -> None:
        pass

    def check(self, req: Request) -> list[str]:
        adapter = _BODIES.get((req.method, _endpoint(req) or ""))
        if adapter is None:
            return []
        try:
            adapter.validate_json(req.body or b"null")
        except ValidationError as exc:
            return [f"{req.method} {req.path}: {exc}"]
        return []


class QdrantStandIn(StandIn):
    service = "Qdrant"
    router = routes
    contract = PydanticContract()
    etags = False  # Qdrant sends none

    def __init__(
        self, keys: dict[str, str] | None = None, *, port: int = 0, validate: bool = True
    ) -> None:
        super().__init__(port=port, validate=validate)
        self.tokens.update(keys or {"qk-ada": "ada"})
        self.db = QdrantClient(":memory:")
        self.default_cache_control = None

    def error(self, status: int, message: str) -> Reply:
        return Reply(status, {"status": {"error": message}, "time": 0.0})

    def authenticate(self, req: Request) -> str | None:
        key = req.headers.get("api-key")
        if key is None:
            scheme, _, token = req.headers.get("authorization", "").partition(" ")
            key = token.strip() if scheme.lower() == "bearer" else None
        return self.tokens.get(key or "")

    def answer(self, model: type[BaseModel], result: Any, started: float) -> Response:
        """``{"result", "status": "ok", "time"}``, checked against the endpoint's model."""
        body = {"result": result, "status": "ok", "time": time.perf_counter() - started}
        try:
            model.model_validate_json(json.dumps(body))
        except ValidationError as exc:
            self.violations.append(f"answer does not fit {model.__name__}: {exc}")
        return 200, body, {}

    def exists(self, name: str) -> None:
        if not self.db.collection_exists(name):
            raise self.error(404, f"Not found: Collection `{name}` doesn't exist!")


_C = r"/collections/(?P<c>[^/]+)"


@routes.route("GET", r"/")
def _root(s: QdrantStandIn, req: Request) -> Response:
    body = {"title": "qdrant - vector search engine", "version": "1.15.0"}
    m.VersionInfo.model_validate(body)
    return 200, body, {}


@routes.route("GET", r"/collections")
def _list(s: QdrantStandIn, req: Request) -> Response:
    t = time.perf_counter()
    result = s.db.get_collections().model_dump(mode="json")
    return s.answer(m.InlineResponse2006, result, t)


@routes.route("GET", _C)
def _get(s: QdrantStandIn, req: Request) -> Response:
    t = time.perf_counter()
    s.exists(req.path_args["c"])
    info = s.db.get_collection(req.path_args["c"]).model_dump(mode="json", exclude_none=True)
    return s.answer(m.InlineResponse2007, info, t)


@routes.route("PUT", _C)
def _create(s: QdrantStandIn, req: Request) -> Response:
    t = time.perf_counter()
    name = req.path_args["c"]
    body = m.CreateCollection.model_validate(req.json)
    if s.db.collection_exists(name):
        raise s.error(400, f"Wrong input: Collection `{name}` already exists!")
    s.db.create_collection(name, vectors_config=body.vectors)  # type: ignore[arg-type]
    return s.answer(m.InlineResponse2001, True, t)


def _update(s: QdrantStandIn, t: float) -> Response:
    result = {"operation_id": 0, "status": "completed"}
    return s.answer(m.InlineResponse2008, result, t)


@routes.route("PUT", _C + r"/points")
def _upsert(s: QdrantStandIn, req: Request) -> Response:
    t = time.perf_counter()
    s.exists(req.path_args["c"])
    body = TypeAdapter(m.PointInsertOperations).validate_python(req.json)
    if not isinstance(body, m.PointsList):
        raise s.error(400, "the stand-in takes points lists only")
    try:
        s.db.upsert(req.path_args["c"], points=body.points, wait=req.args.get("wait") == "true")
    except ValueError as exc:
        raise s.error(400, f"Wrong input: {exc}") from None
    return _update(s, t)


@routes.route("POST", _C + r"/points/delete")
def _delete(s: QdrantStandIn, req: Request) -> Response:
    t = time.perf_counter()
    s.exists(req.path_args["c"])
    body = TypeAdapter(m.PointsSelector).validate_python(req.json)
    s.db.delete(req.path_args["c"], points_selector=body, wait=req.args.get("wait") == "true")
    return _update(s, t)


@routes.route("POST", _C + r"/points/query")
def _query(s: QdrantStandIn, req: Request) -> Response:
    t = time.perf_counter()
    s.exists(req.path_args["c"])
    body = m.QueryRequest.model_validate(req.json)
    try:
        found = s.db.query_points(
            req.path_args["c"],
            query=body.query,  # type: ignore[arg-type]
            limit=body.limit or 10,
            with_payload=body.with_payload if body.with_payload is not None else False,
        )
    except ValueError as exc:
        raise s.error(400, f"Wrong input: {exc}") from None
    return s.answer(m.InlineResponse20022, found.model_dump(mode="json", exclude_none=True), t)
