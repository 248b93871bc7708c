"""The daily digest: a chat's digest-mode stories, once a day at its hour.

A chat gets a digest when it turned one on (``Chat.digest_time``) or when it
went over the day's push cap (then at the default hour).  The outbox key
``digest:<chat>:<yyyy-mm-dd>`` makes a second digest for the same day
impossible, and the stories it carries are marked (``digest_sent_at``) in the
same transaction, so none is carried twice or lost.

Digests are built a batch of chats at a time (``BATCH`` per transaction): one
query for the chats and their waiting (chat, story) pairs, each story loaded
once per run, one rendering per distinct (stories, language, channel), one
bulk insert and one bulk update (``storage.digests``).  A single chat's digest
(``digest --now``) is the same code with a batch of one.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import date, datetime, time
from typing import Any

from bot.config import Config
from bot.delivery.render import render_digest
from bot.delivery.routing import outbox_parts, parse_clock, quiet_until
from storage import digests as store
from storage.db import Database, Session
from storage.outbox import NewMessage
from storage.queries import StoryView, stories_by_id

log = logging.getLogger(__name__)

BATCH = 500  # chats per transaction: short write locks, bounded memory
RENDERED_KEPT = 2000  # distinct digests kept for reuse (a few MB); the oldest go first
digest_key = store.digest_key


def _clock(now: datetime, config: Config) -> tuple[date, time, time]:
    """Today's local date, the local clock and the default digest hour."""
    local = now.astimezone(config.tz)
    return local.date(), local.time().replace(tzinfo=None), parse_clock(config.delivery.digest_time)


def chats_due_for_digest(db: Database, now: datetime, config: Config) -> list[int]:
    """Active chats whose digest hour has come today, with stories waiting for it,
    and no digest yet today.  Late is fine (a restart at 09:00 still sends the
    07:00 digest); twice is not."""
    day, clock, default = _clock(now, config)
    with db.read() as s:
        return store.due_chat_ids(s, now, day, clock, default)


class _Builder:
    """Stories and renderings shared by every batch of one run: many chats follow
    the same units, so their digests are the same text."""

    def __init__(self, config: Config, day: date, now: datetime) -> None:
        self.config, self.day, self.now = config, day, now
        self.today = now.astimezone(config.tz).date()
        self.stories: dict[int, StoryView] = {}
        self.rendered: dict[tuple[str, str, tuple[int, ...]], list[NewMessage]] = {}

    def load(self, s: Session, ids: Collection[int]) -> None:
        missing = sorted(set(ids) - self.stories.keys())
        for start in range(0, len(missing), store.CHUNK):
            for story in stories_by_id(s, missing[start : start + store.CHUNK]):
                self.stories[story.id] = story

    def digest(self, w: store.Waiting) -> store.Digest | None:
        # A story without items (never seen by users) cannot be shown: left waiting.
        stories = [self.stories[i] for i in w.story_ids if i in self.stories]
        if not stories:
            return None
        stories.sort(key=lambda st: (st.published or st.first_seen, st.id))
        ids = tuple(st.id for st in stories)
        key = (w.language, w.channel, ids)
        parts = self.rendered.get(key)
        if parts is None:
            if len(self.rendered) >= RENDERED_KEPT:
                del self.rendered[next(iter(self.rendered))]
            rendered = render_digest(
                self.day, stories, w.language, self.config.tz, today=self.today
            )
            parts = self.rendered[key] = outbox_parts(rendered, w.channel)
        not_before = quiet_until(self.now, w.quiet_start, w.quiet_end, self.config.tz)
        return store.Digest(w.chat_pk, self.day, parts, not_before, ids)


def _prepare(
    db: Database, builder: _Builder, **batch: Any
) -> tuple[list[store.Waiting], list[store.Digest]]:
    """Read a batch (``store.waiting_batch`` arguments) and render its digests.

    Reading and rendering hold no write lock (on SQLite the senders share the one
    writer); :func:`_commit` makes the result count only if nobody was first."""
    with db.read() as s:
        waiting = store.waiting_batch(s, builder.now, builder.day, **batch)
        builder.load(s, {i for w in waiting for i in w.story_ids})
    return waiting, [d for w in waiting if (d := builder.digest(w)) is not None]


def _commit(db: Database, built: list[store.Digest], now: datetime) -> int:
    """Queue the digests and mark their stories, in one transaction; returns rows."""
    if not built:
        return 0
    with db.write() as s:
        written = store.insert_digests(s, built)
        store.mark_carried(s, [d for d in built if d.chat_pk in written], now)
    for d in built:
        if d.chat_pk in written:
            log.info(
                "digest chat=%d day=%s stories=%d parts=%d",
                d.chat_pk,
                d.day,
                len(d.story_ids),
                written[d.chat_pk],
            )
    return sum(written.values())


def enqueue_digest(db: Database, chat_pk: int, day: date, config: Config, *, now: datetime) -> int:
    """Queue the chat's digest for ``day``; returns outbox rows created (0: nothing
    waiting, or already sent that day)."""
    builder = _Builder(config, day, now)
    _, built = _prepare(db, builder, chat_pks=[chat_pk], limit=1)
    return _commit(db, built, now)


def enqueue_due_digests(db: Database, config: Config, *, now: datetime, batch: int = BATCH) -> int:
    """Every digest due now (the scheduler calls this every minute); returns rows.

    Each batch commits on its own: a crash mid-run keeps the batches done, and
    the next tick finds the rest (their keys are not in the outbox yet)."""
    day, clock, default = _clock(now, config)
    builder = _Builder(config, day, now)
    total, after, chats = 0, 0, 0
    while True:
        waiting, built = _prepare(db, builder, due=(clock, default), after=after, limit=batch)
        if not waiting:
            break
        total += _commit(db, built, now)
        after, chats = waiting[-1].chat_pk, chats + len(waiting)
    if chats:
        log.info("digests day=%s chats=%d rows=%d", day, chats, total)
    return total
