"""Reminders before every deadline and event of a story a chat received.

For each event of a delivered story and each N of the chat's ``remind_days``
(default 3,1,0; "" turns reminders off), one message at
``config.delivery.reminder_time`` on the day N days before the event, shifted
out of the chat's quiet hours.  Keyed ``remind:<story_event_id>:<N>:<chat>``,
so each is sent once.  Never for a past date, never for a moment that was
already behind the officer when the story reached them (they saw the date
in that message).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from bot.config import Config
from bot.delivery.render import render_reminder
from bot.delivery.routing import outbox_parts, parse_clock, quiet_until
from storage import chats as store_chats
from storage import deliveries, outbox
from storage.db import Database
from storage.deliveries import reminder_key
from storage.queries import EventView, stories_by_id

log = logging.getLogger(__name__)

MAX_REMIND_DAYS = 30


def parse_days(value: str) -> list[int]:
    """ "3,1,0" -> [3, 1, 0]; junk is ignored, "" is off."""
    days = []
    for part in value.replace(";", ",").split(","):
        part = part.strip()
        if part.isdigit() and int(part) <= MAX_REMIND_DAYS:
            days.append(int(part))
    return sorted(set(days), reverse=True)


def enqueue_due_reminders(db: Database, config: Config, *, now: datetime) -> int:
    """Queue every reminder whose moment has come today; returns outbox rows created.

    Call it every few minutes: a reminder is queued at its moment (or soon
    after, if the bot was down), never on another day."""
    tz = config.tz
    local_now = now.astimezone(tz)
    today = local_now.date()
    at = parse_clock(config.delivery.reminder_time)
    send_at = datetime.combine(today, at, tz).astimezone(UTC)
    if now < send_at:
        return 0
    with db.read() as s:
        rows = deliveries.delivered_events_between(
            s, today, today + timedelta(days=MAX_REMIND_DAYS)
        )
    wanted = []
    for row in rows:
        n = (row.date - today).days
        if n not in parse_days(row.remind_days):
            continue
        if row.delivered_at is not None and row.delivered_at >= send_at:
            continue  # the story itself arrived after this reminder's moment
        if row.time is not None and datetime.combine(row.date, row.time, tz) <= local_now:
            continue  # it has already begun
        event = EventView(row.date, row.time, row.kind, row.what)
        wanted.append((event, row.event_id, row.story_id, row.chat_pk, n))
    if not wanted:
        return 0
    created = 0
    with db.write() as s:
        stories = {st.id: st for st in stories_by_id(s, sorted({w[2] for w in wanted}))}
        chats = store_chats.chats_by_pk(s, {w[3] for w in wanted})
        for event, event_id, story_id, chat_pk, n in wanted:
            key = reminder_key(event_id, n, chat_pk)
            story, chat = stories.get(story_id), chats.get(chat_pk)
            if story is None or chat is None or outbox.exists(s, key):
                continue
            message = render_reminder(event, story, n, chat.language, tz)
            created += outbox.enqueue(
                s,
                chat_pk,
                key,
                "reminder",
                outbox_parts([message], chat.channel),
                not_before=quiet_until(max(now, send_at), chat.quiet_start, chat.quiet_end, tz),
            )
    log.info("reminders queued=%d", created)
    return created
