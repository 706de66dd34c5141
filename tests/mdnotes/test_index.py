"""Resolution (Obsidian's rules), backlinks, tags and the rename planner, on vaults held in
memory; the planner's promise -- every link leads where it led -- as a property test."""

from __future__ import annotations

import posixpath

from hypothesis import example, given, settings
from hypothesis import strategies as st

from server.hub.mdnotes import VaultIndex, parse_note
from server.hub.mdnotes.rename import apply_edits, plan_rename
from tests.conftest import examples


def vault(files: dict[str, str]) -> VaultIndex:
    index = VaultIndex()
    for path, text in files.items():
        if path.endswith(".md"):
            index.put(path, parse_note(text))
        else:
            index.put_file(path)
    return index


def test_resolution_rules() -> None:
    v = vault(
        {
            "Home.md": "",
            "a/Note.md": "# Part\n",
            "b/Note.md": "",
            "b/deep/Note.md": "",
            "img.png": "",
            "a/Plan.md": "",
        }
    )
    r = v.resolve_path
    assert r("home", "a/Plan.md") == "Home.md"  # any case
    assert r("Note", "a/Plan.md") == "a/Note.md"  # the linking note's folder first
    assert r("Note", "Home.md") == "a/Note.md"  # else the shortest path, then by name
    assert r("deep/note", "Home.md") == "b/deep/Note.md"  # a path's end
    assert r("b/Note", "a/Plan.md") == "b/Note.md"  # the exact path wins over an end
    assert r("/b/Note.md", "Home.md") == "b/Note.md"
    assert r("../Home", "a/Plan.md") == "Home.md"
    assert r("./Note", "b/deep/x.md") == "b/deep/Note.md"
    assert r("img.png", "Home.md") == "img.png"
    assert r("", "Home.md") == "Home.md"
    assert r("Missing", "Home.md") is None
    assert v.resolve_md_path("../Home.md", "a/Plan.md") == "Home.md"
    assert v.resolve_md_path("Note.md", "Home.md") is None  # a path, not a name


def test_link_text_is_the_shortest_unique() -> None:
    v = vault({"Home.md": "", "a/Note.md": "", "b/Note.md": "", "c/Solo.md": ""})
    assert v.link_text("c/Solo.md", "Home.md") == "Solo"
    assert v.link_text("a/Note.md", "Home.md") == "Note"  # a/ wins the tie anyway
    assert v.link_text("b/Note.md", "Home.md") == "b/Note"
    assert v.link_text("b/Note.md", "b/x.md") == "Note"


def test_backlinks_headings_and_tags() -> None:
    v = vault(
        {
            "Target.md": "# Intro\n#tag/sub here\n",
            "One.md": "[[Target]] and [[Target#intro]] #tag\n",
            "sub/Two.md": "[t](../Target.md#intro) [[Other]]\n",
            "Other.md": "---\ntags: [tag]\n---\n",
        }
    )
    back = [(s, k.line, k.heading) for s, k in v.backlinks("Target.md")]
    assert back == [("One.md", 0, None), ("One.md", 0, "intro"), ("sub/Two.md", 0, "intro")]
    intro = v.notes["Target.md"].headings[0]
    assert [s for s, _ in v.heading_backlinks("Target.md", intro)] == ["One.md", "sub/Two.md"]
    assert v.tags() == {"tag": 2, "tag/sub": 1}
    assert v.tagged("tag") == ["One.md", "Other.md", "Target.md"]
    v.remove("One.md")
    assert [s for s, _ in v.backlinks("Target.md")] == ["sub/Two.md"]
    assert v.tags() == {"tag": 1, "tag/sub": 1}


def test_target_of_headings_and_blocks() -> None:
    v = vault({"N.md": "x\n## My Part\ntext ^b1\n", "S.md": ""})
    links = parse_note("[[N#my part]] [[N#^b1]] [[N#nope]] [m](N.md#my-part)").links
    hits = [v.target(k, "S.md") for k in links]
    assert [(h.path, h.line, h.found) for h in hits if h] == [
        ("N.md", 1, True),
        ("N.md", 2, True),
        ("N.md", 0, False),
        ("N.md", 1, True),
    ]


def renamed(files: dict[str, str], old: str, new: str) -> dict[str, str]:
    v = vault(files)
    plan = plan_rename(v, old, new)
    out = {p: apply_edits(t, plan.edits.get(p, [])) for p, t in files.items()}
    out[new] = out.pop(old)
    return out


def test_rename_rewrites_links_in_their_style() -> None:
    files = {
        "Old.md": "[up](../x.md) [[./Sib]]",
        "Sib.md": "",
        "a/Ref.md": "[[Old]] [[Old#Part|alias]] ![[Old.md]] [[/Old]] "
        "[m](../Old.md#part) [s](<../Old.md>)",
    }
    out = renamed(files, "Old.md", "sub/New name.md")
    assert out["a/Ref.md"] == (
        "[[New name]] [[New name#Part|alias]] ![[New name.md]] [[/sub/New name]] "
        "[m](../sub/New%20name.md#part) [s](<../sub/New name.md>)"
    )
    assert out["sub/New name.md"] == "[up](../x.md) [[../Sib]]"  # x.md is no file: kept


def test_rename_keeps_other_links_where_they_led() -> None:
    files = {"a/Old.md": "", "b/Plan.md": "", "a/Here.md": "[[Plan]] [[Old]]"}
    out = renamed(files, "a/Old.md", "a/Plan.md")
    assert out["a/Here.md"] == "[[b/Plan]] [[Plan]]"


def test_moving_keeps_a_bare_name() -> None:
    v = vault({"Old.md": "", "R.md": "[[Old]]"})
    assert plan_rename(v, "Old.md", "deep/Old.md").count == 0


FOLDERS = ["", "a/", "b/", "a/c/"]
NAMES = ["N", "M", "n", "Q r"]
Case = tuple[dict[str, str], str, str]


def _path(folder: str, name: str) -> str:
    return f"{folder}{name}.md"


@st.composite
def vaults(draw: st.DrawFn) -> Case:
    paths = sorted(
        draw(
            st.sets(
                st.builds(_path, st.sampled_from(FOLDERS), st.sampled_from(NAMES)),
                min_size=2,
                max_size=7,
            )
        ),
        key=str.casefold,
    )
    paths = list({p.casefold(): p for p in paths}.values())  # one spelling per path
    files: dict[str, str] = {}
    for p in paths:
        links = []
        for _ in range(draw(st.integers(0, 4))):
            target = draw(st.sampled_from(paths))
            name = posixpath.basename(target)[:-3]
            form = draw(st.sampled_from(["bare", "full", "md", "rel", "mdlink", "abs"]))
            if form == "bare":
                links.append(f"[[{name}]]")
            elif form == "full":
                links.append(f"[[{target[:-3]}#h|x]]")
            elif form == "md":
                links.append(f"![[{name}.md]]")
            elif form == "abs":
                links.append(f"[[/{target[:-3]}]]")
            elif form == "rel":
                rel = posixpath.relpath(target, posixpath.dirname(p) or ".")[:-3]
                links.append(f"[[{rel if rel.startswith('../') else './' + rel}]]")
            else:
                rel = posixpath.relpath(target, posixpath.dirname(p) or ".")
                links.append(f"[l]({rel.replace(' ', '%20')})")
        files[p] = " ".join(links)
    old = draw(st.sampled_from(paths))
    taken = {p.casefold() for p in paths}
    new = draw(
        st.builds(_path, st.sampled_from([*FOLDERS, "d/"]), st.sampled_from(NAMES)).filter(
            lambda q: q.casefold() not in taken
        )
    )
    return files, old, new


@settings(max_examples=examples(400))
@given(vaults())
@example(
    ({"a/Old.md": "", "b/Plan.md": "", "a/Here.md": "[[Plan]] [[Old]]"}, "a/Old.md", "a/Plan.md")
)
@example(({"Old.md": "", "sub/New.md": "", "R.md": "[[/Old]]"}, "Old.md", "New.md"))  # the root
def test_rename_keeps_every_link_leading_where_it_led(case: Case) -> None:
    files, old, new = case
    before = vault(files)
    led = {
        (p, i): before.resolve_link(k, p)
        for p, n in before.notes.items()
        for i, k in enumerate(n.links)
    }
    after = vault(renamed(files, old, new))
    for (p, i), was in led.items():
        if was is None:
            continue
        p2 = new if p == old else p
        link = after.notes[p2].links[i]
        assert after.resolve_link(link, p2) == (new if was == old else was), (p, i, link)


@settings(max_examples=examples(200))
@given(
    names=st.lists(st.text(alphabet="abc d", min_size=1, max_size=6), max_size=20),
    query=st.text(alphabet="abc d", max_size=3),
    limit=st.integers(1, 8),
)
def test_completion_names_find_what_a_scan_finds(names: list[str], query: str, limit: int) -> None:
    """The joined-string search of completion ranks as a plain scan would: names starting
    with the query, then holding it, then paths holding it, each in the list's order."""
    from server.lsp.features.wikilinks import Names

    entries = sorted(
        ((n.casefold(), f"f/{n}.md".casefold(), f"f/{n}.md", None) for n in names),
        key=lambda t: (len(t[0]), t[1]),
    )
    got, more = Names(entries).find(query, limit)
    if not query:
        want = list(range(len(entries)))
    else:
        ranks = [
            [k for k, e in enumerate(entries) if e[0].startswith(query)],
            [k for k, e in enumerate(entries) if query in e[0]],
            [k for k, e in enumerate(entries) if query in e[1]],
        ]
        want = list(dict.fromkeys(k for rank in ranks for k in rank))
    assert got == want[:limit] and more == (len(want) > limit)


def test_heading_rename_updates_the_heading_and_its_links() -> None:
    from server.hub.mdnotes.rename import plan_heading_rename

    files = {
        "N.md": "# Top\n## My Part\ntext\n",
        "A.md": "[[N#My Part|x]] [[N#top#my part]] [[N#Other]] "
        "[a](N.md#my-part) [b](N.md#My%20Part)",
    }
    v = vault(files)
    heading = v.notes["N.md"].headings[1]
    plan = plan_heading_rename(v, "N.md", heading, "New: part")
    out = {p: apply_edits(t, plan.edits.get(p, [])) for p, t in files.items()}
    assert out["N.md"] == "# Top\n## New: part\ntext\n"
    assert out["A.md"] == (
        "[[N#New part|x]] [[N#top#New part]] [[N#Other]] [a](N.md#new-part) [b](N.md#New:%20part)"
    )
    after = vault(out)
    new = after.notes["N.md"].headings[1]
    assert len(list(after.heading_backlinks("N.md", new))) == 4
