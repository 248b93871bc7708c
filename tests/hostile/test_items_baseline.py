"""Issue 18, item 4: old entries are never pushed as news.

A first poll is the baseline: everything it sees is history, fetched or not
(it fetches at most MAX_ARTICLES_PER_POLL article pages).  An entry that shows
up later but is dated well before the baseline's newest item is history too:
stored, searchable, never pushed.  End to end through a local site, the real
poller and routing, on the `db` fixture (SQLite file and PostgreSQL).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from feeds.poller import MAX_ARTICLES_PER_POLL
from storage.db import Database
from storage.models import Item, Story
from tests.hostile.items_support import (
    Entry,
    ItemSite,
    ask,
    config_for,
    latest,
    officer,
    pushed_titles,
    rfc822,
    tick,
    title_of,
)
from tests.support.http_server import LocalServer

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MANY = MAX_ARTICLES_PER_POLL + 10
OLD = datetime(2020, 6, 5, 8, 0, tzinfo=VN)  # "Tin cũ … 05/06/2020" reached officers


def _written(moment: datetime, kind: str) -> str:
    if kind == "atom":
        return moment.isoformat()
    if kind == "listing":
        return moment.strftime("%H:%M %d/%m/%Y")
    return rfc822(moment)


class _Source:
    """One source of the given kind on a local server: RSS, Atom or a listing page."""

    def __init__(self, server: LocalServer, kind: str) -> None:
        self.kind = kind
        self.server = server
        self.site = ItemSite(server, atom=kind == "atom")

    def publish(self, entries: list[Entry]) -> None:
        self.site.publish(entries)  # the feed, and the article pages of teasers
        rows = "".join(
            f'<div class="news-item"><h3><a href="/tin/{e.n}.html">{title_of(e.n)}</a></h3>'
            f'<span class="time">{e.date}</span><p>Tóm tắt tin số {e.n}.</p></div>'
            for e in entries
        )
        self.server.route("/tin-tuc", f"<html><body><main>{rows}</main></body></html>")

    def toml(self) -> str:
        if self.kind != "listing":
            return self.site.sources_toml()
        return (
            f'[[sources]]\nid = "hostile"\nname = "Nguồn thử"\n'
            f'url = "{self.server.url("/tin-tuc")}"\nkind = "html"\n'
            '[sources.listing]\nitem = "div.news-item"\ntitle = "h3 a"\ndate = ".time"\n'
        )

    def article_requests(self) -> int:
        return sum(1 for r in self.server.requests if r.path.startswith("/tin/"))


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("kind", ["rss", "atom", "listing"])
def test_first_poll_covers_every_teaser_and_later_polls_push_nothing_old(
    db: Database, kind: str
) -> None:
    officer(db)
    with LocalServer() as server:
        source = _Source(server, kind)
        old = [
            Entry(n, _written(OLD + timedelta(days=n), kind), full=False)
            for n in range(MANY, 0, -1)  # newest first, as sites list them
        ]
        source.publish(old)
        config = config_for(db, source.toml())

        first = tick(config, db)
        assert first.reports[0].outcome.error is None
        assert first.reports[0].stored.new_items == MANY, "every entry seen is in the baseline"
        assert source.article_requests() == MAX_ARTICLES_PER_POLL, "politeness bound kept"
        assert _count(db, Item) == MANY

        for _ in range(2):  # the polls that used to push the leftovers
            later = tick(config, db)
            assert later.reports[0].stored.new_items == 0
        assert pushed_titles(db) == []

        fresh = Entry(MANY + 1, _written(datetime.now(VN), kind), full=False)
        source.publish([fresh, *old])
        tick(config, db)
    assert pushed_titles(db) == [title_of(MANY + 1)]
    # A leftover beyond the fetch bound is history the officer can still find.
    found = ask(db, config, f"/timkiem đơn vị {MANY}")
    assert title_of(MANY) in found
    found = ask(db, config, "/timkiem đơn vị 1")
    assert title_of(1) in found, found


def test_an_old_entry_found_later_is_stored_and_searchable_but_never_pushed(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    officer(db)
    now = datetime.now(VN)
    with LocalServer() as server:
        site = ItemSite(server)
        baseline = [Entry(n, rfc822(now - timedelta(days=4 - n))) for n in (3, 2, 1)]
        site.publish(baseline)
        config = config_for(db, site.sources_toml())
        tick(config, db)  # newest baseline item: yesterday
        assert pushed_titles(db) == []

        site.publish(
            [
                Entry(6, rfc822(now)),  # news
                Entry(5, rfc822(now - timedelta(days=3.5))),  # a few days' backlog: news
                Entry(4, rfc822(OLD), link=server.url("/luu-tru/4.html")),  # archive
                *baseline,
            ]
        )
        caplog.set_level(logging.INFO)
        result = tick(config, db)
    assert result.reports[0].stored.new_items == 3
    assert pushed_titles(db) == sorted([title_of(5), title_of(6)])
    history = [r.getMessage() for r in caplog.records if "not pushed" in r.getMessage()]
    assert len(history) == 1 and "/luu-tru/4.html" in history[0] and "2020-06-05" in history[0]
    assert title_of(4) in ask(db, config, "/timkiem đơn vị 4")
    shown = latest(db, config, 10)
    assert "05/06/2020" in shown and title_of(4) in shown


def test_an_undated_baseline_sets_the_bar_at_its_fetch(db: Database) -> None:
    """A baseline without dates (a listing that prints none) counts as of its poll."""
    officer(db)
    with LocalServer() as server:
        site = ItemSite(server)
        site.publish([Entry(1), Entry(2)])  # no dates at all
        config = config_for(db, site.sources_toml())
        tick(config, db)
        site.publish([Entry(4), Entry(3, rfc822(OLD)), Entry(1), Entry(2)])
        result = tick(config, db)
    assert result.reports[0].stored.new_items == 2
    assert pushed_titles(db) == [title_of(4)], "undated news is pushed, 2020 news is not"
    with db.read() as session:
        history = session.scalar(select(Story.baseline).where(Story.title == title_of(3)))
    assert history is True
