"""The bundled sample union sites, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import unicodedata
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from email.message import Message
from email.utils import parsedate_to_datetime

import feedparser
import lxml.html
import pytest

from feeds.fetch.encoding import decode_html_or_xml
from feeds.sample_site import SampleSite, load_articles
from feeds.vntext import fold_key


@pytest.fixture(scope="module")
def site() -> Iterator[SampleSite]:
    with SampleSite() as running:
        yield running


def fetch(site: SampleSite, path: str, **headers: str) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(site.url(path), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:  # 304 and 404 arrive as HTTPError
        return err.code, err.headers, err.read()


def page(site: SampleSite, path: str) -> str:
    status, _, body = fetch(site, path)
    assert status == 200, path
    return body.decode("utf-8")


def test_congdoannghean_pages_carry_the_real_sites_furniture(site: SampleSite) -> None:
    article = next(a for a in load_articles() if a.key == "cdna-001-khoi-thi-dua")
    for path in ("/congdoannghean/tin-tuc", article.path):
        html = page(site, path)
        for furniture in (
            "<marquee",
            "Đoàn kết, trí tuệ, dân chủ, kỷ cương",
            "Chào mừng bạn đến với Trang thông tin điện tử Công đoàn nghệ an",
            "TIN TỨC MỚI NHẤT",
            "THÔNG BÁO",
            "HỆ THỐNG TỔ CHỨC",
            "TƯ VẤN PHÁP LUẬT",
            "THƯ VIỆN ẢNH",
            "LIÊN KÊT WEBSITE",
            "SỐ LƯỢNG TRUY CẬP",
        ):
            assert furniture in html, (path, furniture)
    html = page(site, article.path)
    assert "04:51 01/03/2021" in html and "TUYÊN TRUYỀN GIÁO DỤC" in html and "Từ khóa:" in html
    assert f"{article.title} ảnh 1" in html  # captions repeated as "<title> ảnh N"
    # The slug is the whole folded title, as on the real site.
    assert article.path.endswith(fold_key(article.title).replace(" ", "-"))


def test_listings_are_paged_and_newest_first(site: SampleSite) -> None:
    doc1 = lxml.html.fromstring(page(site, "/congdoannghean/tin-tuc"))
    doc2 = lxml.html.fromstring(page(site, "/congdoannghean/tin-tuc?page=2"))
    first = doc1.cssselect("div.list-news span.time")
    second = doc2.cssselect("div.list-news span.time")
    assert len(first) == 5 and 1 <= len(second) <= 5
    stamps = [datetime.strptime(s.text, "%H:%M %d/%m/%Y") for s in first + second]
    assert stamps == sorted(stamps, reverse=True)
    notices = lxml.html.fromstring(page(site, "/congdoannghean/thong-bao"))
    titles = [a.text_content() for a in notices.cssselect("div.list-news a.title")]
    assert titles and all(t.startswith(("Kế hoạch", "Hướng dẫn", "Thông báo")) for t in titles)


def test_etag_and_last_modified_give_304(site: SampleSite) -> None:
    for path in (
        "/congdoannghean/tin-tuc",
        "/baonghean/rss/lao-dong.rss",
        "/laodongcongdoan/atom.xml",
    ):
        status, headers, body = fetch(site, path)
        assert status == 200 and body
        etag, modified = headers["ETag"], headers["Last-Modified"]
        assert etag and modified
        assert fetch(site, path, **{"If-None-Match": etag})[0] == 304
        assert fetch(site, path, **{"If-Modified-Since": modified})[0] == 304
        assert fetch(site, path, **{"If-None-Match": '"other"'})[0] == 200
        assert fetch(site, path, **{"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})[0] == 200
    assert ("GET", "/congdoannghean/tin-tuc", 304) in site.requests


def test_publishing_a_held_back_article_changes_listing_feed_and_validators() -> None:
    with SampleSite() as fresh:
        held = fresh.held_back
        assert held >= 6  # 2-3 per site
        _, headers, _ = fetch(fresh, "/congdoannghean/tin-tuc")
        etags = {p: fetch(fresh, p)[1]["ETag"] for p in ("/baonghean/rss/lao-dong.rss",)}
        published = [fresh.publish_next() for _ in range(held)]
        assert fresh.held_back == 0 and fresh.publish_next() is None
        assert all(url and url.startswith(fresh.base_url) for url in published)
        for url in published:  # every revealed article is served
            assert fetch(fresh, url.removeprefix(fresh.base_url))[0] == 200
        status, new_headers, body = fetch(
            fresh, "/congdoannghean/tin-tuc", **{"If-None-Match": headers["ETag"]}
        )
        assert status == 200 and new_headers["ETag"] != headers["ETag"]
        listing = body.decode()
        rss = fetch(fresh, "/baonghean/rss/lao-dong.rss")
        assert rss[1]["ETag"] != etags["/baonghean/rss/lao-dong.rss"]
        atom = fetch(fresh, "/laodongcongdoan/atom.xml")[2].decode()
        for url in published:
            path = url.removeprefix(fresh.base_url)
            if path.startswith("/congdoannghean/chi-tiet/"):
                assert path in page(fresh, "/congdoannghean/tin-tuc") + page(
                    fresh, "/congdoannghean/thong-bao"
                )
            elif path.startswith("/baonghean/"):
                assert url in rss[2].decode()
            else:
                assert url in atom
        assert "Kết nạp mới hơn 7.500 đoàn viên".lower() in listing.lower()


def test_held_back_articles_are_not_served_before_publication() -> None:
    with SampleSite() as fresh:
        hidden = [a for a in load_articles() if a.held_back]
        assert fetch(fresh, hidden[0].path)[0] == 404
        assert hidden[0].title not in page(fresh, "/")
        listing = page(fresh, "/congdoannghean/tin-tuc")
        assert not any(a.path in listing for a in hidden)


def test_windows_1258_article_is_sent_as_cp1258_bytes(site: SampleSite) -> None:
    article = next(a for a in load_articles() if a.encoding == "windows-1258")
    status, headers, body = fetch(site, article.path)
    assert status == 200
    assert "charset" not in headers["Content-Type"]  # only the <meta> tells
    assert b'<meta charset="windows-1258">' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = unicodedata.normalize("NFC", body.decode("cp1258"))
    assert article.title in text and "Mái ấm Công đoàn" in text
    assert "ệ".encode("cp1258", "ignore") == b""  # no precomposed ệ in cp1258...
    assert "ê\u0323".encode("cp1258") in body  # ...so it is sent as ê + dot below
    decoded, codec = decode_html_or_xml(body, headers["Content-Type"])
    assert codec == "windows-1258" and article.title in decoded


def test_baonghean_rss_has_teasers_and_pages_autodiscover_it(site: SampleSite) -> None:
    status, headers, body = fetch(site, "/baonghean/rss/lao-dong.rss")
    assert status == 200 and "rss" in headers["Content-Type"]
    feed = feedparser.parse(body)
    visible = [a for a in load_articles() if a.site == "baonghean" and not a.held_back]
    assert not feed.bozo and feed.version == "rss20"
    assert [e.link for e in feed.entries] == [site.url(a.path) for a in visible]
    for entry, article in zip(feed.entries, visible, strict=True):
        assert parsedate_to_datetime(entry.published) == article.published
        assert article.lead in entry.summary and len(entry.summary) < 600  # teaser only
    old = next(a for a in visible if a.layout == "old")
    html = page(site, old.path)
    assert 'type="application/rss+xml"' in html and "/baonghean/rss/lao-dong.rss" in html
    assert 'property="article:published_time" content="2022-04-13T15:20:00+07:00"' in html
    assert "(Baonghean.vn) - Sáng ngày 13/4" in html and "13/04/2022" not in html
    assert old.path.endswith(f"-{old.id}.html") and len(old.id) == 8


def test_seed_004_is_a_near_duplicate_across_sites(site: SampleSite) -> None:
    original = next(a for a in load_articles() if a.key == "bna-004-so-ket-6-thang-2022")
    reprint = next(a for a in load_articles() if a.key == "cdna-004-so-ket-6-thang-2022")
    assert original.title != reprint.title and fold_key(reprint.title) in fold_key(original.title)
    reprint_html = page(site, reprint.path)
    original_html = page(site, original.path)
    assert "Theo Diệp Thanh - Baonghean.vn" in reprint_html
    assert "Theo Diệp Thanh - Baonghean.vn" not in original_html
    assert reprint_html.count("Ảnh: ĐVCC") == 2 and "Ảnh: ĐVCC" not in original_html


def test_laodongcongdoan_atom_has_full_content(site: SampleSite) -> None:
    feed = feedparser.parse(fetch(site, "/laodongcongdoan/atom.xml")[2])
    assert feed.version == "atom10" and not feed.bozo
    seed = next(e for e in feed.entries if "LĐLĐ TP Hà Nội ký kết" in e.title)
    body = seed.content[0].value
    assert "giai đoạn 2022-2027" in body and len(body) > 5000
    assert seed.published.startswith("2022-05-20T17:40:00+07:00")


def test_laodong_feed_answers_with_a_js_cookie_challenge(site: SampleSite) -> None:
    status, headers, body = fetch(site, "/laodong/rss/cong-doan.rss")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b'document.cookie="D1N=' in body and b"location.reload(true)" in body
    assert feedparser.parse(body).entries == []


def test_unknown_paths_are_404_and_head_has_no_body(site: SampleSite) -> None:
    assert fetch(site, "/congdoannghean/chi-tiet/khong-co-bai-nay")[0] == 404
    request = urllib.request.Request(site.url("/congdoannghean/tin-tuc"), method="HEAD")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200 and response.read() == b""
        assert int(response.headers["Content-Length"]) > 10_000
    assert ("HEAD", "/congdoannghean/tin-tuc", 200) in site.requests
