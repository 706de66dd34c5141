"""Chroma HTTP API v2 wire shapes, only the fields the connector reads (the server's own
``/openapi.json``: ``Collection``, ``QueryResponse``, ``HeartbeatResponse``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CCollection(_Wire):
    id: str
    name: str
    dimension: int | None = None
    metadata: dict[str, Any] | None = None


class CQueryResponse(_Wire):
    ids: list[list[str]]
    distances: list[list[float | None]] | None = None
    metadatas: list[list[dict[str, Any] | None]] | None = None


class CHeartbeat(_Wire):
    nanosecond_heartbeat: int = Field(alias="nanosecond heartbeat")


class CIdentity(_Wire):
    user_id: str = ""
    tenant: str = ""
    databases: list[str] = Field(default_factory=list)
