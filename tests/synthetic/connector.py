"""The synthetic tracker's connector: a manifest, a few wire calls, a mapping.

Deliberately small and written only against ``connectors.sdk``, as a third-party connector
would be. Items are keyed ``PROJECT-N``; project keys are learned from ``/projects``.

Its CI (``Pipelines``, ``PipelineControl``) builds the workspace's repositories wherever they
are hosted (``attach.watch_repos``, for folders with a ``.synthetic-ci.yml``), as a CI server
attached to a site does. A job's log is read progressively (``?start=N``, ``X-Text-Size``,
``X-More-Data``), so a running job's log is followed by offset.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from connectors.sdk import (
    NO_STORE,
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
from connectors.sdk.ci import (
    CIAction,
    Job,
    LogChunk,
    Pipeline,
    RunStatus,
    Step,
    Trigger,
    TriggerInput,
)
from connectors.sdk.models import CheckConclusion
from connectors.sdk.paging import check_link, collect, link_cursor


class SyntheticConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    async def check(self) -> CheckResult:
        try:
            r = await self.ctx.http.get("/me")
        except TielineError as exc:
            return CheckResult.failed(exc)
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

    # -- CI ---------------------------------------------------------------------------------

    async def list_pipelines(
        self, scope: str, *, branch: str | None = None, limit: int = 5
    ) -> Sequence[Pipeline]:
        params: dict[str, str | int] = {"per_page": limit}
        if branch is not None:
            params["branch"] = branch
        r = await self.ctx.http.get(
            f"/ci/projects/{quote(scope, safe='')}/pipelines", params=params
        )
        return [self._pipeline(scope, p) for p in r.json()[:limit]]

    async def get_pipeline(self, ref: ItemRef) -> Pipeline:
        r = await self.ctx.http.get(f"/ci/pipelines/{ref.key}")
        return self._pipeline(ref.scope, r.json())

    async def job_log(self, ref: ItemRef, *, offset: int = 0) -> LogChunk:
        r = await self.ctx.http.get(
            f"/ci/jobs/{ref.key}/log", params={"start": offset}, headers=NO_STORE
        )
        size = r.headers.get("x-text-size")
        return LogChunk(
            text=r.content.decode("utf-8", errors="replace"),
            offset=offset,
            next_offset=int(size) if size and size.isdigit() else offset + len(r.content),
            complete=r.headers.get("x-more-data", "false").lower() != "true",
        )

    async def act(self, ref: ItemRef, action: CIAction) -> Pipeline | None:
        path = {
            "rerun": f"/ci/pipelines/{ref.key}/rerun",
            "rerun_failed": f"/ci/pipelines/{ref.key}/rerun-failed",
            "cancel": f"/ci/pipelines/{ref.key}/cancel",
            "retry": f"/ci/jobs/{ref.key}/retry",
            "play": f"/ci/jobs/{ref.key}/play",
        }[action]
        r = await self.ctx.http.post(path)
        return self._pipeline(ref.scope, r.json())

    async def triggers(self, scope: str) -> Sequence[Trigger]:
        r = await self.ctx.http.get(f"/ci/projects/{quote(scope, safe='')}/triggers")
        return [
            Trigger(
                id=str(t["id"]),
                name=t["name"],
                description=t.get("description") or "",
                inputs=tuple(
                    TriggerInput(
                        name=i["name"],
                        description=i.get("description") or "",
                        type=i.get("type") or "string",
                        required=bool(i.get("required")),
                        default=None if i.get("default") is None else str(i["default"]),
                        options=tuple(str(o) for o in i.get("options") or ()),
                    )
                    for i in t.get("inputs") or ()
                ),
            )
            for t in r.json()
        ]

    async def trigger(
        self, scope: str, trigger_id: str, branch: str, inputs: Mapping[str, str]
    ) -> Pipeline | None:
        r = await self.ctx.http.post(
            f"/ci/projects/{quote(scope, safe='')}/triggers/{quote(trigger_id, safe='')}",
            json={"branch": branch, "inputs": dict(inputs)},
        )
        return self._pipeline(scope, r.json())

    def _ci_ref(self, scope: str, key: object, kind: ItemKind) -> ItemRef:
        host = self.ctx.host or "tracker.example.test"
        return ItemRef(connector="synthetic", host=host, scope=scope, key=str(key), kind=kind)

    def _pipeline(self, scope: str, p: dict[str, Any]) -> Pipeline:
        status, conclusion = _STATES[p["status"]]
        jobs = tuple(self._job(scope, j) for j in p.get("jobs") or ())
        actions: list[CIAction] = []
        if status is RunStatus.COMPLETED:
            actions.append("rerun")
            if conclusion is CheckConclusion.FAILURE:
                actions.append("rerun_failed")
        else:
            actions.append("cancel")
        return Pipeline(
            ref=self._ci_ref(scope, p["id"], ItemKind.PIPELINE),
            name=p["name"],
            status=status,
            conclusion=conclusion,
            branch=p.get("branch"),
            sha=p.get("sha"),
            number=p.get("number"),
            attempt=int(p.get("attempt") or 1),
            event=p.get("event"),
            url=p.get("web_url"),
            created_at=_time(p.get("created")),
            started_at=_time(p.get("started")),
            finished_at=_time(p.get("finished")),
            jobs=jobs,
            actions=tuple(actions),
        )

    def _job(self, scope: str, j: dict[str, Any]) -> Job:
        status, conclusion = _STATES[j["status"]]
        actions: tuple[CIAction, ...] = ()
        if j["status"] in ("failed", "canceled"):
            actions = ("retry",)
        elif j["status"] == "manual":
            actions = ("play",)
        return Job(
            ref=self._ci_ref(scope, j["id"], ItemKind.JOB),
            name=j["name"],
            status=status,
            conclusion=conclusion,
            stage=j.get("stage"),
            url=j.get("web_url"),
            allow_failure=bool(j.get("allow_failure")),
            steps=tuple(
                Step(
                    name=st["name"],
                    number=st.get("number"),
                    status=_STATES[st["status"]][0],
                    conclusion=_STATES[st["status"]][1],
                )
                for st in j.get("steps") or ()
            ),
            actions=actions,
        )


_STATES: dict[str, tuple[RunStatus, CheckConclusion]] = {
    "queued": (RunStatus.QUEUED, CheckConclusion.PENDING),
    "running": (RunStatus.RUNNING, CheckConclusion.PENDING),
    "manual": (RunStatus.WAITING, CheckConclusion.PENDING),
    "success": (RunStatus.COMPLETED, CheckConclusion.SUCCESS),
    "failed": (RunStatus.COMPLETED, CheckConclusion.FAILURE),
    "canceled": (RunStatus.COMPLETED, CheckConclusion.CANCELLED),
    "skipped": (RunStatus.COMPLETED, CheckConclusion.SKIPPED),
}


def _time(ts: object) -> datetime | None:
    return datetime.fromtimestamp(float(ts), UTC) if isinstance(ts, int | float) else None
