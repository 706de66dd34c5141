"""Prompts the hub sends to a language model, built so the editor can show them first.

Each builder returns a :class:`Prompt`: the exact messages that will be sent, nothing added
later. Everything taken from the workspace or a service (a diff, a CI log, a PR body, a
TODO's code) goes through :func:`connectors.sdk.redact.redact` first -- registered secrets
and token shapes never leave the machine -- and is cut to a size a small context takes
(whole lines, with a note saying how much was left out). :func:`preview` renders a prompt
as Markdown for the confirmation step.

Builders: :func:`summarise_pr` (a PR from the mirror and its diff), :func:`explain_failure`
(a CI job and an excerpt of its log), :func:`draft_issue` (a TODO comment and the code
around it; the model answers JSON, read by :func:`parse_issue_draft`), :func:`describe_diff`
(``git diff`` of the workspace).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from connectors.sdk.ai import Turn
from connectors.sdk.models import PullRequest
from connectors.sdk.redact import redact
from server.hub.ci.ansi import strip as strip_ansi

#: Characters of a diff, a log or code sent at most (about 6k tokens: small models' contexts).
MAX_DIFF = 24_000
MAX_LOG = 12_000
MAX_CODE = 4_000
MAX_BODY = 4_000
#: What :func:`connectors.sdk.redact.redact` puts in place of a secret.
MASK = "[REDACTED]"

SYSTEM = (
    "You are a concise assistant inside a code editor. Answer in Markdown. Say only what "
    "the material shows; when it is not enough to tell, say so."
)


@dataclass(frozen=True)
class Prompt:
    """What will be sent: ``purpose`` (for the usage log), a ``title`` for the editor, the
    ``turns``, and how many secrets were masked in them."""

    purpose: str
    title: str
    turns: tuple[Turn, ...]
    masked: int = 0
    #: The answer is JSON (the editor shows it as a draft, not as prose).
    json_answer: bool = False


class _Cleaner:
    """Redacts and cuts material, counting what it masked."""

    def __init__(self) -> None:
        self.masked = 0

    def __call__(self, text: str, limit: int, *, tail: bool = False) -> str:
        clean = redact(text)
        if clean != text:
            self.masked += max(1, clean.count(MASK) - text.count(MASK))
        return cut(clean, limit, tail=tail)


def cut(text: str, limit: int, *, tail: bool = False) -> str:
    """``text`` in at most ``limit`` characters of whole lines: the head (or, ``tail``, the
    end: where a CI log says what failed), with a line saying how many lines were left out."""
    if len(text) <= limit:
        return text
    lines = text.splitlines()
    kept: list[str] = []
    used = 0
    for line in reversed(lines) if tail else lines:
        if used + len(line) + 1 > limit:
            break
        kept.append(line)
        used += len(line) + 1
    left = len(lines) - len(kept)
    note = f"[... {left} lines left out ...]"
    if tail:
        return "\n".join([note, *reversed(kept)])
    return "\n".join([*kept, note])


def _fence(text: str, lang: str = "") -> str:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks}{lang}\n{text}\n{ticks}"


def summarise_pr(pr: PullRequest, diff: str) -> Prompt:
    clean = _Cleaner()
    labels = ", ".join(label.name for label in pr.labels)
    facts = [
        f"Title: {clean(pr.title, 300)}",
        f"Reference: {pr.ref.label}",
        f"Branches: {pr.head_ref or '?'} into {pr.base_ref or '?'}",
    ]
    if pr.author is not None:
        facts.append(f"Author: {pr.author.login}")
    if labels:
        facts.append(f"Labels: {clean(labels, 300)}")
    if pr.draft:
        facts.append("Draft: yes")
    body = clean(pr.body or "", MAX_BODY).strip()
    user = "\n".join(
        [
            "Summarise this pull request for a reviewer: what it changes and why, in a few "
            "bullet points, then anything a reviewer should look at closely.",
            "",
            *facts,
            "",
            "Description:",
            _fence(body or "(none)"),
            "",
            "Diff:",
            _fence(clean(diff, MAX_DIFF), "diff"),
        ]
    )
    return Prompt(
        purpose="summarise_pr",
        title=f"Summary of {pr.ref.label}",
        turns=(Turn(role="system", content=SYSTEM), Turn(role="user", content=user)),
        masked=clean.masked,
    )


def explain_failure(job: str, log: str, *, pipeline: str = "", step: str = "") -> Prompt:
    clean = _Cleaner()
    where = " / ".join(p for p in (pipeline, job, step) if p)
    user = "\n".join(
        [
            "This CI job failed. Explain the most likely cause from its log and suggest the "
            "fix, briefly. Quote the lines that show it.",
            "",
            f"Job: {clean(where, 300)}",
            "",
            "End of the log:",
            _fence(clean(strip_ansi(log), MAX_LOG, tail=True), "text"),
        ]
    )
    return Prompt(
        purpose="explain_failure",
        title=f"Why {job} failed",
        turns=(Turn(role="system", content=SYSTEM), Turn(role="user", content=user)),
        masked=clean.masked,
    )


ISSUE_SYSTEM = (
    "You turn TODO comments into issue drafts. Answer with one JSON object and nothing "
    'else: {"title": "...", "body": "..."}. The title is short and imperative; the body is '
    "Markdown saying what is to be done and where."
)


def draft_issue(todo: str, *, path: str, line: int, code: str = "", language: str = "") -> Prompt:
    clean = _Cleaner()
    user = "\n".join(
        [
            "Draft an issue for this TODO.",
            "",
            f"File: {clean(path, 300)}, line {line}",
            f"TODO: {clean(todo, 1_000)}",
            "",
            "Code around it:",
            _fence(clean(code, MAX_CODE), language),
        ]
    )
    return Prompt(
        purpose="draft_issue",
        title=f"Issue draft from {path.rsplit('/', 1)[-1]}:{line}",
        turns=(Turn(role="system", content=ISSUE_SYSTEM), Turn(role="user", content=user)),
        masked=clean.masked,
        json_answer=True,
    )


def describe_diff(diff: str) -> Prompt:
    clean = _Cleaner()
    user = "\n".join(
        [
            "Describe these uncommitted changes: first a commit message (a subject line of at "
            "most 72 characters, a blank line, then why), then a short list of what changed.",
            "",
            _fence(clean(diff, MAX_DIFF), "diff"),
        ]
    )
    return Prompt(
        purpose="describe_diff",
        title="Description of the working tree's changes",
        turns=(Turn(role="system", content=SYSTEM), Turn(role="user", content=user)),
        masked=clean.masked,
    )


@dataclass(frozen=True)
class IssueDraft:
    title: str
    body: str


_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def parse_issue_draft(answer: str) -> IssueDraft:
    """The ``{"title", "body"}`` a model answered (tolerating a code fence or words around
    it); without JSON, the first line is the title and the rest the body."""
    found = _OBJECT.search(answer)
    if found:
        try:
            data = json.loads(found.group(0))
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("title"), str):
            body = data.get("body")
            return IssueDraft(data["title"].strip(), body.strip() if isinstance(body, str) else "")
    head, _, rest = answer.strip().partition("\n")
    return IssueDraft(head.strip("# ").strip(), rest.strip())


def preview(prompt: Prompt, *, model: str = "") -> str:
    """The prompt as Markdown, exactly as it will be sent, for the editor to show first."""
    out = [f"# Request: {prompt.title}", ""]
    if model:
        out += [f"Model: `{model}`", ""]
    if prompt.masked:
        out += [f"{prompt.masked} secret(s) were masked before sending.", ""]
    for turn in prompt.turns:
        out += [f"## {turn.role}", "", _fence(turn.content, "text"), ""]
    return "\n".join(out)
