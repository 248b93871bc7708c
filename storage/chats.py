"""Chat and subscription queries: who follows what, and their settings.

Every function takes an open :class:`~sqlalchemy.orm.Session` (from
``Database.write()`` for changes, ``read()`` for queries) so that a command's
checks and changes happen in one transaction.  Nothing here knows a channel's
API: ``channel`` is just "telegram", "zalo"...
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, aliased

from storage.db import rowcount
from storage.models import (
    DEFAULT_REMIND_DAYS,
    Attachment,
    Chat,
    Delivery,
    Item,
    Outbox,
    Story,
    StoryEvent,
    StoryTopic,
    StoryUnit,
    Subscription,
    utcnow,
)
from storage.search import candidate_story_ids

MAX_SUBSCRIPTIONS = 50  # per chat: more is unmanageable in a chat UI (anchors-bots.md, rssbot#117)
SUBSCRIPTION_KINDS = ("unit", "topic", "keyword")


class SubscriptionLimitError(Exception):
    """The chat already follows :data:`MAX_SUBSCRIPTIONS` things."""


# --- chats -------------------------------------------------------------------


def find_chat(session: Session, channel: str, chat_id: str) -> Chat | None:
    return session.scalar(select(Chat).where(Chat.channel == channel, Chat.chat_id == chat_id))


def chats_by_pk(session: Session, chat_pks: Collection[int]) -> dict[int, Chat]:
    """The chats among ``chat_pks`` that exist, by primary key."""
    rows = session.scalars(select(Chat).where(Chat.id.in_(list(chat_pks))))
    return {chat.id: chat for chat in rows}


def has_channel(session: Session, channel: str) -> bool:
    """Whether any chat (active or not) of the channel is known."""
    return session.scalar(select(Chat.id).where(Chat.channel == channel).limit(1)) is not None


def active_chat_pks(session: Session, channel: str, *, chat_id: str | None = None) -> list[int]:
    """The active chats of a channel (only ``chat_id``'s, when given)."""
    query = select(Chat.id).where(Chat.active.is_(True), Chat.channel == channel)
    if chat_id is not None:
        query = query.where(Chat.chat_id == chat_id)
    return list(session.scalars(query))


def get_or_create_chat(
    session: Session,
    channel: str,
    chat_id: str,
    *,
    kind: str = "private",
    title: str | None = None,
    language: str = "vi",
    now: datetime | None = None,
) -> Chat:
    """The chat, created when new.  An inactive chat comes back (it said /start again):
    failures are forgotten and only news discovered from now on is pushed to it."""
    now = now or utcnow()
    chat = find_chat(session, channel, chat_id)
    if chat is None:
        chat = Chat(
            channel=channel,
            chat_id=chat_id,
            kind=kind,
            title=title,
            language=language,
            since=now,
            created_at=now,
        )
        session.add(chat)
        session.flush()
        return chat
    if not chat.active:
        chat.active = True
        chat.inactive_reason = None
        chat.failures = 0
        chat.since = now
    if title and chat.title != title:
        chat.title = title
    if kind and chat.kind != kind:
        chat.kind = kind
    return chat


def mark_inactive(session: Session, chat_pk: int, reason: str) -> int:
    """The chat is gone (blocked, kicked, not found): stop delivering to it.

    Its queue is given up (``dead``, with the reason): nothing queued could reach
    it, and an officer who comes back with /start gets news from then on.  Its
    subscriptions and settings stay, so they need not be chosen again.  The one
    behaviour for the sender (a send answered 403/400) and the chat front (the
    bot was removed).  Returns the outbox rows given up."""
    session.execute(
        update(Chat).where(Chat.id == chat_pk).values(active=False, inactive_reason=reason)
    )
    result = session.execute(
        update(Outbox)
        .where(Outbox.chat_pk == chat_pk, Outbox.status.in_(("pending", "sending")))
        .values(status="dead", lease_until=None, error=f"chat inactive: {reason}"[:500])
    )
    return rowcount(result)


def forget_chat(session: Session, chat: Chat) -> None:
    """/stop: delete the chat with its subscriptions, deliveries and queued messages."""
    # The outbox and deliveries have no ORM relationship to cascade through, and
    # ON DELETE CASCADE needs SQLite's foreign_keys pragma: delete them explicitly.
    # Subscriptions go through the ORM cascade (they may be loaded in this session).
    session.execute(delete(Outbox).where(Outbox.chat_pk == chat.id))
    session.execute(delete(Delivery).where(Delivery.chat_pk == chat.id))
    session.delete(chat)
    session.flush()


def migrate_chat(session: Session, channel: str, old_id: str, new_id: str) -> Chat | None:
    """A group became a supergroup with another id: the chat moves there, whole.

    The one behaviour for both ways Telegram tells it (the ``migrate_to_chat_id``
    service message, or a send answered "group chat was upgraded"): officers keep
    their subscriptions, settings, history and queued messages, in order.
    Usually the chat row just takes the new id.  When the supergroup is already
    known (someone used the bot there first), everything of the old chat moves
    into it (what both have is kept once; the supergroup's own settings win) and
    the old row is deleted.  Idempotent; returns the chat now at ``new_id``
    (None if neither exists)."""
    old = find_chat(session, channel, old_id)
    new = find_chat(session, channel, new_id)
    if old is None:
        return new
    if new is None:
        old.chat_id = new_id
        old.kind = "supergroup"
        session.flush()
        return old
    _merge_subscriptions(session, old, new)
    _merge_settings(old, new)
    _merge_deliveries_and_queue(session, old.id, new.id)
    forget_chat(session, old)  # only what the supergroup already had is left
    return new


def _merge_subscriptions(session: Session, old: Chat, new: Chat) -> None:
    """Old subscriptions the supergroup lacks move to it (past the cap too: a
    migration must not lose what officers follow)."""
    session.flush()
    theirs = aliased(Subscription)
    already = (
        select(theirs.id)
        .where(
            theirs.chat_pk == new.id,
            theirs.kind == Subscription.kind,
            theirs.value == Subscription.value,
        )
        .exists()
    )
    session.execute(
        update(Subscription)
        .where(Subscription.chat_pk == old.id, ~already)
        .values(chat_pk=new.id)
        .execution_options(synchronize_session=False)
    )
    # The collections loaded before the UPDATE are stale: forget_chat's cascade must
    # see only the old chat's duplicates.
    session.expire(old, ["subscriptions"])
    session.expire(new, ["subscriptions"])


def _merge_settings(old: Chat, new: Chat) -> None:
    """Settings chosen in the old group win over the defaults of a fresh chat."""
    new.digest_time = new.digest_time or old.digest_time
    if not new.quiet_start:
        new.quiet_start, new.quiet_end = old.quiet_start, old.quiet_end
    if new.remind_days == DEFAULT_REMIND_DAYS:
        new.remind_days = old.remind_days
    new.active = True
    new.inactive_reason = None
    new.failures = 0


def _merge_deliveries_and_queue(session: Session, old_pk: int, new_pk: int) -> None:
    """Deliveries and outbox rows (queued, in flight and sent: the group's pace
    counts its sent rows) move to the supergroup; a story or reminder it already
    has is owed once, so the old chat's copy of it stays behind to be deleted."""
    shared = set(
        session.scalars(
            select(Delivery.story_id).where(
                Delivery.chat_pk == old_pk,
                Delivery.story_id.in_(select(Delivery.story_id).where(Delivery.chat_pk == new_pk)),
            )
        )
    )
    session.execute(
        update(Delivery)
        .where(Delivery.chat_pk == old_pk, Delivery.story_id.not_in(shared))
        .values(chat_pk=new_pk)
    )
    new_keys = set(session.scalars(select(Outbox.dedup_key).where(Outbox.chat_pk == new_pk)))
    # Part 0 carries the message's own key, so the supergroup's keys name its messages.
    keep_behind = [
        row_id
        for row_id, key in session.execute(
            select(Outbox.id, Outbox.dedup_key).where(Outbox.chat_pk == old_pk)
        )
        if _same_message_key(key, old_pk, new_pk) in new_keys
    ]
    session.execute(
        update(Outbox)
        .where(Outbox.chat_pk == old_pk, Outbox.id.not_in(keep_behind))
        .values(chat_pk=new_pk)
    )


def _same_message_key(key: str, old_pk: int, new_pk: int) -> str:
    """The key the same push or reminder has for the other chat (``push:<story>:<chat>``,
    ``remind:<event>:<days>:<chat>``; a later part ``#p<n>`` belongs to its message);
    other keys (digests, notices) are the old chat's own."""
    base = key.partition("#")[0]
    head, _, chat = base.rpartition(":")
    if base.startswith(("push:", "remind:")) and chat == str(old_pk):
        return f"{head}:{new_pk}"
    return key


# --- subscriptions -------------------------------------------------------------


def list_subscriptions(session: Session, chat: Chat) -> list[Subscription]:
    return list(
        session.scalars(
            select(Subscription).where(Subscription.chat_pk == chat.id).order_by(Subscription.id)
        )
    )


def add_subscription(
    session: Session,
    chat: Chat,
    kind: str,
    value: str,
    label: str,
    *,
    include_children: bool = True,
    exclude: str = "",
) -> tuple[Subscription, bool]:
    """Follow something; (subscription, True) when new, (existing one, False) otherwise.

    Raises :class:`SubscriptionLimitError` when the chat is full.
    """
    if kind not in SUBSCRIPTION_KINDS:
        raise ValueError(f"unknown subscription kind {kind!r}")
    existing = session.scalar(
        select(Subscription).where(
            Subscription.chat_pk == chat.id, Subscription.kind == kind, Subscription.value == value
        )
    )
    if existing is not None:
        return existing, False
    count = session.scalar(
        select(func.count(Subscription.id)).where(Subscription.chat_pk == chat.id)
    )
    if (count or 0) >= MAX_SUBSCRIPTIONS:
        raise SubscriptionLimitError(chat.id)
    sub = Subscription(
        chat_pk=chat.id,
        kind=kind,
        value=value,
        label=label,
        include_children=include_children,
        exclude=exclude,
    )
    session.add(sub)
    session.flush()
    return sub, True


def get_subscription(session: Session, chat: Chat, sub_id: int) -> Subscription | None:
    """The chat's subscription ``sub_id`` (None when it belongs to another chat)."""
    return session.scalar(
        select(Subscription).where(Subscription.id == sub_id, Subscription.chat_pk == chat.id)
    )


def find_subscription(session: Session, chat: Chat, kind: str, value: str) -> Subscription | None:
    return session.scalar(
        select(Subscription).where(
            Subscription.chat_pk == chat.id, Subscription.kind == kind, Subscription.value == value
        )
    )


def remove_subscription(session: Session, chat: Chat, sub_id: int) -> Subscription | None:
    """Delete the chat's subscription ``sub_id``; returns what was removed, if anything."""
    sub = get_subscription(session, chat, sub_id)
    if sub is not None:
        session.delete(sub)
        session.flush()
    return sub


def set_include_children(session: Session, sub: Subscription, include: bool) -> None:
    sub.include_children = include
    session.flush()


SubscriptionRow = tuple[int, str, str, str, bool, str, datetime]


def active_subscriptions_rows(session: Session) -> list[SubscriptionRow]:
    """(chat_pk, kind, value, label, include_children, exclude, chat since) of every
    active chat, for the matching index, as Core rows: measured, 100,000 load in
    143 ms as Core tuples, 1,030 ms as ORM objects."""
    query = (
        select(
            Subscription.chat_pk,
            Subscription.kind,
            Subscription.value,
            Subscription.label,
            Subscription.include_children,
            Subscription.exclude,
            Chat.since,
        )
        .join(Chat, Chat.id == Subscription.chat_pk)
        .where(Chat.active.is_(True))
        .order_by(Subscription.chat_pk, Subscription.id)
    )
    return list(session.execute(query).all())


# --- settings ------------------------------------------------------------------


def set_digest(session: Session, chat: Chat, at: time | None) -> None:
    """Daily digest at ``at`` (local time), or off with None."""
    chat.digest_time = at
    session.flush()


def set_remind_days(session: Session, chat: Chat, days: Sequence[int]) -> None:
    """Remind N days before each deadline; an empty list turns reminders off."""
    ordered = sorted({int(d) for d in days}, reverse=True)
    chat.remind_days = ",".join(str(d) for d in ordered)
    session.flush()


def remind_days(chat: Chat) -> list[int]:
    return [int(d) for d in chat.remind_days.split(",") if d.strip()]


def set_quiet(session: Session, chat: Chat, start: time | None, end: time | None) -> None:
    """Quiet hours (pushes wait, silently, until ``end``); both None turns them off."""
    chat.quiet_start, chat.quiet_end = (start, end) if start and end else (None, None)
    session.flush()


def set_language(session: Session, chat: Chat, language: str) -> None:
    if language not in ("vi", "en"):
        raise ValueError(f"unsupported language {language!r}")
    chat.language = language
    session.flush()


# --- reading the store for commands ------------------------------------------------

_NEWEST = func.coalesce(Story.published_at, Story.first_seen_at)


def story_ids_newest(session: Session, *, limit: int) -> list[int]:
    """The newest stories, by publication time, else discovery time."""
    query = select(Story.id).order_by(_NEWEST.desc(), Story.id.desc()).limit(limit)
    return list(session.scalars(query))


def followed_keys(session: Session, chat: Chat | None) -> set[tuple[str, str]]:
    """(kind, value) of everything the chat follows."""
    if chat is None:
        return set()
    rows = session.execute(
        select(Subscription.kind, Subscription.value).where(Subscription.chat_pk == chat.id)
    )
    return {(kind, value) for kind, value in rows}


def story_ids_for_unit(
    session: Session, unit_id: str, *, include_children: bool, limit: int
) -> list[int]:
    """Newest stories about a unit (and its sub-units: ingest stores their ancestors)."""
    query = select(Story.id).join(StoryUnit, StoryUnit.story_id == Story.id)
    query = query.where(StoryUnit.unit_id == unit_id)
    if not include_children:
        query = query.where(StoryUnit.direct.is_(True))
    query = query.order_by(_NEWEST.desc(), Story.id.desc()).limit(limit)
    return list(session.scalars(query))


def story_ids_for_topic(session: Session, topic_id: str, *, limit: int) -> list[int]:
    query = (
        select(Story.id)
        .join(StoryTopic, StoryTopic.story_id == Story.id)
        .where(StoryTopic.topic_id == topic_id)
        .order_by(_NEWEST.desc(), Story.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class StoryText:
    """What keyword filters read: the title and every text the story's items carry."""

    id: int
    title: str
    text: str


def story_texts(
    session: Session, *, offset: int, limit: int, phrases: Sequence[str] = ()
) -> list[StoryText]:
    """A page of stories, newest first, with their titles, sapos and texts.

    With ``phrases``, only stories whose folded search key holds them all (the
    SQL pre-filter of :mod:`storage.search`; the caller still matches exactly).
    """
    if phrases:
        ids = candidate_story_ids(session, phrases, limit=limit, offset=offset)
    else:
        ids = list(
            session.scalars(
                select(Story.id)
                .order_by(_NEWEST.desc(), Story.id.desc())
                .offset(offset)
                .limit(limit)
            )
        )
    if not ids:
        return []
    titles = dict(session.execute(select(Story.id, Story.title).where(Story.id.in_(ids))).all())
    parts: dict[int, list[str]] = {i: [] for i in ids}
    rows = session.execute(
        select(Item.story_id, Item.description, Item.text).where(Item.story_id.in_(ids))
    )
    for story_id, description, text in rows:
        parts[story_id].extend(p for p in (description, text) if p)
    documents = session.execute(  # a notice's words are often only in its document
        select(Item.story_id, Attachment.text)
        .join(Attachment, Attachment.item_id == Item.id)
        .where(Item.story_id.in_(ids), Attachment.text.is_not(None))
    )
    for story_id, text in documents:
        parts[story_id].extend([text] if text else [])
    return [StoryText(i, titles[i], "\n".join(parts[i])) for i in ids]


@dataclass(frozen=True)
class UpcomingEvent:
    """A stored event of any story, dated in a window (:func:`events_between`)."""

    event_id: int
    story_id: int
    date: date
    time: time | None
    kind: str
    what: str


def events_between(session: Session, start: date, end: date) -> list[UpcomingEvent]:
    """Stored events dated in [start, end], by date."""
    rows = session.execute(
        select(
            StoryEvent.id,
            StoryEvent.story_id,
            StoryEvent.date,
            StoryEvent.time,
            StoryEvent.kind,
            StoryEvent.what,
        )
        .where(StoryEvent.date >= start, StoryEvent.date <= end)
        .order_by(StoryEvent.date, StoryEvent.time, StoryEvent.id)
    )
    return [UpcomingEvent(*row) for row in rows]


def story_unit_ids(session: Session, story_ids: Sequence[int]) -> dict[int, list[tuple[str, bool]]]:
    """Each story's units as (unit id, direct), ancestors included."""
    out: dict[int, list[tuple[str, bool]]] = {i: [] for i in story_ids}
    if not story_ids:
        return out
    rows = session.execute(
        select(StoryUnit.story_id, StoryUnit.unit_id, StoryUnit.direct).where(
            StoryUnit.story_id.in_(list(story_ids))
        )
    )
    for story_id, unit_id, direct in rows:
        out[story_id].append((unit_id, direct))
    return out


# --- operators -----------------------------------------------------------------


@dataclass(frozen=True)
class ChatStats:
    chats_active: int
    chats_inactive: int
    subscriptions: dict[str, int]
    stories: int
    outbox: dict[str, int]
    pushes_today: int


def chat_stats(session: Session, day_start: datetime) -> ChatStats:
    """Counters for /stats; ``day_start`` is local midnight (aware)."""
    active = dict(session.execute(select(Chat.active, func.count()).group_by(Chat.active)).all())
    kinds = dict(
        session.execute(select(Subscription.kind, func.count()).group_by(Subscription.kind)).all()
    )
    outbox = dict(
        session.execute(select(Outbox.status, func.count()).group_by(Outbox.status)).all()
    )
    pushes = session.scalar(
        select(func.count(Outbox.id)).where(
            Outbox.kind == "push", Outbox.status == "sent", Outbox.sent_at >= day_start
        )
    )
    return ChatStats(
        chats_active=active.get(True, 0),
        chats_inactive=active.get(False, 0),
        subscriptions={k: kinds.get(k, 0) for k in SUBSCRIPTION_KINDS},
        stories=session.scalar(select(func.count(Story.id))) or 0,
        outbox={s: outbox.get(s, 0) for s in ("pending", "sending", "sent", "dead")},
        pushes_today=pushes or 0,
    )
