"""A BibTeX file of 5,000 entries: parsed, indexed, searched as a citekey is typed.

Run: ``python -m bench.references [ENTRIES]``. Writes ENTRIES (5,000) generated entries --
two authors each with LaTeX accents (``M{\\"u}ller``), a title with case-protecting braces
and ``\\&``, a journal, a year, a DOI; names unique to each entry, so the decoder's cache
does not help -- then measures, in process:

* :func:`server.hub.references.bibtex.parse_bib` of the whole text (what the server runs in
  a thread when the file changes);
* the index rebuilt from it, and :meth:`CitationIndex.search` p50 / p99 for every prefix of
  200 citekeys as they are typed (the completion list after ``[@`` or ``\\cite{``).

Figures are printed, never asserted. Goals: a keystroke's search p99 <= 20 ms.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from bench.client import percentiles
from server.hub.references.bibtex import parse_bib
from server.hub.references.index import CitationIndex


def generate(n: int) -> str:
    rng = random.Random(7)
    words = [
        "deep",
        "sparse",
        "robust",
        "graph",
        "neural",
        "learning",
        "type",
        "system",
        "proof",
        "model",
        "query",
    ]
    out = []
    for i in range(n):
        title = " ".join(rng.choice(words) for _ in range(5)).title()
        out.append(
            f"@article{{{rng.choice(words)}{i}{rng.choice(words)},\n"
            f"  author = {{M{{\\\"u}}ller{i}, Hans and Do{{\\'e}}{i}, Jane}},\n"
            f"  title = {{{{{title.split()[0]}}} {' '.join(title.split()[1:])} \\& {i}}},\n"
            f"  journal = {{Journal {i % 50}}},\n  year = {1990 + i % 35},\n"
            f"  doi = {{10.1000/{i}}}\n}}\n\n"
        )
    return "".join(out)


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else 5000
    text = generate(n)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "refs.bib"
        path.write_text(text)
        t = time.perf_counter()
        entries, problems = parse_bib(text, path)
        print(f"parse {n:,} entries: {time.perf_counter() - t:.2f} s ({len(problems)} problems)")
        index = CitationIndex()
        t = time.perf_counter()
        index.refresh_bib([path])
        len(index)
        print(f"index read from disk and merged: {time.perf_counter() - t:.2f} s")
        keys = random.Random(3).sample(sorted(entries), 200)
        times: list[float] = []
        for key in keys:
            for cut in range(1, len(key) + 1):
                t = time.perf_counter()
                index.search(key[:cut], 201)
                times.append(time.perf_counter() - t)
        p50, p99 = percentiles(times)
        print(f"search per keystroke ({len(times):,}): p50 {p50:.2f} ms, p99 {p99:.2f} ms")


if __name__ == "__main__":
    main(sys.argv[1:])
