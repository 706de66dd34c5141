"""Drive comments (a Google Doc's margin comments) as connector values.

The sdk's :class:`~connectors.sdk.doccomments.DocComment` (the ``DocComments`` capability):
a thread whose replies are sdk :class:`~connectors.sdk.models.Comment` values, ``quoted``
Drive's ``quotedFileContent.value`` (plain text for a Google Doc, whatever its own anchor).
``resolved`` follows Drive's: a reply with ``action: resolve`` closes the thread,
``reopen`` opens it again. Deleted replies (which keep
no words) are left out.
"""

from __future__ import annotations

from connectors.sdk.doccomments import DocComment
from connectors.sdk.models import Comment, User

from .drive import rfc3339
from .models import GComment, GReply, GUser


def user(u: GUser | None) -> User | None:
    if u is None or not (u.email_address or u.display_name):
        return None
    login = u.email_address or u.display_name or ""
    return User(login=login, name=u.display_name, avatar_url=u.photo_link, handle=False)


def reply(r: GReply) -> Comment:
    return Comment(
        id=r.id, body=r.content, author=user(r.author), created_at=rfc3339(r.created_time)
    )


def comment(c: GComment) -> DocComment:
    return DocComment(
        id=c.id,
        body=c.content,
        author=user(c.author),
        created_at=rfc3339(c.created_time),
        modified_at=rfc3339(c.modified_time),
        resolved=c.resolved,
        quoted=c.quoted_file_content.value if c.quoted_file_content else None,
        replies=tuple(reply(r) for r in c.replies if not r.deleted),
    )


__all__ = ["DocComment", "comment", "reply", "user"]
