"""OpenAI connector: chat (streamed), embeddings, images and transcription from OpenAI or a
server that speaks its API.

Glue only: the wire calls live in :mod:`.client`; retries, rate limits (both budgets,
requests and tokens, from the answers' headers) and error mapping in the client the hub
injects, with :func:`.client.openai_error` reading OpenAI's error bodies.

The model of each call is the caller's, else the account's setting (``chat_model``,
``embedding_model``, ``image_model``, ``transcription_model``); with flavour ``azure`` these
name deployments. ``prices`` (``MODEL=INPUT/OUTPUT``, US dollars per million tokens) is read
by :func:`prices` for the hub's usage log: the service reports tokens, never money.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from connectors.sdk import CheckResult, Connector, ConnectorContext, InvalidRequest, TielineError
from connectors.sdk.ai import (
    Answer,
    EmbeddingBatch,
    GeneratedImage,
    Transcript,
    Turn,
    Usage,
    parse_prices,
)

from .client import Flavour, OpenAIClient, openai_error

DEFAULTS = {
    "chat_model": "gpt-4o-mini",
    "embedding_model": "text-embedding-3-small",
    "image_model": "gpt-image-1",
    "transcription_model": "whisper-1",
}
#: OpenAI takes at most 2048 inputs per embeddings request.
MAX_BATCH = 2048


#: ``prices`` as ``{model: (input, output)}`` (kept for callers of this module).
prices = parse_prices


class OpenAIConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        s = ctx.settings
        flavour: Flavour = "azure" if s.get("flavour") == "azure" else "openai"
        self.client = OpenAIClient(
            ctx.http, flavour=flavour, api_version=str(s.get("api_version") or "2024-10-21")
        )
        batch = s.get("embedding_batch")
        self.batch = min(MAX_BATCH, batch) if isinstance(batch, int) and batch > 0 else 256
        self.prices = prices(s.get("prices"))

    def model_for(self, setting: str, given: str | None = None) -> str:
        if given:
            return given
        value = self.ctx.settings.get(setting)
        return value if isinstance(value, str) and value else DEFAULTS[setting]

    @classmethod
    def body_error(cls, response: httpx.Response) -> TielineError | None:
        return openai_error(response)

    # -- hooks ------------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        """``GET /models``: a key that lists models works. A key names no user: the account
        is the organisation OpenAI answers with, else ``local`` for a server on this
        machine, else ``api-key``."""
        try:
            models = await self.client.models()
        except TielineError as exc:
            return CheckResult.failed(exc)
        host = (urlsplit(self.ctx.api_url).hostname or "").lower()
        local = host in ("localhost", "127.0.0.1", "::1") or host.endswith(".localhost")
        return CheckResult(
            ok=True,
            account=self.client.organization or ("local" if local else "api-key"),
            detail=f"{self.manifest().name} at {self.ctx.api_url}: {len(models)} models",
        )

    # -- Assistant --------------------------------------------------------------------------
    async def models(self) -> Sequence[str]:
        return sorted(m.id for m in await self.client.models())

    async def complete(
        self,
        turns: Sequence[Turn],
        *,
        model: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Answer:
        if not turns:
            raise InvalidRequest("a conversation needs at least one message")
        name = self.model_for("chat_model", model)
        messages = [{"role": t.role, "content": t.content} for t in turns]
        opts: dict[str, Any] = {"max_tokens": max_tokens, "temperature": temperature}
        return Answer(lambda answer: self._pieces(answer, name, messages, opts), model=name)

    async def _pieces(
        self, answer: Answer, model: str, messages: list[dict[str, str]], opts: Mapping[str, Any]
    ) -> AsyncIterator[str]:
        async for chunk in self.client.stream(model, messages, **opts):
            if chunk.model:
                answer.model = chunk.model
            if chunk.usage is not None:
                answer.usage = Usage(
                    input_tokens=chunk.usage.prompt_tokens,
                    output_tokens=chunk.usage.completion_tokens,
                )
            for choice in chunk.choices:
                if choice.index != 0:
                    continue
                if choice.finish_reason:
                    answer.finish_reason = choice.finish_reason
                if choice.delta.content:
                    yield choice.delta.content

    # -- Embeddings -------------------------------------------------------------------------
    async def embed(self, texts: Sequence[str], *, model: str | None = None) -> EmbeddingBatch:
        name = self.model_for("embedding_model", model)
        vectors: list[tuple[float, ...]] = []
        used = 0
        answered = name
        for start in range(0, len(texts), self.batch):
            part = await self.client.embeddings(name, texts[start : start + self.batch])
            vectors.extend(e.embedding for e in part.data)
            used += part.usage.prompt_tokens if part.usage else 0
            answered = part.model or answered
        return EmbeddingBatch(
            model=answered, vectors=tuple(vectors), usage=Usage(input_tokens=used)
        )

    # -- Images -----------------------------------------------------------------------------
    async def generate_image(
        self, prompt: str, *, model: str | None = None, size: str | None = None
    ) -> GeneratedImage:
        name = self.model_for("image_model", model)
        png, revised = await self.client.generate_image(name, prompt, size=size)
        return GeneratedImage(png=png, model=name, revised_prompt=revised)

    # -- Transcription ----------------------------------------------------------------------
    async def transcribe(
        self,
        audio: bytes,
        filename: str,
        *,
        model: str | None = None,
        language: str | None = None,
    ) -> Transcript:
        name = self.model_for("transcription_model", model)
        said = await self.client.transcribe(name, audio, filename, language=language)
        return Transcript(
            text=said.text, model=name, language=said.language, duration=said.duration
        )
