"""Issue 18.1: where remote content may send the fetcher (SSRF).

The operator's source URL is trusted wherever it points; redirects, item
links and article pages are checked after DNS on every hop: internal classes
only when the source's own host is in that class, link-local never.  The
hostile site is served on 127.0.0.1; as a "public" site it is reached through
:class:`HostileNetwork`, which never connects anywhere but loopback.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from feeds.fetch.fetcher import Fetcher, FetchError
from feeds.poller import PollOutcome, SourceState, poll_source
from feeds.sources import SourceConfig
from tests.support.hostile_site import (
    GOOD_TITLES,
    METADATA_IP,
    PUBLIC_IP,
    SECRET,
    SITE_HOST,
    HostileNetwork,
    HostileSite,
    article_html,
    no_egress,
    rss,
)
from tests.support.http_server import LocalServer, local_server

__all__ = ["local_server"]  # the fixture, re-exported for this module

VN = ZoneInfo("Asia/Ho_Chi_Minh")


async def poll(fetcher: Fetcher, url: str, kind: str = "rss") -> PollOutcome:
    source = SourceConfig(id="hostile", name="Trang thử", url=url, kind=kind)  # type: ignore[arg-type]
    return await poll_source(
        fetcher, source, SourceState(), tz=VN, is_new=lambda refs: [True] * len(refs)
    )


def assert_good_items_kept(outcome: PollOutcome) -> None:
    by_title = {c.title: c for c in outcome.candidates}
    for title in GOOD_TITLES:
        assert title in by_title, f"lost a good item: {title}"
        assert by_title[title].text_error is None
        assert "Liên đoàn Lao động tỉnh Nghệ An" in by_title[title].text
    assert all(SECRET not in c.text for c in outcome.candidates)


# -- item links of a public source ----------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "named"),
    [
        ("Tin nội bộ: metadata", f"refused {METADATA_IP}: a link-local address"),
        ("Tin nội bộ: metadata IPv6", f"refused ::ffff:{METADATA_IP}: a link-local address"),
        ("Tin nội bộ: metadata thập phân", f"refused {METADATA_IP} (for 2852039166)"),
        ("Tin nội bộ: localhost", "refused 127.0.0.1 (for localhost): a loopback address"),
        ("Tin nội bộ: mạng riêng", "refused 10.0.0.7: a private-network address"),
        ("Tin nội bộ: chuyển hướng", f"refused ::ffff:{METADATA_IP}: a link-local address"),
    ],
)
async def test_public_feed_item_link_to_inside_keeps_teaser_and_names_address(
    public_site: HostileSite, fetcher: Fetcher, net: HostileNetwork, title: str, named: str
) -> None:
    outcome = await poll(fetcher, f"http://{SITE_HOST}/feed/internal-links.rss")
    assert outcome.error is None
    item = next(c for c in outcome.candidates if c.title == title)
    assert item.text_error is not None and item.text_error.startswith(named)
    assert item.text == f"Tin công đoàn: {title}"  # the feed's teaser, not the internal page
    assert_good_items_kept(outcome)
    assert len(outcome.candidates) == 8
    assert net.refused == []  # refused before any connection was attempted
    assert "/secret" not in [r.path for r in public_site.requests]


# -- redirects answered to the source fetch ------------------------------------------------


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/redirect/metadata", f"refused {METADATA_IP}: a link-local address (cloud metadata)"),
        ("/redirect/metadata-mapped", f"refused ::ffff:{METADATA_IP}: a link-local address"),
        ("/redirect/metadata-decimal", f"refused {METADATA_IP} (for 2852039166)"),
        ("/redirect/private", "refused 10.0.0.7: a private-network address"),
        ("/redirect/localhost", "refused 127.0.0.1 (for localhost): a loopback address"),
        ("/redirect/ipv6-loopback", "refused ::1: a loopback address"),
        ("/redirect/chain-1", f"refused ::ffff:{METADATA_IP}: a link-local address"),
    ],
)
async def test_public_source_redirect_inside_is_the_source_error(
    public_site: HostileSite, fetcher: Fetcher, net: HostileNetwork, path: str, named: str
) -> None:
    outcome = await poll(fetcher, f"http://{SITE_HOST}{path}")
    assert outcome.error is not None and outcome.error.startswith(named)
    assert outcome.candidates == []
    assert net.refused == []


async def test_loopback_source_may_reach_loopback_never_link_local_or_private(
    net: HostileNetwork, fetcher: Fetcher
) -> None:
    """The operator's 127.0.0.1 site: its links may go to 127.0.0.2, not to metadata or 10/8."""
    with LocalServer("127.0.0.1") as site, LocalServer("127.0.0.2") as neighbour:
        neighbour.route("/bai.html", article_html(GOOD_TITLES[0]))
        site.route(
            "/rss",
            rss(
                [
                    (GOOD_TITLES[0], neighbour.url("/bai.html")),
                    ("Metadata", f"http://{METADATA_IP}/latest/meta-data/"),
                    ("Mạng riêng", "http://192.168.1.1/cgi-bin/"),
                ]
            ),
            content_type="application/rss+xml",
        )
        site.redirect("/old-rss", f"http://{METADATA_IP}/latest/meta-data/", status=301)
        outcome = await poll(fetcher, site.url("/rss"))
        redirected = await poll(fetcher, site.url("/old-rss"))
    errors = {c.title: c.text_error for c in outcome.candidates}
    assert errors == {
        GOOD_TITLES[0]: None,
        "Metadata": f"refused {METADATA_IP}: a link-local address (cloud metadata), never fetched",
        "Mạng riêng": "refused 192.168.1.1: a private-network address, and the source's own "
        "host is not on one",
    }
    assert redirected.error is not None and redirected.error.startswith(f"refused {METADATA_IP}")
    assert net.refused == []


async def test_intranet_source_may_reach_its_private_network(net: HostileNetwork) -> None:
    """A union intranet on 10.20.30.40 links to 10.20.30.41: same class, allowed."""
    with LocalServer() as intranet, LocalServer("127.0.0.3") as files:
        net.publish("intranet.congdoan.local", intranet, ip="10.20.30.40")
        net.publish("tailieu.congdoan.local", files, ip="10.20.30.41")
        files.route("/bai.html", article_html(GOOD_TITLES[1]))
        intranet.route(
            "/rss",
            rss(
                [
                    (GOOD_TITLES[1], "http://tailieu.congdoan.local/bai.html"),
                    ("Metadata", f"http://{METADATA_IP}/"),
                ]
            ),
            content_type="application/rss+xml",
        )
        async with Fetcher(
            per_host_delay=0, timeout=2.0, resolver=net.resolve, network_backend=net.backend
        ) as fetcher:
            outcome = await poll(fetcher, "http://intranet.congdoan.local/rss")
    errors = {c.title: c.text_error for c in outcome.candidates}
    assert errors[GOOD_TITLES[1]] is None
    assert errors["Metadata"] is not None and "never fetched" in errors["Metadata"]
    assert ("10.20.30.41", 80) in net.connects


async def test_octal_and_hex_forms_of_the_metadata_address(
    public_site: HostileSite, fetcher: Fetcher
) -> None:
    source = f"http://{SITE_HOST}/feed/internal-links.rss"
    with pytest.raises(FetchError) as octal:
        await fetcher.fetch("http://0251.0376.0251.0376/latest/", source_url=source)
    assert octal.value.kind == "invalid_url"
    assert "0251.0376.0251.0376" in octal.value.reason
    with pytest.raises(FetchError) as hexa:
        await fetcher.fetch("http://0xa9fea9fe/latest/", source_url=source)
    assert hexa.value.kind == "blocked"
    assert hexa.value.reason.startswith(f"refused {METADATA_IP} (for 0xa9fea9fe)")


# -- DNS tricks --------------------------------------------------------------------------------


async def test_dns_rebinding_connects_to_the_address_it_checked(
    public_site: HostileSite, net: HostileNetwork
) -> None:
    """One lookup per connection: the address checked is the address connected to."""
    net.rebinding("rebind.congdoan-hostile.vn", [PUBLIC_IP], ["127.0.0.1"])
    source = f"http://{SITE_HOST}/feed/internal-links.rss"
    url = "http://rebind.congdoan-hostile.vn/articles/good-0.html"
    async with Fetcher(
        per_host_delay=0, timeout=2.0, resolver=net.resolve, network_backend=net.backend
    ) as fetcher:
        page = await fetcher.fetch(url, source_url=source)
    assert page.text is not None and GOOD_TITLES[0] in page.text
    assert net.lookups.count("rebind.congdoan-hostile.vn") == 1
    assert net.connects[-1] == (PUBLIC_IP, 80)

    async with Fetcher(
        per_host_delay=0, timeout=2.0, resolver=net.resolve, network_backend=net.backend
    ) as fetcher:  # a new connection: the name now answers 127.0.0.1
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(url, source_url=source)
    assert info.value.reason.startswith("refused 127.0.0.1 (for rebind.congdoan-hostile.vn)")
    assert ("127.0.0.1", 80) not in net.connects


async def test_a_name_with_one_internal_answer_is_refused(
    public_site: HostileSite, net: HostileNetwork, fetcher: Fetcher
) -> None:
    net.names["mixed.congdoan-hostile.vn"] = [PUBLIC_IP, "10.0.0.7"]
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(
            "http://mixed.congdoan-hostile.vn/articles/good-0.html",
            source_url=f"http://{SITE_HOST}/rss",
        )
    assert info.value.kind == "blocked"
    assert info.value.reason.startswith("refused 10.0.0.7 (for mixed.congdoan-hostile.vn)")
    assert net.connects == []


async def test_pooled_intranet_connection_is_not_reused_for_a_public_sources_link(
    net: HostileNetwork, fetcher: Fetcher
) -> None:
    """Keep-alive must not carry a trusted connection over to remote content's request."""
    with LocalServer() as intranet:
        net.publish("intranet.congdoan.local", intranet, ip="10.20.30.40")
        intranet.route("/rss", rss([]), content_type="application/rss+xml")
        intranet.route("/admin", SECRET)
        await fetcher.fetch("http://intranet.congdoan.local/rss")  # the operator's source
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(
                "http://intranet.congdoan.local/admin", source_url=f"http://{PUBLIC_IP}/rss"
            )
        assert [r.path for r in intranet.requests] == ["/rss"]
    assert info.value.reason.startswith("refused 10.20.30.40 (for intranet.congdoan.local)")


async def test_real_sockets_block_metadata_before_connecting(local_server: LocalServer) -> None:
    """The default resolver and socket layer, with a safety net that refuses egress."""
    local_server.redirect("/rss", f"http://{METADATA_IP}/latest/meta-data/", status=302)
    with no_egress() as attempted:
        async with Fetcher(per_host_delay=0, timeout=2.0) as fetcher:
            with pytest.raises(FetchError) as info:
                await fetcher.fetch(local_server.url("/rss"))
            with pytest.raises(FetchError) as decimal:
                await fetcher.fetch(
                    "http://2852039166/latest/meta-data/", source_url=local_server.url("/rss")
                )
    assert info.value.kind == decimal.value.kind == "blocked"
    assert METADATA_IP in info.value.reason and METADATA_IP in decimal.value.reason
    assert attempted == []
