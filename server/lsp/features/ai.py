"""AI in the editor: summaries, explanations and drafts from a language model, streamed into
a scratch Markdown document, after the person has seen what will be sent.

Commands (arguments in brackets; the palette works without them where it can):

- ``tieline.ai.summarisePR`` [item id or URL of a PR]: the PR as the mirror/host has it and
  its diff from the checkout (``git diff base...head``).
- ``tieline.ai.explainFailure`` [job, log excerpt, pipeline]: why a CI job failed.
- ``tieline.ai.draftIssue`` [uri, line]: an issue draft (title and body) from a TODO
  comment, then an offer to create it on a tracker the folder is attached to; offered as a
  code action on TODO lines.
- ``tieline.ai.describeDiff`` [folder uri]: a commit message for ``git diff HEAD``.
- ``tieline.ai.generateImage`` [prompt, path]: a PNG written into the workspace.
- ``tieline.ai.dictate`` [audio file, uri, position]: speech turned into text (the
  account's transcription model; pocketsphinx on this machine when no account has one and
  it is installed), inserted at the position.
- ``tieline.aiUsage``: tokens and cost per model and purpose, from the local log.

Every request is shown first: a ``window/showMessageRequest`` asks Send / Show request /
Cancel, and "Show request" opens the exact messages (:func:`server.hub.ai.preview`) with
``window/showDocument``. The answer streams with work-done progress into a scratch document
(``workspace/applyEdit`` appends as pieces arrive, where the client declares ``applyEdit``;
else the file is written as it grows), sanitized (:func:`server.hub.sanitize.sanitize_markdown`)
before it is shown. Tokens and cost are logged (:class:`server.hub.ai.UsageLog`), never text.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from connectors.sdk.errors import TielineError

from ..common import choose, hub_or_fail, info, item_arg
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..progress import work_done
from ..server import TielineServer, client_supports_show_document, path_of

if TYPE_CHECKING:
    from server.hub.ai import Prompt
    from server.hub.hub import Hub
    from server.hub.sessions import Session

SUMMARISE_PR = "tieline.ai.summarisePR"
EXPLAIN_FAILURE = "tieline.ai.explainFailure"
DRAFT_ISSUE = "tieline.ai.draftIssue"
DESCRIBE_DIFF = "tieline.ai.describeDiff"
GENERATE_IMAGE = "tieline.ai.generateImage"
DICTATE = "tieline.ai.dictate"
USAGE = "tieline.aiUsage"

SEND = "Send"
SHOW = "Show request"
CANCEL = "Cancel"
NOT_NOW = "Not now"
#: Characters gathered before the scratch document is edited again.
FLUSH_CHARS = 80


# -- sessions --------------------------------------------------------------------------------
def _session(hub: Hub, capability: type) -> Session:
    found = hub.sessions_with(capability)
    if not found:
        raise TielineError(
            f"no signed-in account offers {capability.__name__}: sign in to OpenAI (or an "
            "OpenAI-compatible server) first"
        )
    return found[0]


def _model_of(session: Session, setting: str) -> str:
    value = session.connector.ctx.settings.get(setting)
    return value if isinstance(value, str) else ""


async def _log(
    hub: Hub, session: Session, *, model: str, purpose: str, usage: Any, ok: bool = True
) -> float | None:
    from connectors.sdk.ai import Usage, parse_prices
    from server.hub.ai import UsageLog

    return await UsageLog(hub.store).record(
        connector=session.connector_id,
        account=session.connector.ctx.account,
        model=model,
        purpose=purpose,
        usage=usage if isinstance(usage, Usage) else Usage(),
        prices=parse_prices(session.connector.ctx.settings.get("prices")),
        ok=ok,
    )


# -- scratch documents ------------------------------------------------------------------------
def _scratch(hub: Hub, name: str) -> Path:
    from server.hub import paths

    folder = paths.ensure(paths.data_dir() / "scratch")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return folder / f"{name}-{stamp}.md"


async def _show(ls: TielineServer, path: Path) -> bool:
    if not client_supports_show_document(ls):
        return False
    got = await ls.window_show_document_async(
        types.ShowDocumentParams(uri=path.as_uri(), take_focus=True)
    )
    return bool(got and got.success)


def _can_edit(ls: TielineServer) -> bool:
    caps = ls.client_capabilities
    return bool(caps and caps.workspace and caps.workspace.apply_edit)


def _end(text: str) -> types.Position:
    lines = text.split("\n")
    return types.Position(len(lines) - 1, len(lines[-1].encode("utf-16-le")) // 2)


class Scratch:
    """A Markdown file the answer grows in: shown sanitized, edited in the editor while it
    is open there, and always written on disk."""

    def __init__(self, ls: TielineServer, path: Path, header: str) -> None:
        self.ls = ls
        self.path = path
        self.header = header
        self.shown = header
        self.uri = path.as_uri()
        self.live = False

    async def open(self) -> None:
        self.path.write_text(self.shown, encoding="utf-8")
        self.live = await _show(self.ls, self.path) and _can_edit(self.ls)

    async def update(self, answer: str) -> None:
        from server.hub.sanitize import sanitize_markdown

        safe = self.header + sanitize_markdown(answer)
        if safe == self.shown:
            return
        if self.live:
            if safe.startswith(self.shown):
                rng = types.Range(_end(self.shown), _end(self.shown))
                new = safe[len(self.shown) :]
            else:
                rng = types.Range(types.Position(0, 0), _end(self.shown))
                new = safe
            edit = types.WorkspaceEdit(
                changes={self.uri: [types.TextEdit(range=rng, new_text=new)]}
            )
            got = await self.ls.workspace_apply_edit_async(
                types.ApplyWorkspaceEditParams(edit=edit, label="AI answer")
            )
            self.live = bool(got and got.applied)
        self.shown = safe
        self.path.write_text(safe, encoding="utf-8")


# -- asking -------------------------------------------------------------------------------------
async def confirm(ls: TielineServer, hub: Hub, prompt: Prompt, model: str) -> bool:
    """Send / Show request / Cancel; "Show request" opens the exact messages and asks again."""
    from server.hub.ai import preview

    size = sum(len(t.content) for t in prompt.turns)
    masked = f" ({prompt.masked} secret(s) masked)" if prompt.masked else ""
    message = (
        f"Send {len(prompt.turns)} messages ({size} characters){masked} to {model or 'the model'}"
        f" for “{prompt.title}”?"
    )
    options = [SEND, SHOW, CANCEL] if client_supports_show_document(ls) else [SEND, CANCEL]
    picked = await choose(ls, message, options)
    if picked == SHOW:
        shown = _scratch(hub, f"request-{prompt.purpose}")
        shown.write_text(preview(prompt, model=model), encoding="utf-8")
        await _show(ls, shown)
        picked = await choose(ls, message, [SEND, CANCEL])
    return picked == SEND


async def ask(ls: TielineServer, hub: Hub, prompt: Prompt) -> dict[str, Any]:
    """Confirm, send, stream the answer into a scratch document; what happened."""
    from connectors.sdk.capabilities import Assistant

    session = _session(hub, Assistant)
    model = _model_of(session, "chat_model")
    if not await confirm(ls, hub, prompt, model):
        return {"cancelled": True}
    assistant: Assistant = session.connector.capability(Assistant)
    path = _scratch(hub, prompt.purpose)
    scratch = Scratch(ls, path, f"# {prompt.title}\n\n")
    await scratch.open()
    text, pending = "", 0
    answer = None
    ok = False
    try:
        async with work_done(ls, prompt.title, kind="ai", percentage=False) as report:
            answer = await assistant.complete(prompt.turns, model=model or None)
            async for piece in answer:
                text += piece
                pending += len(piece)
                if pending >= FLUSH_CHARS or "\n" in piece:
                    pending = 0
                    await scratch.update(text)
                    if report is not None:
                        report(f"{len(text)} characters", 0)
            await scratch.update(text)
        ok = True
    finally:
        used = answer.usage if answer is not None else None
        cost = await _log(
            hub,
            session,
            model=(answer.model if answer is not None and answer.model else model),
            purpose=prompt.purpose,
            usage=used,
            ok=ok,
        )
    assert answer is not None
    out: dict[str, Any] = {
        "uri": scratch.uri,
        "text": scratch.shown[len(scratch.header) :],
        "model": answer.model,
        "inputTokens": answer.usage.input_tokens,
        "outputTokens": answer.usage.output_tokens,
        "cost": cost,
    }
    return out


# -- the workspace ------------------------------------------------------------------------------
def _root(ls: TielineServer, hub: Hub, value: Any = None) -> Path:
    if isinstance(value, str) and value:
        path = path_of(value) if value.startswith("file:") else Path(value)
        if path is not None:
            return path
    folders = ls.folder_paths()
    root = hub.root or (folders[0] if folders else None)
    if root is None:
        raise FeatureError(code=INVALID_PARAMS, message="open a workspace folder first")
    return root


async def _git(root: Path, *args: str) -> str | None:
    """``git <args>``'s output in ``root``, or ``None`` when git refuses."""

    def run() -> str | None:
        import git

        try:
            out: str = git.Repo(root, search_parent_directories=True).git.execute(
                ["git", *args], stdout_as_string=True
            )
        except (git.GitError, OSError, ValueError):
            return None
        return out

    return await asyncio.to_thread(run)


def _inside(root: Path, value: str) -> Path:
    full = (Path(value) if Path(value).is_absolute() else root / value).resolve()
    if root.resolve() not in full.parents:
        raise FeatureError(code=INVALID_PARAMS, message=f"{value} is not inside the workspace")
    return full


# -- commands -----------------------------------------------------------------------------------
async def describe_diff(ls: TielineServer, args: list[Any]) -> dict[str, Any]:
    from server.hub.ai import describe_diff as build

    hub = await hub_or_fail(ls)
    root = _root(ls, hub, args[0] if args else None)
    diff = await _git(root, "diff", "--no-color", "HEAD")
    if diff is None:
        raise TielineError(f"{root} is not a git checkout with a commit")
    if not diff.strip():
        info(ls, "No uncommitted changes to describe.")
        return {"empty": True}
    return await ask(ls, hub, build(diff))


async def summarise_pr(ls: TielineServer, args: list[Any]) -> dict[str, Any]:
    from connectors.sdk.capabilities import CodeHost
    from server.hub.ai import summarise_pr as build

    hub = await hub_or_fail(ls)
    ref = item_arg(hub, args)
    session = hub.session_for(ref.connector, ref.host, ref.scope)
    if session is None or not session.connector.provides(CodeHost):
        raise TielineError(f"no signed-in account reaches {ref.label}")
    pr = await session.connector.capability(CodeHost).get_pull_request(ref)
    root = _root(ls, hub)
    diff = ""
    for base in (f"origin/{pr.base_ref}", pr.base_ref):
        for head in (pr.head_sha, f"origin/{pr.head_ref}", pr.head_ref):
            if base and head and not diff:
                diff = await _git(root, "diff", "--no-color", f"{base}...{head}") or ""
    return await ask(ls, hub, build(pr, diff or "(the diff is not in this checkout)"))


async def explain_failure(ls: TielineServer, args: list[Any]) -> dict[str, Any]:
    from server.hub.ai import explain_failure as build

    job = args[0] if args and isinstance(args[0], str) else ""
    log = args[1] if len(args) > 1 and isinstance(args[1], str) else ""
    if not job or not log:
        raise FeatureError(code=INVALID_PARAMS, message="expected [job, log excerpt, pipeline?]")
    pipeline = args[2] if len(args) > 2 and isinstance(args[2], str) else ""
    hub = await hub_or_fail(ls)
    return await ask(ls, hub, build(job, log, pipeline=pipeline))


def _todo(ls: TielineServer, uri: str, line: int) -> tuple[str, str, str]:
    from .actions import todo_on

    doc = ls.document(uri)
    path = path_of(uri)
    if doc is not None:
        source = doc.source
    elif path is not None and path.is_file():
        source = path.read_text(encoding="utf-8")
    else:
        raise FeatureError(code=INVALID_PARAMS, message=f"no such document: {uri}")
    lines = source.split("\n")
    if not 0 <= line < len(lines) or todo_on(lines[line]) is None:
        raise FeatureError(code=INVALID_PARAMS, message=f"no TODO on line {line + 1}")
    around = "\n".join(lines[max(0, line - 15) : line + 16])
    return lines[line].strip(), around, (doc.language_id or "") if doc is not None else ""


async def draft_issue(ls: TielineServer, args: list[Any]) -> dict[str, Any]:
    from server.hub.ai import draft_issue as build
    from server.hub.ai import parse_issue_draft

    if len(args) < 2 or not isinstance(args[0], str) or not isinstance(args[1], int):
        raise FeatureError(code=INVALID_PARAMS, message="expected [uri, line]")
    uri, line = args[0], args[1]
    todo, code, language = _todo(ls, uri, line)
    hub = await hub_or_fail(ls)
    path = path_of(uri)
    root = hub.root
    shown = str(path.relative_to(root)) if path and root and root in path.parents else str(path)
    got = await ask(ls, hub, build(todo, path=shown, line=line + 1, code=code, language=language))
    if got.get("cancelled"):
        return got
    draft = parse_issue_draft(got["text"])
    out = {**got, "title": draft.title, "body": draft.body}
    created = await _offer_issue(ls, hub, uri, draft.title, draft.body)
    if created is not None:
        out["issue"] = created
    return out


async def _offer_issue(
    ls: TielineServer, hub: Hub, uri: str, title: str, body: str
) -> dict[str, Any] | None:
    """Offer to create the drafted issue on a tracker the folder is attached to."""
    from server.hub import work

    dests = work.destinations(hub, hub.folder_for(path_of(uri)))
    if not dests or not title:
        return None
    by_label = {f"Create on {d.label}": d for d in dests}
    picked = await choose(ls, f"Create the issue “{title[:120]}”?", [*by_label, NOT_NOW])
    dest = by_label.get(picked or "")
    if dest is None:
        return None
    issue = await work.create_issue(hub, dest, title, body)
    info(ls, f"Created {issue.ref.label}: {title}")
    return {"key": issue.ref.key, "id": issue.key, "url": issue.url}


def code_actions(uri: str, lines: list[str], first: int, last: int) -> list[types.CodeAction]:
    """ "Draft an issue with AI" on each TODO line of the range."""
    from .actions import todo_on

    out = []
    for n in range(first, last + 1):
        if todo_on(lines[n]) is not None:
            title = "Draft an issue from this TODO with AI…"
            out.append(
                types.CodeAction(
                    title=title,
                    kind=types.CodeActionKind.Empty,
                    command=types.Command(title=title, command=DRAFT_ISSUE, arguments=[uri, n]),
                )
            )
    return out


async def generate_image(ls: TielineServer, args: list[Any]) -> dict[str, Any]:
    from connectors.sdk.ai import Usage
    from connectors.sdk.capabilities import Images
    from server.hub.gitops import slugify

    prompt = args[0] if args and isinstance(args[0], str) and args[0].strip() else ""
    if not prompt:
        raise FeatureError(code=INVALID_PARAMS, message="expected [prompt, path?]")
    hub = await hub_or_fail(ls)
    root = _root(ls, hub)
    wanted = args[1] if len(args) > 1 and isinstance(args[1], str) and args[1] else ""
    target = _inside(root, wanted or f"images/{slugify(prompt) or 'image'}.png")
    session = _session(hub, Images)
    model = _model_of(session, "image_model")
    picked = await choose(
        ls, f"Send “{prompt[:200]}” to {model or 'the image model'}?", [SEND, CANCEL]
    )
    if picked != SEND:
        return {"cancelled": True}
    async with work_done(ls, "Drawing an image", kind="ai", percentage=False):
        image = await session.connector.capability(Images).generate_image(
            prompt, model=model or None
        )
    await _log(hub, session, model=image.model or model, purpose="generate_image", usage=Usage())
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(image.png)
    info(ls, f"Wrote {target.relative_to(root.resolve())}")
    return {"uri": target.as_uri(), "bytes": len(image.png), "revisedPrompt": image.revised_prompt}


def _local_transcript(audio: Path) -> str | None:
    """pocketsphinx on this machine, when it is installed (a WAV file, 16 kHz mono)."""
    try:
        from pocketsphinx import AudioFile  # type: ignore[import-not-found]
    except ImportError:
        return None
    return " ".join(str(phrase) for phrase in AudioFile(str(audio))).strip()


async def dictate(ls: TielineServer, args: list[Any]) -> dict[str, Any]:
    from connectors.sdk.capabilities import Transcription

    from ..common import arg

    audio_arg = arg(args, 0, str, "audio file")
    uri = arg(args, 1, str, "document uri")
    pos = args[2] if len(args) > 2 and isinstance(args[2], dict) else None
    if pos is None:
        raise FeatureError(code=INVALID_PARAMS, message="expected [audio file, uri, position]")
    at = types.Position(int(pos["line"]), int(pos["character"]))
    audio = path_of(audio_arg) if audio_arg.startswith("file:") else Path(audio_arg)
    if audio is None or not audio.is_file():
        raise FeatureError(code=INVALID_PARAMS, message=f"no such audio file: {audio_arg}")
    hub = await hub_or_fail(ls)
    found = hub.sessions_with(Transcription)
    engine = "local"
    if found:
        session = found[0]
        async with work_done(ls, "Transcribing", kind="ai", percentage=False):
            said = await session.connector.capability(Transcription).transcribe(
                audio.read_bytes(),
                audio.name,
                model=_model_of(session, "transcription_model") or None,
            )
        from connectors.sdk.ai import Usage

        await _log(hub, session, model=said.model, purpose="dictate", usage=Usage())
        text, engine = said.text, said.model
    else:
        local = await asyncio.to_thread(_local_transcript, audio)
        if local is None:
            raise TielineError("no account offers Transcription and pocketsphinx is not installed")
        text = local
    from server.hub.sanitize import strip_controls

    text = strip_controls(text).strip()
    edit = types.WorkspaceEdit(
        changes={uri: [types.TextEdit(range=types.Range(at, at), new_text=text)]}
    )
    got = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=edit, label="Dictation")
    )
    return {"text": text, "applied": bool(got and got.applied), "engine": engine}


async def usage(ls: TielineServer, args: list[Any]) -> dict[str, Any]:
    from server.hub.ai import UsageLog

    hub = await hub_or_fail(ls)
    since = float(args[0]) if args and isinstance(args[0], int | float) else 0.0
    summary = await UsageLog(hub.store).summary(since=since)
    return {**summary.as_json(), "markdown": summary.markdown()}


def setup(server: TielineServer) -> None:
    for name, fn in (
        (SUMMARISE_PR, summarise_pr),
        (EXPLAIN_FAILURE, explain_failure),
        (DRAFT_ISSUE, draft_issue),
        (DESCRIBE_DIFF, describe_diff),
        (GENERATE_IMAGE, generate_image),
        (DICTATE, dictate),
        (USAGE, usage),
    ):
        _register(server, name, fn)


def _register(server: TielineServer, name: str, fn: Any) -> None:
    @server.command(name)
    @guarded(name)
    async def run(ls: TielineServer, *args: Any) -> dict[str, Any]:
        result: dict[str, Any] = await fn(ls, list(args))
        return result
