"""Scanning a large document for references and turning them into lens/link data.

Run: ``python -m bench.lenses``. For a 5,000-line file with 1,000 references in Python,
TypeScript and Markdown it prints the time for:

* cold      -- a new scanner and rule set, lexer not yet loaded (the first open);
* same      -- the same (uri, version) again (hover, links and lenses of one version);
* edit      -- a new version with one line changed in a comment (typing);
* edit+delim -- a new version whose changed line holds a string delimiter, which forces a
               full re-lex (see server.hub.refs.lexing);

each followed by building one DocumentLink and one CodeLens per reference (lsprotocol).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from lsprotocol import types

from connectors.sdk.manifest import Manifest
from connectors.sdk.models import RepoRef
from server.hub.autolinks import load_autolinks
from server.hub.refs import Reference, ReferenceScanner, RuleSet, ScanContext, lexing

ROOT = Path(__file__).resolve().parents[1]
LINES = 5000
REFS = 1000


def python_doc() -> list[str]:
    block = [
        "def handler_{i}(request):",
        '    """Handle it; see #{a} and acme/lib#{b}."""',
        "    value = request.get('key') + 1  # fixes GH-{c}",
        "    return compute(value, ABC-{d})",
        "",
    ]
    return _fill(block, refs_per_block=4)


def typescript_doc() -> list[str]:
    block = [
        "export function handler{i}(req: Request): number {{",
        "  // see #{a} and acme/lib#{b}",
        "  const v = req.get('GH-{c}') + 1; /* ABC-{d} */",
        "  return v;",
        "}}",
    ]
    return _fill(block, refs_per_block=4)


def markdown_doc() -> list[str]:
    block = [
        "## Section {i}",
        "",
        "Fixed in #{a}, follow-up in acme/lib#{b}.",
        "See https://github.com/acme/app/pull/{c} and ABC-{d}.",
        "",
    ]
    return _fill(block, refs_per_block=4)


def _fill(block: list[str], refs_per_block: int) -> list[str]:
    out: list[str] = []
    i = 0
    refs = 0
    while len(out) < LINES:
        with_refs = refs < REFS
        for line in block:
            if not with_refs:
                line = line.replace("#{a}", "it").replace("#{b}", "it")
                line = line.replace("GH-{c}", "x").replace("ABC-{d}", "y")
                line = line.replace("pull/{c}", "").replace("acme/lib", "")
            out.append(line.format(i=i, a=i % 900 + 1, b=i + 1, c=i + 2, d=i + 3))
        refs += refs_per_block
        i += 1
    return out[:LINES]


def rules() -> RuleSet:
    manifest = Manifest.load(ROOT / "connectors" / "github" / "manifest.toml")
    links = load_autolinks([{"pattern": r"ABC-(\d+)", "url": "https://t.example.com/ABC-{1}"}])
    return RuleSet.from_manifest(manifest, autolinks=links.rules)


def lens_and_links(refs: list[Reference]) -> tuple[list[types.DocumentLink], list[types.CodeLens]]:
    links: list[types.DocumentLink] = []
    lenses: list[types.CodeLens] = []
    for r in refs:
        rng = types.Range(
            start=types.Position(line=r.range.line, character=r.range.start),
            end=types.Position(line=r.range.line, character=r.range.end),
        )
        links.append(types.DocumentLink(range=rng, target=r.url))
        lenses.append(types.CodeLens(range=rng, data={"ref": r.text}))
    return links, lenses


def ms(fn: Callable[[], object], repeat: int = 1) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def measure(language: str, lines: list[str], comment: str, ctx: ScanContext) -> str:
    """One row of the table for one language."""
    lexing._lexers.clear()
    scanner = ReferenceScanner(rules())
    uri = f"file:///bench/doc.{language}"
    scan = partial(scanner.scan, language_id=language, uri=uri, context=ctx)
    text = "\n".join(lines)
    cold = ms(partial(scan, text, version=1))
    refs = scan(text, version=1)
    same = ms(partial(scan, text, version=1), repeat=5)

    edits: list[float] = []
    delims: list[float] = []
    current = list(lines)
    version = 1
    for k in range(5):
        # Each version differs from the previous one in exactly one line, as when typing.
        for target, new_line, bucket in (
            (2500 + 5 * k, comment + f" #{k + 1}", edits),  # a "def"/"export" line
            (2604 + 5 * k, comment + ' "quoted"', delims),  # a blank line
        ):
            version += 1
            current[target] = new_line
            bucket.append(ms(partial(scan, "\n".join(current), version=version)))
    build = ms(partial(lens_and_links, refs), repeat=5)
    return (
        f"{language:<11}{len(refs):>6}{cold:>9.1f}{same:>9.3f}{statistics.median(edits):>9.1f}"
        f"{statistics.median(delims):>12.1f}{build:>12.1f}"
    )


def main() -> None:
    repo = RepoRef(host="github.com", owner="acme", name="app")
    ctx = ScanContext.single(repo, highest=1000)
    print(f"{LINES} lines, ~{REFS} references; times in ms (median of 5 where repeated)")
    print(
        f"{'language':<11}{'refs':>6}{'cold':>9}{'same':>9}{'edit':>9}"
        f"{'edit+delim':>12}{'lens+links':>12}"
    )
    for language, make, comment in (
        ("python", python_doc, "    # typing here"),
        ("typescript", typescript_doc, "  // typing here"),
        ("markdown", markdown_doc, "typing here"),
    ):
        print(measure(language, make(), comment, ctx))


if __name__ == "__main__":
    main()
