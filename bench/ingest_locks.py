"""How long a big first poll holds SQLite's write lock, and what waits behind it.

One source serves a 5,000-item RSS feed (full text in ``content:encoded``, so no
article pages) on 127.0.0.1; ``poll_round`` stores it into a fresh SQLite file
while a second thread plays the rest of ``congdoan-bot run``: it renews a row
lease (``[scale] lease_seconds`` 15) and writes a heartbeat every 0.2 s.

Printed, for the batched store (at most ``storage.ingest.STORE_BATCH`` items or
``BATCH_SECONDS`` per write transaction) and, with ``--whole``, for one
transaction per poll (the code before issue 18):

  * write transactions: how many, the longest, the 99th percentile;
  * the longest wait of a heartbeat write behind the poll, and how many failed
    (SQLite's busy timeout is 10 s);
  * lease renewals that failed (each one makes ``run`` step down);
  * the poll's wall time and items stored.

    python bench/ingest_locks.py [--items 5000] [--whole] [--no-analysis] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event

import storage.ingest as ingest
from bench.ingest import _sentences, build_feed
from bot.config import parse_config
from bot.runtime.ingest_round import poll_round
from storage import leader
from storage.db import Database, open_database
from storage.queries import count_items
from tests.support.http_server import LocalServer


class TransactionClock:
    """Durations of the write transactions (``BEGIN IMMEDIATE`` … COMMIT/ROLLBACK)."""

    def __init__(self, db: Database) -> None:
        self.durations: list[float] = []
        self._open: dict[int, float] = {}
        event.listen(db.engine, "begin", self._begin)
        event.listen(db.engine, "commit", self._end)
        event.listen(db.engine, "rollback", self._end)

    def _begin(self, conn) -> None:  # type: ignore[no-untyped-def]
        if conn.get_execution_options().get("sqlite_begin") == "IMMEDIATE":
            self._open[id(conn)] = time.perf_counter()

    def _end(self, conn) -> None:  # type: ignore[no-untyped-def]
        started = self._open.pop(id(conn), None)
        if started is not None:
            self.durations.append(time.perf_counter() - started)


class Neighbour(threading.Thread):
    """The rest of ``run``: a lease renewal and a heartbeat every 0.2 s."""

    def __init__(self, db: Database) -> None:
        super().__init__(daemon=True)
        self.db = db
        self.lease = leader.RoleLease(db, "bench-run", lease_seconds=15)
        self.waits: list[float] = []
        self.beat_failures = 0
        self.renewals_failed = 0
        self.halt = threading.Event()

    def run(self) -> None:
        self.lease.try_acquire()
        started = leader.utcnow()
        while not self.halt.wait(0.2):
            t0 = time.perf_counter()
            try:
                leader.beat(self.db, "bench-run", role="scheduler", host="bench", pid=0,
                            started_at=started, sent=0)  # fmt: skip
            except Exception:
                self.beat_failures += 1
            self.waits.append(time.perf_counter() - t0)
            if not self.lease.held:
                self.lease.try_acquire()
            elif not self.lease.renew():
                self.renewals_failed += 1


def measure(items: int, whole: bool, analysis: bool) -> dict[str, object]:
    if whole:
        ingest.STORE_BATCH = 10**9  # one transaction per poll, as before
        ingest.BATCH_SECONDS = float("inf")
    rng = random.Random(7)
    with LocalServer() as server, tempfile.TemporaryDirectory() as tmp:
        server.route("/feed.xml", build_feed(server.url("").rstrip("/"), 0, items, rng,
                                             _sentences()), content_type="application/rss+xml")  # fmt: skip
        config = parse_config(
            f'[bot]\ndatabase_url = "sqlite:///{tmp}/bench.db"\n'
            "[fetch]\nper_host_delay = 0.0\ntimeout = 60\nmax_body_bytes = 104857600\n"
            f'[[sources]]\nid = "big"\nname = "Big"\nurl = "{server.url("/feed.xml")}"\n'
            'kind = "rss"\npoll_interval = 900\n',
            Path("bench.toml"),
            {},
        )
        db = open_database(config.database_url)
        clock = TransactionClock(db)
        neighbour = Neighbour(db)
        neighbour.start()
        kwargs = {} if analysis else {"analyzer": _no_analysis}
        t0 = time.perf_counter()
        asyncio.run(poll_round(config, db, force=True, **kwargs))  # type: ignore[arg-type]
        wall = time.perf_counter() - t0
        neighbour.halt.set()
        neighbour.join()
        stored = count_items(db)
        db.dispose()
    durations = sorted(clock.durations)
    return {
        "mode": "one transaction per poll"
        if whole
        else f"batches of <= {ingest.STORE_BATCH} items / {ingest.BATCH_SECONDS} s",
        "items_stored": stored,
        "poll_seconds": round(wall, 2),
        "write_transactions": len(durations),
        "longest_write_s": round(durations[-1], 3),
        "p99_write_s": round(durations[int(0.99 * (len(durations) - 1))], 3),
        "longest_heartbeat_wait_s": round(max(neighbour.waits, default=0.0), 3),
        "heartbeat_failures": neighbour.beat_failures,
        "lease_renewals_failed": neighbour.renewals_failed,
    }


def _no_analysis(title, text, published, url, province, sapo):  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    return SimpleNamespace(summary="", units=(), topics=(), events=())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--whole", action="store_true", help="one transaction per poll (before)")
    parser.add_argument("--no-analysis", action="store_true", help="skip the Vietnamese analysis")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.items, args.whole, not args.no_analysis)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"{key:28} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
