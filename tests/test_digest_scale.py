"""Digests for many chats at once: set queries, batches, and two schedulers racing.

Every chat due gets exactly its waiting stories, once, in its language, on
its channel's format, after its quiet hours; the number of statements does
not grow with the number of chats; two schedulers running the same minute
(a takeover while the old holder still commits) never queue a second digest.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import event, select

from bot.delivery.digest import _Builder, _commit, _prepare, enqueue_digest, enqueue_due_digests
from bot.delivery.routing import route_new_stories
from storage import digests as store
from storage.db import Database
from storage.models import Chat, Delivery, Outbox
from tests.support.factories import NOW, add_chat, add_story, make_config, outbox_rows, subscribe

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CONFIG = make_config(digest_time="07:00")
DAY = date(2026, 11, 20)
TOPICS = ("thi_dua_khen_thuong", "nu_cong", "atvsld")


def at(hour: int, minute: int = 0, day: int = 20) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ).astimezone(UTC)


def _world(db: Database, chats: int, *, start: int = 0) -> tuple[dict[int, set[str]], list[int]]:
    """``chats`` chats with a digest at 18:00 (every 5th at 19:00), following one or two
    topics; six stories per topic routed to them.  Returns {chat: titles owed}, chats."""
    follows: dict[int, tuple[str, ...]] = {}
    for i in range(start, start + chats):
        pk = add_chat(
            db,
            str(7000 + i),
            channel="zalo" if i % 7 == 3 else "telegram",
            language="en" if i % 6 == 1 else "vi",
            digest_time=time(19, 0) if i % 5 == 4 else time(18, 0),
            quiet=(time(17, 30), time(18, 30)) if i % 4 == 2 else None,
        )
        topics = (TOPICS[i % 3],) if i % 2 else (TOPICS[i % 3], TOPICS[(i + 1) % 3])
        for topic in topics:
            subscribe(db, pk, "topic", topic)
        follows[pk] = topics
    titles: dict[str, str] = {}
    ids = []
    for n in range(18):
        topic = TOPICS[n % 3]
        title = f"Tin {topic} số {n}: Công đoàn cơ sở tổ chức hội nghị"
        ids.append(add_story(db, title, topics=(topic,)))
        titles[title] = topic
    route = route_new_stories(db, ids, CONFIG, now=NOW)
    assert route.pushes == 0  # digest chats get undated stories in the digest
    owed = {pk: {t for t, topic in titles.items() if topic in tp} for pk, tp in follows.items()}
    return owed, list(follows)


def _digest_text(db: Database, chat: int) -> str:
    return "\n".join(r.text for r in outbox_rows(db, chat) if r.kind == "digest")


@contextmanager
def _statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn, cursor, statement, params, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_every_due_chat_gets_its_own_stories_once_across_batches(db: Database) -> None:
    owed, chats = _world(db, 30)
    assert enqueue_due_digests(db, CONFIG, now=at(17, 59), batch=4) == 0
    first = enqueue_due_digests(db, CONFIG, now=at(18, 0), batch=4)  # 8 batches of 4
    at_six = [pk for i, pk in enumerate(chats) if i % 5 != 4]
    assert first == sum(len(outbox_rows(db, pk)) for pk in at_six) >= len(at_six)
    assert all(outbox_rows(db, pk) == [] for i, pk in enumerate(chats) if i % 5 == 4)
    assert enqueue_due_digests(db, CONFIG, now=at(19, 0), batch=4) > 0
    assert enqueue_due_digests(db, CONFIG, now=at(21, 0), batch=4) == 0  # never twice

    for i, pk in enumerate(chats):
        rows = outbox_rows(db, pk)
        text = _digest_text(db, pk)
        assert [r.dedup_key for r in rows] == [
            store.part_key(f"digest:{pk}:2026-11-20", n) for n in range(len(rows))
        ]
        for title in owed[pk]:
            assert text.count(title) == 1, (pk, title)
        assert text.count("Công đoàn cơ sở tổ chức hội nghị") == len(owed[pk])
        head = (
            "Union news digest, 20/11/2026" if i % 6 == 1 else "Bản tin công đoàn ngày 20/11/2026"
        )
        assert head in text
        zalo = i % 7 == 3
        assert all(r.parse_mode == (None if zalo else "HTML") for r in rows)
        assert ("<b>" in text) is not zalo
        hour = at(19, 0) if i % 5 == 4 else at(18, 0)
        quiet_end = at(18, 30)
        assert rows[0].not_before == (max(hour, quiet_end) if i % 4 == 2 else hour)
    with db.read() as s:
        assert s.scalar(select(Delivery.story_id).where(Delivery.digest_sent_at.is_(None))) is None


def test_statements_do_not_grow_with_the_number_of_chats(db: Database) -> None:
    _world(db, 12)
    with _statements(db) as few:
        assert enqueue_due_digests(db, CONFIG, now=at(18, 0)) > 0
    _world(db, 48, start=100)
    with _statements(db) as many:
        assert enqueue_due_digests(db, CONFIG, now=at(19, 0)) > 0  # 48 + 3 chats at 19:00
    # Per-chat code would need ~6 statements per chat (300 here).
    assert len(many) == len(few) <= 20, (len(few), len(many))


def test_an_inactive_chat_and_a_chat_without_waiting_stories_get_nothing(db: Database) -> None:
    _owed, chats = _world(db, 3)
    idle = add_chat(db, "7999", digest_time=time(18, 0))
    subscribe(db, idle, "topic", "dinh_cong")
    with db.write() as s:
        s.get_one(Chat, chats[0]).active = False
    enqueue_due_digests(db, CONFIG, now=at(18, 0))
    assert outbox_rows(db, chats[0]) == [] and outbox_rows(db, idle) == []
    assert len(outbox_rows(db, chats[1])) >= 1
    # enqueue_digest (digest --now) is the same code: nothing for the inactive chat.
    assert enqueue_digest(db, chats[0], DAY, CONFIG, now=at(18, 5)) == 0
    assert enqueue_digest(db, chats[1], DAY, CONFIG, now=at(18, 5)) == 0  # already sent


def _digests_per_chat(db: Database) -> Counter[int]:
    """Digest messages (first parts) queued per chat."""
    with db.read() as s:
        return Counter(
            s.scalars(select(Outbox.chat_pk).where(Outbox.kind == "digest", Outbox.part == 0))
        )


def test_two_schedulers_at_once_queue_one_digest_per_chat(db: Database) -> None:
    owed, chats = _world(db, 24)
    barrier = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def scheduler() -> None:
        try:
            barrier.wait()
            results.append(enqueue_due_digests(db, CONFIG, now=at(19, 0), batch=3))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = outbox_rows(db)
    assert sum(results) == len(rows)  # what each run says it queued, it queued
    assert _digests_per_chat(db) == Counter(chats)
    for pk in chats:
        text = _digest_text(db, pk)
        assert all(text.count(title) == 1 for title in owed[pk])


def test_a_scheduler_that_lost_the_race_writes_and_marks_nothing(db: Database) -> None:
    """The old holder has read and rendered; the new one queues the digest and a new
    story arrives for the chat; the old holder's write must not take effect."""
    _owed, [chat] = _world(db, 1)
    old = _Builder(CONFIG, DAY, at(18, 0))
    _, built = _prepare(db, old, chat_pks=[chat])
    assert [d.chat_pk for d in built] == [chat]

    new_rows = enqueue_digest(db, chat, DAY, CONFIG, now=at(18, 0))  # the new holder
    assert new_rows >= 1
    late = add_story(db, "Tin đến muộn về nữ công", topics=("nu_cong",), first_seen=at(18, 1))
    route_new_stories(db, [late], CONFIG, now=at(18, 1))

    assert _commit(db, built, at(18, 0)) == 0
    rows = outbox_rows(db, chat)
    assert len(rows) == new_rows and rows[0].dedup_key == f"digest:{chat}:2026-11-20"
    # The late story is still waiting: tomorrow's digest carries it, alone.
    assert enqueue_due_digests(db, CONFIG, now=at(18, 0, day=21)) == 1
    tomorrow = outbox_rows(db, chat)[-1].text
    assert "Tin đến muộn về nữ công" in tomorrow
    assert tomorrow.count("Công đoàn cơ sở tổ chức hội nghị") == 0
