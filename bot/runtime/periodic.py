"""The bot's periodic work, channel-neutral: ingest rounds and routing, digests, reminders.

Each tick reads what is due from the database and writes outbox rows with
dedup keys, so nothing scheduled lives only in memory: after a restart (or a
tick missed while the process was down) the next tick finds the same work and
does it once.  ``bot.channels.telegram.app`` runs these ticks on python-telegram-bot's
JobQueue; the demo runs them by hand.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.config import Config
from bot.delivery.digest import enqueue_due_digests
from bot.delivery.reminders import enqueue_due_reminders
from bot.delivery.routing import route_new_stories
from bot.runtime.ingest_round import SourceReport, poll_round
from storage import leader
from storage.db import Database

log = logging.getLogger(__name__)


@dataclass
class PollTickResult:
    reports: list[SourceReport] = field(default_factory=list)
    new_story_ids: list[int] = field(default_factory=list)
    queued: int = 0  # outbox rows created for the new stories


async def poll_tick(config: Config, db: Database, *, force: bool = False) -> PollTickResult:
    """An ingest round over the due sources, then what is new routed to its subscribers."""
    reports = await poll_round(config, db, force=force)
    new_ids = [i for r in reports for i in r.stored.new_story_ids]
    result = PollTickResult(reports=reports, new_story_ids=new_ids)
    if new_ids:
        routed = await asyncio.to_thread(route_new_stories, db, new_ids, config)
        result.queued = routed.outbox_rows
        log.info("%d new stories routed: %s", len(new_ids), routed)
    return result


async def digest_tick(config: Config, db: Database, now: datetime | None = None) -> int:
    """Queue the digests whose hour has come today (once per chat and day)."""
    now = now or datetime.now(UTC)
    return await asyncio.to_thread(enqueue_due_digests, db, config, now=now)


async def reminder_tick(config: Config, db: Database, now: datetime | None = None) -> int:
    """Queue the reminders whose day and hour have come (once each)."""
    now = now or datetime.now(UTC)
    return await asyncio.to_thread(enqueue_due_reminders, db, config, now=now)


async def poll_job(config: Config, db: Database) -> None:
    """The scheduled ingest round and routing (logged when it queued work)."""
    result = await poll_tick(config, db)
    if result.queued:
        log.info(
            "ingest round: %d new stories, %d messages queued",
            len(result.new_story_ids),
            result.queued,
        )


async def schedules_job(config: Config, db: Database) -> None:
    """One scheduled look at digests and reminders; heartbeats dead for a day are forgotten."""
    digests = await digest_tick(config, db)
    reminders = await reminder_tick(config, db)
    if digests or reminders:
        log.info("queued %d digest and %d reminder messages", digests, reminders)
    await asyncio.to_thread(leader.purge_dead, db, leader.DEAD_BEATS_KEPT)
