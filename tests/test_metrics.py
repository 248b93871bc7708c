"""``/metrics``: what Prometheus scrapes, read the way Prometheus reads it.

End to end: union sites on 127.0.0.1 (one working, one broken) are polled into
a real database (SQLite and PostgreSQL) by the ingest rounds of ``run``; a new
story fans out through the outbox and a real python-telegram-bot ``Bot`` to the
fake Bot API (one officer has blocked the bot); the bot's own web server is
scraped over HTTP after each step and the text parsed with prometheus_client's
parser.  Counters of this process (sends, errors, latencies) are compared as
increases, as ``rate()`` would: other tests in the same process count too.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from telegram import Bot
from telegram.ext import ApplicationBuilder

from bot.channels.telegram.channel import build_telegram_handlers
from bot.channels.telegram.transport import TelegramTransport
from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.client import ZaloClient
from bot.channels.zalo.transport import ZaloGate
from bot.commands.router import CommandRouter
from bot.config import Config, ZaloSettings, parse_config
from bot.delivery.sender import OutboxSender
from bot.runtime.periodic import poll_tick
from bot.web.metrics import serve_metrics
from bot.web.server import WebServer
from storage.db import Database
from tests.support.factories import NGHE_AN, add_chat, subscribe
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_zalo import FakeZalo
from tests.support.http_server import LocalServer

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

OFFICERS = (501, 502, 503, 504)
BLOCKED = 504

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def parse(text: str) -> Samples:
    """Every sample of the exposition, by name and labels (what PromQL selects)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def increase(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


async def scrape(url: str, headers: dict[str, str] | None = None) -> Samples:
    async with httpx.AsyncClient() as client:
        response = await client.get(url, headers=headers or {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


ARTICLES = [
    (
        "Hội nghị Ban Chấp hành Liên đoàn Lao động tỉnh Nghệ An",
        "Liên đoàn Lao động tỉnh Nghệ An tổ chức Hội nghị Ban Chấp hành lần thứ 5.",
    ),
    (
        "Liên đoàn Lao động tỉnh Nghệ An phát động Tháng Công nhân",
        "Liên đoàn Lao động tỉnh Nghệ An phát động Tháng Công nhân năm 2027 trong toàn tỉnh.",
    ),
]


def feed(base: str, count: int) -> str:
    items = "".join(
        f"<item><title>{title}</title><link>{base}/tin/{i}.html</link>"
        f"<guid>{base}/tin/{i}.html</guid>"
        f"<pubDate>{datetime.now(UTC):%a, %d %b %Y %H:%M:%S} +0000</pubDate></item>"
        for i, (title, _body) in enumerate(ARTICLES[:count])
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Công đoàn Nghệ An</title><link>{base}</link>{items}</channel></rss>"
    )


@pytest.fixture
def site() -> Iterator[LocalServer]:
    with LocalServer() as server:
        base = server.url("")
        server.route("/rss.xml", feed(base, 1), content_type="application/rss+xml")
        server.route("/hong.xml", "Internal Server Error", status=500)
        for i, (title, body) in enumerate(ARTICLES):
            page = f"<html><body><article><h1>{title}</h1><p>{body}</p></article></body></html>"
            server.route(f"/tin/{i}.html", page)
        yield server


def make_config(db: Database, site: LocalServer, port: int) -> Config:
    text = f"""[bot]
database_url = "{db.url}"
[fetch]
per_host_delay = 0.0
[delivery]
private_chat_interval = 0.05
[web]
listen = "127.0.0.1:{port}"
public_url = "http://127.0.0.1:{port}"
[[sources]]
id = "cdna"
name = "Công đoàn Nghệ An"
url = "{site.url("/rss.xml")}"
kind = "rss"
province = "Nghệ An"
[[sources]]
id = "hong"
name = "Trang hỏng"
url = "{site.url("/hong.xml")}"
kind = "rss"
"""
    return parse_config(text, Path("test.toml"), {})


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


async def test_after_polls_and_a_fan_out_the_scrape_shows_what_happened(
    db: Database, site: LocalServer, tg: FakeTelegram
) -> None:
    port = free_port()
    config = make_config(db, site, port)
    for officer in OFFICERS:
        subscribe(db, add_chat(db, str(officer)), "unit", NGHE_AN[0], label=NGHE_AN[1])
    server = WebServer(config, db)
    await server.start()
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        m0 = await scrape(url)
        await poll_tick(config, db, force=True)  # cdna's baseline; hong fails
        site.update("/rss.xml", body=feed(site.url(""), 2).encode())
        tick = await poll_tick(config, db, force=True)  # a new story for the officers
        assert len(tick.new_story_ids) == 1

        m1 = await scrape(url)
        assert value(m1, "congdoan_outbox_pending", kind="push") == len(OFFICERS)
        assert value(m1, "congdoan_outbox_pending", kind="digest") == 0  # shown, at 0
        assert value(m1, "congdoan_outbox_oldest_pending_seconds") >= 0
        assert value(m1, "congdoan_source_up", source="cdna") == 1
        assert value(m1, "congdoan_source_up", source="hong") == 0
        assert value(m1, "congdoan_source_items_total", source="cdna") == 2
        assert value(m1, "congdoan_source_items_total", source="hong") == 0
        assert value(m1, "congdoan_source_consecutive_failures", source="hong") == 2
        assert value(m1, "congdoan_source_last_success_timestamp_seconds", source="cdna") > 0
        assert ("congdoan_source_last_success_timestamp_seconds", (("source", "hong"),)) not in m1
        assert increase(m0, m1, "congdoan_poll_seconds_count") == 4  # 2 rounds × 2 sources
        assert increase(m0, m1, "congdoan_poll_seconds_sum") > 0

        tg.block(BLOCKED)
        async with Bot(tg.token, base_url=tg.base_url) as bot:
            transports = {"telegram": TelegramTransport(bot)}
            sender = OutboxSender(db, transports, config, retry_base=0.05)  # type: ignore[arg-type]
            assert await sender.drain(15) == len(OFFICERS) - 1

        m2 = await scrape(url)
    finally:
        await server.stop()
    title = ARTICLES[1][0]
    for officer in OFFICERS:
        got = [m.visible_text for m in tg.sent(officer)]
        assert len(got) == (0 if officer == BLOCKED else 1)
        assert all(text.startswith(title) for text in got)
    sent = increase(m1, m2, "congdoan_messages_sent_total", channel="telegram", kind="push")
    assert sent == len(OFFICERS) - 1
    # Blocked: tried GONE_AFTER (3) times, then the chat is inactive and its push dead.
    assert increase(m1, m2, "congdoan_send_errors_total", reason="recipient_gone") == 3
    assert increase(m1, m2, "congdoan_send_errors_total", reason="rate_limited") == 0
    assert value(m2, "congdoan_outbox_pending", kind="push") == 0
    assert value(m2, "congdoan_outbox_dead", kind="push") == 1
    assert value(m2, "congdoan_outbox_oldest_pending_seconds") == 0


async def test_metrics_token_guards_the_scrape(
    sqlite_db: Database, site: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METRICS_TOKEN", "s3cret-token")
    port = free_port()
    server = WebServer(make_config(sqlite_db, site, port), sqlite_db)
    await server.start()
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        async with httpx.AsyncClient() as client:
            assert (await client.get(url)).status_code == 401
            wrong = {"Authorization": "Bearer guess"}
            assert (await client.get(url, headers=wrong)).status_code == 401
            assert (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
        right = await scrape(url, {"Authorization": "Bearer s3cret-token"})
        assert ("congdoan_outbox_pending", (("kind", "push"),)) in right
    finally:
        await server.stop()


async def test_a_worker_exposes_its_own_figures_only() -> None:
    port = free_port()
    runner = await serve_metrics("127.0.0.1", port)
    assert runner is not None
    try:
        samples = await scrape(f"http://127.0.0.1:{port}/metrics")
        # Its sender's counters, each reason from 0; not the database's figures,
        # which the scheduler's web server alone publishes (a sum never doubles them).
        assert ("congdoan_send_errors_total", (("reason", "transient"),)) in samples
        assert not any(name.startswith("congdoan_outbox_") for name, _ in samples)
        # A port already taken is one log line, not a crash.
        assert await serve_metrics("127.0.0.1", port) is None
    finally:
        await runner.cleanup()


async def test_reply_latency_is_observed_on_telegram(
    sqlite_db: Database, site: LocalServer, tg: FakeTelegram
) -> None:
    port = free_port()
    config = make_config(sqlite_db, site, port)
    server = WebServer(config, sqlite_db)
    await server.start()
    url = f"http://127.0.0.1:{port}/metrics"
    app = ApplicationBuilder().token(tg.token).base_url(tg.base_url).build()
    build_telegram_handlers(app, CommandRouter(sqlite_db, config))
    try:
        before = await scrape(url)
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0)  # type: ignore[union-attr]
            try:
                tg.push_message(601, "/tinmoi")
                await tg.wait_for_messages(601, 1)
                tg.push_message(601, "/huongdan")
                await tg.wait_for_messages(601, 2)
            finally:
                await app.updater.stop()  # type: ignore[union-attr]
                await app.stop()
        after = await scrape(url)
    finally:
        await server.stop()
    assert increase(before, after, "congdoan_reply_seconds_count", channel="telegram") == 2
    seconds = increase(before, after, "congdoan_reply_seconds_sum", channel="telegram")
    assert 0 < seconds < 10


async def test_reply_latency_is_observed_on_zalo(sqlite_db: Database, site: LocalServer) -> None:
    port = free_port()
    async with FakeZalo() as zalo:
        config = replace(
            make_config(sqlite_db, site, port),
            zalo=ZaloSettings(base_url=zalo.base_url, rate_per_second=50.0),
        )
        server = WebServer(config, sqlite_db)
        await server.start()
        url = f"http://127.0.0.1:{port}/metrics"
        client = ZaloClient(zalo.token, config.zalo.base_url, timeout=5.0)
        channel = ZaloChannel(
            client, CommandRouter(sqlite_db, config), ZaloGate(config, sqlite_db), poll_timeout=1.0
        )
        stop = asyncio.Event()
        try:
            before = await scrape(url)
            task = asyncio.create_task(channel.run(stop))
            zalo.push_text("u7", "tin moi")
            await zalo.wait_for_messages("u7", 1)
            stop.set()
            await asyncio.wait_for(task, 5)
            after = await scrape(url)
        finally:
            stop.set()
            await client.aclose()
            await server.stop()
    assert increase(before, after, "congdoan_reply_seconds_count", channel="zalo") == 1
    assert increase(before, after, "congdoan_reply_seconds_sum", channel="zalo") > 0


async def test_a_broken_database_is_a_503_and_one_log_line(
    sqlite_db: Database, site: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    server = WebServer(make_config(sqlite_db, site, port), sqlite_db)
    await server.start()
    try:
        with sqlite_db.write() as s:
            s.execute(text("DROP TABLE outbox"))  # a database that lost its schema
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{port}/metrics")
    finally:
        await server.stop()
    assert response.status_code == 503
    [line] = [r for r in caplog.records if r.name == "bot.web.metrics"]
    assert line.getMessage() == "metrics: cannot read the database: no such table: outbox"
    assert line.exc_info is None  # no traceback for an expected failure
