"""Issue 18, item 5 and the probe's storage cases: what makes two entries one item.

A GUID identifies nothing on its own (feeds reuse one GUID for different
articles); the canonical link does.  Links that differ only by tracking
parameters, scheme, ``www.``/``m.`` or a fragment are one item.  A first poll
killed with SIGKILL leaves an intact database, and the next one stores each
entry once.  End to end through a local site and the real poller.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from storage.db import Database, open_database
from storage.models import Item, Story
from storage.queries import latest_stories
from tests.hostile.items_support import (
    FAST_FETCH,
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


def _ago(hours: float) -> str:
    return rfc822(datetime.now(VN) - timedelta(hours=hours))


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_one_guid_on_three_articles_gives_three_stories(
    db: Database, caplog: pytest.LogCaptureFixture, fmt: str
) -> None:
    officer(db)
    with LocalServer() as server:
        site = ItemSite(server, atom=fmt == "atom")
        site.publish([Entry(1, _ago(30))])
        config = config_for(db, site.sources_toml())
        tick(config, db)  # the baseline
        shared = [Entry(n, _ago(5 - n), guid="tin-moi") for n in (2, 3, 4)]
        site.publish([*shared, Entry(1, _ago(30))])
        caplog.set_level(logging.INFO)
        result = tick(config, db)
        assert tick(config, db).reports[0].stored.new_items == 0  # the same feed again
        shown = latest(db, config, 5)
    assert result.reports[0].stored.new_items == 3
    assert pushed_titles(db) == sorted(title_of(n) for n in (2, 3, 4))
    assert all(title_of(n) in shown for n in (1, 2, 3, 4))
    warned = [r.getMessage() for r in caplog.records if "shared by 3 entries" in r.getMessage()]
    assert len(warned) == 1 and "tin-moi" in warned[0]


def test_a_guid_reused_by_a_later_article_is_news(db: Database) -> None:
    """A CMS that stamps every item with GUID "1": each new link is a new article."""
    officer(db)
    with LocalServer() as server:
        site = ItemSite(server)
        site.publish([Entry(1, _ago(30), guid="1")])
        config = config_for(db, site.sources_toml())
        tick(config, db)
        for n in (2, 3):
            site.publish([Entry(n, _ago(5 - n), guid="1")])
            assert tick(config, db).reports[0].stored.new_items == 1
    assert pushed_titles(db) == [title_of(2), title_of(3)]
    assert [s.title for s in latest_stories(db, 5)] == [title_of(3), title_of(2), title_of(1)]


def test_a_guid_reused_with_the_same_link_stays_one_story(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    officer(db)
    with LocalServer() as server:
        site = ItemSite(server)
        site.publish([Entry(1, _ago(30), guid="g-1")])
        config = config_for(db, site.sources_toml())
        tick(config, db)
        link = server.url("/tin/2.html")
        twice = [
            Entry(2, _ago(2), guid="g-2", link=link),
            Entry(2, _ago(2), guid="g-2", link=link + "?utm_source=zalo"),
        ]
        site.publish([*twice, Entry(1, _ago(30), guid="g-1")])
        caplog.set_level(logging.INFO)
        assert tick(config, db).reports[0].stored.new_items == 1
        site.publish([*twice, Entry(1, _ago(30), guid="g-1")])  # seen again: no new line
        assert tick(config, db).reports[0].stored.new_items == 0
    assert pushed_titles(db) == [title_of(2)]
    merged = [r.getMessage() for r in caplog.records if "merged into" in r.getMessage()]
    assert len(merged) == 1 and "same link" in merged[0]
    assert not [r for r in caplog.records if "shared by" in r.getMessage()]


VARIANTS = [
    "http://congdoan.example.vn/tin/1.html?utm_source=zalo&utm_medium=share",
    "https://www.congdoan.example.vn/tin/1.html?fbclid=IwAR0abc",
    "https://m.congdoan.example.vn/tin/1.html#binh-luan",
    "https://congdoan.example.vn/tin/1.html/?zarsrc=30",
]


@pytest.mark.parametrize("variant", VARIANTS)
def test_tracking_and_host_variants_of_a_link_are_not_new(db: Database, variant: str) -> None:
    officer(db)
    with LocalServer() as server:
        site = ItemSite(server)  # full-text entries: the links are never fetched
        original = Entry(1, _ago(30), link="https://congdoan.example.vn/tin/1.html")
        site.publish([original])
        config = config_for(db, site.sources_toml())
        tick(config, db)
        # The same article under another spelling and title casing, with another GUID.
        again = Entry(1, _ago(30), link=variant, guid="khac", title=title_of(1).upper())
        site.publish([again, Entry(2, _ago(1))])
        result = tick(config, db)
    assert result.reports[0].stored.new_items == 1
    assert pushed_titles(db) == [title_of(2)]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Item)) == 2


def test_kill_9_during_a_big_first_poll_leaves_an_intact_database(tmp_path: Path) -> None:
    """SIGKILL mid first poll, then `poll --once` again: intact, every entry once."""
    db_path = tmp_path / "bot.db"
    with LocalServer() as server:
        site = ItemSite(server)
        entries = [Entry(n, _ago(n)) for n in range(1, 151)]
        site.publish(entries)
        config_file = tmp_path / "bot_config.toml"
        config_file.write_text(
            f'[bot]\ndatabase_url = "sqlite:///{db_path}"\n{FAST_FETCH}{site.sources_toml()}'
        )
        command = [sys.executable, "-m", "bot", "--config", str(config_file), "poll", "--once"]
        child = subprocess.Popen(
            command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _kill_while_writing(child, server, Path(f"{db_path}-wal"))

        with sqlite3.connect(db_path) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)

        # `poll --once` again, in this process (the same code path, minus a start-up).
        db = open_database(f"sqlite:///{db_path}")
        try:
            config = config_for(db, site.sources_toml())
            reports = poll(config, db)
            assert reports[0].outcome.error is None
            assert poll(config, db)[0].stored.new_items == 0
        finally:
            db.dispose()

    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        items, urls = raw.execute(
            "SELECT count(*), count(DISTINCT canonical_url) FROM items"
        ).fetchone()
        stories, baseline = raw.execute("SELECT count(*), sum(baseline) FROM stories").fetchone()
    assert items == urls == 150
    assert stories == baseline == 150, "all of the first poll is history, never pushed"


def _kill_while_writing(child: subprocess.Popen[bytes], server: LocalServer, wal: Path) -> None:
    """SIGKILL once the write-ahead log grows by 100 kB after the feed was served:
    the first poll's one transaction is being written (its items, texts, keys)."""
    deadline = time.monotonic() + 60
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    start = wal.stat().st_size if wal.exists() else 0  # the migrations' writes
    while child.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > start + 100_000:
            break
        time.sleep(0.002)
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=10) == -signal.SIGKILL, "the poll ended before it was killed"


def test_identity_rules_keep_every_article_once_in_latest(db: Database) -> None:
    """The whole mix in one feed: shared GUIDs, a duplicated link, plain entries."""
    with LocalServer() as server:
        site = ItemSite(server)
        link = server.url("/tin/9.html")
        site.publish(
            [
                Entry(5, _ago(1), guid="x"),
                Entry(6, _ago(2), guid="x"),
                Entry(9, _ago(3), link=link),
                Entry(9, _ago(3), link=link + "#top"),
                Entry(7, _ago(4)),
            ]
        )
        config = config_for(db, site.sources_toml())
        poll(config, db)
    titles = [s.title for s in latest_stories(db, 10)]
    assert titles == [title_of(5), title_of(6), title_of(9), title_of(7)]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Story)) == 4
