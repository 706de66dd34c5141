"""Structured logging to stderr and a rotating file, with secrets filtered from every record.

stdout belongs to the LSP stream, so nothing here ever writes to it. Each line is one JSON
object (time, level, logger, message, and any ``extra`` fields), which ``doctor`` and support
tooling can parse; the redaction filter runs on the *formatted* message so a secret passed as
a ``%s`` argument is caught too.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import sys
import time
from pathlib import Path
from typing import Any, Literal

from connectors.sdk.redact import redact

from . import paths

_STD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class RedactingFilter(logging.Filter):
    """Render the message now and mask secrets in it, its args and its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            msg = f"{record.msg!r} {record.args!r}"
        record.msg = redact(msg)
        record.args = None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for k, v in record.__dict__.items():
            if k not in _STD and not k.startswith("_"):
                out[k] = v if isinstance(v, int | float | bool | None) else redact(str(v))
        if record.exc_text:
            out["exc"] = record.exc_text
        return json.dumps(out, ensure_ascii=False)


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files are readable by their owner only: secrets are filtered,
    but issue titles and repository names are still the user's business."""

    def _open(self):  # type: ignore[no-untyped-def]
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.chmod(self.baseFilename, 0o600)
        return open(fd, self.mode.replace("w", "a"), encoding=self.encoding)


def setup_logging(
    level: str = "info", *, to_file: bool = True, terminal: Literal["json", "plain"] = "json"
) -> Path | None:
    """Configure the ``tieline`` logger tree (and pygls') once per process.

    ``terminal="json"`` (the server): every record as JSON on stderr, which editors show in
    their output channel. ``"plain"`` (a command at a terminal, which prints its own
    messages): only errors reach stderr, as one line of text; the file gets everything.
    """
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    redacting = RedactingFilter()
    formatter = JsonFormatter()

    stderr = logging.StreamHandler(sys.stderr)
    stderr.addFilter(redacting)
    if terminal == "json":
        stderr.setFormatter(formatter)
    else:
        stderr.setFormatter(logging.Formatter("tieline: %(message)s"))
        stderr.setLevel(logging.ERROR)
    root.addHandler(stderr)

    logfile: Path | None = None
    if to_file:
        try:
            logfile = paths.ensure(paths.log_dir()) / "tieline.log"
            fh = PrivateRotatingFileHandler(
                logfile, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
            )
            fh.addFilter(redacting)
            fh.setFormatter(formatter)
            root.addHandler(fh)
        except OSError as exc:
            logging.getLogger("tieline").warning("log file unavailable: %s", exc)
            logfile = None
    root.setLevel(logging.WARNING)
    logging.getLogger("tieline").setLevel(level.upper())
    logging.getLogger("pygls").setLevel(logging.WARNING)
    return logfile
