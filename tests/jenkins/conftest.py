"""A fresh Jenkins stand-in per test; any request its documented shapes reject fails the test."""

from __future__ import annotations

from tests.standin.jenkins import JenkinsStandIn
from tests.standin.kit import standin_fixture

jenkins = standin_fixture(JenkinsStandIn, name="jenkins")
