"""Acting on items from the editor: which trackers can take a new issue for a folder,
creating it, and starting work (a branch, and the workflow's "in progress" where the tracker
has one). Every tracker the folder is attached to is offered; none is assumed."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from connectors.sdk.capabilities import IssueTracker, Workflow
from connectors.sdk.errors import TielineError
from connectors.sdk.models import Issue, ItemRef, StatusCategory

from . import gitops

if TYPE_CHECKING:
    from .hub import Hub
    from .sessions import Session
    from .workspace import Folder

log = logging.getLogger("tieline.work")
MAX_SCOPES = 8  # per key-based tracker, in a "which tracker?" question


@dataclass(frozen=True)
class Destination:
    """Somewhere a new issue can go: a session and a scope (repository, project, team)."""

    session: Session
    scope: str

    @property
    def label(self) -> str:
        return f"{self.session.manifest.name} {self.scope}"

    @property
    def id(self) -> str:
        return f"{self.session.key}|{self.scope}"


def destinations(hub: Hub, folder: Folder | None) -> list[Destination]:
    """Where an issue from this folder can be created: its repositories on their code
    hosts, then each key-based tracker's projects/teams."""
    out: list[Destination] = []
    for s in hub.sessions_with(IssueTracker):
        if s.manifest.attach.kind == "remote":
            for r in folder.remotes if folder else ():
                if r.connector == s.connector_id and r.repo.host == s.host:
                    out.append(Destination(s, r.repo.full_name))
        else:
            scopes = sorted(s.coordinator.index.scopes or ())[:MAX_SCOPES]
            out.extend(Destination(s, scope) for scope in scopes)
    return out


async def create_issue(hub: Hub, dest: Destination, title: str, body: str = "") -> Issue:
    tracker: IssueTracker = dest.session.connector.capability(IssueTracker)
    issue = await tracker.create_issue(dest.scope, title, body)
    s = dest.session
    s.coordinator.index.put([issue])
    await hub.mirror.save(s.connector_id, s.account, [issue])
    await hub.store.audit("user", "issue.create", issue.key, {"title": title})
    hub._refresh_scan_context()
    return issue


@dataclass(frozen=True)
class Started:
    branch: str | None
    status: str | None  # the workflow status the item moved to, if it moved


async def start_work(hub: Hub, session: Session, ref: ItemRef, folder: Folder | None) -> Started:
    """A branch named by ``branch_template`` in the folder's clone (when there is one) and,
    where the tracker has a workflow, the move into its first "in progress" status."""
    issue = await session.coordinator.lookup(ref)
    branch = None
    if folder is not None and folder.root is not None:
        name = gitops.branch_name(
            hub.config.branch_template,
            number=ref.number or 0,
            title=issue.title,
            login=session.login,
            key=ref.key if not ref.relative else None,
        )
        await asyncio.to_thread(gitops.start_branch, folder.root, name)
        branch = name
    status = None
    if session.connector.provides(Workflow) and (
        issue.status is None or issue.status.category is StatusCategory.TODO
    ):
        flow: Workflow = session.connector.capability(Workflow)
        moves = [
            t for t in await flow.transitions(ref) if t.to.category is StatusCategory.IN_PROGRESS
        ]
        if moves:
            moved = await flow.transition(ref, moves[0].id)
            session.coordinator.index.put([moved])
            status = moved.status.name if moved.status else moves[0].to.name
        else:
            log.info("%s: the workflow has no move to an in-progress status", ref.label)
    if branch is None and status is None:
        raise TielineError(f"{ref.label}: open a clone to start a branch for it")
    return Started(branch, status)
