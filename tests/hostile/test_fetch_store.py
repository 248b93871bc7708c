"""Issue 18.1 and 18.8 end to end: what a hostile source leaves in the database.

The probe read the metadata answer back through /latest and /search, and saw
``javascript:`` links stored.  Here the real ingest round polls the hostile
site (as a public host, through a network that never leaves the machine)
into a real SQLite file and PostgreSQL: the stories are all there, with the
feed's teaser where a link led inside, and nothing internal is searchable.
"""

from __future__ import annotations

from pathlib import Path

from bot.config import parse_config
from bot.runtime.ingest_round import make_analyzer, poll_round
from feeds.fetch.fetcher import Fetcher
from storage.db import Database
from storage.queries import latest_stories, source_health
from storage.search import candidate_story_ids
from tests.support.hostile_site import GOOD_TITLES, SECRET, SITE_HOST, HostileNetwork, HostileSite


async def test_hostile_source_stores_every_story_and_nothing_internal(db: Database) -> None:
    net = HostileNetwork()
    with HostileSite() as site:
        site.at(net.publish(SITE_HOST, site))
        site.route("/secret", f"<html><body><p>{SECRET} Tin nội bộ</p></body></html>")
        config = parse_config(
            f'[bot]\ndatabase_url = "{db.url}"\n[fetch]\nper_host_delay = 0.0\ntimeout = 2\n'
            f'[[sources]]\nid = "hostile"\nname = "Trang thử"\nkind = "rss"\n'
            f'url = "http://{SITE_HOST}/feed/internal-links.rss"\n'
            f'[[sources]]\nid = "schemes"\nname = "Trang liên kết"\nkind = "rss"\n'
            f'url = "http://{SITE_HOST}/feed/bad-schemes.rss"\n',
            Path("test.toml"),
            {},
        )
        async with Fetcher(
            timeout=2.0, per_host_delay=0.0, resolver=net.resolve, network_backend=net.backend
        ) as fetcher:
            reports = await poll_round(
                config, db, force=True, analyzer=make_analyzer(config), fetcher=fetcher
            )
    assert [r.outcome.error for r in reports] == [None, None]
    assert all(h.last_error is None for h in source_health(db))

    stories = latest_stories(db, 50)
    titles = sorted(s.title for s in stories)
    internal = [t for t in titles if t.startswith("Tin nội bộ")]
    assert len(internal) == 6  # kept, with their teaser
    assert all(t in titles for t in GOOD_TITLES)
    assert len(stories) == 8  # the bad-scheme feed's good items are the same two stories
    for story in stories:
        assert SECRET not in story.text
        assert all(link.url.split(":", 1)[0] in ("http", "https") for link in story.links)
    with db.read() as session:
        assert candidate_story_ids(session, ["AKIA"], limit=10) == []
        assert candidate_story_ids(session, [GOOD_TITLES[0]], limit=10) != []
    assert net.refused == []
