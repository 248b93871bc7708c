"""The outbox sender with a real PTB Application against the fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from telegram.ext import Application, ApplicationBuilder

from bot.channels.telegram.transport import TelegramTransport
from bot.config import Config
from bot.delivery.routing import route_new_stories
from bot.delivery.sender import OutboxSender
from storage import outbox
from storage.db import Database
from storage.models import Chat, Subscription
from storage.outbox import NewMessage
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

CONFIG = make_config()
# For tests about something else than pacing: 20 messages a second to one chat.
FAST = make_config(private_chat_interval=0.05)
# PTB warns about its own RetryAfter constructor (int periods are deprecated since v22.2).
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def tg_limited() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(enforce_limits=True) as fake:
        yield fake


async def _app(tg: FakeTelegram) -> Application:  # type: ignore[type-arg]
    app = (
        ApplicationBuilder()
        .token(tg.token)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .updater(None)
        .build()
    )
    await app.initialize()
    return app


async def _sender(
    tg: FakeTelegram, db: Database, config: Config = FAST, **kwargs: object
) -> tuple[OutboxSender, Application]:  # type: ignore[type-arg]
    app = await _app(tg)
    kwargs.setdefault("retry_base", 0.05)
    sender = OutboxSender(db, {"telegram": TelegramTransport(app.bot)}, config, **kwargs)  # type: ignore[arg-type]
    return sender, app


def _queue(db: Database, chat_pk: int, key: str, *texts: str, kind: str = "push") -> None:
    with db.write() as s:
        outbox.enqueue(
            s, chat_pk, key, kind, [NewMessage(t, "HTML") for t in texts], not_before=NOW
        )


def _chat(db: Database, chat_pk: int) -> Chat:
    with db.read() as s:
        chat = s.get(Chat, chat_pk)
        assert chat is not None
        s.expunge(chat)
        return chat


async def test_five_chats_three_messages_each_arrive_in_order(
    tg: FakeTelegram, sqlite_db: Database
) -> None:
    chats = {int(f"50{i}"): add_chat(sqlite_db, f"50{i}") for i in range(5)}
    for n in range(3):
        for chat_id, pk in chats.items():
            _queue(sqlite_db, pk, f"m:{chat_id}:{n}", f"Tin <b>số {n + 1}</b> cho {chat_id}")
    sender, app = await _sender(tg, sqlite_db, CONFIG)
    async with app:
        assert await sender.drain(15) == 15
    for chat_id in chats:
        got = tg.sent(chat_id)
        assert [m.visible_text for m in got] == [f"Tin số {n} cho {chat_id}" for n in (1, 2, 3)]
        gaps = [b.time - a.time for a, b in itertools.pairwise(got)]
        # one message a second per private chat, timed on arrival at the fake (the
        # transits of two requests differ on a busy box); a defect gives ~0.03 s
        assert min(gaps) >= 0.9, gaps
    assert outbox.stats(sqlite_db)["sent"] == 15


async def test_a_new_story_reaches_the_officer_as_a_push_with_its_preview(
    tg: FakeTelegram, db: Database
) -> None:
    chat = add_chat(db, "510")
    subscribe(db, chat, "unit", NGHE_AN[0], label=NGHE_AN[1])
    story = add_story(
        db,
        'Hội thi "Nữ công" <2026> & Tết',
        units=(NGHE_AN,),
        links=(("cdna", "Công đoàn Nghệ An", "https://congdoannghean.vn/hoi-thi.html?a=1&b=2"),),
    )
    route_new_stories(db, [story], CONFIG, now=NOW)
    sender, app = await _sender(tg, db)
    async with app:
        assert await sender.drain(10) == 1
    [message] = tg.sent(510)
    assert message.visible_text.startswith('Hội thi "Nữ công" <2026> & Tết')
    assert "Công đoàn Nghệ An · 20/11/2026 08:30" in message.visible_text
    assert "#LĐLĐ_Nghệ_An" in message.visible_text
    link = next(e for e in message.entities if e["type"] == "text_link")
    assert link["url"] == "https://congdoannghean.vn/hoi-thi.html?a=1&b=2"
    assert message.link_preview_options == {"url": "https://congdoannghean.vn/hoi-thi.html?a=1&b=2"}
    [row] = outbox_rows(db, chat)
    assert row.status == "sent" and row.message_id == str(message.message_id)


async def test_flood_storm_is_absorbed_in_order_and_nothing_is_lost(
    tg: FakeTelegram, sqlite_db: Database
) -> None:
    chats = {int(f"52{i}"): add_chat(sqlite_db, f"52{i}") for i in range(4)}
    for n in range(3):
        for chat_id, pk in chats.items():
            _queue(sqlite_db, pk, f"f:{chat_id}:{n}", f"{chat_id}/{n}")
    tg.flood(None, retry_after=1, count=4)  # the next 4 sends, whoever they are for
    tg.flood(521, retry_after=2, count=1)  # and one more for a single chat
    sender, app = await _sender(tg, sqlite_db)
    async with app:
        assert await sender.drain(20) == 12
    assert tg.stats.too_many_requests == 5
    for chat_id in chats:
        assert [m.visible_text for m in tg.sent(chat_id)] == [f"{chat_id}/{n}" for n in range(3)]
    rows = outbox_rows(sqlite_db)
    assert {r.status for r in rows} == {"sent"} and max(r.attempts for r in rows) == 1


async def test_blocked_chat_becomes_inactive_after_three_failures(
    tg: FakeTelegram, sqlite_db: Database
) -> None:
    blocked = add_chat(sqlite_db, "530")
    fine = add_chat(sqlite_db, "531")
    subscribe(sqlite_db, blocked, "topic", "nu_cong")
    _queue(sqlite_db, blocked, "b1", "một")
    _queue(sqlite_db, blocked, "b2", "hai")
    _queue(sqlite_db, fine, "ok", "vẫn đến")
    tg.block(530)
    sender, app = await _sender(tg, sqlite_db)
    async with app:
        assert await sender.drain(10) == 1
    attempts = [c for c in tg.calls_to("sendMessage") if c.params.get("chat_id") == "530"]
    assert len(attempts) == 3
    chat = _chat(sqlite_db, blocked)
    assert not chat.active and "blocked" in (chat.inactive_reason or "")
    assert {r.status for r in outbox_rows(sqlite_db, blocked)} == {"dead"}
    assert [m.visible_text for m in tg.sent(531)] == ["vẫn đến"]
    with sqlite_db.read() as s:  # an officer who comes back keeps what they followed
        assert s.scalar(select(Subscription.value).where(Subscription.chat_pk == blocked))


async def test_chat_not_found_is_inactive_at_once(tg: FakeTelegram, sqlite_db: Database) -> None:
    gone = add_chat(sqlite_db, "-540")
    _queue(sqlite_db, gone, "g", "tin")
    tg.chat_not_found(-540)
    sender, app = await _sender(tg, sqlite_db)
    async with app:
        assert await sender.drain(5) == 0
    assert len(tg.calls_to("sendMessage")) == 1
    assert not _chat(sqlite_db, gone).active


async def test_migrated_group_keeps_its_subscriptions_and_gets_the_message(
    tg: FakeTelegram, db: Database
) -> None:
    group = add_chat(db, "-550", kind="group")
    subscribe(db, group, "unit", NGHE_AN[0])
    _queue(db, group, "mig", "Tin cho nhóm")
    tg.migrate(-550, -1000000000550)
    sender, app = await _sender(tg, db)
    async with app:
        assert await sender.drain(10) == 1
    assert [m.visible_text for m in tg.sent(-1000000000550)] == ["Tin cho nhóm"]
    chat = _chat(db, group)
    assert (chat.chat_id, chat.kind, chat.active) == ("-1000000000550", "supergroup", True)
    with db.read() as s:
        assert (
            s.scalar(select(Subscription.chat_pk).where(Subscription.value == NGHE_AN[0])) == group
        )


async def test_bad_markup_arrives_as_plain_text(tg: FakeTelegram, sqlite_db: Database) -> None:
    chat = add_chat(sqlite_db, "560")
    _queue(sqlite_db, chat, "bad", '<b>Tin & mới</b> <a href="https://x.vn/a">xem</a>')
    sender, app = await _sender(tg, sqlite_db)
    async with app:
        assert await sender.drain(10) == 1
    [message] = tg.sent(560)
    assert message.parse_mode is None
    assert message.visible_text == "Tin & mới xem (https://x.vn/a)"


async def test_server_errors_are_retried_with_back_off(
    tg: FakeTelegram, sqlite_db: Database
) -> None:
    chat = add_chat(sqlite_db, "570")
    _queue(sqlite_db, chat, "5xx", "sau ba lần")
    sender, app = await _sender(tg, sqlite_db)
    tg.fail_next(2, 502)  # after the bot's getMe
    async with app:
        assert await sender.drain(10) == 1
    assert [m.visible_text for m in tg.sent(570)] == ["sau ba lần"]
    [row] = outbox_rows(sqlite_db, chat)
    assert row.attempts == 3


async def test_gives_up_after_max_attempts(tg: FakeTelegram, sqlite_db: Database) -> None:
    chat = add_chat(sqlite_db, "571")
    _queue(sqlite_db, chat, "5xx", "không bao giờ đến")
    sender, app = await _sender(tg, sqlite_db, retry_base=0.01, max_attempts=4)
    tg.fail_next(20, 500)
    async with app:
        assert await sender.drain(10) == 0
    [row] = outbox_rows(sqlite_db, chat)
    assert (row.status, row.attempts) == ("dead", 4) and "Internal Server Error" in row.error


async def test_restart_resends_nothing_sent_and_sends_everything_pending(
    tg: FakeTelegram, db: Database
) -> None:
    a, b = add_chat(db, "580"), add_chat(db, "581")
    _queue(db, a, "r1", "đã gửi")
    first, app = await _sender(tg, db)
    async with app:
        assert await first.drain(5) == 1
    _queue(db, a, "r2", "chờ gửi")
    _queue(db, b, "r3", "đang gửi khi tiến trình chết")
    # A worker claimed this one and died: its lease is already over.
    [orphan] = outbox.claim(db, "crashed", 1, 0, NOW, exclude_chats={a})
    assert orphan.chat_pk == b
    second, app2 = await _sender(tg, db, worker_id="sender-2")
    async with app2:
        assert await second.drain(5) == 2
    assert [m.visible_text for m in tg.sent(580)] == ["đã gửi", "chờ gửi"]
    assert [m.visible_text for m in tg.sent(581)] == ["đang gửi khi tiến trình chết"]
    assert outbox.stats(db) == {"pending": 0, "sending": 0, "sent": 3, "dead": 0}


async def test_100_chats_with_limits_on_get_no_429(
    tg_limited: FakeTelegram, sqlite_db: Database
) -> None:
    for i in range(100):
        chat_id = f"-{600 + i}" if i % 10 == 0 else str(600 + i)  # some groups too
        _queue(sqlite_db, add_chat(sqlite_db, chat_id), f"c{i}", f"Bản tin {i}")
    sender, app = await _sender(tg_limited, sqlite_db, CONFIG)
    async with app:
        assert await sender.drain(15) == 100
    assert tg_limited.stats.too_many_requests == 0
    assert tg_limited.stats.sent == 100 and tg_limited.stats.max_per_second <= 26


async def test_group_gets_at_most_20_a_minute(
    tg_limited: FakeTelegram, sqlite_db: Database
) -> None:
    group = add_chat(sqlite_db, "-700")
    for n in range(22):
        _queue(sqlite_db, group, f"g{n}", f"tin {n}")
    sender, app = await _sender(tg_limited, sqlite_db, make_config(private_chat_interval=0.1))
    async with app:
        sent = await sender.drain(6)  # long enough for 20 (0.1 s apart), far too short for 22
    assert sent == 20 and tg_limited.stats.too_many_requests == 0
    assert [r.status for r in outbox_rows(sqlite_db, group)].count("pending") == 2


async def test_run_sends_until_stopped(tg: FakeTelegram, sqlite_db: Database) -> None:
    chat = add_chat(sqlite_db, "590")
    sender, app = await _sender(tg, sqlite_db, idle_poll=0.05)
    stop = asyncio.Event()
    async with app:
        task = asyncio.create_task(sender.run(stop))
        await asyncio.sleep(0.1)
        _queue(sqlite_db, chat, "live", "tin đến khi đang chạy")
        await tg.wait_for_messages(590, 1, timeout=5)
        stop.set()
        await asyncio.wait_for(task, 5)
    assert outbox.stats(sqlite_db)["sent"] == 1


async def test_digest_and_reminders_do_not_preview(tg: FakeTelegram, sqlite_db: Database) -> None:
    chat = add_chat(sqlite_db, "591")
    _queue(sqlite_db, chat, "d", '📰 <a href="https://x.vn/1">Tin</a>', kind="digest")
    sender, app = await _sender(tg, sqlite_db)
    async with app:
        await sender.drain(5)
    assert tg.sent(591)[0].link_preview_options == {"is_disabled": True}
