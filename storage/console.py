"""What the operators' web console keeps: its sources, pauses, login links and sessions.

* **Login links** (``/console`` in chat) and **sessions** (the browser's cookie)
  are random tokens of which only the SHA-256 is stored: a copy of the
  database logs nobody in.  A link works once, within its lifetime; redeeming
  it is one conditional UPDATE, so two browsers racing for it cannot both win.
* **Console sources** are polled with bot_config.toml's; the file wins for its
  ids (:func:`merged_sources`).  A **pause** applies to any source, from the
  file or the console.
* The read side of the console's pages (items per source, subscribers by unit
  and topic, who got a story) lives here too: only ``storage`` speaks SQL.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update

from feeds.sources import ListingSelectors, SourceConfig, SourceKind
from storage.db import Database, rowcount
from storage.deliveries import push_key
from storage.models import (
    Chat,
    ConsoleLogin,
    ConsoleSession,
    ConsoleSource,
    Delivery,
    Item,
    Outbox,
    SourcePause,
    Subscription,
)

LOGIN_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=12)
_SOURCE_ID = re.compile(r"[^a-z0-9]+")


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256 in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


# --- login links and sessions ------------------------------------------------------


def issue_login(db: Database, operator: str, language: str, now: datetime | None = None) -> str:
    """A new one-time login token for ``operator`` (the link's last part)."""
    now = _now(now)
    token = secrets.token_urlsafe(32)
    with db.write() as session:
        # Forget what can never be used again, so the tables stay small.
        session.execute(delete(ConsoleLogin).where(ConsoleLogin.expires_at < now - SESSION_TTL))
        session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
        session.add(
            ConsoleLogin(
                token_hash=token_hash(token),
                operator=operator,
                language=language,
                created_at=now,
                expires_at=now + LOGIN_TTL,
            )
        )
    return token


@dataclass(frozen=True)
class Operator:
    """Who a console session belongs to."""

    id: str
    language: str
    expires_at: datetime


class LoginRefused(Exception):
    """A login link that is unknown, already used or expired (``reason`` says which)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "unknown" | "used" | "expired"


def redeem_login(db: Database, token: str, now: datetime | None = None) -> tuple[str, Operator]:
    """Use a login token once: (session token for the cookie, its operator)."""
    now = _now(now)
    digest = token_hash(token)
    with db.write() as session:
        claimed = session.execute(
            update(ConsoleLogin)
            .where(
                ConsoleLogin.token_hash == digest,
                ConsoleLogin.used_at.is_(None),
                ConsoleLogin.expires_at > now,
            )
            .values(used_at=now)
        )
        login = session.get(ConsoleLogin, digest)
        if login is None:
            raise LoginRefused("unknown")
        if rowcount(claimed) != 1:
            raise LoginRefused("used" if login.used_at is not None else "expired")
        cookie = secrets.token_urlsafe(32)
        expires = now + SESSION_TTL
        session.add(
            ConsoleSession(
                token_hash=token_hash(cookie),
                operator=login.operator,
                language=login.language,
                created_at=now,
                expires_at=expires,
            )
        )
        return cookie, Operator(login.operator, login.language, expires)


def session_operator(db: Database, cookie: str, now: datetime | None = None) -> Operator | None:
    """The operator of a live session, else None (unknown, expired or logged out)."""
    if not cookie or len(cookie) > 128:
        return None
    with db.read() as session:
        row = session.get(ConsoleSession, token_hash(cookie))
        if row is None or row.expires_at <= _now(now):
            return None
        return Operator(row.operator, row.language, row.expires_at)


def end_session(db: Database, cookie: str) -> None:
    with db.write() as session:
        session.execute(
            delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash(cookie))
        )


# --- console sources and pauses ----------------------------------------------------


def source_id_for(url: str) -> str:
    """A stable id from a URL: host and path in lowercase ASCII, '-' between words."""
    bare = re.sub(r"^[a-z]+://(www\.)?", "", url.strip().lower())
    slug = _SOURCE_ID.sub("-", bare).strip("-")
    return (slug or "source")[:64].rstrip("-")


def _to_config(row: ConsoleSource) -> SourceConfig:
    listing = None
    if row.listing_item:
        listing = ListingSelectors(
            item=row.listing_item,
            link=row.listing_link or "a",
            title=row.listing_title or None,
            date=row.listing_date or None,
        )
    kind: SourceKind = row.kind if row.kind in ("rss", "html", "auto") else "auto"  # type: ignore[assignment]
    return SourceConfig(
        id=row.id,
        name=row.name,
        url=row.url,
        kind=kind,
        poll_interval=row.poll_interval,
        listing=listing,
        extra={"origin": "console"},
    )


def console_sources(db: Database) -> list[SourceConfig]:
    with db.read() as session:
        rows = session.scalars(select(ConsoleSource).order_by(ConsoleSource.name)).all()
        return [_to_config(r) for r in rows]


def console_source(db: Database, source_id: str) -> SourceConfig | None:
    with db.read() as session:
        row = session.get(ConsoleSource, source_id)
        return _to_config(row) if row is not None else None


def save_console_source(db: Database, source: SourceConfig, now: datetime | None = None) -> bool:
    """Insert or update one console source; True when it was new."""
    now = _now(now)
    listing = source.listing
    values = {
        "name": source.name,
        "url": source.url,
        "kind": source.kind,
        "poll_interval": source.poll_interval,
        "listing_item": listing.item if listing else None,
        "listing_link": listing.link if listing else None,
        "listing_title": listing.title if listing else None,
        "listing_date": listing.date if listing else None,
        "updated_at": now,
    }
    with db.write() as session:
        row = session.get(ConsoleSource, source.id)
        if row is None:
            session.add(ConsoleSource(id=source.id, created_at=now, **values))
            return True
        for key, value in values.items():
            setattr(row, key, value)
        return False


def add_console_sources(
    db: Database, sources: Sequence[SourceConfig], now: datetime | None = None
) -> tuple[list[str], list[str]]:
    """Add sources whose id is free (OPML import): (added ids, ids already there)."""
    now = _now(now)
    added: list[str] = []
    existing: list[str] = []
    with db.write() as session:
        taken = set(session.scalars(select(ConsoleSource.id)))
        for source in sources:
            if source.id in taken:
                existing.append(source.id)
                continue
            session.add(
                ConsoleSource(
                    id=source.id, name=source.name, url=source.url, kind=source.kind,
                    poll_interval=source.poll_interval, created_at=now, updated_at=now,
                )
            )  # fmt: skip
            taken.add(source.id)
            added.append(source.id)
    return added, existing


def set_paused(db: Database, source_id: str, paused: bool, by: str) -> None:
    with db.write() as session:
        row = session.get(SourcePause, source_id)
        if paused and row is None:
            session.add(SourcePause(source_id=source_id, paused_by=by, paused_at=_now(None)))
        elif not paused and row is not None:
            session.delete(row)


def paused_ids(db: Database) -> set[str]:
    with db.read() as session:
        return set(session.scalars(select(SourcePause.source_id)))


def merged_sources(file_sources: Sequence[SourceConfig], db: Database) -> list[SourceConfig]:
    """What the poller polls: the file's sources, then the console's whose id the
    file does not use; a paused source is kept (for its health) but disabled."""
    taken = {s.id for s in file_sources}
    merged = [*file_sources, *(s for s in console_sources(db) if s.id not in taken)]
    paused = paused_ids(db)
    return [replace(s, enabled=False) if s.id in paused else s for s in merged]


# --- the pages' read side ----------------------------------------------------------


def items_since(db: Database, since: datetime) -> dict[str, int]:
    """Items each source stored since ``since`` (the sources page's "last 7 days")."""
    with db.read() as session:
        rows = session.execute(
            select(Item.source_id, func.count(Item.id))
            .where(Item.fetched_at >= since)
            .group_by(Item.source_id)
        ).all()
        return {source_id: count for source_id, count in rows}


@dataclass(frozen=True)
class FollowedRow:
    """One unit, topic or keyword phrase and the chats following it."""

    kind: str
    value: str
    label: str
    active: int
    inactive: int


@dataclass(frozen=True)
class ChatCounts:
    channel: str
    active: int
    inactive: int


def chat_counts(db: Database) -> list[ChatCounts]:
    with db.read() as session:
        rows = session.execute(
            select(Chat.channel, Chat.active, func.count(Chat.id)).group_by(
                Chat.channel, Chat.active
            )
        ).all()
    counts: dict[str, list[int]] = {}
    for channel, active, n in rows:
        counts.setdefault(channel, [0, 0])[0 if active else 1] += n
    return [ChatCounts(ch, a, i) for ch, (a, i) in sorted(counts.items())]


def followed(db: Database) -> list[FollowedRow]:
    """Every followed unit, topic and keyword phrase, most followed first."""
    with db.read() as session:
        rows = session.execute(
            select(
                Subscription.kind,
                Subscription.value,
                func.min(Subscription.label),
                Chat.active,
                func.count(Subscription.id),
            )
            .join(Chat, Chat.id == Subscription.chat_pk)
            .group_by(Subscription.kind, Subscription.value, Chat.active)
        ).all()
    labels: dict[tuple[str, str], str] = {}
    counts: dict[tuple[str, str], list[int]] = {}
    for kind, value, label, active, n in rows:
        labels.setdefault((kind, value), label)
        counts.setdefault((kind, value), [0, 0])[0 if active else 1] += n
    result = [
        FollowedRow(kind, value, labels[(kind, value)], active, inactive)
        for (kind, value), (active, inactive) in counts.items()
    ]
    return sorted(result, key=lambda r: (r.kind, -r.active, r.label))


@dataclass(frozen=True)
class Recipient:
    """A chat a story was owed to, and how far its push got."""

    channel: str
    chat_id: str
    title: str | None
    mode: str  # push | digest
    status: str | None  # the push's outbox status (pending, sent, dead), None for a digest
    sent_at: datetime | None


def story_recipients(db: Database, story_id: int, limit: int = 200) -> list[Recipient]:
    with db.read() as session:
        rows = session.execute(
            select(Chat.id, Chat.channel, Chat.chat_id, Chat.title, Delivery.mode)
            .join(Delivery, Delivery.chat_pk == Chat.id)
            .where(Delivery.story_id == story_id)
            .order_by(Chat.id)
            .limit(limit)
        ).all()
        keys = {push_key(story_id, pk): pk for pk, *_ in rows}
        sent = {
            keys[key]: (status, at)
            for key, status, at in session.execute(
                select(Outbox.dedup_key, Outbox.status, Outbox.sent_at).where(
                    Outbox.dedup_key.in_(list(keys))
                )
            )
        }
    return [
        Recipient(channel, chat_id, title, mode, *sent.get(pk, (None, None)))
        for pk, channel, chat_id, title, mode in rows
    ]
