"""Endpoints into Starlette routes: authentication and scope, input validated by the
endpoint's models, the handler's answer as JSON (with an ETag where declared), and every
failure as a problem.

One route per path, whatever its methods, so that a method the path does not have is a 405
problem with ``Allow`` rather than Starlette's plain-text one.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from connectors.sdk.errors import TielineError

from .auth import Authorize, Principal, bearer_token, challenge
from .problems import ApiError, from_error, internal
from .spec import Endpoint

log = logging.getLogger("tieline.web.api")


@dataclass(frozen=True)
class Call:
    """What a handler gets: the request, who made it, and its validated input."""

    request: Request
    principal: Principal
    query: Any
    body: Any
    params: dict[str, str]


async def maybe(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def build_routes(endpoints: Sequence[Endpoint], authorize: Authorize) -> list[BaseRoute]:
    by_path: dict[str, dict[str, Endpoint]] = {}
    for e in endpoints:
        by_path.setdefault(e.route_path or e.path, {})[e.method.upper()] = e
    out: list[BaseRoute] = [
        Route(path, _dispatcher(methods, authorize), methods=list(_EVERY_METHOD))
        for path, methods in by_path.items()
    ]
    # Last: any other path under the mount is a 404 problem -- to a caller with credentials
    # (a stranger learns nothing of which paths exist).
    out.append(Route("/{rest:path}", _dispatcher({}, authorize), methods=list(_EVERY_METHOD)))
    return out


#: What a route takes to its dispatcher, which answers 405 itself for the ones it lacks.
_EVERY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


def _dispatcher(
    methods: dict[str, Endpoint], authorize: Authorize
) -> Callable[[Request], Awaitable[Response]]:
    allow = ", ".join(sorted(methods))

    async def endpoint(request: Request) -> Response:
        e = methods.get(request.method)
        try:
            if e is None:  # who asks is checked first: nothing is said to a stranger
                await _authorized(request, None, authorize)
                if not methods:
                    raise ApiError("not-found", "no such path")
                raise ApiError(
                    "method-not-allowed",
                    f"{request.method} is not allowed here (allowed: {allow})",
                    {"Allow": allow},
                )
            return await _answer(e, request, authorize)
        except ApiError as exc:
            return exc.response(request.url.path)
        except TielineError as exc:
            return from_error(exc).response(request.url.path)
        except Exception:
            log.exception("%s %s failed", request.method, request.url.path)
            return internal().response(request.url.path)

    return endpoint


async def _answer(e: Endpoint, request: Request, authorize: Authorize) -> Response:
    principal = await _authorized(request, e.scope, authorize)
    query = _validated(e.query, dict(request.query_params), "query") if e.query else None
    body = await _body(e.body, request) if e.body else None
    call = Call(request, principal, query, body, dict(request.path_params))
    result = await e.handler(call)
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status_code=e.status)
    if isinstance(result, BaseModel):
        content = result.model_dump_json().encode()
    else:
        content = json.dumps(result).encode()
    headers: dict[str, str] = {}
    if e.etag:
        tag = 'W/"' + hashlib.sha256(content).hexdigest()[:32] + '"'
        headers["ETag"] = tag
        if _fresh(request.headers.get("if-none-match"), tag):
            return Response(status_code=304, headers=headers)
    extra = request.scope.get("tieline.headers")
    if isinstance(extra, dict):
        headers.update(extra)
    return Response(content, status_code=e.status, media_type="application/json", headers=headers)


def _fresh(if_none_match: str | None, tag: str) -> bool:
    """RFC 9110 section 13.1.2: weak comparison against each listed tag, or ``*``."""
    if not if_none_match:
        return False
    wanted = tag.removeprefix("W/")
    for t in if_none_match.split(","):
        t = t.strip()
        if t == "*" or t.removeprefix("W/") == wanted:
            return True
    return False


async def _authorized(request: Request, scope: str | None, authorize: Authorize) -> Principal:
    principal = await maybe(authorize(request, scope or ""))
    if principal is None:
        sent = bearer_token(request) is not None
        raise ApiError(
            "unauthorized",
            "the access token is invalid or expired"
            if sent
            else "send Authorization: Bearer <token>",
            {"WWW-Authenticate": challenge("invalid_token" if sent else None)},
        )
    if not isinstance(principal, Principal):
        raise TypeError(f"authorize returned {type(principal).__name__}, not a Principal")
    if scope and not principal.allows(scope):
        raise ApiError(
            "insufficient-scope",
            f"this needs the {scope} scope",
            {"WWW-Authenticate": challenge("insufficient_scope", scope=scope)},
            {"scope": scope},
        )
    return principal


def _validated(model: type[BaseModel], data: Any, where: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [
            {"loc": [where, *err["loc"]], "msg": err["msg"]}
            for err in exc.errors(include_url=False, include_input=False)
        ]
        raise ApiError(
            "validation", f"the {where} is not valid", extra={"errors": errors}
        ) from None


async def _body(model: type[BaseModel], request: Request) -> Any:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise ApiError("unsupported-media-type", "send the body as application/json")
    raw = await request.body()
    try:
        data = json.loads(raw)
    except ValueError:
        raise ApiError("validation", "the body is not JSON") from None
    return _validated(model, data, "body")


async def not_found(request: Request, exc: Exception) -> Response:
    """Starlette's 404 for a path no route matches, as a problem (the app that mounts the
    API installs it: ``exception_handlers={404: not_found}``)."""
    return ApiError("not-found", "no such path").response(request.url.path)


def set_header(request: Request, name: str, value: str) -> None:
    """A header for the handler's JSON answer (``Link``), added by :func:`_answer`."""
    request.scope.setdefault("tieline.headers", {})[name] = value


__all__ = ["Call", "build_routes", "maybe", "not_found", "set_header"]
