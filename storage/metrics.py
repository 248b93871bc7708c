"""The figures ``/metrics`` reads from the database, the same whichever process asks.

Each query uses an index or a small table, so a scrape every 15 s costs little
even with a large outbox: the queue is counted by status through
``ix_outbox_due`` (sent rows, the bulk of the table, are never counted here),
sources and heartbeats are a row per source and per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import Outbox, ProcessBeat, Source, SourceAlert

WAITING = ("pending", "sending")


@dataclass(frozen=True)
class SourceFigures:
    id: str
    items_total: int
    consecutive_failures: int
    last_success_at: datetime | None
    alerted: bool  # the operators were told it is down (and not yet that it is back)


@dataclass(frozen=True)
class Figures:
    waiting: dict[str, int]  # outbox rows not sent yet (pending or in flight), by kind
    dead: dict[str, int]  # rows given up, by kind
    oldest_waiting: datetime | None  # when the oldest row still waiting was queued
    sources: list[SourceFigures]
    processes: dict[str, int]  # processes alive (beat within the window), by role


def figures(db: Database, now: datetime, alive_within: timedelta) -> Figures:
    """Everything in one read transaction (one snapshot on PostgreSQL)."""
    with db.read() as s:
        return Figures(
            waiting=_by_kind(s, WAITING),
            dead=_by_kind(s, ("dead",)),
            oldest_waiting=s.scalar(
                select(func.min(Outbox.created_at)).where(Outbox.status.in_(WAITING))
            ),
            sources=_sources(s),
            processes=_processes(s, now - alive_within),
        )


def _by_kind(s: Session, statuses: tuple[str, ...]) -> dict[str, int]:
    rows = s.execute(
        select(Outbox.kind, func.count()).where(Outbox.status.in_(statuses)).group_by(Outbox.kind)
    ).all()
    return {kind: int(n) for kind, n in rows}


def _sources(s: Session) -> list[SourceFigures]:
    rows = s.execute(
        select(
            Source.id,
            Source.items_total,
            Source.consecutive_failures,
            Source.last_success_at,
            SourceAlert.down_since,
        )
        .outerjoin(SourceAlert, SourceAlert.source_id == Source.id)
        .order_by(Source.id)
    ).all()
    return [
        SourceFigures(id_, int(items or 0), int(fails or 0), success, down is not None)
        for id_, items, fails, success, down in rows
    ]


def _processes(s: Session, since: datetime) -> dict[str, int]:
    rows = s.execute(
        select(ProcessBeat.role, func.count())
        .where(ProcessBeat.last_seen >= since)
        .group_by(ProcessBeat.role)
    ).all()
    return {role: int(n) for role, n in rows}
