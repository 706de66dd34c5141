"""The verbs a shell uses to read the hub: ``tieline prs``, ``issues``, ``issue KEY``, ``ci``,
``log JOB``, ``snippets search|add|show``, ``docs QUERY``, ``webhooks ...``.

Each verb is one module of this package with two functions -- ``arguments(parser)`` adding
its own options and ``async run(ctx, args) -> int`` -- and one :class:`Verb` line in
:data:`VERBS`. The parser imports only the module of the verb being run (``tieline
--version`` and ``tieline serve`` import none), and no verb imports the LSP layer: a script
calling ``tieline prs --json`` in a loop pays for the hub, not for pygls.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verb:
    """A verb's name, the module that implements it, and its line in ``tieline --help``."""

    name: str
    module: str
    help: str


#: Every verb, in the order ``tieline --help`` lists them.
VERBS: tuple[Verb, ...] = (
    Verb("prs", "server.verbs.prs", "pull and merge requests: asking for my review, and mine"),
    Verb("issues", "server.verbs.issues", "issues assigned to me, mentioning me, created by me"),
    Verb("issue", "server.verbs.issue", "one issue or pull request: #12, PROJ-7, a URL"),
    Verb("ci", "server.verbs.ci", "CI of this checkout's branch (--watch: until it finishes)"),
    Verb("log", "server.verbs.log", "a CI job's log, the failing step first"),
    Verb("snippets", "server.verbs.snippets", "the snippet library: search, add, show"),
    Verb("docs", "server.verbs.docs", "look a name up in the installed documentation sets"),
    Verb("webhooks", "server.verbs.webhooks", "outgoing webhooks: add, list, test, log, replay"),
)


def verb(name: str) -> Verb | None:
    return next((v for v in VERBS if v.name == name), None)


__all__ = ["VERBS", "Verb", "verb"]
