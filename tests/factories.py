"""Small builders for test data in the sdk's models."""

from __future__ import annotations

from connectors.sdk.models import ItemKind, ItemRef, RepoRef


def numbered(
    repo: RepoRef, number: int, *, connector: str = "github", pull: bool = False
) -> ItemRef:
    """The ref of ``#number`` in ``repo`` (``!number`` for a GitLab merge request)."""
    sigil = "!" if pull and connector == "gitlab" else "#"
    kind = ItemKind.PULL_REQUEST if pull else ItemKind.ISSUE
    return ItemRef.numbered(connector, repo, number, sigil=sigil, kind=kind)
