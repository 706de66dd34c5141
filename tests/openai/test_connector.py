"""The OpenAI connector against the stand-in, through the hub's real HTTP stack.

No current OpenAI API description is published; the stand-in (``tests/standin/openai.py``)
takes its shapes from the ``openai`` Python SDK's types and validates both directions with
them, following https://platform.openai.com/docs/api-reference.
"""

from __future__ import annotations

import pytest

from connectors.openai.client import QuotaExceeded, sse_data
from connectors.openai.connector import OpenAIConnector, prices
from connectors.sdk import InvalidRequest, NotFound, RateLimited, ReauthRequired
from connectors.sdk.ai import Turn
from connectors.sdk.capabilities import Assistant, Embeddings, Images, Transcription
from tests.standin.openai import OpenAIStandIn, png_pixel, vector

from .conftest import connect

ASK = [Turn(role="system", content="Be brief."), Turn(role="user", content="hello there")]


def test_declares_and_implements_its_capabilities() -> None:
    OpenAIConnector.verify_capabilities()
    for proto in (Assistant, Embeddings, Images, Transcription):
        assert proto.__name__ in OpenAIConnector.manifest().capabilities


async def test_models(conn: OpenAIConnector) -> None:
    assert "gpt-4o-mini" in await conn.models()
    check = await conn.check()
    assert check.ok and "4 models" in check.detail and check.account == "org-ada"


async def test_chat_streams_pieces_then_usage(conn: OpenAIConnector, openai: OpenAIStandIn) -> None:
    openai.replies.append("Hi, short answer here.")
    answer = await conn.complete(ASK)
    pieces = [p async for p in answer]
    assert len(pieces) > 1
    assert "".join(pieces) == "Hi, short answer here."
    assert answer.usage.input_tokens == 4 and answer.usage.output_tokens == 4
    assert answer.finish_reason == "stop" and answer.model == "gpt-4o-mini"
    sent = openai.bodies[-1]
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert sent["messages"][0] == {"role": "system", "content": "Be brief."}
    assert "max_tokens" not in sent  # None options are left out


async def test_chat_model_and_options(openai: OpenAIStandIn) -> None:
    conn, http = connect(openai, settings={"chat_model": "gpt-4o-mini"})
    try:
        text = await (await conn.complete(ASK, max_tokens=50, temperature=0.2)).text()
    finally:
        await http.aclose()
    assert text == "You said: hello there"
    assert openai.bodies[-1]["max_tokens"] == 50 and openai.bodies[-1]["temperature"] == 0.2


async def test_context_length_exceeded_is_an_invalid_request(
    conn: OpenAIConnector, openai: OpenAIStandIn
) -> None:
    openai.context_window = 2
    with pytest.raises(InvalidRequest, match="context") as err:
        await (await conn.complete(ASK)).text()
    assert "context_length_exceeded" in err.value.message


async def test_unknown_model_is_not_found(conn: OpenAIConnector) -> None:
    with pytest.raises(NotFound, match="model_not_found"):
        await (await conn.complete(ASK, model="gpt-nonesuch")).text()


async def test_bad_key_asks_to_sign_in_again(openai: OpenAIStandIn) -> None:
    conn, http = connect(openai, token="sk-wrong-0123456789abcdefghijkl")
    try:
        with pytest.raises(ReauthRequired, match="Incorrect API key") as err:
            await conn.models()
        assert "sk-wrong" not in err.value.message  # the key is masked
        assert not (await conn.check()).ok
    finally:
        await http.aclose()


async def test_spent_quota_is_not_a_rate_limit(
    conn: OpenAIConnector, openai: OpenAIStandIn
) -> None:
    openai.quota_spent = True
    with pytest.raises(QuotaExceeded, match="billing"):
        await (await conn.complete(ASK)).text()
    with pytest.raises(QuotaExceeded):
        await conn.embed(["a"])


async def test_rate_limit_waits_for_retry_after(openai: OpenAIStandIn) -> None:
    openai.inject("retry_after", seconds=0.05, path="/chat/completions")
    conn, http = connect(openai)
    try:
        assert await (await conn.complete(ASK)).text() == "You said: hello there"
    finally:
        await http.aclose()
    assert [e.status for e in openai.log][-2:] == [429, 200]


async def test_rate_limit_beyond_the_wait_is_raised(openai: OpenAIStandIn) -> None:
    openai.inject("retry_after", seconds=120, path="/embeddings")
    conn, http = connect(openai, max_rate_wait=1.0)
    try:
        with pytest.raises(RateLimited, match="rate_limit_exceeded"):
            await conn.embed(["a"])
    finally:
        await http.aclose()


async def test_embeddings_batched_and_in_order(openai: OpenAIStandIn) -> None:
    conn, http = connect(openai, settings={"embedding_batch": 2})
    texts = ["one", "two words", "three", "four", "five"]
    try:
        batch = await conn.embed(texts)
    finally:
        await http.aclose()
    assert batch.vectors == tuple(tuple(vector(t)) for t in texts)
    assert batch.dimension == 8 and batch.usage.input_tokens == 6
    assert [len(b["input"]) for b in openai.bodies] == [2, 2, 1]
    assert {b["model"] for b in openai.bodies} == {"text-embedding-3-small"}


async def test_image_as_png(conn: OpenAIConnector, openai: OpenAIStandIn) -> None:
    image = await conn.generate_image("a lighthouse", size="1024x1024")
    assert image.png == png_pixel() and image.png.startswith(b"\x89PNG")
    assert image.revised_prompt == "A picture of a lighthouse"
    assert "response_format" not in openai.bodies[-1]  # gpt-image-1 refuses it


async def test_image_of_dall_e_asks_for_base64(openai: OpenAIStandIn) -> None:
    openai.models.append("dall-e-3")
    conn, http = connect(openai, settings={"image_model": "dall-e-3"})
    try:
        await conn.generate_image("a cat")
    finally:
        await http.aclose()
    assert openai.bodies[-1]["response_format"] == "b64_json"


async def test_transcription_uploads_multipart(
    conn: OpenAIConnector, openai: OpenAIStandIn
) -> None:
    said = await conn.transcribe(b"TEXT:fix the build", "note.wav", language="en")
    assert said.text == "fix the build" and said.model == "whisper-1"
    up = openai.uploads[-1]
    assert up["model"] == "whisper-1" and up["language"] == "en"
    assert up["file"]["filename"] == "note.wav" and up["file"]["type"] == "audio/wav"


async def test_azure_deployments_with_api_key_header(openai: OpenAIStandIn) -> None:
    conn, http = connect(
        openai,
        method="api_key",
        base="",
        settings={"flavour": "azure", "chat_model": "chat", "embedding_model": "embed"},
    )
    try:
        assert await (await conn.complete(ASK)).text() == "You said: hello there"
        assert (await conn.embed(["x"])).vectors == (tuple(vector("x")),)
    finally:
        await http.aclose()
    assert "model" not in openai.bodies[-1]
    paths = [e.path for e in openai.log]
    assert paths == [
        "/openai/deployments/chat/chat/completions",
        "/openai/deployments/embed/embeddings",
    ]
    assert all(("api-version", "2024-10-21") in e.query for e in openai.log)


def test_prices() -> None:
    assert prices(["gpt-4o-mini=0.15/0.60", "bad", "x=1/y"]) == {"gpt-4o-mini": (0.15, 0.6)}


def test_error_bodies_map_to_the_hierarchy() -> None:
    import httpx

    from connectors.openai.client import openai_error
    from connectors.sdk import PermissionDenied, ServiceUnavailable

    def answer(status: int, code: str | None, type_: str = "invalid_request_error") -> object:
        request = httpx.Request("POST", "https://api.openai.com/v1/chat/completions")
        body = {"error": {"message": "said", "type": type_, "param": None, "code": code}}
        return openai_error(httpx.Response(status, json=body, request=request))

    assert isinstance(answer(403, "unsupported_country_region_territory"), PermissionDenied)
    assert isinstance(answer(500, None, "server_error"), ServiceUnavailable)
    assert isinstance(answer(429, "insufficient_quota", "insufficient_quota"), QuotaExceeded)
    assert answer(429, "rate_limit_exceeded", "requests") is None  # the rate limiter's
    assert isinstance(answer(400, "invalid_value"), InvalidRequest)
    ok = httpx.Response(200, json={"error": {}}, request=httpx.Request("GET", "https://x"))
    assert openai_error(ok) is None


def test_the_hub_quotes_an_openai_error_body() -> None:
    import httpx

    from server.hub.http.errors import service_message

    body = {
        "error": {
            "message": "Rate limit reached",
            "type": "requests",
            "code": "rate_limit_exceeded",
        }
    }
    r = httpx.Response(429, json=body, request=httpx.Request("POST", "https://x"))
    assert service_message(r) == "Rate limit reached (rate_limit_exceeded)"


def test_an_error_event_in_a_stream_is_raised() -> None:
    import httpx

    from connectors.openai.client import _chunk
    from connectors.sdk import ServiceError

    r = httpx.Response(200, request=httpx.Request("POST", "https://x"))
    with pytest.raises(ServiceError, match="overloaded"):
        _chunk('{"error": {"message": "The server is overloaded"}}', r)
    with pytest.raises(ServiceError, match="not JSON"):
        _chunk("{nope", r)


async def test_sse_parsing() -> None:
    async def lines():  # type: ignore[no-untyped-def]
        for line in [": comment", "data: a", "data: b", "", "event: x", "data:c", ""]:
            yield line

    assert [d async for d in sse_data(lines())] == ["a\nb", "c"]


def test_go_durations_as_reset_times() -> None:
    from server.hub.http.errors import go_duration, reset_time

    assert go_duration("6m0s") == 360.0 and go_duration("1.5s") == 1.5
    assert go_duration("20ms") == pytest.approx(0.02) and go_duration("1h2m") == 3720.0
    assert go_duration("soon") is None and go_duration("5") is None
    assert reset_time("6m0s", "duration", now=1000.0) == 1360.0


async def test_spent_budget_holds_requests_back(openai: OpenAIStandIn) -> None:
    """``x-ratelimit-remaining-requests: 0`` with ``x-ratelimit-reset-requests: 60s``: the
    next request waits for the reset, beyond the longest wait it is refused unsent."""
    openai.budgets = {"requests": 1, "tokens": 100_000}
    conn, http = connect(openai, max_rate_wait=1.0)
    try:
        await conn.models()
        sent = len(openai.log)
        with pytest.raises(RateLimited, match="allowed time"):
            await conn.models()
        assert len(openai.log) == sent
    finally:
        await http.aclose()
