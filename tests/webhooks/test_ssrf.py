"""The SSRF guard: which addresses pass, names that resolve to private ranges, and DNS
rebinding between the check and the connection. Refused addresses are never connected to
(the resolver here is the test's, so no traffic leaves the machine)."""

from __future__ import annotations

import pytest

from server.hub.webhooks import AddressRefused, Outcome
from server.hub.webhooks.sender import Sender
from server.hub.webhooks.ssrf import AddressPolicy, Guard

from .conftest import Kit
from .receiver import Receiver


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "10.255.255.254",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared address space (CGNAT)
        "224.0.0.251",  # multicast
        "0.0.0.0",
        "240.0.0.1",  # reserved
        "192.0.2.10",  # documentation
        "fc00::1",
        "fe80::1",
        "ff02::1",
        "::",
        "::ffff:10.0.0.1",  # IPv4-mapped private
        "::ffff:169.254.169.254",
    ],
)
def test_refused_addresses(address: str) -> None:
    assert AddressPolicy().refusal(address) is not None
    with pytest.raises(AddressRefused, match="may not connect"):
        AddressPolicy().check("h", [address])


@pytest.mark.parametrize("address", ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"])
def test_loopback_passes(address: str) -> None:
    assert AddressPolicy().refusal(address) is None
    assert AddressPolicy(allow_loopback=False).refusal(address) == "loopback"


def test_public_addresses_pass_and_allowed_networks_open_private_ones() -> None:
    assert AddressPolicy().refusal("93.184.216.34") is None
    assert AddressPolicy().refusal("2606:4700::1111") is None
    policy = AddressPolicy.from_cidrs(["192.168.1.0/24", "fd00::/8"])
    assert policy.refusal("192.168.1.7") is None
    assert policy.refusal("192.168.2.7") == "private"
    assert policy.refusal("fd12::1") is None
    assert policy.refusal("10.0.0.1") == "private"


def _resolver(answers: dict[str, list[list[str]]]):  # type: ignore[no-untyped-def]
    """Answers per name, one list per call (the last repeats): a rebinding resolver."""
    calls: dict[str, int] = {}

    async def resolve(host: str, port: int) -> list[str]:
        n = calls.get(host, 0)
        calls[host] = n + 1
        seq = answers[host]
        return seq[min(n, len(seq) - 1)]

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


async def test_names_resolving_to_private_or_link_local_are_refused() -> None:
    guard = Guard(
        resolver=_resolver(
            {
                "intranet.example": [["10.1.2.3"]],
                "metadata.example": [["169.254.169.254"]],
                "mixed.example": [["93.184.216.34", "192.168.0.10"]],
            }
        )
    )
    with pytest.raises(AddressRefused, match=r"intranet.example \(10.1.2.3\).*private"):
        await guard.vet("intranet.example", 80)
    with pytest.raises(AddressRefused, match="link-local"):
        await guard.vet("metadata.example", 80)
    with pytest.raises(AddressRefused, match=r"192\.168\.0\.10"):
        await guard.vet("mixed.example", 80)
    with pytest.raises(AddressRefused):
        await guard.vet("10.0.0.1", 80)
    with pytest.raises(AddressRefused):
        await guard.vet("[fe80::1]", 80)


async def test_a_refused_name_is_never_connected_to(receiver: Receiver) -> None:
    # The name resolves to 10.x; were the guard skipped, the port would not matter: the
    # request must end refused before any connection.
    guard = Guard(resolver=_resolver({"hooks.internal": [["10.20.30.40"]]}))
    sender = Sender(guard, timeout=2.0)
    try:
        res = await sender.post(f"http://hooks.internal:{receiver.port}/", {}, b"{}")
    finally:
        await sender.aclose()
    assert res.outcome is Outcome.REFUSED and "10.20.30.40" in (res.error or "")
    assert receiver.received == []


async def test_a_name_is_connected_to_at_its_vetted_address_with_its_host_header(
    receiver: Receiver,
) -> None:
    guard = Guard(resolver=_resolver({"n8n.local.test": [["127.0.0.1"]]}))
    sender = Sender(guard, timeout=5.0)
    try:
        res = await sender.post(f"http://n8n.local.test:{receiver.port}/hook", {}, b"{}")
    finally:
        await sender.aclose()
    assert res.outcome is Outcome.SUCCESS, res
    assert receiver.received[0].headers["host"] == f"n8n.local.test:{receiver.port}"


async def test_dns_rebinding_after_the_add_check_is_refused_at_connect_time(
    tmp_path: object, kit: Kit, receiver: Receiver
) -> None:
    # First answer (when the endpoint is added): loopback; every later one: 10.x.
    resolve = _resolver({"rebind.example": [["127.0.0.1"], ["10.0.0.7"]]})
    kit.webhooks.resolver = resolve
    created = await kit.webhooks.add(f"http://rebind.example:{receiver.port}/hook")
    mid = await kit.webhooks.send_test(created.endpoint.id)
    await kit.webhooks.dispatcher.drain()
    entry = await kit.webhooks.entry(mid)
    assert [a.outcome for a in entry.attempts] == [Outcome.REFUSED]
    assert "10.0.0.7" in (entry.attempts[0].error or "")
    assert receiver.received == []
    assert resolve.calls["rebind.example"] == 2  # type: ignore[attr-defined]


async def test_adding_an_endpoint_on_a_private_address_is_refused(kit: Kit) -> None:
    with pytest.raises(AddressRefused, match="private"):
        await kit.webhooks.add("http://192.168.1.20/hook")
    with pytest.raises(AddressRefused, match="link-local"):
        await kit.webhooks.add("http://169.254.169.254/latest/meta-data/")
    assert await kit.webhooks.endpoints() == []


async def test_allowed_networks_come_from_the_settings(kit: Kit) -> None:
    kit.settings.allow_private_networks = ["192.168.1.0/24"]
    created = await kit.webhooks.add("http://192.168.1.20/hook")  # added, never sent here
    assert await kit.webhooks.keys.url(created.endpoint.url_ref) == "http://192.168.1.20/hook"
    assert kit.webhooks.guard().policy.refusal("192.168.1.20") is None
