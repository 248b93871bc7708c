"""``congdoan-bot status`` on a database with known rows, and logs that never
show a bot token (a real command, a token in the environment, a failing request)."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.channels.zalo.transport import month_key
from bot.cli.main import main
from bot.cli.status import collect_status, format_status, status_json
from bot.config import parse_config
from bot.runtime.log_setup import HANDLER_NAME, MASK, setup_logging
from storage import channel_usage
from storage.db import Database
from storage.leader import RoleLease, beat
from storage.models import Outbox, Source
from tests.support.factories import add_chat

ROOT = Path(__file__).parents[1]


def _config(url: str):  # type: ignore[no-untyped-def]
    return parse_config(
        f'[bot]\ndatabase_url = "{url}"\n[scale]\nlease_seconds = 10\n', Path("c.toml"), {}
    )


def _fill(db: Database, now: datetime) -> None:
    """Known rows: 5 pending (one waiting for quiet hours), 1 sending, 2 dead, sends
    spread over the last hour, two workers (one silent for a minute), a failing source."""
    chat = add_chat(db, "7001")

    def row(n: int, status: str, created: datetime, **extra: object) -> Outbox:
        return Outbox(chat_pk=chat, dedup_key=f"k{n}", kind="push", text="x", status=status,
                      created_at=created, not_before=extra.pop("not_before", created), **extra)  # fmt: skip

    with db.write() as s:
        rows = [row(i, "pending", now - timedelta(minutes=i + 1)) for i in range(4)]
        rows.append(
            row(4, "pending", now - timedelta(minutes=47), not_before=now + timedelta(hours=8))
        )
        rows.append(row(5, "sending", now, lease_until=now + timedelta(seconds=60)))
        rows += [row(6 + i, "dead", now - timedelta(days=1)) for i in range(2)]
        # 30 sent in the last minute, 90 more earlier in the hour, 50 older than an hour.
        sent = [now - timedelta(seconds=1 + i) for i in range(30)]
        sent += [now - timedelta(minutes=2, seconds=30 * i) for i in range(90)]
        sent += [now - timedelta(hours=2, seconds=i) for i in range(50)]
        rows += [row(100 + i, "sent", at, sent_at=at) for i, at in enumerate(sent)]
        s.add_all(rows)
        s.add(Source(id="cdna", name="Công đoàn Nghệ An", url="http://congdoannghean.vn/",
                     kind="auto", consecutive_failures=3, last_error="HTTP 503"))  # fmt: skip
        s.add(Source(id="bna", name="Báo Nghệ An", url="https://baonghean.vn/", kind="rss"))
    beat(db, "worker-a", role="worker", host="h1", pid=11, started_at=now, sent=40, now=now)
    beat(db, "worker-b", role="worker", host="h2", pid=12, started_at=now, sent=9,
         now=now - timedelta(seconds=60))  # fmt: skip


def test_status_counts_what_is_in_the_database(db: Database) -> None:
    now = datetime.now(UTC)
    _fill(db, now)
    lease = RoleLease(db, "run@h1:10", lease_seconds=10)
    assert lease.try_acquire()
    try:
        config = _config(db.url)
        st = collect_status(db, config, now=now)
        data = status_json(st, config.tz)
        assert data["queue"] == {"pending": 5, "due": 4, "sending": 1, "dead": 2}
        assert data["oldest_pending_age_seconds"] == pytest.approx(47 * 60, abs=1)
        assert data["sent"]["last_minute"] == 30 and data["sent"]["per_second_minute"] == 0.5
        assert data["sent"]["last_hour"] == 120
        assert data["workers_alive"] == 1
        alive = {p["id"]: p["alive"] for p in data["processes"]}  # type: ignore[union-attr]
        assert alive == {"worker-a": True, "worker-b": False}  # 60 s > 2 lease periods
        assert data["scheduler"]["holder"] == "run@h1:10" and data["scheduler"]["alive"]  # type: ignore[index]
        [failing] = data["failing_sources"]  # type: ignore[misc]
        assert failing["id"] == "cdna" and failing["last_error"] == "HTTP 503"

        text = format_status(st, config.tz)
        assert "5 pending (4 due now), 1 sending, 2 dead" in text
        assert "pending for 47 min" in text
        assert "30 in the last minute (0.50/s)" in text
        assert "Scheduler  run@h1:10, since" in text
        assert "1 alive, 1 not responding" in text and "DEAD  worker" in text
        assert "FAIL cdna: 3 in a row: HTTP 503" in text
        assert data["zalo_this_month"] is None and "Zalo" not in text  # no Zalo chats
    finally:
        lease.release()
    st = collect_status(db, _config(db.url), now=datetime.now(UTC))
    assert st.scheduler is not None and not st.scheduler.alive
    assert "Scheduler  NONE (last: run@h1:10" in format_status(st, _config(db.url).tz)


def test_status_shows_this_months_zalo_messages_against_the_quota(db: Database) -> None:
    """Outbox rows sent to Zalo chats this month plus the replies every process
    counted (channel_usage); last month's rows and Telegram's do not count."""
    now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    config = parse_config(
        f'[bot]\ndatabase_url = "{db.url}"\n[zalo]\nmonthly_quota = 3000\n', Path("c.toml"), {}
    )
    zalo, telegram = add_chat(db, "z1", channel="zalo"), add_chat(db, "7002")
    sent = [(zalo, now - timedelta(hours=1)), (zalo, now - timedelta(days=2))]
    sent += [(zalo, now - timedelta(days=30)), (telegram, now - timedelta(hours=1))]
    with db.write() as s:
        s.add_all(
            Outbox(
                chat_pk=pk,
                dedup_key=f"z{i}",
                kind="push",
                text="x",
                status="sent",
                created_at=at,
                not_before=at,
                sent_at=at,
            )
            for i, (pk, at) in enumerate(sent)
        )
    channel_usage.add_extra(db, "zalo", month_key(now, config), 1498)  # replies, warnings
    st = collect_status(db, config, now=now)
    assert status_json(st, config.tz)["zalo_this_month"] == {"used": 1500, "quota": 3000}
    assert "Zalo       1500 of 3000 messages this month (50%)" in format_status(st, config.tz)


def test_status_command_prints_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    path = tmp_path / "c.toml"
    path.write_text(f'[bot]\ndatabase_url = "{url}"\n', encoding="utf-8")
    assert main(["--config", str(path), "status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["queue"] == {"pending": 0, "due": 0, "sending": 0, "dead": 0}
    assert data["scheduler"] is None and data["processes"] == []


# --- logs ---------------------------------------------------------------------------------

TG_TOKEN = "7654321098:AAFq0-Secret_Token_Value_For_Tests_0123"
ZALO_TOKEN = "3141592653:ZaloSecretValueNotShaped"


class _Failing(BaseHTTPRequestHandler):
    """Every request fails with a 500 whose body quotes the request URL."""

    def do_POST(self) -> None:
        body = json.dumps({"ok": False, "error_code": 500, "description": f"boom at {self.path}"})
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def failing_server():  # type: ignore[no-untyped-def]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_no_log_line_shows_a_token(tmp_path: Path, failing_server: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'[bot]\ndatabase_url = "sqlite:///{tmp_path}/b.db"\n', encoding="utf-8")
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TG_TOKEN,
        "ZALO_BOT_TOKEN": ZALO_TOKEN,
        "TELEGRAM_API_BASE_URL": f"{failing_server}/bot",
    }
    for json_flag in ([], ["--log-json"]):
        result = subprocess.run(
            [sys.executable, "-m", "bot", "-vv", *json_flag, "--config", str(path),
             "send-test", "42", "xin chào"],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 1, result.stderr[-1500:]
        lines = result.stderr.splitlines()
        # httpx logged the request (at -vv), with the URL, but not the token.
        assert any("httpx" in line and "/bot" + MASK in line for line in lines), lines[-5:]
        for line in lines:
            assert TG_TOKEN not in line and TG_TOKEN.split(":")[1] not in line
        if json_flag:
            assert all(json.loads(line)["level"] for line in lines)


def test_tokens_are_redacted_in_messages_tracebacks_and_extras() -> None:
    stream = io.StringIO()
    setup_logging(1, stream=stream, env={"ZALO_BOT_TOKEN": ZALO_TOKEN})
    log = logging.getLogger("bot.channels.zalo.client")
    url = f"https://bot-api.zaloplatforms.com/bot{ZALO_TOKEN}/sendMessage"
    log.info("POST %s", url)
    log.warning("encoded %s", url.replace(":", "%3A"))
    log.info("telegram-shaped %s", TG_TOKEN, extra={"url": f"https://x/bot{TG_TOKEN}/getMe"})
    try:
        raise RuntimeError(f"connect failed for {url}")
    except RuntimeError:
        log.exception("send chat=%s outbox=%d outcome=crash", "u1", 9)
    out = stream.getvalue()
    assert ZALO_TOKEN not in out and "ZaloSecretValueNotShaped" not in out
    assert TG_TOKEN not in out
    assert out.count(MASK) == 5
    assert "outcome=crash" in out and "RuntimeError" in out
    assert len(out.strip().splitlines()) == 4, "one line per event, the traceback included"
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if h.get_name() != HANDLER_NAME]


def test_webhook_secrets_are_redacted_from_debug_lines() -> None:
    """PTB logs setWebhook's parameters at -vv: the secret token must not show."""
    secret = "Hook_Secret-For-Telegram-2026"
    stream = io.StringIO()
    setup_logging(2, stream=stream, env={"TELEGRAM_WEBHOOK_SECRET": secret})
    logging.getLogger("telegram.ext").debug(
        "Calling Bot API endpoint `setWebhook` with parameters `%s`",
        {"url": "https://bot.example.vn/tg/hook", "secret_token": secret},
    )
    out = stream.getvalue()
    assert secret not in out and MASK in out and "setWebhook" in out
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if h.get_name() != HANDLER_NAME]
