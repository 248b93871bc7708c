"""``congdoan-bot status``: is delivery keeping up, who is running, what is failing.

Read-only, from the database alone, so it works from any machine that reaches
it: queue depth (pending, sending, dead), sends per second over the last
minute and hour (``outbox.sent_at``), the age of the oldest pending message,
the processes and whether they are alive (a heartbeat within two lease
periods), the scheduler holder, the sources that are failing, and this
month's Zalo messages against the plan's quota (when the bot has Zalo chats).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.channels.zalo.transport import used_this_month
from bot.config import Config
from storage import chats, leader, outbox
from storage.db import Database
from storage.queries import SourceHealth, source_health


@dataclass(frozen=True)
class ProcessStatus(leader.Beat):
    """A process's last heartbeat, and whether it is recent enough to be alive."""

    alive: bool = False


@dataclass(frozen=True)
class Status:
    now: datetime
    pending: int
    due: int  # pending and due now (the rest wait for quiet hours, retries, pauses)
    sending: int
    dead: int
    sent_last_minute: int
    sent_last_hour: int
    oldest_pending: datetime | None
    processes: list[ProcessStatus]
    scheduler: leader.Holder | None
    failing_sources: list[SourceHealth]
    zalo_used: int | None = None  # this month, every process; None: no Zalo chats
    zalo_quota: int = 0

    @property
    def oldest_pending_age(self) -> float | None:
        """Seconds since the oldest pending message was queued."""
        if self.oldest_pending is None:
            return None
        return max((self.now - self.oldest_pending).total_seconds(), 0.0)

    @property
    def workers_alive(self) -> int:
        return sum(1 for p in self.processes if p.alive and p.role == "worker")


def collect_status(db: Database, config: Config, now: datetime | None = None) -> Status:
    now = now or datetime.now(UTC)
    with db.read() as s:
        queue = outbox.queue_snapshot(s, now)
        has_zalo = chats.has_channel(s, "zalo")
    window = timedelta(seconds=2 * config.scale.lease_seconds)
    processes = [
        ProcessStatus(**asdict(b), alive=now - b.last_seen <= window) for b in leader.beats(db)
    ]
    return Status(
        now=now,
        pending=queue.counts[outbox.PENDING],
        due=queue.due,
        sending=queue.counts[outbox.SENDING],
        dead=queue.counts[outbox.DEAD],
        sent_last_minute=queue.sent_last_minute,
        sent_last_hour=queue.sent_last_hour,
        oldest_pending=queue.oldest_pending,
        processes=processes,
        scheduler=leader.current_holder(db, now=now),
        failing_sources=[h for h in source_health(db) if not h.healthy],
        zalo_used=used_this_month(db, now, config) if has_zalo else None,
        zalo_quota=int(config.zalo.monthly_quota),
    )


def _iso(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat(timespec="seconds") if value else None


def status_json(st: Status, tz: ZoneInfo) -> dict[str, object]:
    holder = st.scheduler
    return {
        "at": _iso(st.now, tz),
        "queue": {"pending": st.pending, "due": st.due, "sending": st.sending, "dead": st.dead},
        "oldest_pending_age_seconds": (
            round(st.oldest_pending_age, 1) if st.oldest_pending_age is not None else None
        ),
        "sent": {
            "last_minute": st.sent_last_minute,
            "last_hour": st.sent_last_hour,
            "per_second_minute": round(st.sent_last_minute / 60, 2),
            "per_second_hour": round(st.sent_last_hour / 3600, 3),
        },
        "scheduler": (
            {
                "holder": holder.holder,
                "since": _iso(holder.since, tz),
                "alive": holder.alive,
                "renewed_at": _iso(holder.renewed_at, tz),
            }
            if holder
            else None
        ),
        "workers_alive": st.workers_alive,
        "processes": [
            {
                "id": p.id,
                "role": p.role,
                "host": p.host,
                "pid": p.pid,
                "started_at": _iso(p.started_at, tz),
                "last_seen": _iso(p.last_seen, tz),
                "sent": p.sent,
                "alive": p.alive,
            }
            for p in st.processes
        ],
        "zalo_this_month": (
            {"used": st.zalo_used, "quota": st.zalo_quota} if st.zalo_used is not None else None
        ),
        "failing_sources": [
            {
                "id": h.id,
                "url": h.url,
                "consecutive_failures": h.consecutive_failures,
                "last_error": h.last_error,
                "last_success": _iso(h.last_success_at, tz),
                "next_poll": _iso(h.next_poll_at, tz),
            }
            for h in st.failing_sources
        ],
    }


def _age(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def format_status(st: Status, tz: ZoneInfo) -> str:
    """Terminal output (English, like the other operator commands; dd/mm/yyyy)."""

    def when(value: datetime) -> str:
        return value.astimezone(tz).strftime("%d/%m/%Y %H:%M:%S")

    lines = [
        f"Queue      {st.pending} pending ({st.due} due now), {st.sending} sending, {st.dead} dead",
        "Oldest     "
        + (f"pending for {_age(st.oldest_pending_age)}" if st.oldest_pending_age is not None
           else "nothing pending"),
        f"Sent       {st.sent_last_minute} in the last minute ({st.sent_last_minute / 60:.2f}/s), "
        f"{st.sent_last_hour} in the last hour ({st.sent_last_hour / 3600:.3f}/s)",
    ]  # fmt: skip
    holder = st.scheduler
    if holder is None:
        lines.append("Scheduler  never started")
    elif holder.alive:
        lines.append(f"Scheduler  {holder.holder}, since {when(holder.since)}")
    else:
        lines.append(f"Scheduler  NONE (last: {holder.holder}, renewed {when(holder.renewed_at)})")
    alive = [p for p in st.processes if p.alive]
    lines.append(f"Processes  {len(alive)} alive, {len(st.processes) - len(alive)} not responding")
    for p in st.processes:
        mark = "alive" if p.alive else "DEAD "
        lines.append(
            f"  {mark} {p.role:<9} {p.id}  sent {p.sent}, last seen {when(p.last_seen)}"
            f" ({_age((st.now - p.last_seen).total_seconds())} ago)"
        )
    if st.failing_sources:
        lines.append(f"Sources    {len(st.failing_sources)} failing")
        for h in st.failing_sources:
            lines.append(f"  FAIL {h.id}: {h.consecutive_failures} in a row: {h.last_error}")
    else:
        lines.append("Sources    none failing")
    if st.zalo_used is not None:
        share = st.zalo_used / st.zalo_quota if st.zalo_quota else 0.0
        lines.append(
            f"Zalo       {st.zalo_used} of {st.zalo_quota} messages this month ({share:.0%})"
        )
    return "\n".join(lines)


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    from storage.db import open_database

    st = collect_status(open_database(config.database_url), config)
    if args.json:
        print(json.dumps(status_json(st, config.tz), ensure_ascii=False, indent=2))
    else:
        print(format_status(st, config.tz))
    return 0
