"""The scheduler lease: never two holders, a dead holder replaced in time, on
SQLite (a lease row) and PostgreSQL (an advisory lock on its own connection)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.cli.status import collect_status
from bot.runtime.periodic import schedules_job
from storage.db import Database
from storage.leader import (
    DEAD_BEATS_KEPT,
    HOLD,
    RoleLease,
    beat,
    beats,
    current_holder,
    forget,
    purge_dead,
)
from tests.support.factories import make_config

T0 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def test_two_processes_never_hold_the_scheduler_at_once(db: Database) -> None:
    first = RoleLease(db, "host-a:101", lease_seconds=15)
    second = RoleLease(db, "host-b:202", lease_seconds=15)
    try:
        assert first.try_acquire()
        assert not second.try_acquire(), "the role is taken"
        assert not second.try_acquire(), "still taken on the next try"
        assert first.renew(), "the holder keeps it"
        holder = current_holder(db)
        assert holder is not None and holder.holder == "host-a:101" and holder.alive
        first.release()
        assert second.try_acquire(), "a clean stop hands the role over at once"
        assert not first.try_acquire()
        holder = current_holder(db)
        assert holder is not None and holder.holder == "host-b:202" and holder.alive
    finally:
        first.release()
        second.release()


def test_sqlite_lease_expires_when_not_renewed(sqlite_db: Database) -> None:
    clock = Clock()
    holder = RoleLease(sqlite_db, "a", lease_seconds=10, clock=clock)
    standby = RoleLease(sqlite_db, "b", lease_seconds=10, clock=clock)
    assert holder.try_acquire()
    clock.at = T0 + timedelta(seconds=10 * HOLD - 1)
    assert not standby.try_acquire(), "not expired yet"
    assert current_holder(sqlite_db, now=clock.at).alive  # type: ignore[union-attr]
    # The holder stalls past its expiry: the standby takes over, well within 10 s.
    clock.at = T0 + timedelta(seconds=10 * HOLD + 0.1)
    assert not current_holder(sqlite_db, now=clock.at).alive  # type: ignore[union-attr]
    assert standby.try_acquire()
    assert not holder.renew(), "the old holder learns it lost the role"
    assert not holder.held
    info = current_holder(sqlite_db, now=clock.at)
    assert info is not None and info.holder == "b" and info.since == clock.at


def test_renewal_keeps_the_lease_past_its_first_expiry(sqlite_db: Database) -> None:
    clock = Clock()
    holder = RoleLease(sqlite_db, "a", lease_seconds=10, clock=clock)
    standby = RoleLease(sqlite_db, "b", lease_seconds=10, clock=clock)
    assert holder.try_acquire()
    for step in range(1, 20):  # renewed every 2 s (RENEW × 10 s) for 38 s
        clock.at = T0 + timedelta(seconds=2 * step)
        assert holder.renew()
        assert not standby.try_acquire()
    assert current_holder(sqlite_db, now=clock.at).since == T0  # type: ignore[union-attr]


def test_racing_standbys_take_an_expired_lease_once(sqlite_db: Database) -> None:
    clock = Clock()
    dead = RoleLease(sqlite_db, "dead", lease_seconds=5, clock=clock)
    assert dead.try_acquire()
    clock.at = T0 + timedelta(seconds=60)
    leases = [RoleLease(sqlite_db, f"s{i}", lease_seconds=5, clock=clock) for i in range(8)]
    barrier = threading.Barrier(len(leases))
    won: list[str] = []

    def race(lease: RoleLease) -> None:
        barrier.wait()
        if lease.try_acquire():
            won.append(lease.holder_id)

    threads = [threading.Thread(target=race, args=(lease,)) for lease in leases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1
    assert current_holder(sqlite_db, now=clock.at).holder == won[0]  # type: ignore[union-attr]


@pytest.mark.postgres
def test_postgres_lock_is_freed_when_the_holders_connection_dies(postgres_url: str) -> None:
    from storage.db import open_database
    from tests.conftest import _reset_postgres

    _reset_postgres(postgres_url)
    db = open_database(postgres_url)
    holder = RoleLease(db, "a", lease_seconds=600)  # a row could not expire in this test
    standby = RoleLease(db, "b", lease_seconds=600)
    try:
        assert holder.try_acquire()
        assert not standby.try_acquire()
        # The holder's connection is cut (as when its process is killed).
        with db.engine.begin() as conn:
            killed = conn.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND granted"
                )
            )
        assert killed == 1
        info = current_holder(db)
        assert info is not None and info.holder == "a" and not info.alive
        assert standby.try_acquire(), "free at once, though the row says 10 minutes"
        assert not holder.renew(), "the old holder notices at its next renewal"
        info = current_holder(db)
        assert info is not None and info.holder == "b" and info.alive
        assert info.expires_at is None  # held by a lock, not by a row
    finally:
        holder.release()
        standby.release()
        db.dispose()


def test_heartbeats_are_recorded_and_forgotten(db: Database) -> None:
    beat(db, "w1", role="worker", host="h", pid=1, started_at=T0, sent=0, now=T0)
    beat(db, "w1", role="worker", host="h", pid=1, started_at=T0, sent=7, now=T0 + timedelta(5))
    beat(db, "run-1", role="scheduler", host="h", pid=2, started_at=T0, sent=3, now=T0)
    rows = {b.id: b for b in beats(db)}
    assert rows["w1"].sent == 7 and rows["w1"].last_seen == T0 + timedelta(5)
    assert rows["run-1"].role == "scheduler"
    forget(db, "w1")
    assert [b.id for b in beats(db)] == ["run-1"]


def _beat(db: Database, process_id: str, last_seen: datetime, role: str = "worker") -> None:
    beat(db, process_id, role=role, host="h", pid=1, started_at=T0, sent=0, now=last_seen)


def test_killed_workers_stay_visible_a_day_then_are_purged(db: Database) -> None:
    now = T0 + timedelta(days=3)
    _beat(db, "alive", now - timedelta(seconds=5))
    _beat(db, "killed-an-hour-ago", now - timedelta(hours=1))
    _beat(db, "killed-two-days-ago", now - timedelta(days=2))
    _beat(db, "run@old", now - timedelta(days=1, seconds=1), role="standby")
    config = make_config()
    listed = {p.id: p.alive for p in collect_status(db, config, now=now).processes}
    assert listed == {
        "alive": True,
        "killed-an-hour-ago": False,
        "killed-two-days-ago": False,
        "run@old": False,
    }

    assert purge_dead(db, timedelta(days=1), now=now) == 2
    # What an operator sees: the recent death is still there (to notice), the old ones gone.
    listed = {p.id: p.alive for p in collect_status(db, config, now=now).processes}
    assert listed == {"alive": True, "killed-an-hour-ago": False}
    assert purge_dead(db, timedelta(days=1), now=now) == 0
    assert purge_dead(db, timedelta(minutes=30), now=now) == 1
    assert [b.id for b in beats(db)] == ["alive"]


async def test_the_schedule_tick_purges_long_dead_processes(db: Database) -> None:
    now = datetime.now(UTC)
    _beat(db, "fresh", now)
    _beat(db, "dead-a-while", now - DEAD_BEATS_KEPT + timedelta(minutes=5))
    _beat(db, "dead-long-ago", now - DEAD_BEATS_KEPT - timedelta(minutes=5))
    await schedules_job(make_config(), db)
    assert sorted(b.id for b in beats(db)) == ["dead-a-while", "fresh"]
