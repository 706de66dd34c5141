"""Trello connector: cards as issues, a board's lists as its workflow.

Glue only: the wire calls live in :mod:`.client`, the list-name heuristic in
:mod:`.mapping`, retries/caching/rate limits in the client the hub injects.

How Trello fits the shared models:

- A card is ``ItemRef(connector="trello", host="trello.com", scope=<board short link>,
  key=<card short link>, number=<idShort>)``. The short link (the 8 characters in
  ``https://trello.com/c/<shortLink>``) is unique across Trello, so the key alone finds the
  card and the item's id (``trello:trello.com:<shortLink>``) does not depend on the scope. A
  pasted card URL does not name the board: its ref has an empty scope until the card is read.
- A scope is a board, by short link (what its URL shows) or id; lists are not scopes.
- The status is the card's list, its category guessed from the list's name
  (:mod:`.mapping`, settings ``started_lists`` / ``done_lists``); a card in a *done* list, or
  archived, is closed.
- Workflow: a transition is a move to another open list of the card's board (id = the list's
  id); "start work" takes the first *in progress* list, left to right.
- "Assigned" is the cards the member is on; "mentioned" the cards of the member's
  ``mentionedOnCard`` notifications; "created" the cards of the member's ``createCard``
  actions -- the last :data:`RECENT` of each, since Trello keeps them for ever.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from connectors.sdk import (
    CheckResult,
    Comment,
    Connector,
    ConnectorContext,
    InvalidRequest,
    Issue,
    ItemKind,
    ItemRef,
    ItemState,
    Label,
    NotFound,
    Page,
    PermissionDenied,
    Status,
    StatusCategory,
    TielineError,
    Transition,
    User,
)
from connectors.sdk.capabilities import IssueFilter

from .client import BATCH, SERVICE, TrelloClient, not_a_card
from .mapping import ListCategories
from .models import TAction, TBoard, TCard, TList, TMember

CONNECTOR = "trello"
DEFAULT_HOST = "trello.com"
#: A card's short link or id; a board's the same shapes.
SHORT_LINK = re.compile(r"^[A-Za-z0-9]{8}$")
OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
#: Cards of a board per page (Trello allows up to 1000; a page is a request of its own).
PAGE = 50
#: Notifications or actions per page of "mentioned"/"created": their cards are read in one
#: ``GET /batch``, which takes at most 10 routes.
ACTIONS_PAGE = BATCH
#: How far back "mentioned" and "created" look: the newest this many notifications/actions.
RECENT = 50
MAX_USERS = 20


def _is_key(value: str) -> bool:
    return bool(SHORT_LINK.match(value) or OBJECT_ID.match(value))


def created_at(object_id: str) -> datetime | None:
    """When a Trello object was made: its id's first 4 bytes are Unix seconds (a MongoDB
    ObjectId)."""
    if not OBJECT_ID.match(object_id):
        return None
    return datetime.fromtimestamp(int(object_id[:8], 16), tz=UTC)


class TrelloConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self.client = TrelloClient(ctx.http)
        self._boards: dict[str, TBoard] = {}  # id -> board, of the member's boards
        self._boards_loaded = False
        self._lists: dict[str, list[TList]] = {}  # board id -> open lists, left to right
        self._lock = asyncio.Lock()
        s = ctx.settings
        self.categories = ListCategories.from_settings(
            _strings(s.get("started_lists")), _strings(s.get("done_lists"))
        )

    @property
    def host(self) -> str:
        return self.ctx.host or DEFAULT_HOST

    # -- hooks ------------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        """``GET /members/me``: the member's user name names the account."""
        try:
            me, response = await self.client.me()
        except TielineError as exc:
            return CheckResult.failed(exc)
        if not me.username:
            return CheckResult(ok=False, detail="Trello: /members/me named no member")
        h = response.headers
        return CheckResult(
            ok=True,
            account=me.username,
            name=me.full_name,
            detail=f"signed in to Trello as {me.full_name or me.username} (@{me.username})",
            rate_limit_remaining=_int(h.get("x-rate-limit-api-token-remaining")),
            rate_limit_limit=_int(h.get("x-rate-limit-api-token-max")),
            scopes=None,  # what a token allows is said by /tokens/{token}, not by answers
        )

    async def known_scopes(self) -> Sequence[str] | None:
        """The short links of the member's open boards: where new cards can go."""
        boards = await self._member_boards(fresh=True)
        return sorted(b.short_link or b.id for b in boards.values())

    # -- IssueTracker -----------------------------------------------------------------------
    async def get_issue(self, ref: ItemRef) -> Issue:
        card = await self.client.card(self._key(ref))
        return await self._issue(card)

    async def list_issues(
        self, which: IssueFilter, *, scope: str | None = None, cursor: str | None = None
    ) -> Page:
        board = await self._board_id(scope) if scope is not None else None
        if which == "open":
            if board is None:
                raise InvalidRequest("listing a board's open cards needs the board's short link")
            cards = await self.client.board_cards(board, limit=PAGE, before=cursor)
            nxt = cards[-1].id if len(cards) >= PAGE else None
            return Page(items=await self._open_issues(cards), next_cursor=nxt)
        if which == "assigned":
            mine = [c for c in await self.client.my_cards() if board in (None, c.id_board)]
            mine.sort(key=_activity, reverse=True)
            return Page(items=await self._open_issues(mine))
        if which in ("mentioned", "created"):
            return await self._recent(which, board, cursor)
        raise InvalidRequest(f"Trello cannot list cards by {which!r}")

    async def create_issue(
        self, scope: str, title: str, body: str = "", labels: Sequence[str] = ()
    ) -> Issue:
        """A new card at the top of the board's list for new cards: the ``default_list``
        setting where the board has it, else the first open list that is neither started nor
        done, else the first open list. ``labels`` are names of the board's labels."""
        board = await self._board_id(scope)
        target = await self._new_card_list(board)
        label_ids: list[str] = []
        if labels:
            found: dict[str, str] = {}
            for lb in await self.client.labels(board):
                if lb.name:
                    found.setdefault(lb.name, lb.id)
            missing = [n for n in labels if n not in found]
            if missing:
                raise InvalidRequest(
                    f"Trello: board {scope} has no label named {', '.join(missing)}",
                    service=SERVICE,
                )
            label_ids = [found[n] for n in dict.fromkeys(labels)]
        card = await self.client.create_card(target.id, title, body, label_ids)
        return await self._issue(card, lst=target)

    async def add_comment(self, ref: ItemRef, body: str) -> Comment:
        key = self._key(ref)
        action = await self.client.comment(key, body)
        text = action.data.get("text")
        return Comment(
            id=action.id,
            body=str(text) if isinstance(text, str) else body,
            url=f"{self.web}/c/{key}#comment-{action.id}",
            author=self._user(action.member_creator),
            created_at=action.date,
        )

    async def search_users(self, scope: str | None, prefix: str) -> Sequence[User]:
        """People for ``@`` completion: the board's members whose user name or name starts
        with ``prefix`` when a board is given, else Trello's member search."""
        query = prefix.lstrip("@").strip()
        if scope is not None:
            members = await self.client.members(await self._board_id(scope))
            q = query.casefold()
            found = [m for m in members if _starts(m, q)]
        elif query:
            found = await self.client.search_members(query, MAX_USERS)
        else:
            return []
        return [u for u in (self._user(m) for m in found) if u is not None][:MAX_USERS]

    # -- Workflow ---------------------------------------------------------------------------
    async def transitions(self, ref: ItemRef) -> Sequence[Transition]:
        """Every other open list of the card's board, left to right."""
        card = await self.client.card(self._key(ref))
        if card.id_board is None:
            return []
        keys = await self._board_keys(card.id_board)
        lists = await self._board_lists(card.id_board, fresh=True)
        return [
            Transition(id=lst.id, name=lst.name, to=self._status(lst, keys))
            for lst in lists
            if lst.id != card.id_list
        ]

    async def transition(self, ref: ItemRef, transition_id: str) -> Issue:
        """Move the card to the list ``transition_id`` (an id from :meth:`transitions`);
        only lists of the card's own board are allowed -- Trello would otherwise move the
        card to another board."""
        key = self._key(ref)
        card = await self.client.card(key)
        if card.id_board is None:
            raise NotFound(f"Trello: card {key} is on no board", service=SERVICE)
        lists = await self._board_lists(card.id_board, fresh=True)
        target = next((lst for lst in lists if lst.id == transition_id), None)
        if target is None:
            raise InvalidRequest(
                f"Trello: {transition_id!r} is not an open list of card {key}'s board",
                service=SERVICE,
            )
        moved = await self.client.move_card(card.id, target.id)
        return await self._issue(moved, lst=target)

    # -- lookups ----------------------------------------------------------------------------
    async def _member_boards(self, *, fresh: bool = False) -> dict[str, TBoard]:
        async with self._lock:
            if fresh or not self._boards_loaded:
                self._boards = {b.id: b for b in await self.client.my_boards()}
                self._boards_loaded = True
            return self._boards

    async def _board_id(self, scope: str) -> str:
        """The id of the board a scope names (short link or id); Trello is asked when it is
        not one of the member's boards already known."""
        scope = scope.strip()
        if not _is_key(scope):
            raise InvalidRequest(f"{scope!r} is not a Trello board's short link or id")
        for b in (await self._member_boards()).values():
            if scope in (b.id, b.short_link):
                return b.id
        board = await self.client.board(scope)
        self._boards[board.id] = board
        return board.id

    async def _board_keys(self, board_id: str) -> tuple[str, ...]:
        """The board's id and short link, as settings may name it."""
        board = (await self._member_boards()).get(board_id)
        if board is None:
            try:
                board = await self.client.board(board_id)
            except (NotFound, PermissionDenied):
                return (board_id,)
            self._boards[board.id] = board
        return tuple(k for k in (board.short_link, board.id) if k)

    async def _board_lists(self, board_id: str, *, fresh: bool = False) -> list[TList]:
        if fresh or board_id not in self._lists:
            self._lists[board_id] = await self.client.lists(board_id)
        return self._lists[board_id]

    async def _list_of(self, card: TCard) -> TList | None:
        if card.list is not None:
            return card.list
        if card.id_board is None or card.id_list is None:
            return None
        for fresh in (False, True):  # a list made since the last look: ask again, once
            lists = await self._board_lists(card.id_board, fresh=fresh)
            found = next((lst for lst in lists if lst.id == card.id_list), None)
            if found is not None:
                return found
        return None  # an archived list: no longer among the open ones

    async def _new_card_list(self, board_id: str) -> TList:
        lists = await self._board_lists(board_id, fresh=True)
        if not lists:
            raise InvalidRequest("Trello: the board has no open list to add a card to")
        wanted = str(self.ctx.settings.get("default_list") or "").strip()
        if wanted:
            hit = next(
                (x for x in lists if x.id == wanted or x.name.casefold() == wanted.casefold()),
                None,
            )
            if hit is not None:
                return hit
        keys = await self._board_keys(board_id)
        todo = next(
            (x for x in lists if self.categories.category(x.name, keys) is StatusCategory.TODO),
            None,
        )
        return todo or lists[0]

    async def _recent(self, which: str, board: str | None, cursor: str | None) -> Page:
        """A page of the cards of the member's recent mentions (notifications) or created
        cards (actions). The cursor is ``<seen>.<id of the oldest one seen>``."""
        seen, before = _recent_cursor(cursor)
        actions: Sequence[TAction]
        if which == "mentioned":
            actions = await self.client.my_notifications(
                "mentionedOnCard", limit=ACTIONS_PAGE, before=before
            )
        else:
            actions = await self.client.my_actions("createCard", limit=ACTIONS_PAGE, before=before)
        ids = [
            i for i in dict.fromkeys(a.card_id for a in actions if board in (None, a.board_id)) if i
        ]
        # One batch per page: ACTIONS_PAGE is Trello's batch limit.
        cards = [c for c in await self.client.cards(ids) if c is not None]
        seen += len(actions)
        nxt = f"{seen}.{actions[-1].id}" if len(actions) >= ACTIONS_PAGE and seen < RECENT else None
        return Page(items=await self._open_issues(cards), next_cursor=nxt)

    # -- mapping ----------------------------------------------------------------------------
    @staticmethod
    def _key(ref: ItemRef) -> str:
        key = ref.key.strip()
        if not _is_key(key):
            raise not_a_card(key)
        return key

    def _status(self, lst: TList, board_keys: Sequence[str]) -> Status:
        return Status(name=lst.name, category=self.categories.category(lst.name, board_keys))

    @staticmethod
    def _user(m: TMember | None) -> User | None:
        if m is None or not m.username:
            return None
        return User(
            login=m.username,
            name=m.full_name,
            url=m.url or f"https://trello.com/{m.username}",
            avatar_url=f"{m.avatar_url}/50.png" if m.avatar_url else None,
        )

    async def _open_issues(self, cards: Sequence[TCard]) -> tuple[Issue, ...]:
        issues = [await self._issue(c) for c in cards if not c.closed]
        return tuple(i for i in issues if i.state is ItemState.OPEN)

    async def _issue(self, c: TCard, *, lst: TList | None = None) -> Issue:
        board_keys = await self._board_keys(c.id_board) if c.id_board else ()
        if c.board is not None:
            board_keys = tuple(k for k in (c.board.short_link, c.board.id) if k) or board_keys
        lst = lst or await self._list_of(c)
        status = self._status(lst, board_keys) if lst is not None else None
        done = c.closed or (status is not None and status.category is StatusCategory.DONE)
        short = c.short_link or c.id
        assignees = tuple(u for u in (self._user(m) for m in c.members) if u is not None)
        return Issue(
            ref=ItemRef(
                connector=CONNECTOR,
                host=self.host,
                scope=board_keys[0] if board_keys else "",
                key=short,
                number=c.id_short,
                kind=ItemKind.ISSUE,
            ),
            title=c.name,
            state=ItemState.CLOSED if done else ItemState.OPEN,
            url=c.url or f"{self.web}/c/{short}",
            labels=tuple(Label(name=lb.name or lb.color or "", color=lb.color) for lb in c.labels),
            assignees=assignees,
            body=c.desc,
            comments=c.badges.comments if c.badges else 0,
            created_at=created_at(c.id),
            updated_at=c.date_last_activity,
            status=status,
        )


def _recent_cursor(cursor: str | None) -> tuple[int, str | None]:
    if not cursor:
        return 0, None
    seen, _, before = cursor.partition(".")
    if not seen.isdigit() or not OBJECT_ID.match(before):
        raise InvalidRequest("not a Trello cursor")
    return int(seen), before


def _activity(c: TCard) -> datetime:
    return c.date_last_activity or datetime.min.replace(tzinfo=UTC)


def _starts(m: TMember, q: str) -> bool:
    if not q:
        return True
    names = [m.username or "", *(m.full_name or "").split()]
    return any(n.casefold().startswith(q) for n in names)


def _strings(value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return None


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None
