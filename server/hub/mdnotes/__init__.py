"""Markdown vaults (Obsidian-style folders of notes): links, headings, blocks and tags of
every note, kept in memory so an editor's completion, backlinks and renames answer at once.

No service is involved: a vault is a folder on disk. :mod:`.parse` reads one note's text
(wikilinks ``[[note#heading|alias]]``, embeds ``![[...]]``, Markdown links to ``.md`` files,
headings, ``^block`` ids, ``#tags`` and front-matter ``tags:``/``aliases:``);
:mod:`.index` holds a vault's notes and resolves links the way Obsidian does;
:mod:`.rename` plans the edits a note's rename makes to every link; :mod:`.vaults` finds
vaults and reads their files (off the event loop: it blocks on the disk).

Positions are LSP's: zero-based lines, columns in UTF-16 code units, computed once when a
note is parsed so that nothing later needs the note's text to answer with a range.
"""

from __future__ import annotations

from .index import VaultIndex
from .parse import Heading, Link, Note, Tag, parse_note

__all__ = ["Heading", "Link", "Note", "Tag", "VaultIndex", "parse_note"]
