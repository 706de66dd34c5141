"""Tieline's web side: the public REST API (:mod:`.api`) and what serves it over HTTP."""
