"""``congdoan-bot digest --now`` as an operator runs it, beside a running bot or alone.

While a ``run`` holds the scheduler, the command only queues: the running bot
sends the digest in its own pace (replies first), so a second sender does not
pace itself apart from it.  With no bot running, the command sends the digest
itself.  Either way the officer gets it once.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import time
from pathlib import Path

from bot.delivery.routing import route_new_stories
from storage import leader
from storage.db import open_database
from tests.support.factories import NOW, add_chat, add_story, make_config, outbox_rows, subscribe
from tests.support.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
CHAT = 7101


def _cli(config: Path, token: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": token}
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "digest", "--now"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


async def test_digest_now_queues_for_the_running_bot_and_sends_when_alone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/bot.db"
    db = open_database(url)
    pk = add_chat(db, str(CHAT), digest_time=time(18, 0))
    subscribe(db, pk, "topic", "nu_cong")
    ids = [add_story(db, f"Tin nữ công số {n}", topics=("nu_cong",)) for n in range(3)]
    route_new_stories(db, ids, make_config(digest_time="18:00"), now=NOW)

    async with FakeTelegram() as tg:
        config = tmp_path / "bot_config.toml"
        config.write_text(
            f'[bot]\ndatabase_url = "{url}"\n[telegram]\nbase_url = "{tg.base_url}"\n',
            encoding="utf-8",
        )
        lease = leader.RoleLease(db, "run@officehost", lease_seconds=60)
        assert lease.try_acquire()
        held = await asyncio.to_thread(_cli, config, tg.token)
        assert held.returncode == 0, held.stderr
        assert "run@officehost" in held.stdout and "queued for 1 chats" in held.stdout
        assert tg.sent(CHAT) == [], "the running bot sends it, not the command"
        digest = [r for r in outbox_rows(db, pk) if r.kind == "digest"]
        assert digest and all(r.sent_at is None for r in digest)

        lease.release()
        alone = await asyncio.to_thread(_cli, config, tg.token)
        assert alone.returncode == 0, alone.stderr
        [message] = tg.sent(CHAT)
        assert all(f"Tin nữ công số {n}" in message.visible_text for n in range(3))
        assert f"{len(digest)} sent" in alone.stdout
    db.dispose()
