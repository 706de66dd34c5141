"""Helpers every feature module shares: params as plain data, ranges, command arguments,
messages, and the hub once it is open. One module, so features never import each other's
private helpers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from connectors.sdk.errors import TielineError
from server.hub.refs import index_of, split_lines

from .guard import INVALID_PARAMS, FeatureError

if TYPE_CHECKING:
    from connectors.sdk.models import ItemRef
    from server.hub.hub import Hub
    from server.hub.refs import Reference

    from .server import TielineServer


def plain(params: Any) -> Any:
    """pygls hands custom requests' params over as namedtuples or dicts: make them dicts."""
    if hasattr(params, "_asdict"):
        return {k: plain(v) for k, v in params._asdict().items()}
    if isinstance(params, list):
        return [plain(v) for v in params]
    return params


def lsp_range(ref: Reference) -> types.Range:
    r = ref.range
    return types.Range(
        start=types.Position(line=r.line, character=r.start),
        end=types.Position(line=r.line, character=r.end),
    )


def arg(args: Any, i: int, kind: type, name: str) -> Any:
    """Command argument ``i`` of type ``kind``, or ``-32602`` saying what was expected."""
    if not isinstance(args, list | tuple) or len(args) <= i or not isinstance(args[i], kind):
        raise FeatureError(
            code=INVALID_PARAMS,
            message=f"expected argument {i + 1} ({name}) of type {kind.__name__}",
        )
    if kind is int and isinstance(args[i], bool):
        raise FeatureError(
            code=INVALID_PARAMS, message=f"argument {i + 1} ({name}) is not a number"
        )
    return args[i]


async def hub_or_fail(ls: TielineServer) -> Hub:
    hub = await ls.wait_hub()
    if hub is None:
        raise TielineError("Tieline is still starting; try again in a moment")
    return hub


def item_arg(hub: Hub, args: Any, i: int = 0) -> ItemRef:
    """An item named by a command argument: an ``ItemRef`` id string
    (``github:github.com:octo/app#7``), an object with its fields, or -- as older shells and
    key bindings send -- a bare number in the first folder's repository."""
    from connectors.sdk.models import ItemRef, RepoRef

    value = args[i] if isinstance(args, list | tuple) and len(args) > i else None
    if isinstance(value, int) and not isinstance(value, bool):
        ws = hub.workspace
        if ws is None:
            raise TielineError("open a clone of the repository to act on #" + str(value))
        return ItemRef.numbered(
            ws.connector, RepoRef.from_path(ws.repo.host, ws.repo.full_name), value
        )
    if isinstance(value, str):
        connector, _, rest = value.partition(":")
        host, _, label = rest.partition(":")
        if connector and host and label:
            for sigil in ("#", "!"):
                scope, sep, num = label.rpartition(sigil)
                if sep and scope and num.isdigit():
                    return ItemRef(
                        connector=connector,
                        host=host,
                        scope=scope,
                        key=f"{sigil}{num}",
                        number=int(num),
                    )
            return ItemRef.keyed(connector, host, label)
    if isinstance(value, dict):
        try:
            return ItemRef.model_validate(value)
        except ValueError:
            pass
    raise FeatureError(
        code=INVALID_PARAMS,
        message=f"expected argument {i + 1} (an item: its id, e.g. github:github.com:o/r#1)",
    )


def info(ls: TielineServer, message: str) -> None:
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=message))


def warn(ls: TielineServer, message: str) -> None:
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=message))


async def choose(
    ls: TielineServer,
    message: str,
    options: Sequence[str],
    *,
    kind: types.MessageType = types.MessageType.Info,
) -> str | None:
    """Ask with ``window/showMessageRequest``: the title of the action picked, or ``None``
    when the person dismissed the message."""
    choice = await ls.window_show_message_request_async(
        types.ShowMessageRequestParams(
            type=kind, message=message, actions=[types.MessageActionItem(title=o) for o in options]
        )
    )
    return choice.title if choice is not None else None


def range_json(rng: types.Range) -> dict[str, Any]:
    """A range as a command argument (JSON), the way shells send it back."""
    return {
        "start": {"line": rng.start.line, "character": rng.start.character},
        "end": {"line": rng.end.line, "character": rng.end.character},
    }


def range_arg(value: Any) -> types.Range:
    """A command's range argument (argument 2), refused when it is not a non-empty range."""
    try:
        s, e = value["start"], value["end"]
        rng = types.Range(
            start=types.Position(int(s["line"]), int(s["character"])),
            end=types.Position(int(e["line"]), int(e["character"])),
        )
    except (KeyError, TypeError, ValueError):
        raise FeatureError(
            code=INVALID_PARAMS, message="expected argument 2 (range) as {start, end}"
        ) from None
    if (rng.end.line, rng.end.character) <= (rng.start.line, rng.start.character):
        raise FeatureError(code=INVALID_PARAMS, message="the selection is empty")
    return rng


def selected_text(source: str, rng: types.Range) -> str:
    """The text of ``rng`` in ``source`` (LSP positions: UTF-16 columns)."""
    lines = split_lines(source)
    if rng.start.line >= len(lines):
        raise FeatureError(code=INVALID_PARAMS, message="the selection is past the document's end")
    last = min(rng.end.line, len(lines) - 1)
    end_char = rng.end.character if rng.end.line == last else len(lines[last])
    if rng.start.line == last:
        line = lines[last]
        return line[index_of(line, rng.start.character) : index_of(line, end_char)]
    first = lines[rng.start.line]
    parts = [first[index_of(first, rng.start.character) :]]
    parts += lines[rng.start.line + 1 : last]
    parts.append(lines[last][: index_of(lines[last], end_char)])
    return "\n".join(parts)
