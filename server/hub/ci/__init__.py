"""CI across providers: pipelines of the watched branches, their logs and their failures.

Service-neutral: everything here reads :mod:`connectors.sdk.ci` models through the
``Pipelines`` and ``PipelineControl`` capabilities, whichever connector gave them.

- :mod:`.ids`: how pipelines, jobs, triggers and ``tieline-log:`` URIs are named outside
  the hub (every part of the ref kept, so they parse back without a look-up);
- :mod:`.board`: every session's CI merged per branch, items by id, actions and triggers
  checked against what the item allows (the sync itself is
  :class:`~server.hub.sync.syncers.PipelineRuns`);
- :mod:`.logs`: job logs read in the background, followed while running, stripped
  (:mod:`.ansi`), the failing step first, in pages;
- :mod:`.failures`: the ``path:line`` a failed job's log points at in this checkout
  (:mod:`.workspace` maps the CI machine's paths);
- :mod:`.diagnostics`: a failed pipeline's failures per file, kept until the next run of
  that pipeline passes (published by :mod:`server.lsp.features.ci_diagnostics`).
"""
