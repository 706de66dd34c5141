"""A library-grade async client for Trello's REST API 1, over the ``httpx.AsyncClient`` it is
given (its base URL is ``https://api.trello.com/1``; the key and token travel in its auth).

It knows Trello's URLs, the ``fields=`` each call asks for, bodies and paging, and returns
wire models; retries, caching and rate limits belong to the client handed in, which also
maps every failed answer to the sdk's errors. Trello's own error bodies are plain text
("invalid token", "unauthorized permission requested"), which say little to a person, so
:func:`explained` adds what each one means and what to do about it.

Paging: Trello pages lists of cards, actions and notifications by ``limit`` plus ``before``
(the id of the oldest item already seen: ids grow with creation time, and answers come
newest first); a member's own cards come in one answer. Bodies go as JSON (Trello reads the
same names from a JSON body as from the query), so no card text is ever part of a URL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

from connectors.sdk import AuthError, InvalidRequest, RateLimited, ServiceError, TielineError

from .models import TAction, TBoard, TCard, TLabel, TList, TMember, TNotification

M = TypeVar("M", bound=BaseModel)
HEADERS = {"accept": "application/json"}
SERVICE = "Trello"
CARD_FIELDS = (
    "name,desc,closed,idBoard,idList,idShort,shortLink,url,shortUrl,idMembers,labels,"
    "badges,dateLastActivity,due,dueComplete"
)
MEMBER_FIELDS = "username,fullName,avatarUrl,url"
LIST_FIELDS = "name,closed,pos,idBoard"
BOARD_FIELDS = "name,shortLink,closed,url"
#: Trello answers at most 10 routes per ``GET /batch``.
BATCH = 10

#: Trello's plain-text error bodies, and what each means for the person reading it.
_EXPLAINED: dict[str, str] = {
    "invalid token": "the token is not valid (revoked, expired, or made for another API "
    "key); sign in again with a new token",
    "expired token": "the token has expired; sign in again with a new token",
    "invalid key": "the API key is not valid; sign in again with the key of your Power-Up",
    "unauthorized permission requested": "the token does not allow this (a read-only "
    "token cannot change cards); sign in again with a token granted read,write",
    "unauthorized card permission requested": "this member may not change the card "
    "(the board is read-only for you, or the card is on a board you are not on)",
    "invalid id": "that is not a Trello card, list or board id",
    "the requested resource was not found.": "no such card, list or board (or it is on a "
    "board this member cannot see)",
    "model not found": "no such card, list or board (or it is on a board this member cannot see)",
    # A 429's JSON body names the limit in "error", which the message leaves out.
    "rate limit exceeded": "Trello allows 100 requests per 10 seconds per token, 300 per "
    "API key, and 100 per 15 minutes to /1/members",
}


def explained(exc: TielineError) -> TielineError:
    """The same error with Trello's terse text explained, when it is one Trello sends."""
    lower = exc.message.lower()
    meaning = next((why for said, why in _EXPLAINED.items() if said in lower), None)
    if meaning is None:
        return exc
    message = f"{exc.message} -- {meaning}"
    if isinstance(exc, RateLimited):
        return RateLimited(message, retry_at=exc.retry_at, status=exc.status, service=SERVICE)
    if isinstance(exc, ServiceError):
        return type(exc)(message, status=exc.status, service=exc.service or SERVICE)
    if isinstance(exc, AuthError):
        return type(exc)(message)
    return exc


def _seg(value: str) -> str:
    return quote(value, safe="")


class TrelloClient:
    """Trello's REST API relative to the http client's base URL (``.../1``)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    # -- plumbing -----------------------------------------------------------------------
    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        try:
            return await self.http.request(
                method, path.lstrip("/"), params=params, json=json, headers=HEADERS
            )
        except (ServiceError, AuthError) as exc:
            raise explained(exc) from exc

    async def _get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        return (await self._request("GET", path, params=params)).json()

    # -- the member -----------------------------------------------------------------------
    async def me(self) -> tuple[TMember, httpx.Response]:
        """The member the token belongs to, and the answer (its rate-limit headers)."""
        r = await self._request("GET", "members/me", params={"fields": f"id,{MEMBER_FIELDS}"})
        return TMember.model_validate(r.json()), r

    async def my_boards(self) -> list[TBoard]:
        """The open boards the member is on."""
        body = await self._get("members/me/boards", {"filter": "open", "fields": BOARD_FIELDS})
        return TypeAdapter(list[TBoard]).validate_python(body)

    async def my_cards(self) -> list[TCard]:
        """Every open card the member is on (Trello answers these in one list)."""
        body = await self._get(
            "members/me/cards",
            {
                "filter": "open",
                "fields": CARD_FIELDS,
                "members": "true",
                "member_fields": MEMBER_FIELDS,
            },
        )
        return TypeAdapter(list[TCard]).validate_python(body)

    async def my_actions(
        self, action_type: str, *, limit: int, before: str | None = None
    ) -> list[TAction]:
        """The member's own actions of one type (``createCard``), newest first."""
        params: dict[str, str | int] = {
            "filter": action_type,
            "limit": limit,
            "fields": "type,date,data,idMemberCreator",
        }
        if before:
            params["before"] = before
        body = await self._get("members/me/actions", params)
        return TypeAdapter(list[TAction]).validate_python(body)

    async def my_notifications(
        self, notification_type: str, *, limit: int, before: str | None = None
    ) -> list[TNotification]:
        """The member's notifications of one type (``mentionedOnCard``), newest first."""
        params: dict[str, str | int] = {
            "filter": notification_type,
            "limit": limit,
            "fields": "type,date,data,unread",
        }
        if before:
            params["before"] = before
        body = await self._get("members/me/notifications", params)
        return TypeAdapter(list[TNotification]).validate_python(body)

    async def search_members(self, query: str, limit: int) -> list[TMember]:
        body = await self._get("search/members", {"query": query, "limit": limit})
        return TypeAdapter(list[TMember]).validate_python(body)

    # -- boards ---------------------------------------------------------------------------
    async def board(self, board: str) -> TBoard:
        """A board by id or short link."""
        return TBoard.model_validate(
            await self._get(f"boards/{_seg(board)}", {"fields": BOARD_FIELDS})
        )

    async def lists(self, board: str) -> list[TList]:
        """The board's open lists, left to right."""
        body = await self._get(
            f"boards/{_seg(board)}/lists", {"filter": "open", "fields": LIST_FIELDS}
        )
        return sorted(TypeAdapter(list[TList]).validate_python(body), key=lambda x: x.pos or 0.0)

    async def labels(self, board: str) -> list[TLabel]:
        body = await self._get(
            f"boards/{_seg(board)}/labels", {"fields": "name,color", "limit": 1000}
        )
        return TypeAdapter(list[TLabel]).validate_python(body)

    async def members(self, board: str) -> list[TMember]:
        body = await self._get(f"boards/{_seg(board)}/members", {"fields": MEMBER_FIELDS})
        return TypeAdapter(list[TMember]).validate_python(body)

    async def board_cards(
        self, board: str, *, limit: int, before: str | None = None
    ) -> list[TCard]:
        """One page of the board's open cards, newest first."""
        params: dict[str, str | int] = {
            "filter": "open",
            "fields": CARD_FIELDS,
            "members": "true",
            "member_fields": MEMBER_FIELDS,
            "limit": limit,
        }
        if before:
            params["before"] = before
        body = await self._get(f"boards/{_seg(board)}/cards", params)
        return TypeAdapter(list[TCard]).validate_python(body)

    # -- cards ----------------------------------------------------------------------------
    async def card(self, card: str) -> TCard:
        """A card by id or short link, with its members, list and board."""
        body = await self._get(
            f"cards/{_seg(card)}",
            {
                "fields": CARD_FIELDS,
                "members": "true",
                "member_fields": MEMBER_FIELDS,
                "list": "true",
                "list_fields": LIST_FIELDS,
                "board": "true",
                "board_fields": BOARD_FIELDS,
            },
        )
        return TCard.model_validate(body)

    async def cards(self, ids: Sequence[str]) -> list[TCard | None]:
        """Up to :data:`BATCH` cards in one request (``GET /batch``), in order; ``None`` for
        one that is gone or hidden. Batched routes are comma-separated, so theirs carry no
        comma: Trello's default card fields (all of them), the members and the list."""
        if len(ids) > BATCH:
            raise ValueError(f"at most {BATCH} cards a batch")
        if not ids:
            return []
        urls = ",".join(f"/cards/{_seg(i)}?members=true&list=true" for i in ids)
        answers = await self._get("batch", {"urls": urls})
        out: list[TCard | None] = []
        for answer in answers if isinstance(answers, list) else []:
            body = answer.get("200") if isinstance(answer, dict) else None
            out.append(TCard.model_validate(body) if isinstance(body, dict) else None)
        return out

    async def create_card(
        self, list_id: str, name: str, desc: str = "", label_ids: Sequence[str] = ()
    ) -> TCard:
        body: dict[str, str] = {"idList": list_id, "name": name, "pos": "top"}
        if desc:
            body["desc"] = desc
        if label_ids:
            body["idLabels"] = ",".join(label_ids)
        r = await self._request("POST", "cards", json=body)
        return TCard.model_validate(r.json())

    async def move_card(self, card: str, list_id: str) -> TCard:
        r = await self._request("PUT", f"cards/{_seg(card)}", json={"idList": list_id})
        return TCard.model_validate(r.json())

    async def comment(self, card: str, text: str) -> TAction:
        r = await self._request("POST", f"cards/{_seg(card)}/actions/comments", json={"text": text})
        return TAction.model_validate(r.json())


def not_a_card(key: str) -> InvalidRequest:
    return InvalidRequest(
        f"{key!r} is not a Trello card's short link (8 letters and digits) or id", service=SERVICE
    )
