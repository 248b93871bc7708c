"""The daily digest: a chat's digest-mode stories, once a day at its hour.

A chat gets a digest when it turned one on (``Chat.digest_time``) or when it
went over the day's push cap (then at the default hour).  The outbox key
``digest:<chat>:<yyyy-mm-dd>`` makes a second digest for the same day
impossible, and the stories it carries are marked (``digest_sent_at``) in the
same transaction, so none is carried twice or lost.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import select, update

from bot.matching import outbox_parts, parse_clock, quiet_until
from bot.render import render_digest
from feeds.config import Config
from storage import outbox
from storage.db import Database
from storage.models import Chat, Delivery
from storage.queries import stories_by_id

log = logging.getLogger(__name__)


def digest_key(chat_pk: int, day: date) -> str:
    return f"digest:{chat_pk}:{day.isoformat()}"


def chats_due_for_digest(db: Database, now: datetime, config: Config) -> list[int]:
    """Active chats whose digest hour has come today, with stories waiting for it,
    and no digest yet today.  Late is fine (a restart at 09:00 still sends the
    07:00 digest); twice is not."""
    tz = config.tz
    local = now.astimezone(tz)
    default = parse_clock(config.delivery.digest_time)
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
        if not due:
            return []
        keys = {digest_key(pk, local.date()): pk for pk in due}
        done = set(
            s.scalars(select(outbox.Outbox.dedup_key).where(outbox.Outbox.dedup_key.in_(keys)))
        )
    return [pk for key, pk in keys.items() if key not in done]


def enqueue_digest(db: Database, chat_pk: int, day: date, config: Config, *, now: datetime) -> int:
    """Queue the chat's digest for ``day``; returns outbox rows created (0: nothing
    waiting, or already sent that day)."""
    tz = config.tz
    key = digest_key(chat_pk, day)
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
    log.info("digest chat=%d day=%s stories=%d parts=%d", chat_pk, day, len(stories), created)
    return created


def enqueue_due_digests(db: Database, config: Config, *, now: datetime) -> int:
    """Every digest due now (the scheduler calls this every minute); returns rows."""
    day = now.astimezone(config.tz).date()
    return sum(
        enqueue_digest(db, pk, day, config, now=now) for pk in chats_due_for_digest(db, now, config)
    )
