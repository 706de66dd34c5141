"""A library-grade async client for OpenAI's API and the servers that speak it, over the
``httpx.AsyncClient`` it is given (base URL ``https://api.openai.com/v1``, a local server's
``.../v1``, or an Azure OpenAI resource; the key travels in its auth).

It knows the paths of both flavours, the request bodies, the server-sent events of a
streamed completion (``data: {...}`` lines, ``data: [DONE]`` at the end, the usage in a last
chunk without choices when ``stream_options.include_usage`` is asked), batching of
embeddings, and multipart uploads of audio; it returns wire models. Retries, rate limits and
the mapping of failed answers to the sdk's errors belong to the client handed in;
:func:`openai_error` reads OpenAI's error body for it (the connector's ``body_error``).

Flavours: ``openai`` puts every path under the base URL and names the model in the body;
``azure`` addresses a deployment, ``/openai/deployments/{deployment}/chat/completions``,
with ``?api-version=`` on every request (learn.microsoft.com/azure/ai-services/openai/reference).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Literal
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from connectors.sdk import (
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ReauthRequired,
    ServiceError,
    ServiceUnavailable,
    TielineError,
)
from connectors.sdk.redact import redact

from .models import (
    OChunk,
    OCompletion,
    OEmbeddings,
    OError,
    OImages,
    OModel,
    OModelList,
    OTranscription,
)

SERVICE = "OpenAI"
Flavour = Literal["openai", "azure"]
HEADERS = {"accept": "application/json"}


class QuotaExceeded(PermissionDenied):
    """The account's credit or monthly budget is spent (429 ``insufficient_quota``): waiting
    does not help, paying does."""


def openai_error(response: httpx.Response) -> TielineError | None:
    """The error an answer stands for, read from OpenAI's body
    ``{"error": {"message", "type", "code", "param"}}``; ``None`` for a success, or when the
    body is not one (the status table decides then)."""
    if response.status_code < 400:
        return None
    try:
        found = OError.model_validate(response.json())
    except (ValueError, ValidationError):
        return None
    e = found.error
    code = str(e.code or e.type or "")
    where = f"{response.request.method} {response.request.url.path}"
    said = redact(e.message or code or "no message")
    text = f"{SERVICE}: {response.status_code} on {where}: {said}"
    if code and code not in said:
        text += f" ({code})"
    status = response.status_code
    if code == "insufficient_quota":
        return QuotaExceeded(
            f"{text} -- the account's credit or budget is spent; add credit or raise the "
            "limit at https://platform.openai.com/settings/organization/billing",
            status=status,
            service=SERVICE,
        )
    if status == 401:
        return ReauthRequired(f"{text} -- sign in again with a valid API key")
    if status == 403:
        return PermissionDenied(text, status=status, service=SERVICE)
    if status == 404:
        return NotFound(text, status=status, service=SERVICE)
    if status == 429:
        return None  # a rate limit: the rate limiter reads its headers and waits
    if code == "context_length_exceeded":
        return InvalidRequest(
            f"{text} -- the request is longer than the model's context; send less",
            status=status,
            service=SERVICE,
        )
    if status >= 500:
        return ServiceUnavailable(text, status=status, service=SERVICE)
    return InvalidRequest(text, status=status, service=SERVICE)


class OpenAIClient:
    """OpenAI's API relative to the http client's base URL."""

    def __init__(
        self, http: httpx.AsyncClient, *, flavour: Flavour = "openai", api_version: str = ""
    ) -> None:
        self.http = http
        self.flavour = flavour
        self.api_version = api_version
        #: The last "quota spent" refusal: the rate limiter holds requests back for a while
        #: after any 429, and while it does, that is still the reason.
        self.spent: QuotaExceeded | None = None
        #: The organisation OpenAI said the key belongs to (``openai-organization``), once
        #: models were listed; compatible servers name none.
        self.organization: str | None = None

    def _quota(self, exc: RateLimited) -> TielineError:
        """A 429 the rate limiter raised, as :class:`QuotaExceeded` when its body said the
        account's quota is spent (or the limiter is holding back after such an answer)."""
        if "insufficient_quota" in exc.message:
            self.spent = QuotaExceeded(
                f"{exc.message} -- the account's credit or budget is spent; add credit at "
                "https://platform.openai.com/settings/organization/billing",
                status=exc.status,
                service=SERVICE,
            )
            return self.spent
        if self.spent is not None and exc.status is None:
            return self.spent
        return exc

    # -- plumbing -----------------------------------------------------------------------
    def _path(self, op: str, model: str | None) -> str:
        if self.flavour == "azure" and model is not None:
            return f"openai/deployments/{quote(model, safe='')}/{op}"
        if self.flavour == "azure":
            return f"openai/{op}"
        return op

    def _params(self) -> dict[str, str]:
        return {"api-version": self.api_version} if self.flavour == "azure" else {}

    def _body(self, model: str, body: Mapping[str, Any]) -> dict[str, Any]:
        # Azure names the model by the deployment in the path.
        return dict(body) if self.flavour == "azure" else {"model": model, **body}

    async def _post(self, op: str, model: str, body: Mapping[str, Any]) -> Any:
        try:
            r = await self.http.post(
                self._path(op, model),
                json=self._body(model, body),
                params=self._params(),
                headers=HEADERS,
            )
        except RateLimited as exc:
            raise self._quota(exc) from exc
        return r.json()

    # -- models -------------------------------------------------------------------------
    async def models(self) -> list[OModel]:
        """``GET /models``: the models the key may use."""
        r = await self.http.get(self._path("models", None), params=self._params(), headers=HEADERS)
        self.organization = r.headers.get("openai-organization") or None
        return list(OModelList.model_validate(r.json()).data)

    # -- chat ---------------------------------------------------------------------------
    async def complete(
        self, model: str, messages: Sequence[Mapping[str, str]], **opts: Any
    ) -> OCompletion:
        """``POST /chat/completions`` answered in one piece."""
        body = {"messages": list(messages), **_options(opts)}
        return OCompletion.model_validate(await self._post("chat/completions", model, body))

    async def stream(
        self, model: str, messages: Sequence[Mapping[str, str]], **opts: Any
    ) -> AsyncIterator[OChunk]:
        """``POST /chat/completions`` with ``stream``: the chunks as they arrive, the last
        one carrying the usage (servers that ignore ``include_usage`` send none)."""
        body = self._body(
            model,
            {
                "messages": list(messages),
                "stream": True,
                "stream_options": {"include_usage": True},
                **_options(opts),
            },
        )
        headers = {"accept": "text/event-stream"}
        try:
            async with self.http.stream(
                "POST",
                self._path("chat/completions", model),
                json=body,
                params=self._params(),
                headers=headers,
            ) as r:
                async for data in sse_data(r.aiter_lines()):
                    if data == "[DONE]":
                        return
                    yield _chunk(data, r)
        except RateLimited as exc:
            raise self._quota(exc) from exc

    # -- embeddings ---------------------------------------------------------------------
    async def embeddings(self, model: str, texts: Sequence[str]) -> OEmbeddings:
        """``POST /embeddings`` for one batch; ``data`` sorted by ``index``."""
        body = {"input": list(texts), "encoding_format": "float"}
        answer = OEmbeddings.model_validate(await self._post("embeddings", model, body))
        ordered = tuple(sorted(answer.data, key=lambda e: e.index))
        if len(ordered) != len(texts):
            raise ServiceError(
                f"{SERVICE}: asked for {len(texts)} embeddings, got {len(ordered)}",
                service=SERVICE,
            )
        return answer.model_copy(update={"data": ordered})

    # -- images -------------------------------------------------------------------------
    async def generate_image(
        self, model: str, prompt: str, *, size: str | None
    ) -> tuple[bytes, str | None]:
        """``POST /images/generations`` asking for ``b64_json``: the PNG and the revised
        prompt. (gpt-image-1 always answers base64 and refuses ``response_format``.)"""
        body: dict[str, Any] = {"prompt": prompt, "n": 1}
        if size:
            body["size"] = size
        if not model.startswith("gpt-image"):
            body["response_format"] = "b64_json"
        answer = OImages.model_validate(await self._post("images/generations", model, body))
        if not answer.data or not answer.data[0].b64_json:
            raise ServiceError(f"{SERVICE}: the image answer held no image", service=SERVICE)
        try:
            png = base64.b64decode(answer.data[0].b64_json, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ServiceError(f"{SERVICE}: the image is not base64", service=SERVICE) from exc
        return png, answer.data[0].revised_prompt

    # -- audio --------------------------------------------------------------------------
    async def transcribe(
        self, model: str, audio: bytes, filename: str, *, language: str | None = None
    ) -> OTranscription:
        """``POST /audio/transcriptions`` (multipart: ``file``, ``model``, ``response_format``)."""
        data: dict[str, str] = {"response_format": "json"}
        if self.flavour != "azure":
            data["model"] = model
        if language:
            data["language"] = language
        try:
            r = await self.http.post(
                self._path("audio/transcriptions", model),
                data=data,
                files={"file": (filename, audio, _audio_type(filename))},
                params=self._params(),
                headers=HEADERS,
            )
        except RateLimited as exc:
            raise self._quota(exc) from exc
        return OTranscription.model_validate(r.json())


def _options(opts: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in opts.items() if v is not None}


def _chunk(data: str, r: httpx.Response) -> OChunk:
    try:
        payload = json.loads(data)
    except json.JSONDecodeError as exc:
        raise ServiceError(f"{SERVICE}: a streamed event is not JSON", service=SERVICE) from exc
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        # An error after the answer began (the status was already 200).
        said = redact(str(payload["error"].get("message") or "the stream failed"))
        raise ServiceError(f"{SERVICE}: {said}", status=r.status_code, service=SERVICE)
    try:
        return OChunk.model_validate(payload)
    except ValidationError as exc:
        raise ServiceError(
            f"{SERVICE}: a streamed event has an unknown shape", service=SERVICE
        ) from exc


async def sse_data(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """The data of each server-sent event (the WHATWG event-stream format): ``data:``
    lines joined by newlines, an event ending at a blank line; comments (``:``) and other
    fields are skipped."""
    buf: list[str] = []
    async for line in lines:
        if not line:
            if buf:
                yield "\n".join(buf)
                buf = []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if name == "data":
            buf.append(value[1:] if value.startswith(" ") else value)
    if buf:
        yield "\n".join(buf)


_AUDIO = {
    "mp3": "audio/mpeg",
    "mpga": "audio/mpeg",
    "mpeg": "audio/mpeg",
    "m4a": "audio/mp4",
    "mp4": "audio/mp4",
    "wav": "audio/wav",
    "webm": "audio/webm",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
}


def _audio_type(filename: str) -> str:
    return _AUDIO.get(filename.rsplit(".", 1)[-1].lower(), "application/octet-stream")
