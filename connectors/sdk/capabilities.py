"""Capability protocols: what a connector can do, as typed methods, in one registry.

A capability family is a ``typing.Protocol`` registered here with :func:`capability`; that is
the one place a new family (Messaging, Calendar, ...) is added. A manifest may only declare
registered names, and the hub routes a call to a connector only when its manifest *declares*
the capability and its class *implements* the protocol (:func:`provides`; the class is
checked once at registration with :func:`missing_methods`). Methods are async and return
shared models from :mod:`connectors.sdk.models`.

Items are named by :class:`~connectors.sdk.models.ItemRef`; a *scope* is the container a
list or a new item belongs to (a repository path, a Jira project key, a Linear team key).
A connector instance is bound to one host and account, so neither appears in the calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

from .ai import Answer, EmbeddingBatch, GeneratedImage, Transcript, Turn
from .calendar import CalendarEvent, CalendarInfo, JoinLink
from .chat import Channel, FocusSnapshot, Post, PresenceStatus
from .ci import CIAction, LogChunk, Pipeline, Trigger
from .doccomments import DocComment
from .drive import DriveChanges, DriveFolder, DriveItem
from .mail import MailMessage, MailPage, MailView
from .models import (
    CheckSummary,
    Comment,
    Issue,
    ItemRef,
    Message,
    Page,
    PullRequest,
    RemoteSnippet,
    Transition,
    User,
)
from .notes import NotePage, NoteSection, PageContent
from .pages import Block, PageDoc, PageInfo, PageParent, PageSpace
from .papers import Paper, PaperId, PaperScheme
from .publishing import Post as BlogPost
from .publishing import PostDraft, PostStatus, PublishFormat
from .references import LibraryItem, LibrarySync, NewLibraryItem
from .vectors import VectorHit, VectorPoint

#: ``open``: open items of one scope (a repository's open issues: ``#`` completion).
IssueFilter = Literal["assigned", "mentioned", "created", "open"]
PullFilter = Literal["mine", "review_requested", "branch"]


@dataclass(frozen=True)
class Family:
    """One registered capability family."""

    name: str
    protocol: type
    description: str


CAPABILITIES: dict[str, Family] = {}
P = TypeVar("P", bound=type)


def capability(description: str) -> Callable[[P], P]:
    """Register a runtime-checkable protocol as a capability family under its class name."""

    def register(proto: P) -> P:
        CAPABILITIES[proto.__name__] = Family(proto.__name__, proto, description)
        return proto

    return register


def family(name: str) -> Family:
    """The registered family called ``name``; ``KeyError`` names the known ones."""
    try:
        return CAPABILITIES[name]
    except KeyError:
        known = ", ".join(sorted(CAPABILITIES))
        raise KeyError(f"unknown capability {name!r} (known: {known})") from None


def protocol_methods(proto: type) -> list[str]:
    return [n for n, v in vars(proto).items() if callable(v) and not n.startswith("_")]


def missing_methods(cls: type, name: str) -> list[str]:
    """The methods of capability ``name`` that ``cls`` does not implement."""
    return [
        m for m in protocol_methods(family(name).protocol) if not callable(getattr(cls, m, None))
    ]


def provides(obj: Any, proto: type) -> bool:
    """Does this connector (instance or class) declare *and* implement ``proto``?"""
    manifest = getattr(obj, "manifest", None)
    declared = manifest().capabilities if callable(manifest) else ()
    if proto.__name__ not in declared:
        return False
    cls = obj if isinstance(obj, type) else type(obj)
    return not missing_methods(cls, proto.__name__)


@runtime_checkable
@capability("Issues or work items: cards, lenses, completion, 'assigned to me', new issues.")
class IssueTracker(Protocol):
    async def get_issue(self, ref: ItemRef) -> Issue: ...

    async def list_issues(
        self, which: IssueFilter, *, scope: str | None = None, cursor: str | None = None
    ) -> Page: ...

    async def create_issue(
        self, scope: str, title: str, body: str = "", labels: Sequence[str] = ()
    ) -> Issue: ...

    async def add_comment(self, ref: ItemRef, body: str) -> Comment: ...

    async def search_users(self, scope: str | None, prefix: str) -> Sequence[User]: ...


@runtime_checkable
@capability("Pull or merge requests: review requests, my requests, the branch's request.")
class CodeHost(Protocol):
    async def get_pull_request(self, ref: ItemRef) -> PullRequest: ...

    async def list_pull_requests(
        self, which: PullFilter, *, scope: str | None = None, branch: str | None = None
    ) -> Sequence[PullRequest]: ...


@runtime_checkable
@capability("CI status of a branch or commit: checks, jobs, pipelines.")
class CIProvider(Protocol):
    async def get_checks(self, scope: str, ref: str) -> CheckSummary: ...


@runtime_checkable
@capability("CI pipelines of a branch: runs, their jobs and steps, and job logs.")
class Pipelines(Protocol):
    """``scope`` is :meth:`Connector.ci_scope` of a repository. ``list_pipelines`` gives the
    newest first, without jobs where the service lists them apart; ``get_pipeline`` gives
    one with its jobs (and steps where the service has them)."""

    async def list_pipelines(
        self, scope: str, *, branch: str | None = None, limit: int = 5
    ) -> Sequence[Pipeline]: ...

    async def get_pipeline(self, ref: ItemRef) -> Pipeline: ...

    async def job_log(self, ref: ItemRef, *, offset: int = 0) -> LogChunk: ...


@runtime_checkable
@capability("CI control: re-run, cancel, retry or play, and start a pipeline with inputs.")
class PipelineControl(Protocol):
    """``act`` applies one of the item's :attr:`~connectors.sdk.ci.Pipeline.actions` and
    returns the pipeline as it is after (a re-run may be a new pipeline), or ``None`` when
    the service answers nothing to read back. ``trigger`` starts ``trigger_id`` of
    :meth:`triggers` on ``branch`` with string inputs, the way the service's form sends them."""

    async def act(self, ref: ItemRef, action: CIAction) -> Pipeline | None: ...

    async def triggers(self, scope: str) -> Sequence[Trigger]: ...

    async def trigger(
        self, scope: str, trigger_id: str, branch: str, inputs: Mapping[str, str]
    ) -> Pipeline | None: ...


@runtime_checkable
@capability("Workflow states: the moves an item allows (start work, resolve).")
class Workflow(Protocol):
    async def transitions(self, ref: ItemRef) -> Sequence[Transition]: ...

    async def transition(self, ref: ItemRef, transition_id: str) -> Issue: ...


@runtime_checkable
@capability("Chat: send a message or shared code to a channel, a person or a thread.")
class Messaging(Protocol):
    """``channels`` lists where the account may post, matching ``prefix`` on the name
    (empty: the ones a picker starts with). ``send_message`` formats the :class:`Post` in
    the service's own markup (a code fence with the language, a link back to the file)
    and answers the message as sent, with its permalink where the service gives one."""

    async def channels(self, prefix: str = "") -> Sequence[Channel]: ...

    async def send_message(
        self, channel: str, post: Post, *, thread: str | None = None
    ) -> Message: ...


@runtime_checkable
@capability("Mentions: messages that name the signed-in person, for notifications.")
class Mentions(Protocol):
    """Messages mentioning the account since ``since`` (``None``: the service's recent
    ones), oldest first, so the hub notifies each once in order."""

    async def mentions(self, since: datetime | None = None) -> Sequence[Message]: ...


@runtime_checkable
@capability("Presence: my status and do-not-disturb, and other people's availability.")
class Presence(Protocol):
    """``presence_of`` takes e-mail addresses (what code hosts and calendars know of a
    person) and answers those the service can match; unknown ones are left out.
    ``set_status`` changes what :class:`~connectors.sdk.chat.PresenceStatus` names:
    availability where the service lets a person set it, the status line and its expiry."""

    async def my_status(self) -> PresenceStatus: ...

    async def set_status(self, status: PresenceStatus) -> PresenceStatus: ...

    async def presence_of(self, emails: Sequence[str]) -> Mapping[str, PresenceStatus]: ...


@runtime_checkable
@capability("Focus: hold notifications and say so, then put everything back as it was.")
class Focus(Protocol):
    """Focus mode in three steps the hub keeps durable: ``focus_snapshot`` reads what
    must be restored (before anything changes; the hub stores it), ``start_focus`` holds
    notifications until ``until`` and sets ``text`` as the status line, and
    ``end_focus`` puts the snapshot back -- exactly, including a status that had its own
    expiry or a snooze that was already running, and only where focus is what is still
    set (a status the person changed meanwhile is theirs and stays)."""

    async def focus_snapshot(self) -> FocusSnapshot: ...

    async def start_focus(self, until: datetime, text: str) -> None: ...

    async def end_focus(self, snapshot: FocusSnapshot) -> None: ...


@runtime_checkable
@capability("Mail: inbox views, a message read in full, replies.")
class Mail(Protocol):
    """``list_mail`` gives a view's newest messages first without bodies; ``get_mail``
    one message with its body (HTML unsanitised: the hub cleans it); ``reply_mail``
    answers the sender (and everyone, with ``all``) with a plain-text or Markdown body
    the connector sends the way the service expects."""

    async def list_mail(
        self, view: MailView, *, query: str | None = None, cursor: str | None = None
    ) -> MailPage: ...

    async def get_mail(self, ref: ItemRef) -> MailMessage: ...

    async def reply_mail(self, ref: ItemRef, body: str, *, all: bool = False) -> None: ...


@runtime_checkable
@capability("Online meetings: start an instant meeting and get its join link.")
class OnlineMeetings(Protocol):
    async def start_meeting(self, topic: str, *, minutes: int = 30) -> JoinLink: ...


@runtime_checkable
@capability("Cloud drive files: a folder linked to the workspace and synced both ways.")
class Drive(Protocol):
    """What the hub's folder sync needs of a drive (see :mod:`connectors.sdk.drive`).

    Paths are relative to the linked folder. Every write that replaces or removes an item
    names the version it expects (``if_match``, an :attr:`DriveItem.etag`) and raises
    :class:`~connectors.sdk.errors.SyncConflict` when the service holds another one, so a
    change made meanwhile is never overwritten. ``upload`` creates missing parent folders and
    moves large files in the service's resumable upload session, in pieces.
    ``create_folder`` makes a folder at ``path`` (and its missing parents), so an empty folder
    is mirrored too; a folder already there (made meanwhile) is the answer as it stands, a
    file of that name is a :class:`~connectors.sdk.errors.SyncConflict`.
    """

    async def find_folder(self, path: str) -> DriveFolder: ...

    async def changes(self, folder: DriveFolder, cursor: str | None = None) -> DriveChanges: ...

    async def download(self, item: DriveItem, *, export: str | None = None) -> bytes: ...

    async def upload(
        self, folder: DriveFolder, path: str, data: bytes, *, if_match: str | None = None
    ) -> DriveItem: ...

    async def create_folder(self, folder: DriveFolder, path: str) -> DriveItem: ...

    async def move(
        self, folder: DriveFolder, item: DriveItem, path: str, *, if_match: str | None = None
    ) -> DriveItem: ...

    async def delete(self, item: DriveItem, *, if_match: str | None = None) -> None: ...


@runtime_checkable
@capability("Document import: Markdown made (or remade) into a document of the service's own.")
class DocImport(Protocol):
    """The way back for a :class:`Drive`'s exported documents: the service converts the
    bytes (``source``, Markdown unless said otherwise) into a document in its own format.

    ``path`` is relative to the linked folder and is the document's name (no ``.md``
    suffix: ``guides/Plan``); missing parent folders are created, as ``upload`` does. With
    ``replace`` (an item of that folder, such as one pulled as an export) its content is
    replaced in place -- same id, comments and sharing kept -- naming the version it expects
    (``if_match``) and raising :class:`~connectors.sdk.errors.SyncConflict` when the
    service holds another. The answer is the document as it now stands (its new ``etag``,
    its ``export_formats``)."""

    async def import_document(
        self,
        folder: DriveFolder,
        path: str,
        data: bytes,
        *,
        source: str = "text/markdown",
        replace: DriveItem | None = None,
        if_match: str | None = None,
    ) -> DriveItem: ...


@runtime_checkable
@capability("Snippet hosting: the account's own snippets (gists), listed, read and written.")
class SnippetStore(Protocol):
    """One file per snippet. ``create_snippet`` makes it secret unless ``public``;
    ``update_snippet`` changes title and file, never visibility."""

    async def list_snippets(self) -> Sequence[RemoteSnippet]: ...

    async def get_snippet(self, snippet_id: str) -> RemoteSnippet: ...

    async def create_snippet(
        self, title: str, file_name: str, content: str, *, public: bool = False
    ) -> RemoteSnippet: ...

    async def update_snippet(
        self, snippet_id: str, *, title: str, file_name: str, content: str, old_file_name: str
    ) -> RemoteSnippet: ...

    async def delete_snippet(self, snippet_id: str) -> None: ...


@runtime_checkable
@capability("Calendars: the agenda, the next meeting and its join link.")
class Calendar(Protocol):
    """``events`` gives every event and every instance of a recurring event that overlaps
    ``[start, end)`` in the account's calendars (or only ``calendars``, by
    :attr:`~connectors.sdk.calendar.CalendarInfo.id`), recurrences expanded, sorted by start.

    The hub asks for the same window on every poll, so a connector keeps what it read and
    asks the service only for what changed since (CalDAV's sync-collection, Google's
    ``syncToken``, Graph's delta query): an unchanged calendar costs a request or two, not
    one per event."""

    async def list_calendars(self) -> Sequence[CalendarInfo]: ...

    async def events(
        self, start: datetime, end: datetime, *, calendars: Sequence[str] | None = None
    ) -> Sequence[CalendarEvent]: ...

    async def get_event(self, ref: ItemRef) -> CalendarEvent: ...


@runtime_checkable
@capability("Notebooks: sections and their pages read as HTML, and new pages written.")
class Notebooks(Protocol):
    """``page_html`` gives a page's HTML as the service has it (unsanitised) and the resources
    it names; ``page_resource`` reads one of those (a URL only the account may read, so the
    connector refuses one of another host); ``create_page`` writes a page of ``html`` into a
    section, titled ``title``."""

    async def list_sections(self) -> Sequence[NoteSection]: ...

    async def list_pages(self, section: NoteSection) -> Sequence[NotePage]: ...

    async def page_html(self, page: NotePage) -> PageContent: ...

    async def page_resource(self, url: str) -> bytes: ...

    async def create_page(self, section: NoteSection, title: str, html: str) -> NotePage: ...


@runtime_checkable
@capability("Document comments: a hosted document's comment threads, replied to and resolved.")
class DocComments(Protocol):
    """Comments on a document of the account's drive, named by its drive item id (what
    :class:`~connectors.sdk.drive.DriveItem` calls ``id``). ``doc_comments`` gives the
    threads oldest first (``resolved=False``: the open ones only); ``reply_doc_comment``
    answers in a thread and, with ``resolve``, closes it with that reply (words are then
    optional), answering the reply as the service stored it."""

    async def doc_comments(
        self, file_id: str, *, resolved: bool = True
    ) -> Sequence[DocComment]: ...

    async def reply_doc_comment(
        self, file_id: str, comment_id: str, text: str = "", *, resolve: bool = False
    ) -> Comment: ...


@runtime_checkable
@capability("Pages: hosted documents (Notion, Confluence) searched, read as blocks and written.")
class Pages(Protocol):
    """Pages as the neutral block tree of :mod:`connectors.sdk.pages`; the hub owns Markdown.

    ``search_pages`` lists pages whose title (or text, where the service searches it) matches
    ``query``, most relevant first. ``get_page`` gives a page's blocks and its child pages;
    ``page_info`` only its metadata (a hover card). ``page_id_from_url`` recognises the
    service's page URLs without a request (``None``: not one of its pages).
    ``page_resource`` reads an image a page names (a URL only the account may read, so the
    connector refuses one of another host). ``create_page`` and ``update_page`` write
    blocks whose :class:`~connectors.sdk.pages.Image` urls may name keys of
    ``attachments``; ``update_page`` replaces the page's content and title in place (same
    id), naming the ``version`` it expects and raising
    :class:`~connectors.sdk.errors.SyncConflict` when the service holds another.
    ``page_spaces`` lists the spaces a new page may go in; a service without spaces (Notion,
    where a page's parent is another page) gives none."""

    def page_id_from_url(self, url: str) -> str | None: ...

    async def search_pages(self, query: str, *, limit: int = 20) -> Sequence[PageInfo]: ...

    async def page_info(self, page_id: str) -> PageInfo: ...

    async def page_spaces(self) -> Sequence[PageSpace]: ...

    async def get_page(self, page_id: str) -> PageDoc: ...

    async def page_resource(self, url: str) -> bytes: ...

    async def create_page(
        self,
        parent: PageParent,
        title: str,
        blocks: Sequence[Block],
        *,
        attachments: Mapping[str, bytes] | None = None,
    ) -> PageInfo: ...

    async def update_page(
        self,
        page_id: str,
        title: str,
        blocks: Sequence[Block],
        *,
        attachments: Mapping[str, bytes] | None = None,
        if_match: str | None = None,
    ) -> PageInfo: ...


@runtime_checkable
@capability(
    "Papers: scholarly metadata (title, authors, year, abstract) by arXiv id, DOI or S2 id."
)
class Papers(Protocol):
    """``paper_schemes`` names the id schemes the service answers for (arXiv: ``arxiv``;
    Crossref: ``doi``; Semantic Scholar: all three); ``paper`` looks one up, raising
    :class:`~connectors.sdk.errors.NotFound` for an id the service does not know."""

    def paper_schemes(self) -> frozenset[PaperScheme]: ...

    async def paper(self, ref: PaperId) -> Paper: ...


@runtime_checkable
@capability("Embeddings: texts turned into vectors by the account's model, for search by meaning.")
class Embeddings(Protocol):
    """``embed`` gives one vector per text, in order, from ``model`` (``None``: the one the
    account is set to use). A connector batches as its service allows."""

    async def embed(self, texts: Sequence[str], *, model: str | None = None) -> EmbeddingBatch: ...


@runtime_checkable
@capability("Publishing: blog posts (WordPress, Ghost, dev.to) created and updated from Markdown.")
class Publishing(Protocol):
    """Posts as :mod:`connectors.sdk.publishing` shapes them; the hub owns front matter.

    ``publish_formats`` names the body formats the service takes, the one it prefers first
    (dev.to: Markdown; WordPress and Ghost: HTML). ``upload_image`` stores an image the post
    names and gives its public URL (a service with no image upload raises
    :class:`~connectors.sdk.errors.InvalidRequest`). ``update_post`` replaces the post's
    content in place (same id); ``if_match`` is the :attr:`~connectors.sdk.publishing.Post.version`
    last read, and a service that holds another raises
    :class:`~connectors.sdk.errors.SyncConflict`."""

    def publish_formats(self) -> Sequence[PublishFormat]: ...

    async def upload_image(self, name: str, data: bytes, mime: str) -> str: ...

    async def create_post(self, draft: PostDraft, *, status: PostStatus) -> BlogPost: ...

    async def update_post(
        self,
        post_id: str,
        draft: PostDraft,
        *,
        status: PostStatus,
        if_match: str | None = None,
    ) -> BlogPost: ...

    async def get_post(self, post_id: str) -> BlogPost: ...


@runtime_checkable
@capability("VectorStore: vectors kept in collections and found by cosine nearness.")
class VectorStore(Protocol):
    """Collections of :class:`~connectors.sdk.vectors.VectorPoint`, cosine-measured.

    ``ensure_collection`` makes ``name`` for vectors of ``dimension`` if it is missing (a
    collection of another dimension is an :class:`~connectors.sdk.errors.InvalidRequest`).
    ``upsert_vectors`` adds or replaces points by id; ``delete_vectors`` removes ids (unknown
    ones are no error); ``query_vectors`` gives the ``limit`` nearest, nearest first, and
    raises :class:`~connectors.sdk.errors.NotFound` for a missing collection."""

    async def ensure_collection(self, name: str, dimension: int) -> None: ...

    async def upsert_vectors(self, collection: str, points: Sequence[VectorPoint]) -> None: ...

    async def query_vectors(
        self, collection: str, vector: Sequence[float], *, limit: int = 10
    ) -> Sequence[VectorHit]: ...

    async def delete_vectors(self, collection: str, ids: Sequence[str]) -> None: ...


@capability(
    "Assistant: a language model's answer to a conversation, streamed, with the tokens it used."
)
class Assistant(Protocol):
    """``complete`` sends ``turns`` to ``model`` (``None``: the account's chat model) and
    returns the answer as it streams; its usage is known once it has been read to the end.
    ``models`` lists the models the account may use."""

    async def models(self) -> Sequence[str]: ...

    async def complete(
        self,
        turns: Sequence[Turn],
        *,
        model: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Answer: ...


@runtime_checkable
@capability("Images: a picture drawn by the account's image model from a prompt.")
class Images(Protocol):
    async def generate_image(
        self, prompt: str, *, model: str | None = None, size: str | None = None
    ) -> GeneratedImage: ...


@runtime_checkable
@capability("Transcription: speech in an audio file turned into text.")
class Transcription(Protocol):
    async def transcribe(
        self,
        audio: bytes,
        filename: str,
        *,
        model: str | None = None,
        language: str | None = None,
    ) -> Transcript: ...


@runtime_checkable
@capability("References: a reference library (Zotero) read for citations and added to.")
class References(Protocol):
    """``library_items`` gives the items changed since ``since`` (a version an earlier call
    gave; ``None``: every item), or ``unchanged``. ``library_export`` gives items (``keys``;
    empty: all) as BibTeX or BibLaTeX text the service writes. ``add_library_item`` creates
    one and gives it back with its key; the service refusing because the library changed
    meanwhile raises :class:`~connectors.sdk.errors.SyncConflict`."""

    async def library_items(self, *, since: int | None = None) -> LibrarySync: ...

    async def library_export(
        self, keys: Sequence[str] = (), *, fmt: Literal["bibtex", "biblatex"] = "biblatex"
    ) -> str: ...

    async def add_library_item(self, item: NewLibraryItem) -> LibraryItem: ...
