"""The SSRF guard: webhooks reach only public addresses, loopback, and ranges allowed by hand.

A webhook URL is typed by a person or a script, and the hub runs inside a developer's
network: without a guard, ``http://169.254.169.254/`` (cloud metadata) or a router's admin
page on ``10.0.0.1`` would be a URL like any other. So every host is resolved and *every*
address it resolves to must pass :meth:`AddressPolicy.check` (one bad answer refuses the
name: a resolver that mixes a public and a private answer is exactly the attack):

- loopback (``127.0.0.0/8``, ``::1``) passes: a local n8n or Node-RED is the common case;
- the CIDRs in ``webhooks.allow_private_networks`` pass;
- anything else that is not globally routable is refused: private, link-local, multicast,
  reserved, unspecified, shared (CGNAT), documentation ranges; IPv4-mapped IPv6 addresses
  are judged as the IPv4 address they carry.

**DNS rebinding.** Checking a name and then letting an HTTP client resolve it again would
let a name answer "public" to the check and "10.0.0.1" to the connection. So the webhook
client connects through :func:`open_guarded`: the one resolution that is checked is the one
connected to. The TCP connection goes to the vetted IP, while the name still goes in the
``Host`` header and as TLS SNI (and the certificate is verified against it); the peer
address of the open socket is checked once more.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .errors import AddressRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: ``(host, port) -> addresses``; the default asks the system resolver (``getaddrinfo``).
Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to for TCP, in the resolver's order, deduplicated."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AddressRefused(f"{host} does not resolve ({exc.strerror})") from None
    out: list[str] = []
    for *_, sockaddr in infos:
        addr = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone id
        if addr not in out:
            out.append(addr)
    return out


def _why_refused(ip: IPAddress) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for test, name in (
        (ip.is_unspecified, "unspecified"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
    ):
        if test:
            return name
    return None if ip.is_global else "not globally routable"


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses webhooks may connect to."""

    allow: tuple[IPNetwork, ...] = ()
    allow_loopback: bool = True

    @classmethod
    def from_cidrs(cls, cidrs: Iterable[str], *, allow_loopback: bool = True) -> AddressPolicy:
        return cls(
            tuple(ipaddress.ip_network(c, strict=False) for c in cidrs),
            allow_loopback=allow_loopback,
        )

    def refusal(self, address: str) -> str | None:
        """Why ``address`` may not be connected to, or ``None`` when it may."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return "not an IP address"
        plain = (
            ip.ipv4_mapped
            if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None
            else ip
        )
        if plain.is_loopback:
            return None if self.allow_loopback else "loopback"
        if any(plain.version == net.version and plain in net for net in self.allow):
            return None
        return _why_refused(plain)

    def check(self, host: str, addresses: Sequence[str]) -> list[str]:
        """``addresses`` if every one passes, else :class:`AddressRefused` naming the first
        refused one and why."""
        if not addresses:
            raise AddressRefused(f"{host} resolves to no address")
        for addr in addresses:
            why = self.refusal(addr)
            if why is not None:
                shown = host if host == addr else f"{host} ({addr})"
                raise AddressRefused(
                    f"webhooks may not connect to {shown}: the address is {why}; allow its"
                    " network in webhooks.allow_private_networks if this is intended"
                )
        return list(addresses)


@dataclass
class Guard:
    """Resolve-and-check, with the resolver injectable (tests answer 10.x for a name)."""

    policy: AddressPolicy = field(default_factory=AddressPolicy)
    resolver: Resolver = system_resolver

    async def vet(self, host: str, port: int) -> list[str]:
        """The checked addresses to connect to for ``host``."""
        bare = host.strip("[]")
        try:
            ipaddress.ip_address(bare)
        except ValueError:
            return self.policy.check(host, await self.resolver(bare, port))
        return self.policy.check(host, [bare])


async def open_guarded(
    guard: Guard, host: str, port: int, *, tls: ssl.SSLContext | None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP (or TLS) connection to ``host``, made to an address the guard vetted.

    The name still goes in TLS SNI and the certificate is checked against it
    (``server_hostname``); only the address is fixed. Addresses are tried in the resolver's
    order; the peer of the socket that opened is checked once more.
    """
    addresses = await guard.vet(host, port)
    error: OSError | None = None
    for addr in addresses:
        try:
            reader, writer = await asyncio.open_connection(
                addr, port, ssl=tls, server_hostname=host.strip("[]") if tls else None
            )
        except OSError as exc:
            error = exc
            continue
        peer = writer.get_extra_info("peername")
        if peer is not None and guard.policy.refusal(str(peer[0]).split("%", 1)[0]) is not None:
            writer.close()
            raise AddressRefused(f"the connection to {host} reached a refused address")
        return reader, writer
    assert error is not None
    raise error
