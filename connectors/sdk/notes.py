"""Notebook models: sections of notebooks, their pages, and a page's HTML with the resources
(images) it names.

One shape for note services whose pages are HTML documents (OneNote through Microsoft
Graph). The hub imports a section into the workspace as Markdown and exports a Markdown
document as a new page; everything about *deciding* (what a page becomes on disk, what is
kept of its markup) is the hub's, so a connector only reads and writes.

- A page's HTML is the service's own, unsanitised: the hub cleans it before using it.
- :attr:`PageContent.resources` are the URLs in that HTML the service serves only to the
  signed-in account (an image's bytes): the hub asks :meth:`page_resource` for them, with
  the account's credentials, rather than fetching a URL from a page itself.
"""

from __future__ import annotations

from datetime import datetime

from .models import _Model


class NoteSection(_Model):
    """A section of a notebook: where pages are listed and new pages go."""

    id: str
    name: str
    #: The notebook it belongs to, by name (sections of two notebooks may share a name).
    notebook: str = ""
    url: str | None = None

    @property
    def label(self) -> str:
        return f"{self.notebook} / {self.name}" if self.notebook else self.name


class NotePage(_Model):
    """A page of a section, without its content."""

    id: str
    title: str
    section: str = ""
    modified: datetime | None = None
    url: str | None = None


class PageResource(_Model):
    """A resource a page's HTML names (an image), to be read with :meth:`page_resource`."""

    url: str
    mime_type: str | None = None


class PageContent(_Model):
    """A page's HTML as the service gives it, and the resources in it."""

    page: NotePage
    html: str
    resources: tuple[PageResource, ...] = ()


__all__ = ["NotePage", "NoteSection", "PageContent", "PageResource"]
