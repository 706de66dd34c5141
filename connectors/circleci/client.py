"""A library-grade async client of CircleCI's API v2 (and the one v1.1 call v2 has no match
for), over the ``httpx.AsyncClient`` it is given, whose base URL is the API v2 root
(``https://circleci.com/api/v2``, or ``https://HOST/api/v2`` on CircleCI server).

- Project slugs (``gh/octo/app``, ``circleci/<org-id>/<project-id>``) are sent URL-escaped
  as one path segment: CircleCI's description allows both forms ("The ``/`` characters may be
  URL-escaped"), and the escaped one keeps ``/project/{slug}/job/{n}`` unambiguous.
- Lists page with ``next_page_token`` in the body, sent back as ``page-token``.
- Step output exists only in v1.1 (``/api/v1.1/project/{vcs}/{org}/{repo}/{build_num}``,
  found beside the v2 root): each step action's ``output_url`` is a pre-signed URL on another
  host (S3), fetched with **no** credentials -- the account's token never leaves CircleCI.

No retries, caching or rate limiting here: the client handed in does that, and maps error
statuses (CircleCI's ``{"message": "..."}`` bodies) to the sdk's errors.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from connectors.sdk.connector import NO_STORE
from connectors.sdk.errors import InvalidRequest, ServiceError

from .models import (
    CcJob,
    CcJobDetails,
    CcMe,
    CcPipeline,
    CcPipelineConfig,
    CcPipelineCreated,
    CcV1Build,
    CcWorkflow,
)

SERVICE = "CircleCI"
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def slug_segment(slug: str) -> str:
    """A project slug as one escaped path segment (``gh%2Focto%2Fapp``)."""
    return quote(slug, safe="")


class CircleCIPage(Generic[T]):
    """One page of a v2 list and the token of the next (``None`` at the end)."""

    def __init__(self, items: list[T], next_token: str | None) -> None:
        self.items = items
        self.next_token = next_token


class CircleCIClient:
    """CircleCI's v2 operations (and v1.1's job detail) as typed methods."""

    def __init__(self, http: httpx.AsyncClient, *, fresh: bool = False) -> None:
        self.http = http
        #: Ask for the service's current answer (``Cache-Control: no-cache``: a cached entry
        #: is revalidated, never served as it is), e.g. to read back what a POST changed.
        self.headers = {"cache-control": "no-cache"} if fresh else {}

    # -- plumbing -------------------------------------------------------------------------
    async def _get(self, model: type[M], url: str, params: Mapping[str, str] | None = None) -> M:
        response = await self.http.get(url, params=dict(params or {}), headers=self.headers)
        return model.model_validate(response.json())

    async def _page(
        self, model: type[M], url: str, token: str | None, params: Mapping[str, str] | None = None
    ) -> CircleCIPage[M]:
        query = dict(params or {})
        if token:
            query["page-token"] = token
        response = await self.http.get(url, params=query, headers=self.headers)
        body = response.json()
        if not isinstance(body, Mapping) or not isinstance(body.get("items"), list):
            raise ServiceError(f"{SERVICE}: unexpected list answer from {url}", service=SERVICE)
        items = [model.model_validate(i) for i in body["items"]]
        nxt = body.get("next_page_token")
        return CircleCIPage(items, nxt if isinstance(nxt, str) and nxt else None)

    async def _post(self, url: str, body: Mapping[str, Any] | None) -> Any:
        response = await self.http.post(url, json=dict(body) if body is not None else None)
        if not response.content:
            return None
        return response.json()

    def v1_url(self, path: str) -> httpx.URL:
        """``path`` under the v1.1 root beside the v2 one (``…/api/v2`` -> ``…/api/v1.1``)."""
        base = self.http.base_url
        root = base.path.rstrip("/")
        if root.endswith("/v2"):
            root = root[: -len("/v2")]
        return base.copy_with(path=f"{root}/v1.1/{path.lstrip('/')}")

    # -- user -----------------------------------------------------------------------------
    async def me(self) -> tuple[CcMe, httpx.Headers]:
        response = await self.http.get("me", headers=self.headers)
        return CcMe.model_validate(response.json()), response.headers

    # -- pipelines --------------------------------------------------------------------------
    async def pipelines(
        self, slug: str, *, branch: str | None = None, token: str | None = None
    ) -> CircleCIPage[CcPipeline]:
        params = {"branch": branch} if branch else {}
        return await self._page(CcPipeline, f"project/{slug_segment(slug)}/pipeline", token, params)

    async def pipeline(self, pipeline_id: str) -> CcPipeline:
        return await self._get(CcPipeline, f"pipeline/{pipeline_id}")

    async def pipeline_config(self, pipeline_id: str) -> CcPipelineConfig:
        return await self._get(CcPipelineConfig, f"pipeline/{pipeline_id}/config")

    async def trigger_pipeline(
        self, slug: str, *, branch: str, parameters: Mapping[str, Any]
    ) -> CcPipelineCreated:
        body: dict[str, Any] = {"branch": branch}
        if parameters:
            body["parameters"] = dict(parameters)
        data = await self._post(f"project/{slug_segment(slug)}/pipeline", body)
        return CcPipelineCreated.model_validate(data)

    async def run_pipeline(
        self, slug: str, *, branch: str, parameters: Mapping[str, Any]
    ) -> CcPipelineCreated | None:
        """``POST /project/{provider}/{org}/{project}/pipeline/run``, the trigger for projects
        the classic one refuses (GitHub App, GitLab: ``circleci/<org-id>/<project-id>``).
        Config and checkout both come from ``branch``; with no ``definition_id`` CircleCI
        runs the project's default pipeline definition. ``None`` when CircleCI answers
        without a pipeline (it skipped the run)."""
        provider, org, project = (quote(p, safe="") for p in _three(slug))
        body: dict[str, Any] = {"config": {"branch": branch}, "checkout": {"branch": branch}}
        if parameters:
            body["parameters"] = dict(parameters)
        data = await self._post(f"project/{provider}/{org}/{project}/pipeline/run", body)
        if not isinstance(data, Mapping) or "id" not in data:
            return None
        return CcPipelineCreated.model_validate(data)

    # -- workflows --------------------------------------------------------------------------
    async def pipeline_workflows(
        self, pipeline_id: str, token: str | None = None
    ) -> CircleCIPage[CcWorkflow]:
        return await self._page(CcWorkflow, f"pipeline/{pipeline_id}/workflow", token)

    async def all_pipeline_workflows(self, pipeline_id: str) -> list[CcWorkflow]:
        return await _all(lambda t: self.pipeline_workflows(pipeline_id, t))

    async def workflow(self, workflow_id: str) -> CcWorkflow:
        return await self._get(CcWorkflow, f"workflow/{workflow_id}")

    async def workflow_jobs(
        self, workflow_id: str, token: str | None = None
    ) -> CircleCIPage[CcJob]:
        """A page of a workflow's jobs. The description lists no ``page-token`` parameter for
        this operation though its answer carries ``next_page_token``; it is sent back only
        when CircleCI sent one (a workflow of more jobs than a page)."""
        return await self._page(CcJob, f"workflow/{workflow_id}/job", token)

    async def all_workflow_jobs(self, workflow_id: str) -> list[CcJob]:
        return await _all(lambda t: self.workflow_jobs(workflow_id, t))

    async def rerun_workflow(
        self, workflow_id: str, *, from_failed: bool = False, jobs: Sequence[str] = ()
    ) -> str:
        """Re-run a workflow (all of it, from its failed jobs, or the given jobs); the new
        workflow's id."""
        if from_failed and jobs:
            raise InvalidRequest(f"{SERVICE}: from_failed and jobs are mutually exclusive")
        body: dict[str, Any] = {}
        if from_failed:
            body["from_failed"] = True
        if jobs:
            body["jobs"] = list(jobs)
        data = await self._post(f"workflow/{workflow_id}/rerun", body)
        new = data.get("workflow_id") if isinstance(data, Mapping) else None
        return str(new) if new else workflow_id

    async def cancel_workflow(self, workflow_id: str) -> None:
        await self._post(f"workflow/{workflow_id}/cancel", None)

    async def approve(self, workflow_id: str, approval_request_id: str) -> None:
        await self._post(f"workflow/{workflow_id}/approve/{approval_request_id}", None)

    # -- jobs -------------------------------------------------------------------------------
    async def job(self, slug: str, number: int) -> CcJobDetails:
        return await self._get(CcJobDetails, f"project/{slug_segment(slug)}/job/{number}")

    async def cancel_job(self, slug: str, number: int) -> None:
        await self._post(f"project/{slug_segment(slug)}/job/{number}/cancel", None)

    async def v1_build(self, slug: str, number: int) -> CcV1Build:
        """v1.1's job detail, for its ``steps``. v1.1 names a project ``{vcs}/{org}/{repo}``,
        which is what a v2 slug is, so the slug goes in unescaped."""
        path = "/".join(quote(p, safe="") for p in slug.split("/"))
        response = await self.http.get(
            self.v1_url(f"project/{path}/{number}"), headers=self.headers
        )
        return CcV1Build.model_validate(response.json())

    async def action_output(self, url: str) -> str:
        """An action's output text from its pre-signed ``output_url``, sent no credentials
        (``auth=None`` switches the client's auth off for this request alone): the
        ``message`` of each ``{message, time, type}`` entry (:class:`.CcOutputLine`), joined.
        Read without a model per entry: a 10 MB log is ~200,000 of them, and validating each
        would cost seconds before the first screen."""
        response = await self.http.get(url, auth=None, headers=NO_STORE)
        body = response.json()
        if not isinstance(body, list):
            raise ServiceError(f"{SERVICE}: step output is not a list of lines", service=SERVICE)
        return "".join(str(e.get("message") or "") for e in body if isinstance(e, Mapping))


def _three(slug: str) -> tuple[str, str, str]:
    parts = slug.split("/")
    if len(parts) != 3 or not all(parts):
        raise InvalidRequest(f"{SERVICE}: {slug!r} is not a project slug (provider/org/project)")
    return parts[0], parts[1], parts[2]


async def _all(
    fetch: Callable[[str | None], Awaitable[CircleCIPage[T]]], *, max_pages: int = 20
) -> list[T]:
    """Every item of a token-paged list (a safety net on the page count)."""
    out: list[T] = []
    token: str | None = None
    for _ in range(max_pages):
        page = await fetch(token)
        out.extend(page.items)
        token = page.next_token
        if not token:
            break
    return out
