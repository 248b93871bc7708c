"""Polite, bounded HTTP fetching of feeds and union web pages.

One :class:`Fetcher` owns one ``httpx.AsyncClient`` and enforces, per
request: a global and a per-host concurrency cap, a minimum delay between two
request starts on the same host, connect/read timeouts plus an overall
deadline, a redirect cap (each hop goes through the same host gate), and a
body-size cap applied while streaming the *decompressed* body.  Conditional
GET (ETag / Last-Modified) is supported.  Every failure becomes a
:class:`FetchError` with a short operator-facing reason; httpx exceptions
never leak.

What remote content may make it reach (redirects, item links, article pages)
is decided per hop by :mod:`feeds.fetch.address_guard`: pass ``source_url``
for a URL that came from a source's content.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import time
from collections import defaultdict
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Literal

import httpcore
import httpx

from feeds.fetch.address_guard import (
    AddressPolicy,
    BlockedAddress,
    GuardedBackend,
    Resolver,
    resolve,
    system_resolver,
)
from feeds.fetch.encoding import decode_html_or_xml

__all__ = [
    "DEFAULT_USER_AGENT",
    "FetchError",
    "FetchErrorKind",
    "FetchResult",
    "Fetcher",
    "looks_like_bot_challenge",
]

log = logging.getLogger("feeds.fetch.fetcher")

DEFAULT_USER_AGENT = "congdoan-bot/0.1 (+https://github.com/congdoan-bot; union news notifier)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.95, "
    "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, "
    "application/xhtml+xml;q=0.8, */*;q=0.5"
)
ACCEPT_LANGUAGE = "vi-VN,vi;q=0.9,en;q=0.5"  # union sites also serve en/ja/fr copies
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# RFC 6761: these never resolve; failing fast keeps offline runs quick.
_NEVER_RESOLVES = (".invalid", ".test", ".example")
# Media types that are not text: keep the bytes, skip decoding.
_BINARY_PREFIXES = ("image/", "audio/", "video/", "font/")
_BINARY_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/gzip",
        "application/octet-stream",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/x-rar-compressed",
    }
)

FetchErrorKind = Literal[
    "dns",
    "connection",
    "timeout",
    "tls",
    "http",
    "too_large",
    "redirects",
    "invalid_url",
    "blocked",
]
_SOURCE_CLASSES_TTL = 300.0  # seconds a source host's address classes are remembered


@dataclass(frozen=True)
class FetchResult:
    """Outcome of a successful fetch (2xx or 304)."""

    url: str  # final URL after redirects
    status: int  # 200 (or another 2xx) or 304
    not_modified: bool  # 304, or validators sent and 200 with empty body / same ETag
    body: bytes  # decompressed bytes; b"" when not_modified
    text: str | None  # decoded NFC text; None when not_modified or binary (PDF, images)
    encoding: str | None  # the charset used to decode
    content_type: str  # media type, lowercased, without parameters ("" if absent)
    etag: str | None
    last_modified: str | None
    retry_after: float | None  # seconds, from Retry-After / Cache-Control / Expires
    elapsed: float  # seconds, including politeness waits


class FetchError(Exception):
    """A fetch that did not produce a usable response."""

    def __init__(
        self,
        kind: FetchErrorKind,
        reason: str,
        *,
        url: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{reason} ({url})" if url else reason)
        self.kind: FetchErrorKind = kind
        self.reason = reason
        self.url = url
        self.status = status
        self.retry_after = retry_after


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _size(n: int) -> str:
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if n >= factor and n % factor == 0:
            return f"{n // factor} {unit}"
    return f"{n} bytes"


def _http_date_delta(value: str, now: float) -> float | None:
    try:
        return parsedate_to_datetime(value).timestamp() - now
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After value (delta-seconds or HTTP-date), >= 0."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    delta = _http_date_delta(value, time.time() if now is None else now)
    return None if delta is None else max(0.0, delta)


def _cache_hint(headers: httpx.Headers) -> float | None:
    """How long the server says the response stays fresh, in seconds."""
    if (retry := parse_retry_after(headers.get("retry-after"))) is not None:
        return retry
    cache_control = headers.get("cache-control", "").lower()
    if "no-cache" in cache_control or "no-store" in cache_control:
        return None
    for directive in cache_control.split(","):
        name, _, arg = directive.strip().partition("=")
        if name in ("s-maxage", "max-age") and arg.strip('"').isdigit():
            return float(arg.strip('"'))
    expires = headers.get("expires")
    if expires and expires.strip() not in ("0", "-1"):
        date = headers.get("date")
        now = parsedate_to_datetime(date).timestamp() if _valid_date(date) else time.time()
        delta = _http_date_delta(expires, now)
        if delta is not None and delta > 0:
            return delta
    return None


def _valid_date(value: str | None) -> bool:
    return bool(value) and _http_date_delta(value or "", 0.0) is not None


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _is_binary(media_type: str) -> bool:
    return media_type in _BINARY_TYPES or media_type.startswith(_BINARY_PREFIXES)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _classify(exc: Exception, url: httpx.URL, timeout: float) -> FetchError:
    """Turn an httpx/network exception into a FetchError with a plain reason."""
    host = url.host or str(url)
    chain = _chain(exc)
    if isinstance(exc, httpx.TimeoutException):
        what = "connect" if isinstance(exc, httpx.ConnectTimeout) else "read"
        return FetchError("timeout", f"timed out after {_seconds(timeout)} ({what})", url=str(url))
    if any(isinstance(e, socket.gaierror) for e in chain):
        return FetchError("dns", f"DNS lookup failed for {host}", url=str(url))
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain):
        return FetchError("tls", f"TLS certificate rejected for {host}", url=str(url))
    if any(isinstance(e, ssl.SSLError) for e in chain):
        return FetchError("tls", f"TLS handshake failed with {host}", url=str(url))
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return FetchError(
            "connection", f"connection refused by {url.netloc.decode()}", url=str(url)
        )
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return FetchError("invalid_url", f"invalid URL: {exc}", url=str(url))
    if isinstance(exc, httpx.DecodingError):
        return FetchError("http", "could not decompress the response body", url=str(url))
    if isinstance(exc, httpx.RemoteProtocolError):
        return FetchError("connection", f"{host} broke the HTTP protocol: {exc}", url=str(url))
    if isinstance(exc, httpx.ConnectError):
        return FetchError("connection", f"could not connect to {host}: {exc}", url=str(url))
    return FetchError(
        "connection", f"network error with {host}: {exc or type(exc).__name__}", url=str(url)
    )


def _validate_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError("invalid_url", f"invalid URL: {exc}", url=str(url)) from None
    if parsed.scheme not in ("http", "https"):
        raise FetchError("invalid_url", f"unsupported URL scheme {parsed.scheme!r}", url=url)
    if not parsed.host:
        raise FetchError("invalid_url", "URL has no host", url=url)
    if parsed.host.rstrip(".").endswith(_NEVER_RESOLVES):
        raise FetchError("dns", f"DNS lookup failed for {parsed.host}", url=url)
    return parsed


class _HostGate:
    """Per-host concurrency slots and spacing between request starts."""

    def __init__(self, concurrency: int, delay: float) -> None:
        self.slots = asyncio.Semaphore(concurrency)
        self.delay = delay
        self._lock = asyncio.Lock()
        self._last_start = float("-inf")

    async def wait_turn(self) -> None:
        async with self._lock:
            wait = self._last_start + self.delay - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_start = time.monotonic()


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with a connection pool that connects through the guard.

    httpx takes no network backend argument, so the pool it builds is replaced
    by an identical one that has ours (``_pool`` is what the parent class uses).
    """

    def __init__(self, backend: GuardedBackend, limits: httpx.Limits) -> None:
        super().__init__(limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


class Fetcher:
    """Async HTTP fetcher; use as ``async with Fetcher() as f: await f.fetch(url)``.

    ``resolver`` and ``network_backend`` replace DNS and the socket layer (tests
    simulate hosts with them); every connection still goes through the guard.
    Requests go direct: proxy environment variables are ignored, since a proxy
    would resolve names where the guard cannot check them.
    """

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout: float = 15.0,
        max_body_bytes: int = 5 * 1024 * 1024,
        max_redirects: int = 5,
        max_concurrency: int = 16,
        per_host_concurrency: int = 2,
        per_host_delay: float = 1.0,
        deadline: float | None = None,
        resolver: Resolver = system_resolver,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_body_bytes = max_body_bytes
        self.max_redirects = max_redirects
        # A drip-feeding server can keep each read under the read timeout
        # forever; the overall deadline bounds one hop regardless.
        self.deadline = deadline if deadline is not None else max(4 * timeout, 30.0)
        self._per_host_concurrency = per_host_concurrency
        self._per_host_delay = per_host_delay
        self._global = asyncio.Semaphore(max_concurrency)
        self._hosts: defaultdict[str, _HostGate] = defaultdict(
            lambda: _HostGate(self._per_host_concurrency, self._per_host_delay)
        )
        self._resolver = resolver
        self._network_backend = network_backend
        self._headers = {
            "User-Agent": user_agent,
            "Accept": ACCEPT,
            "Accept-Language": ACCEPT_LANGUAGE,
        }
        self._limits = httpx.Limits(max_connections=max_concurrency, max_keepalive_connections=32)
        # One client (one connection pool) per policy: a pooled connection
        # was checked under the policy of the pool it lives in.
        self._clients: dict[AddressPolicy, httpx.AsyncClient] = {}
        self._source_policies: dict[str, tuple[float, AddressPolicy]] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    def _client(self, policy: AddressPolicy) -> httpx.AsyncClient:
        client = self._clients.get(policy)
        if client is None:
            backend = GuardedBackend(policy, self._resolver, self._network_backend)
            client = self._clients[policy] = httpx.AsyncClient(
                headers=self._headers,
                timeout=httpx.Timeout(self.timeout),
                follow_redirects=False,  # followed by hand: counted, host-gated, checked
                transport=_GuardedTransport(backend, self._limits),
                trust_env=False,
            )
        return client

    async def _policy_for(self, source_url: str) -> AddressPolicy:
        """The policy for what ``source_url``'s content leads to (cached a few minutes)."""
        try:
            parsed = httpx.URL(source_url)
        except (httpx.InvalidURL, TypeError, ValueError):
            return AddressPolicy()
        host = (parsed.host or "").lower()
        cached = self._source_policies.get(host)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            async with asyncio.timeout(self.timeout):
                addresses = await resolve(self._resolver, host, parsed.port or 443)
        except (OSError, TimeoutError, ValueError):
            addresses = []  # unknown source host: remote content gets public addresses only
        policy = AddressPolicy.for_source(addresses)
        self._source_policies[host] = (time.monotonic() + _SOURCE_CLASSES_TTL, policy)
        return policy

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        source_url: str | None = None,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """GET ``url`` (conditionally when validators are given).

        ``source_url``: the operator-configured URL whose content led to ``url``
        (an item link, an article page); every hop is then checked against
        that source's address classes.  Without it ``url`` is the operator's
        own and only the redirects it answers are checked.  ``max_bytes``
        overrides the body cap for this call (attached documents are allowed
        more than pages).

        Raises :class:`FetchError` for network failures, refused addresses,
        non-2xx/304 statuses, oversized bodies and redirect loops.
        """
        started = time.monotonic()
        current = _validate_url(url)
        policy = await self._policy_for(source_url) if source_url else AddressPolicy(trusted=True)
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        redirects = 0
        while True:
            status, response, body = await self._hop(current, headers, policy, max_bytes)
            if status not in _REDIRECT_STATUSES:
                break
            location = response.headers.get("location")
            if not location:
                raise FetchError(
                    "http",
                    f"HTTP {status} redirect without a Location header",
                    url=str(current),
                    status=status,
                )
            redirects += 1
            if redirects > self.max_redirects:
                raise FetchError(
                    "redirects", f"too many redirects ({redirects})", url=url, status=status
                )
            try:
                target = current.join(location.strip())
            except (httpx.InvalidURL, ValueError):
                raise FetchError(
                    "invalid_url", f"invalid redirect target {location!r}", url=str(current)
                ) from None
            current = _validate_url(str(target))
            if policy.trusted:  # where a redirect leads is remote content
                policy = await self._policy_for(source_url or url)
        return self._result(
            current, response, body, started, etag=etag, last_modified=last_modified
        )

    async def _hop(
        self,
        url: httpx.URL,
        headers: dict[str, str],
        policy: AddressPolicy,
        max_bytes: int | None = None,
    ) -> tuple[int, httpx.Response, bytes]:
        """One request/response, inside the host gate and the global cap."""
        gate = self._hosts[url.host.lower()]
        client = self._client(policy)
        async with gate.slots:
            await gate.wait_turn()
            async with self._global:
                t0 = time.monotonic()
                body = b""
                status = 0
                try:
                    async with asyncio.timeout(self.deadline):
                        async with client.stream("GET", url, headers=headers) as response:
                            status = response.status_code
                            if 200 <= status < 300:
                                body = await self._read_capped(response, url, max_bytes)
                except FetchError:
                    raise
                except BlockedAddress as exc:
                    raise FetchError("blocked", exc.reason, url=str(url)) from None
                except TimeoutError:
                    raise FetchError(
                        "timeout", f"did not finish within {_seconds(self.deadline)}", url=str(url)
                    ) from None
                except httpx.HTTPError as exc:
                    raise _classify(exc, url, self.timeout) from None
                except OSError as exc:  # raw socket errors that slip past httpx
                    raise _classify(exc, url, self.timeout) from None
                finally:
                    log.debug(
                        "GET %s %s %d bytes %.0f ms",
                        url,
                        status or "-",
                        len(body),
                        (time.monotonic() - t0) * 1000,
                    )
        if status >= 400 or (status >= 300 and status not in _REDIRECT_STATUSES | {304}):
            raise self._status_error(url, response)
        return status, response, body

    async def _read_capped(
        self, response: httpx.Response, url: httpx.URL, max_bytes: int | None = None
    ) -> bytes:
        cap = max_bytes or self.max_body_bytes
        announced = response.headers.get("content-length", "")
        if announced.isdigit() and int(announced) > cap:
            raise FetchError(
                "too_large",
                f"body larger than {_size(cap)}",
                url=str(url),
                status=response.status_code,
            )
        chunks: list[bytes] = []
        total = 0
        # aiter_bytes yields decompressed data, so a gzip bomb trips the cap too.
        async for chunk in response.aiter_bytes():
            total += len(chunk)
            if total > cap:
                raise FetchError(
                    "too_large",
                    f"body larger than {_size(cap)}",
                    url=str(url),
                    status=response.status_code,
                )
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _status_error(url: httpx.URL, response: httpx.Response) -> FetchError:
        status = response.status_code
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
        retry_after = None
        if status in (429, 503):
            retry_after = parse_retry_after(response.headers.get("retry-after"))
        reason = f"HTTP {status} {phrase}".rstrip()
        return FetchError("http", reason, url=str(url), status=status, retry_after=retry_after)

    @staticmethod
    def _result(
        url: httpx.URL,
        response: httpx.Response,
        body: bytes,
        started: float,
        *,
        etag: str | None,
        last_modified: str | None,
    ) -> FetchResult:
        headers = response.headers
        status = response.status_code
        # miniflux: "Expires: 0" means the server wants no caching at all, so
        # do not keep validators that would make us skip fresh content.
        no_cache = headers.get("expires", "").strip() == "0"
        new_etag = None if no_cache else headers.get("etag")
        new_lm = None if no_cache else headers.get("last-modified")
        # RSStT: 200 with an empty body after a conditional request = 304.
        # miniflux: an unchanged ETag also means unchanged (servers that
        # ignore If-None-Match but still tag their content).
        sent_validators = bool(etag or last_modified)
        not_modified = status == 304 or (
            sent_validators and (not body or (etag is not None and new_etag == etag))
        )
        content_type_header = headers.get("content-type")
        media_type = _media_type(content_type_header)
        text = encoding = None
        if not not_modified and not _is_binary(media_type):
            text, encoding = decode_html_or_xml(body, content_type_header)
        return FetchResult(
            url=str(url),
            status=status,
            not_modified=not_modified,
            body=b"" if not_modified else body,
            text=text,
            encoding=encoding,
            content_type=media_type,
            # a 304 may omit the validators: the ones we sent are still valid
            etag=new_etag or (etag if status == 304 else None),
            last_modified=new_lm or (last_modified if status == 304 else None),
            retry_after=_cache_hint(headers),
            elapsed=time.monotonic() - started,
        )


_CHALLENGE_MARKERS = (
    "document.cookie=",
    "location.reload",
    "cf-chl",
    "challenge-platform",
    "just a moment...",
    "enable javascript and cookies",
)


def looks_like_bot_challenge(result: FetchResult) -> bool:
    """True for a small HTML page that only sets a cookie via JS and reloads.

    laodong.vn answers its RSS URLs with 200 text/html and such a script
    (``document.cookie="D1N=…"; location.reload``): the poller should treat it
    as "blocked", not as "no new items".
    """
    if result.text is None or len(result.text) > 20_000:
        return False
    lowered = result.text.lower().replace(" ", "")
    if "<item" in lowered or "<entry" in lowered:
        return False  # a real feed that happens to mention cookies
    return sum(marker.replace(" ", "") in lowered for marker in _CHALLENGE_MARKERS) >= 2
