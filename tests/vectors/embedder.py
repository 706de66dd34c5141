"""A deterministic embedding provider: each word (lowercased, letters and digits) hashed into
one of 384 dimensions with a sign, the sum L2-normalised. Texts sharing words are near; the
same text always gives the same vector, in any process. ``CALLS`` records each batch's texts
so tests can see what was (and was not) sent to be embedded; in a server process
``$HASHEMBED_LOG`` names a file each batch is appended to, as a JSON list on a line."""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path

import httpx

from connectors.sdk import CheckResult, Connector, ConnectorContext
from connectors.sdk.ai import EmbeddingBatch, Usage

DIMENSION = 384
MODEL = "hash-bow-384"
_WORD = re.compile(r"[a-z0-9]+")

CALLS: list[list[str]] = []


def embed_text(text: str, dimension: int = DIMENSION) -> tuple[float, ...]:
    v = [0.0] * dimension
    for w in _WORD.findall(text.lower()):
        h = hashlib.blake2b(w.encode(), digest_size=8).digest()
        n = int.from_bytes(h, "big")
        v[n % dimension] += 1.0 if (n >> 32) & 1 else -1.0
    norm = math.sqrt(sum(x * x for x in v))
    if norm == 0.0:
        v[0] = 1.0
        return tuple(v)
    return tuple(x / norm for x in v)


class HashEmbed(Connector):
    manifest_path = Path(__file__).with_name("hashembed.toml")

    async def check(self) -> CheckResult:
        return CheckResult(ok=True, account="hashembed")

    async def embed(self, texts: Sequence[str], *, model: str | None = None) -> EmbeddingBatch:
        CALLS.append(list(texts))
        log = os.environ.get("HASHEMBED_LOG")
        if log:
            with Path(log).open("a") as f:  # noqa: ASYNC230 (a few bytes)
                f.write(json.dumps(list(texts)) + "\n")
        return EmbeddingBatch(
            model=model or MODEL,
            vectors=tuple(embed_text(t) for t in texts),
            usage=Usage(input_tokens=sum(len(_WORD.findall(t.lower())) for t in texts)),
        )


def make() -> HashEmbed:
    """An instance outside a hub (it makes no requests)."""
    return HashEmbed(
        ConnectorContext(
            http=httpx.AsyncClient(),
            account="hashembed",
            api_url=HashEmbed.manifest().api_url or "",
        )
    )
