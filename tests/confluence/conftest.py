"""Fresh Confluence stand-ins per test (Cloud and Data Center); any request their documented
shapes reject fails the test."""

from __future__ import annotations

from tests.standin.confluence import ConfluenceDCStandIn, ConfluenceStandIn
from tests.standin.kit import standin_fixture

confluence = standin_fixture(ConfluenceStandIn, name="confluence")
confluence_dc = standin_fixture(ConfluenceDCStandIn, name="confluence_dc")
