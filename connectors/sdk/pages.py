"""Page models: hosted documents (Notion pages, Confluence pages) as a tree of blocks.

One shape for document services whose pages are structured content rather than files. The
hub imports a page (and its child pages) into the workspace as Markdown and exports Markdown
back to a page; *Markdown* is the hub's business alone. A connector maps between its
service's own format (Notion's block objects, Confluence's storage format) and the neutral
:data:`Block` tree below, so neither side knows the other's format.

- The tree is deliberately what Markdown can say: headings, paragraphs of styled spans,
  lists (task lists too), code with its language, quotes, tables, images, dividers. A
  service block with no counterpart is mapped to the nearest (a Notion callout to a quote)
  or to a paragraph of its plain text, never dropped silently.
- Text is the service's own, unsanitised: the hub cleans it before an editor shows it.
- An :class:`Image` read from a page names the service's URL for it; one only the account
  may read is fetched with :meth:`~connectors.sdk.capabilities.Pages.page_resource`. An
  image being written names a key of the ``attachments`` handed with the blocks; the
  connector uploads those bytes as its service needs (Notion's file uploads, Confluence's
  attachments) and points the block at the result.
- Pages carry a ``version`` (Notion's ``last_edited_time``, Confluence's version number):
  an update names the one it expects (``if_match``) and a page changed meanwhile raises
  :class:`~connectors.sdk.errors.SyncConflict`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from .models import _Model


class Span(_Model):
    """A run of text with one style. ``href`` makes it a link."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    strike: bool = False
    href: str | None = None


Spans = tuple[Span, ...]


class Heading(_Model):
    kind: Literal["heading"] = "heading"
    level: int = Field(ge=1, le=6)
    spans: Spans = ()


class Paragraph(_Model):
    kind: Literal["paragraph"] = "paragraph"
    spans: Spans = ()


class Code(_Model):
    """A code block; ``language`` as the service names it (empty: none given)."""

    kind: Literal["code"] = "code"
    text: str
    language: str = ""


class Quote(_Model):
    kind: Literal["quote"] = "quote"
    blocks: tuple[Block, ...] = ()


class ListItem(_Model):
    """One item of a list; ``checked`` is set for a task-list item (``- [ ]``/``- [x]``)."""

    blocks: tuple[Block, ...] = ()
    checked: bool | None = None


class ListBlock(_Model):
    kind: Literal["list"] = "list"
    ordered: bool = False
    items: tuple[ListItem, ...] = ()


class Table(_Model):
    """Rows of cells, each cell a run of spans; the first row is the header when ``header``."""

    kind: Literal["table"] = "table"
    rows: tuple[tuple[Spans, ...], ...] = ()
    header: bool = True


class Image(_Model):
    """An image: a service URL when read, an ``attachments`` key (or a URL) when written."""

    kind: Literal["image"] = "image"
    url: str
    alt: str = ""


class Divider(_Model):
    kind: Literal["divider"] = "divider"


Block = Annotated[
    Heading | Paragraph | Code | Quote | ListBlock | Table | Image | Divider,
    Field(discriminator="kind"),
]


class PageParent(_Model):
    """Where a new page goes: under a page (Notion requires one), in a space (Confluence
    requires one, optionally under a page of it)."""

    page_id: str | None = None
    space: str = ""


class PageSpace(_Model):
    """A space pages live in (a Confluence space): what a user picks a new page's home from.
    ``key`` is what :class:`PageParent` names."""

    key: str
    name: str
    url: str | None = None


class PageInfo(_Model):
    """A page without its content: what search lists, a hover card shows and a re-export
    names (``id``, ``version``)."""

    id: str
    title: str
    url: str | None = None
    space: str = ""
    parent_id: str | None = None
    modified: datetime | None = None
    version: str | None = None
    #: Whose last edit it is, as the service names the person.
    modified_by: str = ""


class PageDoc(_Model):
    """A page's content as blocks, and its child pages (read with ``get_page`` in turn)."""

    page: PageInfo
    blocks: tuple[Block, ...] = ()
    children: tuple[PageInfo, ...] = ()


Quote.model_rebuild()
ListItem.model_rebuild()
ListBlock.model_rebuild()
PageDoc.model_rebuild()

__all__ = [
    "Block",
    "Code",
    "Divider",
    "Heading",
    "Image",
    "ListBlock",
    "ListItem",
    "PageDoc",
    "PageInfo",
    "PageParent",
    "PageSpace",
    "Paragraph",
    "Quote",
    "Span",
    "Spans",
    "Table",
]
