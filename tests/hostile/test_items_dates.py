"""Issue 18, items 2 and 3: hostile dates spoil one date, never a source, and
never keep an item at the top of /latest.

End to end: a local site serves the feed (and article or listing pages), the
real poller stores into the `db` fixture (SQLite file and PostgreSQL), and the
assertions read what the officer reads (/tinmoi) and the operator's log.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from storage.db import Database
from storage.queries import latest_stories
from tests.hostile.items_support import (
    Entry,
    ItemSite,
    config_for,
    latest,
    officer,
    poll,
    pushed_titles,
    rfc822,
    tick,
    title_of,
)
from tests.support.http_server import LocalServer

VN = ZoneInfo("Asia/Ho_Chi_Minh")
REPO = Path(__file__).resolve().parents[2]

# (feed format, what the bad entry's date says, a log line the operator gets)
BAD_DATES = [
    ("rss", "Fri, 31 Dec 9999 23:59:59 GMT", "unreadable or impossible date"),
    ("atom", "9999-12-31T23:59:59Z", "unreadable or impossible date"),
    ("rss", "Sat, 01 Jan 0000 00:00:00 GMT", "unreadable or impossible date"),
    ("atom", "0000-01-01T00:00:00+14:00", "unreadable or impossible date"),
    ("rss", "hôm qua, lúc nào không rõ", "unreadable or impossible date"),
    ("atom", "31/31/2026 25:61", "unreadable or impossible date"),
    ("rss", "Wed, 31 Dec 2098 10:00:00 +0700", "ahead of its fetch"),
    ("atom", "2098-12-31T10:00:00+07:00", "ahead of its fetch"),
]


def _ago(days: float, fmt: str) -> str:
    moment = datetime.now(VN) - timedelta(days=days)
    return rfc822(moment) if fmt == "rss" else moment.isoformat(timespec="seconds")


@pytest.mark.parametrize(("fmt", "bad", "logged"), BAD_DATES)
def test_a_bad_date_spoils_one_date_and_later_news_still_comes_first(
    db: Database, caplog: pytest.LogCaptureFixture, fmt: str, bad: str, logged: str
) -> None:
    with LocalServer() as server:
        site = ItemSite(server, atom=fmt == "atom")
        site.publish([Entry(1, _ago(2, fmt)), Entry(2, bad), Entry(3, _ago(1, fmt))])
        config = config_for(db, site.sources_toml())
        caplog.set_level(logging.INFO)
        reports = poll(config, db)
        assert reports[0].outcome.error is None
        assert reports[0].stored.new_items == 3, "the other entries of the feed are kept"
        assert any(logged in r.getMessage() for r in caplog.records), caplog.text

        # News published after the first poll goes above the badly dated item
        # (dated a few minutes on: the poll and the publication share a second).
        site.publish([Entry(4, _ago(-0.005, fmt)), Entry(1, _ago(2, fmt)), Entry(2, bad)])
        assert poll(config, db)[0].stored.new_items == 1
        shown = latest(db, config, 4)

    order = [shown.index(title_of(n)) for n in (4, 2, 3, 1)]
    assert order == sorted(order), shown
    bad_line = next(line for line in shown.splitlines() if title_of(2) in line)
    today = datetime.now(VN).strftime("%d/%m/%Y")
    assert today in bad_line, "dated by the fetch, not 9999 or 2098"
    assert "9999" not in shown and "2098" not in shown


def test_odd_iso_offsets_read_as_the_site_local_time(db: Database) -> None:
    with LocalServer() as server:
        site = ItemSite(server, atom=True)
        day = (datetime.now(VN) - timedelta(days=3)).date().isoformat()
        site.publish(
            [
                Entry(1, f"{day}T08:30:00+25:00"),  # no zone is 25 hours ahead
                Entry(2, f"{day}T09:30:00+07"),  # hours only
                Entry(3, f"{day}T10:30:00+7:00"),  # one-digit hour
                Entry(4, f"{day}T04:30:00-23:59"),  # Python accepts it; no real zone does
                Entry(5, f"{day}T04:30:00Z"),
            ]
        )
        config = config_for(db, site.sources_toml())
        poll(config, db)
    published = {s.title: s.published.astimezone(VN) for s in latest_stories(db, 10)}
    clock = {n: published[title_of(n)].strftime("%Y-%m-%d %H:%M") for n in range(1, 6)}
    assert clock == {
        1: f"{day} 08:30",
        2: f"{day} 09:30",
        3: f"{day} 10:30",
        4: f"{day} 04:30",
        5: f"{day} 11:30",
    }


def test_article_page_and_listing_dates_in_year_9999(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """A teaser whose article page says 9999, and a listing page with 9999 dates."""
    with LocalServer() as server:
        site = ItemSite(server)
        site.publish(
            [
                Entry(1, _ago(1, "rss"), full=False, page_date="10:00 31/12/9999"),
                Entry(2, None, full=False, page_date="10:00 31/12/2098"),
            ]
        )
        listing = "".join(
            f'<div class="news-item"><h3><a href="/tin/{n}.html">{title_of(n)}</a></h3>'
            f'<time datetime="{when}">{when}</time></div>'
            for n, when in ((11, "9999-12-31T23:59:59Z"), (12, "2098-12-31T10:00:00+07:00"))
        )
        server.route("/tin-tuc", f"<html><body>{listing}</body></html>")
        for n in (11, 12):
            site.publish([Entry(n, full=False)])  # serves their article pages
        site.publish(
            [
                Entry(1, _ago(1, "rss"), full=False, page_date="10:00 31/12/9999"),
                Entry(2, None, full=False, page_date="10:00 31/12/2098"),
            ]
        )
        sources = site.sources_toml("feed") + (
            f'[[sources]]\nid = "listing"\nurl = "{server.url("/tin-tuc")}"\nkind = "html"\n'
            '[sources.listing]\nitem = "div.news-item"\n'
        )
        config = config_for(db, sources)
        caplog.set_level(logging.INFO)
        reports = {r.source.id: r for r in poll(config, db)}
    assert [reports[s].outcome.error for s in ("feed", "listing")] == [None, None]
    assert [reports[s].stored.new_items for s in ("feed", "listing")] == [2, 2]
    dates = {s.title: s.published for s in latest_stories(db, 10)}
    assert dates[title_of(1)] is not None  # the page's 9999 is ignored, the feed's date stands
    assert dates[title_of(1)] < datetime.now(UTC) - timedelta(hours=20)
    assert dates[title_of(11)] is None, "a 9999 listing date is no date"
    for n in (2, 12):  # 2098: dated by the fetch
        assert abs(dates[title_of(n)] - datetime.now(UTC)) < timedelta(minutes=5)
    capped = [r.getMessage() for r in caplog.records if "ahead of its fetch" in r.getMessage()]
    assert len(capped) == 2, caplog.text  # the 2098 article page and the 2098 listing date


def test_sources_check_on_a_year_9999_feed_prints_every_entry(tmp_path: Path) -> None:
    """`congdoan-bot sources check` used to end in OverflowError."""
    with LocalServer() as server:
        site = ItemSite(server)
        site.publish(
            [
                Entry(1, "Fri, 31 Dec 9999 23:59:59 GMT"),
                Entry(2, "Sat, 01 Jan 0000 00:00:00 GMT"),
                Entry(3, rfc822(datetime(2026, 11, 20, 8, 0, tzinfo=VN))),
            ]
        )
        config = tmp_path / "bot_config.toml"
        config.write_text(f'[bot]\ndatabase_url = "sqlite:///{tmp_path / "c.db"}"\n')
        run = [sys.executable, "-m", "bot", "--config", str(config), "sources"]
        feed = site.server.url(site.feed_path)
        text = subprocess.run(
            [*run, "check", feed], capture_output=True, text=True, timeout=60, cwd=REPO
        )
        as_json = subprocess.run(
            [*run, "--json", "check", feed],
            capture_output=True, text=True, timeout=60, cwd=REPO,
        )  # fmt: skip
    assert text.returncode == 0, text.stderr
    assert "Traceback" not in text.stderr and "Error" not in text.stderr
    assert "Entries: 3" in text.stdout
    for n in (1, 2, 3):
        assert title_of(n) in text.stdout
    assert "20/11/2026 08:00" in text.stdout and "9999" not in text.stdout
    entries = json.loads(as_json.stdout)["entries"]
    assert [e["published"] for e in entries] == [None, None, "2026-11-20T08:00:00+07:00"]


def test_a_far_future_item_is_not_pushed_ahead_of_the_news(db: Database) -> None:
    """After the baseline, a 2098-dated item is pushed as today's, in order."""
    officer(db)
    with LocalServer() as server:
        site = ItemSite(server)
        site.publish([Entry(1, _ago(1, "rss"))])
        config = config_for(db, site.sources_toml())
        tick(config, db)
        assert pushed_titles(db) == []  # the baseline is never pushed
        site.publish(
            [Entry(2, "Wed, 31 Dec 2098 10:00:00 +0700"), Entry(3, _ago(0, "rss")),
             Entry(1, _ago(1, "rss"))]
        )  # fmt: skip
        tick(config, db)
    assert pushed_titles(db) == sorted([title_of(2), title_of(3)])
    dates = {s.title: s.published for s in latest_stories(db, 5)}
    assert dates[title_of(2)] <= datetime.now(UTC)
