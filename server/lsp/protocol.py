"""A pygls protocol that answers every request, even one whose params do not parse.

pygls 2.1 deserializes each message inside ``json.loads``'s object hook; when a request's
params are missing or ill-typed (a hover with ``{}``, a negative line) the exception is logged
and the message dropped, so the editor waits forever. Here such a request becomes an
:class:`InvalidRequest` marker that :meth:`handle_message` answers with ``-32602 Invalid
params`` and a message naming what was wrong. Unknown methods and notifications keep pygls'
behaviour.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from cattrs.errors import ClassValidationError
from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

log = logging.getLogger("tieline.lsp")

INVALID_PARAMS = -32602


@dataclass
class InvalidRequest:
    """A request that reached us with params we could not structure."""

    id: int | str
    method: str
    reason: str
    jsonrpc: str = "2.0"


def describe_validation_error(exc: BaseException) -> str:
    """A short, human-readable account of why cattrs rejected the params."""
    if isinstance(exc, ClassValidationError):
        parts: list[str] = []
        for sub in exc.exceptions:
            note = getattr(sub, "__notes__", None)
            where = f" ({note[0]})" if note else ""
            parts.append(f"{type(sub).__name__}: {sub}{where}")
        if parts:
            return "; ".join(parts)[:500]
    return f"{type(exc).__name__}: {exc}"[:500]


class TielineProtocol(LanguageServerProtocol):
    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Generator[Any, Any, Any]:
        """pygls' answer, plus ``workspace.textDocumentContent`` (LSP 3.18, which pygls
        does not advertise) for the schemes the server serves, to clients that declare it."""
        result = yield from super().lsp_initialize(params)
        schemes = list(getattr(self._server, "content_schemes", ()))
        ws = params.capabilities.workspace if params.capabilities else None
        caps = result.capabilities
        if schemes and ws is not None and ws.text_document_content is not None:
            if caps.workspace is None:
                caps.workspace = types.WorkspaceOptions()
            caps.workspace.text_document_content = types.TextDocumentContentOptions(schemes=schemes)
        return result

    def structure_message(self, data: dict[str, Any]) -> Any:
        if "jsonrpc" in data and "method" in data and "id" in data:
            # JSON-RPC lets a request omit params (vscode-languageclient does for requests
            # without any); pygls would refuse the message outright.
            data.setdefault("params", None)
            try:
                return super().structure_message(data)
            except Exception as exc:
                cause = exc.__cause__ or exc
                reason = describe_validation_error(cause)
                return InvalidRequest(id=data["id"], method=str(data["method"]), reason=reason)
        return super().structure_message(data)

    def handle_message(self, message: Any) -> None:
        if isinstance(message, InvalidRequest):
            log.warning("invalid params for %s: %s", message.method, message.reason)
            self._send_response(
                message.id,
                None,
                types.ResponseError(
                    code=INVALID_PARAMS,
                    message=f"Invalid params for {message.method}: {message.reason}",
                ),
            )
            return
        super().handle_message(message)
