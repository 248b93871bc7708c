"""Issue 18: no secret in any log of ``congdoan-bot run``, however verbose.

Real ``run`` subprocesses at ``-vv`` (httpx then logs every request URL, and
Bot API URLs carry the token; PTB logs setWebhook's parameters) in both log
formats, against the fake Bot API, the fake Zalo API and a real PostgreSQL
server.  What an operator checks: the bot works, the log is verbose, and
neither the bot tokens, nor the webhook secret, nor the database password
appear in it — raw or URL-encoded.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy.engine import make_url

from tests.support.fake_telegram import standalone
from tests.support.fake_zalo import FakeZalo

ROOT = Path(__file__).parents[2]
TG_TOKEN = "7001234567:AAHostileSecretToken-abcdefghijklmnopq"
ZALO_TOKEN = "3141592653:ZaloHostileSecret_abcdefghijkl"
WEBHOOK_SECRET = "Hostile_Webhook-Secret_2026"
DB_PASSWORD = "Pw-HostileDb-2026!x"
OFFICER = 8401


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s")


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


class Run:
    """``congdoan-bot <flags> run`` with its stderr in a file."""

    def __init__(self, tmp: Path, flags: list[str], env: dict[str, str], extra: str = "") -> None:
        config = tmp / "bot_config.toml"
        config.write_text(
            f'[bot]\ndatabase_url = "sqlite:///{tmp}/bot.db"\n{extra}', encoding="utf-8"
        )
        base = {k: v for k, v in os.environ.items() if not k.endswith("_BOT_TOKEN")}
        self.log_path = tmp / "stderr.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *flags, "--config", str(config), "run"],
            env={**base, **env},
            stderr=self.log_path.open("wb"),
            cwd=ROOT,
        )

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def assert_no_secret(log: str, *secrets: str) -> None:
    assert log.strip(), "the process logged nothing"
    for secret in secrets:
        for form in {secret, quote(secret, safe=""), quote(secret)}:
            assert form not in log, f"{secret[:6]}… appears in the log"


@pytest.mark.parametrize("flags", [["-vv"], ["-vv", "--log-json"]], ids=["keyvalue", "json"])
def test_telegram_token_never_logged_at_debug(tmp_path: Path, flags: list[str]) -> None:
    with standalone(limits=False, token=TG_TOKEN) as base:
        root = base.rsplit("/bot", 1)[0]
        run = Run(tmp_path, flags, {"TELEGRAM_BOT_TOKEN": TG_TOKEN, "TELEGRAM_API_BASE_URL": base})
        try:
            _control(root, "push_message", OFFICER, "/start")
            sent = _wait(lambda: _get(f"{root}/_fake/sent?chat_id={OFFICER}"), 30, "the reply")
            assert "Kính chào" in sent[0]["text"]
            log = run.stop()
        finally:
            run.kill()
    assert "httpx" in log and "getUpdates" in log  # verbose indeed: request URLs were logged
    if "--log-json" in flags:
        assert all(json.loads(line) for line in log.splitlines() if line.strip())
    assert_no_secret(log, TG_TOKEN)


def test_webhook_secret_and_token_never_logged(tmp_path: Path) -> None:
    port = _free_port()
    extra = (
        '[telegram]\nmode = "webhook"\nwebhook_url = "https://bot.example.vn/tg/hook"\n'
        f'webhook_listen = "127.0.0.1"\nwebhook_port = {port}\n'
    )
    with standalone(limits=False, token=TG_TOKEN) as base:
        root = base.rsplit("/bot", 1)[0]
        env = {
            "TELEGRAM_BOT_TOKEN": TG_TOKEN,
            "TELEGRAM_API_BASE_URL": base,
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        }
        run = Run(tmp_path, ["-vv", "--log-json"], env, extra)
        try:
            hook = _wait(lambda: _get(f"{root}/_fake/webhook")["url"], 30, "setWebhook")
            assert hook.endswith("/tg/hook")
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1, "date": int(time.time()), "text": "/start",
                    "chat": {"id": OFFICER, "type": "private", "first_name": "Hoa"},
                    "from": {"id": OFFICER, "is_bot": False, "first_name": "Hoa"},
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }  # fmt: skip
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/tg/hook",
                data=json.dumps(update).encode(),
                headers={"Content-Type": "application/json",
                         "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
            )  # fmt: skip
            _wait(lambda: _post_ok(request), 15, "the webhook server")
            _wait(lambda: _get(f"{root}/_fake/sent?chat_id={OFFICER}"), 30, "the reply")
            log = run.stop()
        finally:
            run.kill()
    assert "setWebhook" in log
    assert_no_secret(log, TG_TOKEN, WEBHOOK_SECRET)


def _post_ok(request: urllib.request.Request) -> bool:
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError):
        return False


async def test_zalo_token_never_logged_at_debug(tmp_path: Path) -> None:
    async with FakeZalo(ZALO_TOKEN) as zalo:
        env = {"ZALO_BOT_TOKEN": ZALO_TOKEN, "ZALO_API_BASE_URL": zalo.base_url}
        run = Run(tmp_path, ["-vv"], env)
        try:
            zalo.push_text("zalo-officer-9", "huong dan")
            await zalo.wait_for_messages("zalo-officer-9", 1, timeout=30)
            log = await asyncio.to_thread(run.stop)
        finally:
            run.kill()
    assert "httpx" in log
    assert_no_secret(log, ZALO_TOKEN)


@pytest.mark.postgres
def test_database_password_never_logged_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    from tests.conftest import _reset_postgres

    _reset_postgres(postgres_url)
    # The test server trusts local connections: the password is sent and ignored.
    url = make_url(postgres_url).set(password=DB_PASSWORD).render_as_string(hide_password=False)
    with standalone(limits=False, token=TG_TOKEN) as base:
        root = base.rsplit("/bot", 1)[0]
        env = {"TELEGRAM_BOT_TOKEN": TG_TOKEN, "TELEGRAM_API_BASE_URL": base, "DATABASE_URL": url}
        run = Run(tmp_path, ["-vv", "--log-json"], env)
        try:
            _control(root, "push_message", OFFICER, "/start")
            _wait(lambda: _get(f"{root}/_fake/sent?chat_id={OFFICER}"), 40, "the reply")
            log = run.stop()
        finally:
            run.kill()
    assert "advisory" in log  # it ran on PostgreSQL (the scheduler lease is a lock there)
    assert_no_secret(log, TG_TOKEN, DB_PASSWORD)


def test_database_password_never_logged_when_the_database_is_unreachable(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://officer:{DB_PASSWORD}@127.0.0.1:{_free_port()}/congdoan"
    env = {"TELEGRAM_BOT_TOKEN": TG_TOKEN, "DATABASE_URL": url}
    run = Run(tmp_path, ["-vv", "--log-json"], env)
    try:
        assert run.proc.wait(timeout=60) != 0
        log = run.stop()
    finally:
        run.kill()
    assert_no_secret(log, TG_TOKEN, DB_PASSWORD)
