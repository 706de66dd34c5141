"""Send JSON-RPC requests exactly as given, bypassing the client's own typing.

An editor with a bug (or a fuzzer) sends params that lsprotocol would refuse to serialize;
this helper puts such bytes on the wire so the tests see what the server does with them.
"""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import Future
from typing import Any

from pytest_lsp import LanguageClient

_MISSING: Any = object()


async def raw_request(
    client: LanguageClient, method: str, params: Any = _MISSING, *, wait: float = 10.0
) -> Any:
    msg_id = f"raw-{uuid.uuid4()}"
    fut: Future[Any] = Future()
    client.protocol._request_futures[msg_id] = fut
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not _MISSING:
        message["params"] = params
    client.protocol._send_data(message)
    return plain(await asyncio.wait_for(asyncio.wrap_future(fut), wait))


def plain(value: Any) -> Any:
    """pygls turns untyped JSON objects into namedtuples; give tests plain dicts and lists."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
