"""Deliveries: which story is owed to which chat, and the reminders they lead to.

A ``Delivery`` row says a chat got (or will get, in its digest) a story; it is
written in the same transaction as the story's outbox rows, so a story is owed
to a chat once, whatever number of routers or subscriptions match it.  The
routing decisions (push or digest, caps, quiet hours) live in
``bot.delivery.routing``; this module only reads and writes the rows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Chat, Delivery, StoryEvent, StoryUnit


def push_key(story_id: int, chat_pk: int) -> str:
    """The outbox key of a story's push to a chat (parts add ``#p<n>``)."""
    return f"push:{story_id}:{chat_pk}"


def reminder_key(event_id: int, days: int, chat_pk: int) -> str:
    """The outbox key of the reminder ``days`` before an event, to a chat."""
    return f"remind:{event_id}:{days}:{chat_pk}"


@dataclass(frozen=True)
class RoutingChat:
    """What routing needs to know about an active chat."""

    pk: int
    channel: str
    language: str
    digest_time: time | None
    quiet_start: time | None
    quiet_end: time | None


def routing_chats(session: Session, chat_pks: Collection[int]) -> dict[int, RoutingChat]:
    """The active chats among ``chat_pks``, by primary key (inactive ones are absent)."""
    rows = session.execute(
        select(
            Chat.id,
            Chat.channel,
            Chat.language,
            Chat.digest_time,
            Chat.quiet_start,
            Chat.quiet_end,
        ).where(Chat.id.in_(list(chat_pks)), Chat.active.is_(True))
    )
    return {row[0]: RoutingChat(*row) for row in rows}


def stored_unit_ids(session: Session, story_ids: Sequence[int]) -> dict[int, set[str]]:
    """Each story's stored unit ids (ingest stores the ancestors too)."""
    out: dict[int, set[str]] = {i: set() for i in story_ids}
    rows = session.execute(
        select(StoryUnit.story_id, StoryUnit.unit_id).where(StoryUnit.story_id.in_(story_ids))
    )
    for story_id, unit_id in rows:
        out[story_id].add(unit_id)
    return out


def delivered_pairs(
    session: Session, chat_pks: Collection[int], story_ids: Collection[int]
) -> set[tuple[int, int]]:
    """(chat_pk, story_id) of the pairs already owed."""
    rows = session.execute(
        select(Delivery.chat_pk, Delivery.story_id).where(
            Delivery.chat_pk.in_(list(chat_pks)), Delivery.story_id.in_(list(story_ids))
        )
    )
    return {(chat_pk, story_id) for chat_pk, story_id in rows}


def pushes_since(session: Session, chat_pks: Collection[int], since: datetime) -> dict[int, int]:
    """Pushes owed to each chat since ``since`` (chats with none are absent)."""
    rows = session.execute(
        select(Delivery.chat_pk, func.count())
        .where(
            Delivery.chat_pk.in_(list(chat_pks)),
            Delivery.mode == "push",
            Delivery.created_at >= since,
        )
        .group_by(Delivery.chat_pk)
    )
    return {chat_pk: int(n) for chat_pk, n in rows}


def add_delivery(session: Session, chat_pk: int, story_id: int, mode: str, now: datetime) -> None:
    """Owe ``story_id`` to the chat, as a push or in its digest (``mode``)."""
    session.add(Delivery(chat_pk=chat_pk, story_id=story_id, mode=mode, created_at=now))


@dataclass(frozen=True)
class DeliveredEvent:
    """An event of a story an active chat with reminders on received."""

    event_id: int
    story_id: int
    date: date
    time: time | None
    kind: str
    what: str
    chat_pk: int
    remind_days: str
    delivered_at: datetime | None


def delivered_events_between(session: Session, start: date, end: date) -> list[DeliveredEvent]:
    """Every (event dated in [start, end], chat that received its story) pair of the
    active chats with reminders on, by date, event and chat."""
    rows = session.execute(
        select(
            StoryEvent.id,
            StoryEvent.story_id,
            StoryEvent.date,
            StoryEvent.time,
            StoryEvent.kind,
            StoryEvent.what,
            Chat.id,
            Chat.remind_days,
            Delivery.created_at,
        )
        .join(Delivery, Delivery.story_id == StoryEvent.story_id)
        .join(Chat, Chat.id == Delivery.chat_pk)
        .where(
            Chat.active.is_(True),
            Chat.remind_days != "",
            StoryEvent.date >= start,
            StoryEvent.date <= end,
        )
        .order_by(StoryEvent.date, StoryEvent.id, Chat.id)
    )
    return [DeliveredEvent(*row) for row in rows]
