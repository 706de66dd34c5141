"""CalDAV connector: calendars of any standard calendar server (RFC 4791, RFC 6578)."""
