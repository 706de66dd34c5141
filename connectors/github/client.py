"""A library-grade async client for GitHub's REST API, over the ``httpx.AsyncClient`` it is given.

It knows GitHub's URLs, headers and pagination and returns wire models; it knows nothing of
Tieline's hub (no retries, caching or rate limiting here: the client handed in does that, and
raises the sdk's errors for non-2xx answers). Pagination follows ``Link`` headers, as GitHub
asks, rather than computing page numbers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, Generic
from urllib.parse import quote

import httpx
from pydantic import TypeAdapter

from connectors.sdk.connector import FROM_CACHE, NO_STORE
from connectors.sdk.rest import JsonApi, M, Params

from .models import (
    GhCheckRun,
    GhCheckRuns,
    GhCombinedStatus,
    GhComment,
    GhContentFile,
    GhDispatchResult,
    GhGist,
    GhIssue,
    GhJob,
    GhJobs,
    GhPull,
    GhRateLimit,
    GhReview,
    GhSearchIssues,
    GhUser,
    GhWorkflow,
    GhWorkflowRun,
    GhWorkflowRuns,
    GhWorkflows,
)

API_VERSION = "2022-11-28"
HEADERS = {"accept": "application/vnd.github+json", "x-github-api-version": API_VERSION}
PER_PAGE = 100
#: Sent on a read that must reflect a write just made (a re-run, then the run read back):
#: the cache revalidates with the service (ETag; an unchanged answer is a free 304) instead
#: of answering from a copy that is fresh by ``max-age`` but older than the write.
FRESH = {"cache-control": "no-cache"}


def _seg(value: str) -> str:
    return quote(value, safe="")


class GitHubPage(Generic[M]):
    """One page of a list endpoint: items, the ``next`` link, and whether it came from cache."""

    def __init__(self, items: list[M], next_url: str | None, from_cache: bool) -> None:
        self.items = items
        self.next_url = next_url
        self.from_cache = from_cache


class GitHubClient(JsonApi):
    headers = HEADERS

    # -- plumbing -----------------------------------------------------------------------
    async def _request(
        self,
        method: str,
        url: str,
        *,
        params: Params | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        fresh: bool = False,
        store: bool = True,
    ) -> httpx.Response:
        """``fresh``: revalidated with GitHub (a 304 when unchanged); ``store=False``: round
        the cache altogether (logs: large, read once, never worth a stored copy)."""
        extra = {**(headers or {}), **(FRESH if fresh else {}), **({} if store else NO_STORE)}
        return await super()._request(
            method, url, params=params, json=json, content=content, headers=extra
        )

    async def _get(
        self, model: type[M], url: str, params: Params | None = None, *, fresh: bool = False
    ) -> M:
        r = await self._request("GET", url, params=params, fresh=fresh)
        return model.model_validate(r.json())

    async def page(self, model: type[M], url: str, params: Params | None = None) -> GitHubPage[M]:
        """One page; ``url`` may be a path or a ``next`` link from a previous page."""
        r = await self._request("GET", url, params=None if "?" in url else params)
        items = TypeAdapter(list[model]).validate_python(r.json())  # type: ignore[valid-type]
        nxt = r.links.get("next", {}).get("url")
        return GitHubPage(items, nxt, bool(r.extensions.get(FROM_CACHE)))

    async def paginate(
        self, model: type[M], url: str, params: Params | None = None
    ) -> AsyncIterator[M]:
        """Every item of a list endpoint, following ``Link: rel="next"``."""
        next_url: str | None = url
        first = True
        while next_url:
            p = await self.page(
                model, next_url, {"per_page": PER_PAGE, **(params or {})} if first else None
            )
            first = False
            for item in p.items:
                yield item
            next_url = p.next_url

    # -- account --------------------------------------------------------------------------
    async def get_authenticated_user(self) -> GhUser:
        return await self._get(GhUser, "/user")

    async def rate_limit(self) -> GhRateLimit:
        return await self._get(GhRateLimit, "/rate_limit")

    async def delete_app_token(self, client_id: str, client_secret: str, token: str) -> bool:
        """``DELETE /applications/{client_id}/token``: the OAuth app ends one of its tokens
        (authenticated as the app, Basic client_id:client_secret). ``True`` on GitHub's 204."""
        r = await self.http.request(
            "DELETE",
            f"/applications/{_seg(client_id)}/token",
            json={"access_token": token},
            headers=HEADERS,
            auth=httpx.BasicAuth(client_id, client_secret),
        )
        return r.status_code == 204

    async def revoke_credentials(self, tokens: list[str]) -> bool:
        """``POST /credentials/revoke``: end tokens without the app's secret (a public app's
        device-flow tokens); GitHub answers 202 and tells the owner."""
        r = await self._request("POST", "/credentials/revoke", json={"credentials": tokens})
        return r.status_code == 202

    # -- issues ---------------------------------------------------------------------------
    async def get_issue(self, owner: str, repo: str, number: int) -> GhIssue:
        return await self._get(GhIssue, f"/repos/{_seg(owner)}/{_seg(repo)}/issues/{number}")

    def my_issues_url(self) -> str:
        return "/issues"

    def repo_issues_url(self, owner: str, repo: str) -> str:
        return f"/repos/{_seg(owner)}/{_seg(repo)}/issues"

    async def create_issue(
        self, owner: str, repo: str, title: str, body: str = "", labels: list[str] | None = None
    ) -> GhIssue:
        payload: dict[str, Any] = {"title": title}
        if body:
            payload["body"] = body
        if labels:
            payload["labels"] = labels
        r = await self._request("POST", self.repo_issues_url(owner, repo), json=payload)
        return GhIssue.model_validate(r.json())

    async def update_issue(self, owner: str, repo: str, number: int, **fields: Any) -> GhIssue:
        r = await self._request(
            "PATCH", f"/repos/{_seg(owner)}/{_seg(repo)}/issues/{number}", json=fields
        )
        return GhIssue.model_validate(r.json())

    async def create_comment(self, owner: str, repo: str, number: int, body: str) -> GhComment:
        r = await self._request(
            "POST",
            f"/repos/{_seg(owner)}/{_seg(repo)}/issues/{number}/comments",
            json={"body": body},
        )
        return GhComment.model_validate(r.json())

    async def search_issues(self, q: str, *, per_page: int = 50) -> GhSearchIssues:
        return await self._get(GhSearchIssues, "/search/issues", {"q": q, "per_page": per_page})

    async def list_assignees(self, owner: str, repo: str) -> AsyncIterator[GhUser]:
        async for u in self.paginate(GhUser, f"/repos/{_seg(owner)}/{_seg(repo)}/assignees"):
            yield u

    # -- pull requests ---------------------------------------------------------------------
    async def list_pulls(self, owner: str, repo: str, **params: str | int) -> list[GhPull]:
        url = f"/repos/{_seg(owner)}/{_seg(repo)}/pulls"
        return [p async for p in self.paginate(GhPull, url, params)]

    async def get_pull(self, owner: str, repo: str, number: int) -> GhPull:
        return await self._get(GhPull, f"/repos/{_seg(owner)}/{_seg(repo)}/pulls/{number}")

    async def list_reviews(self, owner: str, repo: str, number: int) -> list[GhReview]:
        url = f"/repos/{_seg(owner)}/{_seg(repo)}/pulls/{number}/reviews"
        return [r async for r in self.paginate(GhReview, url)]

    # -- checks ---------------------------------------------------------------------------
    async def check_runs(self, owner: str, repo: str, ref: str) -> list[GhCheckRun]:
        url = f"/repos/{_seg(owner)}/{_seg(repo)}/commits/{_seg(ref)}/check-runs"
        runs: list[GhCheckRun] = []
        next_url: str | None = url
        params: Params | None = {"per_page": PER_PAGE}
        while next_url:
            r = await self._request("GET", next_url, params=params)
            params = None
            runs += GhCheckRuns.model_validate(r.json()).check_runs
            next_url = r.links.get("next", {}).get("url")
        return runs

    async def combined_status(self, owner: str, repo: str, ref: str) -> GhCombinedStatus:
        url = f"/repos/{_seg(owner)}/{_seg(repo)}/commits/{_seg(ref)}/status"
        return await self._get(GhCombinedStatus, url)

    # -- Actions ---------------------------------------------------------------------------
    def _actions(self, owner: str, repo: str) -> str:
        return f"/repos/{_seg(owner)}/{_seg(repo)}/actions"

    async def list_runs(
        self, owner: str, repo: str, *, branch: str | None = None, per_page: int = 10, **extra: str
    ) -> tuple[list[GhWorkflowRun], bool]:
        """The newest runs (GitHub lists newest first), and whether the answer came from the
        cache (a revalidated 304: free of the primary rate limit)."""
        params: dict[str, str | int] = {"per_page": max(1, min(per_page, PER_PAGE)), **extra}
        if branch:
            params["branch"] = branch
        r = await self._request("GET", f"{self._actions(owner, repo)}/runs", params=params)
        runs = GhWorkflowRuns.model_validate(r.json()).workflow_runs
        return list(runs), bool(r.extensions.get(FROM_CACHE))

    async def get_run(
        self, owner: str, repo: str, run_id: int, *, attempt: int | None = None, fresh: bool = False
    ) -> GhWorkflowRun:
        url = f"{self._actions(owner, repo)}/runs/{run_id}"
        if attempt is not None:
            url += f"/attempts/{attempt}"
        return await self._get(GhWorkflowRun, url, fresh=fresh)

    async def list_jobs(
        self, owner: str, repo: str, run_id: int, *, attempt: int | None = None, fresh: bool = False
    ) -> list[GhJob]:
        """Every job of a run, following ``Link`` pages. Without ``attempt``: the latest attempt
        of each job (``filter=latest``, what the run's page shows); with it: that attempt's."""
        base = f"{self._actions(owner, repo)}/runs/{run_id}"
        url = f"{base}/attempts/{attempt}/jobs" if attempt is not None else f"{base}/jobs"
        params: Params | None = {"per_page": PER_PAGE}
        if attempt is None:
            params = {"filter": "latest", "per_page": PER_PAGE}
        jobs: list[GhJob] = []
        next_url: str | None = url
        while next_url:
            r = await self._request("GET", next_url, params=params, fresh=fresh)
            params = None  # the next link carries the query
            jobs += GhJobs.model_validate(r.json()).jobs
            next_url = r.links.get("next", {}).get("url")
        return jobs

    async def get_job(self, owner: str, repo: str, job_id: int, *, fresh: bool = False) -> GhJob:
        return await self._get(GhJob, f"{self._actions(owner, repo)}/jobs/{job_id}", fresh=fresh)

    async def job_log(self, owner: str, repo: str, job_id: int) -> str:
        """A finished job's whole log as text. GitHub answers 302 to a pre-signed URL on
        another host that expires within a minute; the hub's client follows it and sends no
        credential there (``HubClient._redirect_headers``)."""
        r = await self._request(
            "GET", f"{self._actions(owner, repo)}/jobs/{job_id}/logs", store=False
        )
        return r.content.decode("utf-8", errors="replace")

    async def run_logs_zip(self, owner: str, repo: str, run_id: int) -> bytes:
        """A finished run's logs as GitHub's zip (one ``<n>_<job>.txt`` per job, and one
        folder per job of ``<step>_<name>.txt``), by the same kind of redirect."""
        r = await self._request(
            "GET", f"{self._actions(owner, repo)}/runs/{run_id}/logs", store=False
        )
        return r.content

    async def rerun(self, owner: str, repo: str, run_id: int) -> None:
        await self._request("POST", f"{self._actions(owner, repo)}/runs/{run_id}/rerun")

    async def rerun_failed_jobs(self, owner: str, repo: str, run_id: int) -> None:
        url = f"{self._actions(owner, repo)}/runs/{run_id}/rerun-failed-jobs"
        await self._request("POST", url)

    async def cancel(self, owner: str, repo: str, run_id: int, *, force: bool = False) -> None:
        verb = "force-cancel" if force else "cancel"
        await self._request("POST", f"{self._actions(owner, repo)}/runs/{run_id}/{verb}")

    async def rerun_job(self, owner: str, repo: str, job_id: int) -> None:
        await self._request("POST", f"{self._actions(owner, repo)}/jobs/{job_id}/rerun")

    async def list_workflows(self, owner: str, repo: str) -> list[GhWorkflow]:
        out: list[GhWorkflow] = []
        next_url: str | None = f"{self._actions(owner, repo)}/workflows"
        params: Params | None = {"per_page": PER_PAGE}
        while next_url:
            r = await self._request("GET", next_url, params=params)
            params = None
            out += GhWorkflows.model_validate(r.json()).workflows
            next_url = r.links.get("next", {}).get("url")
        return out

    async def file_text(self, owner: str, repo: str, path: str, ref: str | None = None) -> str:
        """A file's text through the contents API (base64 in a JSON answer)."""
        import base64

        url = f"/repos/{_seg(owner)}/{_seg(repo)}/contents/{_seg(path)}"
        f = await self._get(GhContentFile, url, {"ref": ref} if ref else None)
        if f.type != "file" or f.content is None:
            raise ValueError(f"{path} is a {f.type}, not a file")
        raw = base64.b64decode(f.content) if f.encoding == "base64" else f.content.encode()
        return raw.decode("utf-8", errors="replace")

    async def dispatch(
        self,
        owner: str,
        repo: str,
        workflow_id: str,
        ref: str,
        inputs: Mapping[str, str],
        *,
        details: bool = True,
    ) -> GhDispatchResult | None:
        """Start a ``workflow_dispatch`` run. With ``details``, asks for the run's id
        (github.com answers 200 with it since 2025; GitHub Enterprise Server's description
        has no such field); ``None`` when the server answers 204."""
        url = f"{self._actions(owner, repo)}/workflows/{_seg(workflow_id)}/dispatches"
        body: dict[str, Any] = {"ref": ref}
        if details:
            body["return_run_details"] = True
        if inputs:
            body["inputs"] = dict(inputs)
        r = await self._request("POST", url, json=body)
        if r.status_code == 204 or not r.content:
            return None
        return GhDispatchResult.model_validate(r.json())

    # -- gists --------------------------------------------------------------------------
    async def list_gists(self) -> AsyncIterator[GhGist]:
        """The signed-in user's gists, newest first (files without their content)."""
        async for g in self.paginate(GhGist, "/gists"):
            yield g

    async def get_gist(self, gist_id: str) -> GhGist:
        return await self._get(GhGist, f"/gists/{_seg(gist_id)}", fresh=True)

    async def create_gist(
        self, description: str, files: dict[str, str], *, public: bool = False
    ) -> GhGist:
        body = {
            "description": description,
            "public": public,
            "files": {n: {"content": c} for n, c in files.items()},
        }
        r = await self._request("POST", "/gists", json=body)
        return GhGist.model_validate(r.json())

    async def update_gist(
        self, gist_id: str, description: str, files: dict[str, dict[str, str] | None]
    ) -> GhGist:
        """GitHub's PATCH: ``{name: {"content", "filename"?}}`` edits or renames a file,
        ``{name: None}`` deletes it; visibility cannot change."""
        r = await self._request(
            "PATCH", f"/gists/{_seg(gist_id)}", json={"description": description, "files": files}
        )
        return GhGist.model_validate(r.json())

    async def delete_gist(self, gist_id: str) -> None:
        await self._request("DELETE", f"/gists/{_seg(gist_id)}")
