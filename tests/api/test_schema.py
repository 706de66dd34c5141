"""Schemathesis against the served OpenAPI document, loaded once per session
(``api_schema``): with credentials, for data that fits the document and data that does
not, every answer is one the document lists for the operation, conforms to its schema and
is never a server error; without credentials, every operation answers 401 with a Bearer
challenge (and a body that conforms too), whatever the rest of the request.

The operations are parametrized from the document as built without a server
(:func:`server.web.api.openapi_document`) -- the same table the server serves -- and each
test draws its cases with the operation's own Hypothesis strategy. (Schemathesis's
``from_fixture`` decorator reaches into pytest internals that pytest 9 no longer has.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode

from server.web.api import openapi_document
from tests.api.world import ALL

EXAMPLES = 25
#: The stream never ends by itself (tests/api/test_events.py follows it).
ENDLESS = {("GET", "/events/stream")}
OPERATIONS = [
    (method.upper(), path)
    for path, methods in openapi_document()["paths"].items()
    for method in methods
]
AUTH = {"Authorization": f"Bearer {ALL}"}


def _strategy(
    schema: schemathesis.BaseSchema, method: str, path: str, mode: GenerationMode
) -> st.SearchStrategy[schemathesis.Case]:
    operation = schema[path][method]
    return operation.as_strategy(generation_mode=mode)  # type: ignore[no-any-return]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize(("method", "path"), [o for o in OPERATIONS if o not in ENDLESS])
def test_every_answer_is_documented(
    api_schema: schemathesis.BaseSchema, method: str, path: str, mode: GenerationMode
) -> None:
    @given(case=_strategy(api_schema, method, path, mode))
    @settings(max_examples=EXAMPLES, suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        if mode is GenerationMode.POSITIVE and case.query:
            # A cursor is opaque: one the server did not give is refused (422), however
            # well it fits the schema's string. test_items.py walks real ones.
            case.query.pop("cursor", None)
        case.call_and_validate(headers=AUTH)

    _run(check, mode)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_nothing_answers_without_credentials(
    api_schema: schemathesis.BaseSchema, method: str, path: str, mode: GenerationMode
) -> None:
    @given(case=_strategy(api_schema, method, path, mode))
    @settings(max_examples=5, suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        case.headers = {
            k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"
        }
        response = case.call()
        assert response.status_code == 401, (case.path, response.status_code, response.text)
        assert response.headers["www-authenticate"][0].startswith("Bearer ")
        case.validate_response(response)

    _run(check, mode)


def _run(check: Callable[[], None], mode: GenerationMode) -> None:
    try:
        check()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        pytest.skip("no input of this operation can be invalid (a string header at most)")


def test_linked_operations_chain(api_schema: schemathesis.BaseSchema) -> None:
    """Schemathesis's stateful run over the document's links: a hook created then deleted
    (and deleted again: 404), a snippet created then read, a listed item then read."""
    machine = api_schema.as_state_machine()

    class Workflow(machine):  # type: ignore[misc, valid-type]
        def before_call(self, case: schemathesis.Case) -> None:
            if case.query:
                case.query.pop("cursor", None)  # opaque: see test_every_answer_is_documented

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": AUTH}

    Workflow.run(
        settings=settings(
            max_examples=15, stateful_step_count=6, suppress_health_check=list(HealthCheck)
        )
    )
