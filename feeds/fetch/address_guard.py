"""Where remote content may send the fetcher (server-side request forgery guard).

A source URL the operator configured is trusted wherever it points: a union
intranet may sit on a private network, the tests and the demo serve on
127.0.0.1.  Every URL that *remote content* leads to (a redirect, an item
link, an article page, a discovered feed) is checked on every hop, after DNS
resolution: it may reach a loopback, private, multicast or reserved address
only when the source's own host resolves into that same class, and a
link-local address (169.254.169.254 is the cloud metadata service) never.

Links fare the same way before any fetch: a story keeps, and a chat shows,
only an http(s) link (:func:`is_web_link`); ``javascript:``, ``data:``,
``vbscript:`` or ``file:`` links never reach an ``href``.

The check lives in the network backend that opens the TCP connection: the
host is resolved once, every address is checked, and the socket connects to
the checked address itself, so a DNS answer that changes between a check and
the connect (DNS rebinding) cannot slip through.  Each policy gets its own
connection pool (see :class:`feeds.fetch.fetcher.Fetcher`), so a keep-alive
connection opened under a looser policy is never reused under a stricter one.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import typing
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import httpcore

__all__ = [
    "AddressClass",
    "AddressPolicy",
    "BlockedAddress",
    "GuardedBackend",
    "Resolver",
    "address_class",
    "is_web_link",
    "system_resolver",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressClass = Literal["public", "loopback", "private", "link-local", "multicast", "reserved"]
# (host, port) -> the addresses to try, in order; raise socket.gaierror when unknown.
Resolver = Callable[[str, int], Awaitable[list[str]]]

_PRIVATE_NETS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",  # carrier-grade NAT: internal networks too
        "fc00::/7",  # unique local
        "fec0::/10",  # deprecated site-local
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_CLASS_NAMES: dict[AddressClass, str] = {
    "loopback": "a loopback address",
    "private": "a private-network address",
    "link-local": "a link-local address",
    "multicast": "a multicast address",
    "reserved": "a reserved address",
}


def is_web_link(url: str | None) -> bool:
    """True for an absolute http(s) URL with a host: the only links a story may carry
    or a message may show."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, 6to4, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_class(ip: IPAddress) -> AddressClass:
    """Which class of network ``ip`` reaches; IPv6 forms of IPv4 count as the IPv4."""
    if isinstance(ip, ipaddress.IPv6Address) and (v4 := _embedded_ipv4(ip)) is not None:
        return address_class(v4)
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:  # before is_global: Python 3.11 calls 224.0.0.1 global
        return "multicast"
    if any(ip in net for net in _PRIVATE_NETS if net.version == ip.version):
        return "private"
    return "public" if ip.is_global else "reserved"


class BlockedAddress(Exception):
    """A connection the policy refuses; ``reason`` names the address."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AddressPolicy:
    """Which address classes a connection may reach.

    ``trusted``: the operator's own URL, first hop only: anything goes.
    ``allowed``: the non-public classes the source's own host resolves into;
    public addresses are always allowed, link-local ones never.
    """

    allowed: frozenset[AddressClass] = frozenset()
    trusted: bool = False

    @classmethod
    def for_source(cls, addresses: Iterable[IPAddress]) -> AddressPolicy:
        """The policy for remote content of a source whose host resolves to ``addresses``."""
        classes = {address_class(ip) for ip in addresses} - {"public", "link-local"}
        return cls(allowed=frozenset(classes))

    def refusal(self, ip: IPAddress, host: str) -> str | None:
        """Why connecting to ``ip`` (for ``host``) is refused, or None when allowed."""
        if self.trusted:
            return None
        kind = address_class(ip)
        if kind == "public" or kind in self.allowed:
            return None
        named = _shown(ip) if _is_literal(host, ip) else f"{_shown(ip)} (for {host})"
        if kind == "link-local":
            return f"refused {named}: {_CLASS_NAMES[kind]} (cloud metadata), never fetched"
        return f"refused {named}: {_CLASS_NAMES[kind]}, and the source's own host is not on one"


def _shown(ip: IPAddress) -> str:
    """``ip`` as people write it: "::ffff:169.254.169.254", not "::ffff:a9fe:a9fe"."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return f"::ffff:{ip.ipv4_mapped}"
    return str(ip)


def _is_literal(host: str, ip: IPAddress) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")) == ip
    except ValueError:
        return False


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for ``host``, in its order."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def resolve(resolver: Resolver, host: str, port: int) -> list[IPAddress]:
    """``host`` as addresses: an IP literal as itself, a name through ``resolver``."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    found = [ipaddress.ip_address(a.split("%", 1)[0]) for a in await resolver(host, port)]
    if not found:
        raise socket.gaierror(socket.EAI_NONAME, f"no address for {host}")
    return found


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that resolves, checks, then connects to that address."""

    def __init__(
        self,
        policy: AddressPolicy,
        resolver: Resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.policy = policy
        self.resolver = resolver
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        async with asyncio.timeout(timeout):
            addresses = await resolve(self.resolver, host, port)
        # Every answer is checked, not only the first: a name answering with
        # one public and one internal address must not get a second chance.
        for ip in addresses:
            if (reason := self.policy.refusal(ip, host)) is not None:
                raise BlockedAddress(reason)
        failure: Exception | None = None
        for ip in addresses:
            try:
                return await self.inner.connect_tcp(
                    str(ip),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc  # try the next address, as getaddrinfo users do
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("refused a Unix socket connection")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
