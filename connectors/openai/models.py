"""OpenAI wire types: the fields of the answers the client reads.

OpenAI publishes no current machine-readable description of its API; the shapes follow the
``openai`` Python SDK's types (``openai.types``: ``Model``, ``ChatCompletion``,
``ChatCompletionChunk``, ``CreateEmbeddingResponse``, ``ImagesResponse``, ``Transcription``,
and the ``{"error": {...}}`` body of ``openai.APIStatusError``), which the tests validate the
stand-in's answers against. Unknown fields are ignored; every field a compatible server may
leave out (llama.cpp, Ollama, vLLM leave out several) has a default.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class OModel(_Wire):
    id: str
    owned_by: str | None = None


class OModelList(_Wire):
    data: tuple[OModel, ...] = ()


class OUsage(_Wire):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class OMessage(_Wire):
    role: str = "assistant"
    content: str | None = None
    refusal: str | None = None


class OChoice(_Wire):
    index: int = 0
    message: OMessage = OMessage()
    finish_reason: str | None = None


class OCompletion(_Wire):
    """``POST /chat/completions`` without ``stream``."""

    id: str = ""
    model: str = ""
    choices: tuple[OChoice, ...] = ()
    usage: OUsage | None = None


class ODelta(_Wire):
    role: str | None = None
    content: str | None = None
    refusal: str | None = None


class OChunkChoice(_Wire):
    index: int = 0
    delta: ODelta = ODelta()
    finish_reason: str | None = None


class OChunk(_Wire):
    """One ``data:`` event of a streamed completion. With ``stream_options.include_usage``
    the last one before ``[DONE]`` has no choices and the usage of the whole request."""

    id: str = ""
    model: str = ""
    choices: tuple[OChunkChoice, ...] = ()
    usage: OUsage | None = None


class OEmbedding(_Wire):
    index: int = 0
    embedding: tuple[float, ...]


class OEmbeddingUsage(_Wire):
    prompt_tokens: int = 0
    total_tokens: int = 0


class OEmbeddings(_Wire):
    model: str = ""
    data: tuple[OEmbedding, ...] = ()
    usage: OEmbeddingUsage | None = None


class OImage(_Wire):
    b64_json: str | None = None
    url: str | None = None
    revised_prompt: str | None = None


class OImages(_Wire):
    created: int = 0
    data: tuple[OImage, ...] = ()


class OTranscription(_Wire):
    """``response_format=json`` gives ``text`` alone; ``verbose_json`` adds these."""

    text: str
    language: str | None = None
    duration: float | None = None


class OErrorDetail(_Wire):
    message: str = ""
    type: str | None = None
    code: str | int | None = None
    param: str | None = None


class OError(_Wire):
    error: OErrorDetail
