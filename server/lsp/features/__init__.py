"""LSP features, one module each; every module exposes ``setup(server)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from . import (
    actions,
    ai,
    auth,
    calendar,
    chat,
    ci,
    citations,
    commands,
    completion,
    consent,
    diagrams,
    doccomments,
    docs,
    docsync,
    documents,
    focus,
    hover,
    lenses,
    lifecycle,
    links,
    mail,
    meetings,
    notes,
    pages,
    panels,
    papers,
    pdfnotes,
    publish,
    semantic,
    snippets,
    tasks,
    wikilinks,
)

if TYPE_CHECKING:
    from ..server import TielineServer

FEATURES: list[Callable[[TielineServer], None]] = [
    lifecycle.setup,
    documents.setup,
    hover.setup,
    links.setup,
    lenses.setup,
    completion.setup,
    actions.setup,
    commands.setup,
    panels.setup,
    auth.setup,
    consent.setup,
    ci.setup,
    diagrams.setup,
    docs.setup,
    snippets.setup,
    calendar.setup,
    chat.setup,
    meetings.setup,
    focus.setup,
    docsync.setup,
    doccomments.setup,
    mail.setup,
    notes.setup,
    pdfnotes.setup,
    publish.setup,
    tasks.setup,
    wikilinks.setup,
    pages.setup,
    papers.setup,
    semantic.setup,
    ai.setup,
    citations.setup,
]
