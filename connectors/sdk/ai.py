"""AI models: what language-model and embedding services answer, and what it cost.

One shape for OpenAI's API and the servers that speak it (Azure OpenAI, Ollama, llama.cpp,
vLLM). Usage is counted as the service reports it, so the hub can log tokens (and a cost,
from prices the user sets) locally.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Literal

from .models import _Model


class Usage(_Model):
    """Tokens a request used, as the service reported them (0: not reported)."""

    input_tokens: int = 0
    output_tokens: int = 0


class EmbeddingBatch(_Model):
    """One vector per input text, in the order given; every vector of a batch has the same
    length (the model's dimension)."""

    model: str
    vectors: tuple[tuple[float, ...], ...]
    usage: Usage = Usage()

    @property
    def dimension(self) -> int:
        return len(self.vectors[0]) if self.vectors else 0


Role = Literal["system", "user", "assistant"]


class Turn(_Model):
    """One message of a conversation sent to a language model."""

    role: Role
    content: str


class Answer:
    """A model's answer as it streams: iterate it (once) for the text's pieces, in order;
    once iterated to the end, ``usage``, ``model`` and ``finish_reason`` say what the
    service reported (``usage`` stays zero when it reported none).

    ``pieces`` makes the stream, given the answer to fill in as it goes: nothing is sent
    before the first iteration."""

    def __init__(self, pieces: Callable[[Answer], AsyncIterator[str]], *, model: str = "") -> None:
        self._pieces = pieces
        self.model = model
        self.usage = Usage()
        self.finish_reason: str | None = None
        self.done = False

    def __aiter__(self) -> AsyncIterator[str]:
        return self._run()

    async def _run(self) -> AsyncIterator[str]:
        async for piece in self._pieces(self):
            yield piece
        self.done = True

    async def text(self) -> str:
        """The whole answer (iterates it)."""
        return "".join([p async for p in self])


class GeneratedImage(_Model):
    """An image a model drew: PNG bytes, and the prompt as the service rewrote it, if it did."""

    png: bytes
    model: str = ""
    revised_prompt: str | None = None


class Transcript(_Model):
    """Speech turned into text."""

    text: str
    model: str = ""
    language: str | None = None
    duration: float | None = None


def parse_prices(value: object) -> dict[str, tuple[float, float]]:
    """A ``prices`` setting, ``["gpt-4o-mini=0.15/0.60", ...]``, as ``{model: (input,
    output)}`` US dollars per million tokens; entries that do not parse are left out."""
    found: dict[str, tuple[float, float]] = {}
    for entry in value if isinstance(value, list | tuple) else ():
        model, sep, pair = str(entry).partition("=")
        given, slash, taken = pair.partition("/")
        try:
            if sep and slash and model.strip():
                found[model.strip()] = (float(given), float(taken))
        except ValueError:
            continue
    return found


__all__ = [
    "Answer",
    "EmbeddingBatch",
    "GeneratedImage",
    "Role",
    "Transcript",
    "Turn",
    "Usage",
    "parse_prices",
]
