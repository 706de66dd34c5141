"""The synthetic tracker's connector: a manifest, a few wire calls, a mapping.

Deliberately small and written only against ``connectors.sdk``, as a third-party connector
would be. Items are keyed ``PROJECT-N``; project keys are learned from ``/projects``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from connectors.sdk import (
    CheckResult,
    Comment,
    Connector,
    InvalidRequest,
    Issue,
    ItemKind,
    ItemRef,
    ItemState,
    Page,
    TielineError,
    User,
)
from connectors.sdk.capabilities import IssueFilter
from connectors.sdk.paging import check_link, collect, link_cursor


class SyntheticConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    async def check(self) -> CheckResult:
        try:
            r = await self.ctx.http.get("/me")
        except TielineError as exc:
            return CheckResult(ok=False, detail=exc.message)
        login = str(r.json()["login"])
        remaining = r.headers.get("ratelimit-remaining")
        return CheckResult(
            ok=True,
            account=login,
            rate_limit_remaining=int(remaining) if remaining else None,
        )

    async def known_scopes(self) -> Sequence[str] | None:
        async def page(cursor: str | None) -> tuple[list[str], str | None]:
            r = await self.ctx.http.get(
                check_link(self.ctx.http, cursor) if cursor else "/projects"
            )
            return [str(p["key"]) for p in r.json()], link_cursor(r)

        return await collect(page)

    async def get_issue(self, ref: ItemRef) -> Issue:
        if ref.number is None:
            raise InvalidRequest(f"{ref.label} has no number")
        r = await self.ctx.http.get(f"/projects/{ref.scope}/issues/{ref.number}")
        return self._issue(r.json())

    async def list_issues(
        self, which: IssueFilter, *, scope: str | None = None, cursor: str | None = None
    ) -> Page:
        if cursor is not None:
            r = await self.ctx.http.get(check_link(self.ctx.http, cursor))
        elif which == "open":
            if scope is None:
                raise InvalidRequest("open issues are listed per project")
            r = await self.ctx.http.get(f"/projects/{scope}/issues", params={"state": "open"})
        else:
            r = await self.ctx.http.get("/issues", params={"filter": which})
        return Page(items=tuple(self._issue(i) for i in r.json()), next_cursor=link_cursor(r))

    async def create_issue(
        self, scope: str, title: str, body: str = "", labels: Sequence[str] = ()
    ) -> Issue:
        r = await self.ctx.http.post(
            f"/projects/{scope}/issues", json={"title": title, "body": body}
        )
        return self._issue(r.json())

    async def add_comment(self, ref: ItemRef, body: str) -> Comment:
        r = await self.ctx.http.post(
            f"/projects/{ref.scope}/issues/{ref.number}/comments", json={"body": body}
        )
        c = r.json()
        return Comment(id=c["id"], body=c["body"], author=User(login=c["author"]))

    async def search_users(self, scope: str | None, prefix: str) -> Sequence[User]:
        return []  # the service has no user directory

    def _issue(self, i: dict[str, Any]) -> Issue:
        key = f"{i['project']}-{i['number']}"
        web = (self.ctx.web_url or "https://tracker.example.test").rstrip("/")
        return Issue(
            ref=ItemRef.keyed(
                "synthetic", self.ctx.host or "tracker.example.test", key, kind=ItemKind.ISSUE
            ),
            title=i["title"],
            state=ItemState.OPEN if i["state"] == "open" else ItemState.CLOSED,
            url=f"{web}/{i['project']}/{i['number']}",
            author=User(login=i["author"]),
            assignees=(User(login=i["assignee"]),) if i.get("assignee") else (),
            body=i.get("body"),
            comments=len(i.get("comments") or ()),
        )
