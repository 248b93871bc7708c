"""Scale-out benchmark (issue 6): several ``congdoan-bot worker`` processes, one database.

Usage::

    python bench/scale_out.py [--chats 5000] [--workers 4] [--rate 28.8] [--parts abcd]

Each part starts from a fresh database and a fresh standalone fake Bot API
(flood limits ON, a subprocess); the fan-out is ``bench/fanout.py``'s (N
officers following one unit, one story routed through ``route_new_stories``).

* a. ``--workers`` real ``congdoan-bot worker`` processes on one PostgreSQL
  database (a throwaway cluster, ``tests/support/postgres.py``) deliver the
  fan-out: rate on the fake's clock as a fraction of 30/s, 429s, how the
  work split, each worker's resident memory;
* b. the same, and one worker is killed with SIGKILL a third of the way in,
  then started again: chats reached (all?), duplicates, against the rows the
  dead worker held in ``sending`` at the kill (the most that can repeat);
* c. a. and b. with one worker on a SQLite file (the single-process default);
* d. ``bench/matching.py``: 100,000 subscriptions × 1,000 stories, with the
  resident memory of the process holding the index.

``--rate`` sets ``[delivery] global_rate`` (the default config says 25); the
output says which was used.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.fanout import (  # noqa: E402
    TOKEN,
    bench_config,
    config_toml,
    delivery_report,
    fake_telegram,
    get_json,
    seed_fanout,
)
from storage import outbox  # noqa: E402
from storage.db import Database, open_database  # noqa: E402
from storage.models import Outbox  # noqa: E402

LEASE = 10.0  # [scale] lease_seconds: a dead worker's rows come back within this


def rss_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


class Workers:
    """``congdoan-bot worker`` processes on one config file."""

    def __init__(self, tmp: Path, config: Path, root: str) -> None:
        self.tmp, self.config = tmp, config
        self.env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": f"{root}/bot"}  # fmt: skip
        self.env.pop("ZALO_BOT_TOKEN", None)
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(self.config), "worker", "--id", name],
            env=self.env,
            stderr=(self.tmp / f"{name}.log").open("wb"),
            cwd=ROOT,
        )

    def memory(self) -> dict[str, float | None]:
        return {name: rss_mib(p.pid) for name, p in self.procs.items() if p.poll() is None}

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def _split(db: Database) -> dict[str, int]:
    with db.read() as s:
        rows = s.execute(
            select(Outbox.claimed_by, func.count())
            .where(Outbox.status == "sent")
            .group_by(Outbox.claimed_by)
        ).all()
    return {str(k): int(n) for k, n in rows}


def _sending(db: Database, worker: str) -> int:
    with db.read() as s:
        return int(
            s.scalar(
                select(func.count()).where(Outbox.status == "sending", Outbox.claimed_by == worker)
            )
            or 0
        )


def fan_out(url: str, chats: int, workers: int, rate: float, kill: bool) -> dict[str, Any]:
    """One fan-out delivered by ``workers`` processes; optionally kill -9 one and restart it."""
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp_name:
        tmp = Path(tmp_name)
        db = open_database(url)
        out: dict[str, Any] = {"workers": workers, "global_rate": rate, "kill_9": kill}
        out |= seed_fanout(db, chats, bench_config(url, rate, LEASE))
        config = tmp / "bot_config.toml"
        config.write_text(config_toml(url, rate, LEASE), encoding="utf-8")
        with fake_telegram(limits=True) as root:
            procs = Workers(tmp, config, root)
            started = time.monotonic()
            try:
                for i in range(workers):
                    procs.start(f"w{i + 1}")
                memory: dict[str, float | None] = {}
                if kill:
                    _wait(lambda: get_json(f"{root}/_fake/stats")["sent"] >= chats // 3, 600)
                    victim = procs.procs["w1"]
                    victim.send_signal(signal.SIGKILL)
                    victim.wait()
                    out["sent_at_kill"] = get_json(f"{root}/_fake/stats")["sent"]
                    out["in_flight_at_kill"] = _sending(db, "w1")
                    procs.start("w1-restarted")
                _wait(lambda: (memory.update(procs.memory()) or True)  # type: ignore[func-returns-value]
                      and outbox.stats(db)["sent"] >= chats, chats / rate * 3 + 120)  # fmt: skip
                out["delivered_s"] = round(time.monotonic() - started, 1)
            finally:
                procs.stop()
            out |= delivery_report(root, chats)
        out["outbox"] = outbox.stats(db)
        out["sent_by"] = _split(db)
        out["worker_rss_mib"] = memory
        db.dispose()
        return out


def postgres_parts(chats: int, workers: int, rate: float, parts: str) -> dict[str, Any]:
    from tests.conftest import _reset_postgres
    from tests.support.postgres import postgres_server

    out: dict[str, Any] = {}
    with postgres_server() as url:
        for part, kill in (("a", False), ("b", True)):
            if part in parts:
                _reset_postgres(url)
                out[f"{part}_postgresql"] = fan_out(url, chats, workers, rate, kill)
                print(json.dumps({part: out[f"{part}_postgresql"]}), file=sys.stderr)
    return out


def sqlite_parts(chats: int, rate: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part, kill in (("a", False), ("b", True)):
        with tempfile.TemporaryDirectory(prefix="scale-sqlite-") as tmp:
            out[f"c{part}_sqlite"] = fan_out(f"sqlite:///{tmp}/bot.db", chats, 1, rate, kill)
            print(json.dumps({f"c{part}": out[f"c{part}_sqlite"]}), file=sys.stderr)
    return out


def matching_part() -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "matching.py")],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rate", type=float, default=28.8, help="[delivery] global_rate (≤ 30)")
    parser.add_argument("--parts", default="abcd")
    args = parser.parse_args()
    out: dict[str, Any] = {"note": f"[delivery] global_rate = {args.rate}, lease {LEASE} s"}
    if "a" in args.parts or "b" in args.parts:
        out |= postgres_parts(args.chats, args.workers, args.rate, args.parts)
    if "c" in args.parts:
        out |= sqlite_parts(args.chats, args.rate)
    if "d" in args.parts:
        out["d_matching"] = matching_part()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
