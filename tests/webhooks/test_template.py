"""JMESPath payload templates: what they render, and the limits that keep a template from
costing more than a small answer (compile errors and exceeded budgets are TemplateError)."""

from __future__ import annotations

import json

import pytest

from server.hub.webhooks import TemplateError
from server.hub.webhooks.template import MAX_EXPRESSION, Template, render_body

ENVELOPE = {
    "type": "ci.failed",
    "timestamp": "2026-12-03T14:00:00+00:00",
    "data": {
        "connector": "github",
        "account": "octo",
        "subject": "octo/app#7",
        "payload": {"title": 'Fix "quotes"', "url": "https://example.test/7", "n": [1, 2, 3]},
    },
}


def test_a_template_maps_the_envelope_to_json() -> None:
    t = Template.compile("{text: join(' ', [type, data.subject, data.payload.title])}")
    body = t.render(ENVELOPE)
    assert json.loads(body) == {"text": 'ci.failed octo/app#7 Fix "quotes"'}


def test_without_a_template_the_body_is_the_envelope() -> None:
    assert json.loads(render_body(ENVELOPE, None)) == ENVELOPE


def test_functions_and_missing_fields() -> None:
    assert json.loads(Template.compile("data.payload.missing").render(ENVELOPE)) is None
    assert json.loads(Template.compile("sum(data.payload.n)").render(ENVELOPE)) == 6
    assert json.loads(Template.compile("to_string(data.payload.n)").render(ENVELOPE)) == "[1,2,3]"


@pytest.mark.parametrize("expr", ["", "   ", "data.[", "a ||", "x" * (MAX_EXPRESSION + 1)])
def test_bad_templates_do_not_compile(expr: str) -> None:
    with pytest.raises(TemplateError):
        Template.compile(expr)


def test_a_type_error_on_an_event_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="failed"):
        Template.compile("length(data.payload.n[0])").render(ENVELOPE)
    with pytest.raises(TemplateError, match="failed"):
        Template.compile("no_such_function(type)").render(ENVELOPE)


@pytest.mark.parametrize(
    "expr",
    [
        "[@,@][]" * 40,  # a list doubling at every step
        "data.subject" + " | join('', [@, @])" * 30,  # a string doubling at every step
        "data.payload.n[*]" + ".[@, @, @][]" * 20,  # projections multiplying the work
    ],
)
def test_exponential_templates_stop_on_their_budget(expr: str) -> None:
    with pytest.raises(TemplateError, match="over"):
        Template.compile(expr).render(ENVELOPE)


def test_a_value_huge_only_when_written_out_is_refused() -> None:
    # [@,@] nested 30 deep shares one list: tiny in memory, 2**30 leaves as JSON.
    expr = "data.payload.n" + "".join(" | [@,@]" for _ in range(30))
    with pytest.raises(TemplateError, match="over"):
        Template.compile(expr).render(ENVELOPE)
    with pytest.raises(TemplateError, match="over"):
        Template.compile(f"to_string({expr})").render(ENVELOPE)
