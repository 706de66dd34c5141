"""Fresh Jira stand-ins per test (Cloud and Data Center); any request their contract
rejects fails the test."""

from __future__ import annotations

from tests.standin.jira import JiraDCStandIn, JiraStandIn
from tests.standin.kit import standin_fixture

jira = standin_fixture(JiraStandIn, name="jira")
jira_dc = standin_fixture(JiraDCStandIn, name="jira_dc")
