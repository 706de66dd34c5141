"""Hosted pages (Notion, Confluence) as Markdown files in the workspace.

:mod:`.markdown` converts between Markdown and the neutral block tree of
:mod:`connectors.sdk.pages` (and reads/writes the front matter naming a file's page);
:mod:`.sync` imports a page tree into a folder and exports a Markdown file back to a page,
coding against the sdk :class:`~connectors.sdk.capabilities.Pages` capability alone.
"""

from __future__ import annotations
