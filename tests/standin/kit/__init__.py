"""The stand-in kit: what every local service stand-in shares.

A service's stand-in (``tests/standin/<service>.py``) is a ``StandIn`` subclass that supplies
only its state, its routes (a ``Router``), its auth rule, its error body and its rate-limit
headers; the kit does the HTTP server, contract checking, request log, faults, ETag/304,
budgets and pagination. ``tests/standin/synthetic.py`` is the smallest complete example.
"""

from .contract import Contract, GraphQLContract, OpenAPIContract, build_seconds
from .fixtures import serving, standin_fixture
from .paging import (
    Window,
    connection,
    keyset_pages,
    link_header,
    link_pages,
    offset_body,
    page_window,
    token_body,
)
from .request import BadRequest, Json, Reply, Request, Response, Router
from .server import FAULT_KINDS, Fault, LoggedRequest, Quota, StandIn

__all__ = [
    "FAULT_KINDS",
    "BadRequest",
    "Contract",
    "Fault",
    "GraphQLContract",
    "Json",
    "LoggedRequest",
    "OpenAPIContract",
    "Quota",
    "Reply",
    "Request",
    "Response",
    "Router",
    "StandIn",
    "Window",
    "build_seconds",
    "connection",
    "keyset_pages",
    "link_header",
    "link_pages",
    "offset_body",
    "page_window",
    "serving",
    "standin_fixture",
    "token_body",
]
