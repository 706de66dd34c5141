"""A library-grade async client for Asana's REST API 1.0, over the ``httpx.AsyncClient`` it
is given (base URL ``https://app.asana.com/api/1.0``; the token travels in its auth).

It knows Asana's URLs, the ``{"data": ...}`` envelope, ``opt_fields`` (always given: without
them Asana answers a compact form that lacks what the connector reads), and ``limit`` +
``offset`` paging (``next_page.offset``); it returns wire models. Retries, caching, rate
limits (429 + Retry-After) and error mapping (``{"errors": [{"message", "help"}]}``) belong
to the client handed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from .models import AList, AMe, ANamed, AOne, AStory, ATask, AUser

HEADERS = {"accept": "application/json"}
SERVICE = "Asana"
#: Asana's own ceiling for ``limit`` is 100.
PAGE_SIZE = 50
USER_FIELDS = "name,email,photo.image_60x60"
TASK_FIELDS = ",".join(
    (
        "name",
        "notes",
        "completed",
        "completed_at",
        "created_at",
        "modified_at",
        "permalink_url",
        "resource_subtype",
        "assignee.name",
        "assignee.email",
        "assignee.photo.image_60x60",
        "memberships.project.name",
        "memberships.section.name",
        "tags.name",
        "workspace.name",
    )
)

Params = Mapping[str, str | int]


def _prefixed(field: str) -> str:
    """``USER_FIELDS`` under a user-valued field (``created_by.name,created_by.email``)."""
    return ",".join(f"{field}.{f}" for f in USER_FIELDS.split(","))


class AsanaClient:
    """Asana's REST API relative to the http client's base URL."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def _request(
        self, method: str, path: str, *, params: Params | None = None, data: Any = None
    ) -> httpx.Response:
        return await self.http.request(
            method,
            path.lstrip("/"),
            params=params,
            json={"data": data} if data is not None else None,
            headers=HEADERS,
        )

    async def _page(self, path: str, params: Params, offset: str | None) -> dict[str, Any]:
        query = {**params, "limit": params.get("limit", PAGE_SIZE)}
        if offset:
            query["offset"] = offset
        body: dict[str, Any] = (await self._request("GET", path, params=query)).json()
        return body

    # -- the user ---------------------------------------------------------------------------
    async def me(self) -> tuple[AMe, httpx.Response]:
        r = await self._request(
            "GET", "users/me", params={"opt_fields": f"{USER_FIELDS},workspaces.name"}
        )
        return AOne[AMe].model_validate(r.json()).data, r

    async def typeahead(
        self, workspace: str, resource_type: str, query: str, count: int
    ) -> list[Any]:
        fields = USER_FIELDS if resource_type == "user" else "name"
        r = await self._request(
            "GET",
            f"workspaces/{workspace}/typeahead",
            params={
                "resource_type": resource_type,
                "query": query,
                "count": count,
                "opt_fields": fields,
            },
        )
        model = AUser if resource_type == "user" else ANamed
        return list(AList[model].model_validate(r.json()).data)  # type: ignore[valid-type]

    # -- projects and sections ---------------------------------------------------------------
    async def projects(self, workspace: str, offset: str | None = None) -> AList[ANamed]:
        body = await self._page(
            "projects",
            {"workspace": workspace, "archived": "false", "opt_fields": "name", "limit": 100},
            offset,
        )
        return AList[ANamed].model_validate(body)

    async def sections(self, project: str, offset: str | None = None) -> AList[ANamed]:
        body = await self._page(
            f"projects/{project}/sections", {"opt_fields": "name", "limit": 100}, offset
        )
        return AList[ANamed].model_validate(body)

    async def add_to_section(self, section: str, task: str) -> None:
        await self._request("POST", f"sections/{section}/addTask", data={"task": task})

    # -- tasks ------------------------------------------------------------------------------
    async def task(self, gid: str) -> ATask:
        r = await self._request("GET", f"tasks/{gid}", params={"opt_fields": TASK_FIELDS})
        return AOne[ATask].model_validate(r.json()).data

    async def my_tasks(self, workspace: str, offset: str | None = None) -> AList[ATask]:
        """A page of the user's incomplete tasks in the workspace.

        ``completed_since`` keeps tasks that are incomplete or completed since then. Asana
        takes the keyword ``now``, but the description of ``GET /tasks`` types the parameter
        as a date-time, so the time is sent, to the minute (a stable URL within a minute,
        so repeated polls can be answered from the cache); tasks completed in that minute
        are dropped by the connector."""
        since = datetime.now(UTC).replace(second=0, microsecond=0)
        body = await self._page(
            "tasks",
            {
                "assignee": "me",
                "workspace": workspace,
                "completed_since": since.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "opt_fields": TASK_FIELDS,
            },
            offset,
        )
        return AList[ATask].model_validate(body)

    async def project_tasks(self, project: str, offset: str | None = None) -> AList[ATask]:
        """A page of the project's incomplete tasks (``completed_since=now``)."""
        body = await self._page(
            f"projects/{project}/tasks",
            {"completed_since": "now", "opt_fields": TASK_FIELDS},
            offset,
        )
        return AList[ATask].model_validate(body)

    async def search_created(
        self, workspace: str, *, before: str | None, project: str | None, limit: int
    ) -> list[ATask]:
        """Incomplete tasks the user created, newest first (the search API: paid workspaces
        only, no offset -- the next page is ``created_at.before`` the last one's time)."""
        params: dict[str, str | int] = {
            "created_by.any": "me",
            "completed": "false",
            "sort_by": "created_at",
            "sort_ascending": "false",
            "opt_fields": TASK_FIELDS,
            "limit": limit,
        }
        if before:
            params["created_at.before"] = before
        if project:
            params["projects.any"] = project
        r = await self._request("GET", f"workspaces/{workspace}/tasks/search", params=params)
        return list(AList[ATask].model_validate(r.json()).data)

    async def create_task(
        self, project: str, name: str, notes: str, tags: Sequence[str] = ()
    ) -> ATask:
        data: dict[str, Any] = {"name": name, "projects": [project]}
        if notes:
            data["notes"] = notes
        if tags:
            data["tags"] = list(tags)
        r = await self._request("POST", "tasks", params={"opt_fields": TASK_FIELDS}, data=data)
        return AOne[ATask].model_validate(r.json()).data

    async def update_task(self, gid: str, changes: Mapping[str, Any]) -> ATask:
        r = await self._request(
            "PUT", f"tasks/{gid}", params={"opt_fields": TASK_FIELDS}, data=dict(changes)
        )
        return AOne[ATask].model_validate(r.json()).data

    async def comment(self, gid: str, text: str) -> AStory:
        r = await self._request(
            "POST",
            f"tasks/{gid}/stories",
            params={"opt_fields": "text,created_at,resource_subtype," + _prefixed("created_by")},
            data={"text": text},
        )
        return AOne[AStory].model_validate(r.json()).data
