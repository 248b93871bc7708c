"""One scheduler among many processes, and which processes are alive.

Only one process may run the scheduler role (Telegram's getUpdates is
exclusive per token, and two schedulers would poll every source twice).  The
role is a *lease*:

* **PostgreSQL**: ``pg_try_advisory_lock`` on a dedicated connection held for
  the life of the role.  The lock dies with the connection, so a holder killed
  with ``kill -9`` frees it at once (its socket closes) and a standby takes
  over at its next try.  The connection sets TCP keepalives on both sides so a
  holder cut off by the network is noticed too.
* **SQLite** (and a fallback on PostgreSQL): a row in ``leases`` that expires
  unless the holder renews it.  Taking and renewing are single conditional
  UPDATEs, so two processes can never both succeed.

Timing, with ``lease_seconds`` = L (``[scale] lease_seconds``, 15 s): a row is
written to expire ``HOLD`` × L after each renewal, the holder renews every
``RENEW`` × L, standbys retry every ``RENEW`` × L.  A dead holder is replaced
within 0.6 L + 0.2 L = 0.8 L, under one lease period; a holder that could not
renew for 0.4 L steps down.  Row leases compare wall clocks: processes on
several machines need synchronized clocks (NTP); advisory locks do not.

The leases row also records who holds the role and since when, for ``status``;
``process_beats`` records every ``run``/``worker`` process's heartbeat.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, create_engine, delete, select, text, update
from sqlalchemy.pool import NullPool

from storage.db import Database, insert_ignore, rowcount
from storage.models import Lease, ProcessBeat

log = logging.getLogger(__name__)

SCHEDULER = "scheduler"
# pg_try_advisory_lock(bigint) key: "CDB" + 1, below 2**31 so pg_locks shows it as objid.
ADVISORY_KEY = 0x43444231
HOLD = 0.6  # row lease lifetime after a renewal, as a fraction of lease_seconds
RENEW = 0.2  # renew (holder) and retry (standby) period, as a fraction of lease_seconds
# Server and client notice a vanished peer in ~10 s instead of hours.
_KEEPALIVE = "-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Holder:
    """Who holds a role, since when, and whether the hold is still valid."""

    name: str
    holder: str
    since: datetime
    renewed_at: datetime
    expires_at: datetime | None  # None: an advisory lock (valid while its connection lives)
    alive: bool


class RoleLease:
    """An exclusive role for this process (``holder_id``).  Blocking calls: run
    them in a thread (``asyncio.to_thread``), never on the event loop."""

    def __init__(
        self,
        db: Database,
        holder_id: str,
        *,
        name: str = SCHEDULER,
        lease_seconds: float = 15.0,
        method: str = "auto",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if method not in ("auto", "advisory", "row"):
            raise ValueError(f"unknown lease method {method!r}")
        if method == "advisory" and db.is_sqlite:
            raise ValueError("advisory locks need PostgreSQL")
        self.db = db
        self.holder_id = holder_id
        self.name = name
        self.lease_seconds = float(lease_seconds)
        self.method = ("row" if db.is_sqlite else "advisory") if method == "auto" else method
        self.clock = clock
        self.held = False
        self.since: datetime | None = None
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self._key = ADVISORY_KEY if name == SCHEDULER else _key_of(name)

    @property
    def period(self) -> float:
        """Seconds between two renewals (holder) or two tries (standby)."""
        return self.lease_seconds * RENEW

    # --- taking, keeping, giving up ---------------------------------------------------

    def try_acquire(self) -> bool:
        """Take the role if nobody holds it; True when this process holds it now."""
        if self.held:
            return self.renew()
        now = self.clock()
        if self.method == "advisory":
            if not self._try_advisory():
                return False
            self._record(now, force=True)
        elif not self._take_row(now):
            return False
        self.held, self.since = True, now
        log.info("lease %s taken by %s (%s)", self.name, self.holder_id, self.method)
        return True

    def renew(self) -> bool:
        """Keep the role; False when it was lost (the caller must stop its work)."""
        if not self.held:
            return False
        now = self.clock()
        try:
            ok = self._check_advisory() if self.method == "advisory" else self._renew_row(now)
        except Exception as exc:  # a broken connection or a locked database: not held
            log.warning("lease %s: renewal failed: %s", self.name, exc)
            ok = False
        if ok and self.method == "advisory":
            try:
                self._record(now, force=False)  # informational only: the lock is the truth
            except Exception as exc:
                log.warning("lease %s: could not record the renewal: %s", self.name, exc)
        if not ok:
            self._lost()
        return ok

    def release(self) -> None:
        """Give the role up at once (a clean stop): a standby takes over at its next try."""
        if not self.held:
            self._close()
            return
        self.held = False
        try:
            with self.db.write() as s:
                s.execute(
                    update(Lease)
                    .where(Lease.name == self.name, Lease.holder == self.holder_id)
                    .values(expires_at=self.clock())
                )
        except Exception as exc:
            log.warning("lease %s: could not clear the row: %s", self.name, exc)
        if self._conn is not None:
            # Closing the connection releases the lock anyway.
            with contextlib.suppress(Exception):
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
        self._close()
        log.info("lease %s released by %s", self.name, self.holder_id)

    # --- PostgreSQL advisory lock -----------------------------------------------------

    def _try_advisory(self) -> bool:
        if self._engine is None:
            # NullPool: the lock's connection is never handed to anyone else, and
            # closing it really closes it (which releases the lock).
            self._engine = create_engine(
                self.db.url,
                poolclass=NullPool,
                connect_args={
                    "options": _KEEPALIVE,
                    "keepalives": 1,
                    "keepalives_idle": 5,
                    "keepalives_interval": 2,
                    "keepalives_count": 3,
                    "connect_timeout": 5,
                },
            )
        try:
            conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except Exception as exc:
            log.warning("lease %s: cannot connect: %s", self.name, exc)
            return False
        try:
            got = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}))
        except Exception as exc:
            log.warning("lease %s: advisory lock failed: %s", self.name, exc)
            conn.close()
            return False
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def _check_advisory(self) -> bool:
        """The lock is still ours: our connection answers and pg_locks lists the lock."""
        if self._conn is None:
            return False
        return bool(
            self._conn.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid = pg_backend_pid() AND objid = :k AND objsubid = 1"
                ),
                {"k": self._key},
            )
        )

    # --- lease row --------------------------------------------------------------------

    def _take_row(self, now: datetime) -> bool:
        expires = now + timedelta(seconds=self.lease_seconds * HOLD)
        with self.db.write() as s:
            insert_ignore(
                s,
                Lease,
                [
                    {
                        "name": self.name,
                        "holder": self.holder_id,
                        "since": now,
                        "renewed_at": now,
                        "expires_at": expires,
                    }
                ],
            )
            # One conditional UPDATE: two standbys racing for an expired row cannot
            # both match (the second sees the first one's fresh expiry).
            taken = s.execute(
                update(Lease)
                .where(
                    Lease.name == self.name,
                    (Lease.holder == self.holder_id) | (Lease.expires_at <= now),
                )
                .values(holder=self.holder_id, since=now, renewed_at=now, expires_at=expires)
            )
        return bool(rowcount(taken))

    def _renew_row(self, now: datetime) -> bool:
        expires = now + timedelta(seconds=self.lease_seconds * HOLD)
        with self.db.write() as s:
            kept = s.execute(
                update(Lease)
                .where(
                    Lease.name == self.name,
                    Lease.holder == self.holder_id,
                    Lease.expires_at > now,
                )
                .values(renewed_at=now, expires_at=expires)
            )
        return bool(rowcount(kept))

    def _record(self, now: datetime, *, force: bool) -> None:
        """Write who holds the advisory lock (status reads it)."""
        far = now + timedelta(seconds=self.lease_seconds * HOLD)
        with self.db.write() as s:
            row = {
                "name": self.name,
                "holder": self.holder_id,
                "since": now,
                "renewed_at": now,
                "expires_at": far,
            }
            insert_ignore(s, Lease, [row])
            values = dict(row) if force else {"renewed_at": now, "expires_at": far}
            query = update(Lease).where(Lease.name == self.name)
            if not force:
                query = query.where(Lease.holder == self.holder_id)
            s.execute(query.values(**values))

    # --- housekeeping -----------------------------------------------------------------

    def _lost(self) -> None:
        log.warning("lease %s lost by %s", self.name, self.holder_id)
        self.held = False
        self._close()

    def _close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _key_of(name: str) -> int:
    import zlib

    return ADVISORY_KEY ^ (zlib.crc32(name.encode()) & 0x7FFF)


def current_holder(
    db: Database, name: str = SCHEDULER, now: datetime | None = None
) -> Holder | None:
    """Who holds ``name`` (None: nobody ever did).  ``alive``: on PostgreSQL
    whether the advisory lock is held now, on SQLite whether the row is unexpired."""
    now = now or utcnow()
    with db.read() as s:
        row = s.get(Lease, name)
        if row is None:
            return None
        if db.is_sqlite:
            alive = row.expires_at > now
        else:
            # PostgreSQL: the advisory lock is the truth (a killed holder's row
            # still looks fresh for a few seconds; its lock is already gone).
            key = ADVISORY_KEY if name == SCHEDULER else _key_of(name)
            alive = bool(
                s.scalar(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        "AND database = (SELECT oid FROM pg_database WHERE datname = "
                        "current_database()) AND objid = :k AND objsubid = 1"
                    ),
                    {"k": key},
                )
            )
            if alive:
                return Holder(row.name, row.holder, row.since, row.renewed_at, None, True)
        return Holder(row.name, row.holder, row.since, row.renewed_at, row.expires_at, alive)


# --- heartbeats ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Beat:
    id: str
    role: str
    host: str
    pid: int
    started_at: datetime
    last_seen: datetime
    sent: int


def beat(
    db: Database,
    process_id: str,
    *,
    role: str,
    host: str,
    pid: int,
    started_at: datetime,
    sent: int,
    now: datetime | None = None,
) -> None:
    """Record that the process is alive (insert or update its row)."""
    now = now or utcnow()
    values = {"role": role, "host": host, "pid": pid, "last_seen": now, "sent": sent}
    with db.write() as s:
        insert_ignore(s, ProcessBeat, [{"id": process_id, "started_at": started_at, **values}])
        s.execute(
            update(ProcessBeat)
            .where(ProcessBeat.id == process_id)
            .values(started_at=started_at, **values)
        )


def forget(db: Database, process_id: str) -> None:
    """A clean stop: the process is gone, not dead."""
    with db.write() as s:
        s.execute(delete(ProcessBeat).where(ProcessBeat.id == process_id))


# A killed process's beat stays this long, so an operator sees it in ``status`` as dead.
DEAD_BEATS_KEPT = timedelta(days=1)


def purge_dead(db: Database, older_than: timedelta, now: datetime | None = None) -> int:
    """Forget processes not seen for longer than ``older_than`` (killed, never
    stopped cleanly); returns how many.  The scheduler runs this periodically."""
    now = now or utcnow()
    with db.write() as s:
        gone = s.execute(delete(ProcessBeat).where(ProcessBeat.last_seen < now - older_than))
        return rowcount(gone)


def beats(db: Database) -> list[Beat]:
    with db.read() as s:
        rows = s.scalars(select(ProcessBeat).order_by(ProcessBeat.role, ProcessBeat.id)).all()
        return [Beat(r.id, r.role, r.host, r.pid, r.started_at, r.last_seen, r.sent) for r in rows]
