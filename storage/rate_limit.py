"""One global pace per bot token, shared by every sending process through the database.

Telegram meters ~30 messages/s per *token* (Bot FAQ, "not more than 30
messages per second or so"), so N senders with their own in-process buckets
(python-telegram-bot's AIORateLimiter keeps its state per process) would get N
times the budget.  Here the budget is one row per token, used as a virtual schedule
(GCRA, the "theoretical arrival time" form of a token bucket one message
deep): ``tat`` is the earliest moment the next message may go out.  Taking
``n`` slots is a single atomic statement::

    UPDATE rate_buckets SET tat = GREATEST(tat, now) + n / rate WHERE name = :token
    RETURNING tat

and the caller sends its messages at ``tat_before, +1/rate, +2/rate…``.  It never
fails and never polls: slots of all processes interleave, spaced exactly
``1/rate`` apart, so any one-second window holds at most ``rate + 1`` sends.
A slot reserved by a process that dies is simply lost (a gap, never a burst).

Clocks: slots are absolute wall-clock times (epoch seconds, the caller's
``time.time()``), so the time a reservation takes to come back does not shift
them.  Senders on several machines need synchronized clocks (NTP), as the
scheduler's row lease does (``storage.leader``); a skew of d seconds makes two
senders' slots at worst d closer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Float, SQLColumnExpression, func, literal, select, update

from storage.db import Database, insert_ignore
from storage.models import RateBucket


@dataclass(frozen=True)
class Slots:
    """``count`` sending slots: the first at ``start`` (epoch seconds), then every ``step``."""

    start: float
    step: float
    count: int

    def times(self) -> list[float]:
        """Each slot, in epoch seconds."""
        return [self.start + i * self.step for i in range(self.count)]


class SharedRate:
    """The pace of one bot token (``name``), ``rate`` messages per second in total."""

    def __init__(self, db: Database, name: str, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.db = db
        self.name = name[:64]
        self.step = 1.0 / float(rate)
        self._created = False

    @staticmethod
    def _now(at: float | None = None) -> ColumnElement[float]:
        return literal(time.time() if at is None else at, Float)

    def _greatest(
        self, a: SQLColumnExpression[float], b: SQLColumnExpression[float]
    ) -> ColumnElement[float]:
        # SQLite's two-argument max() is the scalar one, PostgreSQL's is GREATEST.
        return func.max(a, b) if self.db.is_sqlite else func.greatest(a, b)

    def _ensure(self) -> None:
        if self._created:
            return
        with self.db.write() as s:
            insert_ignore(s, RateBucket, [{"name": self.name, "tat": 0.0}])
        self._created = True

    def reserve(self, n: int = 1) -> Slots:
        """Take the next ``n`` slots of the token's schedule (one statement)."""
        if n <= 0:
            return Slots(time.time(), self.step, 0)
        self._ensure()
        with self.db.write() as s:
            now = self._now()
            tat = s.scalar(
                update(RateBucket)
                .where(RateBucket.name == self.name)
                .values(tat=self._greatest(RateBucket.tat, now) + n * self.step)
                .returning(RateBucket.tat)
            )
        if tat is None:  # _ensure() created it; only a hand-deleted row gets here
            raise LookupError(f"rate bucket {self.name!r} is missing")
        return Slots(float(tat) - n * self.step, self.step, n)

    def pause(self, seconds: float) -> None:
        """Nobody sends with this token for ``seconds`` (Telegram said the bot is
        flooding: every process waits, not only the one that was told)."""
        self._ensure()
        with self.db.write() as s:
            now = self._now()
            s.execute(
                update(RateBucket)
                .where(RateBucket.name == self.name)
                .values(tat=self._greatest(RateBucket.tat, now + float(seconds)))
            )

    def backlog(self) -> float:
        """Seconds until the next free slot (0 when idle), for health checks and tests."""
        self._ensure()
        with self.db.read() as s:
            tat = s.scalar(select(RateBucket.tat).where(RateBucket.name == self.name))
        return max(float(tat or 0.0) - time.time(), 0.0)


def bucket_name(channel: str, token: str | None) -> str:
    """A stable bucket name per channel and token that does not store the token:
    the bot's numeric id (the part before ':'), which is public anyway."""
    bot_id = (token or "").split(":", 1)[0]
    return f"{channel}:{bot_id}" if bot_id.isdigit() else channel
