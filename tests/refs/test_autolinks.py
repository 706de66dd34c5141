"""Autolink rules from config: validated, never fatal, URL-safe."""

from __future__ import annotations

import pytest

from server.hub.autolinks import AutolinkError, load_autolinks, parse_rule
from server.hub.refs import RuleSet, scan


def test_numbered_named_and_whole_match_placeholders() -> None:
    rule = parse_rule(
        {"pattern": r"(?P<proj>[A-Z]{2,5})-(\d+)", "url": "https://t.test/{proj}/{2}?q={0}&x={{}}"}
    )
    m = rule.regex.search("see ABC-12.")
    assert m is not None
    assert rule.url_for(m) == "https://t.test/ABC/12?q=ABC-12&x={}"


def test_values_are_percent_encoded() -> None:
    rule = parse_rule({"pattern": r"T\[(.+?)\]", "url": "https://t.test/{1}"})
    m = rule.regex.search("T[a/../b?c#d]")
    assert m is not None
    assert rule.url_for(m) == "https://t.test/a%2F..%2Fb%3Fc%23d"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"pattern": "ABC-(\\d+", "url": "https://t.test/{1}"}, "not a valid regex"),
        ({"pattern": "x*", "url": "https://t.test/"}, "matches empty text"),
        ({"pattern": "A-(\\d+)", "url": "https://t.test/{2}"}, "has 1 group"),
        ({"pattern": "A-(\\d+)", "url": "https://t.test/{nope}"}, "no such group"),
        ({"pattern": "A-(\\d+)", "url": "https://t.test/{1"}, "unbalanced brace"),
        ({"pattern": "A-(\\d+)", "url": "javascript:alert({1})"}, "http(s) URL"),
        ({"pattern": "A-(\\d+)"}, "http(s) URL"),
        ({"url": "https://t.test/"}, "'pattern'"),
        ({"pattern": "A", "url": "https://t.test/", "colour": 1}, "unknown key"),
        ("ABC", "expected a table"),
    ],
)
def test_bad_rules_are_explained(raw: object, message: str) -> None:
    with pytest.raises(AutolinkError, match="autolink"):
        parse_rule(raw)  # type: ignore[arg-type]
    loaded = load_autolinks([raw, {"pattern": "OK-(\\d+)", "url": "https://ok.test/{1}"}])
    assert len(loaded.rules) == 1
    assert len(loaded.problems) == 1 and message in loaded.problems[0]
    assert loaded.problems[0].startswith("autolinks[0]: ")


def test_not_a_list() -> None:
    assert load_autolinks(None).rules == ()
    assert load_autolinks({"pattern": "x"}).problems == (
        "autolinks: expected a list of [[autolinks]] tables",
    )


def test_autolinks_work_without_a_connector() -> None:
    links = load_autolinks([{"pattern": r"INC(\d{4,})", "url": "https://ops.test/incident/{1}"}])
    rules = RuleSet(autolinks=links.rules)
    refs = scan("// INC12345, xINC1234, INC123\n", rules, language_id="go")
    assert [(r.text, r.url) for r in refs] == [("INC12345", "https://ops.test/incident/12345")]
