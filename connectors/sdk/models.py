"""Shared domain models: what every connector maps its wire types into.

These are the hub's and the editor's vocabulary. They are deliberately smaller than any one
service's API: a field belongs here only when at least the hub or the LSP layer uses it.
Text fields that came from a service (titles, bodies) are stored raw; the LSP layer sanitizes
them for display.

Items of every service are named by an :class:`ItemRef`: the connector, the host it lives on,
the scope its key is unique in, and the key a person writes. Numbered trackers (``#7`` in a
repository) and key-based ones (``PROJ-7`` on a Jira site, ``ENG-12`` in Linear) fit the same
shape, so the hub never needs to know which kind it holds.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from .errors import TielineError


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class RepoRef(_Model):
    """A repository on a code host, e.g. ``github.com/octocat/hello-world``.

    ``owner`` is every path segment but the last, so GitLab's groups and subgroups fit:
    ``gitlab.com/group/sub/project`` has owner ``group/sub`` and name ``project``.
    """

    host: str
    owner: str
    name: str

    @property
    def full_name(self) -> str:
        """The repository's path on its host (``octo/app``, ``group/sub/project``)."""
        return f"{self.owner}/{self.name}"

    @classmethod
    def from_path(cls, host: str, path: str) -> RepoRef:
        """``RepoRef`` for ``group/sub/project`` (any depth of at least two segments)."""
        owner, _, name = path.strip("/").rpartition("/")
        if not owner or not name:
            raise ValueError(f"not a repository path: {path!r}")
        return cls(host=host, owner=owner, name=name)

    def __str__(self) -> str:
        return f"{self.host}/{self.owner}/{self.name}"


class ItemKind(enum.StrEnum):
    """What a reference or an item is. ``ANY`` is a number that may name either an issue or a
    pull request (GitHub shares one number space between both; only the service can tell)."""

    ISSUE = "issue"
    PULL_REQUEST = "pull_request"
    ANY = "any"
    COMMIT = "commit"
    PIPELINE = "pipeline"  # a CI run (connectors.sdk.ci.Pipeline)
    JOB = "job"  # a unit of a CI run with its own log
    EVENT = "event"  # a calendar event, or one instance of a recurring one
    MESSAGE = "message"  # a mail message (connectors.sdk.mail.MailMessage)


class ItemRef(_Model):
    """The identity of one item of one service, in a form every service fits.

    ``scope`` is what the key is unique within: a repository path (``octo/app``,
    ``group/sub/project``), a Jira project key (``PROJ``), a Linear team key (``ENG``).
    ``key`` is what a person writes: ``#7`` or ``!3`` (relative to the scope: it starts with
    a sigil) or ``PROJ-7`` / ``ENG-12`` (absolute). ``number`` is the item's number where it
    has one.
    """

    connector: str
    host: str
    scope: str
    key: str
    number: int | None = None
    kind: ItemKind = ItemKind.ANY

    @property
    def relative(self) -> bool:
        """True when ``key`` only means something inside ``scope`` (``#7``, ``!3``)."""
        return bool(self.key) and not self.key[0].isalnum()

    @property
    def label(self) -> str:
        """How a person names the item outside its scope: ``octo/app#7``, ``PROJ-7``."""
        return f"{self.scope}{self.key}" if self.relative else self.key

    @property
    def id(self) -> str:
        """Unique across every connector and host: ``github:github.com:octo/app#7``."""
        return f"{self.connector}:{self.host}:{self.label}"

    @classmethod
    def numbered(
        cls,
        connector: str,
        repo: RepoRef,
        number: int,
        *,
        sigil: str = "#",
        kind: ItemKind = ItemKind.ANY,
    ) -> ItemRef:
        """The ref of a numbered item in a repository (``#7``, or ``!3`` for a merge request)."""
        return cls(
            connector=connector,
            host=repo.host,
            scope=repo.full_name,
            key=f"{sigil}{number}",
            number=number,
            kind=kind,
        )

    @classmethod
    def keyed(
        cls, connector: str, host: str, key: str, *, kind: ItemKind = ItemKind.ISSUE
    ) -> ItemRef:
        """The ref of an item with a project key (``PROJ-7``): the scope is the key's prefix."""
        scope, _, num = key.rpartition("-")
        return cls(
            connector=connector,
            host=host,
            scope=scope,
            key=key,
            number=int(num) if num.isdigit() else None,
            kind=kind,
        )

    def __str__(self) -> str:
        return self.label


class User(_Model):
    """A person on a service. ``login`` names them to the API; ``handle`` says whether it is
    also what people write after ``@`` (GitHub, GitLab) or an opaque id (a Jira Cloud
    accountId), in which case editors show ``name``. ``email`` is the address the service
    shows of them (GitHub's public e-mail, GitLab's ``public_email``), ``None`` where it shows
    none: it is what a chat service knows the same person by (presence on a review)."""

    login: str
    name: str | None = None
    url: str | None = None
    avatar_url: str | None = None
    handle: bool = True
    email: str | None = None


class Label(_Model):
    name: str
    color: str | None = None


class ItemState(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    MERGED = "merged"
    DRAFT = "draft"


class StatusCategory(enum.StrEnum):
    """The part of a workflow a status belongs to; every tracker maps onto these three."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Status(_Model):
    """A workflow status as the tracker names it (``In Review``), and its category."""

    name: str
    category: StatusCategory


class Issue(_Model):
    """An issue or work item (or the issue half of a pull request) in a tracker.

    Numbered trackers fill ``repo``; key-based trackers fill ``status``, ``priority``,
    ``type`` and ``sprint`` as they have them. ``state`` is always set: it is what every
    editor feature can rely on (a Jira issue in a *done* status is closed).
    """

    ref: ItemRef
    title: str
    state: ItemState
    url: str
    repo: RepoRef | None = None
    author: User | None = None
    labels: tuple[Label, ...] = ()
    assignees: tuple[User, ...] = ()
    body: str | None = None
    comments: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    is_pull_request: bool = False
    status: Status | None = None
    priority: str | None = None
    type: str | None = None
    #: The sprint (Jira) or cycle (Linear) the item is planned in.
    sprint: str | None = None

    @property
    def key(self) -> str:
        """Unique across every connector: the ref's id (``github:github.com:octo/app#7``)."""
        return self.ref.id

    @property
    def number(self) -> int | None:
        return self.ref.number

    @property
    def connector(self) -> str:
        return self.ref.connector


class ReviewState(enum.StrEnum):
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REVIEW_REQUIRED = "review_required"
    COMMENTED = "commented"
    NONE = "none"


class CheckConclusion(enum.StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    NEUTRAL = "neutral"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    TIMED_OUT = "timed_out"
    ACTION_REQUIRED = "action_required"
    STALE = "stale"
    PENDING = "pending"  # not completed yet


class CheckRun(_Model):
    name: str
    status: str  # queued | in_progress | completed | ...
    conclusion: CheckConclusion
    url: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    #: Where the run belongs when a provider groups runs (a GitLab stage, a workflow).
    group: str | None = None


class CheckSummary(_Model):
    """Check runs (jobs) plus any legacy combined status for one git ref."""

    ref: str
    sha: str | None = None
    runs: tuple[CheckRun, ...] = ()
    combined_state: str | None = None  # success | failure | pending | error (commit statuses)
    total: int = 0
    passed: int = 0
    failed: int = 0
    pending: int = 0
    #: The provider's page for the whole run (a pipeline, a workflow run), when it has one.
    url: str | None = None

    @property
    def overall(self) -> CheckConclusion:
        if self.failed:
            return CheckConclusion.FAILURE
        if self.pending:
            return CheckConclusion.PENDING
        if self.total:
            return CheckConclusion.SUCCESS
        return CheckConclusion.NEUTRAL

    @classmethod
    def from_runs(
        cls,
        ref: str,
        runs: tuple[CheckRun, ...],
        *,
        sha: str | None = None,
        combined_state: str | None = None,
        extra_statuses: tuple[str, ...] = (),
        url: str | None = None,
    ) -> CheckSummary:
        """Count runs (and legacy commit statuses) into passed / failed / pending."""
        bad = {
            CheckConclusion.FAILURE,
            CheckConclusion.TIMED_OUT,
            CheckConclusion.CANCELLED,
            CheckConclusion.ACTION_REQUIRED,
        }
        passed = sum(
            1
            for r in runs
            if r.conclusion
            in (CheckConclusion.SUCCESS, CheckConclusion.NEUTRAL, CheckConclusion.SKIPPED)
        )
        failed = sum(1 for r in runs if r.conclusion in bad)
        pending = sum(1 for r in runs if r.conclusion is CheckConclusion.PENDING)
        passed += sum(1 for s in extra_statuses if s == "success")
        failed += sum(1 for s in extra_statuses if s in ("failure", "error"))
        pending += sum(1 for s in extra_statuses if s == "pending")
        return cls(
            ref=ref,
            sha=sha,
            runs=runs,
            combined_state=combined_state,
            total=len(runs) + len(extra_statuses),
            passed=passed,
            failed=failed,
            pending=pending,
            url=url,
        )


class PullRequest(Issue):
    """A pull/merge request: an issue with branches, reviews, mergeability and checks."""

    is_pull_request: bool = True
    head_ref: str = ""
    head_sha: str | None = None
    base_ref: str = ""
    head_repo: RepoRef | None = None
    draft: bool = False
    merged: bool = False
    mergeable: bool | None = None
    mergeable_state: str | None = None
    review_state: ReviewState = ReviewState.NONE
    requested_reviewers: tuple[User, ...] = ()
    checks: CheckSummary | None = None
    #: Approvals given and still needed, where the host counts them (GitLab MR approvals).
    approvals: int | None = None
    approvals_required: int | None = None


class Comment(_Model):
    id: int | str
    body: str
    url: str | None = None
    author: User | None = None
    created_at: datetime | None = None


class Transition(_Model):
    """A move an item's workflow allows from its current status (Jira transitions, Linear
    workflow states)."""

    id: str
    name: str
    to: Status


class Message(_Model):
    """A chat message sent or received through a Messaging connector."""

    id: str
    channel: str
    text: str
    url: str | None = None
    author: User | None = None
    sent_at: datetime | None = None
    #: The thread it is in (Slack's ``thread_ts``, a Teams reply's parent), if any.
    thread: str | None = None
    #: The channel's name as a person reads it (``#dev``, ``Ana Lima``), when known.
    channel_name: str | None = None


class SnippetSource(_Model):
    """Where a snippet was saved from: a file and its 0-based, end-exclusive line range."""

    uri: str
    start_line: int = Field(ge=0)
    end_line: int = Field(ge=0)


class Snippet(_Model):
    """A piece of code kept in the local library, and what a snippet host holds of it.

    ``body`` uses VS Code's snippet syntax (``${1:name}``, ``$0``, ``${TM_FILENAME}``) so
    it inserts as a snippet where the editor supports one. ``language`` is an LSP language
    id (empty: any language). ``meta`` keeps what an import format has and this model does
    not (a VS Code entry's ``scope`` list, whether its body was an array), so an export
    gives back what was imported.
    """

    id: str
    title: str = Field(min_length=1)
    body: str
    description: str = ""
    language: str = ""
    prefix: str = ""
    tags: tuple[str, ...] = ()
    source: SnippetSource | None = None
    meta: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime


class RemoteSnippet(_Model):
    """A snippet on a snippet host (a GitHub gist, a GitLab snippet): one file of it.

    ``revision`` changes whenever the host's copy does (its version or update time);
    ``visibility`` is the host's word (``secret``/``public`` for gists; ``private``,
    ``internal``, ``public`` for GitLab) and is never changed by an update.
    """

    id: str
    title: str
    file_name: str
    content: str
    visibility: str = "secret"
    url: str = ""
    revision: str = ""
    updated_at: datetime | None = None


class Page(_Model):
    """A page of results with an opaque cursor for the next page (``None`` when done)."""

    items: tuple[Issue, ...] = ()
    next_cursor: str | None = None
    #: The service confirmed this page is what this account already received (an HTTP cache
    #: hit or a 304 revalidation): a poll sorted by "updated" may stop paging here.
    unchanged: bool = False


class Health(enum.StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    FAILING = "failing"
    DISABLED = "disabled"


class CheckResult(_Model):
    """What ``Connector.check()`` reports: can we reach the service with these credentials?

    ``account`` is the login that names the account in the vault; the hub asks ``check()``
    at sign-in and for environment tokens, so identity is the connector's own business.
    """

    ok: bool
    account: str | None = None
    name: str | None = None
    detail: str = ""
    rate_limit_remaining: int | None = None
    rate_limit_limit: int | None = None
    scopes: tuple[str, ...] | None = Field(
        default=None, description="Scopes the service says the token carries, if it says."
    )
    #: Why the check failed, when an error of the sdk's hierarchy said so (see :meth:`failed`).
    _error: TielineError | None = PrivateAttr(default=None)

    @classmethod
    def failed(cls, error: TielineError, detail: str | None = None) -> CheckResult:
        """A check the service answered with ``error``, which is kept: a refused token
        (``ReauthRequired``) and a service that is down or rate-limiting must not read the
        same to the hub, which otherwise tells a person their token was rejected during an
        outage."""
        result = cls(ok=False, detail=error.message if detail is None else detail)
        result._error = error
        return result

    @property
    def error(self) -> TielineError | None:
        """The error a failed check came from, if it came from one."""
        return self._error
