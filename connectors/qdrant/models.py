"""Qdrant's REST wire shapes, only the fields the connector reads or sends
(api.qdrant.tech/api-reference: collections, points, query)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class QVectorParams(_Wire):
    size: int
    distance: str


class QParams(_Wire):
    vectors: QVectorParams | dict[str, QVectorParams] | None = None


class QConfig(_Wire):
    params: QParams


class QCollectionInfo(_Wire):
    status: str = ""
    points_count: int | None = None
    config: QConfig


class QScoredPoint(_Wire):
    id: int | str
    score: float
    payload: dict[str, Any] | None = None


class QQueryResponse(_Wire):
    points: list[QScoredPoint]


class QVersion(_Wire):
    title: str = ""
    version: str = ""


class QAnswer(_Wire):
    """Every answer's envelope: ``{"result": ..., "status": "ok", "time": s}``."""

    status: Any = None
    time: float | None = None
    result: Any = None
