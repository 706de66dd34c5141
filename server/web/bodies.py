"""Reading a request body with a size limit, for the routes that take bodies from senders
who are not yet authenticated (webhook deliveries): a declared ``Content-Length`` over the
limit is refused before reading, and a chunked body is refused as soon as it passes it, so
a sender cannot make the server buffer more than the limit."""

from __future__ import annotations

from starlette.requests import Request


class BodyTooLarge(Exception):
    """The body is larger than the route accepts (answer 413)."""


async def read_limited(request: Request, limit: int) -> bytes:
    """The whole body, or :class:`BodyTooLarge` once it exceeds ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)
