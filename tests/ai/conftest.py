"""Fixtures: a fresh OpenAI stand-in per test (shapes from the ``openai`` SDK's types), and
the real OpenAI-compatible server of tests/peers/llm, once per session."""

from __future__ import annotations

from tests.ai.llm_peer import llm_server
from tests.standin.kit import standin_fixture
from tests.standin.openai import OpenAIStandIn

__all__ = ["llm_server"]

openai = standin_fixture(OpenAIStandIn, name="openai")
