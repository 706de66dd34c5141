"""A connector for Tieline's own test service (tests/standin/synthetic.py), written only
against the sdk: the hub's generic tests and the capability contract suite run through it,
so generic behaviour is not tested through GitHub alone."""
