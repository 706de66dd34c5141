"""A library-grade async client for Jira's REST API, over the ``httpx.AsyncClient`` it is given.

One client speaks to one Jira: Cloud's platform REST v3 or Data Center's REST v2, at a base
that is either the site itself (``https://acme.atlassian.net``, relative to the client's
``base_url``; email + API token or a personal access token) or, for OAuth 2.0 (3LO) tokens,
Atlassian's gateway ``https://api.atlassian.com/ex/jira/{cloudid}`` -- 3LO tokens are not
accepted by the site. :func:`resolve_cloud_id` finds that cloud id. It knows Jira's URLs,
bodies and pagination and returns wire models; retries, caching, rate limits and error
mapping belong to the client handed in.

Search: Cloud's ``POST /rest/api/3/search/jql`` (``nextPageToken`` paging; the old
``/rest/api/3/search`` is being removed) and Data Center's ``POST /rest/api/2/search``
(``startAt`` paging). POST keeps JQL out of URLs and logs and has no URL length limit; a
search changes nothing, so it is marked idempotent and the stack retries it like a GET.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

from connectors.sdk.atlassian import accessible_resources, gateway_base, site_origin

from .models import (
    JComment,
    JCreatedIssue,
    JCreateMetaIssueTypes,
    JField,
    JIssue,
    JProject,
    JProjectPage,
    JSearchOffsetPage,
    JSearchTokenPage,
    JTransitions,
    JUser,
)

__all__ = ["JiraClient", "accessible_resources", "gateway_base", "site_origin"]

M = TypeVar("M", bound=BaseModel)
HEADERS = {"accept": "application/json"}
#: Jira's own ceiling for ``maxResults`` varies by endpoint; 50 is every endpoint's default.
PAGE_SIZE = 50


def _seg(value: str) -> str:
    return quote(value, safe="")


class JiraClient:
    """Jira's REST API at ``base`` (``""``: the http client's own base URL, the site)."""

    def __init__(self, http: httpx.AsyncClient, *, cloud: bool = True, base: str = "") -> None:
        self.http = http
        self.cloud = cloud
        self.base = base.rstrip("/")
        self.api = f"{self.base}/rest/api/{3 if cloud else 2}"

    # -- plumbing -----------------------------------------------------------------------
    async def _request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        idempotent: bool = False,
    ) -> httpx.Response:
        extensions = {"idempotent": True} if idempotent else None
        return await self.http.request(
            method, url, params=params, json=json, headers=HEADERS, extensions=extensions
        )

    async def _get(
        self, model: type[M], url: str, params: Mapping[str, str | int] | None = None
    ) -> M:
        r = await self._request("GET", url, params=params)
        return model.model_validate(r.json())

    # -- account and site -----------------------------------------------------------------
    async def myself(self) -> tuple[JUser, httpx.Response]:
        """The signed-in user, and the answer itself (its rate-limit headers)."""
        r = await self._request("GET", f"{self.api}/myself")
        return JUser.model_validate(r.json()), r

    async def project_page(self, start_at: int, max_results: int = PAGE_SIZE) -> JProjectPage:
        """One page of the projects this account can browse (Cloud)."""
        return await self._get(
            JProjectPage,
            f"{self.api}/project/search",
            {"startAt": start_at, "maxResults": max_results},
        )

    async def all_projects(self) -> list[JProject]:
        """Every project this account can browse (Data Center: one unpaged list)."""
        r = await self._request("GET", f"{self.api}/project")
        return TypeAdapter(list[JProject]).validate_python(r.json())

    async def fields(self) -> list[JField]:
        """Every field of the site, system and custom (to find the sprint field's id)."""
        r = await self._request("GET", f"{self.api}/field")
        return TypeAdapter(list[JField]).validate_python(r.json())

    # -- issues -------------------------------------------------------------------------
    async def get_issue(self, key: str, fields: Sequence[str]) -> JIssue:
        return await self._get(
            JIssue, f"{self.api}/issue/{_seg(key)}", {"fields": ",".join(fields)}
        )

    async def search_jql(
        self,
        jql: str,
        fields: Sequence[str],
        *,
        next_page_token: str | None = None,
        max_results: int = PAGE_SIZE,
    ) -> JSearchTokenPage:
        """One page of a JQL search on Cloud (``nextPageToken`` paging)."""
        body: dict[str, Any] = {"jql": jql, "fields": list(fields), "maxResults": max_results}
        if next_page_token:
            body["nextPageToken"] = next_page_token
        r = await self._request("POST", f"{self.api}/search/jql", json=body, idempotent=True)
        return JSearchTokenPage.model_validate(r.json())

    async def search_offset(
        self, jql: str, fields: Sequence[str], *, start_at: int = 0, max_results: int = PAGE_SIZE
    ) -> JSearchOffsetPage:
        """One page of a JQL search on Data Center (``startAt`` paging)."""
        body = {"jql": jql, "fields": list(fields), "startAt": start_at, "maxResults": max_results}
        r = await self._request("POST", f"{self.api}/search", json=body, idempotent=True)
        return JSearchOffsetPage.model_validate(r.json())

    async def create_issue(self, fields: Mapping[str, Any]) -> JCreatedIssue:
        r = await self._request("POST", f"{self.api}/issue", json={"fields": dict(fields)})
        return JCreatedIssue.model_validate(r.json())

    async def add_comment(self, key: str, body: Any) -> JComment:
        """``body`` is an ADF document on v3 and a wiki markup string on v2."""
        r = await self._request(
            "POST", f"{self.api}/issue/{_seg(key)}/comment", json={"body": body}
        )
        return JComment.model_validate(r.json())

    async def create_issue_types(self, project: str, start_at: int = 0) -> JCreateMetaIssueTypes:
        """One page of the issue types a new issue in ``project`` may have."""
        return await self._get(
            JCreateMetaIssueTypes,
            f"{self.api}/issue/createmeta/{_seg(project)}/issuetypes",
            {"startAt": start_at, "maxResults": PAGE_SIZE},
        )

    # -- users ----------------------------------------------------------------------------
    async def assignable_users(self, project: str, query: str, max_results: int) -> list[JUser]:
        """Users who may be assigned issues in ``project`` whose name/email matches ``query``
        (Cloud's parameter is ``query``; Data Center's is ``username``)."""
        name = "query" if self.cloud else "username"
        r = await self._request(
            "GET",
            f"{self.api}/user/assignable/search",
            params={"project": project, name: query, "maxResults": max_results},
        )
        return TypeAdapter(list[JUser]).validate_python(r.json())

    async def search_users(self, query: str, max_results: int) -> list[JUser]:
        """Users matching ``query`` anywhere on the site (needs the browse-users permission)."""
        name = "query" if self.cloud else "username"
        r = await self._request(
            "GET", f"{self.api}/user/search", params={name: query, "maxResults": max_results}
        )
        return TypeAdapter(list[JUser]).validate_python(r.json())

    # -- workflow ---------------------------------------------------------------------------
    async def transitions(self, key: str) -> JTransitions:
        return await self._get(JTransitions, f"{self.api}/issue/{_seg(key)}/transitions")

    async def do_transition(self, key: str, transition_id: str) -> None:
        await self._request(
            "POST",
            f"{self.api}/issue/{_seg(key)}/transitions",
            json={"transition": {"id": transition_id}},
        )
