"""Issue 18, item 9: ``congdoan-bot run`` (and ``worker``) when the chat API
cannot be reached at start, or rejects the token.

Each test starts the real process on a real SQLite file, with the sample union
site on 127.0.0.1 as its sources and a fake chat API (or nothing at all: a
closed port).  What an operator checks: a warning per retry that says why, the
sources still polled meanwhile, and a wrong token ending the process at once
with one line naming the variable and exit status 2 — never a silent hang,
never a traceback, never the token itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from feeds.sample_site import SampleSite, sources_toml
from storage.db import open_database
from storage.queries import count_items
from tests.support.fake_telegram import standalone
from tests.support.fake_zalo import FakeZalo

ROOT = Path(__file__).parents[2]
TG_TOKEN = "123456:HOSTILE-START-TOKEN"
ZALO_TOKEN = "9876543210:zalo-hostile-start"
OFFICER = 8101


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site() -> Iterator[SampleSite]:
    with SampleSite() as s:
        yield s


class Bot:
    """One ``congdoan-bot`` process; stderr kept in a file."""

    def __init__(self, tmp: Path, site: SampleSite, env: dict[str, str], *args: str) -> None:
        self.db_url = f"sqlite:///{tmp}/bot.db"
        config = tmp / "bot_config.toml"
        config.write_text(
            f'[bot]\ndatabase_url = "{self.db_url}"\n[scale]\nlease_seconds = 4\n'
            "[fetch]\nper_host_delay = 0.0\n" + sources_toml(site.base_url),
            encoding="utf-8",
        )
        base = {k: v for k, v in os.environ.items() if not k.endswith("_BOT_TOKEN")}
        base.pop("TELEGRAM_API_BASE_URL", None)
        base.pop("ZALO_API_BASE_URL", None)
        self.log_path = tmp / "stderr.log"
        command = [sys.executable, "-m", "bot", "--config", str(config), *(args or ("run",))]
        self.proc = subprocess.Popen(
            command, env={**base, **env}, stderr=self.log_path.open("wb"), cwd=ROOT
        )

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def lines(self, text: str) -> list[str]:
        return [line for line in self.log.splitlines() if text in line]

    def items(self) -> int:
        db = open_database(self.db_url, upgrade=False)
        try:
            return count_items(db)
        except Exception:  # the schema is not there yet
            return 0
        finally:
            db.dispose()

    def exit_code(self, timeout: float) -> int:
        return self.proc.wait(timeout=timeout)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def bots() -> Iterator[list[Bot]]:
    started: list[Bot] = []
    yield started
    for bot in started:
        bot.kill()


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s")


def assert_clean(log: str, *secrets: str) -> None:
    assert "Traceback" not in log, log[-3000:]
    for secret in secrets:
        assert secret not in log


def _control(root: str, action: str, *args: object, **kwargs: object) -> None:
    body = json.dumps({"action": action, "args": list(args), "kwargs": kwargs}).encode()
    request = urllib.request.Request(
        f"{root}/_fake/control", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5):
        pass


def _sent(root: str, chat_id: int) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{root}/_fake/sent?chat_id={chat_id}", timeout=5) as response:
        return json.loads(response.read())


# --- Telegram ---------------------------------------------------------------------------


def test_telegram_unreachable_warns_per_retry_and_keeps_polling(
    tmp_path: Path, site: SampleSite, bots: list[Bot]
) -> None:
    url = f"http://127.0.0.1:{closed_port()}/bot"
    bot = Bot(tmp_path, site, {"TELEGRAM_BOT_TOKEN": TG_TOKEN, "TELEGRAM_API_BASE_URL": url})
    bots.append(bot)
    warned = "telegram API unreachable at start"
    wait_for(lambda: len(bot.lines(warned)) >= 2, 20, "two warnings")
    first, second = bot.lines(warned)[:2]
    assert "ConnectError" in first and "retrying in 2 s" in first
    assert "retrying in 4 s" in second  # backs off
    wait_for(lambda: bot.items() > 0, 30, "the sample site's baseline stored meanwhile")
    assert bot.proc.poll() is None, "still running, still trying"
    assert bot.stop() == 0
    assert_clean(bot.log, TG_TOKEN)


@contextlib.asynccontextmanager
async def refusing_bot_api(status: int) -> AsyncIterator[str]:
    """What api.telegram.org answers a wrong token (401) or a malformed one (404),
    as JSON; yields the base URL (``…/bot``)."""
    description = "Unauthorized" if status == 401 else "Not Found"

    async def refuse(request: web.Request) -> web.Response:
        body = {"ok": False, "error_code": status, "description": description}
        return web.json_response(body, status=status)

    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", refuse)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/bot"
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("status", [401, 404])
async def test_telegram_rejected_token_exits_2_naming_the_variable(
    tmp_path: Path, site: SampleSite, bots: list[Bot], status: int
) -> None:
    async with refusing_bot_api(status) as base:
        env = {"TELEGRAM_BOT_TOKEN": TG_TOKEN, "TELEGRAM_API_BASE_URL": base}
        bot = Bot(tmp_path, site, env)
        bots.append(bot)
        await _wait_async(lambda: bot.proc.poll() is not None, 30, "the process ends")
    assert bot.proc.returncode == 2
    errors = bot.lines("level=error")
    assert len(errors) == 1, bot.log
    assert "TELEGRAM_BOT_TOKEN" in errors[0] and "rejected" in errors[0]
    assert_clean(bot.log, TG_TOKEN)


def test_telegram_500_at_start_then_ok_serves_chat(
    tmp_path: Path, site: SampleSite, bots: list[Bot]
) -> None:
    with standalone(limits=False, token=TG_TOKEN) as base:
        root = base.rsplit("/bot", 1)[0]
        _control(root, "fail_next", 2, 500, methods=["getMe"])
        bot = Bot(tmp_path, site, {"TELEGRAM_BOT_TOKEN": TG_TOKEN, "TELEGRAM_API_BASE_URL": base})
        bots.append(bot)
        wait_for(lambda: bot.lines("telegram API reached"), 30, "connected after the 500s")
        warnings = bot.lines("telegram API unreachable at start")
        assert len(warnings) == 2 and all("Internal Server Error" in w for w in warnings)
        _control(root, "push_message", OFFICER, "/start")
        reply = wait_for(lambda: _sent(root, OFFICER), 30, "the /start answer")
        assert "Kính chào" in reply[0]["text"]
        assert bot.stop() == 0
    assert_clean(bot.log, TG_TOKEN)


def test_worker_with_a_rejected_token_exits_2(
    tmp_path: Path, site: SampleSite, bots: list[Bot]
) -> None:
    with standalone(limits=False, token=TG_TOKEN) as base:  # another token: 401
        env = {"TELEGRAM_BOT_TOKEN": "123456:NOT-THE-RIGHT-ONE", "TELEGRAM_API_BASE_URL": base}
        bot = Bot(tmp_path, site, env, "worker")
        bots.append(bot)
        assert bot.exit_code(timeout=30) == 2
    [error] = bot.lines("level=error")
    assert "TELEGRAM_BOT_TOKEN" in error
    assert_clean(bot.log, "NOT-THE-RIGHT-ONE")


# --- Zalo -------------------------------------------------------------------------------


class FlakyZalo(FakeZalo):
    """The fake Zalo API whose getMe answers ``status`` the first ``times`` times."""

    def __init__(self, status: int, times: int, **kwargs: Any) -> None:
        super().__init__(ZALO_TOKEN, **kwargs)
        self.status, self.times = status, times

    async def _api_getMe(self, method: str, params: dict[str, Any]) -> web.Response:
        if self.times > 0:
            self.times -= 1
            error = {401: "Unauthorized", 404: "Not Found"}.get(self.status, "Internal error")
            return self._reply(method, params, self.status, error=error)
        return await super()._api_getMe(method, params)


async def _wait_async(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await asyncio.to_thread(predicate)
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s")


def test_zalo_unreachable_warns_per_retry_and_keeps_polling(
    tmp_path: Path, site: SampleSite, bots: list[Bot]
) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    bot = Bot(tmp_path, site, {"ZALO_BOT_TOKEN": ZALO_TOKEN, "ZALO_API_BASE_URL": url})
    bots.append(bot)
    warned = "zalo API unreachable at start"
    wait_for(lambda: len(bot.lines(warned)) >= 2, 20, "two warnings")
    assert "ConnectError" in bot.lines(warned)[0]
    wait_for(lambda: bot.items() > 0, 30, "the sample site's baseline stored meanwhile")
    assert bot.stop() == 0
    assert_clean(bot.log, ZALO_TOKEN)


@pytest.mark.parametrize("status", [401, 404])
async def test_zalo_rejected_token_exits_2_naming_the_variable(
    tmp_path: Path, site: SampleSite, bots: list[Bot], status: int
) -> None:
    async with FlakyZalo(status, times=100) as zalo:
        env = {"ZALO_BOT_TOKEN": ZALO_TOKEN, "ZALO_API_BASE_URL": zalo.base_url}
        bot = Bot(tmp_path, site, env)
        bots.append(bot)
        await _wait_async(lambda: bot.proc.poll() is not None, 30, "the process ends")
    assert bot.proc.returncode == 2
    [error] = bot.lines("level=error")
    assert "ZALO_BOT_TOKEN" in error and "rejected" in error
    assert_clean(bot.log, ZALO_TOKEN)


async def test_zalo_500_at_start_then_ok_answers(
    tmp_path: Path, site: SampleSite, bots: list[Bot]
) -> None:
    async with FlakyZalo(500, times=2) as zalo:
        env = {"ZALO_BOT_TOKEN": ZALO_TOKEN, "ZALO_API_BASE_URL": zalo.base_url}
        bot = Bot(tmp_path, site, env)
        bots.append(bot)
        await _wait_async(lambda: bot.lines("zalo API reached"), 30, "connected after the 500s")
        assert len(bot.lines("zalo API unreachable at start")) == 2
        zalo.push_text("zalo-officer-1", "huong dan")
        [reply] = await zalo.wait_for_messages("zalo-officer-1", 1, timeout=20)
        assert "tin mới" in reply.text.lower()
        assert await asyncio.to_thread(bot.stop) == 0
    assert_clean(bot.log, ZALO_TOKEN)


async def test_zalo_answers_while_telegram_is_still_unreachable(
    tmp_path: Path, site: SampleSite, bots: list[Bot]
) -> None:
    async with FakeZalo(ZALO_TOKEN) as zalo:
        env = {
            "TELEGRAM_BOT_TOKEN": TG_TOKEN,
            "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{closed_port()}/bot",
            "ZALO_BOT_TOKEN": ZALO_TOKEN,
            "ZALO_API_BASE_URL": zalo.base_url,
        }
        bot = Bot(tmp_path, site, env)
        bots.append(bot)
        zalo.push_text("zalo-officer-2", "tin moi")
        [reply] = await zalo.wait_for_messages("zalo-officer-2", 1, timeout=30)
        assert reply.text.strip()
        assert bot.lines("telegram API unreachable at start"), "Telegram is still being retried"
        assert await asyncio.to_thread(bot.stop) == 0
    assert_clean(bot.log, TG_TOKEN, ZALO_TOKEN)
