"""One pace for the whole bot: officers' commands are answered during a fan-out.

The real ``build_application`` (PTB Application, handlers, its outbox sender)
long-polls the fake Bot API with Telegram's flood limits on (30/s sliding, ~1/s
per private chat).  What an operator checks after a province announced the bot
(a crowd presses Start while a story goes out to everyone): every officer gets
exactly one answer, quickly, the fan-out still completes, and Telegram never
answers 429; a reply that does meet a 429 is sent after ``retry_after``, and a
reply left behind by a dead process is sent by another one.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import statistics
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Bot
from telegram.ext import Application

from bot.channels.telegram.app import build_application
from bot.channels.telegram.transport import TelegramTransport
from bot.config import Config, DeliverySettings, TelegramSettings
from bot.delivery.render import html_to_plain
from bot.delivery.replies import ReplyOutbox
from bot.delivery.sender import OutboxSender
from bot.i18n import t
from storage import outbox
from storage.db import Database
from storage.outbox import NewMessage
from tests.support.factories import add_chat
from tests.support.fake_telegram import FakeTelegram

RATE = 28.8  # the benchmarks' rate: 0.96 of Telegram's 30/s
PUSHED = range(9_100_001, 9_100_101)  # 100 officers owed the fan-out's push
NEWCOMERS = range(9_200_001, 9_200_301)  # 300 officers pressing Start meanwhile
ARRIVALS_PER_S = 25.0  # below the ceiling: a crowd the bot can keep up with
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def _config(tg: FakeTelegram) -> Config:
    return Config(
        path=Path("bot_config.toml"),
        telegram=replace(TelegramSettings(), base_url=tg.base_url),
        delivery=replace(DeliverySettings(), global_rate=RATE),
    )


@contextlib.asynccontextmanager
async def running_bot(tg: FakeTelegram, db: Database) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """The Application as ``run`` starts it (menus, its sender), long polling the fake."""
    app = build_application(_config(tg), db, tg.token, run_jobs=False)
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        await app.updater.start_polling(poll_interval=0, timeout=1)  # type: ignore[union-attr]
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()  # type: ignore[union-attr]
            await app.stop()
            await app.post_stop(app)  # type: ignore[misc]


def _queue_fan_out(db: Database) -> None:
    now = datetime.now(UTC)
    for chat_id in PUSHED:
        pk = add_chat(db, str(chat_id))
        with db.write() as s:
            parts = [NewMessage(f"Tin mới cho đồng chí {chat_id}", "HTML")]
            outbox.enqueue(s, pk, f"push:1:{pk}", "push", parts, not_before=now)


def _greeting_start() -> str:
    """The first words of /start's introduction, as the officer reads them."""
    return html_to_plain(t("vi", "intro"))[:30]


async def test_a_crowd_pressing_start_during_a_fan_out_is_answered_once_without_429(
    db: Database,
) -> None:
    _queue_fan_out(db)
    async with FakeTelegram(enforce_limits=True) as tg, running_bot(tg, db):
        asked: dict[int, float] = {}
        for chat_id in NEWCOMERS:  # the crowd arrives while the fan-out is being sent
            asked[chat_id] = time.monotonic()
            tg.push_message(chat_id, "/start")
            await asyncio.sleep(1.0 / ARRIVALS_PER_S)
        everyone = len(PUSHED) + len(NEWCOMERS)
        await tg.wait_for(lambda: len(tg.sent()) >= everyone, 40.0, "every answer and push")
        await asyncio.sleep(0.5)  # anything sent twice would show now

    greeting = _greeting_start()
    latencies = []
    for chat_id in NEWCOMERS:
        got = tg.sent(chat_id)
        assert len(got) == 1, (chat_id, [m.visible_text[:40] for m in got])
        assert greeting in got[0].visible_text and got[0].reply_markup  # the menu, once
        latencies.append(got[0].time - asked[chat_id])
    for chat_id in PUSHED:
        assert [m.visible_text for m in tg.sent(chat_id)] == [f"Tin mới cho đồng chí {chat_id}"]
    assert tg.stats.too_many_requests == 0
    assert outbox.stats(db) == {"pending": 0, "sending": 0, "sent": everyone, "dead": 0}
    # Officers did not wait for the fan-out: answers took the slots first.
    p95 = statistics.quantiles(latencies, n=20)[-1]
    assert p95 <= 5.0 and max(latencies) <= 8.0, (p95, max(latencies))
    # The fan-out was queued first, yet the first officers were answered ahead of it.
    first_reply = min(m.time for c in NEWCOMERS for m in tg.sent(c))
    pushes_before = sum(m.time < first_reply for c in PUSHED for m in tg.sent(c))
    assert pushes_before < len(PUSHED) // 2, pushes_before


async def test_a_reply_that_meets_a_429_is_sent_after_retry_after(db: Database) -> None:
    async with FakeTelegram(enforce_limits=True) as tg, running_bot(tg, db):
        tg.push_message(9_300_001, "/start")
        await tg.wait_for_messages(9_300_001, 1)
        tg.flood(9_300_001, retry_after=1, count=1)  # Telegram refuses the next one
        asked = time.monotonic()
        tg.push_message(9_300_001, "/huongdan")
        got = await tg.wait_for_messages(9_300_001, 2, timeout=10)
        await asyncio.sleep(0.5)
    assert len(tg.sent(9_300_001)) == 2, "answered once, not dropped, not twice"
    assert got[1].time - asked >= 1.0  # after Telegram's retry_after
    assert outbox.stats(db)["dead"] == 0 and outbox.stats(db)["pending"] == 0


async def test_a_reply_claimed_by_a_process_that_died_is_sent_by_another(db: Database) -> None:
    pk = add_chat(db, "9400001")
    replies = ReplyOutbox(db, "telegram")  # the front queued it; its sender never ran
    assert await replies.queue("9400001", "u1", [NewMessage("Chào đồng chí", "HTML")])
    # The dead process had claimed it (lease 0.5 s) and never sent it.
    [claimed] = outbox.claim(db, "dead-run", 5, 0.5, datetime.now(UTC))
    assert claimed.chat_pk == pk and claimed.is_reply
    await asyncio.sleep(0.6)  # its lease runs out
    async with FakeTelegram(enforce_limits=True) as tg:
        config = _config(tg)
        async with Bot(tg.token, base_url=tg.base_url) as bot:
            worker = OutboxSender(db, {"telegram": TelegramTransport(bot)}, config)
            assert await worker.drain(5.0) == 1
    assert [m.visible_text for m in tg.sent(9_400_001)] == ["Chào đồng chí"]
    # The same update queued again (redelivered after the crash) is not answered twice.
    assert await replies.queue("9400001", "u1", [NewMessage("Chào đồng chí", "HTML")])
    assert outbox.stats(db) == {"pending": 0, "sending": 0, "sent": 1, "dead": 0}


# --- Zalo: its own pace, the same outbox ---------------------------------------------


async def test_zalo_replies_keep_zalo_pace_and_survive_a_quota_429(db: Database) -> None:
    from bot.channels.zalo.channel import ZaloChannel
    from bot.channels.zalo.client import ZaloClient
    from bot.channels.zalo.transport import ZaloGate, ZaloTransport
    from bot.commands import CommandRouter
    from bot.config import ZaloSettings
    from tests.support.fake_zalo import FakeZalo

    users = [f"zu{i}" for i in range(10)]
    async with FakeZalo() as zalo:
        config = replace(
            _config_for_zalo(),
            zalo=ZaloSettings(base_url=zalo.base_url, rate_per_second=5.0, monthly_quota=3000),
        )
        client = ZaloClient(zalo.token, zalo.base_url, timeout=5.0)
        gate = ZaloGate(config, db, quota_pause=1.0)
        sender = OutboxSender(db, {"zalo": ZaloTransport(client, gate)}, config, shared_pace=True)
        replies = ReplyOutbox(db, "zalo", lambda: sender)
        channel = ZaloChannel(
            client, CommandRouter(db, config), gate, poll_timeout=1.0, replies=replies
        )
        stop = asyncio.Event()
        tasks = [asyncio.create_task(sender.run(stop)), asyncio.create_task(channel.run(stop))]
        try:
            zalo.quota_exceeded(1)  # Zalo refuses the first answer: "Quota exceeded"
            for user in users:
                zalo.push_text(user, "/start")
            for user in users:
                await zalo.wait_for_messages(user, 1, timeout=20)
            await asyncio.sleep(0.5)
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            await client.aclose()
    intro = html_to_plain(t("vi", "intro"))[:30]
    for user in users:
        [answer] = zalo.sent(user)  # the refused one too: sent after the pause, once
        assert intro in answer.text
    times = sorted(m.at for m in zalo.sent())
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 1 / 5.0 - 0.02, gaps  # Zalo's own 5/s, not the bot's 28.8/s
    assert outbox.stats(db) == {"pending": 0, "sending": 0, "sent": len(users), "dead": 0}


def _config_for_zalo() -> Config:
    return Config(
        path=Path("bot_config.toml"), delivery=replace(DeliverySettings(), global_rate=RATE)
    )
