"""Terminal control sequences out of CI logs.

CI runners write for a terminal: colours (``ESC[31m``), cursor moves, OSC hyperlinks and
titles, and progress bars that redraw a line with ``\\r``. An editor document shows none of
that, and an error's ``path:line`` must be matched without colour codes splitting it.
A regex over ECMA-48 is the whole job; the PyPI packages that do it (``strip-ansi``,
``stransi``) are single regexes too, so a dependency would buy nothing.
"""

from __future__ import annotations

import re

# OSC (ESC ] ... BEL or ESC \), then CSI (ESC [ params intermediates final), then the other
# two-byte escapes (ESC followed by one character of @-_ or a charset designation), and
# the 8-bit CSI (0x9b) some runners emit.
_SEQUENCE = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x1b[()][0-9A-Za-z]"
    r"|\x1b[@-Z\\-_]"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip(text: str) -> str:
    """``text`` without escape sequences or stray control characters, each line as a terminal
    would leave it after ``\\r`` redraws (the text after the last bare ``\\r``)."""
    text = _SEQUENCE.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            text = "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))
    return _CONTROL.sub("", text)


__all__ = ["strip"]
