"""The API's scopes: one per capability and access (``issues:read``, ``prs:write``, ...).

Each resource names the sdk capability behind it (``connectors.sdk.capabilities``), so a
scope means "what connectors declaring that capability can do for you"; ``events`` is the
hub's own event stream and has no capability. The table is data rather than derived from
``CAPABILITIES`` because the API exposes a chosen few, with a short public name each; a test
checks every named capability exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .errors import InvalidClientConfig


@dataclass(frozen=True)
class Resource:
    """An API resource: its scope prefix, the sdk capability behind it, and its accesses."""

    name: str
    capability: str | None
    accesses: tuple[str, ...]
    what: str


RESOURCES: tuple[Resource, ...] = (
    Resource("issues", "IssueTracker", ("read", "write"), "issues in your trackers"),
    Resource("prs", "CodeHost", ("read", "write"), "pull requests on your code hosts"),
    Resource("ci", "CIProvider", ("read",), "CI runs and their results"),
    Resource("snippets", "SnippetStore", ("read", "write"), "your snippets"),
    Resource("calendar", "Calendar", ("read",), "your calendar events"),
    Resource("events", None, ("read",), "Tieline's event stream (new PRs, CI failures, ...)"),
)

#: Every scope, in a stable order.
ALL_SCOPES: tuple[str, ...] = tuple(f"{r.name}:{a}" for r in RESOURCES for a in r.accesses)
_VERB = {"read": "read", "write": "create and change"}


def describe(scope: str) -> str:
    """``issues:write`` -> ``create and change issues in your trackers`` (for consent texts)."""
    name, _, access = scope.partition(":")
    for r in RESOURCES:
        if r.name == name and access in r.accesses:
            return f"{_VERB[access]} {r.what}"
    return scope


def parse(scope: str | None) -> list[str]:
    """Split a space-separated scope string, keeping order and dropping repeats."""
    return list(dict.fromkeys((scope or "").split()))


def to_string(scopes: Iterable[str]) -> str:
    """Scopes in the canonical order of :data:`ALL_SCOPES` (unknown ones last, sorted)."""
    got = set(scopes)
    known = [s for s in ALL_SCOPES if s in got]
    return " ".join([*known, *sorted(got - set(ALL_SCOPES))])


def check_known(scopes: Iterable[str]) -> list[str]:
    """The scopes, or :class:`InvalidClientConfig` naming the unknown ones and the known."""
    listed = list(dict.fromkeys(scopes))
    unknown = [s for s in listed if s not in ALL_SCOPES]
    if unknown:
        raise InvalidClientConfig(
            f"unknown scope {', '.join(unknown)}; the scopes are {' '.join(ALL_SCOPES)}"
        )
    return listed


def satisfies(granted: Iterable[str], required: str) -> bool:
    """Whether a token holding ``granted`` may do what ``required`` names.

    ``write`` does not imply ``read``: a client asks for each it needs, and the person sees
    each on the consent prompt.
    """
    return required in set(granted)
