"""The command line's exit codes (documented in the README), in one module every CLI part
imports -- so no two CLI modules import each other for them."""

from __future__ import annotations

EXIT_OK = 0  # success
EXIT_PROBLEM = 1  # the command ran and found a problem (doctor with a failing connector)
EXIT_USAGE = 2  # usage error: unknown command, service or option
EXIT_AUTH = 3  # authentication failed or was refused
EXIT_CONFIG = 4  # configuration error
EXIT_NOT_FOUND = 5  # what the command names does not exist (an item, a job, CI for the branch)
EXIT_PENDING = 6  # the pipeline is still running (``ci`` without --watch)
EXIT_SECRET = 7  # refused: what was to be saved looks like it holds a secret (``snippets add``)
