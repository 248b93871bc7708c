"""kill -9 a worker in the middle of a fan-out, on PostgreSQL.

A real ``congdoan-bot worker`` process delivers one story routed to 300
officers through the standalone fake Bot API (flood limits on).  It is killed
with SIGKILL part-way; a new worker is started.  What an operator checks:
every officer receives the story, nothing is left in the queue, and the only
repeats are messages that were on the wire when the process died (rows it had
claimed but not yet marked sent), which come back after ``[scale]
lease_seconds``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from bot.config import load_config
from bot.delivery.routing import route_new_stories
from storage import outbox
from storage.db import Database, open_database
from storage.models import Chat, Outbox, Subscription
from tests.support.factories import NGHE_AN, add_story
from tests.support.fake_telegram import standalone

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).parents[1]
TOKEN = "123456:TEST-TOKEN"
CHATS = 300
LEASE = 3.0
FIRST_CHAT = 7_000_001


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def _wait(predicate, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout} s")


@pytest.fixture
def fake_root() -> Iterator[str]:
    """The standalone fake Bot API with Telegram's flood limits on."""
    with standalone(limits=True) as base:
        yield base.rsplit("/bot", 1)[0]


def _fan_out(db: Database, config_path: Path) -> int:
    """300 officers following the province; one new story routed to all of them."""
    now = datetime.now(UTC)
    with db.write() as s:
        s.execute(
            insert(Chat),
            [
                {
                    "channel": "telegram",
                    "chat_id": str(FIRST_CHAT + i),
                    "kind": "private",
                    "since": now - timedelta(days=1),
                }
                for i in range(CHATS)
            ],
        )
        pks = list(s.scalars(select(Chat.id)))
        s.execute(
            insert(Subscription),
            [
                {"chat_pk": pk, "kind": "unit", "value": NGHE_AN[0], "label": NGHE_AN[1]}
                for pk in pks
            ],
        )
    story = add_story(
        db,
        "LĐLĐ tỉnh Nghệ An phát động Tháng Công nhân năm 2026",
        units=(NGHE_AN,),
        first_seen=now,
    )
    result = route_new_stories(db, [story], load_config(config_path, {}), now=now)
    return result.outbox_rows


def _worker(tmp: Path, config: Path, root: str, name: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": f"{root}/bot"}
    env.pop("ZALO_BOT_TOKEN", None)
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), "worker", "--id", name],
        env=env,
        stderr=(tmp / f"{name}.log").open("wb"),
        cwd=ROOT,
    )


def test_kill_9_mid_fan_out_every_officer_gets_the_story(
    tmp_path: Path, postgres_url: str, fake_root: str
) -> None:
    from tests.conftest import _reset_postgres

    _reset_postgres(postgres_url)
    config = tmp_path / "bot_config.toml"
    config.write_text(
        f'[bot]\ndatabase_url = "{postgres_url}"\n[scale]\nlease_seconds = {LEASE}\n',
        encoding="utf-8",
    )
    db = open_database(postgres_url)
    assert _fan_out(db, config) == CHATS

    first = _worker(tmp_path, config, fake_root, "first")
    try:
        _wait(lambda: _get(f"{fake_root}/_fake/stats")["sent"] >= 80, 30, "80 sends")
        first.kill()  # SIGKILL: no clean-up of any kind
        first.wait(timeout=10)
        at_kill = _get(f"{fake_root}/_fake/stats")["sent"]
        with db.read() as s:  # claimed, not marked sent: the most that can come twice
            in_flight = len(list(s.scalars(select(Outbox.id).where(Outbox.status == "sending"))))
        assert 0 < at_kill < CHATS, "killed mid fan-out"
        assert in_flight <= 60, in_flight  # small claims: a batch, plus sends on the wire

        second = _worker(tmp_path, config, fake_root, "second")
        try:
            _wait(lambda: outbox.stats(db)["sent"] == CHATS, 40, "every row sent")
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=15)
    finally:
        if first.poll() is None:
            first.kill()

    received = Counter(m["chat_id"] for m in _get(f"{fake_root}/_fake/sent"))
    assert set(received) == {FIRST_CHAT + i for i in range(CHATS)}  # nobody lost
    duplicates = sum(n - 1 for n in received.values())
    print(f"sent before kill={at_kill} in flight={in_flight} duplicates={duplicates}")
    assert duplicates <= in_flight, (duplicates, in_flight)
    stats = _get(f"{fake_root}/_fake/stats")
    assert stats["too_many_requests"] == 0
    assert outbox.stats(db) == {"pending": 0, "sending": 0, "sent": CHATS, "dead": 0}
    db.dispose()
