"""Tieline's loopback HTTP side, started on demand beside the language server: the OAuth
redirect receiver, the public REST API, the webhook inbox, management pages and embeddable
widgets. It may import the hub; the hub never imports it (except lazily, to start it)."""
