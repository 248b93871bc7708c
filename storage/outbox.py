"""The outbox: messages owed to chats, claimed with a lease, marked sent in place.

Delivery is at-least-once with a tiny window: a row is ``pending`` until a
sender claims it (``sending`` + ``lease_until``), then ``sent`` with Telegram's
message id in the same row.  A sender that dies mid-send leaves a ``sending``
row whose lease expires and is claimed again; a restart never resends a
``sent`` row and never loses a ``pending`` one.

Order per chat is kept by claiming, for each chat, only its earliest row (by
``not_before``, then ``id``) and only when nothing of that chat is in flight;
every retry pushes the chat's other pending rows behind the retried one.

Several senders may share the table: on PostgreSQL the chats to serve are
locked with ``FOR UPDATE SKIP LOCKED`` (a chat is served by one claimer at a
time, others skip it); on SQLite the whole claim runs inside the writer's
``BEGIN IMMEDIATE``.  Each chat's spacing (1 s private, 3 s group) is kept
across senders by ``Chat.next_send_at``, written when a send is marked and
checked by the claim; the global pace is ``storage.rate_limit``.

Replies (kind ``reply``: a command's answer, an edited menu) go through the same
table, so a 429 or a crash never loses one, but ahead of everything else: the
claim takes chats with a reply waiting first, and a chat's reply before its
pending pushes.  A fan-out thus yields its slots to officers waiting for an
answer; it resumes as soon as no reply waits.

Crash safety: a sender killed with ``kill -9`` leaves its claimed rows in
``sending``; they come back when their lease ends.  Only the rows whose send
reached Telegram but whose :func:`mark_sent` did not commit are sent twice, so
duplicates are bounded by the sends in flight at the kill (senders mark each
row as soon as its answer arrives, and claim small batches).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    desc,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from storage.db import Database, insert_ignore, rowcount
from storage.models import Chat, Outbox

PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"
REPLY = "reply"  # the kind claimed before all others


@dataclass(frozen=True)
class OutboxMessage:
    """A claimed row, with what the sender needs to know about its chat."""

    id: int
    chat_pk: int
    channel: str
    chat_id: str
    chat_kind: str
    dedup_key: str
    kind: str
    part: int
    text: str
    parse_mode: str | None
    buttons: str | None
    silent: bool
    attempts: int  # including this one
    edit_message_id: str | None = None  # replies: edit this message instead (if it can be)
    thread_id: int | None = None  # replies: the forum topic to answer in
    created_at: datetime | None = None  # when it was queued (a reply's latency)

    @property
    def is_reply(self) -> bool:
        return self.kind == REPLY

    @property
    def is_group(self) -> bool:
        return self.chat_kind in ("group", "supergroup", "channel") or self.chat_id.startswith("-")


@dataclass(frozen=True)
class NewMessage:
    """One part to enqueue."""

    text: str
    parse_mode: str | None = None  # "HTML" or None
    buttons: list[list[dict[str, str]]] | None = None
    edit_message_id: str | None = None  # replies only
    thread_id: int | None = None  # replies only


def part_key(dedup_key: str, part: int) -> str:
    """Part 0 carries the message's key itself, later parts a suffix (keys are unique)."""
    return dedup_key if part == 0 else f"{dedup_key}#p{part}"


def enqueue(
    session: Session,
    chat_pk: int,
    dedup_key: str,
    kind: str,
    parts: Sequence[NewMessage],
    *,
    not_before: datetime,
    silent: bool = False,
) -> int:
    """Queue the parts of one message; returns rows created (0 if the key was seen).

    Runs in the caller's write transaction, so a story's delivery row and its
    outbox rows commit together (a transactional outbox)."""
    parts = [p for p in parts if p.text.strip()]
    if not parts:
        return 0
    keys = [part_key(dedup_key, i) for i in range(len(parts))]
    existing = set(session.scalars(select(Outbox.dedup_key).where(Outbox.dedup_key.in_(keys))))
    if keys[0] in existing:
        return 0
    rows = [
        new_row(chat_pk, key, kind, i, part, not_before=not_before, silent=silent)
        for i, (key, part) in enumerate(zip(keys, parts, strict=True))
        if key not in existing
    ]
    # Two routers racing on the same key: the second one's rows are dropped, not an error.
    insert_ignore(session, Outbox, rows)
    return len(rows)


def new_row(
    chat_pk: int,
    dedup_key: str,
    kind: str,
    part: int,
    message: NewMessage,
    *,
    not_before: datetime,
    silent: bool = False,
) -> dict[str, object]:
    """The columns of one pending outbox row (for bulk inserts)."""
    return {
        "chat_pk": chat_pk,
        "dedup_key": dedup_key,
        "kind": kind,
        "part": part,
        "text": message.text,
        "parse_mode": message.parse_mode,
        "buttons": json.dumps(message.buttons, ensure_ascii=False) if message.buttons else None,
        "silent": silent,
        "status": PENDING,
        "attempts": 0,
        "not_before": not_before,
        "created_at": not_before,
        "edit_message_id": message.edit_message_id,
        "thread_id": message.thread_id,
    }


def queue_reply(
    db: Database,
    channel: str,
    chat_id: str,
    dedup_key: str,
    parts: Sequence[NewMessage],
    now: datetime,
) -> int | None:
    """Queue a command's answer for a chat we know (one transaction); returns rows
    created (0 when the key was seen: an update delivered twice), None when the chat
    is not stored (it asked to be forgotten: nothing of it may be written again)."""
    with db.write() as s:
        chat_pk = s.scalar(select(Chat.id).where(Chat.channel == channel, Chat.chat_id == chat_id))
        if chat_pk is None:
            return None
        return enqueue(s, chat_pk, dedup_key, REPLY, parts, not_before=now)


def exists(session: Session, dedup_key: str) -> bool:
    return session.scalar(select(Outbox.id).where(Outbox.dedup_key == dedup_key)) is not None


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(Outbox.status == PENDING, Outbox.not_before <= now),
        and_(Outbox.status == SENDING, Outbox.lease_until < now),
    )


def _pace_ok(now: datetime) -> ColumnElement[bool]:
    """The chat's own spacing allows a message now (``Chat.next_send_at``)."""
    return or_(Chat.next_send_at.is_(None), Chat.next_send_at <= now)


OVERFETCH = 3  # candidate chats per wanted one: concurrent claimers skip each other's


def claim(
    db: Database,
    worker_id: str,
    limit: int,
    lease_seconds: float,
    now: datetime,
    *,
    exclude_chats: Collection[int] = (),
    channels: Collection[str] | None = None,
    replies_only: bool = False,
) -> list[OutboxMessage]:
    """Claim up to ``limit`` due rows, at most one per chat, chats with a reply
    waiting first, then the oldest.

    A chat is claimable only when nothing of it is in flight and its
    ``next_send_at`` has come (set by :func:`mark_sent`), so senders in several
    processes keep each chat's spacing together.  ``exclude_chats``: chats the
    caller may not send to yet (its own pacing), left to other senders.
    ``channels``: only chats of these channels (None: all).  ``replies_only``: only
    chats with a reply due (the sender's express claim when a reply is queued)."""
    if limit <= 0:
        return []
    with db.write() as s:
        fetch = limit if db.is_sqlite else limit * OVERFETCH
        chat_pks = _candidate_chats(s, now, fetch, exclude_chats, channels, replies_only)
        if chat_pks and not db.is_sqlite:
            chat_pks = _lock_chats(s, chat_pks, now)[:limit]
        ids = _head_rows(s, chat_pks, now, replies_only) if chat_pks else []
        if not ids:
            return []
        _mark_claimed(s, ids, worker_id, now + timedelta(seconds=lease_seconds))
        return _claimed(s, ids)


def _in_flight(now: datetime) -> Select[Any]:
    """Chats with a row out on an unexpired lease."""
    return select(Outbox.chat_pk).where(Outbox.status == SENDING, Outbox.lease_until >= now)


def _candidate_chats(
    s: Session,
    now: datetime,
    fetch: int,
    exclude_chats: Collection[int],
    channels: Collection[str] | None,
    replies_only: bool = False,
) -> list[int]:
    """Up to ``fetch`` chats with a due row, nothing in flight and their pace
    allowing a send: those with a reply waiting first, then those waiting longest
    (lowest first row id)."""
    candidates = (
        select(
            Outbox.chat_pk,
            func.min(Outbox.id).label("first"),
            func.max(case((Outbox.kind == REPLY, 1), else_=0)).label("urgent"),
        )
        .join(Chat, Chat.id == Outbox.chat_pk)
        .where(_due(now), _pace_ok(now), Outbox.chat_pk.not_in(_in_flight(now)))
        .where(Chat.channel.in_(list(channels)) if channels is not None else true())
        .where(Outbox.kind == REPLY if replies_only else true())
        .group_by(Outbox.chat_pk)
        .order_by(desc("urgent"), "first")
        .limit(fetch + len(exclude_chats))
    )
    return [pk for pk, _, _ in s.execute(candidates) if pk not in exclude_chats][:fetch]


def _lock_chats(s: Session, chat_pks: list[int], now: datetime) -> list[int]:
    """PostgreSQL: the candidates this claimer could lock, still free, in order.

    Lock the chats, not the rows: a second claimer skips a chat being claimed and
    so can never take a later row of it out of order.  The pace is checked again
    on the locked rows: a send may have just been marked (PostgreSQL re-evaluates
    the condition on the latest version)."""
    locked = set(
        s.scalars(
            select(Chat.id)
            .where(Chat.id.in_(chat_pks), _pace_ok(now))
            .with_for_update(skip_locked=True)
        )
    )
    in_flight = _in_flight(now).where(Outbox.chat_pk.in_(locked))
    busy = set(s.scalars(in_flight)) if locked else set()
    return [pk for pk in chat_pks if pk in locked and pk not in busy]


def _head_rows(
    s: Session, chat_pks: list[int], now: datetime, replies_only: bool = False
) -> list[int]:
    """Each chat's head row (its replies first, then by ``not_before`` and id), when
    it is due."""
    rows = s.execute(
        select(Outbox.id, Outbox.chat_pk, Outbox.status, Outbox.not_before, Outbox.lease_until)
        .where(Outbox.chat_pk.in_(chat_pks), Outbox.status.in_((PENDING, SENDING)))
        .order_by(
            Outbox.chat_pk,
            case((Outbox.kind == REPLY, 0), else_=1),
            Outbox.not_before,
            Outbox.id,
        )
    ).all()
    chosen: dict[int, int] = {}
    for row_id, chat_pk, status, not_before, lease_until in rows:
        if chat_pk in chosen:
            continue
        # The chat's head row decides: if it is not due, nothing of the chat is.
        due = (status == PENDING and not_before <= now) or (
            status == SENDING and lease_until is not None and lease_until < now
        )
        chosen[chat_pk] = row_id if due else -1
    if replies_only:  # a push at a chat's head (no reply left) waits for a normal claim
        replies = set(s.scalars(select(Outbox.id).where(Outbox.id.in_(list(chosen.values())))
                                .where(Outbox.kind == REPLY)))  # fmt: skip
        return [i for i in chosen.values() if i in replies]
    return [i for i in chosen.values() if i > 0]


def _mark_claimed(s: Session, ids: list[int], worker_id: str, lease: datetime) -> None:
    s.execute(
        update(Outbox)
        .where(Outbox.id.in_(ids))
        .values(
            status=SENDING,
            lease_until=lease,
            claimed_by=worker_id,
            attempts=Outbox.attempts + 1,
        )
    )


def _claimed(s: Session, ids: list[int]) -> list[OutboxMessage]:
    result = s.execute(
        select(Outbox, Chat.channel, Chat.chat_id, Chat.kind)
        .join(Chat, Chat.id == Outbox.chat_pk)
        .where(Outbox.id.in_(ids))
        .order_by(
            case((Outbox.kind == REPLY, 0), else_=1), Outbox.id
        )  # replies take the first slots
    ).all()
    return [
        OutboxMessage(
            id=o.id,
            chat_pk=o.chat_pk,
            channel=channel,
            chat_id=chat_id,
            chat_kind=kind,
            dedup_key=o.dedup_key,
            kind=o.kind,
            part=o.part,
            text=o.text,
            parse_mode=o.parse_mode,
            buttons=o.buttons,
            silent=o.silent,
            attempts=o.attempts,
            edit_message_id=o.edit_message_id,
            thread_id=o.thread_id,
            created_at=o.created_at,
        )
        for o, channel, chat_id, kind in result
    ]


def mark_sent(
    db: Database,
    row_id: int,
    message_id: str,
    now: datetime,
    *,
    next_send_at: datetime | None = None,
    per_minute: int | None = None,
) -> None:
    """Sent: status, time and Telegram's message id in the row; the chat's failures
    reset and, with ``next_send_at``, nothing more claimed for the chat before then
    (in the same transaction, so no other sender can slip in between).

    ``per_minute`` (groups): also no more than that many sends in any 60 s, counted
    from the chat's sent rows, so every sender sees the same window."""
    with db.write() as s:
        chat_pk = s.scalar(
            update(Outbox)
            .where(Outbox.id == row_id)
            .values(status=SENT, sent_at=now, message_id=message_id, lease_until=None, error=None)
            .returning(Outbox.chat_pk)
        )
        if chat_pk is None:
            return
        if next_send_at is not None and per_minute:
            oldest = s.scalar(
                select(Outbox.sent_at)
                .where(
                    Outbox.chat_pk == chat_pk,
                    Outbox.status == SENT,
                    Outbox.sent_at > now - timedelta(seconds=60),
                )
                .order_by(Outbox.sent_at.desc())
                .offset(per_minute - 1)
                .limit(1)
            )
            if oldest is not None:  # the window is full: wait until its oldest leaves it
                next_send_at = max(next_send_at, oldest + timedelta(seconds=60))
        if next_send_at is not None:
            s.execute(
                update(Chat).where(Chat.id == chat_pk).values(failures=0, next_send_at=next_send_at)
            )
        else:
            s.execute(update(Chat).where(Chat.id == chat_pk, Chat.failures > 0).values(failures=0))


def mark_retry(
    db: Database,
    row_id: int,
    not_before: datetime,
    error: str,
    *,
    count_attempt: bool = True,
    text: str | None = None,
    parse_mode: str | None = "keep",
) -> None:
    """Back to pending at ``not_before``; the chat's later rows wait behind it.

    ``count_attempt=False`` for waits that are not failures (a 429, a moved chat),
    so a flood storm can never exhaust a message's attempts."""
    values: dict[str, object] = {
        "status": PENDING,
        "not_before": not_before,
        "lease_until": None,
        "error": error[:500],
    }
    if not count_attempt:
        values["attempts"] = Outbox.attempts - 1
    if text is not None:
        values["text"] = text
    if parse_mode != "keep":
        values["parse_mode"] = parse_mode
    with db.write() as s:
        chat_pk = s.scalar(
            update(Outbox).where(Outbox.id == row_id).values(**values).returning(Outbox.chat_pk)
        )
        if chat_pk is not None:
            _hold_chat(s, chat_pk, not_before)


def _hold_chat(s: Session, chat_pk: int, until: datetime) -> None:
    s.execute(
        update(Outbox)
        .where(Outbox.chat_pk == chat_pk, Outbox.status == PENDING, Outbox.not_before < until)
        .values(not_before=until)
    )


def pause_chat(db: Database, chat_pk: int, until: datetime) -> None:
    """Nothing more to this chat before ``until`` (its order is kept)."""
    with db.write() as s:
        _hold_chat(s, chat_pk, until)


def mark_dead(db: Database, row_id: int, error: str) -> None:
    with db.write() as s:
        s.execute(
            update(Outbox)
            .where(Outbox.id == row_id)
            .values(status=DEAD, lease_until=None, error=error[:500])
        )


def record_failure(db: Database, chat_pk: int) -> int:
    """One more delivery failure in a row for the chat; returns the count."""
    with db.write() as s:
        return int(
            s.scalar(
                update(Chat)
                .where(Chat.id == chat_pk)
                .values(failures=Chat.failures + 1)
                .returning(Chat.failures)
            )
            or 0
        )


def stats(db: Database) -> dict[str, int]:
    """Rows per status (all four keys present), for health checks and tests."""
    with db.read() as s:
        counts = dict(s.execute(select(Outbox.status, func.count()).group_by(Outbox.status)).all())
    return {status: int(counts.get(status, 0)) for status in (PENDING, SENDING, SENT, DEAD)}


def next_due(db: Database) -> datetime | None:
    """When the earliest pending row becomes due (the sender sleeps until then)."""
    with db.read() as s:
        return s.scalar(select(func.min(Outbox.not_before)).where(Outbox.status == PENDING))


@dataclass(frozen=True)
class QueueSnapshot:
    """What ``congdoan-bot status`` shows of the queue, read in one session."""

    counts: dict[str, int]  # rows per status, all four present
    due: int  # pending and due now
    oldest_pending: datetime | None  # when the oldest pending row was queued
    sent_last_minute: int
    sent_last_hour: int


def queue_snapshot(session: Session, now: datetime) -> QueueSnapshot:
    counts = dict(
        session.execute(select(Outbox.status, func.count()).group_by(Outbox.status)).all()
    )
    due = session.scalar(
        select(func.count()).where(Outbox.status == PENDING, Outbox.not_before <= now)
    )
    oldest = session.scalar(select(func.min(Outbox.created_at)).where(Outbox.status == PENDING))
    return QueueSnapshot(
        counts={status: int(counts.get(status, 0)) for status in (PENDING, SENDING, SENT, DEAD)},
        due=int(due or 0),
        oldest_pending=oldest,
        sent_last_minute=_sent_since(session, now - timedelta(seconds=60)),
        sent_last_hour=_sent_since(session, now - timedelta(seconds=3600)),
    )


def _sent_since(session: Session, since: datetime) -> int:
    query = select(func.count()).where(Outbox.status == SENT, Outbox.sent_at > since)
    return int(session.scalar(query) or 0)


def sent_to_channel_since(session: Session, channel: str, since: datetime) -> int:
    """Rows sent to the channel's chats since ``since`` (Zalo's monthly count)."""
    query = (
        select(func.count())
        .select_from(Outbox)
        .join(Chat, Chat.id == Outbox.chat_pk)
        .where(Chat.channel == channel, Outbox.status == SENT, Outbox.sent_at >= since)
    )
    return int(session.scalar(query) or 0)


def postpone_channel(db: Database, channel: str, until: datetime) -> int:
    """Nothing pending for the channel's chats goes out before ``until`` (their order
    is kept); returns the rows moved."""
    with db.write() as s:
        result = s.execute(
            update(Outbox)
            .where(
                Outbox.chat_pk.in_(select(Chat.id).where(Chat.channel == channel)),
                Outbox.status == PENDING,
                Outbox.not_before < until,
            )
            .values(not_before=until)
        )
        return rowcount(result)


@dataclass(frozen=True)
class SplitMessage:
    """A message being sent (its part 0 claimed) and its later parts still pending."""

    head: Outbox
    rest: list[Outbox]


def sending_message(session: Session, channel: str, chat_id: str) -> SplitMessage | None:
    """The chat's claimed part 0 (the message now on its way) and its pending later
    parts; None when what is being sent to the chat is not a message's first part."""
    head = session.scalar(
        select(Outbox)
        .join(Chat, Chat.id == Outbox.chat_pk)
        .where(Chat.channel == channel, Chat.chat_id == chat_id, Outbox.status == SENDING)
        .order_by(Outbox.id)
        .limit(1)
    )
    if head is None or head.part != 0:
        return None
    rest = session.scalars(
        select(Outbox)
        .where(
            Outbox.chat_pk == head.chat_pk,
            Outbox.dedup_key.like(f"{head.dedup_key}#p%"),
            Outbox.status == PENDING,
        )
        .order_by(Outbox.part)
    )
    return SplitMessage(head, list(rest))


def rewrite_parts(session: Session, message: SplitMessage, texts: Sequence[str]) -> None:
    """Give the message these texts (fewer parts than it had): part 0 and the first
    later parts take them in order, the later parts left over are deleted."""
    message.head.text = texts[0]
    for row, text in zip(message.rest, texts[1:], strict=False):
        row.text = text
    extra = [row.id for row in message.rest[len(texts) - 1 :]]
    if extra:
        session.execute(delete(Outbox).where(Outbox.id.in_(extra)))
