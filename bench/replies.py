"""Reply benchmark (issue 13): a crowd of new officers is answered during a fan-out.

Usage::

    python bench/replies.py [--newcomers 1000] [--pushes 5000] [--burst 60] [--rate 28.8]
                            [--workers 2]

A throwaway PostgreSQL cluster (``tests/support/postgres.py``), the standalone
fake Bot API with Telegram's flood limits on (``bench/fanout.py``), one
``congdoan-bot run`` (scheduler holder: long polling, the handlers, its own
sender) and ``--workers`` ``congdoan-bot worker`` processes, all real
subprocesses.  ``--pushes`` officers following one unit get one story routed
to them (the fan-out queued first); then ``--newcomers`` new chats each send
``/start`` and, 3 s later, ``/dangky phát triển đoàn viên`` (their first
commands arrive evenly over ``--burst`` seconds, as a province showing the
bot's QR code at a conference).

Printed (JSON): answers received against commands sent (each reply is the
n-th message to a newcomer's chat, matched with its n-th command), 429s,
duplicates, pushes delivered, the overall pace on the fake's clock (first to
last send, all messages) as a fraction of 30/s, and reply latency (p50, p95,
max seconds from the command reaching the fake to the answer leaving the bot),
for all replies and for those answered while the fan-out still had pushes to
send.  The machine's load average is printed too: the runs share two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench.fanout import (  # noqa: E402
    CEILING,
    FIRST_CHAT,
    bench_config,
    config_toml,
    fake_telegram,
    get_json,
    seed_fanout,
)
from bench.scale_out import Workers, _wait  # noqa: E402
from storage import leader, outbox  # noqa: E402
from storage.db import Database, open_database  # noqa: E402
from storage.models import Outbox  # noqa: E402

LEASE = 10.0
FIRST_NEWCOMER = 950_000_001
SECOND_AFTER = 3.0  # s between a newcomer's /start and its /dangky
COMMANDS = ("/start", "/dangky phát triển đoàn viên")


def control(root: str, action: str, *args: object) -> Any:
    body = json.dumps({"action": action, "args": list(args), "kwargs": {}}).encode()
    request = urllib.request.Request(
        f"{root}/_fake/control", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["result"]


def crowd(root: str, newcomers: int, burst: float) -> dict[int, list[float]]:
    """Send every newcomer's two commands on schedule; returns when each was sent
    (time.monotonic(), the same system-wide clock as the fake's send times)."""
    events = sorted(
        (i * burst / newcomers + n * SECOND_AFTER, FIRST_NEWCOMER + i, text)
        for i in range(newcomers)
        for n, text in enumerate(COMMANDS)
    )
    asked: dict[int, list[float]] = defaultdict(list)
    start = time.monotonic()
    for at, chat, text in events:
        delay = start + at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        asked[chat].append(time.monotonic())
        control(root, "push_message", chat, text)
    return asked


def _quantiles(values: list[float]) -> dict[str, float | int | None]:
    if len(values) < 2:
        return {"n": len(values), "p50": None, "p95": None, "max": None}
    return {
        "n": len(values),
        "p50": round(statistics.median(values), 2),
        "p95": round(statistics.quantiles(values, n=20)[-1], 2),
        "max": round(max(values), 2),
    }


def report(root: str, asked: dict[int, list[float]], pushes: int) -> dict[str, Any]:
    sent = get_json(f"{root}/_fake/sent")
    stats = get_json(f"{root}/_fake/stats")
    times = sorted(m["time"] for m in sent)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    by_chat: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for m in sent:
        by_chat[m["chat_id"]].append(m)
    push_times = sorted(m["time"] for c, ms in by_chat.items() if c < FIRST_NEWCOMER for m in ms)
    last_push = push_times[-1] if push_times else 0.0
    latencies, during = [], []
    answered = 0
    for chat, asks in asked.items():
        got = sorted(by_chat.get(chat, []), key=lambda m: m["time"])
        for ask, reply in zip(asks, got, strict=False):
            answered += 1
            latencies.append(reply["time"] - ask)
            if reply["time"] < last_push:
                during.append(reply["time"] - ask)
    pushed = Counter(m["chat_id"] for m in sent if m["chat_id"] < FIRST_NEWCOMER)
    replies = Counter(m["chat_id"] for m in sent if m["chat_id"] >= FIRST_NEWCOMER)
    rate = (len(times) - 1) / span if span else 0.0
    return {
        "commands": sum(len(a) for a in asked.values()),
        "answered": answered,
        "extra_answers": sum(max(replies[c] - len(a), 0) for c, a in asked.items()),
        "pushes_delivered": len(set(pushed) & set(range(FIRST_CHAT, FIRST_CHAT + pushes))),
        "push_duplicates": sum(n - 1 for n in pushed.values()),
        "too_many_requests": stats["too_many_requests"],
        "sent": len(sent),
        "seconds": round(span, 1),
        "sends_per_s": round(rate, 2),
        "fraction_of_30": round(rate / CEILING, 3),
        "max_in_one_second": stats["max_per_second"],
        "reply_latency_s": _quantiles(latencies),
        "reply_latency_during_fanout_s": _quantiles(during),
    }


def queued_to_sent(db: Database) -> list[float]:
    """Seconds each reply row spent in the outbox (the rest of the latency is the
    update's way to the bot and the router's work)."""
    with db.read() as s:
        rows = s.execute(
            select(Outbox.created_at, Outbox.sent_at).where(
                Outbox.kind == outbox.REPLY, Outbox.sent_at.is_not(None)
            )
        ).all()
    return [(sent - queued).total_seconds() for queued, sent in rows]


def run(args: argparse.Namespace) -> dict[str, Any]:
    from tests.conftest import _reset_postgres
    from tests.support.postgres import postgres_server

    out: dict[str, Any] = {
        "note": f"[delivery] global_rate = {args.rate}; run + {args.workers} workers on PostgreSQL",
        "load_before": os.getloadavg(),
    }
    with postgres_server() as url, tempfile.TemporaryDirectory(prefix="replies-") as tmp_name:
        _reset_postgres(url)
        tmp = Path(args.logs or tmp_name)
        tmp.mkdir(parents=True, exist_ok=True)
        db = open_database(url)
        out |= seed_fanout(db, args.pushes, bench_config(url, args.rate, LEASE))
        config = tmp / "bot_config.toml"
        config.write_text(config_toml(url, args.rate, LEASE), encoding="utf-8")
        with fake_telegram(limits=True) as root:
            procs = Workers(tmp, config, root)
            procs.procs["run"] = _start_run(procs, config, tmp)
            try:
                held = _wait(lambda: (h := leader.current_holder(db)) is not None and h.alive, 60)
                if not held:
                    raise SystemExit("congdoan-bot run did not take the scheduler role")
                time.sleep(2.0)  # long polling started; the fan-out is under way
                for i in range(args.workers):
                    procs.start(f"w{i + 1}")
                started = time.monotonic()
                asked = crowd(root, args.newcomers, args.burst)
                total = args.pushes + 2 * args.newcomers
                done = _wait(
                    lambda: get_json(f"{root}/_fake/stats")["sent"] >= total,
                    total / args.rate * 2 + 120,
                )
                out["finished"] = done
                out["delivered_s"] = round(time.monotonic() - started, 1)
                out["load_during"] = os.getloadavg()
                time.sleep(2.0)  # a duplicate would arrive now
            finally:
                procs.stop()
            out |= report(root, asked, args.pushes)
            refused = get_json(f"{root}/_fake/stats").get("refused", [])
            if args.logs:  # what the fake saw (its clock), beside the senders' logs
                sent = get_json(f"{root}/_fake/sent")
                (tmp / "fake.json").write_text(
                    json.dumps(
                        {"sent": [[m["time"], m["chat_id"]] for m in sent], "refused": refused}
                    ),
                    encoding="utf-8",
                )
            out["refused_by"] = dict(Counter(limit for _t, _chat, limit in refused))
        out["outbox"] = outbox.stats(db)
        out["reply_queued_to_sent_s"] = _quantiles(queued_to_sent(db))
        db.dispose()
    return out


def _start_run(procs: Workers, config: Path, tmp: Path) -> Any:
    import subprocess

    return subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), "run"],
        env=procs.env,
        stderr=(tmp / "run.log").open("wb"),
        cwd=ROOT,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--newcomers", type=int, default=1000)
    parser.add_argument("--pushes", type=int, default=5000)
    parser.add_argument("--burst", type=float, default=60.0, help="seconds the /start wave spans")
    parser.add_argument("--rate", type=float, default=28.8, help="[delivery] global_rate (≤ 30)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--logs", help="keep the processes' logs in this folder")
    args = parser.parse_args()
    print(json.dumps(run(args), ensure_ascii=False))


if __name__ == "__main__":
    main()
