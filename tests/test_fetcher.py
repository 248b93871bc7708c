"""feeds.fetch.fetcher against real sockets on loopback servers (no network, no mocks)."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import logging
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from feeds.fetch.address_guard import AddressPolicy, address_class, is_web_link
from feeds.fetch.fetcher import DEFAULT_USER_AGENT, Fetcher, FetchError, looks_like_bot_challenge
from tests.support.hostile_site import cp1258

try:  # tests/ as a package (rootdir on sys.path) or as a plain directory
    from tests.support.http_server import LocalServer, local_server
except ImportError:
    from support.http_server import LocalServer, local_server

__all__ = ["local_server"]  # the fixture, re-exported for this module

TITLE = "Công đoàn Nghệ An phấn đấu hoàn thành cao nhất các mục tiêu, nhiệm vụ"
LEAD = (
    "Sáng 26/7, Liên đoàn Lao động tỉnh Nghệ An tổ chức Hội nghị Sơ kết 6 tháng đầu năm 2022 "
    "và triển khai nhiệm vụ trọng tâm 6 tháng cuối năm."
)
RSS = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
    "<title>Công đoàn Nghệ An</title>"
    f"<item><title>{TITLE}</title><description>{LEAD}</description>"
    "<link>http://laodongnghean.vn/chi-tiet/cong-doan-nghe-an-phan-dau</link></item>"
    "</channel></rss>"
)
LAST_MODIFIED = "Tue, 26 Jul 2022 06:53:00 GMT"


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(timeout=2.0, per_host_delay=0.0) as f:
        yield f


@pytest.fixture
def hosts() -> Iterator[list[LocalServer]]:
    """Four servers on four loopback addresses: four "hosts" for the politeness gate."""
    servers = [LocalServer(f"127.0.0.{i}").start() for i in range(1, 5)]
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()


# -- conditional GET ---------------------------------------------------------


async def test_etag_then_304_then_new_content(local_server: LocalServer, fetcher: Fetcher) -> None:
    local_server.route("/feed.rss", RSS, content_type="application/rss+xml", etag='"v1"')
    first = await fetcher.fetch(local_server.url("/feed.rss"))
    assert (first.status, first.not_modified, first.etag) == (200, False, '"v1"')
    assert first.content_type == "application/rss+xml"
    assert first.text is not None and TITLE in first.text

    again = await fetcher.fetch(local_server.url("/feed.rss"), etag=first.etag)
    assert (again.status, again.not_modified, again.body, again.text) == (304, True, b"", None)
    assert again.etag == '"v1"'
    assert local_server.requests[-1].headers.get("If-None-Match") == '"v1"'

    local_server.update("/feed.rss", body=RSS.replace("phấn đấu", "quyết tâm"), etag='"v2"')
    fresh = await fetcher.fetch(local_server.url("/feed.rss"), etag=again.etag)
    assert (fresh.status, fresh.not_modified, fresh.etag) == (200, False, '"v2"')
    assert "quyết tâm" in (fresh.text or "")
    assert local_server.statuses() == [200, 304, 200]


async def test_last_modified_round_trip(local_server: LocalServer, fetcher: Fetcher) -> None:
    local_server.route("/tin", RSS, last_modified=LAST_MODIFIED)
    first = await fetcher.fetch(local_server.url("/tin"))
    assert first.last_modified == LAST_MODIFIED
    second = await fetcher.fetch(local_server.url("/tin"), last_modified=first.last_modified)
    assert second.not_modified and second.status == 304
    assert second.last_modified == LAST_MODIFIED
    assert local_server.requests[-1].headers.get("If-Modified-Since") == LAST_MODIFIED
    assert local_server.statuses() == [200, 304]


async def test_empty_200_after_conditional_request_is_not_modified(
    local_server: LocalServer, fetcher: Fetcher
) -> None:
    local_server.route("/empty", b"", content_type="application/rss+xml")
    result = await fetcher.fetch(local_server.url("/empty"), etag='"old"')
    assert result.status == 200 and result.not_modified and result.text is None


async def test_same_etag_on_200_means_unchanged(
    local_server: LocalServer, fetcher: Fetcher
) -> None:
    # a server that ignores If-None-Match but tags its content
    local_server.route("/feed", RSS, headers={"ETag": '"abc"'})
    result = await fetcher.fetch(local_server.url("/feed"), etag='"abc"')
    assert result.status == 200 and result.not_modified and result.body == b""


async def test_expires_zero_drops_validators(local_server: LocalServer, fetcher: Fetcher) -> None:
    local_server.route("/nocache", RSS, etag='"v1"', headers={"Expires": "0"})
    result = await fetcher.fetch(local_server.url("/nocache"))
    assert result.etag is None and result.text is not None


# -- body handling -------------------------------------------------------------


async def test_gzip_body_is_decoded(local_server: LocalServer, fetcher: Fetcher) -> None:
    local_server.route("/gz", RSS, gzip=True, content_type="application/rss+xml")
    result = await fetcher.fetch(local_server.url("/gz"))
    assert result.body == RSS.encode("utf-8")
    assert result.text == RSS
    assert "gzip" in local_server.requests[-1].headers.get("Accept-Encoding", "")


async def test_cp1258_page_is_decoded_to_nfc(local_server: LocalServer, fetcher: Fetcher) -> None:
    page = f"<html><body><h1>{TITLE}</h1><p>{LEAD}</p></body></html>"
    raw = cp1258(page)
    assert "ệ".encode() not in raw and b"\xea\xf2" in raw  # ê + combining dot below
    local_server.route("/cp", raw, content_type="text/html; charset=windows-1258")
    result = await fetcher.fetch(local_server.url("/cp"))
    assert result.encoding == "windows-1258"
    assert result.text is not None and TITLE in result.text and LEAD in result.text


async def test_content_length_over_cap(local_server: LocalServer) -> None:
    local_server.route("/big", b"x" * (1024 * 1024))
    async with Fetcher(max_body_bytes=64 * 1024, per_host_delay=0) as f:
        with pytest.raises(FetchError) as info:
            await f.fetch(local_server.url("/big"))
    assert info.value.kind == "too_large"
    assert info.value.reason == "body larger than 64 KiB"


async def test_streamed_body_over_cap_without_content_length(local_server: LocalServer) -> None:
    local_server.route("/stream", b"y" * (2 * 1024 * 1024), chunked=True)
    async with Fetcher(max_body_bytes=100_000, per_host_delay=0) as f:
        with pytest.raises(FetchError) as info:
            await f.fetch(local_server.url("/stream"))
    assert info.value.kind == "too_large"
    assert info.value.reason == "body larger than 100000 bytes"


async def test_gzip_bomb_is_capped_after_decompression(local_server: LocalServer) -> None:
    payload = b"<p>" + b"0" * (3 * 1024 * 1024) + b"</p>"
    assert len(gzip.compress(payload)) < 64 * 1024  # small on the wire
    local_server.route("/bomb", payload, gzip=True)
    async with Fetcher(max_body_bytes=1024 * 1024, per_host_delay=0) as f:
        with pytest.raises(FetchError) as info:
            await f.fetch(local_server.url("/bomb"))
    assert info.value.kind == "too_large"


async def test_binary_document_keeps_bytes_without_text(
    local_server: LocalServer, fetcher: Fetcher
) -> None:
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"
    local_server.route("/thong-bao.pdf", pdf, content_type="application/pdf")
    result = await fetcher.fetch(local_server.url("/thong-bao.pdf"))
    assert (result.body, result.text, result.content_type) == (pdf, None, "application/pdf")


# -- redirects -----------------------------------------------------------------


async def test_redirect_chain_reports_final_url(hosts: list[LocalServer], fetcher: Fetcher) -> None:
    a, b = hosts[0], hosts[1]
    a.redirect("/rss", "/rss/", status=301)
    a.redirect("/rss/", b.url("/feeds/home.rss"), status=302)  # moved to another host
    b.redirect("/feeds/home.rss", "v2/home.rss?page=1", status=308)  # relative Location
    b.route("/feeds/v2/home.rss", RSS, content_type="application/rss+xml")
    result = await fetcher.fetch(a.url("/rss"))
    assert result.url == b.url("/feeds/v2/home.rss?page=1")
    assert result.text is not None and TITLE in result.text
    assert a.statuses() == [301, 302] and b.statuses() == [308, 200]


async def test_too_many_redirects(local_server: LocalServer) -> None:
    local_server.redirect("/loop", "/loop", status=302)
    async with Fetcher(max_redirects=5, per_host_delay=0) as f:
        with pytest.raises(FetchError) as info:
            await f.fetch(local_server.url("/loop"))
    assert info.value.kind == "redirects"
    assert info.value.reason == "too many redirects (6)"
    assert len(local_server.requests) == 6


# -- failures ------------------------------------------------------------------


async def test_timeout(local_server: LocalServer) -> None:
    local_server.route("/slow", "late", delay=1.5)
    async with Fetcher(timeout=0.3, per_host_delay=0) as f:
        started = time.monotonic()
        with pytest.raises(FetchError) as info:
            await f.fetch(local_server.url("/slow"))
        took = time.monotonic() - started
    assert info.value.kind == "timeout"
    assert info.value.reason.startswith("timed out after 0.3 s")
    assert 0.25 < took < 1.0


async def test_connection_refused(fetcher: Fetcher) -> None:
    with socket.socket() as sock:  # reserve a port, then free it: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(f"http://127.0.0.1:{port}/rss")
    assert info.value.kind == "connection"
    assert "refused" in info.value.reason


async def test_dns_failure_is_fast_and_offline(fetcher: Fetcher) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        await fetcher.fetch("http://nonexistent.invalid/")
    assert info.value.kind == "dns"
    assert info.value.reason == "DNS lookup failed for nonexistent.invalid"
    assert time.monotonic() - started < 0.5


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")
async def test_self_signed_certificate_is_a_tls_error(tmp_path: Path, fetcher: Fetcher) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=20,
    )  # fmt: skip
    with LocalServer(tls=(str(cert), str(key))) as server:
        server.route("/rss", RSS)
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(server.url("/rss"))
    assert info.value.kind == "tls"
    assert info.value.reason == "TLS certificate rejected for 127.0.0.1"


@pytest.mark.parametrize(
    "url", ["ftp://congdoannghean.vn/", "laodongnghean.vn/chi-tiet/x", "http://", "http://[::1"]
)
async def test_invalid_urls(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(url)
    assert info.value.kind == "invalid_url"


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (404, "HTTP 404 Not Found"),
        (500, "HTTP 500 Internal Server Error"),
        (403, "HTTP 403 Forbidden"),
    ],
)
async def test_http_errors_have_plain_reasons(
    local_server: LocalServer, fetcher: Fetcher, status: int, reason: str
) -> None:
    local_server.route("/x", "<h1>Lỗi</h1>", status=status)
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(local_server.url("/x"))
    assert (info.value.kind, info.value.status, info.value.reason) == ("http", status, reason)
    assert info.value.retry_after is None


async def test_429_and_503_carry_retry_after(local_server: LocalServer, fetcher: Fetcher) -> None:
    local_server.route("/busy", "chậm lại", status=429, headers={"Retry-After": "120"})
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(local_server.url("/busy"))
    assert (info.value.status, info.value.retry_after) == (429, 120.0)
    assert info.value.reason == "HTTP 429 Too Many Requests"

    in_an_hour = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 3600))
    local_server.route("/maint", "bảo trì", status=503, headers={"Retry-After": in_an_hour})
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(local_server.url("/maint"))
    assert info.value.status == 503
    assert info.value.retry_after is not None and 3590 < info.value.retry_after <= 3600


async def test_cache_control_hint(local_server: LocalServer, fetcher: Fetcher) -> None:
    local_server.route("/feed", RSS, headers={"Cache-Control": "public, max-age=600"})
    assert (await fetcher.fetch(local_server.url("/feed"))).retry_after == 600.0
    local_server.route("/plain", RSS)
    assert (await fetcher.fetch(local_server.url("/plain"))).retry_after is None


# -- politeness ----------------------------------------------------------------


async def test_per_host_delay_spaces_request_starts(hosts: list[LocalServer]) -> None:
    for server in hosts:
        server.route("/rss", RSS)
    async with Fetcher(per_host_delay=0.1, per_host_concurrency=4) as f:
        started = time.monotonic()
        await asyncio.gather(*(f.fetch(hosts[0].url("/rss")) for _ in range(4)))
        one_host = time.monotonic() - started

        started = time.monotonic()
        await asyncio.gather(*(f.fetch(server.url("/rss")) for server in hosts))
        four_hosts = time.monotonic() - started
    assert one_host >= 0.3  # starts at 0, 0.1, 0.2, 0.3
    assert four_hosts < 0.28  # different hosts do not wait for each other (serial: >= 0.3)


async def test_per_host_concurrency_cap(hosts: list[LocalServer]) -> None:
    for server in hosts:
        server.route("/slow", RSS, delay=0.2)
    async with Fetcher(per_host_concurrency=2, per_host_delay=0) as f:
        started = time.monotonic()
        await asyncio.gather(*(f.fetch(hosts[0].url("/slow")) for _ in range(4)))
        one_host = time.monotonic() - started

        started = time.monotonic()
        await asyncio.gather(*(f.fetch(s.url("/slow")) for s in hosts for _ in range(2)))
        four_hosts = time.monotonic() - started
    assert one_host >= 0.4  # two waves of two
    assert four_hosts < 0.4  # eight requests, one wave: 2 per host in parallel


async def test_global_concurrency_cap(hosts: list[LocalServer]) -> None:
    for server in hosts:
        server.route("/slow", RSS, delay=0.2)
    async with Fetcher(max_concurrency=2, per_host_delay=0) as f:
        started = time.monotonic()
        await asyncio.gather(*(f.fetch(s.url("/slow")) for s in hosts))
        took = time.monotonic() - started
    assert took >= 0.4


# -- identity, logging, blocked feeds ------------------------------------------


async def test_request_headers_name_the_bot(local_server: LocalServer, fetcher: Fetcher) -> None:
    local_server.route("/rss", RSS)
    await fetcher.fetch(local_server.url("/rss"))
    headers = local_server.requests[-1].headers
    assert headers.get("User-Agent") == DEFAULT_USER_AGENT
    assert "application/rss+xml" in headers.get("Accept", "")
    assert "text/html" in headers.get("Accept", "")
    assert headers.get("Accept-Language", "").startswith("vi")


async def test_one_debug_line_per_request(
    local_server: LocalServer, fetcher: Fetcher, caplog: pytest.LogCaptureFixture
) -> None:
    local_server.redirect("/old", "/rss")
    local_server.route("/rss", RSS)
    with caplog.at_level(logging.DEBUG, logger="feeds.fetch.fetcher"):
        await fetcher.fetch(local_server.url("/old"))
    lines = [r.getMessage() for r in caplog.records if r.name == "feeds.fetch.fetcher"]
    assert len(lines) == 2
    assert lines[0].startswith(f"GET {local_server.url('/old')} 301 ")
    size = len(RSS.encode("utf-8"))
    assert lines[1].startswith(f"GET {local_server.url('/rss')} 200 {size} bytes ")
    assert lines[1].endswith(" ms")


async def test_laodong_style_cookie_challenge_is_recognised(
    local_server: LocalServer, fetcher: Fetcher
) -> None:
    challenge = (
        '<html><head><script>document.cookie="D1N=8f2c1b7e0a9d; path=/";'
        "window.location.reload(true);</script></head><body></body></html>"
    )
    local_server.route("/rss/cong-doan.rss", challenge, content_type="text/html")
    blocked = await fetcher.fetch(local_server.url("/rss/cong-doan.rss"))
    assert blocked.status == 200 and looks_like_bot_challenge(blocked)

    local_server.route("/rss/home.rss", RSS, content_type="application/rss+xml")
    assert not looks_like_bot_challenge(await fetcher.fetch(local_server.url("/rss/home.rss")))


# -- where remote content may lead (issue 18.1) --------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("93.184.216.34", "public"),
        ("2606:2800:220:1:248:1893:25c8:1946", "public"),
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("::ffff:169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 form of the metadata address
        ("2002:a9fe:a9fe::1", "link-local"),  # 6to4 form
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),
        ("fd00::1", "private"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "reserved"),
        ("240.0.0.1", "reserved"),
        ("::", "reserved"),
    ],
)
def test_address_classes(address: str, kind: str) -> None:
    assert address_class(ipaddress.ip_address(address)) == kind


def test_policy_follows_the_sources_own_classes_never_link_local() -> None:
    loopback_source = AddressPolicy.for_source([ipaddress.ip_address("127.0.0.1")])
    public_source = AddressPolicy.for_source([ipaddress.ip_address("93.184.216.34")])
    metadata = ipaddress.ip_address("169.254.169.254")
    assert loopback_source.refusal(ipaddress.ip_address("127.0.0.2"), "127.0.0.2") is None
    assert public_source.refusal(ipaddress.ip_address("127.0.0.2"), "localhost") == (
        "refused 127.0.0.2 (for localhost): a loopback address, "
        "and the source's own host is not on one"
    )
    # a source *on* a link-local address still never leads there
    on_metadata = AddressPolicy.for_source([metadata])
    assert on_metadata.refusal(metadata, "169.254.169.254") == (
        "refused 169.254.169.254: a link-local address (cloud metadata), never fetched"
    )
    assert AddressPolicy(trusted=True).refusal(metadata, "169.254.169.254") is None


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://congdoannghean.vn/tin/1.html", True),
        ("HTTP://127.0.0.1:8080/x", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("data:text/html,x", False),
        ("vbscript:msgbox", False),
        ("file:///etc/passwd", False),
        ("/relative/path", False),
        ("http://", False),
        ("", False),
    ],
)
def test_only_http_links_are_web_links(url: str, ok: bool) -> None:
    assert is_web_link(url) is ok


async def test_redirect_from_the_operators_url_is_checked(local_server: LocalServer) -> None:
    """The operator's URL is trusted; where its answer points is not."""
    local_server.redirect("/rss", "http://10.0.0.7/rss", status=302)
    async with Fetcher(per_host_delay=0, timeout=2.0) as f:
        with pytest.raises(FetchError) as info:
            await f.fetch(local_server.url("/rss"))
    assert (info.value.kind, info.value.reason) == (
        "blocked",
        "refused 10.0.0.7: a private-network address, and the source's own host is not on one",
    )


async def test_deadline_bounds_a_dripping_answer(local_server: LocalServer) -> None:
    local_server.route("/drip", b"x" * 100, drip=0.1)
    async with Fetcher(per_host_delay=0, timeout=1.0, deadline=0.5) as f:
        started = time.monotonic()
        with pytest.raises(FetchError) as info:
            await f.fetch(local_server.url("/drip"))
    assert info.value.reason == "did not finish within 0.5 s"
    assert time.monotonic() - started < 1.5
