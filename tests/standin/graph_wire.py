"""What every Graph stand-in answer is made of: timestamps, error bodies, ``$select`` and
opaque state tokens (the mail, calendar and Teams routes in :mod:`tests.standin.microsoft`
and the drive routes in :mod:`tests.standin.microsoft_drive` share them)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from .kit import Reply


def stamp(when: datetime) -> str:
    """An ``Edm.DateTimeOffset`` as Graph writes it."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _body(code: str, message: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": stamp(now),
                "request-id": str(uuid.uuid4()),
                "client-request-id": str(uuid.uuid4()),
            },
        }
    }


def _token(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _untoken(token: str) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError as exc:
        raise Reply(400, _body("BadRequest", "Invalid state token.")) from exc
    return data


def select(item: dict[str, Any], fields: str | None) -> dict[str, Any]:
    """What Graph answers for ``$select``: those fields (plus id and the etag), else all;
    never the stand-in's own ``_`` keys."""
    public = {k: v for k, v in item.items() if not k.startswith("_")}
    if not fields:
        return public
    wanted = {"id", "@odata.etag", *fields.split(",")}
    return {k: v for k, v in public.items() if k in wanted}
