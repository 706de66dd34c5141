"""Google Workspace connector: Calendar and Gmail for one Google account."""
