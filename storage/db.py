"""Engine, sessions and schema upgrades, for SQLite (default) and PostgreSQL.

SQLite is tuned for one busy process: WAL journal (readers never block the
writer), a busy timeout, foreign keys on.  Write transactions start with
``BEGIN IMMEDIATE``: a deferred transaction that reads and then writes can hit
SQLITE_BUSY_SNAPSHOT *without* waiting for the busy timeout (measured with 50
tasks × 20 select-then-insert transactions in WAL mode: 882 of 1,000 failed
with "database is locked" at once, none with ``BEGIN IMMEDIATE``; the WAL
upgrade deadlock Simon Willison wrote about in February 2025).

Within one process, SQLite writers also queue on a lock of their own (the
*write gate*): SQLite's busy handler only re-tries every 100 ms, so a heartbeat
or lease renewal waiting behind a poll stored in back-to-back short batches
could miss many of the gaps between them; a thread waiting on the gate gets the
next gap at once.  Other processes still wait through the busy timeout, which
short write transactions (``storage.ingest``) keep far below its 10 s.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import CursorResult, Engine, Result, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session as Session  # re-exported: bot/ names it, SQL stays here
from sqlalchemy.orm import sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT = 10.0  # s a SQLite writer waits for the lock (the write gate too) before failing
PG_CONNECT_TIMEOUT = 10  # seconds; a firewalled host would otherwise hang `run` for minutes


class DatabaseUnavailable(Exception):
    """The database cannot be opened (driver missing, server unreachable, file not
    creatable); the message says what is wrong and what to do, in one line."""


def safe_url(url: str) -> str:
    """The URL as an operator may see it in a log: the password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not even a URL: show nothing of it
        return "(unparsable URL)"


def backend_name(url: str) -> str:
    """The database kind of a URL: "sqlite", "postgresql"..."""
    return make_url(url).get_backend_name()


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def libpq_url(url: str) -> str:
    """A PostgreSQL URL as libpq tools (pg_dump, psql) take it: no driver, no password."""
    return (
        make_url(url)
        .set(drivername="postgresql", password=None)
        .render_as_string(hide_password=False)
    )


def normalize_url(url: str) -> str:
    """Pick our drivers: psycopg 3 for PostgreSQL; create a SQLite file's folder."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return parsed.render_as_string(hide_password=False)


def _sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """One database, opened from a URL; sessions for reading and for writing."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        try:
            self.url = normalize_url(url)
        except OSError as exc:  # the SQLite file's folder cannot be created
            raise DatabaseUnavailable(
                f"cannot create the folder of {safe_url(url)}: {exc.strerror}"
            ) from None
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        backend = make_url(self.url).get_backend_name()
        if backend == "sqlite":
            # Threads share the pool (the bot runs blocking DB calls in worker threads).
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT}
        else:
            kwargs["pool_pre_ping"] = True
            kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT}
        try:
            self.engine = create_engine(self.url, **kwargs)
        except ImportError as exc:  # the dialect imports its driver here
            raise DatabaseUnavailable(_missing_driver(self.url, exc)) from None
        self.is_sqlite = backend == "sqlite"
        if self.is_sqlite:
            _sqlite_hooks(self.engine)
        # Re-entrant: a write opened inside another on the same thread fails on
        # SQLite's own lock (busy timeout) as before, rather than deadlocking here.
        self._write_gate = threading.RLock() if self.is_sqlite else None
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(writer, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries; rolled back at the end."""
        with self._read() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose work is committed at the end, or rolled back on error."""
        with self._gate(), self._write() as session, session.begin():
            yield session

    @contextmanager
    def _gate(self) -> Iterator[None]:
        """The in-process write gate (SQLite): waits as long as SQLite's busy timeout
        would, then fails as SQLite would ("database is locked")."""
        gate = self._write_gate
        if gate is None:
            yield
            return
        if not gate.acquire(timeout=BUSY_TIMEOUT):
            from sqlalchemy.exc import OperationalError

            raise OperationalError(
                "BEGIN IMMEDIATE", {}, Exception("database is locked (write gate)")
            )
        try:
            yield
        finally:
            gate.release()

    def check_connection(self) -> None:
        """Connect once; :class:`DatabaseUnavailable` (one line) when that fails."""
        try:
            with self.engine.connect():
                pass
        except (OperationalError, InterfaceError) as exc:
            raise DatabaseUnavailable(
                f"cannot connect to {safe_url(self.url)}: {_first_line(exc.orig or exc)} "
                "(check DATABASE_URL or [bot] database_url, and that the server is running)"
            ) from None

    def schema_revisions(self) -> tuple[set[str], set[str]]:
        """(the database's Alembic revisions, the newest shipped); equal once migrated,
        the first empty in a database no start has created yet.  Changes nothing."""
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        with self.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
        return current, set(ScriptDirectory(str(MIGRATIONS)).get_heads())

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (run at every start)."""
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with self.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")

    def dispose(self) -> None:
        self.engine.dispose()


def is_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked"/"busy": another writer held the lock longer
    than the busy timeout (an expected condition, not a bug)."""
    from sqlalchemy.exc import OperationalError

    text = str(getattr(exc, "orig", exc)).lower()
    return isinstance(exc, OperationalError) and ("locked" in text or "busy" in text)


def insert_ignoring(session: Session, target: Any) -> Any:
    """An ``INSERT ... ON CONFLICT DO NOTHING`` statement for the session's engine
    (rows that would break a unique key are skipped; add ``.returning()`` to learn
    which were written)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(target).on_conflict_do_nothing()
    return sqlite.insert(target).on_conflict_do_nothing()


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched (``Session.execute`` types its result as a
    plain ``Result``; for these statements it is a ``CursorResult``, which counts)."""
    return int(cast("CursorResult[Any]", result).rowcount or 0)


def insert_ignore(session: Session, model: type, rows: list[dict[str, Any]]) -> None:
    """Insert the rows that do not exist yet, on either engine (rows that exist are kept)."""
    if rows:
        session.execute(insert_ignoring(session, model), rows)


def _first_line(exc: BaseException) -> str:
    """The driver's reason without its hints on further lines ("Is the server running…")."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _missing_driver(url: str, exc: ImportError) -> str:
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        return (
            f"the PostgreSQL driver is not installed ({exc.name or exc}): "
            "pip install 'congdoan-bot[postgres]' (or psycopg[binary]) to use "
            f"{safe_url(url)}"
        )
    return f"no driver for {safe_url(url)}: {exc}"


def open_database(url: str, *, upgrade: bool = True) -> Database:
    """Open (and by default migrate) the database; :class:`DatabaseUnavailable`
    when the driver is missing or the server cannot be reached."""
    db = Database(url)
    db.check_connection()
    if upgrade:
        db.upgrade()
    return db
