"""Zalo's monthly quota, counted in the database: restarts keep the replies already
sent, every process (``run`` answering commands, ``worker``s delivering the
outbox) sees one total, and operators get one warning per level and month.

Real SQLite files and a real PostgreSQL server (the ``db`` fixture runs both);
separate processes are played by gates with their own engine and event loop in
their own thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import inspect, select, text, update

from bot.channels.zalo.transport import ZaloGate, month_key
from bot.config import Config, ZaloSettings
from storage import channel_usage, outbox
from storage.db import MIGRATIONS, Database
from storage.models import ChannelUsage, Outbox
from tests.support.factories import add_chat, make_config

NOV = date(2026, 11, 1)


def quota_config(quota: int) -> Config:
    return replace(make_config(), zalo=ZaloSettings(rate_per_second=1000.0, monthly_quota=quota))


class Operators:
    """What the operators' chat receives (gates in several threads may append)."""

    def __init__(self) -> None:
        self.notices: list[str] = []

    async def notify(self, text: str) -> None:
        self.notices.append(text)

    def at(self, pct: int) -> list[str]:
        return [n for n in self.notices if f"(mức {pct}%)" in n]


def gate_on(
    db: Database | None,
    config: Config,
    operators: Operators,
    *,
    refresh_seconds: float = 60.0,
    wall_clock: Callable[[], datetime] | None = None,
) -> ZaloGate:
    extra = {"wall_clock": wall_clock} if wall_clock else {}
    return ZaloGate(config, db, notify=operators.notify, refresh_seconds=refresh_seconds, **extra)


def reopen(db: Database) -> Database:
    """The same database as another process sees it: its own engine and pool."""
    return Database(db.url)


def sent_zalo_row(db: Database, chat_id: str, at: datetime) -> None:
    """One outbox message delivered to a Zalo chat at ``at``."""
    pk = add_chat(db, chat_id, channel="zalo")
    with db.write() as s:
        outbox.enqueue(
            s,
            pk,
            f"notice:{chat_id}",
            "notice",
            [outbox.NewMessage("Tin", None)],
            not_before=at,
        )
        s.execute(update(Outbox).where(Outbox.chat_pk == pk).values(status="sent", sent_at=at))


# --- storage -------------------------------------------------------------------------------


def test_extra_is_kept_per_channel_and_month(db: Database) -> None:
    channel_usage.add_extra(db, "zalo", NOV, 3)
    channel_usage.add_extra(db, "zalo", date(2026, 11, 20), 2)  # any day names its month
    channel_usage.add_extra(db, "zalo", NOV, 0)
    channel_usage.add_extra(db, "telegram", NOV, 7)
    assert channel_usage.extra(db, "zalo", NOV) == 5
    assert channel_usage.extra(db, "zalo", date(2026, 12, 1)) == 0
    assert channel_usage.extra(db, "telegram", NOV) == 7
    with pytest.raises(TypeError):  # a datetime's month depends on a time zone
        channel_usage.add_extra(db, "zalo", datetime(2026, 11, 30, 18, tzinfo=UTC), 1)


def test_each_warning_level_is_claimed_once(db: Database) -> None:
    assert channel_usage.claim_warning(db, "zalo", NOV, 80) is True
    assert channel_usage.claim_warning(db, "zalo", NOV, 80) is False
    assert channel_usage.claim_warning(db, "zalo", NOV, 95) is True
    assert channel_usage.claim_warning(db, "zalo", NOV, 80) is False  # 95 % already said
    assert channel_usage.warned(db, "zalo", NOV) == 95
    assert channel_usage.claim_warning(db, "zalo", date(2026, 12, 1), 80) is True
    assert channel_usage.extra(db, "zalo", NOV) == 0  # warnings do not count as usage


def _in_threads(n: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(i)`` in n threads released together; their results in order."""
    start = threading.Barrier(n)
    results: list[object] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work(i)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    return results


def test_concurrent_add_extra_sums_exactly(db: Database) -> None:
    def add_50(_: int) -> None:
        for _ in range(50):
            channel_usage.add_extra(db, "zalo", NOV, 1)

    _in_threads(4, add_50)
    assert channel_usage.extra(db, "zalo", NOV) == 200
    with db.read() as s:
        assert len(s.scalars(select(ChannelUsage)).all()) == 1


def test_concurrent_claims_have_one_winner(db: Database) -> None:
    for level in (80, 95):
        won = _in_threads(8, lambda _, lv=level: channel_usage.claim_warning(db, "zalo", NOV, lv))
        assert won.count(True) == 1 and won.count(False) == 7


# --- the gate ------------------------------------------------------------------------------


async def test_replies_counted_before_a_restart_are_still_counted(db: Database) -> None:
    config, operators = quota_config(3000), Operators()
    before = gate_on(db, config, operators)
    for _ in range(5):  # five command replies
        await before.counted(extra=1)
    await before.counted(outbox_rows=1)
    sent_zalo_row(db, "u1", datetime.now(UTC))  # the row that send delivered
    assert (await before.usage()).used == 6

    again = reopen(db)  # the process restarts
    try:
        after = gate_on(again, config, operators)
        status = await after.usage()
        assert (status.used, status.remaining) == (6, 2994)
        await after.counted(extra=2)
        assert (await gate_on(again, config, operators).usage()).used == 8
    finally:
        again.dispose()
    assert operators.notices == []


async def test_a_restart_does_not_repeat_a_warning(db: Database) -> None:
    config, operators = quota_config(10), Operators()
    first = gate_on(db, config, operators)
    for _ in range(8):
        await first.counted(extra=1)
    assert len(operators.at(80)) == 1
    assert "8/10" in operators.at(80)[0]

    second = gate_on(db, config, operators)  # after a restart
    await second.counted(extra=1)
    assert len(operators.at(80)) == 1 and operators.at(95) == []
    await second.counted(extra=1)
    assert len(operators.at(95)) == 1 and "10/10" in operators.at(95)[0]
    assert len(operators.notices) == 2


def test_run_and_worker_crossing_80_percent_together_warn_once(db: Database) -> None:
    """A ``run`` answering commands and a ``worker`` sending extra parts, each its
    own engine and event loop, reach 90 of 100 messages side by side."""
    config, operators = quota_config(100), Operators()
    engines = [reopen(db), reopen(db)]
    gates = [gate_on(e, config, operators, refresh_seconds=0) for e in engines]

    both_done = threading.Barrier(2)

    async def send_45(gate: ZaloGate) -> int:
        for _ in range(45):
            await gate.counted(extra=1)
        await asyncio.to_thread(both_done.wait, 30)
        return (await gate.usage()).used

    try:
        used = _in_threads(2, lambda i: asyncio.run(send_45(gates[i])))
    finally:
        for e in engines:
            e.dispose()
    assert used == [90, 90]  # each sees the other's messages
    assert len(operators.at(80)) == 1, operators.notices
    assert operators.at(95) == []
    assert channel_usage.extra(db, "zalo", month_key(datetime.now(UTC), config)) == 90


async def test_a_process_that_cannot_tell_operators_leaves_the_warning_to_one_that_can(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    config, operators = quota_config(10), Operators()
    mute = ZaloGate(config, reopen(db), notify=None, refresh_seconds=0)  # no Telegram bot
    try:
        for _ in range(8):
            await mute.counted(extra=1)
    finally:
        assert mute.db is not None
        mute.db.dispose()
    assert "zalo quota 80%: 8 of 10" in caplog.text  # said in its own log
    speaker = gate_on(db, config, operators)
    await speaker.counted(extra=1)
    assert len(operators.at(80)) == 1 and "9/10" in operators.at(80)[0]


async def test_a_new_month_starts_from_zero(db: Database) -> None:
    config, operators = quota_config(10), Operators()
    # 23:59 on 30 November in Hà Nội is still 16:59 UTC: the month turns at local midnight.
    now = [datetime(2026, 11, 30, 16, 59, tzinfo=UTC)]
    gate = gate_on(db, config, operators, wall_clock=lambda: now[0])
    sent_zalo_row(db, "u2", now[0] - timedelta(hours=1))
    for _ in range(8):
        await gate.counted(extra=1)
    assert (await gate.usage()).used == 9
    assert len(operators.at(80)) == 1

    now[0] = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 00:00 on 1 December in Hà Nội
    assert (await gate.usage()).used == 0
    for _ in range(8):
        await gate.counted(extra=1)
    assert len(operators.at(80)) == 2  # December's own warning
    assert "8/10" in operators.at(80)[1]
    assert channel_usage.extra(db, "zalo", NOV) == 8
    assert channel_usage.extra(db, "zalo", date(2026, 12, 1)) == 8
    restarted = gate_on(db, config, operators, wall_clock=lambda: now[0])
    assert (await restarted.usage()).used == 8


async def test_counts_wait_in_memory_while_the_database_refuses_them(db: Database) -> None:
    config, operators = quota_config(3000), Operators()
    gate = gate_on(db, config, operators, refresh_seconds=0)
    await gate.counted(extra=2)
    ChannelUsage.__table__.drop(db.engine)  # writes and reads of the count now fail
    try:
        assert (await gate.counted(extra=3)).used == 5  # the reply still counts
        assert (await gate.usage()).used == 5
    finally:
        ChannelUsage.__table__.create(db.engine)
    assert (await gate.usage()).used == 3  # only what was not saved yet: saved now
    assert (await gate_on(db, config, operators).usage()).used == 3


async def test_without_a_database_the_count_lives_in_memory() -> None:
    config, operators = quota_config(10), Operators()
    gate = gate_on(None, config, operators)
    for _ in range(8):
        await gate.counted(extra=1)
    await gate.counted(outbox_rows=2)
    assert (await gate.usage()).used == 10
    assert len(operators.at(80)) == 1 and len(operators.at(95)) == 1
    assert (await gate_on(None, config, operators).usage()).used == 0


# --- migration -----------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database that no migration has touched yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    fresh = Database(url)
    with fresh.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    fresh.dispose()
    yield url


def _migrate(db: Database, revision: str, *, down: bool = False) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


async def test_migration_upgrades_a_0005_database(empty_url: str) -> None:
    db = Database(empty_url)
    try:
        _migrate(db, "0005")  # a bot deployed before channel_usage existed
        assert "channel_usage" not in inspect(db.engine).get_table_names()
        sent_zalo_row(db, "u3", datetime.now(UTC))
        db.upgrade()  # what the next start does
        assert "channel_usage" in inspect(db.engine).get_table_names()
        gate = gate_on(db, quota_config(3000), Operators())
        await gate.counted(extra=2)
        assert (await gate_on(db, quota_config(3000), Operators()).usage()).used == 3
        _migrate(db, "0005", down=True)
        assert "channel_usage" not in inspect(db.engine).get_table_names()
        db.upgrade()
        assert (await gate_on(db, quota_config(3000), Operators()).usage()).used == 1
    finally:
        db.dispose()
