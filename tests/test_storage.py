"""The schema migrates and behaves the same on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import inspect, select

from storage.db import Database, open_database
from storage.models import Item, SeenKey, Source, Story


def test_upgrade_creates_schema_and_is_idempotent(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {"sources", "items", "seen_keys", "stories", "story_units", "story_events"} <= tables
    db.upgrade()  # a second start changes nothing


def test_times_round_trip_as_aware_utc(db: Database) -> None:
    hanoi = timezone(timedelta(hours=7))
    published = datetime(2022, 7, 26, 13, 53, tzinfo=hanoi)
    with db.write() as s:
        s.add(Source(id="cdna", name="Công đoàn Nghệ An", url="http://x/", kind="html"))
        s.flush()
        story = Story(title="Công đoàn Nghệ An", url="http://x/1", published_at=published)
        s.add(story)
        s.flush()
        s.add(Item(source_id="cdna", key="k", story_id=story.id, url="http://x/1",
                   canonical_url="https://x/1", title="Công đoàn Nghệ An", published_at=published))  # fmt: skip
    with db.read() as s:
        item = s.scalars(select(Item)).one()
        assert item.published_at == published
        assert item.published_at.tzinfo is not None
        assert item.published_at.astimezone(hanoi).strftime("%d/%m/%Y %H:%M") == "26/07/2022 13:53"


def test_seen_key_is_unique(db: Database) -> None:
    with db.write() as s:
        s.add(Source(id="a", name="a", url="http://a/", kind="rss"))
        s.flush()
        story = Story(title="t", url="u")
        s.add(story)
        s.flush()
        item = Item(
            source_id="a", key="k", story_id=story.id, url="u", canonical_url="u", title="t"
        )
        s.add(item)
        s.flush()
        s.add(SeenKey(key="x", item_id=item.id))
    try:
        with db.write() as s:
            s.add(SeenKey(key="x", item_id=1))
        raise AssertionError("a duplicate key was accepted")
    except Exception as exc:  # IntegrityError on both engines
        assert "unique" in str(exc).lower() or "duplicate" in str(exc).lower()


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = open_database(f"sqlite:///{tmp_path / 'sub' / 'bot.db'}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert (tmp_path / "sub" / "bot.db").exists()
    assert datetime.now(UTC)
