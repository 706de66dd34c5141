"""Trello wire types: the fields of cards, lists, boards, members, labels and actions that the
client asks for (``fields=``) and the connector reads.

Trello's JSON is camelCase; Python reads ``card.id_list`` for ``idList`` through an alias
generator. Unknown fields are ignored. The shapes follow trello.js's models (validated by
that client against real answers) and Trello's REST reference; Trello publishes no response
schema of its own in a machine-readable form.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class _Wire(BaseModel):
    model_config = ConfigDict(
        extra="ignore", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


class TMember(_Wire):
    """A member: ``username`` is what people write after ``@`` on Trello."""

    id: str
    username: str | None = None
    full_name: str | None = None
    avatar_url: str | None = None
    url: str | None = None


class TLabel(_Wire):
    id: str
    name: str | None = None
    color: str | None = None


class TList(_Wire):
    """A list of a board: Trello's workflow column."""

    id: str
    name: str = ""
    closed: bool = False
    pos: float | None = None
    id_board: str | None = None


class TBoard(_Wire):
    id: str
    name: str = ""
    short_link: str | None = None
    closed: bool = False
    url: str | None = None


class TBadges(_Wire):
    comments: int = 0


class TCard(_Wire):
    """A card. ``id_short`` is its number on its board (the ``/12-`` in its URL);
    ``short_link`` the 8-character name in ``https://trello.com/c/<shortLink>``."""

    id: str
    name: str = ""
    desc: str | None = None
    closed: bool = False
    id_board: str | None = None
    id_list: str | None = None
    id_short: int | None = None
    short_link: str | None = None
    url: str | None = None
    short_url: str | None = None
    id_members: tuple[str, ...] = ()
    labels: tuple[TLabel, ...] = ()
    members: tuple[TMember, ...] = ()
    badges: TBadges | None = None
    date_last_activity: datetime | None = None
    due: datetime | None = None
    due_complete: bool = False
    #: Present when asked for (``list=true`` / ``board=true`` on ``GET /cards/{id}``).
    list: TList | None = None
    board: TBoard | None = None


class TAction(_Wire):
    """An action (a comment, a card created, ...): ``data`` depends on ``type``."""

    id: str
    type: str | None = None
    date: datetime | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    member_creator: TMember | None = None
    id_member_creator: str | None = None

    @property
    def card_id(self) -> str | None:
        """The id of the card the action is about, when it is about one."""
        card = self.data.get("card")
        return str(card["id"]) if isinstance(card, dict) and card.get("id") else None

    @property
    def board_id(self) -> str | None:
        board = self.data.get("board")
        return str(board["id"]) if isinstance(board, dict) and board.get("id") else None


class TNotification(TAction):
    """A notification (``mentionedOnCard``, ...): the same ``data`` as an action."""

    unread: bool | None = None
