"""`congdoan-bot run` as a process, serving Zalo alone or Zalo and Telegram together.

What an officer sees: with only ``ZALO_BOT_TOKEN`` set, typing «tin moi» on
Zalo lists the latest news; in a Zalo group only the configured operators may
change subscriptions, and the reply says why; with both tokens, one story
reaches its Telegram subscriber and its Zalo subscriber.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.config import load_config
from bot.delivery.routing import route_new_stories
from storage.db import open_database
from storage.leader import current_holder
from storage.models import Subscription
from tests.support.factories import add_chat, add_story, subscribe
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_zalo import FakeZalo

ROOT = Path(__file__).parents[1]
TOPIC = "phat_trien_doan_vien"
TITLE = "Công đoàn Nghệ An kết nạp mới hơn 7.500 đoàn viên"


@asynccontextmanager
async def run_process(
    config: Path, env: dict[str, str], zalo: FakeZalo
) -> AsyncIterator[Callable[[], str]]:
    """`congdoan-bot run`; yields a function returning its log so far; SIGTERM at the end."""
    log_path = config.with_suffix(".log")
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(config), "run",
            env=env, stderr=log, cwd=ROOT,
        )  # fmt: skip
    try:
        yield lambda: log_path.read_text(encoding="utf-8", errors="replace")
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 30)
        assert code == 0, log_path.read_text()[-2000:]
        # The fake still holds the dead process's long poll (up to 30 s): release it.
        zalo.push_text("nobody", "x")
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def _env(**tokens: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN")}
    env.update(tokens)
    return env


async def _until(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(predicate):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        await asyncio.sleep(0.1)


async def test_run_with_only_a_zalo_token_answers_typed_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    config = tmp_path / "bot_config.toml"
    config.write_text(
        f'[bot]\ndatabase_url = "{url}"\n[zalo]\noperators = ["op-1"]\n', encoding="utf-8"
    )
    db = open_database(url)
    add_story(db, TITLE, topics=(TOPIC,), first_seen=datetime.now(UTC) - timedelta(hours=1))
    async with FakeZalo() as zalo:
        env = _env(ZALO_BOT_TOKEN=zalo.token, ZALO_API_BASE_URL=zalo.base_url)
        async with run_process(config, env, zalo) as log:
            zalo.push_text("u1", "tin moi")
            [reply, *_] = await zalo.wait_for_messages("u1", 1, timeout=20)
            assert TITLE in reply.text
            assert "<" not in reply.text  # plain text on Zalo

            # A Zalo group: a member who is not an operator is told who may subscribe it.
            zalo.push_text("g1", "dang ky phat trien doan vien", chat_type="GROUP", user_id="u2")
            [refused, *_] = await zalo.wait_for_messages("g1", 1, timeout=20)
            assert "Zalo không cho bot biết ai là quản trị viên nhóm" in refused.text
            zalo.push_text("g1", "dang ky phat trien doan vien", chat_type="GROUP", user_id="op-1")
            await zalo.wait_for_messages("g1", 2, timeout=20)

            def group_subscribed() -> bool:
                with db.read() as s:
                    return s.scalar(select(Subscription.value)) == TOPIC

            await _until(group_subscribed, 10, "the operator subscribed the group")
            assert "channels=zalo" in log()
    db.dispose()


async def test_run_with_both_tokens_delivers_one_story_to_both_channels(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    config = tmp_path / "bot_config.toml"
    config.write_text(f'[bot]\ndatabase_url = "{url}"\n', encoding="utf-8")
    db = open_database(url)
    now = datetime.now(UTC)
    tg_pk = add_chat(db, "5151", channel="telegram", since=now - timedelta(days=1))
    zl_pk = add_chat(db, "u9", channel="zalo", since=now - timedelta(days=1))
    for pk in (tg_pk, zl_pk):
        subscribe(db, pk, "topic", TOPIC)
    async with FakeZalo() as zalo, FakeTelegram() as tg:
        env = _env(
            ZALO_BOT_TOKEN=zalo.token,
            ZALO_API_BASE_URL=zalo.base_url,
            TELEGRAM_BOT_TOKEN=tg.token,
            TELEGRAM_API_BASE_URL=tg.base_url,
        )
        async with run_process(config, env, zalo) as log:
            await _until(lambda: current_holder(db) is not None, 20, "the run holds the scheduler")
            await _until(lambda: "scheduler serving" in log(), 20, "both channels started")
            assert "channels=telegram,zalo" in log()
            # A story arrives (as the poll tick would route it).
            story = add_story(db, TITLE, topics=(TOPIC,), first_seen=datetime.now(UTC))
            config_obj = load_config(config, {})
            routed = await asyncio.to_thread(route_new_stories, db, [story], config_obj)
            assert routed.pushes == 2
            [tg_message] = await tg.wait_for_messages(5151, 1, timeout=20)
            [zalo_message] = await zalo.wait_for_messages("u9", 1, timeout=20)
            assert TITLE in tg_message.visible_text and tg_message.parse_mode == "HTML"
            assert TITLE in zalo_message.text and "<" not in zalo_message.text
            # And chat works on both at once.
            tg.push_message(5152, "/start")
            zalo.push_text("u10", "huong dan")
            await tg.wait_for_messages(5152, 1, timeout=20)
            await zalo.wait_for_messages("u10", 1, timeout=20)
            await asyncio.sleep(0.5)
            assert len(tg.sent(5151)) == 1 and len(zalo.sent("u9")) == 1
    db.dispose()
