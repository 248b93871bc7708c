"""Issue 18.6-8: what a hostile feed's bytes and links may become.

A feed whose declared charset lies is read like a page (Vietnamese charset
detection); an HTML page on a feed URL is named by its real title; a story
carries only an http(s) link, and a message never shows another kind.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.render import render_digest, render_push, render_reminder
from feeds.fetch.fetcher import Fetcher
from feeds.poller import PollOutcome, SourceState, poll_source
from feeds.sources import ListingSelectors, SourceConfig
from storage.queries import EventView, Link, StoryView
from tests.support.fake_telegram import parse_html
from tests.support.hostile_site import GOOD_TITLES, HostileSite, cp1258

VN = ZoneInfo("Asia/Ho_Chi_Minh")
BAD_SCHEMES = ("javascript", "data", "vbscript", "file", "gopher")


@pytest.fixture
def site() -> Iterator[HostileSite]:
    with HostileSite() as s:
        yield s


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(timeout=2.0, per_host_delay=0.0) as f:
        yield f


async def poll(
    fetcher: Fetcher, url: str, kind: str = "rss", listing: ListingSelectors | None = None
) -> PollOutcome:
    source = SourceConfig(id="hostile", name="Trang thử", url=url, kind=kind, listing=listing)  # type: ignore[arg-type]
    return await poll_source(
        fetcher, source, SourceState(), tz=VN, is_new=lambda refs: [True] * len(refs)
    )


# -- 6: a feed whose charset lies ------------------------------------------------------------


@pytest.mark.parametrize("path", ["/feed/lying-charset.rss", "/feed/lying-charset.bin"])
async def test_windows_1258_feed_declared_utf8_reads_as_vietnamese(
    site: HostileSite, fetcher: Fetcher, path: str
) -> None:
    """Header and prolog say UTF-8 (or nothing useful); the bytes are windows-1258."""
    raw = site._lookup(path).body  # type: ignore[union-attr]
    assert "Hội nghị".encode() not in raw and cp1258("Hội nghị") in raw
    outcome = await poll(fetcher, site.url(path))
    assert outcome.error is None
    assert [c.title for c in outcome.candidates] == list(GOOD_TITLES)
    assert all(c.text_error is None for c in outcome.candidates)
    assert outcome.candidates[0].description == f"Tin công đoàn: {GOOD_TITLES[0]}"


# -- 7: an HTML page served for a feed URL -------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/feed/html-page", "got an HTML page instead of a feed (title: 'Trang lỗi')"),
        ("/feed/html-page-1258", "got an HTML page instead of a feed (title: 'Trang bảo trì')"),
    ],
)
async def test_html_page_on_a_feed_url_names_its_real_title(
    site: HostileSite, fetcher: Fetcher, path: str, reason: str
) -> None:
    outcome = await poll(fetcher, site.url(path))
    assert outcome.error == reason
    assert outcome.candidates == []


# -- 8: links that are not http(s) ---------------------------------------------------------------


async def test_feed_entries_with_script_or_local_links_are_dropped_not_the_feed(
    site: HostileSite, fetcher: Fetcher, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="feeds.poller"):
        outcome = await poll(fetcher, site.url("/feed/bad-schemes.rss"))
    assert outcome.error is None
    assert [c.title for c in outcome.candidates] == list(GOOD_TITLES)
    assert all(c.url.startswith(site.url("/articles/")) for c in outcome.candidates)
    assert all(c.text_error is None for c in outcome.candidates)
    lines = [r.getMessage() for r in caplog.records if "entry dropped" in r.getMessage()]
    assert len(lines) == 6
    for scheme in BAD_SCHEMES:
        assert any(f"not http(s) ({scheme})" in line for line in lines), scheme
    assert not any(r.exc_info for r in caplog.records)  # one line each, no traceback
    assert not [r for r in site.requests if "passwd" in r.path]


async def test_listing_entries_with_script_links_are_dropped(
    site: HostileSite, fetcher: Fetcher
) -> None:
    listing = ListingSelectors(item="div.news-item", link="a.title")
    outcome = await poll(fetcher, site.url("/listing/bad-schemes.html"), "html", listing)
    assert outcome.error is None
    assert [c.title for c in outcome.candidates] == list(GOOD_TITLES)
    assert all(c.url.startswith("http://127.0.0.1:") for c in outcome.candidates)


def stored_story(url: str) -> StoryView:
    """A story stored before links were checked, carrying a hostile link."""
    good = "https://congdoannghean.vn/tin/hoi-nghi.html"
    return StoryView(
        id=1,
        title="Hội nghị sơ kết công tác nữ công",
        url=url,
        source_id="hostile",
        source_name="Trang thử",
        published=datetime(2026, 11, 19, 2, 0, tzinfo=UTC),
        first_seen=datetime(2026, 11, 19, 2, 5, tzinfo=UTC),
        text="Nội dung. " * 30,
        description=None,
        summary="Liên đoàn Lao động tỉnh tổ chức hội nghị sơ kết.",
        links=(
            Link("hostile", "Trang thử", url),
            Link("mirror", "Trang chép", "data:text/html,<script>alert(1)</script>"),
            Link("cdna", "Công đoàn Nghệ An", good),
        ),
        units=(),
        topics=(),
        events=(EventView(date(2026, 11, 30), None, "deadline", "Hạn cuối nộp báo cáo"),),
        baseline=False,
    )


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        " JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
    ],
)
def test_messages_drop_script_links_and_keep_the_story(url: str) -> None:
    story = stored_story(url)
    today = date(2026, 11, 20)
    rendered = render_push([story], "vi", VN, today=today)
    rendered += render_digest(today, [story], "vi", VN, today=today)
    rendered.append(render_reminder(story.events[0], story, 3, "vi", VN))
    for message in rendered:
        _text, entities = parse_html(message.html)  # what Telegram would accept and show
        hrefs = [e["url"] for e in entities if e["type"] == "text_link"]
        assert all(h.startswith("https://") for h in hrefs), hrefs
        for form in (message.html, message.plain):
            lowered = form.lower().replace("\t", "")
            assert not any(f"{s}:" in lowered for s in ("javascript", "data", "vbscript"))
    push = rendered[0]
    assert story.title in parse_html(push.html)[0] and story.title in push.plain
    assert "https://congdoannghean.vn/tin/hoi-nghi.html" in push.html
    assert "Trang chép" not in push.plain  # the data: mirror is dropped, not shown bare
