"""Fixtures: a fresh OpenAI stand-in per test (shapes from the ``openai`` SDK's types)."""

from __future__ import annotations

from tests.standin.kit import standin_fixture
from tests.standin.openai import OpenAIStandIn

openai = standin_fixture(OpenAIStandIn, name="openai")
