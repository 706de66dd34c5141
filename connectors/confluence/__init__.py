"""Confluence Cloud (REST v2) and Data Center (REST v1) connector."""
