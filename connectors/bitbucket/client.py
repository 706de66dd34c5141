"""A library-grade async client for Bitbucket Cloud's REST API 2.0, over the
``httpx.AsyncClient`` it is given (base URL ``https://api.bitbucket.org/2.0``).

It knows Bitbucket's URLs, parameters, bodies and pagination and returns wire models; it
knows nothing of Tieline's hub (retries, caching, rate limits and error mapping belong to the
client handed in).

- Repositories are ``workspace/repo_slug``; every path segment is percent-encoded, which
  matters for UUIDs: a pipeline or step is named ``{8-4-4-4-12}`` with braces, sent as
  ``%7B...%7D``.
- Lists are paged in the body: ``values`` plus a ``next`` URL (absolute, carrying every
  parameter) that is followed as given; ``pagelen`` sets the page size (Bitbucket's default
  10, at most 50 or 100 depending on the endpoint). Filtering and sorting are BBQL ``q`` and
  ``sort`` parameters, which every list endpoint takes (developer.atlassian.com,
  "Filter and sort API objects").
- Bodies carry their object ``type`` (``pullrequest_comment``, ``issue``, ``pipeline``):
  Bitbucket's own description requires it of every object, and Bitbucket accepts it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from connectors.sdk.connector import FROM_CACHE, NO_STORE
from connectors.sdk.rest import JsonApi, M, Params

from .models import (
    BbAccount,
    BbComment,
    BbCommitStatus,
    BbIssue,
    BbMembership,
    BbPage,
    BbParticipant,
    BbPipeline,
    BbPullRequest,
    BbRepository,
    BbStep,
    BbWorkspaceAccess,
)

PAGELEN = 50  # the largest page every list endpoint Tieline uses accepts
MAX_PAGES = 20  # a safety net for whole-list walks, not a product limit
HEADERS = {"accept": "application/json"}


def seg(value: str) -> str:
    """One URL path segment, percent-encoded (``{uuid}`` -> ``%7Buuid%7D``)."""
    return quote(value, safe="")


def repo_path(scope: str) -> str:
    """``/repositories/{workspace}/{repo_slug}`` for ``workspace/repo_slug``."""
    workspace, _, slug = scope.partition("/")
    return f"/repositories/{seg(workspace)}/{seg(slug)}"


def bbql_string(value: str) -> str:
    """A BBQL string literal: double-quoted, with ``\\`` and ``"`` escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Page(BbPage[M]):
    """A page plus whether the hub's cache answered it."""

    from_cache: bool = False


class BitbucketClient(JsonApi):
    headers = HEADERS

    # -- plumbing -----------------------------------------------------------------------
    async def page(self, model: type[M], url: str, params: Params | None = None) -> Page[M]:
        """One page: ``url`` is a path (``params`` apply) or a ``next`` URL of an earlier
        page, which carries every parameter already."""
        absolute = url.startswith(("http://", "https://"))
        r = await self._request("GET", url, params=None if absolute else params)
        page = Page[model].model_validate(r.json())  # type: ignore[valid-type]
        page.from_cache = bool(r.extensions.get(FROM_CACHE))
        return page

    async def paginate(
        self, model: type[M], url: str, params: Params | None = None, *, max_pages: int = MAX_PAGES
    ) -> AsyncIterator[M]:
        """Every item of a list, following ``next``."""
        next_url: str | None = url
        query: Params | None = {"pagelen": PAGELEN, **(params or {})}
        for _ in range(max_pages):
            if not next_url:
                break
            p = await self.page(model, next_url, query)
            query = None
            for item in p.values:
                yield item
            next_url = p.next

    # -- account ------------------------------------------------------------------------
    async def current_user(self) -> tuple[BbAccount, httpx.Headers]:
        """``GET /user`` and the answer's headers (they carry the rate-limit budget)."""
        r = await self._request("GET", "/user")
        return BbAccount.model_validate(r.json()), r.headers

    async def repositories(self, workspace: str, q: str) -> AsyncIterator[BbRepository]:
        """A workspace's repositories the account is a member of, narrowed by BBQL ``q``,
        most recently updated first. (The cross-workspace ``GET /repositories`` went with
        CHANGE-2770 in 2026.)"""
        url = f"/repositories/{seg(workspace)}"
        params = {"role": "member", "q": q, "sort": "-updated_on"}
        async for repo in self.paginate(BbRepository, url, params, max_pages=3):
            yield repo

    async def workspaces(self) -> AsyncIterator[BbWorkspaceAccess]:
        """The workspaces the account is a member of (``GET /user/workspaces``, which
        replaced ``GET /workspaces`` in 2026)."""
        async for w in self.paginate(BbWorkspaceAccess, "/user/workspaces", max_pages=5):
            yield w

    async def members(self, workspace: str) -> AsyncIterator[BbMembership]:
        """The workspace's members: who can be mentioned or made a reviewer."""
        url = f"/workspaces/{seg(workspace)}/members"
        async for m in self.paginate(BbMembership, url, max_pages=5):
            yield m

    # -- pull requests ------------------------------------------------------------------
    async def pull_request(self, scope: str, number: int) -> BbPullRequest:
        return await self._get(BbPullRequest, f"{repo_path(scope)}/pullrequests/{number}")

    def pull_requests_url(self, scope: str) -> str:
        return f"{repo_path(scope)}/pullrequests"

    def user_pull_requests_url(self, workspace: str, user: str) -> str:
        """The pull requests a user authored in every repository of a workspace
        (``selected_user`` is a uuid or an account id)."""
        return f"/workspaces/{seg(workspace)}/pullrequests/{seg(user)}"

    async def pull_requests(
        self, url: str, params: Params, *, max_pages: int = 5
    ) -> list[BbPullRequest]:
        return [pr async for pr in self.paginate(BbPullRequest, url, params, max_pages=max_pages)]

    async def pull_request_statuses(self, scope: str, number: int) -> list[BbCommitStatus]:
        url = f"{repo_path(scope)}/pullrequests/{number}/statuses"
        return [s async for s in self.paginate(BbCommitStatus, url, max_pages=3)]

    async def approve(self, scope: str, number: int) -> BbParticipant:
        r = await self._request("POST", f"{repo_path(scope)}/pullrequests/{number}/approve")
        return BbParticipant.model_validate(r.json())

    async def comment_pull_request(self, scope: str, number: int, text: str) -> BbComment:
        url = f"{repo_path(scope)}/pullrequests/{number}/comments"
        body = {"type": "pullrequest_comment", "content": {"raw": text}}
        r = await self._request("POST", url, json=body)
        return BbComment.model_validate(r.json())

    # -- issues (repositories whose issue tracker is enabled) -----------------------------
    async def issue(self, scope: str, number: int) -> BbIssue:
        return await self._get(BbIssue, f"{repo_path(scope)}/issues/{number}")

    def issues_url(self, scope: str) -> str:
        return f"{repo_path(scope)}/issues"

    async def create_issue(self, scope: str, title: str, text: str = "") -> BbIssue:
        body: dict[str, Any] = {"type": "issue", "title": title}
        if text:
            body["content"] = {"raw": text}
        r = await self._request("POST", self.issues_url(scope), json=body)
        return BbIssue.model_validate(r.json())

    async def comment_issue(self, scope: str, number: int, text: str) -> BbComment:
        url = f"{repo_path(scope)}/issues/{number}/comments"
        body = {"type": "issue_comment", "content": {"raw": text}}
        r = await self._request("POST", url, json=body)
        return BbComment.model_validate(r.json())

    # -- build statuses -----------------------------------------------------------------
    async def commit_statuses(self, scope: str, sha: str) -> list[BbCommitStatus]:
        """Every build status reported on a commit (Pipelines' own and other CI's)."""
        url = f"{repo_path(scope)}/commit/{seg(sha)}/statuses"
        return [s async for s in self.paginate(BbCommitStatus, url, max_pages=3)]

    # -- pipelines ------------------------------------------------------------------------
    async def pipelines(
        self, scope: str, *, branch: str | None = None, limit: int = 5
    ) -> list[BbPipeline]:
        """The newest pipelines first (``sort=-created_on``), of one branch when given."""
        params: dict[str, str | int] = {"sort": "-created_on", "pagelen": max(1, min(limit, 100))}
        if branch:
            params["target.branch"] = branch
        p = await self.page(BbPipeline, f"{repo_path(scope)}/pipelines", params)
        return p.values[:limit]

    async def pipeline(self, scope: str, uuid: str) -> BbPipeline:
        return await self._get(BbPipeline, f"{repo_path(scope)}/pipelines/{seg(uuid)}")

    async def steps(self, scope: str, pipeline: str) -> list[BbStep]:
        url = f"{repo_path(scope)}/pipelines/{seg(pipeline)}/steps"
        return [s async for s in self.paginate(BbStep, url, max_pages=5)]

    async def step(self, scope: str, pipeline: str, step: str) -> BbStep:
        """One step, asked of the service (``no-cache``: revalidated, a 304 when unchanged),
        since whether its log is complete depends on its state now."""
        url = f"{repo_path(scope)}/pipelines/{seg(pipeline)}/steps/{seg(step)}"
        r = await self._request("GET", url, headers={"cache-control": "no-cache"})
        return BbStep.model_validate(r.json())

    async def step_log(self, scope: str, pipeline: str, step: str, offset: int = 0) -> bytes:
        """A step's raw log from byte ``offset`` (HTTP ``Range``, which the endpoint honours
        with 206; a 200 is the whole log, sliced here). An offset at or past the end is
        answered 416 by Bitbucket: the caller treats that as nothing new. ``NO_STORE``: a
        growing log must come from the service, never a stored copy, and is never stored."""
        url = f"{repo_path(scope)}/pipelines/{seg(pipeline)}/steps/{seg(step)}/log"
        headers = {"accept": "application/octet-stream", **NO_STORE}
        if offset:
            headers["range"] = f"bytes={offset}-"
        r = await self._request("GET", url, headers=headers)
        data = r.content
        if offset and r.status_code == 200:
            data = data[offset:]
        return data

    async def stop_pipeline(self, scope: str, uuid: str) -> None:
        await self._request("POST", f"{repo_path(scope)}/pipelines/{seg(uuid)}/stopPipeline")

    async def run_pipeline(
        self, scope: str, target: Mapping[str, Any], variables: Sequence[Mapping[str, Any]] = ()
    ) -> BbPipeline:
        """Start a pipeline on ``target`` (a ``pipeline_ref_target``, with a ``selector`` for
        a custom pipeline), with ``variables`` (``{"key", "value"}``)."""
        body: dict[str, Any] = {"type": "pipeline", "target": dict(target)}
        if variables:
            body["variables"] = [dict(v) for v in variables]
        r = await self._request("POST", f"{repo_path(scope)}/pipelines", json=body)
        return BbPipeline.model_validate(r.json())

    async def file_text(self, scope: str, ref: str, path: str) -> str | None:
        """A file's text at a branch, tag or commit (``GET .../src/{commit}/{path}``)."""
        url = f"{repo_path(scope)}/src/{seg(ref)}/{quote(path, safe='/')}"
        r = await self._request("GET", url, headers={"accept": "*/*"})
        return r.text
