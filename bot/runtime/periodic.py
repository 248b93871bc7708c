"""The bot's periodic work, channel-neutral: ingest rounds and routing, digests, reminders.

Each tick reads what is due from the database and writes outbox rows with
dedup keys, so nothing scheduled lives only in memory: after a restart (or a
tick missed while the process was down) the next tick finds the same work and
does it once.  :func:`run_ticks` runs them on plain asyncio loops for the
scheduler holder (whatever the chat channels, and while a chat API is still
unreachable); the demo runs them by hand.

``poll_interval`` means what it says: the poll loop sleeps until the first
source is due (at most ``poll_cap`` seconds), and a source's next poll is
``poll_interval`` seconds after its last poll *started*.  (With a fixed 60 s tick
and the next time counted from the end of the store, a 60 s source was due a
moment after each tick and so polled every 120 s.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.config import Config
from bot.delivery.digest import enqueue_due_digests
from bot.delivery.reminders import enqueue_due_reminders
from bot.delivery.routing import route_new_stories
from bot.runtime.alerts import alert_tick
from bot.runtime.ingest_round import SourceReport, poll_round
from storage import leader
from storage.db import Database, is_busy
from storage.ingest import next_poll_at

log = logging.getLogger(__name__)

MIN_POLL_WAIT = 1.0  # s: the poll loop never spins faster than this
FIRST_TICK = 1.0  # s after start: digests due during a restart or takeover go out at once
Seconds = Callable[[], float]  # read at each use, so tests can shorten the ticks


@dataclass
class PollTickResult:
    reports: list[SourceReport] = field(default_factory=list)
    new_story_ids: list[int] = field(default_factory=list)
    queued: int = 0  # outbox rows created for the new stories
    alerts: int = 0  # operators' messages queued: sources down or back


async def poll_tick(config: Config, db: Database, *, force: bool = False) -> PollTickResult:
    """An ingest round over the due sources, then what is new routed to its
    subscribers and, when a source went down or came back, told to the operators."""
    reports = await poll_round(config, db, force=force)
    new_ids = [i for r in reports for i in r.stored.new_story_ids]
    result = PollTickResult(reports=reports, new_story_ids=new_ids)
    if new_ids:
        routed = await asyncio.to_thread(route_new_stories, db, new_ids, config)
        result.queued = routed.outbox_rows
        log.info("%d new stories routed: %s", len(new_ids), routed)
    # After the news (officers first), and every tick, not only after a poll: a round
    # cut short (a crash, a takeover) or a new threshold is caught up at once.  Costs
    # one small read when nothing is to be announced.
    result.alerts = await alert_tick(config, db)
    return result


async def digest_tick(config: Config, db: Database, now: datetime | None = None) -> int:
    """Queue the digests whose hour has come today (once per chat and day)."""
    now = now or datetime.now(UTC)
    return await asyncio.to_thread(enqueue_due_digests, db, config, now=now)


async def reminder_tick(config: Config, db: Database, now: datetime | None = None) -> int:
    """Queue the reminders whose day and hour have come (once each)."""
    now = now or datetime.now(UTC)
    return await asyncio.to_thread(enqueue_due_reminders, db, config, now=now)


async def poll_job(config: Config, db: Database) -> PollTickResult:
    """The scheduled ingest round and routing (logged when it queued work)."""
    result = await poll_tick(config, db)
    if result.queued:
        log.info(
            "ingest round: %d new stories, %d messages queued",
            len(result.new_story_ids),
            result.queued,
        )
    return result


def next_poll_wait(config: Config, db: Database, cap: float, now: datetime | None = None) -> float:
    """Seconds until the first source is due, between ``MIN_POLL_WAIT`` and ``cap``.

    The poll loop sleeps exactly this long, so ``poll_interval = 60`` means a poll
    every 60 s (each poll's next time counts from when it started), not "at the
    first whole tick after 60 s" (which made it every 120 s with a 60 s tick)."""
    now = now or datetime.now(UTC)
    due = next_poll_at(db, config.sources)
    if due is None:
        return cap
    return min(max((due - now).total_seconds(), MIN_POLL_WAIT), cap)


async def schedules_job(config: Config, db: Database) -> None:
    """One scheduled look at digests and reminders; heartbeats dead for a day are forgotten."""
    digests = await digest_tick(config, db)
    reminders = await reminder_tick(config, db)
    if digests or reminders:
        log.info("queued %d digest and %d reminder messages", digests, reminders)
    await asyncio.to_thread(leader.purge_dead, db, leader.DEAD_BEATS_KEPT)


async def run_ticks(
    config: Config, db: Database, halt: asyncio.Event, *, poll_cap: Seconds, schedule_every: Seconds
) -> None:
    """The periodic work until ``halt``: polling (sleeping until the next source is
    due, at most ``poll_cap()`` s) and digests/reminders every ``schedule_every()`` s."""
    await asyncio.gather(
        _poll_loop(config, db, halt, poll_cap),
        _every("schedules", schedule_every, lambda: schedules_job(config, db), halt),
    )


async def _poll_loop(config: Config, db: Database, halt: asyncio.Event, cap: Seconds) -> None:
    if await _wait(halt, FIRST_TICK):
        return
    while True:
        wait = cap()  # after a failure: a whole tick, never a tight loop
        try:
            result = await poll_job(config, db)
            if not any(r.store_error for r in result.reports):
                wait = await asyncio.to_thread(next_poll_wait, config, db, wait)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one failed tick must not end the schedule
            log.error("ingest round failed: %s", exc, exc_info=not is_busy(exc))
        if await _wait(halt, wait):
            return


async def _every(
    name: str, interval: Seconds, tick: Callable[[], Awaitable[object]], halt: asyncio.Event
) -> None:
    """Run ``tick`` after ``FIRST_TICK`` s, then every ``interval()`` s, until ``halt``."""
    if await _wait(halt, FIRST_TICK):
        return
    while True:
        try:
            await tick()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one failed tick must not end the schedule
            log.error("%s tick failed: %s", name, exc, exc_info=not is_busy(exc))
        if await _wait(halt, interval()):
            return


async def _wait(event: asyncio.Event, seconds: float) -> bool:
    """Sleep up to ``seconds``; True when ``event`` was set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), max(seconds, 0.0))
    return event.is_set()
