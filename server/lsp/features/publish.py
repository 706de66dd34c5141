"""Publishing in the editor: ``tieline.publish`` makes the active Markdown document a post on
a signed-in blogging service (WordPress, Ghost, dev.to), as a draft or public, through
:func:`server.hub.publish.publisher.publish`; a code lens on the front matter offers it per
service ("Publish to Ghost", "Update on dev.to · draft" once published there).

Arguments, all optional: ``[uri, service, status]`` -- the document (else the one open
Markdown document, or a choice of them), the service (a session key or a connector id;
else the one signed in, or a choice) and ``draft`` / ``published`` (else the front matter's,
else the status the post was last published with, else a choice). The post's id, URL and
version go back into the front matter with ``workspace/applyEdit`` (a document that is not
open, or a client without ``applyEdit``, has its file written), so publishing again updates
the same post; a post changed on the service since is overwritten only when the person says
so. The upload of local images and the request are reported as work-done
progress.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.workspace import TextDocument

from connectors.sdk.errors import SyncConflict, TielineError

from ..common import choose, hub_or_fail, info, warn
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..progress import work_done
from ..server import TielineServer, path_of

if TYPE_CHECKING:
    from connectors.sdk.publishing import PostStatus
    from server.hub.hub import Hub
    from server.hub.publish.publisher import Published, PublishSession

PUBLISH = "tieline.publish"
DRAFT = "Save as draft"
PUBLIC = "Publish now"
OVERWRITE = "Overwrite"


def _is_markdown(uri: str, doc: TextDocument | None) -> bool:
    return uri.lower().endswith((".md", ".markdown")) or (
        doc is not None and doc.language_id == "markdown"
    )


def lenses(hub: Hub | None, doc: TextDocument) -> list[types.CodeLens]:
    """One lens per Publishing session on a Markdown document's front matter (none on a
    document without front matter: not every note is a post). From the text alone."""
    if hub is None or not _is_markdown(doc.uri, doc) or not doc.source.startswith("---"):
        return []
    from server.hub.publish import publisher

    try:
        found = hub.sessions_with(publisher.Publishing, ask=False)
    except Exception:
        return []
    out = []
    for s in found:
        title = publisher.lens_title(doc.source, publisher.service_name(s), s.connector_id)
        out.append(
            types.CodeLens(
                range=types.Range(types.Position(0, 0), types.Position(0, 3)),
                command=types.Command(title=title, command=PUBLISH, arguments=[doc.uri, s.key]),
            )
        )
    return out


async def _document(ls: TielineServer, wanted: Any) -> str | None:
    if isinstance(wanted, str) and wanted:
        return wanted
    docs = {
        Path(d.path).name or str(uri): str(uri)
        for uri, d in ls.workspace.text_documents.items()
        if _is_markdown(str(uri), d)
    }
    if not docs:
        raise TielineError("open the Markdown document to publish first")
    if len(docs) == 1:
        return next(iter(docs.values()))
    picked = await choose(ls, "Publish which document?", sorted(docs)[:8])
    return docs.get(picked) if picked is not None else None


def _label(s: PublishSession) -> str:
    from server.hub.publish.publisher import service_name

    return f"{service_name(s)} ({s.key.split(':', 1)[-1]})" if ":" in s.key else service_name(s)


async def _session(ls: TielineServer, hub: Hub, wanted: Any, name: str) -> PublishSession | None:
    from server.hub.publish import publisher

    found = publisher.sessions(hub)
    if not found:
        raise TielineError("sign in to a blogging service (WordPress, Ghost or dev.to) first")
    if isinstance(wanted, str) and wanted:
        match = [s for s in found if wanted in (s.key, s.connector_id)]
        if not match:
            raise FeatureError(code=INVALID_PARAMS, message=f"no signed-in service {wanted!r}")
        return match[0]
    if len(found) == 1:
        return found[0]
    by_label = {_label(s): s for s in found}
    picked = await choose(ls, f"Publish {name} to which service?", list(by_label))
    return by_label.get(picked) if picked is not None else None


def _text(ls: TielineServer, uri: str) -> tuple[str, Path | None, TextDocument | None]:
    doc = ls.document(uri)
    path = path_of(uri)
    if not _is_markdown(uri, doc):
        raise FeatureError(code=INVALID_PARAMS, message="publish a Markdown document")
    if doc is not None:
        return doc.source, path, doc
    if path is None or not path.is_file():
        raise FeatureError(code=INVALID_PARAMS, message=f"no such document: {uri}")
    return path.read_text(encoding="utf-8"), path, None


def _root(ls: TielineServer, path: Path | None) -> Path | None:
    if path is None:
        return None
    full = path.resolve()
    inside = [f.resolve() for f in ls.folder_paths() if f.resolve() in full.parents]
    return max(inside, key=lambda p: len(p.parts)) if inside else None


async def _apply(
    ls: TielineServer, uri: str, front_matter: str, end_line: int, end_character: int
) -> bool:
    rng = types.Range(types.Position(0, 0), types.Position(end_line, end_character))
    edit = types.WorkspaceEdit(changes={uri: [types.TextEdit(range=rng, new_text=front_matter)]})
    got = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=edit, label="Record the published post")
    )
    return bool(got and got.applied)


async def publish(ls: TielineServer, args: list[Any]) -> dict[str, Any]:
    from server.hub.publish import frontmatter, publisher

    uri = await _document(ls, args[0] if args else None)
    if uri is None:
        return {"cancelled": True}
    text, path, doc = _text(ls, uri)
    name = path.name if path is not None else uri.rsplit("/", 1)[-1]
    hub = await hub_or_fail(ls)
    session = await _session(ls, hub, args[1] if len(args) > 1 else None, name)
    if session is None:
        return {"cancelled": True}
    service = publisher.service_name(session)
    status: PostStatus | None = None
    if len(args) > 2 and args[2] in ("draft", "published"):
        status = "published" if args[2] == "published" else "draft"
    else:
        said = frontmatter.meta(frontmatter.split(text).data)
        record = said.records.get(session.connector_id)
        status = said.status or publisher.kept_status(record)
    if status is None:
        picked = await choose(ls, f"Publish {name} to {service}:", [DRAFT, PUBLIC])
        if picked is None:
            return {"cancelled": True}
        status = "published" if picked == PUBLIC else "draft"
    async with work_done(ls, f"Publishing {name} to {service}", kind="publish") as send:
        steps = [0]

        def progress(message: str) -> None:
            steps[0] += 1
            if send is not None:
                send(message, min(90, steps[0] * 20))

        async def attempt(force: bool) -> Published:
            return await publisher.publish(
                publisher.publishing(session),
                service,
                text,
                connector_id=session.connector_id,
                path=path,
                root=_root(ls, path),
                status=status,
                fallback_title=path.stem if path is not None else "Untitled",
                progress=progress,
                force=force,
            )

        try:
            done = await attempt(False)
        except SyncConflict as exc:
            asked = f"{exc.message}. Overwrite it with {name}?"
            if await choose(ls, asked, [OVERWRITE], kind=types.MessageType.Warning) != OVERWRITE:
                return {"cancelled": True, "conflict": True}
            done = await attempt(True)
    applied = written = False
    caps = ls.client_capabilities
    edits = bool(caps and caps.workspace and caps.workspace.apply_edit)
    if doc is not None and edits:
        applied = await _apply(ls, uri, done.front_matter, done.end_line, done.end_character)
    elif path is not None:  # not open, or a client that cannot apply edits: the file
        lines = text.splitlines(keepends=True)
        rest = "".join(lines[done.end_line :])[done.end_character :]
        path.write_text(done.front_matter + rest, encoding="utf-8")
        written = True
    from server.hub.sanitize import plain_text

    if not (applied or written):
        warn(
            ls,
            f"The post is on {service}, but its record was not added to the front matter: "
            f"publishing again makes a new post (its id: {plain_text(done.post.id, 40)})",
        )
    url = plain_text(done.post.url, 300) if done.post.url else ""
    info(ls, f"{done.summary} on {service}" + (f": {url}" if url else ""))
    return {
        "id": done.post.id,
        "url": done.post.url,
        "status": done.post.status,
        "created": done.created,
        "service": session.connector_id,
        "images": len(done.images),
        "uploaded": len(done.uploaded),
        "applied": applied,
        "written": written,
    }


def setup(server: TielineServer) -> None:
    @server.command(PUBLISH)
    @guarded(PUBLISH)
    async def publish_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        return await publish(ls, list(args))
