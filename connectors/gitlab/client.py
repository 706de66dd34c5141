"""A library-grade async client for GitLab's REST API v4, over the ``httpx.AsyncClient`` it is
given (its base URL is the instance's API root, ``https://gitlab.com/api/v4`` or
``https://HOST/api/v4``).

It knows GitLab's URLs, parameters and pagination and returns wire models; it knows nothing
of Tieline's hub (no retries, caching or rate limiting here: the client handed in does that,
and raises the sdk's errors for non-2xx answers).

- Projects are named by their full path, URL-encoded as one segment (``group%2Fsub%2Fproject``),
  as GitLab documents for every ``:id`` parameter; a numeric id works the same.
- Pagination always follows ``Link: rel="next"``. Where GitLab offers keyset pagination
  (a project's issues, since 2025) the first request asks for it with
  ``pagination=keyset``; an older instance ignores the parameter and answers with offset
  links, which are followed the same way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Generic, Literal
from urllib.parse import quote

import httpx
from pydantic import TypeAdapter

from connectors.sdk.connector import FROM_CACHE, NO_STORE
from connectors.sdk.rest import JsonApi, M, Params

from .models import (
    GlApprovals,
    GlCurrentUser,
    GlIssue,
    GlJob,
    GlLint,
    GlMember,
    GlMergeRequest,
    GlNote,
    GlPipeline,
    GlPipelineRef,
    GlProject,
    GlSnippet,
    GlTodo,
    GlTokenSelf,
)

PER_PAGE = 100
MAX_PAGES = 20  # a safety net for whole-list walks, not a product limit

Noteable = Literal["issues", "merge_requests"]


def project_id(path_or_id: str | int) -> str:
    """A project's ``:id`` as GitLab wants it in a URL: the numeric id, or the full path
    URL-encoded as one segment (``group/sub/project`` -> ``group%2Fsub%2Fproject``)."""
    return quote(str(path_or_id), safe="")


class GitLabPage(Generic[M]):
    """One page of a list endpoint: items, the ``next`` link, and whether it came from cache."""

    def __init__(self, items: list[M], next_url: str | None, from_cache: bool) -> None:
        self.items = items
        self.next_url = next_url
        self.from_cache = from_cache


class GitLabClient(JsonApi):
    # -- plumbing -----------------------------------------------------------------------
    async def page(self, model: type[M], url: str, params: Params | None = None) -> GitLabPage[M]:
        """One page; ``url`` is a path (then ``params`` apply) or a ``next`` link from a
        previous page (which already carries every parameter, the cursor included)."""
        r = await self._request("GET", url, params=None if "?" in url else params)
        items = TypeAdapter(list[model]).validate_python(r.json())  # type: ignore[valid-type]
        nxt = r.links.get("next", {}).get("url")
        return GitLabPage(items, str(nxt) if nxt else None, bool(r.extensions.get(FROM_CACHE)))

    async def paginate(
        self, model: type[M], url: str, params: Params | None = None, *, max_pages: int = MAX_PAGES
    ) -> AsyncIterator[M]:
        """Every item of a list endpoint, following ``Link: rel="next"``."""
        next_url: str | None = url
        query: Params | None = {"per_page": PER_PAGE, **(params or {})}
        pages = 0
        while next_url and pages < max_pages:
            p = await self.page(model, next_url, query)
            query = None
            pages += 1
            for item in p.items:
                yield item
            next_url = p.next_url

    # -- account --------------------------------------------------------------------------
    async def current_user(self) -> tuple[GlCurrentUser, httpx.Headers]:
        """``GET /user`` and the answer's headers (they carry the rate-limit budget)."""
        r = await self._request("GET", "/user")
        return GlCurrentUser.model_validate(r.json()), r.headers

    async def token_self(self) -> GlTokenSelf:
        """The access token this client sends (personal, project or group; GitLab 15.5+)."""
        return await self._get(GlTokenSelf, "/personal_access_tokens/self")

    # -- issues ---------------------------------------------------------------------------
    async def get_issue(self, project: str, iid: int) -> GlIssue:
        return await self._get(GlIssue, f"/projects/{project_id(project)}/issues/{iid}")

    def issues_url(self, project: str | None = None) -> str:
        """Issues visible to the account (``/issues``), or one project's."""
        return f"/projects/{project_id(project)}/issues" if project else "/issues"

    async def create_issue(
        self, project: str, title: str, description: str = "", labels: Sequence[str] = ()
    ) -> GlIssue:
        payload: dict[str, Any] = {"title": title}
        if description:
            payload["description"] = description
        if labels:
            payload["labels"] = list(labels)
        r = await self._request("POST", self.issues_url(project), json=payload)
        return GlIssue.model_validate(r.json())

    async def create_note(self, project: str, noteable: Noteable, iid: int, body: str) -> GlNote:
        """A comment on an issue or merge request (Notes API). Not a discussion: on a merge
        request a discussion is a resolvable thread, which can block merging."""
        url = f"/projects/{project_id(project)}/{noteable}/{iid}/notes"
        r = await self._request("POST", url, json={"body": body})
        return GlNote.model_validate(r.json())

    def todos_url(self) -> str:
        return "/todos"

    async def members(self, project: str, query: str = "") -> AsyncIterator[GlMember]:
        """Members of a project including those inherited from its groups: who can be
        assigned or mentioned. ``query`` narrows by name, username or email."""
        params: dict[str, str | int] = {"query": query} if query else {}
        url = f"/projects/{project_id(project)}/members/all"
        async for m in self.paginate(GlMember, url, params, max_pages=3):
            yield m

    # -- merge requests -------------------------------------------------------------------
    async def get_merge_request(self, project: str, iid: int) -> GlMergeRequest:
        url = f"/projects/{project_id(project)}/merge_requests/{iid}"
        return await self._get(GlMergeRequest, url)

    async def list_merge_requests(
        self, project: str | None = None, **params: str | int
    ) -> list[GlMergeRequest]:
        url = f"/projects/{project_id(project)}/merge_requests" if project else "/merge_requests"
        return [mr async for mr in self.paginate(GlMergeRequest, url, params)]

    async def approvals(self, project: int | str, iid: int) -> GlApprovals:
        """Who approved, and (Premium) how many approvals are still needed."""
        url = f"/projects/{project_id(project)}/merge_requests/{iid}/approvals"
        return await self._get(GlApprovals, url)

    # -- CI: pipelines ---------------------------------------------------------------------
    async def latest_pipeline(
        self, project: str, *, ref: str | None = None, sha: str | None = None
    ) -> GlPipelineRef | None:
        """The newest pipeline for a branch/tag (``ref``) or a commit (``sha``), if any."""
        p = await self.pipelines_page(project, ref=ref, sha=sha, per_page=1)
        return p.items[0] if p.items else None

    async def pipelines_page(
        self,
        project: str,
        *,
        ref: str | None = None,
        sha: str | None = None,
        per_page: int = 20,
    ) -> GitLabPage[GlPipelineRef]:
        """The newest pipelines first (``order_by=id``: ids only grow), one page; the
        ``PipelineBasic`` shape, without timing."""
        params: dict[str, str | int] = {"order_by": "id", "sort": "desc", "per_page": per_page}
        if ref is not None:
            params["ref"] = ref
        if sha is not None:
            params["sha"] = sha
        return await self.page(GlPipelineRef, f"/projects/{project_id(project)}/pipelines", params)

    async def merge_request_pipelines(self, project: str, iid: int) -> GitLabPage[GlPipelineRef]:
        """A merge request's pipelines, newest first (its first page): merge request
        pipelines run on ``refs/merge-requests/:iid/head``, which no branch filter finds."""
        url = f"/projects/{project_id(project)}/merge_requests/{iid}/pipelines"
        return await self.page(GlPipelineRef, url)

    async def get_pipeline(self, project: str, pipeline: int) -> GlPipeline:
        return await self._get(GlPipeline, f"/projects/{project_id(project)}/pipelines/{pipeline}")

    async def pipeline_jobs(self, project: str, pipeline: int) -> list[GlJob]:
        """The pipeline's current jobs, every page: a retried job's earlier attempts are
        left out (``include_retried`` is false by default), so each job appears once."""
        url = f"/projects/{project_id(project)}/pipelines/{pipeline}/jobs"
        return [j async for j in self.paginate(GlJob, url)]

    async def pipeline_bridges(self, project: str, pipeline: int) -> list[GlJob]:
        """Trigger jobs: their status is their downstream (child or multi-project)
        pipeline's, which the jobs list does not show."""
        url = f"/projects/{project_id(project)}/pipelines/{pipeline}/bridges"
        return [j async for j in self.paginate(GlJob, url)]

    async def retry_pipeline(self, project: str, pipeline: int) -> GlPipeline:
        """GitLab's "Retry": the pipeline's failed and cancelled jobs run again, in it."""
        url = f"/projects/{project_id(project)}/pipelines/{pipeline}/retry"
        r = await self._request("POST", url)
        return GlPipeline.model_validate(r.json())

    async def cancel_pipeline(self, project: str, pipeline: int) -> GlPipeline:
        url = f"/projects/{project_id(project)}/pipelines/{pipeline}/cancel"
        r = await self._request("POST", url)
        return GlPipeline.model_validate(r.json())

    async def create_pipeline(
        self,
        project: str,
        ref: str,
        *,
        variables: Sequence[Mapping[str, str]] = (),
        inputs: Mapping[str, Any] | None = None,
    ) -> GlPipeline:
        """A new pipeline for a branch or tag ("Run pipeline"): ``variables`` as
        ``{key, value, variable_type}``, ``inputs`` for a configuration with
        ``spec:inputs`` (GitLab 17.x+)."""
        payload: dict[str, Any] = {"ref": ref}
        if variables:
            payload["variables"] = [dict(v) for v in variables]
        if inputs:
            payload["inputs"] = dict(inputs)
        r = await self._request("POST", f"/projects/{project_id(project)}/pipeline", json=payload)
        return GlPipeline.model_validate(r.json())

    async def create_merge_request_pipeline(self, project: str, iid: int) -> GlPipeline | None:
        """A new merge request pipeline; ``None`` when GitLab creates it later (202)."""
        url = f"/projects/{project_id(project)}/merge_requests/{iid}/pipelines"
        r = await self._request("POST", url, json={})
        return GlPipeline.model_validate(r.json()) if r.status_code == 201 and r.content else None

    # -- CI: jobs (the OpenAPI description types ``:id`` as the numeric project id here) ----
    async def get_job(self, project: int, job: int) -> GlJob:
        return await self._get(GlJob, f"/projects/{project}/jobs/{job}")

    async def job_trace(self, project: int, job: int) -> bytes:
        """The job's whole log as GitLab keeps it (bytes, ANSI colours and section markers
        included). GitLab's API serves no part of it: a ``Range`` header is ignored
        (gitlab-org/gitlab#30391, #216738), so a caller slices. Read round the cache
        (``NO_STORE``): a growing trace of several MB is never worth a stored copy."""
        r = await self._request("GET", f"/projects/{project}/jobs/{job}/trace", headers=NO_STORE)
        return r.content

    async def retry_job(self, project: int, job: int) -> GlJob:
        """A new attempt of a finished job, in the same pipeline (the answer is the new job)."""
        r = await self._request("POST", f"/projects/{project}/jobs/{job}/retry", json={})
        return GlJob.model_validate(r.json())

    async def cancel_job(self, project: int, job: int) -> GlJob:
        r = await self._request("POST", f"/projects/{project}/jobs/{job}/cancel", json={})
        return GlJob.model_validate(r.json())

    async def play_job(
        self, project: int, job: int, variables: Mapping[str, str] | None = None
    ) -> GlJob:
        """Start a manual (or delayed) job, with the variables a person gives it."""
        payload: dict[str, Any] = {}
        if variables:
            payload["job_variables_attributes"] = [
                {"key": k, "value": v} for k, v in variables.items()
            ]
        r = await self._request("POST", f"/projects/{project}/jobs/{job}/play", json=payload)
        return GlJob.model_validate(r.json())

    async def ci_lint(self, project: int, ref: str | None = None) -> GlLint:
        """The project's configuration at ``ref`` (default branch) checked and merged with
        its includes, without simulating a pipeline (``dry_run`` false)."""
        params: dict[str, str | int] = {"content_ref": ref} if ref else {}
        return await self._get(GlLint, f"/projects/{project}/ci/lint", params)

    # -- projects and files ------------------------------------------------------------------
    async def get_project(self, project: str) -> GlProject:
        return await self._get(GlProject, f"/projects/{project_id(project)}")

    async def raw_file(self, project: str, path: str, ref: str | None = None) -> str:
        """A file's text at ``ref`` (the default branch when ``None``). The path is
        encoded as one segment with its dots too, as GitLab's page shows
        (``lib%2Fclass%2Erb``): a trailing ``.yml`` is then not taken for a format."""
        encoded = quote(path, safe="").replace(".", "%2E")
        url = f"/projects/{project_id(project)}/repository/files/{encoded}/raw"
        r = await self._request("GET", url, params={"ref": ref} if ref else None)
        return r.text

    # -- to-do items --------------------------------------------------------------------------
    async def todos_page(self, url: str, params: Params | None = None) -> GitLabPage[GlTodo]:
        return await self.page(GlTodo, url, params)

    # -- snippets: personal (project None) and a project's -------------------------------
    @staticmethod
    def _snippets(project: str | None) -> str:
        return f"/projects/{project_id(project)}/snippets" if project else "/snippets"

    async def list_snippets(self, project: str | None = None) -> AsyncIterator[GlSnippet]:
        """``GET /snippets`` (the user's own) or ``GET /projects/:id/snippets`` (all of it)."""
        async for s in self.paginate(GlSnippet, self._snippets(project)):
            yield s

    async def get_snippet(self, snippet_id: int, project: str | None = None) -> GlSnippet:
        return await self._get(GlSnippet, f"{self._snippets(project)}/{snippet_id}")

    async def snippet_content(self, snippet_id: int, project: str | None = None) -> str:
        """``GET .../snippets/:id/raw``: the (first) file's content, as text."""
        url = f"{self._snippets(project)}/{snippet_id}/raw"
        return (await self._request("GET", url)).text

    async def create_snippet(
        self,
        title: str,
        file_name: str,
        content: str,
        *,
        visibility: str = "private",
        project: str | None = None,
    ) -> GlSnippet:
        body = {
            "title": title,
            "file_name": file_name,
            "content": content,
            "visibility": visibility,
        }
        r = await self._request("POST", self._snippets(project), json=body)
        return GlSnippet.model_validate(r.json())

    async def update_snippet(
        self,
        snippet_id: int,
        *,
        title: str,
        file_name: str,
        content: str,
        project: str | None = None,
    ) -> GlSnippet:
        """``PUT .../snippets/:id`` with title, file name and content; never ``visibility``."""
        body = {"title": title, "file_name": file_name, "content": content}
        r = await self._request("PUT", f"{self._snippets(project)}/{snippet_id}", json=body)
        return GlSnippet.model_validate(r.json())

    async def delete_snippet(self, snippet_id: int, project: str | None = None) -> None:
        await self._request("DELETE", f"{self._snippets(project)}/{snippet_id}")
