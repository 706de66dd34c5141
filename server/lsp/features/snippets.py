"""Snippets in the editor: save the selection (a code action and a command), insert by
completion after a trigger prefix (``snippets.prefix``), and the Snippets panel with search,
edit and delete.

Asking happens with ``window/showMessageRequest``, which every LSP client has: the title and
the tags are picked from suggestions (the selection's first definition, the file and lines;
the document's language), and a selection that looks like it holds a secret is saved only
after "Save Anyway". A shell with text input asks for them itself and passes them as the
command's third argument (``{"title", "tags", "description", "allowSecrets"}``), which skips
the questions. Editing opens the snippet's body as a file in the data directory; saving that
file saves the snippet, so it works in any editor.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from lsprotocol import types

from connectors.sdk.errors import SecretFound, TielineError
from connectors.sdk.lazy import lazy_module
from server.hub.refs import index_of, split_lines

from ..common import arg, hub_or_fail, info, range_arg, range_json, selected_text
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..server import TielineServer, client_supports_show_document, client_supports_snippets, path_of

if TYPE_CHECKING:
    from connectors.sdk.models import Snippet
    from server.hub.hub import Hub

    from .. import tieline_protocol as proto
else:
    proto = lazy_module("server.lsp.tieline_protocol")

PANEL = ("snippets", "Snippets", "symbol-snippet")
SAVE = "tieline.snippets.saveSelection"
SAVE_TITLE = "Save selection as snippet…"
FILTER = "tieline.snippets.search"
EDIT = "tieline.snippets.edit"
DELETE = "tieline.snippets.delete"
SHOW = "tieline.snippets.show"
SHARE = "tieline.snippets.share"
SYNC = "tieline.snippets.sync"
RESOLVE = "tieline.snippets.resolve"
PANEL_LIMIT = 200
_DEFINITION = re.compile(
    r"^\s*(?:export\s+)?(?:async\s+)?(?:def|function|func|fn|class|interface|struct|type|"
    r"public|private|static|const|let|var)\s+(?:[\w<>\[\],]+\s+)*?([A-Za-z_][\w]*)"
)


# -- what the panel and the commands show ------------------------------------------------------


def edit_dir() -> Path:
    """Where a snippet's body is opened for editing (a file per snippet, saved back on save)."""
    from server.hub import paths

    return paths.data_dir() / "snippets" / "edit"


class _Listed(Protocol):
    """What a list shows of a snippet: a :class:`Snippet` or a search :class:`Hit`."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def prefix(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def tags(self) -> tuple[str, ...]: ...


def _describe(s: _Listed) -> str:
    parts = [s.language or "any language"]
    if s.prefix:
        parts.append(s.prefix)
    parts += [f"#{t}" for t in s.tags]
    return " · ".join(parts)


def _tooltip(s: _Listed) -> str:
    from server.hub.sanitize import plain_text

    fence = "````"
    head = f"**{plain_text(s.title, 200)}**"
    if s.description:
        head += f"\n\n{plain_text(s.description, 500)}"
    return f"{head}\n\n{fence}{s.language.split(',')[0]}\n{s.body[:2000]}\n{fence}"


def wire(s: Snippet) -> dict[str, Any]:
    """A snippet as a command's answer (JSON, camelCase like the protocol)."""
    return {
        "id": s.id,
        "title": s.title,
        "description": s.description,
        "language": s.language,
        "prefix": s.prefix,
        "tags": list(s.tags),
        "body": s.body,
        "source": {
            "uri": s.source.uri,
            "startLine": s.source.start_line,
            "endLine": s.source.end_line,
        }
        if s.source
        else None,
        "createdAt": s.created_at.isoformat(),
        "updatedAt": s.updated_at.isoformat(),
    }


def _command(command: str, title: str, *args: Any) -> proto.Command:
    return proto.Command(command=command, title=title, arguments=list(args) or None)


async def panel_items(hub: Hub, query: str) -> list[proto.TreeItem]:
    """The Snippets panel: a search item (showing the current search), then the snippets
    matching it, best first (the newest when there is no search)."""
    from server.hub.snippets.sync import conflicts

    hits = await hub.snippets.search(query, limit=PANEL_LIMIT)
    clashing = await conflicts(hub.snippets)
    top = proto.TreeItem(
        id="snippets/search",
        label=f"Search: {query}" if query else "Search snippets…",
        description=f"{len(hits)} found" if query else f"{await hub.snippets.count()} saved",
        icon="search",
        command=_command(FILTER, "Search Snippets"),
        context_value="snippets.search",
        actions=[
            proto.ItemAction(
                id="clear",
                title="Clear Search",
                icon="clear-all",
                placement="inline",
                command=_command(FILTER, "Clear Search", ""),
            )
        ]
        if query
        else [],
    )
    out = [top]
    for s in hits:
        clash = clashing.get(s.id)
        out.append(
            proto.TreeItem(
                id=f"snippets/{s.id}",
                label=s.title,
                description=(f"conflict with {clash} · " if clash else "") + _describe(s),
                tooltip=_tooltip(s),
                icon="warning" if clash else "symbol-snippet",
                command=_command(EDIT, "Edit Snippet", s.id),
                context_value="snippet",
                key=s.id,
                actions=[
                    proto.ItemAction(
                        id="edit",
                        title="Edit",
                        icon="edit",
                        placement="inline",
                        command=_command(EDIT, "Edit Snippet", s.id),
                    ),
                    proto.ItemAction(
                        id="delete",
                        title="Delete",
                        icon="trash",
                        command=_command(DELETE, "Delete Snippet", s.id),
                    ),
                    proto.ItemAction(
                        id="share",
                        title="Share…",
                        icon="cloud-upload",
                        command=_command(SHARE, "Share Snippet", s.id),
                    ),
                ]
                + (
                    [
                        proto.ItemAction(
                            id="resolve",
                            title="Resolve Conflict…",
                            icon="git-merge",
                            command=_command(RESOLVE, "Resolve Conflict", s.id),
                        )
                    ]
                    if clash
                    else []
                ),
            )
        )
    return out


# -- completion --------------------------------------------------------------------------------


def prefix_match(prefix: str, before: str) -> str | None:
    """The word typed after the trigger prefix at the end of ``before``, or ``None``."""
    at = before.rfind(prefix)
    if at < 0:
        return None
    if at > 0 and (before[at - 1].isalnum() or before[at - 1] == "_"):
        return None  # "mysnip:" is not the trigger
    typed = before[at + len(prefix) :]
    return typed if re.fullmatch(r"[\w-]*", typed) else None


async def complete(
    ls: TielineServer, hub: Hub, params: types.CompletionParams
) -> types.CompletionList | None:
    """Snippet completions when the trigger prefix precedes the cursor, else ``None``."""
    from server.hub.snippets import plain_text
    from server.hub.snippets.variables import editor_values

    doc = ls.document(params.text_document.uri)
    if doc is None:
        return None
    lines = split_lines(doc.source)
    pos = params.position
    if not 0 <= pos.line < len(lines):
        return None
    line = lines[pos.line]
    before = line[: index_of(line, pos.character)]
    settings = hub.config.snippets
    typed = prefix_match(settings.prefix, before)
    if typed is None:
        return None
    limit = settings.completion_limit
    hits = await hub.snippets.search(typed, language=doc.language_id, limit=limit)
    snippet_ok = client_supports_snippets(ls)
    start = pos.character - (len(typed) + len(settings.prefix))
    edit_range = types.Range(start=types.Position(pos.line, max(0, start)), end=pos)
    values = editor_values(doc.path, line, pos.line) if not snippet_ok else {}
    items = []
    for rank, s in enumerate(hits):
        label = s.prefix or s.title
        text = s.body if snippet_ok else plain_text(s.body, values.get)
        items.append(
            types.CompletionItem(
                label=label,
                kind=types.CompletionItemKind.Snippet,
                detail=s.title if s.prefix else (s.description or s.language or None),
                documentation=s.description or None,
                filter_text=f"{settings.prefix}{label} {s.title}",
                sort_text=f"{rank:04d}",
                insert_text_format=(
                    types.InsertTextFormat.Snippet
                    if snippet_ok
                    else types.InsertTextFormat.PlainText
                ),
                text_edit=types.TextEdit(range=edit_range, new_text=text),
            )
        )
    return types.CompletionList(is_incomplete=len(hits) >= limit, items=items)


# -- the code action ---------------------------------------------------------------------------


def code_actions(uri: str, rng: types.Range) -> list[types.CodeAction]:
    """ "Save selection as snippet" for a non-empty selection."""
    if rng.start == rng.end:
        return []
    return [
        types.CodeAction(
            title=SAVE_TITLE,
            kind=types.CodeActionKind.Empty,
            command=types.Command(title=SAVE_TITLE, command=SAVE, arguments=[uri, range_json(rng)]),
        )
    ]


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).strip("\n")


def title_suggestions(text: str, uri: str, rng: types.Range) -> list[str]:
    """Titles to offer: the first definition's name in the selection, then file and lines."""
    out: list[str] = []
    for line in text.splitlines()[:20]:
        if m := _DEFINITION.match(line):
            out.append(m.group(1))
            break
    name = uri.rsplit("/", 1)[-1]
    out.append(f"{name}:{rng.start.line + 1}-{rng.end.line + 1}")
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if first and len(first) <= 60 and first not in out:
        out.append(first)
    return out


async def _pick(ls: TielineServer, message: str, options: list[str]) -> str | None:
    choice = await ls.window_show_message_request_async(
        types.ShowMessageRequestParams(
            type=types.MessageType.Info,
            message=message,
            actions=[types.MessageActionItem(title=o) for o in options],
        )
    )
    return choice.title if choice is not None else None


async def _confirm_secret(ls: TielineServer, exc: SecretFound, title: str) -> bool:
    choice = await ls.window_show_message_request_async(
        types.ShowMessageRequestParams(
            type=types.MessageType.Warning,
            message=f"“{title}” looks like it holds a secret: {', '.join(exc.findings)}. "
            "Save it anyway?",
            actions=[
                types.MessageActionItem(title="Save Anyway"),
                types.MessageActionItem(title="Cancel"),
            ],
        )
    )
    return choice is not None and choice.title == "Save Anyway"


def _options(args: list[Any], i: int) -> dict[str, Any]:
    value = args[i] if len(args) > i else None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FeatureError(code=INVALID_PARAMS, message=f"expected argument {i + 1} as an object")
    return value


def _tags(value: Any) -> list[str]:
    if isinstance(value, str):
        return [t for t in re.split(r"[,\s]+", value) if t]
    if isinstance(value, list) and all(isinstance(t, str) for t in value):
        return value
    raise FeatureError(code=INVALID_PARAMS, message="tags are a list of strings or a string")


# -- commands ----------------------------------------------------------------------------------


def panel_changed(ls: TielineServer) -> None:
    from ..tieline_methods import PANEL_CHANGED

    ls.protocol.notify(PANEL_CHANGED, proto.PanelChangedParams(panel_id=PANEL[0]).wire())


def setup(server: TielineServer) -> None:
    async def library(ls: TielineServer) -> Hub:
        return await hub_or_fail(ls)

    @server.command(SAVE)
    @guarded(SAVE)
    async def save_selection(ls: TielineServer, *args: Any) -> dict[str, Any]:
        from connectors.sdk.models import SnippetSource
        from server.hub.snippets.variables import escape

        a = list(args)
        uri = arg(a, 0, str, "document uri")
        rng = range_arg(a[1] if len(a) > 1 else None)
        opts = _options(a, 2)
        doc = ls.document(uri)
        if doc is None:
            raise FeatureError(code=INVALID_PARAMS, message="no such open document")
        text = _dedent(selected_text(doc.source, rng))
        if not text.strip():
            raise TielineError("the selection holds only white space")
        hub = await library(ls)
        title = opts.get("title")
        if title is None:
            title = await _pick(ls, "Title for the new snippet?", title_suggestions(text, uri, rng))
            if title is None:
                return {"cancelled": True}
        if not isinstance(title, str) or not title.strip():
            raise FeatureError(code=INVALID_PARAMS, message="the title must be a non-empty string")
        if "tags" in opts:
            tags = _tags(opts["tags"])
        else:
            offer = ([doc.language_id] if doc.language_id else []) + ["No Tags"]
            picked = await _pick(ls, f"Tags for “{title}”?", offer)
            if picked is None:
                return {"cancelled": True}
            tags = [] if picked == "No Tags" else [picked]
        allow = bool(opts.get("allowSecrets", False))
        fields = {
            "title": title,
            "body": escape(text),
            "description": str(opts.get("description") or ""),
            "language": doc.language_id or "",
            "prefix": str(opts.get("prefix") or ""),
            "tags": tags,
            "source": SnippetSource(uri=uri, start_line=rng.start.line, end_line=rng.end.line + 1),
        }
        try:
            snippet = await hub.snippets.add(**fields, allow_secrets=allow)  # type: ignore[arg-type]
        except SecretFound as exc:
            if not await _confirm_secret(ls, exc, title):
                return {"cancelled": True, "secrets": list(exc.findings)}
            snippet = await hub.snippets.add(**fields, allow_secrets=True)  # type: ignore[arg-type]
        info(ls, f"Saved the snippet “{snippet.title}”")
        return wire(snippet)

    @server.command(FILTER)
    @guarded(FILTER)
    async def search(ls: TielineServer, *args: Any) -> list[dict[str, Any]]:
        """``[text, language?]``: the matching snippets; the Snippets panel shows the same search
        from now on (``""`` clears it)."""
        hub = await library(ls)
        a = list(args)
        if not a:
            raise FeatureError(code=INVALID_PARAMS, message="expected argument 1 (search text)")
        text = arg(a, 0, str, "search text")
        language = a[1] if len(a) > 1 and isinstance(a[1], str) else None
        ls.snippet_query = text
        panel_changed(ls)
        hits = await hub.snippets.search(text, language=language, limit=PANEL_LIMIT)
        return [wire(h.snippet) | {"score": h.score} for h in hits]

    @server.command(SHOW)
    @guarded(SHOW)
    async def show(ls: TielineServer, *args: Any) -> dict[str, Any]:
        hub = await library(ls)
        return wire(await hub.snippets.get(arg(list(args), 0, str, "snippet id")))

    @server.command(EDIT)
    @guarded(EDIT)
    async def edit(ls: TielineServer, *args: Any) -> dict[str, Any]:
        """``[id, changes]`` changes the fields given; ``[id]`` opens the body as a file whose
        save saves the snippet."""
        from server.hub.snippets.library import EDITABLE

        hub = await library(ls)
        a = list(args)
        snippet_id = arg(a, 0, str, "snippet id")
        changes = _options(a, 1)
        if not changes:
            return await _open_for_edit(ls, hub, snippet_id)
        allow = bool(changes.pop("allowSecrets", False))
        unknown = set(changes) - EDITABLE
        if unknown:
            raise FeatureError(
                code=INVALID_PARAMS, message=f"a snippet has no field {', '.join(sorted(unknown))}"
            )
        if "tags" in changes:
            changes["tags"] = _tags(changes["tags"])
        try:
            s = await hub.snippets.update(snippet_id, allow_secrets=allow, **changes)
        except SecretFound as exc:
            current = await hub.snippets.get(snippet_id)
            if not await _confirm_secret(ls, exc, current.title):
                return {"cancelled": True, "secrets": list(exc.findings)}
            s = await hub.snippets.update(snippet_id, allow_secrets=True, **changes)
        return wire(s)

    @server.command(DELETE)
    @guarded(DELETE)
    async def delete(ls: TielineServer, *args: Any) -> dict[str, Any]:
        hub = await library(ls)
        a = list(args)
        s = await hub.snippets.get(arg(a, 0, str, "snippet id"))
        if not (len(a) > 1 and a[1] is True):
            sure = await _pick(ls, f"Delete the snippet “{s.title}”?", ["Delete", "Cancel"])
            if sure != "Delete":
                return {"cancelled": True}
        await hub.snippets.delete(s.id)
        info(ls, f"Deleted the snippet “{s.title}”")
        return {"deleted": s.id}

    @server.command(SHARE)
    @guarded(SHARE)
    async def share(ls: TielineServer, *args: Any) -> dict[str, Any]:
        """``[id, {"host"?: label, "public"?: bool}]``: put a snippet on a snippet host
        (secret unless public), asking which when several are signed in."""
        from server.hub.snippets.sync import host_syncs

        hub = await library(ls)
        a = list(args)
        snippet = await hub.snippets.get(arg(a, 0, str, "snippet id"))
        opts = _options(a, 1)
        hosts = dict(host_syncs(hub))
        if not hosts:
            raise TielineError("sign in to GitHub or GitLab to share snippets")
        label = opts.get("host")
        if label is None:
            label = next(iter(hosts)) if len(hosts) == 1 else None
            if label is None:
                label = await _pick(ls, f"Share “{snippet.title}” on?", list(hosts))
                if label is None:
                    return {"cancelled": True}
        if label not in hosts:
            raise FeatureError(code=INVALID_PARAMS, message=f"no snippet host {label!r}")
        remote = await hosts[label].share(snippet.id, public=bool(opts.get("public", False)))
        info(ls, f"Shared “{snippet.title}” on {label} ({remote.visibility}): {remote.url}")
        panel_changed(ls)
        return {"id": remote.id, "url": remote.url, "visibility": remote.visibility}

    @server.command(SYNC)
    @guarded(SYNC)
    async def sync(ls: TielineServer, *args: Any) -> dict[str, Any]:
        """Sync the library with every signed-in snippet host; conflicts are reported and
        marked in the panel, never overwritten."""
        from server.hub.snippets.sync import host_syncs

        hub = await library(ls)
        out: dict[str, Any] = {}
        for label, engine in host_syncs(hub):
            r = await engine.sync()
            out[label] = {
                "pulled": r.pulled,
                "pushed": r.pushed,
                "downloaded": r.downloaded,
                "conflicts": r.conflicts,
                "gone": r.gone,
                "heldBack": [{"id": i, "secrets": list(f)} for i, f in r.held_back],
            }
            if r.conflicts:
                ls.window_show_message(
                    types.ShowMessageParams(
                        type=types.MessageType.Warning,
                        message=f"{len(r.conflicts)} snippet(s) changed both here and on "
                        f"{label}: nothing was overwritten; resolve them in the Snippets panel",
                    )
                )
        panel_changed(ls)
        return out

    @server.command(RESOLVE)
    @guarded(RESOLVE)
    async def resolve(ls: TielineServer, *args: Any) -> dict[str, Any]:
        """``[id, "local"|"host"?]``: end a sync conflict by keeping one side (asked)."""
        from server.hub.snippets.sync import host_syncs

        hub = await library(ls)
        a = list(args)
        snippet_id = arg(a, 0, str, "snippet id")
        keep = a[1] if len(a) > 1 else None
        for label, engine in host_syncs(hub):
            link = await engine.link_of(snippet_id)
            if link is None or link.conflict is None:
                continue
            if keep is None:
                mine = "Keep This Editor's"
                picked = await _pick(
                    ls,
                    f"“{link.conflict.title}” changed here and on {label}. Keep which?",
                    [mine, f"Keep {label}'s"],
                )
                if picked is None:
                    return {"cancelled": True}
                keep = "local" if picked == mine else "host"
            if keep not in ("local", "host"):
                raise FeatureError(code=INVALID_PARAMS, message="keep is 'local' or 'host'")
            await engine.resolve(snippet_id, "local" if keep == "local" else "host")
            panel_changed(ls)
            return {"kept": keep, "host": label}
        raise TielineError("that snippet has no sync conflict")

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    @guarded("textDocument/didSave")
    async def did_save(ls: TielineServer, params: types.DidSaveTextDocumentParams) -> None:
        """Saving an edit copy (see :func:`edit_dir`) saves its snippet's body."""
        path = path_of(params.text_document.uri)
        root = edit_dir()
        if path is None or path.parent.parent != root:
            return
        hub = await library(ls)
        doc = ls.document(params.text_document.uri)
        body = doc.source if doc is not None else path.read_text(encoding="utf-8")
        snippet_id = path.parent.name
        try:
            await hub.snippets.update(snippet_id, body=body)
        except SecretFound as exc:
            title = (await hub.snippets.get(snippet_id)).title
            if not await _confirm_secret(ls, exc, title):
                return
            await hub.snippets.update(snippet_id, body=body, allow_secrets=True)
        info(ls, f"Saved the snippet “{(await hub.snippets.get(snippet_id)).title}”")


async def _open_for_edit(ls: TielineServer, hub: Hub, snippet_id: str) -> dict[str, Any]:
    s = await hub.snippets.get(snippet_id)
    folder = edit_dir() / s.id
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    from server.hub.snippets.formats.folder import EXTENSIONS

    ext = EXTENSIONS.get(s.language.split(",")[0].strip(), "txt")
    name = re.sub(r"[^\w.-]+", "-", s.title).strip("-")[:60] or "snippet"
    for old in folder.iterdir():
        old.unlink()
    path = folder / f"{name}.{ext}"
    path.write_text(s.body, encoding="utf-8")
    path.chmod(0o600)
    uri = path.as_uri()
    if client_supports_show_document(ls):
        await ls.window_show_document_async(types.ShowDocumentParams(uri=uri, take_focus=True))
    else:
        info(ls, f"Edit the snippet “{s.title}” in {path}; saving it saves the snippet")
    return {"uri": uri, "id": s.id}
