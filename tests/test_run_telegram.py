"""`congdoan-bot run` end to end: the real Application, its JobQueue ticks, the
sender, a sample union site and the fake Bot API, all on 127.0.0.1.

What an officer checks: after subscribing, a new article on the site arrives
as a push within a poll; the command menu is set in Vietnamese; and the
operator's SIGTERM stops the process cleanly with the update offset confirmed.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

import bot.channels.telegram.app as telegram_app
from bot.config import parse_config
from feeds.sample_site import SampleSite, sources_toml
from storage.db import open_database
from storage.models import Source
from tests.support.fake_telegram import FakeTelegram, standalone

OFFICER = 5001


async def until(predicate, timeout: float) -> None:  # type: ignore[no-untyped-def]
    """Wait for a condition outside the fake (the database), deadline-based."""
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(predicate):
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.1)


@pytest.fixture
def site():  # type: ignore[no-untyped-def]
    with SampleSite() as s:
        yield s


async def test_new_article_reaches_a_subscriber_within_a_poll(
    tmp_path: Path, site: SampleSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(telegram_app, "POLL_TICK", 0.5)
    async with FakeTelegram() as tg:
        config = parse_config(
            f'[bot]\ndatabase_url = "sqlite:///{tmp_path}/bot.db"\n'
            f'[telegram]\nbase_url = "{tg.base_url}"\n'
            "[fetch]\nper_host_delay = 0.0\n" + sources_toml(site.base_url),
            Path("t.toml"),
            {},
        )
        db = open_database(config.database_url)
        app = telegram_app.build_application(config, db, tg.token)
        async with app:  # the order of Application.run_polling
            await app.post_init(app)  # type: ignore[misc]
            await app.updater.start_polling(poll_interval=0, timeout=1)  # type: ignore[union-attr]
            await app.start()
            try:
                # The first ticks store every source's baseline: no pushes for old news.
                def baselines_done() -> bool:
                    with db.read() as s:
                        rows = s.scalars(select(Source.baseline_done)).all()
                    return len(rows) == 4 and all(rows)

                await until(baselines_done, timeout=20)
                menu = {key[1]: cmds for key, cmds in tg.commands.items()}
                assert "vi" in menu and any(c["command"] == "dangky" for c in menu["vi"])

                tg.push_message(OFFICER, "/dangky phát triển đoàn viên")
                [reply] = await tg.wait_for_messages(OFFICER, 1)
                assert "Phát triển đoàn viên" in reply.visible_text

                url = site.publish_next()  # "Công đoàn Nghệ An kết nạp mới hơn 7.500 đoàn viên…"
                assert url is not None
                # Fast-forward the sources' schedules (poll_interval is 15 min or more).
                with db.write() as s:
                    s.execute(update(Source).values(next_poll_at=datetime.now(UTC)))
                messages = await tg.wait_for_messages(OFFICER, 2, timeout=20)
                push = messages[1]
                assert "kết nạp mới" in push.visible_text
                assert push.parse_mode == "HTML"
                assert url in (push.text or "")
                assert len(tg.sent(OFFICER)) == 2, "one push, whatever number of polls"
            finally:
                await app.updater.stop()  # type: ignore[union-attr]
                await app.stop()
                await app.post_stop(app)  # type: ignore[misc]


def _read_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _control(base: str, action: str, *args: object) -> None:
    body = json.dumps({"action": action, "args": list(args), "kwargs": {}}).encode()
    request = urllib.request.Request(
        f"{base}/_fake/control", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5):
        pass


def test_sigterm_stops_cleanly_and_confirms_the_offset(tmp_path: Path, site: SampleSite) -> None:
    with standalone(limits=False) as base_url:
        root = base_url.rsplit("/bot", 1)[0]
        config_path = tmp_path / "bot_config.toml"
        config_path.write_text(
            f'[bot]\ndatabase_url = "sqlite:///{tmp_path}/bot.db"\n'
            "[fetch]\nper_host_delay = 0.0\n" + sources_toml(site.base_url),
            encoding="utf-8",
        )
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN",
            "TELEGRAM_API_BASE_URL": base_url,
        }
        command = [sys.executable, "-m", "bot", "--config", str(config_path), "run"]

        def start() -> subprocess.Popen[str]:
            return subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)

        def replies(count: int) -> list[dict[str, object]]:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                sent = _read_json(f"{root}/_fake/sent?chat_id={OFFICER}")
                if len(sent) >= count:  # type: ignore[arg-type]
                    return sent  # type: ignore[return-value]
                time.sleep(0.2)
            raise AssertionError(f"expected {count} replies, got {sent}")

        def stop(process: subprocess.Popen[str]) -> None:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=30)
            assert code == 0, process.stderr.read()[-2000:]  # type: ignore[union-attr]

        bot = start()
        try:
            _control(root, "push_message", OFFICER, "/start")
            assert "Kính chào" in json.dumps(replies(1), ensure_ascii=False)
            stop(bot)
            # Restarted, the bot must not answer the old /start again: its update
            # offset was confirmed at shutdown.  It answers only what is new.
            bot = start()
            _control(root, "push_message", OFFICER, "/help")
            sent = replies(2)
            time.sleep(1.0)  # room for a wrong third reply to show up
            sent = _read_json(f"{root}/_fake/sent?chat_id={OFFICER}")
            assert len(sent) == 2, [m.get("text", "")[:40] for m in sent]  # type: ignore[union-attr]
            stop(bot)
        finally:
            if bot.poll() is None:
                bot.kill()


def test_run_without_a_token_says_how(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from bot.cli.main import main

    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    path = tmp_path / "c.toml"
    path.write_text(f'[bot]\ndatabase_url = "sqlite:///{tmp_path}/x.db"\n', encoding="utf-8")
    assert main(["--config", str(path), "run"]) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN" in err and "demo" in err
