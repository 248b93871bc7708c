"""`congdoan-bot doctor` as an operator meets it on the first hour: against the fake
Bot API, the fake Zalo API, the sample union sites on 127.0.0.1, and a real SQLite
file or PostgreSQL server.  Each check must say ✔ when things are right, and ✘
with the fix when they are not, and the exit status must follow.
"""

from __future__ import annotations

import io
import json
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.cli.doctor import Check, print_report, run_checks
from bot.cli.main import main
from feeds.sample_site import SampleSite, sources_toml
from storage.db import Database, open_database
from tests.support.fake_telegram import DEFAULT_TOKEN as TG_TOKEN
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_zalo import DEFAULT_TOKEN as ZALO_TOKEN
from tests.support.fake_zalo import FakeZalo

SOURCE_IDS = {
    "congdoannghean-tin-tuc", "congdoannghean-thong-bao", "baonghean-lao-dong", "laodongcongdoan",
}  # fmt: skip


@pytest.fixture
def site():  # type: ignore[no-untyped-def]
    with SampleSite() as s:
        yield s


@pytest.fixture(autouse=True)
def no_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test as a fresh shell: no token, no database override."""
    for name in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_BASE_URL",
                 "ZALO_API_BASE_URL", "TELEGRAM_WEBHOOK_SECRET", "CONGDOAN_CONFIG"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


def write_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "bot_config.toml"
    path.write_text(body, encoding="utf-8")
    return path


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def failed(checks: list[Check]) -> list[str]:
    return [c.name for c in checks if c.ok is False]


async def test_a_ready_installation_is_all_green(
    tmp_path: Path, site: SampleSite, db: Database
) -> None:
    async with FakeTelegram() as tg, FakeZalo() as zalo:
        path = write_config(
            tmp_path,
            f'[bot]\ndatabase_url = "{db.url}"\n'
            f'[telegram]\nbase_url = "{tg.base_url}"\n'
            f'[zalo]\nbase_url = "{zalo.base_url}"\n'
            "[fetch]\nper_host_delay = 0.0\n" + sources_toml(site.base_url),
        )
        env = {"TELEGRAM_BOT_TOKEN": TG_TOKEN, "ZALO_BOT_TOKEN": ZALO_TOKEN}
        checks = await run_checks(path, env)

    assert failed(checks) == [], [(c.name, c.en) for c in checks if c.ok is False]
    named = by_name(checks)
    assert "4 sources" in named["config"].en
    assert "reachable and migrated" in named["database"].en
    assert "@congdoan_test_bot" in named["telegram"].en
    assert "none (polling mode)" in named["telegram-webhook"].en
    assert "Bot Công đoàn" in named["zalo"].vi
    for source_id in SOURCE_IDS:
        source = named[f"source:{source_id}"]
        assert source.ok is True
        # "12 entries, newest 05/12/2026 08:30": items found and the last date.
        entries = int(source.en.split(": ")[1].split(" entries")[0])
        assert entries > 0 and "newest ?" not in source.en, source.en
    assert "127.0.0.1" in named["clock"].en and "UTC+07:00" in named["clock"].en
    if db.is_sqlite:
        assert named["disk"].ok is True and "GiB free" in named["disk"].en
    else:
        assert named["disk"].ok is None  # PostgreSQL keeps its own disk

    out = io.StringIO()
    print_report(checks, out)
    report = out.getvalue()
    assert report.count("✔") >= 9 and "✘" not in report
    assert "Sẵn sàng" in report and "Ready" in report
    assert TG_TOKEN not in report and ZALO_TOKEN not in report


def test_without_a_token_exits_nonzero_naming_telegram_bot_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, f'[bot]\ndatabase_url = "sqlite:///{tmp_path}/bot.db"\n')
    open_database(f"sqlite:///{tmp_path}/bot.db").dispose()

    code = main(["--config", str(path), "doctor", "--only", "config,database,telegram,zalo"])
    out = capsys.readouterr().out
    assert code == 1
    lines = out.splitlines()
    bad = [i for i, line in enumerate(lines) if line.startswith("✘ ") and "to fix" not in line]
    assert len(bad) == 1 and "TELEGRAM_BOT_TOKEN" in lines[bad[0]]
    assert "Cách sửa" in out and "@BotFather" in out and "Fix:" in out
    assert "✔ Cấu hình hợp lệ" in out and "1 to fix" in out

    code = main(["--config", str(path), "doctor", "--only", "config,database,telegram", "--json"])
    checks = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [c["ok"] for c in checks] == [True, True, False]
    assert "TELEGRAM_BOT_TOKEN" in checks[2]["en"] and checks[2]["fix_vi"]

    assert main(["--config", str(path), "doctor", "--only", "config,nonsense"]) == 2
    assert "unknown check nonsense" in capsys.readouterr().err


def test_a_wrong_configuration_is_reported_as_a_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, '[bot]\ndatabse_url = "sqlite:///x.db"\n')
    assert main(["--config", str(path), "doctor"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("✘ Cấu hình không hợp lệ")
    assert "did you mean 'database_url'" in out and "Traceback" not in out


async def test_rejected_tokens_are_named_and_never_printed(
    tmp_path: Path, site: SampleSite
) -> None:
    async with FakeTelegram() as tg, FakeZalo() as zalo:
        path = write_config(
            tmp_path,
            f'[bot]\ndatabase_url = "sqlite:///{tmp_path}/bot.db"\n'
            f'[telegram]\nbase_url = "{tg.base_url}"\n[zalo]\nbase_url = "{zalo.base_url}"\n',
        )
        wrong = {"TELEGRAM_BOT_TOKEN": "999:WRONG-telegram", "ZALO_BOT_TOKEN": "999:WRONG-zalo"}
        checks = await run_checks(path, wrong, frozenset({"telegram", "zalo"}))
    named = by_name(checks)
    assert named["telegram"].ok is False and "rejected TELEGRAM_BOT_TOKEN" in named["telegram"].en
    assert "@BotFather" in (named["telegram"].fix_vi or "")
    assert named["zalo"].ok is False and "rejected ZALO_BOT_TOKEN" in named["zalo"].en
    out = io.StringIO()
    print_report(checks, out)
    assert "WRONG" not in out.getvalue()


async def test_unreachable_chat_apis_say_so(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        '[telegram]\nbase_url = "http://127.0.0.1:1/bot"\n[zalo]\nbase_url = "http://127.0.0.1:1"\n',
    )
    env = {"TELEGRAM_BOT_TOKEN": TG_TOKEN, "ZALO_BOT_TOKEN": ZALO_TOKEN}
    checks = by_name(await run_checks(path, env, frozenset({"telegram", "zalo"})))
    assert checks["telegram"].ok is False and "unreachable" in checks["telegram"].en
    assert checks["zalo"].ok is False and "unreachable" in checks["zalo"].en
    assert TG_TOKEN not in checks["telegram"].en + checks["zalo"].en


class FailingWebhookTelegram(FakeTelegram):
    """Telegram as it answers when it could not reach the bot's webhook."""

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        info = super()._api_getWebhookInfo(params)
        stamp = int(datetime.now(UTC).timestamp()) - 60
        return {**info, "last_error_date": stamp,
                "last_error_message": "Connection timed out"}  # fmt: skip


async def test_a_failing_webhook_is_reported_with_telegrams_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret-path_token")
    async with FailingWebhookTelegram() as tg:
        tg.webhook_url = "https://bot.congdoan.example.vn/tg"
        path = write_config(
            tmp_path,
            f'[telegram]\nbase_url = "{tg.base_url}"\nmode = "webhook"\n'
            'webhook_url = "https://bot.congdoan.example.vn/tg"\n',
        )
        checks = by_name(
            await run_checks(path, {"TELEGRAM_BOT_TOKEN": TG_TOKEN}, frozenset({"telegram"}))
        )
    assert checks["telegram"].ok is True
    hook = checks["telegram-webhook"]
    assert hook.ok is False and "Connection timed out" in hook.en
    assert "reverse proxy" in (hook.fix_en or "")


async def test_a_broken_source_fails_and_points_to_sources_check(
    tmp_path: Path, site: SampleSite
) -> None:
    toml = sources_toml(site.base_url) + (
        '\n[[sources]]\nid = "gone"\nname = "Gone"\n'
        f'url = "{site.base_url}/no-such-page"\nkind = "rss"\n'
    )
    path = write_config(tmp_path, "[fetch]\nper_host_delay = 0.0\n" + toml)
    checks = by_name(await run_checks(path, {}, frozenset({"sources"})))
    assert checks["source:gone"].ok is False
    assert "404" in checks["source:gone"].en
    assert f"sources check {site.base_url}/no-such-page" in (checks["source:gone"].fix_en or "")
    assert all(checks[f"source:{s}"].ok for s in SOURCE_IDS)


def test_database_not_created_not_migrated_then_migrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_file = tmp_path / "data" / "bot.db"
    path = write_config(tmp_path, f'[bot]\ndatabase_url = "sqlite:///{db_file}"\n')
    args = ["--config", str(path), "doctor", "--only", "database", "--json"]

    assert main(args) == 1
    [check] = json.loads(capsys.readouterr().out)
    assert "does not exist yet" in check["en"] and "congdoan-bot migrate" in check["fix_en"]
    assert not db_file.exists(), "doctor creates nothing"

    db_file.parent.mkdir()
    sqlite3.connect(db_file).close()  # an empty file: reachable, no tables
    assert main(args) == 1
    [check] = json.loads(capsys.readouterr().out)
    assert "not migrated" in check["en"]

    assert main(["--config", str(path), "migrate"]) == 0
    assert "at revision" in capsys.readouterr().out
    assert main(args) == 0
    [check] = json.loads(capsys.readouterr().out)
    assert check["ok"] is True


async def test_unreachable_postgresql_and_missing_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(
        tmp_path,
        '[bot]\ndatabase_url = "postgresql+psycopg://bot:pw-secret@127.0.0.1:1/congdoan"\n',
    )
    [check] = await run_checks(path, {}, frozenset({"database"}))
    assert check.ok is False and "unreachable" in check.en and "Connection refused" in check.en
    assert "pw-secret" not in check.en and "DATABASE_URL" in (check.fix_en or "")

    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the postgres extra were missing
    [check] = await run_checks(path, {}, frozenset({"database"}))
    assert check.ok is False and "driver" in check.en
    assert "congdoan-bot[postgres]" in (check.fix_en or "")


async def test_a_wrong_clock_is_caught(tmp_path: Path) -> None:
    async def late(request: web.Request) -> web.Response:
        ten_minutes_ago = datetime.now(UTC) - timedelta(minutes=10)
        return web.Response(text="ok", headers={"Date": format_datetime(ten_minutes_ago, True)})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", late)
    runner = web.AppRunner(app)
    await runner.setup()
    server = web.TCPSite(runner, "127.0.0.1", 0)
    await server.start()
    port = server._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        path = write_config(
            tmp_path, f'[[sources]]\nid = "site"\nurl = "http://127.0.0.1:{port}/tin-tuc"\n'
        )
        [check] = await run_checks(path, {}, frozenset({"clock"}))
    finally:
        await runner.cleanup()
    assert check.ok is False
    assert "Clock off by +600 s" in check.en or "Clock off by +601 s" in check.en
    assert "timedatectl set-ntp true" in (check.fix_en or "")
