"""feeds.parse.listing on the sample union sites (real HTTP) and on hand-written layouts."""

from __future__ import annotations

import time
import unicodedata
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import parse_config
from feeds.parse.listing import ListingEntry, ListingError, parse_listing
from feeds.sample_site import Article, SampleSite, load_articles, sources_toml
from feeds.sources import ListingSelectors

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FETCHED = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
CDNA = ListingSelectors(item="div.list-news div.news-item", link="a.title", date="span.time")


@pytest.fixture(scope="module")
def site() -> Iterator[SampleSite]:
    with SampleSite() as running:
        yield running


def get(site: SampleSite, path: str) -> tuple[str, str]:
    url = site.url(path)
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8"), url


def published(site_name: str, kind: str | None = None) -> list[Article]:
    """What a reader of the site sees at start: its visible articles, newest first."""
    return [
        a
        for a in load_articles()
        if a.site == site_name and not a.held_back and kind in (None, a.kind)
    ]


def title(article: Article) -> str:
    return " ".join(article.title.split())


def urls(entries: list[ListingEntry]) -> list[str]:
    return [e.url for e in entries]


# --- the sample site's listings ------------------------------------------------


def test_configured_selectors_read_every_item_with_date_and_lead(site: SampleSite) -> None:
    source = next(
        s
        for s in parse_config(sources_toml(site.base_url), Path("t.toml"), env={}).sources
        if s.id == "congdoannghean-tin-tuc"
    )
    html, url = get(site, "/congdoannghean/tin-tuc")
    entries = parse_listing(html, url, TZ, source.listing, fetched_at=FETCHED)
    expected = published("congdoannghean", "news")[:5]
    assert urls(entries) == [site.url(a.path) for a in expected]
    assert [e.title for e in entries] == [title(a) for a in expected]
    assert [e.published for e in entries] == [a.published for a in expected]
    assert [e.teaser for e in entries] == [a.lead for a in expected]
    # The reprint's title has a double space in the page; entries are collapsed.
    assert "Công đoàn Nghệ An phấn đấu hoàn thành cao nhất các mục tiêu, nhiệm vụ" in [
        e.title for e in entries
    ]


@pytest.mark.parametrize(
    ("path", "site_name", "kind", "start", "stop"),
    [
        ("/congdoannghean/tin-tuc", "congdoannghean", "news", 0, 5),
        ("/congdoannghean/tin-tuc?page=2", "congdoannghean", "news", 5, 10),
        ("/congdoannghean/thong-bao", "congdoannghean", "notice", 0, 5),
        ("/baonghean/lao-dong", "baonghean", None, 0, 50),
        ("/laodongcongdoan/hoat-dong-cong-doan", "laodongcongdoan", None, 0, 50),
    ],
)
def test_heuristics_find_the_main_list_and_nothing_else(
    site: SampleSite, path: str, site_name: str, kind: str | None, start: int, stop: int
) -> None:
    html, url = get(site, path)
    entries = parse_listing(html, url, TZ, fetched_at=FETCHED)
    expected = published(site_name, kind)
    if site_name == "laodongcongdoan":
        expected = [a for a in expected if a.section == "Hoạt động Công đoàn"]
    expected = expected[start:stop]
    assert urls(entries) == [site.url(a.path) for a in expected]
    assert [e.title for e in entries] == [title(a) for a in expected]
    assert [e.teaser for e in entries] == [a.lead for a in expected]
    if site_name != "baonghean":  # baonghean's list shows no times
        assert [e.published for e in entries] == [a.published for a in expected]
    for entry in entries:  # no menu, sidebar box, tag or pager link slipped in
        assert not any(
            part in entry.url
            for part in ("/chuyen-muc/", "/to-chuc/", "/tu-van/", "/tags/", "page=")
        )


def test_heuristics_skip_the_latest_news_sidebar_on_page_two(site: SampleSite) -> None:
    html, url = get(site, "/congdoannghean/tin-tuc?page=2")
    assert "TIN TỨC MỚI NHẤT" in html  # the sidebar lists the page-1 items...
    entries = parse_listing(html, url, TZ, fetched_at=FETCHED)
    newest = {site.url(a.path) for a in published("congdoannghean", "news")[:5]}
    assert newest.isdisjoint(urls(entries))  # ...which are not this page's entries
    assert len(entries) == len(published("congdoannghean", "news")) - 5


def test_notices_page_relative_links_are_made_absolute(site: SampleSite) -> None:
    html, url = get(site, "/congdoannghean/thong-bao")
    assert 'href="chi-tiet/' in html
    entries = parse_listing(html, url, TZ, CDNA, fetched_at=FETCHED)
    assert entries and all(e.url.startswith(site.url("/congdoannghean/chi-tiet/")) for e in entries)
    assert all(e.title.startswith(("Kế hoạch", "Hướng dẫn", "Thông báo")) for e in entries)


def test_listing_follows_publication() -> None:
    with SampleSite() as fresh:
        before = urls(parse_listing(*get(fresh, "/congdoannghean/tin-tuc"), TZ, CDNA))
        new_urls = [fresh.publish_next() for _ in range(fresh.held_back)]
        html, url = get(fresh, "/congdoannghean/tin-tuc")
        after = urls(parse_listing(html, url, TZ, CDNA))
    assert after[0] in new_urls and after[0] not in before
    assert after[1:] == before[:4]


# --- hand-written layouts --------------------------------------------------------

TABLE_LAYOUT = """<html><head><meta charset="utf-8"><title>Văn bản</title></head><body>
<table width="100%"><tr><td class="top"><a href="/">Trang chủ</a> | <a href="/gioi-thieu">Giới thiệu về Liên đoàn Lao động tỉnh Hà Tĩnh</a></td></tr></table>
<table width="100%"><tr>
<td valign="top" width="25%">
  <b>TIN ĐỌC NHIỀU</b><br>
  <a href="/tin/dai-hoi-cong-doan-tinh-ha-tinh-lan-thu-xx-thanh-cong-tot-dep-1201.html">Đại hội Công đoàn tỉnh Hà Tĩnh lần thứ XX thành công tốt đẹp</a><br>
  <a href="/tin/trao-mai-am-cong-doan-cho-doan-vien-kho-khan-tai-ky-anh-1188.html">Trao Mái ấm Công đoàn cho đoàn viên khó khăn tại Kỳ Anh</a>
</td>
<td valign="top">
<h2>VĂN BẢN CHỈ ĐẠO</h2>
<table class="vanban" border="1">
<tr><th>Số hiệu</th><th>Trích yếu</th><th>Ngày ban hành</th></tr>
<tr class="odd"><td>98/KH-LĐLĐ</td><td><a href="van-ban/ke-hoach-tet-sum-vay-2027-98.html">Kế hoạch tổ chức chương trình Tết Sum vầy năm 2027</a></td><td>17/11/2026</td></tr>
<tr class="even"><td>12/HD-LĐLĐ</td><td><a href="van-ban/huong-dan-so-ket-6-thang-2026-12.html">Hướng dẫn sơ kết hoạt động Công đoàn 6 tháng đầu năm 2026</a></td><td>02/6/2026</td></tr>
<tr class="odd"><td>45/KH-LĐLĐ</td><td><a href="https://ldld.hatinh.example/van-ban/ke-hoach-thang-cong-nhan-2026-45.html">Kế hoạch tổ chức các hoạt động Tháng Công nhân năm 2026</a></td><td>09/4/2026</td></tr>
<tr class="even"><td>07/TB-LĐLĐ</td><td><a href="van-ban/thong-bao-lich-nghi-tet-7.html">Thông báo lịch nghỉ Tết Nguyên đán Bính Ngọ năm 2026</a></td><td>20/01/2026</td></tr>
</table>
<p align="right"><a href="?trang=2">Trang sau</a></p>
</td></tr></table>
<table><tr><td class="footer">Liên đoàn Lao động tỉnh Hà Tĩnh. <a href="/lien-he">Liên hệ với Ban biên tập trang thông tin</a></td></tr></table>
</body></html>"""

UL_LAYOUT = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<base href="https://congdoan.example/tin-tuc/"></head><body>
<header><nav><ul>
<li><a href="/hoat-dong-cong-doan-co-so-trong-doanh-nghiep">Hoạt động công đoàn cơ sở trong doanh nghiệp</a></li>
<li><a href="/chinh-sach-phap-luat-cho-nguoi-lao-dong">Chính sách pháp luật cho người lao động</a></li>
</ul></nav></header>
<div class="content">
<ul class="news">
<li><a href="../tin-tuc/cong-doan-xa-vu-ban-ra-mat-ban-chap-hanh-lan-thu-nhat-1575550.ldo">Công đoàn xã Vụ Bản ra mắt Ban Chấp hành lần thứ nhất</a> <span>(15/10/2025)</span></li>
<li><a href="cong-doan-phuong-thai-hoa-khen-thuong-tap-the-ca-nhan-1633146.ldo">Công đoàn phường Thái Hòa khen thưởng tập thể, cá nhân tiêu biểu năm 2025</a> <span>(13/4)</span></li>
<li><a href="cong-doan-phuong-thai-hoa-khen-thuong-tap-the-ca-nhan-1633146.ldo#binh-luan">Công đoàn phường Thái Hòa khen thưởng tập thể, cá nhân tiêu biểu năm 2025</a></li>
<li><a href="javascript:void(0)">Xem thêm các tin tức khác của chuyên mục này</a></li>
<li><a href="mailto:bbt@congdoan.example">Gửi tin bài cho Ban biên tập trang tin</a></li>
<li><a href="/tin-tuc/trao-qua-tet-cho-doan-vien-o-quang-ngai-1651451.ldo"><img src="a.jpg" alt=""></a><a href="/tin-tuc/trao-qua-tet-cho-doan-vien-o-quang-ngai-1651451.ldo" title="Trao quà Tết cho đoàn viên công đoàn ở Quảng Ngãi">Trao quà Tết cho đoàn viên công đoàn ở Quảng Ngãi</a> <span>(20/01/2026)</span></li>
</ul>
</div>
<aside><h3>Tin liên quan</h3><ul class="news">
<li><a href="/tin-tuc/nghe-an-dung-hoat-dong-24-cong-doan-cap-tren-truc-tiep-co-so-1529105.ldo">Nghệ An dừng hoạt động 24 công đoàn cấp trên trực tiếp cơ sở</a></li>
<li><a href="/tin-tuc/ldld-tinh-nghe-an-cong-bo-quyet-dinh-sau-sap-xep-tinh-gon-1471983.ldo">LĐLĐ tỉnh Nghệ An công bố quyết định sau sắp xếp tinh gọn</a></li>
<li><a href="/tin-tuc/thanh-lap-cong-doan-xa-vu-ban-tinh-ninh-binh-1575551.ldo">Thành lập Công đoàn xã Vụ Bản tỉnh Ninh Bình có 8.552 đoàn viên</a></li>
<li><a href="/tin-tuc/bua-com-cong-doan-cho-40000-cong-nhan-nghe-an-1499001.ldo">Bữa cơm Công đoàn cho 40.000 công nhân người lao động Nghệ An</a></li>
</ul></aside>
<footer><a href="/gioi-thieu-ve-trang-thong-tin-dien-tu">Giới thiệu về trang thông tin điện tử công đoàn</a></footer>
</body></html>"""


def test_table_layout_rows_become_entries() -> None:
    base = "https://ldld.hatinh.example/van-ban"
    entries = parse_listing(TABLE_LAYOUT, base, TZ, fetched_at=FETCHED)
    assert [e.title for e in entries] == [
        "Kế hoạch tổ chức chương trình Tết Sum vầy năm 2027",
        "Hướng dẫn sơ kết hoạt động Công đoàn 6 tháng đầu năm 2026",
        "Kế hoạch tổ chức các hoạt động Tháng Công nhân năm 2026",
        "Thông báo lịch nghỉ Tết Nguyên đán Bính Ngọ năm 2026",
    ]
    assert entries[0].url == "https://ldld.hatinh.example/van-ban/ke-hoach-tet-sum-vay-2027-98.html"
    assert [e.published.date().isoformat() for e in entries if e.published] == [
        "2026-11-17",
        "2026-06-02",
        "2026-04-09",
        "2026-01-20",
    ]
    assert all(e.published.tzinfo is not None for e in entries if e.published)


def test_ul_layout_with_base_href_nav_aside_and_junk_links() -> None:
    entries = parse_listing(UL_LAYOUT, "https://congdoan.example/", TZ, fetched_at=FETCHED)
    assert urls(entries) == [
        "https://congdoan.example/tin-tuc/cong-doan-xa-vu-ban-ra-mat-ban-chap-hanh-lan-thu-nhat-1575550.ldo",
        "https://congdoan.example/tin-tuc/cong-doan-phuong-thai-hoa-khen-thuong-tap-the-ca-nhan-1633146.ldo",
        "https://congdoan.example/tin-tuc/trao-qua-tet-cho-doan-vien-o-quang-ngai-1651451.ldo",
    ]
    assert entries[0].published == datetime(2025, 10, 15, tzinfo=TZ)
    # "13/4" has no year: the one nearest the fetch time (and not in the future).
    assert entries[1].published == datetime(2026, 4, 13, tzinfo=TZ)
    assert entries[2].title == "Trao quà Tết cho đoàn viên công đoàn ở Quảng Ngãi"


def test_selectors_keep_external_links_but_drop_ads_and_junk() -> None:
    html = """<div class="list">
    <div class="it"><a href="https://laodong.vn/cong-doan/tin-1.ldo">Tin từ Báo Lao Động về công đoàn</a></div>
    <div class="it"><a href="https://ads.example.vn/click?id=9">Vay tiền nhanh lãi suất thấp cho công nhân</a></div>
    <div class="it"><a href="#">Không có liên kết thật sự ở đây</a></div>
    <div class="it"><a href="/tin-2.html">  Tin\u00a0thứ   hai\n của trang  </a><time datetime="2026-05-01T08:00:00+07:00">1/5</time></div>
    </div>"""
    entries = parse_listing(html, "https://cd.example/list", TZ, ListingSelectors(item="div.it"))
    assert urls(entries) == [
        "https://laodong.vn/cong-doan/tin-1.ldo",
        "https://cd.example/tin-2.html",
    ]
    assert entries[1].title == "Tin thứ hai của trang"
    assert entries[1].published == datetime(2026, 5, 1, 8, 0, tzinfo=TZ)


def test_titles_are_nfc_and_title_selector_wins() -> None:
    nfd = unicodedata.normalize("NFD", "Hướng dẫn phát triển đoàn viên năm 2026")
    html = f"""<ul><li><a href="/a-1.html"><img alt="x"></a><h3>{nfd}</h3>
    <span class="date">Thứ Hai, 20/05/2022</span><p class="sapo">Tóm tắt ngắn gọn nội dung của văn bản.</p></li></ul>"""
    sel = ListingSelectors(item="li", title="h3", date="span.date")
    [entry] = parse_listing(html, "https://cd.example/", TZ, sel)
    assert entry.title == unicodedata.normalize("NFC", nfd)
    assert entry.published == datetime(2022, 5, 20, tzinfo=TZ)
    assert entry.teaser == "Tóm tắt ngắn gọn nội dung của văn bản."


@pytest.mark.parametrize(
    ("selectors", "named"),
    [
        (ListingSelectors(item="div.news-item"), "div.news-item"),
        (ListingSelectors(item="li", link="a.tieu-de"), "a.tieu-de"),
        (ListingSelectors(item="li", date="span.ngay"), "span.ngay"),
        (ListingSelectors(item="li", title="h4"), "h4"),
        (ListingSelectors(item="li[[bad"), "li[[bad"),
    ],
)
def test_a_selector_that_matches_nothing_is_an_error_naming_it(
    selectors: ListingSelectors, named: str
) -> None:
    html = '<ul><li><a href="/x-1.html">Một bản tin công đoàn đủ dài</a></li></ul>'
    with pytest.raises(ListingError) as info:
        parse_listing(html, "https://cd.example/", TZ, selectors)
    assert f"'{named}'" in info.value.reason


def test_pages_without_a_listing_are_errors_not_empty_results() -> None:
    with pytest.raises(ListingError):
        parse_listing("   ", "https://cd.example/", TZ)
    with pytest.raises(ListingError):
        parse_listing(
            "<html><body><nav><a href='/gioi-thieu-chung-ve-to-chuc-cong-doan'>Giới thiệu chung về tổ chức công đoàn</a></nav></body></html>",
            "https://cd.example/",
            TZ,
        )


def test_a_100_kb_listing_parses_quickly(site: SampleSite) -> None:
    html, url = get(site, "/congdoannghean/tin-tuc")
    block = html[
        html.index('<div class="news-item">') : html.index('\n</div>\n<div class="pager">')
    ]
    copies = [block.replace("/chi-tiet/", f"/chi-tiet/{n}-") for n in range(22)]
    big = html.replace(block, "".join(copies))
    assert len(big.encode()) > 100_000
    for selectors in (None, CDNA):
        parse_listing(big, url, TZ, selectors, fetched_at=FETCHED)  # warm caches
        start = time.perf_counter()
        entries = parse_listing(big, url, TZ, selectors, fetched_at=FETCHED)
        elapsed = time.perf_counter() - start
        assert len(entries) == 110
        # A few ms on an idle machine; the bound leaves room for a busy CI box.
        assert elapsed < 0.1, f"{elapsed * 1000:.1f} ms"
