"""Fan-out benchmark (issue 5): one story to N subscribed chats, one sender process.

Usage::

    python bench/fanout.py [--chats 5000] [--rate 28.8] [--database URL]

A fresh SQLite database (or ``--database``) gets N private chats following one
union unit, through the real storage functions (``get_or_create_chat``,
``add_subscription``); one story of that unit is routed by
``route_new_stories`` (one outbox row per chat).  This process then sends the
queue with the real ``OutboxSender`` and ``TelegramTransport`` (a PTB ``Bot``
whose ``base_url`` is the standalone fake Bot API, flood limits ON, started as
a subprocess).

Printed (JSON): sends/s measured on the fake's own clock (first to last
send) and as a fraction of Telegram's 30/s, 429s received (the fake's
stats), chats reached and duplicates, and this process's resident memory
(VmRSS now, VmHWM peak).  ``--rate`` sets ``[delivery] global_rate``: the
default config says 25/s; this bench runs at 28.8/s unless told otherwise, and
says so in its output.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.config import Config, DeliverySettings, ScaleSettings  # noqa: E402
from bot.delivery.routing import route_new_stories  # noqa: E402
from storage.chats import add_subscription, get_or_create_chat  # noqa: E402
from storage.db import Database, open_database  # noqa: E402
from storage.models import Item, Source, Story, StoryUnit  # noqa: E402
from tests.support.fake_telegram import standalone  # noqa: E402

TOKEN = "123456:BENCH-TOKEN"
CEILING = 30.0  # Telegram's documented messages/s per bot token
UNIT = ("ldld-tinh-nghe-an", "LĐLĐ tỉnh Nghệ An")
FIRST_CHAT = 900_000_001


# --- the fake Bot API ---------------------------------------------------------------


@contextmanager
def fake_telegram(limits: bool = True) -> Iterator[str]:
    """The standalone fake (a subprocess); yields its root URL (no ``/bot``)."""
    with standalone(limits=limits, token=TOKEN) as base:
        yield base.rsplit("/bot", 1)[0]


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())


def delivery_report(root: str, chats: int) -> dict[str, Any]:
    """What the fake saw: rate on its own clock, 429s, chats reached, duplicates."""
    sent = get_json(f"{root}/_fake/sent")
    stats = get_json(f"{root}/_fake/stats")
    times = sorted(m["time"] for m in sent)
    per_chat = Counter(m["chat_id"] for m in sent)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = (len(times) - 1) / span if span else 0.0
    # The fake refuses a send when 30 others arrived in the second before it, so the
    # shortest time spanned by 31 consecutive sends is the margin left: below 1 s,
    # a 429; the further above, the more jitter the pace could still absorb.
    n = int(CEILING) + 1
    tightest = min((times[i + n - 1] - times[i] for i in range(len(times) - n + 1)), default=None)
    expected = {FIRST_CHAT + i for i in range(chats)}
    return {
        "sent": len(sent),
        "seconds": round(span, 2),
        "sends_per_s": round(rate, 2),
        "fraction_of_30": round(rate / CEILING, 3),
        "max_in_one_second": stats["max_per_second"],
        "too_many_requests": stats["too_many_requests"],
        "refused_by": dict(Counter(limit for _t, _chat, limit in stats.get("refused", []))),
        "tightest_31_sends_s": None if tightest is None else round(tightest, 4),
        "chats_reached": len(expected & set(per_chat)),
        "chats_missing": len(expected - set(per_chat)),
        "duplicates": sum(n - 1 for n in per_chat.values()),
    }


# --- the fan-out --------------------------------------------------------------------


def bench_config(database_url: str, rate: float, lease: float = 15.0) -> Config:
    return Config(
        path=Path("bench.toml"),
        database_url=database_url,
        delivery=replace(DeliverySettings(), global_rate=rate),
        scale=replace(ScaleSettings(), lease_seconds=lease),
    )


def config_toml(database_url: str, rate: float, lease: float = 15.0) -> str:
    """The same settings as a config file, for ``congdoan-bot worker`` processes."""
    return (
        f'[bot]\ndatabase_url = "{database_url}"\n'
        f"[delivery]\nglobal_rate = {rate}\n[scale]\nlease_seconds = {lease}\n"
    )


def seed_fanout(db: Database, chats: int, config: Config) -> dict[str, Any]:
    """N officers following one unit (storage.chats), one new story routed to them."""
    now = datetime.now(UTC)
    started = time.perf_counter()
    joined = now - timedelta(days=1)
    for first in range(0, chats, 500):
        with db.write() as s:
            for i in range(first, min(first + 500, chats)):
                chat = get_or_create_chat(s, "telegram", str(FIRST_CHAT + i), now=joined)
                add_subscription(s, chat, "unit", UNIT[0], UNIT[1])
    seeded = time.perf_counter() - started
    url = "https://congdoannghean.vn/tin-tuc/phat-dong-thang-cong-nhan-2026.html"
    with db.write() as s:
        if s.get(Source, "cdna") is None:
            s.add(Source(id="cdna", name="Công đoàn Nghệ An", url="https://congdoannghean.vn", kind="auto"))  # fmt: skip
            s.flush()
        title = "LĐLĐ tỉnh Nghệ An phát động Tháng Công nhân năm 2026"
        story = Story(title=title, url=url, published_at=now, first_seen_at=now)
        s.add(story)
        s.flush()
        s.add(Item(source_id="cdna", key=f"bench-{story.id}", story_id=story.id, url=url,
                   canonical_url=url, title=title, published_at=now,
                   text="Liên đoàn Lao động tỉnh Nghệ An phát động Tháng Công nhân năm 2026."))  # fmt: skip
        s.add(StoryUnit(story_id=story.id, unit_id=UNIT[0], name=UNIT[1], direct=True))
        story_id = story.id
    started = time.perf_counter()
    routed = route_new_stories(db, [story_id], config, now=now)
    return {
        "chats": chats,
        "seed_s": round(seeded, 2),
        "route_s": round(time.perf_counter() - started, 2),
        "outbox_rows": routed.outbox_rows,
    }


def memory() -> dict[str, float]:
    """This process's resident memory in MiB: now (VmRSS) and peak (VmHWM)."""
    fields = {}
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = round(int(value.split()[0]) / 1024, 1)
    fields["ru_maxrss"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return fields


async def send_all(db: Database, config: Config, root: str, timeout: float) -> dict[str, Any]:
    """Drain the outbox with one real sender through a PTB Bot."""
    from telegram import Bot

    from bot.channels.telegram.transport import TelegramTransport
    from bot.delivery.sender import OutboxSender

    async with Bot(TOKEN, base_url=f"{root}/bot") as bot:
        sender = OutboxSender(db, {"telegram": TelegramTransport(bot)}, config, worker_id="bench")
        started = time.perf_counter()
        sent = await sender.drain(timeout)
        return {
            "sender_sent": sent,
            "drain_s": round(time.perf_counter() - started, 2),
            "shared_pace": sender.shared_pace,
        }


def run(chats: int, rate: float, database_url: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="fanout-") as tmp:
        url = database_url or f"sqlite:///{tmp}/fanout.db"
        db = open_database(url)
        config = bench_config(url, rate)
        out: dict[str, Any] = {"global_rate": rate, "note": f"[delivery] global_rate = {rate}"}
        out["database"] = "sqlite" if db.is_sqlite else "postgresql"
        out |= seed_fanout(db, chats, config)
        with fake_telegram(limits=True) as root:
            out |= asyncio.run(send_all(db, config, root, timeout=chats / rate * 2 + 60))
            out |= delivery_report(root, chats)
        out["sender_memory_mib"] = memory()
        db.dispose()
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=28.8, help="[delivery] global_rate (≤ 30)")
    parser.add_argument("--database", help="a database URL instead of a fresh SQLite file")
    args = parser.parse_args()
    print(json.dumps(run(args.chats, args.rate, args.database), ensure_ascii=False))


if __name__ == "__main__":
    main()
