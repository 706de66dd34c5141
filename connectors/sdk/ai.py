"""AI models: what language-model and embedding services answer, and what it cost.

One shape for OpenAI's API and the servers that speak it (Azure OpenAI, Ollama, llama.cpp,
vLLM). Usage is counted as the service reports it, so the hub can log tokens (and a cost,
from prices the user sets) locally.
"""

from __future__ import annotations

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


__all__ = ["EmbeddingBatch", "Usage"]
