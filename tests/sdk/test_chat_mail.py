"""The chat, presence, focus and mail shapes every Slack/Teams/Discord/Outlook/Gmail
connector shares: what the hub relies on before any of those connectors exists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from connectors.sdk import (
    CAPABILITIES,
    Availability,
    Channel,
    CodeBlock,
    FocusSnapshot,
    ItemKind,
    ItemRef,
    MailMessage,
    Message,
    Post,
    PresenceStatus,
)
from connectors.sdk.capabilities import Focus, Messaging, Presence, missing_methods, provides


def test_the_new_families_are_registered() -> None:
    for name in ("Messaging", "Mentions", "Presence", "Focus", "Mail", "OnlineMeetings"):
        assert name in CAPABILITIES, name


def test_a_focus_snapshot_survives_json() -> None:
    """The hub keeps the snapshot in the store across a crash: it must come back equal."""
    snap = FocusSnapshot(
        connector="slack",
        account="U1",
        taken_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
        state={"status_text": "Lunch", "status_expiration": 1764666000, "snooze": None},
    )
    assert FocusSnapshot.model_validate_json(snap.model_dump_json()) == snap


def test_a_post_with_only_whitespace_is_empty() -> None:
    assert Post(text="  ").empty
    assert Post(code=CodeBlock(body="\n")).empty
    assert not Post(code=CodeBlock(body="x = 1", language="python")).empty
    assert not Post(text="see this").empty


def test_code_lines_are_one_based() -> None:
    with pytest.raises(ValidationError):
        CodeBlock(body="x", line=0)


def test_presence_label() -> None:
    assert PresenceStatus(availability=Availability.BUSY).label == "busy"
    status = PresenceStatus(availability=Availability.DND, text="Focus", emoji=":headphones:")
    assert status.label == "dnd · :headphones: Focus"


def test_a_mail_message_is_named_by_a_message_ref() -> None:
    ref = ItemRef(
        connector="microsoft",
        host="graph.microsoft.com",
        scope="inbox",
        key="AAMk1",
        kind=ItemKind.MESSAGE,
    )
    m = MailMessage(ref=ref, subject="Build broken", body_html="<p onclick=x>hi</p>")
    assert m.key == ref.id
    # The body is kept as sent: cleaning it is the hub's one sanitiser's job.
    assert m.body_html == "<p onclick=x>hi</p>"


class _Chat:
    """Declares and implements Messaging and Presence, declares Focus without it."""

    @staticmethod
    def manifest() -> object:
        class M:
            capabilities = ("Messaging", "Presence", "Focus")

        return M()

    async def channels(self, prefix: str = "") -> Sequence[Channel]:
        return ()

    async def send_message(self, channel: str, post: Post, *, thread: str | None = None) -> Message:
        return Message(id="1", channel=channel, text=post.text)

    async def my_status(self) -> PresenceStatus:
        return PresenceStatus()

    async def set_status(self, status: PresenceStatus) -> PresenceStatus:
        return status

    async def presence_of(self, emails: Sequence[str]) -> Mapping[str, PresenceStatus]:
        return {}


def test_routing_needs_the_declaration_and_every_method() -> None:
    assert provides(_Chat, Messaging)
    assert provides(_Chat, Presence)
    assert not provides(_Chat, Focus)
    assert set(missing_methods(_Chat, "Focus")) == {"focus_snapshot", "start_focus", "end_focus"}
