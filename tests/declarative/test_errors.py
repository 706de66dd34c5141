"""Bad manifests: each says which file, line and key is wrong and what was expected, and
costs only itself -- the other manifests and the installed connectors keep working, and the
problem is listed with the configuration's (the editor's message, ``tieline doctor``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.declarative.load import parse
from connectors.sdk.errors import ManifestError
from connectors.sdk.registry import Registry, default_registry
from server.hub.hub import Hub
from server.hub.store import Store
from tests.declarative.helpers import manifest

URL = "http://127.0.0.1:9"


def broken(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


CASES = {
    # what is wrong -> (edit, what the message must say)
    "toml": (("[endpoints.get]", "[endpoints.get"), ["not valid TOML", "line"]),
    "unknown key": (
        ('path = "/issues/{number}"', 'path = "/issues/{number}"\nselekt = "@"'),
        ["endpoints.get.selekt: unknown key", "expected one of: params, path, select"],
    ),
    "jmespath": (
        ('select = "issues"', 'select = "issues[?"'),
        ["endpoints.list.select: invalid JMESPath 'issues[?'", "expected an expression"],
    ),
    "missing endpoint": (
        ('[endpoints.get]\npath = "/issues/{number}"\n', ""),
        ["endpoints.get: missing (expected a [endpoints.get] table with path)"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_manifest_says_where_and_what(case: str) -> None:
    (old, new), said = CASES[case]
    text = broken(manifest(URL, "cursor"), old, new)
    with pytest.raises(ManifestError) as got:
        parse(text, source="tt.toml")
    message = got.value.message
    for part in said:
        assert part in message, message
    if case == "unknown key":
        assert message.startswith(f"tt.toml:{line_of(text, 'selekt')}:"), message
    if case == "jmespath":
        assert message.startswith(f"tt.toml:{line_of(text, 'issues[?')}:"), message
    if case == "toml":
        assert f"line {line_of(text, '[endpoints.get')}" in message, message


def test_other_mistakes_name_their_key() -> None:
    text = manifest(URL)
    cases = {
        ('type = "bearer"', 'type = "header"'): "needs header",
        ("regex = 'TT-(\\d+)'", "regex = 'TT-\\d+'"): "has no group",
        ('path = "/issues/{number}"', 'path = "/issues/{numbr}"'): "{numbr}",
        ('key = "TT-{number}"', 'key = "TT-{id}"'): "key names {id}",
        ('base_url = "', 'base_url = "ftp:'): "base_url",
    }
    for (old, new), said in cases.items():
        with pytest.raises(ManifestError) as got:
            parse(broken(text, old, new), source="tt.toml")
        assert said in got.value.message, got.value.message


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_discovery_keeps_the_good_and_reports_the_bad(tmp_path: Path) -> None:
    folder = tmp_path / ".tieline" / "connectors"
    write(folder, "a.toml", manifest(URL, id="tt_a", name="A"))
    bad = write(folder, "b.toml", broken(manifest(URL, id="tt_b"), 'select = "@"', 'select = "["'))
    write(folder, "c.toml", manifest(URL, "page", id="tt_c", name="C"))
    clash = write(folder, "d.toml", manifest(URL, id="github"))
    reg = Registry().load_entry_points().discover([folder])
    assert {"tt_a", "tt_c", "github"} <= set(reg.ids()) and "tt_b" not in reg
    assert reg.manifest("github").name == "GitHub"  # never replaced by a file
    by_name = {b.name: b.error for b in reg.broken}
    assert "invalid JMESPath" in by_name[str(bad)], by_name
    assert by_name[str(bad)].startswith("line "), by_name
    assert "installed connector" in by_name[str(clash)]
    assert reg.get("tt_a").manifest().capabilities == ("IssueTracker",)
    # Fixed: found again, and the problem is gone.
    write(folder, "b.toml", manifest(URL, id="tt_b", name="B"))
    reg.discover([folder])
    assert "tt_b" in reg and str(bad) not in {b.name for b in reg.broken}
    # Removed: gone, the others stay.
    (folder / "a.toml").unlink()
    reg.discover([folder])
    assert "tt_a" not in reg and {"tt_b", "tt_c"} <= set(reg.ids())


async def test_the_hub_lists_a_bad_manifest_with_its_problems(tmp_path: Path) -> None:
    root = tmp_path / "app"
    folder = root / ".tieline" / "connectors"
    write(folder, "good.toml", manifest(URL, id="tt_good", name="Good"))
    bad = write(folder, "bad.toml", "id = 'tt_bad'\nname = \n")
    reg = default_registry()
    hub = Hub(store=await Store.open(":memory:"), root=root, registry=reg)
    try:
        assert "tt_good" in hub.registry and "tt_good" in hub.config.connectors
        assert hub.config.connectors["tt_good"].enabled
        problem = next(p for p in hub.state.problems if str(bad) in p)
        assert problem.startswith(f"connector {bad}: not valid TOML"), problem
        assert "line 2" in problem, problem
        assert "github" in hub.registry and not any("github" in p for p in hub.state.problems)
    finally:
        await hub.close()
        hub.registry.discover([])  # the shared registry forgets this workspace's connectors
    assert "tt_good" not in reg


def test_the_commented_example_is_a_valid_manifest() -> None:
    example = Path(__file__).resolve().parents[2] / "connectors" / "declarative" / "example.toml"
    spec = parse(example.read_text(), source=str(example))
    m = spec.manifest()
    assert m.id == "tinytracker" and m.capabilities == ("IssueTracker",)
    assert m.auth.header_for("token") == ("X-TT-Token", "{token}")


def test_a_problem_in_the_second_of_an_array_of_tables_points_at_its_line() -> None:
    text = broken(
        manifest(URL),
        "[[urls]]",
        "[[references]]\nregex = 'BUG-(\\d+'\n\n[[urls]]",
    )
    with pytest.raises(ManifestError) as got:
        parse(text, source="tt.toml")
    line = line_of(text, "BUG-")
    assert got.value.message.startswith(f"tt.toml:{line}: references.1.regex: invalid regex")
    with pytest.raises(ManifestError) as got:
        parse(broken(manifest(URL), "path = '^/issues/(\\d+)$'", "path = '^/issues/\\d+$'"))
    assert "urls.0.path" in got.value.message and "has no group" in got.value.message


def test_the_users_folder_counts_and_a_workspace_wins(tmp_path: Path, tieline_home: Path) -> None:
    from server.hub.paths import connector_dirs

    user = connector_dirs()[0]
    assert user == tieline_home / "config" / "connectors"
    write(user, "tt.toml", manifest(URL, name="Mine"))
    write(user, "other.toml", manifest(URL, id="tt_other", name="Other"))
    root = tmp_path / "app"
    reg = Registry().discover(connector_dirs([root]))
    assert reg.manifest("tinytracker").name == "Mine" and "tt_other" in reg
    write(root / ".tieline" / "connectors", "tt.toml", manifest(URL, name="The team's"))
    reg.discover(connector_dirs([root]))
    assert reg.manifest("tinytracker").name == "The team's" and "tt_other" in reg
