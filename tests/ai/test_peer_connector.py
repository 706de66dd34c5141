"""The OpenAI connector against a real OpenAI-compatible server (node-llama-cpp running
SmolLM2-135M-Instruct, ``tests/peers/llm``), through the hub's real HTTP stack: models, a
streamed chat with its usage, and embeddings. The model's words are not asserted, only
the protocol: pieces arrive, usage is counted, vectors have one dimension."""

from __future__ import annotations

import pytest

from connectors.openai.connector import OpenAIConnector
from connectors.sdk.ai import Turn
from tests.ai.llm_peer import LlmServer
from tests.standin.harness import wire

pytestmark = pytest.mark.peers


async def test_chat_streams_with_usage_and_embeds(llm_server: LlmServer) -> None:
    conn, http = wire(
        OpenAIConnector,
        llm_server.url,
        token="none",
        account="local",
        settings={"chat_model": llm_server.model, "embedding_model": llm_server.model},
    )
    try:
        assert await conn.models() == [llm_server.model]
        assert (await conn.check()).ok
        answer = await conn.complete(
            [Turn(role="system", content="Answer in one short sentence."),
             Turn(role="user", content="What colour is the sky?")],
            max_tokens=24,
        )  # fmt: skip
        pieces = [p async for p in answer]
        assert len(pieces) >= 2 and "".join(pieces).strip()
        assert answer.usage.input_tokens > 0 and 0 < answer.usage.output_tokens <= 24
        assert answer.finish_reason in ("stop", "length")
        batch = await conn.embed(["a red apple", "a green pear", "the tax form"])
        assert len(batch.vectors) == 3 and batch.dimension > 8
        assert len({len(v) for v in batch.vectors}) == 1
        assert batch.usage.input_tokens > 0
    finally:
        await http.aclose()
