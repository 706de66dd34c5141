"""A library-grade async client for Jenkins' JSON API, over the ``httpx.AsyncClient`` it is given.

Paths are relative to the client's ``base_url`` (the site, context path included:
``https://host/jenkins``). A job is named by its *full name*, the slash-separated names of the
folders it sits in and its own (``team/app``, ``team/app/feature%2Fx y`` for a multibranch
branch); its URL is ``/job/team/job/app`` with each name percent-encoded once more
(:func:`job_path`). Answers are read with ``tree=`` so Jenkins serialises only the fields used
(https://www.jenkins.io/doc/book/using/remote-access-api/, "Controlling the amount of data you
fetch"), builds in ``{0,N}`` ranges.

CSRF: a POST carries the crumb from ``/crumbIssuer/api/json`` (``{crumbRequestField, crumb}``),
fetched once per client; a 403 answer gets one fresh crumb and one more try (a crumb is bound to
the web session whose cookie the http client keeps, and a restart or a session timeout ends
it). With API-token basic auth, Jenkins 2.96 and later need no crumb at all, and a controller
with CSRF protection off has no crumb issuer (404): then none is sent. Retries, caching, rate
limits and error mapping belong to the client handed in.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from connectors.sdk import NO_STORE, NotFound, PermissionDenied, ServiceUnavailable

from .models import (
    BUILD_FIELDS,
    JOB_FIELDS,
    PROPERTY_FIELDS,
    JBuild,
    JCrumb,
    JJob,
    JQueueItem,
    JRunDescription,
    JUser,
)

M = TypeVar("M", bound=BaseModel)
JSON = {"accept": "application/json"}
TEXT = {"accept": "text/plain"}
_QUEUE_LOCATION = re.compile(r"/queue/item/(?P<id>\d+)/?$")
#: What branch-api's ``NameEncoder`` escapes in a branch's name to make it a job name
#: (the characters ``Jenkins.checkGoodName`` refuses, ``%`` first so it stays reversible).
_UNSAFE_IN_NAMES = '%/\\:?#|<>*"!@$^&[];'


def encode_name(branch: str) -> str:
    """The job name a multibranch project gives a branch: ``feature/x y`` -> ``feature%2Fx y``.

    ``.`` and ``..`` are not names a job may have, so they are encoded whole."""
    if branch in (".", ".."):
        return "%2E" * len(branch)
    return "".join(f"%{ord(c):02X}" if c in _UNSAFE_IN_NAMES else c for c in branch)


def decode_name(name: str) -> str:
    """A branch job's name back to the branch: ``feature%2Fx y`` -> ``feature/x y``."""
    from urllib.parse import unquote

    return unquote(name)


def job_path(full_name: str) -> str:
    """``team/app`` -> ``/job/team/job/app``: each name percent-encoded for the URL (so a
    branch job ``feature%2Fx y`` is ``/job/feature%252Fx%20y``, as Jenkins links it)."""
    names = [n for n in full_name.split("/") if n]
    if not names:
        raise ValueError("a job needs a name")
    return "".join(f"/job/{quote(n, safe='')}" for n in names)


def _unreadable(r: httpx.Response) -> ServiceUnavailable:
    """A 200 that is not Jenkins' JSON: single sign-on proxies answer an expired session
    with their login page, and some reverse proxies their own error page, as 200."""
    kind = r.headers.get("content-type", "no content type").split(";")[0]
    return ServiceUnavailable(
        f"Jenkins: {r.request.method} {r.request.url.path} answered 200 with {kind}, not "
        "Jenkins' JSON (a sign-in page of a proxy in front of Jenkins?)",
        status=r.status_code,
        service="Jenkins",
    )


@dataclass(frozen=True)
class LogPart:
    """What ``logText/progressiveText`` answered: the text from ``start``, where to ask next
    (``X-Text-Size``, bytes) and whether more will come (``X-More-Data: true`` while the
    build runs)."""

    text: str
    next_start: int
    more: bool


class JenkinsClient:
    """Jenkins' JSON API at the http client's base URL."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        #: ``None``: not asked yet; ``False``: this controller issues none; else the header.
        self._crumb: tuple[str, str] | bool | None = None

    # -- plumbing -------------------------------------------------------------------------
    async def _get_json(
        self, model: type[M], path: str, params: Mapping[str, str | int] | None = None
    ) -> M:
        r = await self.http.get(path, params=params, headers=JSON)
        try:
            return model.model_validate(r.json())
        except ValueError as exc:  # not JSON, or not the shape: a login page, a proxy's page
            raise _unreadable(r) from exc

    async def crumb(self, *, fresh: bool = False) -> tuple[str, str] | None:
        """The CSRF header to send on POSTs (``(field, crumb)``), or ``None`` when none is
        issued here. Asked once per client unless ``fresh``."""
        if fresh or self._crumb is None:
            try:
                c = await self._get_json(JCrumb, "/crumbIssuer/api/json")
            except NotFound:
                self._crumb = False
            else:
                self._crumb = (c.crumb_request_field, c.crumb)
        return self._crumb if isinstance(self._crumb, tuple) else None

    async def _post(
        self,
        path: str,
        *,
        data: Mapping[str, str] | None = None,
        params: Mapping[str, str | int] | None = None,
        idempotent: bool = False,
    ) -> httpx.Response:
        """POST with the crumb; a 403 gets one fresh crumb and one more try. ``idempotent``:
        sending it twice does no harm (stop, cancel), so the stack may retry it on a 5xx; a
        build request is never repeated, or it would queue two builds."""
        extensions = {"idempotent": True} if idempotent else None
        for attempt in (1, 2):
            headers = dict(JSON)
            crumb = await self.crumb(fresh=attempt == 2)
            if crumb is not None:
                headers[crumb[0]] = crumb[1]
            try:
                # Not followed: ``stop`` answers with a redirect to the build's HTML page.
                return await self.http.post(
                    path,
                    data=data,
                    params=params,
                    headers=headers,
                    follow_redirects=False,
                    extensions=extensions,
                )
            except PermissionDenied:
                if attempt == 2 or self._crumb is False:
                    raise
        raise AssertionError("unreachable")

    # -- who am I ---------------------------------------------------------------------------
    async def me(self) -> tuple[JUser, httpx.Response]:
        """The signed-in user, and the answer itself (its ``X-Jenkins`` version header)."""
        r = await self.http.get(
            "/me/api/json", params={"tree": "id,fullName,absoluteUrl"}, headers=JSON
        )
        try:
            return JUser.model_validate(r.json()), r
        except ValueError as exc:
            raise _unreadable(r) from exc

    # -- jobs and builds --------------------------------------------------------------------
    async def job(
        self,
        full_name: str,
        *,
        builds: int = 0,
        branches: bool = False,
        child_parameters: bool = False,
    ) -> JJob:
        """A job with its newest ``builds`` and, for containers, its child jobs (each with its
        newest build when ``branches``, its parameter definitions when ``child_parameters``)."""
        tree = JOB_FIELDS
        if builds:
            tree += f",builds[{BUILD_FIELDS}]{{0,{builds}}}"
        child = "_class,name,url"
        if branches:
            child += f",lastBuild[{BUILD_FIELDS}]"
        if child_parameters:
            child += f",{PROPERTY_FIELDS}"
        tree += f",jobs[{child}]"
        return await self._get_json(JJob, f"{job_path(full_name)}/api/json", {"tree": tree})

    async def build(self, full_name: str, number: int) -> JBuild:
        return await self._get_json(
            JBuild, f"{job_path(full_name)}/{number}/api/json", {"tree": BUILD_FIELDS}
        )

    async def describe(self, full_name: str, number: int) -> JRunDescription | None:
        """A Pipeline run's stages (Pipeline Stage View plugin); ``None`` where the plugin is
        not installed or the build is no Pipeline run."""
        try:
            return await self._get_json(
                JRunDescription, f"{job_path(full_name)}/{number}/wfapi/describe"
            )
        except NotFound:
            return None

    async def console_text(self, full_name: str, number: int) -> str:
        """The whole console log as it is now (round the cache: ``NO_STORE``)."""
        r = await self.http.get(
            f"{job_path(full_name)}/{number}/consoleText", headers={**TEXT, **NO_STORE}
        )
        return r.content.decode("utf-8", errors="replace")

    async def progressive_text(self, full_name: str, number: int, start: int = 0) -> LogPart:
        """The console log from byte ``start`` (``logText/progressiveText``)."""
        r = await self.http.get(
            f"{job_path(full_name)}/{number}/logText/progressiveText",
            params={"start": max(0, start)},
            headers={**TEXT, **NO_STORE},
        )
        size = r.headers.get("x-text-size")
        next_start = int(size) if size and size.isdigit() else start + len(r.content)
        more = r.headers.get("x-more-data", "").strip().lower() == "true"
        # A running build's log can end inside a character: keep its first bytes for the
        # next read (by starting that read earlier) rather than garbling it twice.
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        text = decoder.decode(r.content, final=not more)
        pending = len(decoder.getstate()[0])
        return LogPart(text, next_start - pending, more)

    # -- control ----------------------------------------------------------------------------
    async def build_now(self, full_name: str, parameters: Mapping[str, str] | None) -> int | None:
        """Queue a build (``buildWithParameters`` when there are parameters, form-encoded as
        Jenkins' own form sends them); the queue item's id from ``Location``, if given."""
        path = job_path(full_name)
        if parameters is None:
            r = await self._post(f"{path}/build")
        else:
            r = await self._post(f"{path}/buildWithParameters", data=dict(parameters))
        found = _QUEUE_LOCATION.search(r.headers.get("location", ""))
        return int(found["id"]) if found else None

    async def stop(self, full_name: str, number: int) -> None:
        """Abort a running build (Jenkins answers with a redirect to the build's page)."""
        await self._post(f"{job_path(full_name)}/{number}/stop", idempotent=True)

    async def queue_item(self, item: int) -> JQueueItem:
        return await self._get_json(JQueueItem, f"/queue/item/{item}/api/json")

    async def cancel_queue_item(self, item: int) -> None:
        """Take a waiting item out of the queue. Jenkins before 2.110 answered a success with
        a 404 (a redirect it could not follow), so 404 counts as gone."""
        try:
            await self._post("/queue/cancelItem", params={"id": item}, idempotent=True)
        except NotFound:
            return
