"""Issue 18: what hostile chat input and hostile stories do to the running bot.

The production Application (``build_application``: handlers, router, outbox
sender) runs against the fake Bot API on 127.0.0.1, which validates HTML as
Telegram does, on a real SQLite file.  What an officer checks: nonsense gets a
polite Vietnamese answer and the bot keeps answering; stories with hostile
titles arrive with the title shown literally (escaped, never as markup); no
chat sees or changes another chat's subscriptions, whatever callback data it
forges; and a chat that blocked the bot costs the others nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from telegram.ext import Application

from bot.channels.telegram.app import build_application
from bot.config import Config, parse_config
from bot.delivery.routing import route_new_stories
from bot.i18n import STRINGS
from storage import outbox
from storage.db import Database, open_database
from storage.models import Chat, Outbox, Subscription
from tests.support.fake_telegram import FakeTelegram, SentMessage
from tests.test_matching import add_story

OFFICER_A, OFFICER_B, OFFICER_C = 8201, 8202, 8203
ERROR_VI = STRINGS["vi"]["error_generic"]
TOPIC = "phat_trien_doan_vien"
HOSTILE_TITLES = [
    "Đại hội <script>alert('x')</script> công đoàn",
    "Lương & thưởng: <b>tăng 10% <i>từ 1/1",
    "Thông báo </a></b> đóng thẻ <a href='javascript:alert(1)'>đoàn viên</a> &amp; &lt;",
]


@dataclass
class Harness:
    tg: FakeTelegram
    db: Database
    config: Config
    app: Application

    async def say(self, chat_id: int, text: str, count: int = 1) -> SentMessage:
        """Type ``text``; the newest of the chat's messages once it has ``count`` more."""
        before = len(self.tg.sent(chat_id))
        self.tg.push_message(chat_id, text)
        sent = await self.tg.wait_for_messages(chat_id, before + count, timeout=15)
        return sent[-1]


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    async with FakeTelegram() as tg:
        config = parse_config(
            f'[bot]\ndatabase_url = "sqlite:///{tmp_path}/bot.db"\n'
            f'[telegram]\nbase_url = "{tg.base_url}"\n'
            # Telegram's one message a second per chat is tested in test_sender_telegram;
            # here it would only make a dozen answers to one chat take a dozen seconds.
            "[delivery]\nprivate_chat_interval = 0.05\n",
            Path("bot_config.toml"),
            {},
        )
        db = open_database(config.database_url)
        app = build_application(config, db, tg.token, run_jobs=False, run_sender=True)
        async with app:
            await app.post_init(app)  # type: ignore[misc]
            await app.updater.start_polling(poll_interval=0, timeout=1)  # type: ignore[union-attr]
            await app.start()
            try:
                yield Harness(tg, db, config, app)
            finally:
                await app.updater.stop()  # type: ignore[union-attr]
                await app.stop()
                await app.post_stop(app)  # type: ignore[misc]
        db.dispose()


def _vietnamese(text: str) -> bool:
    return any(c in text for c in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


# --- nonsense commands ------------------------------------------------------------------

NONSENSE = {
    "subscribe_5000_chars": "/dangky " + "đoàn viên công đoàn " * 250,
    "control_characters": "/dangky \x01\x02\x07\x1b[31m\x7f\u200b\u202e",
    "only_emoji": "🎉🔥👍🏿🇻🇳",
    "digest_25_99": "/bantin 25:99",
    "remind_minus_1": "/nhacviec -1",
    "quiet_foo": "/gioyenlang foo",
}


@pytest.mark.parametrize("text", NONSENSE.values(), ids=NONSENSE.keys())
async def test_nonsense_gets_a_polite_vietnamese_answer_and_the_bot_keeps_running(
    bot: Harness, text: str
) -> None:
    answer = await bot.say(OFFICER_A, text)
    assert answer.visible_text.strip()
    assert ERROR_VI not in answer.visible_text, answer.visible_text
    assert _vietnamese(answer.visible_text), answer.visible_text
    helped = await bot.say(OFFICER_A, "/huongdan")
    assert "/dangky" in helped.visible_text


async def test_nonsense_settings_change_nothing(bot: Harness) -> None:
    await bot.say(OFFICER_A, "/start")
    before = _settings(bot.db, OFFICER_A)
    for text in ("/bantin 25:99", "/nhacviec -1", "/gioyenlang foo", "/bantin 7:60"):
        await bot.say(OFFICER_A, text)
    assert _settings(bot.db, OFFICER_A) == before


def _settings(db: Database, chat_id: int) -> tuple[object, ...]:
    with db.read() as s:
        chat = s.scalars(select(Chat).where(Chat.chat_id == str(chat_id))).one()
        return chat.digest_time, chat.remind_days, chat.quiet_start, chat.quiet_end


# --- hostile titles ---------------------------------------------------------------------


async def _story(bot: Harness, title: str) -> int:
    return await asyncio.to_thread(
        add_story, bot.db, title, topics=(TOPIC,), first_seen=datetime.now(UTC),
        text="Công đoàn phát triển đoàn viên mới.",
    )  # fmt: skip


@pytest.mark.parametrize("title", HOSTILE_TITLES, ids=["script", "ampersand_unbalanced", "anchors"])
async def test_hostile_titles_are_shown_literally_in_latest(bot: Harness, title: str) -> None:
    await _story(bot, title)
    answer = await bot.say(OFFICER_A, "/tinmoi")
    assert answer.parse_mode == "HTML"  # the fake refused nothing: the HTML was valid
    assert title in answer.visible_text  # every < & > shown as typed, none became markup
    assert not any(e["type"] == "text_link" and "javascript" in e.get("url", "")
                   for e in answer.entities)  # fmt: skip


async def test_a_push_built_from_a_hostile_title_arrives_escaped(bot: Harness) -> None:
    await bot.say(OFFICER_A, "/dangky phát triển đoàn viên")
    title = HOSTILE_TITLES[1]
    story = await _story(bot, title)
    await asyncio.to_thread(route_new_stories, bot.db, [story], bot.config)
    push = await bot.tg.wait_for_messages(OFFICER_A, 2, timeout=15)
    assert title in push[-1].visible_text
    assert push[-1].parse_mode == "HTML"  # sent as HTML, not the plain-text fallback
    assert bot.tg.stats.bad_request == 0


# --- one chat's data is its own ---------------------------------------------------------


def _subscriptions(db: Database, chat_id: int) -> list[int]:
    with db.read() as s:
        return list(
            s.scalars(
                select(Subscription.id)
                .join(Chat, Chat.id == Subscription.chat_pk)
                .where(Chat.chat_id == str(chat_id))
            )
        )


async def test_no_chat_sees_another_chats_subscriptions(bot: Harness) -> None:
    await bot.say(OFFICER_A, "/dangky phát triển đoàn viên")
    mine = await bot.say(OFFICER_B, "/dasdangky")
    assert "Phát triển đoàn viên" not in mine.visible_text
    assert _subscriptions(bot.db, OFFICER_A) and not _subscriptions(bot.db, OFFICER_B)


FORGED = ["x:{sub}", "c:{sub}:1", "r:{sub}:zzz", "x:-1", "x:99999999999999999999", "m:0:u:",
          "s:k:#nope", "stop:y:{sub}", "\x00\x01", "a" * 64, "q:", "p:-5"]  # fmt: skip


def _answered(db: Database) -> bool:
    """Nothing left to send: every answer queued so far went out."""
    counts = outbox.stats(db)
    return counts["pending"] == 0 and counts["sending"] == 0


async def test_forged_callback_data_changes_nothing(bot: Harness) -> None:
    await bot.say(OFFICER_A, "/dangky phát triển đoàn viên")
    [victim] = _subscriptions(bot.db, OFFICER_A)
    menu = await bot.say(OFFICER_B, "/start")
    for data in FORGED:
        bot.tg.push_callback(OFFICER_B, menu.message_id, data.format(sub=victim))
    # Every press is answered (no spinning button), and nothing of A's moved.
    await bot.tg.wait_for_call("answerCallbackQuery", len(FORGED), timeout=20)
    assert _subscriptions(bot.db, OFFICER_A) == [victim]
    # Answers go through the outbox, paced per chat: let those of the forged presses
    # go out before asking for help.
    await bot.tg.wait_for(lambda: _answered(bot.db), 30, "the presses' answers sent")
    assert all(ERROR_VI not in m.visible_text for m in bot.tg.sent(OFFICER_B))
    helped = await bot.say(OFFICER_B, "/huongdan")
    assert "/dangky" in helped.visible_text
    with bot.db.read() as s:
        active = s.scalars(select(Chat.active).where(Chat.chat_id == str(OFFICER_B))).one()
    assert active, "a forged stop:y with extra fields does not stop another chat either"


# --- a blocked chat ---------------------------------------------------------------------


async def test_a_blocked_chat_loses_nothing_queued_for_others(bot: Harness) -> None:
    for officer in (OFFICER_A, OFFICER_B, OFFICER_C):
        await bot.say(officer, "/dangky phát triển đoàn viên")
    bot.tg.block(OFFICER_B)
    stories = [await _story(bot, f"Kết nạp đoàn viên mới đợt {n}") for n in (1, 2, 3)]
    await asyncio.to_thread(route_new_stories, bot.db, stories, bot.config)
    for officer in (OFFICER_A, OFFICER_C):
        got = await bot.tg.wait_for_messages(officer, 4, timeout=30)  # the reply + 3 pushes
        pushed = " ".join(m.visible_text for m in got[1:])
        assert all(f"đợt {n}" in pushed for n in (1, 2, 3)), pushed

    def others_pending() -> int:
        with bot.db.read() as s:
            return s.scalar(
                select(func.count()).select_from(Outbox).join(Chat, Chat.id == Outbox.chat_pk)
                .where(Outbox.status != "sent", Chat.chat_id != str(OFFICER_B))
            )  # fmt: skip

    # The fake has the messages; the sender marks each row sent right after.
    deadline = asyncio.get_running_loop().time() + 10
    while others_pending() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
    assert others_pending() == 0, _outbox(bot.db)
    assert bot.tg.stats.forbidden >= 1  # B was really tried, and refused


def _outbox(db: Database) -> list[tuple[object, ...]]:
    with db.read() as s:
        rows = s.execute(select(Chat.chat_id, Outbox.kind, Outbox.status, Outbox.text)
                         .join(Chat, Chat.id == Outbox.chat_pk)).all()  # fmt: skip
    return [tuple(str(v)[:60] for v in row) for row in rows]
