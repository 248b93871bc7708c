"""Digest benchmark (issue 6): 07:00 with N chats due, per-chat loop vs set queries.

Usage::

    python bench/digest.py [--chats 5000] [--stories 200] [--per-chat 10]
                           [--batch 500] [--postgres URL | --start-postgres] [--no-sqlite]
                           [--groups 0] [--new-only]

N chats (10 % Zalo, 5 % English, a quarter with quiet hours until 07:30) each
have ``--per-chat`` digest deliveries drawn at random from ``--stories``
stories (random sets: every digest differs, the worst case for sharing
renderings; ``--groups K``: chats share K sets, as officers of one union do).  The same 07:00 is then queued twice on the same data:

* ``old``: the per-chat loop this project had before issue 6 (kept below as
  the baseline): a due-chat query, then per chat a transaction with an outbox
  check, the chat, its deliveries, its stories, the insert and the update;
* ``new``: ``bot.delivery.digest.enqueue_due_digests`` (batches of set queries).

Between the two the outbox is emptied and the deliveries unmarked.  Printed
(JSON): seconds, the ratio new/old, SQL statements sent (SQLAlchemy
``before_cursor_execute``; an executemany counts once), outbox rows, and
whether both paths queued identical messages (key, text, not_before).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time as systime
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, event, insert, select, update  # noqa: E402

from bot.config import Config, DeliverySettings  # noqa: E402
from bot.delivery.digest import enqueue_due_digests  # noqa: E402
from bot.delivery.render import render_digest  # noqa: E402
from bot.delivery.routing import outbox_parts, parse_clock, quiet_until  # noqa: E402
from storage import outbox  # noqa: E402
from storage.db import Database, open_database  # noqa: E402
from storage.models import (  # noqa: E402
    Chat,
    Delivery,
    Item,
    Outbox,
    Source,
    Story,
    StoryTopic,
    StoryUnit,
)
from storage.queries import stories_by_id  # noqa: E402

TOPICS = ("thi_dua_khen_thuong", "nu_cong", "atvsld", "phap_luat", "")
UNITS = [(f"cdcs-{i}", f"Công đoàn cơ sở số {i} (Nghệ An)") for i in range(40)]
TITLES = (
    "Hội nghị tổng kết công tác công đoàn năm và triển khai nhiệm vụ",
    "Trao Mái ấm Công đoàn cho đoàn viên có hoàn cảnh khó khăn",
    "Tập huấn nghiệp vụ cho cán bộ công đoàn cơ sở",
    "Phát động Tháng Công nhân, Tháng hành động về an toàn, vệ sinh lao động",
    "Hội thi nữ công nhân viên chức lao động khéo tay",
    "Đối thoại giữa người sử dụng lao động và người lao động",
)


def config() -> Config:
    return Config(path=Path("bot_config.toml"), delivery=DeliverySettings(digest_time="07:00"))


# --- the data ------------------------------------------------------------------------


def seed(
    db: Database, chats: int, stories: int, per_chat: int, now: datetime, groups: int = 0
) -> None:
    """Chats, stories (items, units, topics) and digest deliveries, in bulk.

    ``groups`` > 0: chat c follows group c % groups, and a group's chats share one
    story set (officers of one union follow the same units); 0: every set random."""
    rng = random.Random(6)
    sets = [rng.sample(range(1, stories + 1), per_chat) for _ in range(groups)]
    seen = now - timedelta(hours=12)
    with db.write() as s:
        s.add(
            Source(
                id="cdna", name="Công đoàn Nghệ An", url="https://congdoannghean.vn", kind="auto"
            )
        )
        s.flush()
        s.execute(
            insert(Story),
            [
                {
                    "id": n + 1,
                    "title": f"{TITLES[n % len(TITLES)]} ({n + 1})",
                    "url": f"https://congdoannghean.vn/tin-{n + 1}.html",
                    "published_at": seen - timedelta(minutes=n),
                    "first_seen_at": seen,
                    "baseline": False,
                    "summary": "Nội dung tóm tắt hoạt động của công đoàn cơ sở. " * 3,
                }
                for n in range(stories)
            ],
        )
        s.execute(
            insert(Item),
            [
                {
                    "source_id": "cdna",
                    "key": f"tin-{n + 1}",
                    "story_id": n + 1,
                    "url": f"https://congdoannghean.vn/tin-{n + 1}.html",
                    "canonical_url": f"https://congdoannghean.vn/tin-{n + 1}.html",
                    "title": f"{TITLES[n % len(TITLES)]} ({n + 1})",
                    "text": "Sáng nay, Liên đoàn Lao động tỉnh tổ chức hội nghị. " * 40,
                    "published_at": seen - timedelta(minutes=n),
                }
                for n in range(stories)
            ],
        )
        s.execute(
            insert(StoryUnit),
            [
                {"story_id": n + 1, "unit_id": u, "name": name, "direct": True}
                for n in range(stories)
                for u, name in [UNITS[n % len(UNITS)]]
            ],
        )
        s.execute(
            insert(StoryTopic),
            [
                {"story_id": n + 1, "topic_id": TOPICS[n % len(TOPICS)], "rank": 0}
                for n in range(stories)
                if TOPICS[n % len(TOPICS)]
            ],
        )
        s.execute(
            insert(Chat),
            [
                {
                    "id": c + 1,
                    "channel": "zalo" if c % 10 == 3 else "telegram",
                    "chat_id": str(500_000_000 + c),
                    "kind": "private",
                    "language": "en" if c % 20 == 7 else "vi",
                    "active": True,
                    "failures": 0,
                    "digest_time": time(7, 0) if c % 3 else None,  # None: the default hour
                    "remind_days": "3,1,0",
                    "quiet_start": time(22, 0) if c % 4 == 1 else None,
                    "quiet_end": time(7, 30) if c % 4 == 1 else None,
                    "since": now - timedelta(days=30),
                    "created_at": now - timedelta(days=30),
                }
                for c in range(chats)
            ],
        )
        rows = [
            {"chat_pk": c + 1, "story_id": sid, "mode": "digest", "created_at": seen}
            for c in range(chats)
            for sid in (sets[c % groups] if groups else rng.sample(range(1, stories + 1), per_chat))
        ]
        for start in range(0, len(rows), 10_000):
            s.execute(insert(Delivery), rows[start : start + 10_000])


def reset(db: Database) -> None:
    """The same 07:00 again: no digest queued, nothing carried."""
    with db.write() as s:
        s.execute(delete(Outbox))
        s.execute(update(Delivery).values(digest_sent_at=None))


def queued(db: Database) -> set[tuple[str, str, datetime]]:
    with db.read() as s:
        rows = s.execute(select(Outbox.dedup_key, Outbox.text, Outbox.not_before))
        return {(key, text, not_before) for key, text, not_before in rows}


# --- the baseline: the per-chat loop before issue 6 ------------------------------------


def old_chats_due(db: Database, now: datetime, cfg: Config) -> list[int]:
    local = now.astimezone(cfg.tz)
    default = parse_clock(cfg.delivery.digest_time)
    with db.read() as s:
        rows = s.execute(
            select(Chat.id, Chat.digest_time)
            .where(
                Chat.active.is_(True),
                Chat.id.in_(
                    select(Delivery.chat_pk).where(
                        Delivery.mode == "digest",
                        Delivery.digest_sent_at.is_(None),
                        Delivery.created_at <= now,
                    )
                ),
            )
            .order_by(Chat.id)
        ).all()
        due = [pk for pk, at in rows if local.time().replace(tzinfo=None) >= (at or default)]
        keys = {f"digest:{pk}:{local.date().isoformat()}": pk for pk in due}
        done = set(s.scalars(select(Outbox.dedup_key).where(Outbox.dedup_key.in_(keys))))
    return [pk for key, pk in keys.items() if key not in done]


def old_enqueue_digest(db: Database, chat_pk: int, day: date, cfg: Config, now: datetime) -> int:
    tz = cfg.tz
    key = f"digest:{chat_pk}:{day.isoformat()}"
    with db.write() as s:
        if outbox.exists(s, key):
            return 0
        chat = s.get(Chat, chat_pk)
        if chat is None or not chat.active:
            return 0
        story_ids = list(
            s.scalars(
                select(Delivery.story_id).where(
                    Delivery.chat_pk == chat_pk,
                    Delivery.mode == "digest",
                    Delivery.digest_sent_at.is_(None),
                    Delivery.created_at <= now,
                )
            )
        )
        stories = stories_by_id(s, story_ids)
        if not stories:
            return 0
        stories.sort(key=lambda st: (st.published or st.first_seen, st.id))
        parts = render_digest(day, stories, chat.language, tz, today=now.astimezone(tz).date())
        created = outbox.enqueue(
            s,
            chat_pk,
            key,
            "digest",
            outbox_parts(parts, chat.channel),
            not_before=quiet_until(now, chat.quiet_start, chat.quiet_end, tz),
        )
        s.execute(
            update(Delivery)
            .where(Delivery.chat_pk == chat_pk, Delivery.story_id.in_([st.id for st in stories]))
            .values(digest_sent_at=now)
        )
    return created


def old_enqueue_due(db: Database, cfg: Config, now: datetime) -> int:
    day = now.astimezone(cfg.tz).date()
    return sum(old_enqueue_digest(db, pk, day, cfg, now) for pk in old_chats_due(db, now, cfg))


# --- measuring -----------------------------------------------------------------------


@contextmanager
def counted(db: Database) -> Iterator[list[int]]:
    box = [0]

    def count(*_args: Any) -> None:
        box[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield box
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def measure(url: str, args: argparse.Namespace) -> dict[str, Any]:
    cfg = config()
    now = datetime(2026, 11, 20, 7, 0, tzinfo=cfg.tz).astimezone(UTC)
    db = open_database(url)
    try:
        started = systime.perf_counter()
        seed(db, args.chats, args.stories, args.per_chat, now, args.groups)
        out: dict[str, Any] = {"seed_s": round(systime.perf_counter() - started, 2)}
        runs: dict[str, Any] = {}
        results = {}
        paths = {
            "old": lambda: old_enqueue_due(db, cfg, now),
            "new": lambda: enqueue_due_digests(db, cfg, now=now, batch=args.batch),
        }
        if args.new_only:
            del paths["old"]
        for name, run in paths.items():
            reset(db)
            with counted(db) as statements:
                started = systime.perf_counter()
                rows = run()
                seconds = systime.perf_counter() - started
            results[name] = queued(db)
            runs[name] = {
                "seconds": round(seconds, 3),
                "statements": statements[0],
                "outbox_rows": rows,
                "chats_per_s": round(args.chats / seconds),
            }
            print(json.dumps({name: runs[name]}), file=sys.stderr)
        out |= runs
        if args.new_only:
            return out
        out["ratio_new_over_old"] = round(runs["new"]["seconds"] / runs["old"]["seconds"], 4)
        out["statements_ratio"] = round(runs["new"]["statements"] / runs["old"]["statements"], 5)
        out["identical_messages"] = results["old"] == results["new"]
        return out
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=5000)
    parser.add_argument("--stories", type=int, default=200)
    parser.add_argument("--per-chat", type=int, default=10)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument(
        "--groups", type=int, default=0, help="chats share N story sets (0: all random)"
    )
    parser.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database")
    parser.add_argument(
        "--start-postgres", action="store_true", help="a throwaway server (tests/support)"
    )
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--new-only", action="store_true", help="skip the slow baseline")
    args = parser.parse_args()
    out: dict[str, Any] = {
        "chats": args.chats,
        "stories": args.stories,
        "per_chat": args.per_chat,
        "batch": args.batch,
        "groups": args.groups,
    }
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            out["sqlite"] = measure(f"sqlite:///{tmp}/digest.db", args)
    if args.postgres:
        out["postgresql"] = measure(args.postgres, args)
    elif args.start_postgres:
        from tests.support.postgres import postgres_server

        with postgres_server() as url:
            out["postgresql"] = measure(url, args)
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
