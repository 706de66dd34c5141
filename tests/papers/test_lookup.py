"""The paper desk: dispatch by scheme (specialist first, Semantic Scholar after), the cache
(LRU, time to live, "not found" remembered for less long), shared in-flight lookups, and
errors: a source that fails is passed over, and its error surfaces only when nobody knew."""

from __future__ import annotations

import asyncio

import pytest

from connectors.sdk import NotFound, RateLimited, ServiceError
from connectors.sdk.papers import Paper, PaperId, PaperScheme
from server.hub.papers import PaperCache, PaperDesk, Source

ARXIV = PaperId(scheme="arxiv", value="1706.03762")
DOI = PaperId(scheme="doi", value="10.1038/srep16696")


class Fake:
    def __init__(
        self, name: str, schemes: set[PaperScheme], knows: set[str], fail: Exception | None = None
    ) -> None:
        self.name = name
        self.schemes = frozenset(schemes)
        self.knows = knows
        self.fail = fail
        self.asked: list[PaperId] = []
        self.gate: asyncio.Event | None = None

    def paper_schemes(self) -> frozenset[PaperScheme]:
        return self.schemes

    async def paper(self, ref: PaperId) -> Paper:
        self.asked.append(ref)
        if self.gate is not None:
            await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        if ref.value not in self.knows:
            raise NotFound(f"{self.name}: no {ref}")
        return Paper(id=ref, title=f"{ref.value} from {self.name}", source=self.name)


def desk_of(*fakes: Fake, cache: PaperCache | None = None) -> PaperDesk:
    return PaperDesk(lambda: [Source(f.name, f) for f in fakes], cache=cache)


async def test_specialist_first_then_fallback() -> None:
    s2 = Fake("s2", {"arxiv", "doi", "s2"}, {ARXIV.value, DOI.value})
    arxiv = Fake("arxiv", {"arxiv"}, {ARXIV.value})
    crossref = Fake("crossref", {"doi"}, set())
    desk = desk_of(s2, arxiv, crossref)  # registry order does not matter
    assert (await desk.lookup(ARXIV)).source == "arxiv"
    assert s2.asked == []
    assert (await desk.lookup(DOI)).source == "s2"  # Crossref did not know it
    assert crossref.asked == [DOI] and s2.asked == [DOI]


async def test_answers_and_misses_are_cached() -> None:
    now = [0.0]
    cache = PaperCache(ttl=100, miss_ttl=10, clock=lambda: now[0])
    arxiv = Fake("arxiv", {"arxiv"}, {ARXIV.value})
    desk = desk_of(arxiv, cache=cache)
    await desk.lookup(ARXIV)
    await desk.lookup(ARXIV)
    missing = PaperId(scheme="arxiv", value="0000.0000")
    for _ in range(2):
        with pytest.raises(NotFound):
            await desk.lookup(missing)
    assert arxiv.asked == [ARXIV, missing]
    assert desk.cached(ARXIV) is not None
    now[0] = 11  # the miss has expired, the answer not
    with pytest.raises(NotFound):
        await desk.lookup(missing)
    await desk.lookup(ARXIV)
    assert arxiv.asked == [ARXIV, missing, missing]
    now[0] = 101
    await desk.lookup(ARXIV)
    assert arxiv.asked.count(ARXIV) == 2


def test_cache_is_an_lru() -> None:
    cache = PaperCache(size=2)
    a, b, c = (Paper(id=PaperId(scheme="s2", value=v), title=v) for v in "abc")
    cache.put("a", a)
    cache.put("b", b)
    assert cache.get("a") == (True, a)  # a is now the most recent
    cache.put("c", c)
    assert cache.get("b") == (False, None)
    assert cache.get("a")[0] and cache.get("c")[0] and len(cache) == 2


async def test_same_id_at_once_is_one_call() -> None:
    arxiv = Fake("arxiv", {"arxiv"}, {ARXIV.value})
    arxiv.gate = asyncio.Event()
    desk = desk_of(arxiv)
    tasks = [asyncio.create_task(desk.lookup(ARXIV)) for _ in range(3)]
    await asyncio.sleep(0)
    arxiv.gate.set()
    papers = await asyncio.gather(*tasks)
    assert len(arxiv.asked) == 1 and all(p == papers[0] for p in papers)


async def test_a_failing_specialist_is_passed_over() -> None:
    limited = RateLimited("arXiv: rate limited", retry_at=0.0)
    arxiv = Fake("arxiv", {"arxiv"}, {ARXIV.value}, fail=limited)
    s2 = Fake("s2", {"arxiv", "doi", "s2"}, {ARXIV.value})
    assert (await desk_of(arxiv, s2).lookup(ARXIV)).source == "s2"


async def test_the_error_surfaces_when_nobody_answered() -> None:
    limited = RateLimited("S2: rate limited", retry_at=0.0)
    arxiv = Fake("arxiv", {"arxiv"}, set())
    s2 = Fake("s2", {"arxiv", "doi", "s2"}, set(), fail=limited)
    desk = desk_of(arxiv, s2)
    with pytest.raises(RateLimited):
        await desk.lookup(ARXIV)
    s2.fail = None
    s2.knows.add(ARXIV.value)
    assert (await desk.lookup(ARXIV)).source == "s2"  # a rate limit is not cached


async def test_no_source_for_a_scheme() -> None:
    with pytest.raises(NotFound, match="no installed connector"):
        await desk_of(Fake("arxiv", {"arxiv"}, set())).lookup(DOI)


async def test_a_caller_giving_up_does_not_stop_the_lookup() -> None:
    """A hover's time limit cancels its wait, not the call: the next hover finds the answer."""
    arxiv = Fake("arxiv", {"arxiv"}, {ARXIV.value})
    arxiv.gate = asyncio.Event()
    desk = desk_of(arxiv)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(desk.lookup(ARXIV), 0.01)
    arxiv.gate.set()
    for _ in range(100):
        if desk.cached(ARXIV) is not None:
            break
        await asyncio.sleep(0)
    assert desk.cached(ARXIV) is not None
    assert (await desk.lookup(ARXIV)).source == "arxiv" and len(arxiv.asked) == 1


async def test_a_broken_connector_is_passed_over() -> None:
    broken = Fake("broken", {"arxiv"}, {ARXIV.value}, fail=KeyError("oops"))
    s2 = Fake("s2", {"arxiv", "doi", "s2"}, {ARXIV.value})
    assert (await desk_of(broken, s2).lookup(ARXIV)).source == "s2"
    with pytest.raises(ServiceError, match=r"broken failed looking up arxiv:1706\.03762: KeyError"):
        await desk_of(broken).lookup(ARXIV)
