"""What each endpoint does, over the hub's own calls: the mirror and the sessions' indexes
for items (:mod:`.items`), :func:`server.hub.work.create_issue`, the CI board
(:func:`server.hub.ci.board.branches`), the snippet library, the merged agenda, the event
ring and the hook registry. Nothing here talks to a service except through the hub."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from starlette.requests import Request
from starlette.responses import StreamingResponse

from connectors.sdk.capabilities import IssueTracker
from connectors.sdk.errors import NoSuchRecord, NotFound

from . import items as items_mod
from . import models
from .dispatch import Call, maybe, set_header
from .hooks import HookRegistry
from .problems import ApiError
from .ring import EventRing, Numbered

if TYPE_CHECKING:
    from server.hub.hub import Hub


@dataclass
class _HubOnly:
    """The part of a verb's context :func:`server.verbs.pipelines.ci_json` reads."""

    hub: Any


def event_out(n: Numbered) -> models.EventOut:
    e = n.event
    payload = json.loads(json.dumps(e.payload, default=str))  # anything JSON can carry
    return models.EventOut(
        id=n.id, kind=e.kind, connector=e.connector, account=e.account, subject=e.subject,
        payload=payload, time=e.time,
    )  # fmt: skip


class Handlers:
    def __init__(
        self, hub: Hub, hooks: HookRegistry, ring: EventRing, *, keepalive: float = 15.0
    ) -> None:
        self.hub = hub
        self.hooks = hooks
        self.ring = ring
        self.items = items_mod.Items(hub)
        self.keepalive = keepalive
        #: The OpenAPI document, set once the endpoint table is built from these handlers.
        self.document: dict[str, Any] = {}

    async def openapi(self, c: Call) -> dict[str, Any]:
        return self.document

    # -- issues and pull requests --------------------------------------------------------------

    def _link(self, request: Request, cursor: str | None) -> None:
        if cursor is not None:
            url = request.url.include_query_params(cursor=cursor)
            set_header(request, "Link", f'<{url}>; rel="next"')

    async def list_issues(self, c: Call) -> models.IssuePage:
        listing = await self.items.listing()
        got, cursor = items_mod.page(listing.issues, c.query)
        self._link(c.request, cursor)
        return models.IssuePage(items=[e.out for e in got], next_cursor=cursor)

    async def list_pulls(self, c: Call) -> models.PullRequestPage:
        listing = await self.items.listing()
        got, cursor = items_mod.page(listing.pulls, c.query)
        self._link(c.request, cursor)
        items = [cast(models.PullRequest, e.out) for e in got]
        return models.PullRequestPage(items=items, next_cursor=cursor)

    async def _item(self, item_id: str, pull: bool) -> dict[str, Any]:
        listing = await self.items.listing()
        entry = listing.by_id.get(item_id)
        what = "pull request" if pull else "issue"
        if entry is None or items_mod.is_pull(entry.item) != pull:
            raise ApiError("not-found", f"no {what} {item_id!r} in the mirror")
        return items_mod.detail(entry.item, entry.out)

    async def get_issue(self, c: Call) -> models.IssueDetail:
        return models.IssueDetail.model_validate(await self._item(c.params["id"], False))

    async def get_pull(self, c: Call) -> models.PullRequestDetail:
        return models.PullRequestDetail.model_validate(await self._item(c.params["id"], True))

    async def create_issue(self, c: Call) -> models.IssueDetail:
        from server.hub.work import Destination, create_issue
        from server.verbs.items import item_json

        new: models.IssueCreate = c.body
        hub = self.hub
        if new.connector not in hub.registry:  # the document lists those installed
            raise ApiError("validation", f"no service {new.connector!r} is installed")
        sessions = [
            s
            for s in hub.sessions_with(IssueTracker, ask=False)
            if s.connector_id == new.connector and new.host in (None, s.host)
        ]
        if not sessions:
            raise ApiError(
                "not-connected",
                f"no signed-in {new.connector} account takes issues"
                + (f" on {new.host}" if new.host else ""),
            )
        session = next(
            (s for s in sessions if any(w.repo.full_name == new.scope for w in s.watch.repos)),
            sessions[0],
        )
        try:
            issue = await create_issue(hub, Destination(session, new.scope), new.title, new.body)
        except NotFound as exc:
            raise ApiError("not-found", f"{new.scope}: {exc.message}") from None
        data = {**item_json(hub, issue), "body": issue.body, "comments": issue.comments}
        return models.IssueDetail.model_validate(data)

    # -- CI ------------------------------------------------------------------------------------

    async def ci_status(self, c: Call) -> models.CIStatus:
        from server.hub.ci.board import branches
        from server.hub.views import Gathered
        from server.verbs.pipelines import CI, ci_json

        q: models.CIQuery = c.query
        key = f"{q.repo}@{q.branch}"
        found = [b for b in branches(self.hub) if b.key == key]
        if not found:
            raise ApiError(
                "not-found", f"no CI reports on {key} (the branches the hub watches are known)"
            )
        doc = ci_json(cast(Any, _HubOnly(self.hub)), CI(Gathered(), found, [key]))
        return models.CIStatus.model_validate(doc["branches"][0])

    # -- snippets ------------------------------------------------------------------------------

    async def _hits(self, text: str, q: models.SnippetQuery) -> models.SnippetList:
        hits = await self.hub.snippets.search(text, language=q.language, tag=q.tag, limit=q.limit)
        return models.SnippetList(
            items=[
                models.SnippetHit(
                    id=h.id,
                    title=h.title,
                    description=h.description,
                    language=h.language,
                    prefix=h.prefix,
                    tags=list(h.tags),
                    body=h.body,
                    score=h.score,
                )
                for h in hits
            ]
        )

    async def list_snippets(self, c: Call) -> models.SnippetList:
        return await self._hits("", c.query)

    async def search_snippets(self, c: Call) -> models.SnippetList:
        q: models.SnippetSearch = c.query
        return await self._hits(q.q, q)

    async def get_snippet(self, c: Call) -> models.Snippet:
        from server.verbs.snippets import snippet_json

        try:
            s = await self.hub.snippets.get(c.params["id"])
        except NoSuchRecord:
            raise ApiError("not-found", f"no snippet {c.params['id']!r}") from None
        return models.Snippet.model_validate(snippet_json(s))

    async def create_snippet(self, c: Call) -> models.Snippet:
        from server.verbs.snippets import snippet_json

        new: models.SnippetCreate = c.body
        if not new.title.strip() or not new.body.strip():
            raise ApiError("validation", "title and body must hold more than white space")
        s = await self.hub.snippets.add(
            title=new.title, body=new.body, language=new.language, description=new.description,
            prefix=new.prefix, tags=new.tags, allow_secrets=new.allow_secret,
        )  # fmt: skip
        return models.Snippet.model_validate(snippet_json(s))

    # -- calendar ------------------------------------------------------------------------------

    async def agenda(self, c: Call) -> models.Agenda:
        from server.hub.calendar import merged

        q: models.AgendaQuery = c.query
        start = _aware(q.start) if q.start else datetime.now(UTC)
        end = _aware(q.end) if q.end else start + timedelta(days=1)
        # An end before the start is an empty window, and answers so.
        out = [
            models.AgendaEvent(
                id=e.key,
                calendar=e.calendar,
                title=e.title,
                start=e.start,
                end=e.end,
                all_day=e.all_day,
                location=e.location,
                url=e.url,
                join_url=e.join.url if e.join else None,
                status=e.status.value,
                is_meeting=e.is_meeting,
            )
            for e in merged(self.hub)
            if e.overlaps(start, end)
        ]
        return models.Agenda(items=out)

    # -- events --------------------------------------------------------------------------------

    async def events(self, c: Call) -> models.EventPage:
        q: models.EventQuery = c.query
        got = self.ring.since(q.since, q.limit)
        return models.EventPage(
            items=[event_out(n) for n in got], last_id=self.ring.last_id, gap=self.ring.gap(q.since)
        )

    async def stream(self, c: Call) -> StreamingResponse:
        header = c.request.headers.get("last-event-id", "").strip()
        after = int(header) if header.isdigit() else self.ring.last_id
        if after > self.ring.last_id:  # an id of an earlier server run: all that is kept
            after = 0
        request = c.request
        ring = self.ring
        keepalive = self.keepalive

        async def lines() -> Any:
            nonlocal after
            yield f"retry: 3000\n: resuming after {after}\n\n"
            if ring.gap(after):  # the ring dropped some before this client read them
                gap = json.dumps({"after": after, "first": ring.first_id})
                yield f"event: gap\ndata: {gap}\n\n"
            while True:
                if await ring.wait(after, keepalive):
                    for n in ring.since(after):
                        data = event_out(n).model_dump_json()
                        yield f"id: {n.id}\nevent: {n.event.kind}\ndata: {data}\n\n"
                        after = n.id
                else:
                    yield ": keep-alive\n\n"
                if await request.is_disconnected():
                    return

        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(lines(), media_type="text/event-stream", headers=headers)

    # -- hooks ---------------------------------------------------------------------------------

    async def list_hooks(self, c: Call) -> models.HookList:
        hooks = await maybe(self.hooks.list(c.principal))
        return models.HookList(
            items=[models.HookOut(id=h.id, target_url=h.target_url, event=h.event) for h in hooks]
        )

    async def create_hook(self, c: Call) -> models.HookOut:
        new: models.HookCreate = c.body
        url = str(new.target_url)
        hook_id = await maybe(self.hooks.subscribe(c.principal, url, new.event))
        return models.HookOut(id=hook_id, target_url=url, event=new.event)

    async def delete_hook(self, c: Call) -> None:
        if not await maybe(self.hooks.unsubscribe(c.principal, c.params["id"])):
            raise ApiError("not-found", f"no hook {c.params['id']!r}")


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


__all__ = ["Handlers"]
