"""Workspace tasks: found in each folder's ``.vscode/tasks.json``, Makefile,
``package.json`` and justfile (:mod:`.discover`), run as subprocesses in their own process
group with their output streamed to a document (:mod:`.runner`, :mod:`.output`), and the
``path:line`` errors they print turned into failures with the CI failure parser
(:mod:`.board`). Nothing here knows LSP; the editor side is
:mod:`server.lsp.features.tasks`.
"""
