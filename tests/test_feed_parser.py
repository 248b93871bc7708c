"""Feeds as union and press sites serve them, and the HTML pages they serve instead."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from feeds.parse.feed_parser import (
    NotAFeed,
    ParsedFeed,
    discover_feeds,
    html_to_text,
    looks_like_feed,
    parse_feed,
)
from tests.support.http_server import LocalServer

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FEEDS = Path(__file__).parent / "fixtures" / "feeds"
ARTICLES = Path(__file__).parent / "fixtures" / "articles"


def load(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def parse(name: str, url: str = "https://baonghean.vn/rss/lao-dong.rss") -> ParsedFeed:
    return parse_feed(load(name), url, VN)


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN)


def test_rss2_teaser_feed_titles_links_dates() -> None:
    feed = parse("rss2_teaser.xml")
    assert feed.title == "Báo Nghệ An - Lao động"
    assert feed.link == "https://baonghean.vn/lao-dong"
    assert [e.title for e in feed.entries] == [
        "Liên đoàn Lao động tỉnh Nghệ An làm việc với Thường trực Thành ủy Vinh",
        "Công đoàn Nghệ An phấn đấu hoàn thành cao nhất các mục tiêu, nhiệm vụ",
        "Trao 50 suất quà cho công nhân lao động & người thân",
    ]
    first, second, third = feed.entries
    assert first.url.endswith("-283575.html") and first.guid == "283575"
    assert first.published == vn(2022, 4, 13, 11, 22)
    # relative link resolved against the feed URL; naive local time kept in +07:00
    assert second.url == (
        "https://baonghean.vn/cong-doan-nghe-an-phan-dau-hoan-thanh-cao-nhat-cac-muc-tieu-nhiem-vu-309999.html"
    )
    assert second.published == vn(2022, 7, 26, 13, 53)
    assert second.published.utcoffset() == timedelta(hours=7)
    # no <link>: the permalink guid is the article URL
    assert third.url == "https://baonghean.vn/trao-50-suat-qua-cho-cong-nhan-lao-dong-310001.html"
    assert third.published == vn(2022, 7, 27, 8, 15)


def test_rss2_teaser_descriptions_become_plain_text() -> None:
    first, second, _ = parse("rss2_teaser.xml").entries
    assert first.summary == (
        "(Baonghean.vn) - Sáng ngày 13/4, Liên đoàn Lao động tỉnh đã có buổi làm việc với "
        "Thường trực Thành ủy Vinh về công tác phối hợp tổ chức hoạt động công đoàn."
    )
    assert "<" not in second.summary and second.summary.startswith("Sáng 26/7, Liên đoàn")
    assert all(e.is_teaser and e.content_text is None for e in parse("rss2_teaser.xml").entries)


def test_rss2_full_content_is_not_a_teaser() -> None:
    [entry] = parse("rss2_full.xml").entries
    assert not entry.is_teaser
    assert entry.published == vn(2022, 7, 26, 13, 53)  # GMT converted
    paragraphs = entry.content_text.split("\n")
    assert paragraphs[0].startswith("Sáng 26/7, Liên đoàn Lao động tỉnh Nghệ An")
    assert any(p.startswith("Theo Quyết định số 4074/QĐ-TLĐ") for p in paragraphs)
    assert "var x" not in entry.content_text  # script content is not text
    assert entry.summary.startswith("Nghệ An - Sáng 26/7")


def test_atom_feed() -> None:
    feed = parse("atom.xml", url="https://congdoannghean.vn/atom.xml")
    assert feed.title == "LĐLĐ tỉnh Nghệ An - Thông báo"
    assert feed.link == "https://congdoannghean.vn/thong-bao"
    first, second = feed.entries
    assert first.title.startswith("Hướng dẫn sơ kết hoạt động Công đoàn 6 tháng đầu năm 2023")
    assert first.published == vn(2023, 6, 20, 8, 30)  # <published>, not <updated>
    assert first.is_teaser and first.summary.startswith("Ban Thường vụ LĐLĐ tỉnh")
    assert second.url == (
        "https://congdoannghean.vn/chi-tiet/huong-dan-truyen-thong-thang-cong-nhan-2023"
    )
    assert second.published == vn(2023, 4, 25, 8, 0)
    assert not second.is_teaser and "Mái ấm Công đoàn" in second.content_text


def test_rss1_rdf_feed() -> None:
    feed = parse("rss1_rdf.xml", url="https://laodongthudo.vn/rss/cong-doan.rss")
    assert feed.title == "Lao động Thủ đô - Công đoàn"
    assert [e.published for e in feed.entries] == [vn(2022, 5, 20, 17, 40), vn(2022, 5, 21)]
    assert feed.entries[0].url.endswith("-140001.html")
    assert feed.entries[0].summary.startswith("Hai đơn vị thống nhất")


def test_empty_channel_is_a_valid_empty_feed() -> None:
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Thông báo</title>'
        "<link>https://congdoannghean.vn/</link><description>Chưa có tin</description>"
        "</channel></rss>"
    )
    feed = parse_feed(body, "https://congdoannghean.vn/rss", VN)
    assert feed.title == "Thông báo" and feed.entries == []


def test_cookie_challenge_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed) as err:
        parse("laodong_cookie_challenge.html", url="https://laodong.vn/rss/cong-doan.rss")
    assert err.value.reason == "got an HTML page instead of a feed (JavaScript cookie challenge)"


def test_error_page_reason_names_its_title() -> None:
    with pytest.raises(NotAFeed) as err:
        parse("not_found.html")
    assert err.value.reason == "got an HTML page instead of a feed (title: '404 Not Found')"


def test_login_page_is_named() -> None:
    body = (
        "<!DOCTYPE html><html><head><title>Đăng nhập</title></head><body><form>"
        '<input name="u"><input type="password" name="p"></form></body></html>'
    )
    with pytest.raises(NotAFeed) as err:
        parse_feed(body, "https://example.vn/rss", VN)
    assert err.value.reason == "got an HTML page instead of a feed (login page)"


def test_article_page_on_a_feed_url_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed) as err:
        parse_feed((ARTICLES / "congdoannghean_004.html").read_bytes(), "http://x.vn/rss", VN)
    assert "Công đoàn Nghệ An phấn đấu" in err.value.reason


def test_truncated_xml_without_items_is_malformed() -> None:
    with pytest.raises(NotAFeed) as err:
        parse("malformed.xml")
    assert err.value.reason.startswith("malformed XML: ")
    assert len(err.value.reason) > len("malformed XML: ")


def test_empty_body_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed, match="empty"):
        parse_feed(b"  \n", "https://example.vn/rss", VN)


def test_recoverable_malformed_feed_is_accepted_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="feeds.parse.feed_parser"):
        feed = parse("malformed_recoverable.xml", url="https://congdoangtvt.vn/rss")
    assert feed.entries[0].title == "Hội nghị Ban Chấp hành Công đoàn GTVT Việt Nam lần thứ 5"
    assert feed.entries[0].published == vn(2022, 12, 19, 9, 0)
    assert any("malformed but readable" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("rss2_teaser.xml", "application/rss+xml", True),
        ("rss2_teaser.xml", "text/html; charset=utf-8", True),  # mislabelled feeds exist
        ("atom.xml", "application/xml", True),
        ("rss1_rdf.xml", "text/xml", True),
        ("laodong_cookie_challenge.html", "text/html", False),
        ("laodong_cookie_challenge.html", "application/rss+xml", False),
        ("not_found.html", "text/html", False),
    ],
)
def test_looks_like_feed(name: str, content_type: str, expected: bool) -> None:
    assert looks_like_feed(load(name), content_type) is expected


def test_discover_feeds_in_page_order_absolute() -> None:
    html = (ARTICLES / "baonghean_table_000.html").read_text()
    assert discover_feeds(html, "https://baonghean.vn/lien-doan-283575.html") == [
        "https://baonghean.vn/rss/home.rss",
        "https://baonghean.vn/rss/xa-hoi.rss",
    ]
    page = (
        '<html><head><base href="https://laodongcongdoan.vn/">'
        '<link rel="alternate" type="application/atom+xml" href="atom.xml">'
        '<link rel="alternate" type="text/html" hreflang="en" href="/en/">'
        '<link rel="Alternate" type="application/rss+xml" href="rss/home.rss">'
        '<link rel="alternate" type="application/rss+xml" href="rss/home.rss">'
        "</head><body></body></html>"
    )
    assert discover_feeds(page, "https://laodongcongdoan.vn/x/y.html") == [
        "https://laodongcongdoan.vn/atom.xml",
        "https://laodongcongdoan.vn/rss/home.rss",
    ]
    assert discover_feeds("", "https://x.vn/") == []


def test_html_to_text_keeps_words_apart_only_at_blocks() -> None:
    assert html_to_text("<p><b>Sáng 26/7</b>, LĐLĐ&nbsp;tỉnh</p><p>Đoạn hai<br>dòng ba</p>") == (
        "Sáng 26/7, LĐLĐ tỉnh\nĐoạn hai\ndòng ba"
    )


def test_over_http_feed_and_challenge() -> None:
    """What the poller sees: bytes and a Content-Type from a real socket."""
    with LocalServer() as server:
        server.route(
            "/rss/lao-dong.rss", load("rss2_teaser.xml"), content_type="application/rss+xml"
        )
        server.route(
            "/rss/cong-doan.rss",
            load("laodong_cookie_challenge.html"),
            content_type="text/html; charset=utf-8",
        )
        with httpx.Client() as client:
            good = client.get(server.url("/rss/lao-dong.rss"))
            blocked = client.get(server.url("/rss/cong-doan.rss"))
        origin = server.url("/")
    assert looks_like_feed(good.content, good.headers["content-type"])
    feed = parse_feed(good.content, str(good.url), VN)
    assert len(feed.entries) == 3
    assert feed.entries[1].url.startswith(origin)  # relative link resolved on the served host
    assert not looks_like_feed(blocked.content, blocked.headers["content-type"])
    with pytest.raises(NotAFeed, match="cookie challenge"):
        parse_feed(blocked.content, str(blocked.url), VN)
