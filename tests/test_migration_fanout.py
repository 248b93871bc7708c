"""A group becomes a supergroup in the middle of a fan-out, on SQLite and PostgreSQL.

Real parts: the router fills the outbox, the sender drives a real PTB Application
against the fake Bot API on 127.0.0.1, which starts answering "group chat was
upgraded" (400 + ``migrate_to_chat_id``) for the old id once the group has had
its first message.  Officers must get every queued message at the new id exactly
once, in order, and keep what they follow."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from telegram.ext import ApplicationBuilder

from bot.channels.telegram.transport import TelegramTransport
from bot.delivery.routing import route_new_stories
from bot.delivery.sender import OutboxSender
from storage import chats, outbox
from storage.db import Database
from storage.models import Delivery
from tests.support.fake_telegram import FakeTelegram
from tests.test_matching import NGHE_AN, NOW, add_chat, add_story, make_config, subscribe

# Messages to one chat 0.3 s apart: the group gets its first one, then migrates
# while the rest are still queued (the fake answers in milliseconds).
CONFIG = make_config(private_chat_interval=0.3)
OLD, NEW = -660, -1000000000660
OFFICERS = (661, 662)
TITLES = [f"Hội nghị công đoàn số {n}" for n in range(1, 5)]
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


def _titles(tg: FakeTelegram, chat_id: int) -> list[str]:
    return [t for m in tg.sent(chat_id) for t in TITLES if t in m.visible_text]


async def _fan_out_and_migrate(tg: FakeTelegram, db: Database) -> None:
    app = ApplicationBuilder().token(tg.token).base_url(tg.base_url).updater(None).build()
    sender = OutboxSender(db, {"telegram": TelegramTransport(app.bot)}, CONFIG, retry_base=0.05)
    stop = asyncio.Event()
    async with app:
        running = asyncio.create_task(sender.run(stop))
        await tg.wait_for_messages(OLD, 1, timeout=10)
        tg.migrate(OLD, NEW)  # from now on the old id answers 400 + migrate_to_chat_id
        await tg.wait_for_messages(NEW, len(TITLES) - 1, timeout=15)
        for officer in OFFICERS:
            await tg.wait_for_messages(officer, len(TITLES), timeout=15)
        await asyncio.sleep(0.5)  # anything sent twice would arrive now
        stop.set()
        await running


@pytest.mark.parametrize("supergroup_known", [False, True], ids=["new-id", "merge"])
async def test_group_migrating_mid_fan_out_gets_every_message_once_at_its_new_id(
    tg: FakeTelegram, db: Database, supergroup_known: bool
) -> None:
    group = add_chat(db, str(OLD), kind="group")
    subscribe(db, group, "unit", NGHE_AN[0], label=NGHE_AN[1])
    for officer in OFFICERS:
        subscribe(db, add_chat(db, str(officer)), "unit", NGHE_AN[0], label=NGHE_AN[1])
    if supergroup_known:  # someone used the bot in the supergroup before the migration
        subscribe(db, add_chat(db, str(NEW), kind="supergroup"), "topic", "nu_cong")
    stories = [add_story(db, title, units=(NGHE_AN,)) for title in TITLES]
    routed = route_new_stories(db, stories, CONFIG, now=NOW)
    assert routed.pushes == len(TITLES) * (1 + len(OFFICERS))

    await _fan_out_and_migrate(tg, db)

    first = _titles(tg, OLD)
    assert first == TITLES[:1]  # it reached the group before the upgrade
    assert first + _titles(tg, NEW) == TITLES  # the rest at the new id: once each, in order
    for officer in OFFICERS:
        assert _titles(tg, officer) == TITLES
    assert outbox.stats(db) == {
        "pending": 0,
        "sending": 0,
        "sent": len(TITLES) * (1 + len(OFFICERS)),
        "dead": 0,
    }
    with db.read() as s:
        assert chats.find_chat(s, "telegram", str(OLD)) is None
        moved = chats.find_chat(s, "telegram", str(NEW))
        assert moved is not None and moved.active and moved.kind == "supergroup"
        followed = {sub.value for sub in chats.list_subscriptions(s, moved)}
        assert followed == ({NGHE_AN[0], "nu_cong"} if supergroup_known else {NGHE_AN[0]})
        owed = s.scalar(select(func.count()).where(Delivery.chat_pk == moved.id))
        assert owed == len(TITLES)  # a story routed again is not owed twice
    again = route_new_stories(db, stories, CONFIG, now=NOW)
    assert (again.pushes, again.already) == (0, len(TITLES) * (1 + len(OFFICERS)))
