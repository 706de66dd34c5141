"""How pipelines, jobs, triggers and job logs are named outside the hub.

A pipeline's :class:`~connectors.sdk.models.ItemRef` key is the service's own id (``1234``),
which is unique only within its scope, so ``ItemRef.id`` (``connector:host:key``) cannot name
it. Here every part is kept, percent-quoted and joined with ``/``: an id a shell can hand
back (``tieline/ci/act``) and a ``tieline-log:`` URI a document can be opened at, both
parsed back to the ref without a look-up.
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit

from connectors.sdk.errors import TielineError
from connectors.sdk.models import ItemKind, ItemRef

#: The URI scheme of job logs opened as documents.
LOG_SCHEME = "tieline-log"
_KINDS = {ItemKind.PIPELINE.value, ItemKind.JOB.value}


class BadCIRequest(TielineError):
    """A CI request naming no item, trigger or log as they are named (``-32602``)."""

    rpc_code = -32602


def _q(part: str) -> str:
    return quote(part, safe="")


def ci_id(ref: ItemRef) -> str:
    """``connector/host/kind/scope/key``, each part quoted: ``ci/ci.example/job/octo%2Fapp/7``."""
    return "/".join(_q(p) for p in (ref.connector, ref.host, ref.kind.value, ref.scope, ref.key))


def parse_ci_id(value: str) -> ItemRef:
    """The ref :func:`ci_id` made, or :class:`InvalidRequest` saying what an id looks like."""
    parts = value.split("/")
    if len(parts) != 5 or not all(parts) or unquote(parts[2]) not in _KINDS:
        raise BadCIRequest(
            f"{value!r} is not a pipeline or job id (connector/host/pipeline|job/scope/key, "
            "as the CI panel's items and tieline/ci/* results give them)"
        )
    connector, host, kind, scope, key = (unquote(p) for p in parts)
    return ItemRef(connector=connector, host=host, scope=scope, key=key, kind=ItemKind(kind))


def trigger_id(connector: str, host: str, scope: str, trigger: str) -> str:
    """One trigger of one CI scope: ``connector/host/scope/trigger``, each part quoted."""
    return "/".join(_q(p) for p in (connector, host, scope, trigger))


def parse_trigger_id(value: str) -> tuple[str, str, str, str]:
    parts = value.split("/")
    if len(parts) != 4 or not all(parts):
        raise BadCIRequest(
            f"{value!r} is not a trigger id (connector/host/scope/trigger, as "
            "tieline/ci/triggers gives them)"
        )
    connector, host, scope, trigger = (unquote(p) for p in parts)
    return connector, host, scope, trigger


def log_uri(ref: ItemRef, name: str = "") -> str:
    """``tieline-log:/connector/host/scope/key/name.log``: the job's log as a document. The
    name is only for the editor's tab title (the ``.log`` suffix picks log colouring)."""
    title = _q(name.replace("/", " ").strip() or "job") + ".log"
    parts = (ref.connector, ref.host, ref.scope, ref.key)
    return f"{LOG_SCHEME}:/" + "/".join(_q(p) for p in parts) + "/" + title


def parse_log_uri(uri: str) -> tuple[ItemRef, int]:
    """The job a log URI names and the page asked for (``?page=N``, 1 when absent)."""
    parts = urlsplit(uri)
    segs = parts.path.lstrip("/").split("/")
    if parts.scheme != LOG_SCHEME or len(segs) < 4 or not all(segs[:4]):
        raise BadCIRequest(
            f"{uri!r} is not a job log URI ({LOG_SCHEME}:/connector/host/scope/job/name.log)"
        )
    connector, host, scope, key = (unquote(s) for s in segs[:4])
    page = 1
    for pair in parts.query.split("&"):
        name, _, value = pair.partition("=")
        if name == "page":
            if not value.isdigit() or int(value) < 1:
                raise BadCIRequest(f"{uri!r}: page must be a number from 1")
            page = int(value)
    ref = ItemRef(connector=connector, host=host, scope=scope, key=key, kind=ItemKind.JOB)
    return ref, page


def page_uri(uri: str, page: int) -> str:
    """The URI of page ``page`` of the log document ``uri`` (page 1 has no query)."""
    base = uri.split("?", 1)[0]
    return base if page <= 1 else f"{base}?page={page}"


__all__ = [
    "LOG_SCHEME",
    "BadCIRequest",
    "ci_id",
    "log_uri",
    "page_uri",
    "parse_ci_id",
    "parse_log_uri",
    "parse_trigger_id",
    "trigger_id",
]
