"""Chat in the hub, across every Messaging, Mentions and Presence session: code shared from
the editor (:mod:`.share`, :mod:`.channels`), mentions to tell (:mod:`.mentions`), reviewers'
presence (:mod:`.presence`) and events posted to a channel (:mod:`.relay`). Each reads the
sessions by capability and names no service."""

from __future__ import annotations

from .channels import Destination, Recent, SendFailed, destinations, find, send
from .mentions import Batch, Mention, MentionWatch
from .presence import PresenceCache, email_of, reviewers_presence
from .relay import Relay, format_post
from .share import Selection, build_post, check_secrets

__all__ = [
    "Batch",
    "Destination",
    "Mention",
    "MentionWatch",
    "PresenceCache",
    "Recent",
    "Relay",
    "Selection",
    "SendFailed",
    "build_post",
    "check_secrets",
    "destinations",
    "email_of",
    "find",
    "format_post",
    "reviewers_presence",
    "send",
]
