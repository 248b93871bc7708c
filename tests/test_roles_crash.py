"""kill -9 the scheduler: two real ``congdoan-bot run`` processes share one
database (PostgreSQL: advisory lock; SQLite: lease row) and the standalone fake
Bot API.  What an operator checks: only one of them talks to Telegram (no 409),
the standby takes over within one lease period and answers a new /start, and a
digest due at the takeover reaches the officer exactly once — as does the one
the dead holder had already sent.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storage.db import Database, open_database
from storage.leader import current_holder
from storage.models import Delivery, Outbox, ProcessBeat
from tests.support.factories import add_chat, add_story
from tests.support.fake_telegram import standalone

ROOT = Path(__file__).parents[1]
LEASE = 4.0  # [scale] lease_seconds for these tests
TOKEN = "123456:TEST-TOKEN"
OFFICER_1, OFFICER_2 = 6001, 6002
DIGEST_DONE, DIGEST_DUE = 6101, 6102  # digest sent before the crash / due at the takeover


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _control(root: str, action: str, *args: object) -> None:
    body = json.dumps({"action": action, "args": list(args), "kwargs": {}}).encode()
    request = urllib.request.Request(
        f"{root}/_fake/control", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5):
        pass


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout} s")


@contextmanager
def fake_telegram() -> Iterator[str]:
    """The standalone fake Bot API; yields its root URL (without /bot)."""
    with standalone(limits=False) as base:
        yield base.rsplit("/bot", 1)[0]


class Runs:
    """``congdoan-bot run`` processes on one config; their stderr in files."""

    def __init__(self, tmp: Path, config: Path, root: str) -> None:
        self.tmp, self.config = tmp, config
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": f"{root}/bot",
        }
        self.env.pop("ZALO_BOT_TOKEN", None)
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, name: str) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(self.config), "run"],
            env=self.env,
            stderr=log,
            cwd=ROOT,
        )
        self.procs.append(proc)
        return proc

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)


def holder_id(proc: subprocess.Popen[bytes]) -> Callable[[str], bool]:
    return lambda holder: holder.endswith(f":{proc.pid}")


def _digest_waiting(db: Database, chat_id: str, now: datetime, tz: Any) -> int:
    """A chat whose digest hour is this minute, with one story waiting for it."""
    local = now.astimezone(tz)
    chat_pk = add_chat(db, chat_id, digest_time=local.time().replace(second=0, microsecond=0))
    story = add_story(db, f"Tin tổng hợp cho {chat_id}", first_seen=now - timedelta(hours=1))
    with db.write() as s:
        s.add(Delivery(chat_pk=chat_pk, story_id=story, mode="digest", created_at=now))
    return chat_pk


def _digest_keys(db: Database, chat_pk: int) -> list[str]:
    with db.read() as s:
        return list(
            s.scalars(select(Outbox.dedup_key).where(Outbox.chat_pk == chat_pk, Outbox.part == 0))
        )


def _conflicts(root: str) -> int:
    errors = _get(f"{root}/_fake/stats")["errors"]
    return sum(n for text, n in errors.items() if "Conflict" in text)


def _reset(url: str) -> None:
    if url.startswith("postgresql"):
        from tests.conftest import _reset_postgres

        _reset_postgres(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.db'}"
    url = request.getfixturevalue("postgres_url")
    _reset(url)
    return url


def test_kill_9_the_scheduler_the_standby_takes_over(tmp_path: Path, database_url: str) -> None:
    config = tmp_path / "bot_config.toml"
    config.write_text(
        f'[bot]\ndatabase_url = "{database_url}"\n[scale]\nlease_seconds = {LEASE}\n',
        encoding="utf-8",
    )
    from bot.config import load_config

    tz = load_config(config, {}).tz
    db = open_database(database_url)
    done_pk = _digest_waiting(db, str(DIGEST_DONE), datetime.now(UTC), tz)

    with fake_telegram() as root:
        runs = Runs(tmp_path, config, root)
        try:
            first = runs.start("first")
            wait_for(
                lambda: (h := current_holder(db)) and h.alive and holder_id(first)(h.holder),
                20,
                "the first run holds the scheduler",
            )
            second = runs.start("second")
            wait_for(
                lambda: "standing by: scheduler held by" in runs.log("second"),
                20,
                "the second run stands by",
            )

            def roles() -> dict[int, str]:
                with db.read() as s:
                    return dict(s.execute(select(ProcessBeat.pid, ProcessBeat.role)).all())

            expected = {first.pid: "scheduler", second.pid: "standby"}
            wait_for(lambda: roles() == expected, 10, f"heartbeats {expected}")

            _control(root, "push_message", OFFICER_1, "/start")
            wait_for(lambda: _get(f"{root}/_fake/sent?chat_id={OFFICER_1}"), 20, "reply 1")
            # The digest due when the holder started is sent by the holder.
            wait_for(lambda: _get(f"{root}/_fake/sent?chat_id={DIGEST_DONE}"), 20, "digest 1")
            time.sleep(0.5)  # the holder confirms the /start update with its next getUpdates
            assert _conflicts(root) == 0, "the standby never called getUpdates"

            # A second digest falls due now; the holder's next digest tick is a minute away.
            due_pk = _digest_waiting(db, str(DIGEST_DUE), datetime.now(UTC), tz)
            assert _digest_keys(db, due_pk) == []

            first.send_signal(signal.SIGKILL)
            killed = time.monotonic()
            first.wait(timeout=10)
            wait_for(
                lambda: (h := current_holder(db)) and h.alive and holder_id(second)(h.holder),
                LEASE * 2,
                "the standby holds the scheduler",
            )
            takeover = time.monotonic() - killed
            _control(root, "push_message", OFFICER_2, "/start")
            reply = wait_for(
                lambda: _get(f"{root}/_fake/sent?chat_id={OFFICER_2}"), 20, "reply from the standby"
            )
            answered = time.monotonic() - killed
            assert "Kính chào" in reply[0]["text"]
            wait_for(lambda: _get(f"{root}/_fake/sent?chat_id={DIGEST_DUE}"), 20, "digest 2")
            time.sleep(1.0)  # room for a wrong second copy

            print(
                f"\n[{database_url.split(':')[0]}] lease {LEASE:.0f} s: takeover "
                f"{takeover:.2f} s after kill -9, new /start answered after {answered:.2f} s"
            )
            assert takeover < LEASE, f"takeover took {takeover:.1f} s"
            assert len(_get(f"{root}/_fake/sent?chat_id={DIGEST_DONE}")) == 1
            assert len(_get(f"{root}/_fake/sent?chat_id={DIGEST_DUE}")) == 1
            assert len(_get(f"{root}/_fake/sent?chat_id={OFFICER_1}")) == 1, "no repeat reply"
            day = datetime.now(UTC).astimezone(tz).date().isoformat()
            assert _digest_keys(db, done_pk) == [f"digest:{done_pk}:{day}"]
            assert _digest_keys(db, due_pk) == [f"digest:{due_pk}:{day}"]

            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=30) == 0, runs.log("second")[-2000:]
            assert "scheduler role taken" in runs.log("second")
            with db.read() as s:
                assert (
                    s.scalar(select(ProcessBeat.pid).where(ProcessBeat.pid == second.pid)) is None
                )
        finally:
            runs.close()
            db.dispose()


def test_worker_delivers_and_reports_its_heartbeat(tmp_path: Path) -> None:
    """`congdoan-bot worker` alone (no `run`): it sends what is queued, `status`
    lists it alive with its count, and a clean stop removes it from the list."""
    from storage import outbox
    from storage.outbox import NewMessage

    url = f"sqlite:///{tmp_path / 'bot.db'}"
    config = tmp_path / "bot_config.toml"
    config.write_text(f'[bot]\ndatabase_url = "{url}"\n[scale]\nlease_seconds = 3\n', "utf-8")
    db = open_database(url)
    now = datetime.now(UTC)
    chats = [add_chat(db, str(7000 + i)) for i in range(40)]
    with db.write() as s:
        for pk in chats:
            outbox.enqueue(s, pk, f"notice:{pk}", "notice", [NewMessage(f"Thông báo {pk}")],
                           not_before=now)  # fmt: skip
    with fake_telegram() as root:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": f"{root}/bot"}
        env.pop("ZALO_BOT_TOKEN", None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(config), "worker", "--id", "w-test"],
            env=env, cwd=ROOT, stderr=(tmp_path / "w.log").open("wb"),
        )  # fmt: skip
        try:
            wait_for(lambda: outbox.stats(db)["sent"] == 40, 30, "40 messages sent")
            status = subprocess.run(
                [sys.executable, "-m", "bot", "--config", str(config), "status", "--json"],
                cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
            )  # fmt: skip
            data = json.loads(status.stdout)
            [worker] = data["processes"]
            assert worker["id"] == "w-test" and worker["alive"] and data["workers_alive"] == 1
            assert data["sent"]["last_minute"] == 40 and data["queue"]["pending"] == 0
            assert data["scheduler"] is None, "a worker never takes the scheduler"
            assert sum(len(_get(f"{root}/_fake/sent?chat_id={7000 + i}")) for i in range(40)) == 40
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
            with db.read() as s:
                assert s.scalar(select(ProcessBeat.id)) is None
        finally:
            if proc.poll() is None:
                proc.kill()
            db.dispose()
