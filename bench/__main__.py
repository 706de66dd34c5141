"""``python -m bench`` (``make bench``): run every benchmark in turn."""

from __future__ import annotations

import asyncio

from . import repoll

print("== repoll ==")
asyncio.run(repoll.main())
