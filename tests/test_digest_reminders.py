"""The daily digest and deadline reminders, at frozen clock times (``now`` is passed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from telegram.ext import ApplicationBuilder

from bot.channels.telegram.transport import TelegramTransport
from bot.delivery.digest import chats_due_for_digest, enqueue_digest, enqueue_due_digests
from bot.delivery.reminders import enqueue_due_reminders, parse_days
from bot.delivery.routing import route_new_stories
from bot.delivery.sender import OutboxSender
from storage.db import Database
from storage.models import Delivery
from tests.support.factories import (
    NGHE_AN,
    NOW,
    add_chat,
    add_story,
    make_config,
    outbox_rows,
    subscribe,
)
from tests.support.fake_telegram import FakeTelegram

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CONFIG = make_config(digest_time="07:00", reminder_time="07:30", private_chat_interval=0.05)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A moment in Vietnam time, in November 2026 unless told."""
    return datetime(2026, month, day, hour, minute, tzinfo=TZ).astimezone(UTC)


def _digest_chat(db: Database, chat_id: str, **kwargs: object) -> int:
    chat = add_chat(db, chat_id, digest_time=time(18, 0), **kwargs)  # type: ignore[arg-type]
    subscribe(db, chat, "unit", NGHE_AN[0], label=NGHE_AN[1])
    return chat


# --- digest ----------------------------------------------------------------------------


def test_digest_at_its_hour_grouped_by_topic_and_never_twice(db: Database) -> None:
    chat = _digest_chat(db, "801")
    ids = [
        add_story(db, "Khen thưởng 12 tập thể", units=(NGHE_AN,), topics=("thi_dua_khen_thuong",)),
        add_story(db, "Hội thi nấu ăn của nữ CNVCLĐ", units=(NGHE_AN,), topics=("nu_cong",)),
        add_story(db, "Phát động thi đua 2027", units=(NGHE_AN,), topics=("thi_dua_khen_thuong",)),
        add_story(db, "Làm việc với Thành ủy Vinh", units=(NGHE_AN,)),
    ]
    route = route_new_stories(db, ids, CONFIG, now=NOW)
    assert (route.pushes, route.digests, outbox_rows(db, chat)) == (0, 4, [])

    assert chats_due_for_digest(db, at(20, 17, 59), CONFIG) == []
    assert chats_due_for_digest(db, at(20, 18, 0), CONFIG) == [chat]
    assert enqueue_digest(db, chat, date(2026, 11, 20), CONFIG, now=at(20, 18, 0)) == 1
    assert enqueue_digest(db, chat, date(2026, 11, 20), CONFIG, now=at(20, 18, 1)) == 0
    assert chats_due_for_digest(db, at(20, 18, 5), CONFIG) == []
    assert enqueue_due_digests(db, CONFIG, now=at(20, 23, 0)) == 0

    [row] = outbox_rows(db, chat)
    text = row.text
    assert row.kind == "digest" and row.dedup_key == f"digest:{chat}:2026-11-20"
    assert text.startswith("📰 <b>Bản tin công đoàn ngày 20/11/2026</b>")
    # Topic headings, the biggest group first, then "Tin khác"; every story once.
    order = [
        text.index(h) for h in ("<b>Thi đua, khen thưởng</b>", "<b>Nữ công</b>", "<b>Tin khác</b>")
    ]
    assert order == sorted(order)
    for title in ("Khen thưởng 12 tập thể", "Hội thi nấu ăn", "Phát động thi đua", "Thành ủy Vinh"):
        assert text.count(title) == 1
    with db.read() as s:
        assert all(d.digest_sent_at is not None for d in s.query(Delivery).all())


def test_nothing_on_a_day_with_nothing(db: Database) -> None:
    chat = _digest_chat(db, "802")
    assert chats_due_for_digest(db, at(20, 19, 0), CONFIG) == []
    assert enqueue_digest(db, chat, date(2026, 11, 20), CONFIG, now=at(20, 19, 0)) == 0
    assert outbox_rows(db, chat) == []


def test_a_late_start_still_sends_the_days_digest_once(db: Database) -> None:
    chat = _digest_chat(db, "803")
    route_new_stories(db, [add_story(db, "Tin trong ngày", units=(NGHE_AN,))], CONFIG, now=NOW)
    # The bot was down at 18:00 and starts at 21:40.
    assert enqueue_due_digests(db, CONFIG, now=at(20, 21, 40)) == 1
    assert enqueue_due_digests(db, CONFIG, now=at(20, 21, 41)) == 0
    # Stories that arrive after the digest wait for the next day's.
    route_new_stories(
        db,
        [add_story(db, "Tin tối", units=(NGHE_AN,), first_seen=at(20, 22))],
        CONFIG,
        now=at(20, 22),
    )
    assert enqueue_due_digests(db, CONFIG, now=at(20, 23, 0)) == 0
    assert enqueue_due_digests(db, CONFIG, now=at(21, 18, 0)) == 1
    texts = [r.text for r in outbox_rows(db, chat)]
    assert (
        "ngày 21/11/2026" in texts[1] and "Tin tối" in texts[1] and "Tin trong ngày" not in texts[1]
    )


def test_push_cap_overflow_comes_in_the_default_digest(db: Database) -> None:
    chat = add_chat(db, "804")
    subscribe(db, chat, "unit", NGHE_AN[0])
    config = make_config(push_cap_per_day=1, digest_time="07:00")
    ids = [add_story(db, f"Tin {i}", units=(NGHE_AN,)) for i in range(3)]
    route_new_stories(db, ids, config, now=NOW)
    assert enqueue_due_digests(db, config, now=at(21, 6, 59)) == 0
    assert enqueue_due_digests(db, config, now=at(21, 7, 0)) == 1
    digest = outbox_rows(db, chat)[-1].text
    assert "ngày 21/11/2026" in digest and "Tin 1" in digest and "Tin 2" in digest
    assert "Tin 0" not in digest  # it was pushed


def test_english_digest(db: Database) -> None:
    chat = _digest_chat(db, "805", language="en")
    route_new_stories(db, [add_story(db, "Tin", units=(NGHE_AN,))], CONFIG, now=NOW)
    enqueue_due_digests(db, CONFIG, now=at(20, 18, 0))
    assert outbox_rows(db, chat)[0].text.startswith("📰 <b>Union news digest, 20/11/2026</b>")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


async def test_twenty_story_digest_arrives_in_clean_parts(
    tg: FakeTelegram, sqlite_db: Database
) -> None:
    _digest_chat(sqlite_db, "806")
    topics = ("thi_dua_khen_thuong", "nu_cong", "atvsld", "")
    ids = [
        add_story(
            sqlite_db,
            f"Tin số {i}: <Hội nghị> & tổng kết công tác công đoàn năm 2026 tại cơ sở",
            units=(NGHE_AN,),
            topics=(topics[i % 4],) if topics[i % 4] else (),
            summary="Nội dung tóm tắt dài về hoạt động công đoàn. " * 6,
        )
        for i in range(20)
    ]
    route_new_stories(sqlite_db, ids, CONFIG, now=NOW)
    parts = enqueue_due_digests(sqlite_db, CONFIG, now=at(20, 18, 0))
    assert parts >= 2
    app = ApplicationBuilder().token(tg.token).base_url(tg.base_url).updater(None).build()
    async with app:
        sender = OutboxSender(sqlite_db, {"telegram": TelegramTransport(app.bot)}, CONFIG)
        assert await sender.drain(10) == parts
    got = tg.sent(806)
    assert len(got) == parts
    assert got[0].visible_text.startswith("📰 Bản tin công đoàn ngày 20/11/2026")
    assert "(tiếp theo)" in got[1].visible_text
    seen = "\n".join(m.visible_text for m in got)
    for i in range(20):
        assert seen.count(f"Tin số {i}: <Hội nghị> & tổng kết") == 1
    assert all(len(m.visible_text) <= 4096 for m in got)
    assert all(m.link_preview_options == {"is_disabled": True} for m in got)


# --- reminders ---------------------------------------------------------------------------


def _deadline_story(db: Database, chat_id: str, **chat_kwargs: object) -> int:
    chat = add_chat(db, chat_id, **chat_kwargs)  # type: ignore[arg-type]
    subscribe(db, chat, "unit", NGHE_AN[0])
    story = add_story(
        db,
        "Thông báo Cuộc thi tìm hiểu 97 năm Công đoàn Việt Nam",
        units=(NGHE_AN,),
        events=((date(2026, 11, 30), "deadline", "Hạn cuối nộp bài dự thi"),),
    )
    route_new_stories(db, [story], CONFIG, now=NOW)
    return chat


def _reminders(db: Database, chat: int) -> list[str]:
    return [r.text for r in outbox_rows(db, chat) if r.kind == "reminder"]


def test_reminders_three_one_and_zero_days_before_once_each(db: Database) -> None:
    chat = _deadline_story(db, "901")
    assert enqueue_due_reminders(db, CONFIG, now=at(26, 7, 30)) == 0  # 4 days before
    assert enqueue_due_reminders(db, CONFIG, now=at(27, 7, 29)) == 0  # not yet 07:30
    assert enqueue_due_reminders(db, CONFIG, now=at(27, 7, 30)) == 1
    assert enqueue_due_reminders(db, CONFIG, now=at(27, 12, 0)) == 0  # once
    assert enqueue_due_reminders(db, CONFIG, now=at(28, 7, 30)) == 0  # 2 days: not asked
    assert enqueue_due_reminders(db, CONFIG, now=at(29, 9, 0)) == 1
    assert enqueue_due_reminders(db, CONFIG, now=at(30, 7, 45)) == 1
    assert enqueue_due_reminders(db, CONFIG, now=at(1, 7, 30, month=12)) == 0  # past
    texts = _reminders(db, chat)
    assert texts[0].startswith(
        "⏰ <b>Nhắc việc: còn 3 ngày</b> — Hạn cuối: nộp bài dự thi (30/11/2026)"
    )
    assert "Nhắc việc: còn 1 ngày" in texts[1] and "Nhắc việc: hôm nay" in texts[2]
    assert "🗓 Thứ Hai, 30/11/2026" in texts[0]
    assert "Thông báo Cuộc thi tìm hiểu 97 năm" in texts[0]


def test_reminders_move_out_of_quiet_hours(db: Database) -> None:
    chat = _deadline_story(db, "902", quiet=(time(22, 0), time(8, 0)))
    assert enqueue_due_reminders(db, CONFIG, now=at(27, 7, 30)) == 1
    [row] = [r for r in outbox_rows(db, chat) if r.kind == "reminder"]
    assert row.not_before == at(27, 8, 0)


def test_reminders_off_and_own_days(db: Database) -> None:
    off = _deadline_story(db, "903", remind_days="")
    two = _deadline_story(db, "904", remind_days="2")
    for day in range(26, 31):
        enqueue_due_reminders(db, CONFIG, now=at(day, 7, 30))
    assert _reminders(db, off) == []
    [only] = _reminders(db, two)
    assert "còn 2 ngày" in only


def test_no_reminder_for_a_moment_before_the_story_arrived(db: Database) -> None:
    chat = add_chat(db, "905")
    subscribe(db, chat, "unit", NGHE_AN[0])
    late = at(29, 10, 0)
    story = add_story(
        db,
        "Nhắc lại hạn nộp báo cáo",
        units=(NGHE_AN,),
        events=((date(2026, 11, 30), "deadline", "nộp báo cáo"),),
        first_seen=late,
    )
    route_new_stories(db, [story], CONFIG, now=late)
    assert enqueue_due_reminders(db, CONFIG, now=at(29, 10, 5)) == 0  # 07:30 was before it
    assert enqueue_due_reminders(db, CONFIG, now=at(30, 7, 30)) == 1


def test_english_reminder(db: Database) -> None:
    chat = _deadline_story(db, "906", language="en")
    enqueue_due_reminders(db, CONFIG, now=at(29, 7, 30))
    [text] = _reminders(db, chat)
    assert text.startswith("⏰ <b>Reminder: 1 day left</b> — Deadline:")
    assert "Monday, 30/11/2026" in text


def test_parse_days() -> None:
    assert parse_days("3,1,0") == [3, 1, 0]
    assert parse_days(" 7; 1 ,x, 99") == [7, 1]
    assert parse_days("") == []
