"""Comments on a hosted document (a Google Doc's margin comments), as the hub shows them.

A thread is one :class:`DocComment`: the first comment's words in ``body`` (named as
:class:`~connectors.sdk.models.Comment` names them), the replies after it as sdk
:class:`~connectors.sdk.models.Comment` values, oldest first. ``quoted`` is the passage the
comment is anchored to, as the service quotes it in plain text: the only part of the anchor
a local export of the document (Markdown) can be matched against, since the service's own
anchor points into its own format.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from .models import Comment, User


class DocComment(BaseModel):
    """One comment thread on a document."""

    model_config = ConfigDict(frozen=True)

    id: str
    body: str
    author: User | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None
    #: Closed in the service (Google: a reply with ``action: resolve``).
    resolved: bool = False
    #: The passage the comment is about, as the service quotes it (None: the whole file).
    quoted: str | None = None
    replies: tuple[Comment, ...] = ()


__all__ = ["DocComment"]
