"""End to end ingest: real local sites, a real database, the real pipeline.

What an operator checks: the first poll stores a baseline, nothing is stored
twice whatever the sites do, an unchanged site costs only 304s, a republished
article is one story with two links, and a broken source says why, backs off
and never stops the others.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import Config, parse_config
from bot.runtime.ingest_round import make_analyzer, poll_round
from feeds.sample_site import SampleSite, sources_toml
from storage.db import Database
from storage.models import Item, Source, Story
from storage.queries import latest_stories
from tests.support.http_server import LocalServer

FAST_FETCH = "[fetch]\nper_host_delay = 0.0\ntimeout = 2\n"


def config_for(db: Database, sources: str) -> Config:
    text = f'[bot]\ndatabase_url = "{db.url}"\n{FAST_FETCH}{sources}'
    return parse_config(text, Path("test.toml"), {})


def poll(config: Config, db: Database):  # type: ignore[no-untyped-def]
    return asyncio.run(poll_round(config, db, force=True, analyzer=make_analyzer(config)))


@pytest.fixture
def site():  # type: ignore[no-untyped-def]
    with SampleSite() as s:
        yield s


def count(db: Database, model) -> int:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_first_poll_is_a_baseline_then_only_news_is_new(db: Database, site: SampleSite) -> None:
    config = config_for(db, sources_toml(site.base_url))
    reports = poll(config, db)
    assert all(r.outcome.error is None for r in reports), [r.outcome.error for r in reports]
    first = latest_stories(db, 100)
    assert len(first) >= 8
    assert all(s.baseline for s in first), "old news must never be pushed"

    new_url = site.publish_next()
    assert new_url
    reports = poll(config, db)
    new_ids = [i for r in reports for i in r.stored.new_story_ids]
    assert len(new_ids) == 1
    story = next(s for s in latest_stories(db, 100) if s.id == new_ids[0])
    assert not story.baseline
    assert story.url == new_url
    assert story.text and "TIN TỨC MỚI NHẤT" not in story.text


def test_unchanged_sites_cost_only_304s_and_store_nothing(db: Database, site: SampleSite) -> None:
    config = config_for(db, sources_toml(site.base_url))
    poll(config, db)
    stories, items = count(db, Story), count(db, Item)
    site.requests.clear()
    reports = poll(config, db)
    assert [r.stored.new_items for r in reports] == [0] * len(reports)
    assert all(r.outcome.not_modified for r in reports)
    assert {status for _, _, status in site.requests} == {304}
    assert (count(db, Story), count(db, Item)) == (stories, items)


def test_republished_article_is_one_story_with_both_links(db: Database, site: SampleSite) -> None:
    config = config_for(db, sources_toml(site.base_url))
    poll(config, db)
    stories = latest_stories(db, 100)
    multi = [s for s in stories if len({link.source_id for link in s.links}) > 1]
    assert multi, "the baonghean original and the congdoannghean reprint should be one story"
    story = multi[0]
    hosts = {link.url.split("/")[3] for link in story.links}
    assert hosts == {"congdoannghean", "baonghean"}
    titles = [s.title for s in stories]
    assert len(titles) == len(set(titles)), "no story is stored twice"


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Công đoàn</title><link>{base}/</link>
{items}
</channel></rss>"""
ITEM = """<item><title>{title}</title><link>{link}</link><guid>{guid}</guid>
<pubDate>Mon, 23 Nov 2026 08:00:00 +0700</pubDate>
<description><![CDATA[<p>{body}</p>]]></description></item>"""
BODY = (
    "Sáng 23/11, Liên đoàn Lao động tỉnh Nghệ An tổ chức hội nghị tổng kết công tác "
    "phát triển đoàn viên, thành lập công đoàn cơ sở năm 2026 với sự tham dự của đại "
    "diện các công đoàn cơ sở trong toàn tỉnh. " * 6
)


def rss(base: str, entries: list[tuple[str, str, str]]) -> str:
    items = "\n".join(ITEM.format(title=t, link=link, guid=g, body=BODY) for t, link, g in entries)
    return RSS.format(base=base, items=items)


def test_never_twice_whatever_the_site_does(db: Database) -> None:
    with LocalServer() as server:
        base = server.url("")
        title = "Hội nghị tổng kết công tác phát triển đoàn viên năm 2026"
        link = f"{base}/tin/hoi-nghi-tong-ket-123.html"
        server.route("/feed.rss", rss(base, [(title, link, "guid-1")]),
                     content_type="application/rss+xml")  # fmt: skip
        config = config_for(db, f'[[sources]]\nid = "f"\nurl = "{base}/feed.rss"\nkind = "rss"\n')
        poll(config, db)
        assert count(db, Item) == 1
        variants = [
            (title, link, "guid-CHANGED"),  # GUID changed, same URL
            (title, link.replace("http://", "https://") + "?utm_source=zalo&fbclid=x#top", "g3"),
            (title + " ", link + "/", "guid-1"),
        ]
        for variant in variants:
            server.update("/feed.rss", body=rss(base, [variant]).encode())
            reports = poll(config, db)
            assert reports[0].outcome.error is None
            assert reports[0].stored.new_items == 0, variant
        assert count(db, Item) == 1

        # A genuinely new article is new.
        server.update(
            "/feed.rss",
            body=rss(
                base, [("Tháng Công nhân năm 2027 bắt đầu sớm", f"{base}/tin/b-2.html", "g9")]
            ).encode(),
        )
        assert poll(config, db)[0].stored.new_items == 1


def test_broken_sources_fail_clearly_back_off_and_spare_the_others(db: Database) -> None:
    with LocalServer() as server:
        base = server.url("")
        server.route("/good.rss", rss(base, [("Tin tốt về công tác công đoàn năm 2026", f"{base}/a", "a")]),
                     content_type="application/rss+xml")  # fmt: skip
        server.route("/challenge.rss",
                     '<html><script>document.cookie="D1N=abc";location.reload(true);</script></html>',
                     content_type="text/html")  # fmt: skip
        server.route("/missing.rss", "Not found", status=404)
        server.route("/error.rss", "Internal error", status=500)
        server.route("/slow.rss", "<rss/>", delay=3.0, content_type="application/rss+xml")
        server.route(
            "/broken.rss", "<rss><channel><item><title>x</chan", content_type="application/rss+xml"
        )
        server.route("/listing", "<html><body><p>Trang trống</p></body></html>")
        sources = ""
        for sid, path, kind in [
            ("good", "/good.rss", "rss"),
            ("challenge", "/challenge.rss", "rss"),
            ("missing", "/missing.rss", "rss"),
            ("error", "/error.rss", "rss"),
            ("slow", "/slow.rss", "rss"),
            ("broken", "/broken.rss", "rss"),
        ]:
            sources += f'[[sources]]\nid = "{sid}"\nurl = "{base}{path}"\nkind = "{kind}"\n'
        sources += (
            '[[sources]]\nid = "dns"\nurl = "http://nonexistent.invalid/feed.rss"\nkind = "rss"\n'
        )
        sources += f'[[sources]]\nid = "empty-listing"\nurl = "{base}/listing"\nkind = "html"\n'
        sources += '[sources.listing]\nitem = "div.news-item"\n'
        config = config_for(db, sources)
        started = datetime.now(UTC)
        reports = {r.source.id: r for r in poll(config, db)}

    assert reports["good"].outcome.error is None and reports["good"].stored.new_items == 1
    errors = {sid: r.outcome.error or "" for sid, r in reports.items()}
    assert "HTML" in errors["challenge"] and "cookie" in errors["challenge"].lower()
    assert "404" in errors["missing"]
    assert "500" in errors["error"]
    assert "DNS" in errors["dns"] and "nonexistent.invalid" in errors["dns"]
    assert "timed out" in errors["slow"]
    assert "malformed" in errors["broken"].lower() or "xml" in errors["broken"].lower()
    assert "div.news-item" in errors["empty-listing"]
    with db.read() as session:
        rows = {
            s.id: (s.consecutive_failures, s.last_error, s.next_poll_at)
            for s in session.scalars(select(Source))
        }
    for sid in ("challenge", "missing", "error", "dns", "slow", "broken", "empty-listing"):
        failures, last_error, next_poll_at = rows[sid]
        assert failures == 1 and last_error == errors[sid]
        assert next_poll_at is not None and next_poll_at > started
    assert rows["good"][0] == 0


def test_an_undated_notice_is_read_as_of_its_fetch(db: Database) -> None:
    """A listing or feed without dates is common: a notice found today with
    "trước ngày 28/12" (no year) still gets its deadline, hence a reminder."""
    with LocalServer() as server:
        base = server.url("")
        link = f"{base}/thong-bao/nop-ho-so.html"
        body = (
            "Liên đoàn Lao động tỉnh Nghệ An đề nghị các công đoàn cơ sở gửi hồ sơ đề nghị "
            "khen thưởng về Ban Tổ chức trước ngày 28/12. "
        ) * 4
        item = ITEM.replace("<pubDate>Mon, 23 Nov 2026 08:00:00 +0700</pubDate>\n", "")
        feed = RSS.format(
            base=base,
            items=item.format(
                title="Thông báo nộp hồ sơ khen thưởng", link=link, guid="n1", body=body
            ),
        )
        server.route("/feed.rss", feed, content_type="application/rss+xml")
        config = config_for(db, f'[[sources]]\nid = "f"\nurl = "{base}/feed.rss"\nkind = "rss"\n')
        poll(config, db)
        with db.read() as session:
            story = session.scalars(select(Story)).one()
            assert story.published_at is None
            fetched = session.scalars(select(Item.fetched_at)).one()
            dates = [e.date for e in story.events]
        year = fetched.astimezone(config.tz).year
        assert [(d.year, d.month, d.day) for d in dates] == [(year, 12, 28)]
