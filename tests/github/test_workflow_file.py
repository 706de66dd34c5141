"""``workflow_dispatch`` inputs read from workflow files, in every spelling GitHub accepts."""

from __future__ import annotations

import pytest

from connectors.github.workflow_file import dispatch_inputs


@pytest.mark.parametrize(
    "text",
    [
        "on: workflow_dispatch\njobs: {}\n",
        "on: [push, workflow_dispatch]\n",
        "on:\n  workflow_dispatch:\n",
        "'on':\n  workflow_dispatch: {}\n",  # quoted: a string key, not YAML 1.1's True
        "true:\n  workflow_dispatch:\n",
    ],
)
def test_dispatchable_without_inputs(text: str) -> None:
    assert dispatch_inputs(text) == ()


@pytest.mark.parametrize(
    "text",
    [
        "on: push\n",
        "on: [push, pull_request]\n",
        "on:\n  schedule:\n    - cron: '0 0 * * *'\n",
        "name: no events\n",
        "- a list\n",
        "on: [unclosed\n",  # invalid YAML: GitHub will not run it either
        "",
    ],
)
def test_not_dispatchable(text: str) -> None:
    assert dispatch_inputs(text) is None


def test_inputs_in_their_declared_order_with_types_and_defaults() -> None:
    text = """\
on:
  workflow_dispatch:
    inputs:
      tag:
        required: "true"
      verbose:
        type: boolean
        default: true
      region:
        type: choice
        options: [eu, us]
      env:
        type: environment
      bare:
      odd:
        type: secret-ish
"""
    got = dispatch_inputs(text)
    assert got is not None
    assert [(i.name, i.type, i.required, i.default, i.options) for i in got] == [
        ("tag", "string", True, None, ()),
        ("verbose", "boolean", False, "true", ()),
        ("region", "choice", False, None, ("eu", "us")),
        ("env", "environment", False, None, ()),
        ("bare", "string", False, None, ()),
        ("odd", "string", False, None, ()),
    ]
