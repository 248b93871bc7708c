"""Alerts in chat: the operators hear once when a source breaks, once when it is back.

End to end: a local union site on 127.0.0.1 is polled into a real database
(SQLite and PostgreSQL); it starts answering 503; the ingest rounds record the
failures; the alert goes through the outbox and a real python-telegram-bot
``Bot`` to the fake Bot API, whose log is what the operators would read.
"Once" is checked across more polls, a restart (a new process: new database
handle, new configuration) and two processes deciding at the same moment.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Bot

from bot.channels.telegram.transport import TelegramTransport
from bot.config import Config, ConfigError, parse_config
from bot.delivery.sender import OutboxSender
from bot.runtime.alerts import check_sources, hint_key
from bot.runtime.ingest_round import poll_round
from bot.runtime.periodic import poll_tick
from feeds.sources import SourceConfig
from storage.console import save_console_source, set_paused
from storage.db import Database, open_database
from storage.outbox import stats
from tests.support.fake_telegram import FakeTelegram
from tests.support.http_server import LocalServer

OPERATORS = (111, 222)
NAME = "Công đoàn Nghệ An"


def _rss(base: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{NAME}</title><link>{base}</link>"
        f"<item><title>Hội nghị Ban Chấp hành Liên đoàn Lao động tỉnh</title>"
        f"<link>{base}/tin/1.html</link><guid>{base}/tin/1.html</guid>"
        f"<pubDate>{datetime.now(UTC):%a, %d %b %Y %H:%M:%S} +0000</pubDate>"
        "<description>Liên đoàn Lao động tỉnh Nghệ An tổ chức hội nghị.</description>"
        "</item></channel></rss>"
    )


@dataclass
class Site:
    server: LocalServer
    config_text: str

    def fail(self) -> None:
        self.server.update("/rss.xml", status=503)

    def recover(self) -> None:
        self.server.update("/rss.xml", status=200)

    def config(self) -> Config:
        return parse_config(self.config_text, Path("test.toml"), {})


@pytest.fixture
def site(db: Database) -> Iterator[Site]:
    with LocalServer() as server:
        base = server.url("")
        server.route("/rss.xml", _rss(base), content_type="application/rss+xml")
        server.route(
            "/tin/1.html",
            "<html><body><article><h1>Hội nghị</h1><p>Liên đoàn Lao động tỉnh Nghệ An "
            "tổ chức hội nghị Ban Chấp hành.</p></article></body></html>",
        )
        text = f"""[bot]
database_url = "{db.url}"
operators = {list(OPERATORS)}
alert_after_failures = 3
[fetch]
per_host_delay = 0.0
[[sources]]
id = "cdna"
name = "{NAME}"
url = "{base}/rss.xml"
kind = "rss"
"""
        yield Site(server, text)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


async def deliver(tg: FakeTelegram, db: Database, config: Config) -> int:
    """What the outbox holds, sent through a real PTB Bot to the fake Bot API."""
    async with Bot(tg.token, base_url=tg.base_url) as bot:
        sender = OutboxSender(db, {"telegram": TelegramTransport(bot)}, config, retry_base=0.05)
        return await sender.drain(10)


def told(tg: FakeTelegram, operator: int) -> list[str]:
    return [m.visible_text for m in tg.sent(operator)]


async def test_one_alert_per_operator_none_while_down_one_when_back(
    db: Database, site: Site, tg: FakeTelegram
) -> None:
    config = site.config()
    await poll_tick(config, db, force=True)  # the baseline: the source works
    site.fail()
    for _ in range(2):
        await poll_tick(config, db, force=True)
    assert await deliver(tg, db, config) == 0  # 2 failures: below the threshold, nothing said

    await poll_tick(config, db, force=True)  # the third failure in a row
    assert await deliver(tg, db, config) == len(OPERATORS)
    for operator in OPERATORS:
        [alert] = told(tg, operator)
        assert NAME in alert and "HTTP 503" in alert  # the source and its error
        assert "3 lần liên tiếp" in alert
        assert "Đồng chí vui lòng: máy chủ của trang đang gặp sự cố" in alert  # what to try
        assert f"congdoan-bot sources check {site.server.url('')}/rss.xml" in alert

    for _ in range(3):  # still down: nothing more
        await poll_tick(config, db, force=True)
    assert await deliver(tg, db, config) == 0

    # A restart: another process, its own database handle and configuration.
    again = open_database(db.url)
    try:
        config = site.config()
        await poll_tick(config, again, force=True)
        assert await deliver(tg, again, config) == 0

        site.recover()
        await poll_tick(config, again, force=True)
        assert await deliver(tg, again, config) == len(OPERATORS)
        await poll_tick(config, again, force=True)  # healthy again: nothing more
        assert await deliver(tg, again, config) == 0
    finally:
        again.dispose()
    for operator in OPERATORS:
        down, back = told(tg, operator)
        assert down.startswith(f"⚠️ Nguồn tin không hoạt động: {NAME}")
        assert back.startswith(f"✅ Nguồn tin {NAME} đã hoạt động trở lại.")
        assert "HTTP 503" in back
    assert stats(db)["sent"] == 2 * len(OPERATORS)


async def test_a_second_episode_is_told_again(db: Database, site: Site, tg: FakeTelegram) -> None:
    config = site.config()
    await poll_tick(config, db, force=True)
    for _ in range(2):  # down, back, down again
        site.fail()
        for _ in range(3):
            await poll_tick(config, db, force=True)
        site.recover()
        await poll_tick(config, db, force=True)
    assert await deliver(tg, db, config) == 4 * len(OPERATORS)
    for operator in OPERATORS:
        texts = told(tg, operator)
        assert [t[:1] for t in texts] == ["⚠", "✅", "⚠", "✅"]


async def test_two_processes_deciding_at_once_tell_once(
    db: Database, site: Site, tg: FakeTelegram
) -> None:
    config = site.config()
    await poll_round(config, db, force=True)
    site.fail()
    for _ in range(3):  # failures recorded without the alert step
        await poll_round(config, db, force=True)
    handles = [open_database(db.url) for _ in range(2)]
    queued: list[int] = []
    start = threading.Barrier(2)

    def process(handle: Database) -> None:
        start.wait()
        queued.append(check_sources(config, handle))

    threads = [threading.Thread(target=process, args=(h,)) for h in handles]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        for handle in handles:
            handle.dispose()
    assert sorted(queued) == [0, len(OPERATORS)]
    assert await deliver(tg, db, config) == len(OPERATORS)
    assert all(len(tg.sent(op)) == 1 for op in OPERATORS)


async def test_an_english_operator_reads_english(
    db: Database, site: Site, tg: FakeTelegram
) -> None:
    config = site.config()
    await poll_tick(config, db, force=True)
    await _set_language(db, str(OPERATORS[1]), "en")
    site.fail()
    for _ in range(3):
        await poll_tick(config, db, force=True)
    await deliver(tg, db, config)
    [vi] = told(tg, OPERATORS[0])
    [en] = told(tg, OPERATORS[1])
    assert vi.startswith(f"⚠️ Nguồn tin không hoạt động: {NAME}")
    assert en.startswith(f"⚠️ Source down: {NAME}")
    assert "What to try: the site's server is failing" in en


async def _set_language(db: Database, chat_id: str, lang: str) -> None:
    from storage.chats import get_or_create_chat

    def write() -> None:
        with db.write() as s:
            get_or_create_chat(s, "telegram", chat_id, language=lang).language = lang

    await asyncio.to_thread(write)


def test_without_operators_nothing_is_queued_and_nothing_is_lost(db: Database, site: Site) -> None:
    config = site.config()
    silent = parse_config(site.config_text.replace("operators = [111, 222]", ""), Path("t"), {})
    asyncio.run(poll_round(config, db, force=True))
    site.fail()
    for _ in range(3):
        asyncio.run(poll_round(config, db, force=True))
    assert check_sources(silent, db) == 0
    # Operators set later (a restart with the new configuration) are still told.
    assert check_sources(config, db) == len(OPERATORS)


@pytest.mark.parametrize(
    ("error", "key"),
    [
        ("timed out after 15 s (read)", "alert_hint_timeout"),
        ("HTTP 404 Not Found", "alert_hint_not_found"),
        ("HTTP 502 Bad Gateway", "alert_hint_server"),
        ("HTTP 403 Forbidden", "alert_hint_blocked"),
        ("got an HTML page instead of a feed (JavaScript cookie challenge)", "alert_hint_blocked"),
        ("DNS lookup failed for congdoan.example", "alert_hint_dns"),
        ("TLS certificate rejected for congdoan.example", "alert_hint_tls"),
        ("connection refused by 127.0.0.1:9", "alert_hint_connection"),
        ("no entries found with the listing selectors", "alert_hint_other"),
        (None, "alert_hint_other"),
    ],
)
def test_what_to_try_follows_the_error(error: str | None, key: str) -> None:
    assert hint_key(error) == key


@pytest.mark.parametrize("value", ["0", "-1", "1001", "true", '"3"', "2.5"])
def test_alert_after_failures_is_validated(value: str) -> None:
    with pytest.raises(ConfigError, match="alert_after_failures"):
        parse_config(f"[bot]\nalert_after_failures = {value}\n", Path("t.toml"), {})


def test_alert_after_failures_defaults_to_three() -> None:
    assert parse_config("", Path("t.toml"), {}).alert_after_failures == 3
    assert (
        parse_config("[bot]\nalert_after_failures = 1\n", Path("t"), {}).alert_after_failures == 1
    )


async def test_the_next_tick_catches_up_even_when_no_source_is_due(
    db: Database, site: Site, tg: FakeTelegram
) -> None:
    """Failures recorded by a round that never reached its alert step (a crash, a
    takeover): the next tick tells, though the source is backed off and not due."""
    config = site.config()
    await poll_round(config, db, force=True)
    site.fail()
    for _ in range(3):
        await poll_round(config, db, force=True)
    tick = await poll_tick(config, db)  # nothing due: the source waits out its back-off
    assert tick.reports == [] and tick.alerts == len(OPERATORS)
    assert await deliver(tg, db, config) == len(OPERATORS)


async def test_console_sources_are_watched_and_paused_ones_are_not(
    db: Database, site: Site, tg: FakeTelegram
) -> None:
    config = site.config()
    added = "Trang thêm từ bảng điều khiển"
    for source_id, name in (("them", added), ("tamdung", "Trang tạm dừng")):
        url = site.server.url(f"/{source_id}.xml")  # not served: 404
        save_console_source(db, SourceConfig(id=source_id, name=name, url=url, kind="rss"))
    for _ in range(3):
        await poll_round(config, db, force=True)
    set_paused(db, "tamdung", True, by=str(OPERATORS[0]))  # an operator paused it
    tick = await poll_tick(config, db)
    assert tick.alerts == len(OPERATORS)
    assert await deliver(tg, db, config) == len(OPERATORS)
    for operator in OPERATORS:
        [alert] = told(tg, operator)
        assert added in alert and "HTTP 404" in alert
        assert "trang có thể đã đổi địa chỉ" in alert
