"""Publishing models: a blog post on WordPress, Ghost or dev.to (Forem).

One shape for every blogging service: the hub reads a Markdown document's front matter into a
:class:`PostDraft` (its body already in the format the service takes, see
:data:`PublishFormat`), a connector creates or updates the post and answers a :class:`Post`.
A post is named by the service's own id (a number on WordPress and dev.to, a 24-hex object id
on Ghost), kept as a string.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from .models import _Model

#: What a service takes as a post's body: dev.to Markdown, WordPress and Ghost HTML.
PublishFormat = Literal["markdown", "html"]
#: ``draft``: saved, not public; ``published``: public now.
PostStatus = Literal["draft", "published"]


class PostDraft(_Model):
    """What the author wrote, for a new post or an update of one.

    ``body`` is in the format the connector's ``publish_formats()`` names first (the hub
    renders Markdown to HTML for an HTML service); images in it are absolute URLs, local ones
    having been uploaded already. ``description`` is the excerpt (Ghost's
    ``custom_excerpt``, WordPress' ``excerpt``, dev.to's ``description``).
    """

    title: str
    body: str
    format: PublishFormat = "markdown"
    tags: tuple[str, ...] = ()
    description: str = ""
    canonical_url: str | None = None
    cover_image: str | None = None


class Post(_Model):
    """A post as the service holds it. ``updated`` is the service's last-modified time,
    ``version`` what an update names to be sure it replaces what was read (Ghost's
    ``updated_at``; services that check nothing give ``None``)."""

    id: str
    title: str
    url: str | None = None
    status: PostStatus = "draft"
    tags: tuple[str, ...] = ()
    canonical_url: str | None = None
    description: str = ""
    cover_image: str | None = None
    updated: datetime | None = None
    version: str | None = None


__all__ = ["Post", "PostDraft", "PostStatus", "PublishFormat"]
