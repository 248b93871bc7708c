"""A channel's monthly usage outside the outbox, shared by every process.

Zalo's free plan meters messages per month.  Outbox rows already live in the
database; the other messages (command replies, the extra parts of a long
message, operator warnings) are counted here, one row per (channel, month), so
a restart does not forget them and every ``run``/``worker`` process sees the
same total.  ``warned`` is the highest warning level (percent) already
announced that month: a conditional UPDATE lets exactly one process announce
each level.

Every function is one short write or read transaction.  The row is created
with ``INSERT ... ON CONFLICT DO NOTHING`` and then changed by a single UPDATE
on the current value (``extra = extra + n``), which both engines apply
atomically: SQLite serializes writers (``BEGIN IMMEDIATE``), PostgreSQL makes a
concurrent UPDATE wait for the row lock and re-check its WHERE clause.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.db import Database, insert_ignore, rowcount
from storage.models import ChannelUsage


def month_key(month: dt.date) -> dt.date:
    """The row key for ``month``: its first day (a date, not a datetime)."""
    if isinstance(month, dt.datetime):
        # A datetime's date depends on its time zone: the caller must choose it.
        raise TypeError("month must be a date in the bot's time zone, not a datetime")
    return month.replace(day=1)


def _ensure(session: Session, channel: str, month: dt.date) -> None:
    insert_ignore(
        session, ChannelUsage, [{"channel": channel, "month": month, "extra": 0, "warned": 0}]
    )


def add_extra(db: Database, channel: str, month: dt.date, n: int) -> None:
    """Count ``n`` more messages sent outside the outbox in ``month``."""
    if n <= 0:
        return
    key = month_key(month)
    with db.write() as s:
        _ensure(s, channel, key)
        s.execute(
            update(ChannelUsage)
            .where(ChannelUsage.channel == channel, ChannelUsage.month == key)
            .values(extra=ChannelUsage.extra + n)
        )


def extra_in(session: Session, channel: str, month: dt.date) -> int:
    """Messages counted outside the outbox in ``month``, within ``session``."""
    value = session.scalar(
        select(ChannelUsage.extra).where(
            ChannelUsage.channel == channel, ChannelUsage.month == month_key(month)
        )
    )
    return int(value or 0)


def extra(db: Database, channel: str, month: dt.date) -> int:
    """Messages counted outside the outbox in ``month`` (0 for a month not seen)."""
    with db.read() as s:
        return extra_in(s, channel, month)


def claim_warning(db: Database, channel: str, month: dt.date, level: int) -> bool:
    """True for the one caller, across processes and restarts, that announces the
    ``level`` % warning of ``month``.  Once a higher level has been announced, a
    lower one is not (it would be old news)."""
    key = month_key(month)
    with db.write() as s:
        _ensure(s, channel, key)
        result = s.execute(
            update(ChannelUsage)
            .where(
                ChannelUsage.channel == channel,
                ChannelUsage.month == key,
                ChannelUsage.warned < level,
            )
            .values(warned=level)
        )
        return bool(rowcount(result))


def warned(db: Database, channel: str, month: dt.date) -> int:
    """The highest warning level (percent) announced in ``month`` (0: none)."""
    with db.read() as s:
        value = s.scalar(
            select(ChannelUsage.warned).where(
                ChannelUsage.channel == channel, ChannelUsage.month == month_key(month)
            )
        )
    return int(value or 0)
