"""A mailbox and an issue tracker in memory, written only against ``connectors.sdk``.

The mail features code against the ``Mail`` and ``IssueTracker`` protocols, never a real
service, so their tests use this: a connector whose "service" is :data:`WORLD`, a module
object the test (or, over stdio, :func:`seed` at import in the server process) fills. It
counts what it is asked (``WORLD.calls``) and answers a first page asked again with no new
mail as ``unchanged``, the way a service answering 304 or an empty delta does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connectors.sdk import (
    CheckResult,
    Comment,
    Connector,
    InvalidRequest,
    Issue,
    ItemKind,
    ItemRef,
    ItemState,
    NotFound,
    Page,
    User,
)
from connectors.sdk.capabilities import IssueFilter
from connectors.sdk.mail import MailAddress, MailMessage, MailPage, MailView

HOST = "mail.example.test"
BASE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class World:
    """What the fake service holds, per account (the token's last part is the login)."""

    messages: dict[str, list[MailMessage]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    replies: list[tuple[str, str, str, bool]] = field(default_factory=list)
    calls: list[tuple[str, ...]] = field(default_factory=list)
    page_size: int = 3
    #: Each (account, view, query)'s newest message id as last listed on a first page.
    seen: dict[tuple[str, str, str], str | None] = field(default_factory=dict)

    def add(self, account: str, n: int, **kw: object) -> MailMessage:
        """Message ``n`` of an account, ``n`` minutes after :data:`BASE`."""
        mid = f"{account}-{n}"
        m = MailMessage.model_validate(
            {
                "ref": ItemRef(
                    connector="fakemail", host=HOST, scope="inbox", key=mid, kind=ItemKind.ANY
                ),
                "subject": f"Message {n}",
                "sender": MailAddress(email=f"sender{n}@example.test", name=f"Sender {n}"),
                "to": (MailAddress(email=f"{account}@example.test"),),
                "received_at": BASE + timedelta(minutes=n),
                "preview": f"preview {n}",
                "url": f"https://{HOST}/m/{mid}",
                "body_text": f"Body of message {n}.",
                **kw,
            }
        )
        self.messages.setdefault(account, []).append(m)
        return m


WORLD = World()


def _matches(m: MailMessage, view: MailView, query: str | None) -> bool:
    if view == "unread":
        return m.unread
    if view == "flagged":
        return m.flagged
    if view == "query":
        return bool(query) and (query or "").lower() in (m.sender.email if m.sender else "")
    return True


class FakeMailConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    @property
    def login(self) -> str:
        return self.ctx.account or "ada"

    async def check(self) -> CheckResult:
        return CheckResult(ok=True, account=self.login)

    async def known_scopes(self) -> Sequence[str] | None:
        return ["OPS"]

    # -- Mail -----------------------------------------------------------------------------

    async def list_mail(
        self, view: MailView, *, query: str | None = None, cursor: str | None = None
    ) -> MailPage:
        WORLD.calls.append(("list_mail", self.login, view, query or "", cursor or ""))
        mine = sorted(
            (m for m in WORLD.messages.get(self.login, []) if _matches(m, view, query)),
            key=lambda m: m.received_at or BASE,
            reverse=True,
        )
        start = int(cursor or 0)
        items = tuple(m.model_copy(update={"body_text": None, "body_html": None}) for m in mine)
        page = items[start : start + WORLD.page_size]
        nxt = str(start + WORLD.page_size) if start + WORLD.page_size < len(items) else None
        if cursor is None:
            key = (self.login, view, query or "")
            newest = items[0].key if items else None
            if key in WORLD.seen and WORLD.seen[key] == newest:
                return MailPage(unchanged=True, next_cursor=nxt)
            WORLD.seen[key] = newest
        return MailPage(items=page, next_cursor=nxt, total=len(items))

    async def get_mail(self, ref: ItemRef) -> MailMessage:
        WORLD.calls.append(("get_mail", self.login, ref.key))
        for m in WORLD.messages.get(self.login, []):
            if m.ref.key == ref.key:
                return m
        raise NotFound(f"no message {ref.key}")

    async def reply_mail(self, ref: ItemRef, body: str, *, all: bool = False) -> None:
        WORLD.calls.append(("reply_mail", self.login, ref.key))
        WORLD.replies.append((self.login, ref.key, body, all))

    # -- IssueTracker ---------------------------------------------------------------------

    def _issue(self, n: int, title: str, body: str) -> Issue:
        return Issue(
            ref=ItemRef.keyed("fakemail", HOST, f"OPS-{n}"),
            title=title,
            state=ItemState.OPEN,
            url=f"https://{HOST}/OPS/{n}",
            body=body,
            author=User(login=self.login),
            created_at=BASE,
            updated_at=BASE,
        )

    async def get_issue(self, ref: ItemRef) -> Issue:
        for i in WORLD.issues:
            if i.ref.key == ref.key:
                return i
        raise NotFound(f"no issue {ref.key}")

    async def list_issues(
        self, which: IssueFilter, *, scope: str | None = None, cursor: str | None = None
    ) -> Page:
        return Page(items=tuple(WORLD.issues) if which == "created" else ())

    async def create_issue(
        self, scope: str, title: str, body: str = "", labels: Sequence[str] = ()
    ) -> Issue:
        if scope != "OPS":
            raise InvalidRequest(f"no project {scope}")
        issue = self._issue(len(WORLD.issues) + 1, title, body)
        WORLD.issues.append(issue)
        return issue

    async def add_comment(self, ref: ItemRef, body: str) -> Comment:
        raise InvalidRequest("comments are not part of this fake")

    async def search_users(self, scope: str | None, prefix: str) -> Sequence[User]:
        return ()


HOSTILE = (
    '<p>Hello <b>team</b>,</p><script>alert("x")</script>'
    '<img src="https://tracker.example.test/pixel.gif?u=ada" alt="" width="1" height="1">'
    '<p onclick="alert(1)">See <a href="javascript:alert(1)">this</a>, '
    '<a href="https://docs.example.test/runbook">the runbook</a> and '
    '<a href="mailto:ops@example.test">ops</a>.</p>'
    '<svg onload="alert(1)"><foreignObject><script>alert(2)</script></foreignObject></svg>'
    '<iframe srcdoc="&lt;script&gt;alert(3)&lt;/script&gt;"></iframe>'
    "<p>&lt;script&gt;shown, not run&lt;/script&gt;</p>"
)


def seed() -> None:
    """The story the stdio test reads: five messages for ada, one hostile and flagged."""
    if WORLD.messages:
        return
    for n in range(1, 5):
        WORLD.add("ada", n, unread=n % 2 == 0)
    WORLD.add(
        "ada",
        5,
        subject="Outage <b>now</b>",
        flagged=True,
        unread=True,
        body_html=HOSTILE,
        body_text=None,
    )
