"""A hostile union website, served locally, for any test that needs one.

Two parts:

* :class:`HostileNetwork`: DNS and sockets for a :class:`~feeds.fetch.fetcher.Fetcher`
  that never leave the machine.  Names resolve from a table; a "public"
  address is translated to a local server (so a source can *be* on the
  internet as far as the fetcher's address checks go); any other address
  that is not loopback is never connected to: the attempt is recorded and
  refused.  ``Fetcher(resolver=net.resolve, network_backend=net.backend)``.
* :class:`HostileSite`: a :class:`~tests.support.http_server.LocalServer`
  programmed with what a hostile probe serves: redirects to the cloud
  metadata address and internal hosts, feeds whose items link inside the
  network, a feed whose declared charset lies, an HTML page on a feed URL,
  ``javascript:``/``data:``/``file:`` links, gzip and deflate bombs, a 50 MB
  body, a drip-fed answer, a redirect loop, XXE and billion-laughs feeds.

Every hostile route sits next to good items, so a test can check that what
is refused is named and that nothing else of the source is lost.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import ipaddress
import socket
import sys
import typing
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape

import httpcore

from tests.support.http_server import LocalServer

# A global (public) address for the simulated internet site.  Nothing is ever
# sent to it: HostileNetwork translates it to the local server.
PUBLIC_IP = "93.184.216.34"
SITE_HOST = "congdoan-hostile.vn"  # the hostile site's public name
METADATA_IP = "169.254.169.254"
METADATA_PATH = "/latest/meta-data/iam/security-credentials/admin"
SECRET = "AKIA-SECRET-do-not-store"  # what an internal page would leak
GOOD_TITLES = (
    "Hội nghị sơ kết 6 tháng công tác công đoàn",
    "Phát động Tháng Công nhân năm 2026",
)
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")


def cp1258(text: str) -> bytes:
    """Windows-1258 bytes as Vietnamese sites write them: base letter + tone mark."""
    out = bytearray()
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        if len(parts) == 1 or not any(c in _TONES for c in parts):
            out += ch.encode("cp1258")
            continue
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out += (base + "".join(c for c in parts if c in _TONES)).encode("cp1258")
    return bytes(out)


def rss(
    items: list[tuple[str, str]],
    *,
    prolog: str = '<?xml version="1.0" encoding="utf-8"?>',
    doctype: str = "",
    description: str = "Tin công đoàn",
) -> str:
    """An RSS 2.0 document with (title, link) items; titles are escaped, links too."""
    body = "".join(
        f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<description>{escape(description)}: {escape(title)}</description>"
        f"<pubDate>Mon, 20 Jul 2026 08:00:00 +0700</pubDate></item>"
        for title, link in items
    )
    return (
        f'{prolog}{doctype}<rss version="2.0"><channel><title>Công đoàn thử nghiệm</title>'
        f"<link>http://{SITE_HOST}/</link>{body}</channel></rss>"
    )


def article_html(title: str, paragraph: str | None = None) -> str:
    """An article page long enough for the extractor to keep its text."""
    text = paragraph or (
        f"Sáng 20/7, Liên đoàn Lao động tỉnh Nghệ An tổ chức {title.lower()}. "
        "Hội nghị đánh giá kết quả thực hiện nhiệm vụ, chỉ ra những hạn chế và đề ra "
        "giải pháp trọng tâm cho thời gian tới, trong đó có công tác phát triển đoàn viên."
    )
    paragraphs = "".join(f"<p>{text}</p>" for _ in range(4))
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    )


@functools.cache
def _heavy_bodies() -> tuple[bytes, bytes, bytes]:
    """64 MiB of zeros gzipped and deflated (about 64 KiB each) and a 50 MB page, built once."""
    payload = b"<html><body><p>" + b"0" * (64 * 1024 * 1024) + b"</p></body></html>"
    big = b"<html><body>" + b"x" * (50 * 1000 * 1000) + b"</body></html>"
    return gzip.compress(payload, 6), zlib.compress(payload, 6), big


# -- the safety net --------------------------------------------------------------


_EGRESS: dict[str, list[str] | None] = {"blocked": None}  # None: the guard is off


def _audit(event: str, args: tuple[object, ...]) -> None:
    blocked = _EGRESS["blocked"]
    if blocked is None or event != "socket.connect":
        return
    address = args[1]
    if not isinstance(address, tuple):
        return  # a Unix socket (PostgreSQL): on this machine
    host = str(address[0])
    if not ipaddress.ip_address(host.split("%", 1)[0]).is_loopback:
        blocked.append(host)
        raise PermissionError(f"test safety net: no connection to {host}")


_AUDIT_INSTALLED: list[bool] = []


@contextlib.contextmanager
def no_egress() -> Iterator[list[str]]:
    """Refuse (and list) every socket connection to a non-loopback address meanwhile.

    For tests that use the real socket layer rather than :class:`HostileNetwork`:
    a broken guard then fails the test instead of reaching 169.254.169.254.
    """
    if not _AUDIT_INSTALLED:
        sys.addaudithook(_audit)  # audit hooks cannot be removed: it idles when off
        _AUDIT_INSTALLED.append(True)
    blocked: list[str] = []
    _EGRESS["blocked"] = blocked
    try:
        yield blocked
    finally:
        _EGRESS["blocked"] = None


# -- the network -----------------------------------------------------------------


@dataclass
class HostileNetwork:
    """Name table, address translation and a record of every connection asked for."""

    names: dict[str, list[str]] = field(default_factory=dict)
    nat: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)
    connects: list[tuple[str, int]] = field(default_factory=list)  # what the fetcher asked
    refused: list[tuple[str, int]] = field(default_factory=list)  # never connected
    lookups: list[str] = field(default_factory=list)
    answers: dict[str, Iterator[list[str]]] = field(default_factory=dict)  # changing DNS

    def __post_init__(self) -> None:
        self.backend = _Backend(self)

    def publish(
        self, host: str, server: LocalServer, *, ip: str = PUBLIC_IP, port: int = 80
    ) -> str:
        """Serve ``server`` as ``http://host/`` on ``ip``; returns that base URL."""
        self.names[host] = [ip]
        self.nat[(ip, port)] = (server.host, server.port)
        return f"http://{host}" if port == 80 else f"http://{host}:{port}"

    def rebinding(self, host: str, *answers: list[str]) -> None:
        """``host`` answers each lookup with the next of ``answers`` (cycling)."""

        def cycle() -> Iterator[list[str]]:
            while True:
                yield from answers

        self.answers[host] = cycle()

    async def resolve(self, host: str, port: int) -> list[str]:
        """The fetcher's resolver: the table, numeric forms, else "no such name"."""
        self.lookups.append(host)
        name = host.lower().rstrip(".")
        if name in self.answers:
            return next(self.answers[name])
        if name in self.names:
            return list(self.names[name])
        if name == "localhost":
            return ["127.0.0.1"]
        try:  # "2852039166", "0xa9fea9fe", "127.1": what inet_aton accepts, no DNS
            infos = socket.getaddrinfo(
                name, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
            )
        except socket.gaierror:
            raise socket.gaierror(socket.EAI_NONAME, f"unknown host {host}") from None
        return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _Backend(httpcore.AsyncNetworkBackend):
    """Connects only to loopback and translated addresses; refuses the rest."""

    def __init__(self, network: HostileNetwork) -> None:
        self.network = network
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.network.connects.append((host, port))
        target = self.network.nat.get((host, port))
        if target is None:
            if not ipaddress.ip_address(host).is_loopback:
                self.network.refused.append((host, port))
                raise httpcore.ConnectError(f"hostile network: no route to {host}")
            target = (host, port)
        return await self.inner.connect_tcp(*target, timeout=timeout)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


# -- the site ------------------------------------------------------------------------


class HostileSite(LocalServer):
    """A LocalServer with the hostile routes below; ``base`` is how it is addressed."""

    def __init__(self, host: str = "127.0.0.1", *, heavy: bool = False) -> None:
        """``heavy``: also serve the bombs, 50 MB bodies and the drip (1-2 s to build once)."""
        super().__init__(host)
        self.base = ""
        self.heavy = heavy

    def start(self) -> HostileSite:
        super().start()
        self.base = self.base or self.url("").rstrip("/")
        self.program()
        return self

    def __enter__(self) -> HostileSite:
        return self.start()

    def at(self, base: str) -> HostileSite:
        """Address the site as ``base`` (e.g. its public name) in the links it serves."""
        self.base = base.rstrip("/")
        self.program()
        return self

    def link(self, path: str) -> str:
        return f"{self.base}{path}"

    def program(self) -> None:
        """(Re)build every route with links under ``self.base``."""
        self._good_articles()
        self._redirects()
        self._feeds()
        if self.heavy:
            self._resource_attacks()

    def _good_articles(self) -> None:
        for i, title in enumerate(GOOD_TITLES):
            self.route(f"/articles/good-{i}.html", article_html(title))
        self.route("/secret", f"<html><body><p>{SECRET}</p></body></html>")

    def _redirects(self) -> None:
        loopback = f"http://localhost:{self.port}/secret"
        targets = {
            "/redirect/metadata": f"http://{METADATA_IP}{METADATA_PATH}",
            "/redirect/metadata-mapped": f"http://[::ffff:{METADATA_IP}]{METADATA_PATH}",
            "/redirect/metadata-decimal": f"http://2852039166{METADATA_PATH}",
            "/redirect/private": "http://10.0.0.7/admin",
            "/redirect/localhost": loopback,
            "/redirect/ipv6-loopback": f"http://[::1]:{self.port}/secret",
            "/redirect/file": "file:///etc/passwd",
            "/redirect/gopher": "gopher://127.0.0.1:6379/_INFO",
            "/redirect/loop": "/redirect/loop",
            # a chain that looks harmless until its last hop
            "/redirect/chain-1": self.link("/redirect/chain-2"),
            "/redirect/chain-2": self.link("/redirect/metadata-mapped"),
        }
        for path, to in targets.items():
            self.redirect(path, to, status=302)

    def _feeds(self) -> None:
        good = [
            (title, self.link(f"/articles/good-{i}.html")) for i, title in enumerate(GOOD_TITLES)
        ]
        inside = [
            ("Tin nội bộ: metadata", f"http://{METADATA_IP}{METADATA_PATH}"),
            ("Tin nội bộ: metadata IPv6", f"http://[::ffff:{METADATA_IP}]{METADATA_PATH}"),
            ("Tin nội bộ: metadata thập phân", f"http://2852039166{METADATA_PATH}"),
            ("Tin nội bộ: localhost", f"http://localhost:{self.port}/secret"),
            ("Tin nội bộ: mạng riêng", "http://10.0.0.7/admin"),
            ("Tin nội bộ: chuyển hướng", self.link("/redirect/chain-1")),
        ]
        self.route(
            "/feed/internal-links.rss",
            rss(good[:1] + inside + good[1:]),
            content_type="application/rss+xml; charset=utf-8",
        )
        schemes = [
            ("Liên kết javascript", "javascript:alert(document.cookie)"),
            ("Liên kết JavaScript hoa", " JaVaScRiPt:alert(1)"),
            ("Liên kết data", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
            ("Liên kết vbscript", "vbscript:msgbox(1)"),
            ("Liên kết file", "file:///etc/passwd"),
            ("Liên kết gopher", "gopher://127.0.0.1:6379/_FLUSHALL"),
        ]
        self.route(
            "/feed/bad-schemes.rss",
            rss(good[:1] + schemes + good[1:]),
            content_type="application/rss+xml",
        )
        listing = "".join(
            f'<div class="news-item"><a class="title" href="{escape(link)}">{escape(t)}</a></div>'
            for t, link in good[:1] + schemes + good[1:]
        )
        self.route(
            "/listing/bad-schemes.html",
            f"<html><body><div class='list'>{listing}</div></body></html>",
        )
        # windows-1258 bytes in a feed whose HTTP header and prolog both say UTF-8
        self.route(
            "/feed/lying-charset.rss",
            cp1258(rss(good)),
            content_type="application/rss+xml; charset=utf-8",
        )
        self.route(
            "/feed/lying-charset.bin", cp1258(rss(good)), content_type="application/octet-stream"
        )
        self.route(
            "/feed/html-page",
            "<!DOCTYPE html><html><head><title>Trang lỗi</title>"
            "</head><body><h1>Trang lỗi</h1></body></html>",
            content_type="text/html",
        )
        self.route(
            "/feed/html-page-1258",
            cp1258(
                '<html><head><meta charset="windows-1258"><title>Trang bảo trì</title>'
                "</head><body>Hệ thống đang bảo trì</body></html>"
            ),
            content_type="text/html",
        )
        xxe = (
            '<!DOCTYPE rss [<!ENTITY passwd SYSTEM "file:///etc/passwd">'
            f'<!ENTITY remote SYSTEM "{self.url("/secret")}">]>'
        )
        xxe_items = [("Tin XXE &passwd; &remote;", self.link("/articles/good-0.html")), *good[1:]]
        self.route(
            "/feed/xxe.rss",
            rss(xxe_items, doctype=xxe)
            .replace("&amp;passwd;", "&passwd;")
            .replace("&amp;remote;", "&remote;"),
            content_type="application/rss+xml",
        )
        laughs = '<!ENTITY lol0 "lol">' + "".join(
            f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
        )
        bomb_items = [("Tin &lol9;", self.link("/articles/good-0.html")), *good[1:]]
        self.route(
            "/feed/billion-laughs.rss",
            rss(bomb_items, doctype=f"<!DOCTYPE rss [{laughs}]>").replace("&amp;lol9;", "&lol9;"),
            content_type="application/rss+xml",
        )
        heavy = [
            ("Tin bom gzip", self.link("/bomb/gzip")),
            ("Tin bom deflate", self.link("/bomb/deflate")),
            ("Tin 50 MB", self.link("/big")),
            ("Tin 50 MB không Content-Length", self.link("/big/chunked")),
            ("Tin nhỏ giọt", self.link("/drip")),
            ("Tin chuyển hướng vòng", self.link("/redirect/loop")),
        ]
        self.route(
            "/feed/heavy-articles.rss",
            rss(good[:1] + heavy + good[1:]),
            content_type="application/rss+xml",
        )

    def _resource_attacks(self) -> None:
        if "/big" in self._routes:
            return  # built once: 50 MB bodies are not rebuilt when the base changes
        gz, deflated, big = _heavy_bodies()
        self.route("/bomb/gzip", gz, content_type="text/html", headers={"Content-Encoding": "gzip"})
        self.route(
            "/bomb/deflate",
            deflated,
            content_type="text/html",
            headers={"Content-Encoding": "deflate"},
        )
        self.route("/big", big)
        self.route("/big/chunked", big, chunked=True)
        self.route("/drip", article_html(GOOD_TITLES[0]), drip=0.2)
