"""Embeddable widgets: server-rendered, sanitized cards and badges of what Tieline mirrors.

A shell's webview, a local dashboard or a README preview shows a pull request, an issue, a
branch's CI, today's agenda or people's presence as the editor knows them, without asking the
service again (:mod:`.source` reads the mirror). Renderers are pure functions from sdk models
to a string (:mod:`.cards` for HTML, :mod:`.badge` for SVG) and know nothing of HTTP;
``server/web/widgets_routes.py`` serves them.
"""

from __future__ import annotations

from .badge import BadgeState, badge, ci_badge, text_width
from .cards import PresenceEntry, agenda_card, issue_card, message_card, pr_card, presence_card
from .errors import BadAddress, NotMirrored, WidgetError
from .source import BranchCI, WidgetSource

__all__ = [
    "BadAddress",
    "BadgeState",
    "BranchCI",
    "NotMirrored",
    "PresenceEntry",
    "WidgetError",
    "WidgetSource",
    "agenda_card",
    "badge",
    "ci_badge",
    "issue_card",
    "message_card",
    "pr_card",
    "presence_card",
    "text_width",
]
