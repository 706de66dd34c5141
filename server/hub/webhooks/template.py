"""Payload templates: a JMESPath expression over the event's JSON envelope, in a sandbox.

Why JMESPath rather than Jinja2's ``SandboxedEnvironment``: a webhook body is JSON, and a
JMESPath expression maps JSON to JSON, so the output can never be malformed or mis-escaped
(a Jinja2 template prints text, and ``{{ title }}`` with a quote in the title breaks the
body). JMESPath reaches data only: no attribute of a Python object, no method call, so there
is no sandbox to escape (Jinja2's has been escaped more than once: CVE-2016-10745,
CVE-2019-10906, CVE-2024-56326); and it has no loops, so its cost is bounded by the
expression and its input.

"Bounded" is not "small": ``[@,@][] `` doubles a list, so a few dozen characters could build
billions of elements. The interpreter here therefore runs on a budget: at most
``MAX_STEPS`` node visits, no intermediate list, object or string over ``MAX_ITEMS`` /
``MAX_STRING``, and ``to_string`` and the final serialisation stop at ``MAX_BODY`` bytes.
A template that exceeds a limit fails with :class:`TemplateError`, like one that does not
compile.

Examples, over the envelope ``{"type", "timestamp", "data": {"connector", "account",
"subject", "payload"}}``::

    {text: join(' ', [type, data.subject])}          # a Slack-style {"text": ...} body
    {event: type, title: data.payload.title, url: data.payload.url}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import jmespath
import jmespath.exceptions
import jmespath.functions
import jmespath.visitor

from .errors import TemplateError

MAX_EXPRESSION = 2000
MAX_STEPS = 20_000
MAX_ITEMS = 10_000
MAX_STRING = 256 * 1024
MAX_BODY = 256 * 1024


class _Exceeded(Exception):
    pass


def bounded_json(value: Any, limit: int = MAX_BODY) -> str:
    """``json.dumps`` that stops (``_Exceeded``) once the text would pass ``limit`` chars.

    ``iterencode`` yields the text piece by piece, so a small value that is huge when written
    out (a list holding itself 30 levels deep) is refused before it is built.
    """
    out: list[str] = []
    size = 0
    encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)
    for chunk in encoder.iterencode(value):
        size += len(chunk)
        if size > limit:
            raise _Exceeded(f"the result is over {limit} characters")
        out.append(chunk)
    return "".join(out)


class _Functions(jmespath.functions.Functions):
    @jmespath.functions.signature({"types": []})
    def _func_to_string(self, arg: Any) -> str:
        return arg if isinstance(arg, str) else bounded_json(arg, MAX_STRING)


class _Interpreter(jmespath.visitor.TreeInterpreter):
    def __init__(self) -> None:
        super().__init__(jmespath.Options(custom_functions=_Functions()))
        self.steps = 0

    def visit(self, node: Any, *args: Any, **kwargs: Any) -> Any:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _Exceeded(f"the template took over {MAX_STEPS} steps")
        result = super().visit(node, *args, **kwargs)
        if isinstance(result, list | dict) and len(result) > MAX_ITEMS:
            raise _Exceeded(f"the template built a value of over {MAX_ITEMS} items")
        if isinstance(result, str) and len(result) > MAX_STRING:
            raise _Exceeded(f"the template built a string of over {MAX_STRING} characters")
        return result


@dataclass(frozen=True)
class Template:
    """A compiled template; :meth:`render` gives the body text for an envelope."""

    expression: str
    _parsed: Any

    @classmethod
    def compile(cls, expression: str) -> Template:
        """Compile, or raise :class:`TemplateError` saying where the expression is wrong."""
        text = expression.strip()
        if not text:
            raise TemplateError("the template is empty")
        if len(text) > MAX_EXPRESSION:
            raise TemplateError(f"the template is longer than {MAX_EXPRESSION} characters")
        try:
            parsed = jmespath.compile(text)
        except jmespath.exceptions.JMESPathError as exc:
            raise TemplateError(f"the template is not a JMESPath expression: {exc}") from None
        return cls(text, parsed)

    def apply(self, envelope: Any) -> Any:
        """The template's value for ``envelope`` (JSON data), within the limits."""
        interpreter = _Interpreter()
        try:
            return interpreter.visit(self._parsed.parsed, envelope)
        except _Exceeded as exc:
            raise TemplateError(str(exc)) from None
        except jmespath.exceptions.JMESPathError as exc:
            raise TemplateError(f"the template failed: {exc}") from None
        except RecursionError:
            raise TemplateError("the template nests too deeply") from None

    def render(self, envelope: Any) -> str:
        """The body text: the template's value as compact JSON (at most ``MAX_BODY``)."""
        value = self.apply(envelope)
        try:
            return bounded_json(value)
        except _Exceeded as exc:
            raise TemplateError(str(exc)) from None


def render_body(envelope: dict[str, Any], template: Template | None) -> str:
    """What a message's body is: the template's output, or the envelope itself."""
    if template is None:
        return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False, default=str)
    return template.render(envelope)
