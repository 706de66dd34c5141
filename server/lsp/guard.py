"""Isolation for feature handlers: one feature's failure is an answer, not an outage.

Every handler is wrapped so that

- a :class:`~connectors.sdk.errors.TielineError` becomes a JSON-RPC error with its code and
  its (already person-readable) message;
- anything else is logged with its traceback (redacted by the logging filter) and answered
  with ``-32603`` and a short message -- never the traceback, which pygls would otherwise put
  in the error's ``data`` for the editor to display, secrets and all;
- params that arrived as plain dicts (custom ``tieline/*`` requests) are validated by the
  handler's pydantic model, and a validation failure is ``-32602``.
"""

from __future__ import annotations

import functools
import inspect
import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from pygls.exceptions import JsonRpcException

from connectors.sdk.errors import TielineError
from connectors.sdk.redact import redact

log = logging.getLogger("tieline.lsp")

F = TypeVar("F", bound=Callable[..., Any])

INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603


class FeatureError(JsonRpcException):
    """A JSON-RPC error raised on purpose by a handler (code and message chosen by us)."""


def _to_rpc(feature: str, exc: BaseException) -> JsonRpcException:
    if isinstance(exc, JsonRpcException):
        return exc
    # pydantic's ValidationError, if pydantic is loaded at all (it loads after initialize):
    # raised by a tieline/* handler validating its params.
    core = sys.modules.get("pydantic_core")
    if core is not None and isinstance(exc, core.ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'params'}: {e['msg']}"
            for e in exc.errors()[:5]
        )
        return FeatureError(
            code=INVALID_PARAMS, message=f"Invalid params for {feature}: {problems}"
        )
    if isinstance(exc, TielineError):
        return FeatureError(code=exc.rpc_code, message=redact(exc.message))
    log.error("%s failed", feature, exc_info=(type(exc), exc, exc.__traceback__))
    return FeatureError(
        code=INTERNAL_ERROR,
        message=f"{feature} failed: {type(exc).__name__}. The server log has the details.",
    )


def guarded(feature: str) -> Callable[[F], F]:
    """Wrap a handler (sync or async) so that its failures become clean JSON-RPC errors."""

    def wrap(fn: F) -> F:
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def awrapper(*args: Any, **kwargs: Any) -> Any:
                try:
                    return await fn(*args, **kwargs)
                except Exception as exc:
                    raise _to_rpc(feature, exc) from None

            return awrapper  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                raise _to_rpc(feature, exc) from None

        return wrapper  # type: ignore[return-value]

    return wrap
