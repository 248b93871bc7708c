"""SQLAlchemy 2 models: what the bot has seen, and what it understood.

* ``Source``  one polled site, with its fetch state (validators, health, schedule);
* ``Item``    one article as one source carried it (URL, title, date, clean text);
* ``SeenKey`` every identity an item is known by (canonical URL, long title), so a
  changed GUID or a tracking parameter never makes an old article new again;
* ``Story``   one piece of news, grouping the items of several sites that carry
  the same text (exact or near duplicate), with the analysis of its text:
  ``StoryUnit``, ``StoryTopic``, ``StoryEvent`` rows that queries can filter on.

Times are stored in UTC (``UTCDateTime``) and shown in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Deterministic constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every engine.

    SQLite has no time zone type: it would hand back naive values and compare
    strings, so everything is converted to UTC before it is written.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(8))  # as configured: rss | html | auto
    detected_kind: Mapped[str | None] = mapped_column(String(8))  # what "auto" resolved to
    feed_url: Mapped[str | None] = mapped_column(Text)  # autodiscovered feed
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_poll_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    baseline_done: Mapped[bool] = mapped_column(Boolean, default=False)
    items_total: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[Item]] = relationship(back_populates="source")


class Story(Base):
    __tablename__ = "stories"
    __table_args__ = (
        Index("ix_stories_first_seen", "first_seen_at"),
        Index("ix_stories_published", "published_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)  # the first item's URL
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # True for history, never pushed to anyone: items stored when their source
    # was polled for the first time, or dated well before that (storage.ingest).
    baseline: Mapped[bool] = mapped_column(Boolean, default=False)
    # Signed 64-bit SimHash of the text: recent stories within a few bits of a
    # new item are checked for near-duplication (feeds.dedup.fingerprint).
    fingerprint: Mapped[int | None] = mapped_column(BigInteger)
    summary: Mapped[str | None] = mapped_column(Text)
    analyzed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # " title sapo text " as folded words (no diacritics, lowercase), so a search
    # narrows candidates in SQL (LIKE '% phrase %') before exact matching.
    search_key: Mapped[str | None] = mapped_column(Text)

    items: Mapped[list[Item]] = relationship(back_populates="story", order_by="Item.id")
    units: Mapped[list[StoryUnit]] = relationship(
        back_populates="story", cascade="all, delete-orphan"
    )
    topics: Mapped[list[StoryTopic]] = relationship(
        back_populates="story", cascade="all, delete-orphan"
    )
    events: Mapped[list[StoryEvent]] = relationship(
        back_populates="story", cascade="all, delete-orphan", order_by="StoryEvent.date"
    )


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("source_id", "key"),
        Index("ix_items_story", "story_id"),
        Index("ix_items_content_hash", "content_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))  # sha256 of the canonical URL (stable key)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str] = mapped_column(Text)
    guid: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    description: Mapped[str | None] = mapped_column(Text)  # the sapo / feed summary
    # The clean text; NULL when it is an exact copy of an earlier item's text
    # (same content_hash), which is then not stored a second time.
    text: Mapped[str | None] = mapped_column(Text)
    credit: Mapped[str | None] = mapped_column(Text)  # "Theo Diệp Thanh - Baonghean.vn"
    content_hash: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[Source] = relationship(back_populates="items")
    story: Mapped[Story] = relationship(back_populates="items")
    attachments: Mapped[list[Attachment]] = relationship(
        order_by="Attachment.position", cascade="all, delete-orphan"
    )


class SeenKey(Base):
    """One identity of an item.  Keys are namespaced strings, hashed:

    ``url:<canonical url>`` (global: the same URL is the same article whatever
    site lists it), ``title:<source>:<folded title>``.  Older rows may hold
    ``guid:<source>:<guid>`` keys: no longer looked up, since a GUID shared by
    several articles made all but one vanish (``storage.ingest.identity_keys``).
    """

    __tablename__ = "seen_keys"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)


class StoryUnit(Base):
    __tablename__ = "story_units"

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[str] = mapped_column(String(160), primary_key=True, index=True)
    name: Mapped[str] = mapped_column(Text)
    # False for an ancestor added so "LĐLĐ tỉnh Nghệ An and its sub-units" matches.
    direct: Mapped[bool] = mapped_column(Boolean, default=True)

    story: Mapped[Story] = relationship(back_populates="units")


class StoryTopic(Base):
    __tablename__ = "story_topics"

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    rank: Mapped[int] = mapped_column(Integer, default=0)

    story: Mapped[Story] = relationship(back_populates="topics")


class StoryEvent(Base):
    __tablename__ = "story_events"
    __table_args__ = (Index("ix_story_events_date", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    time: Mapped[dt.time | None] = mapped_column(Time)
    kind: Mapped[str] = mapped_column(String(16))
    what: Mapped[str] = mapped_column(Text)

    story: Mapped[Story] = relationship(back_populates="events")


class Attachment(Base):
    """A document an item's page attached (PDF, Word, Excel), with what was read.

    Kept even when unreadable (``error``), so the story shows the link and the
    operator sees why; ``text`` joins the story's text for analysis and search.
    A URL read once is reused, not downloaded again (``etag``/``last_modified``
    make a later check a conditional GET)."""

    __tablename__ = "attachments"
    __table_args__ = (
        UniqueConstraint("item_id", "url"),
        Index("ix_attachments_url", "url"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)  # order on the page
    url: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str | None] = mapped_column(String(8))  # pdf | docx | doc | xlsx
    size: Mapped[int | None] = mapped_column(Integer)  # bytes downloaded
    pages: Mapped[int | None] = mapped_column(Integer)
    chars: Mapped[int] = mapped_column(Integer, default=0)
    method: Mapped[str | None] = mapped_column(String(16))  # text | ocr | text+ocr
    error: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- chat side: who follows what, and what is owed to them -------------------


DEFAULT_REMIND_DAYS = "3,1,0"  # days before a deadline a new chat is reminded


class Chat(Base):
    """A subscriber: one chat on one channel (a person or a group)."""

    __tablename__ = "chats"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # "telegram" | "zalo" | "console"
    chat_id: Mapped[str] = mapped_column(String(64))  # the channel's id, as text
    kind: Mapped[str] = mapped_column(
        String(16), default="private"
    )  # private|group|supergroup|channel
    title: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2), default="vi")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    inactive_reason: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # delivery failures in a row
    digest_time: Mapped[dt.time | None] = mapped_column(Time)  # None: digest off
    remind_days: Mapped[str] = mapped_column(String(32), default=DEFAULT_REMIND_DAYS)  # "": off
    quiet_start: Mapped[dt.time | None] = mapped_column(Time)
    quiet_end: Mapped[dt.time | None] = mapped_column(Time)
    # Nothing discovered before this moment is pushed to the chat: /latest is for the past.
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Shared pace (storage.outbox.claim): nothing is claimed for the chat before this,
    # so several senders keep Telegram's per-chat and per-group spacing together.
    next_send_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="chat", cascade="all, delete-orphan", order_by="Subscription.id"
    )


class CalendarLink(Base):
    """A chat's secret calendar address (``/lich``): ``{public_url}/cal/<secret>.ics``.

    One row per chat; ``/lich moi`` replaces the secret, so the old address stops
    working at once.  The secret is the only credential: it is long and random."""

    __tablename__ = "calendar_links"

    secret: Mapped[str] = mapped_column(String(64), primary_key=True)
    chat_pk: Mapped[int] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), unique=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Subscription(Base):
    """Follow a unit, a topic or keywords.  ``value``: unit id, topic id, or the
    keyword phrase as typed (normalized); ``exclude``: words after "-", comma-separated."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("chat_pk", "kind", "value"),
        Index("ix_subscriptions_kind_value", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_pk: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "unit" | "topic" | "keyword"
    value: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(Text)  # what the user sees
    include_children: Mapped[bool] = mapped_column(Boolean, default=True)
    exclude: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    chat: Mapped[Chat] = relationship(back_populates="subscriptions")


class Delivery(Base):
    """A story owed to a chat, once, whatever number of subscriptions match it."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_digest", "chat_pk", "mode", "digest_sent_at"),)

    chat_pk: Mapped[int] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[str] = mapped_column(String(8))  # "push" | "digest"
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    digest_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Outbox(Base):
    """A message to send.  Claimed with a lease and marked sent in the same row,
    so a restart resends nothing Telegram acknowledged and loses nothing queued."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedup_key"),
        Index("ix_outbox_due", "status", "not_before", "id"),
        Index("ix_outbox_chat", "chat_pk", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_pk: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    # e.g. "push:<story>:<chat>", "digest:<chat>:<yyyy-mm-dd>", "remind:<event>:<days>:<chat>"
    dedup_key: Mapped[str] = mapped_column(String(200))
    # push | digest | reminder | notice | reply (a command's answer: claimed first)
    kind: Mapped[str] = mapped_column(String(16))
    part: Mapped[int] = mapped_column(Integer, default=0)  # order within a split message
    text: Mapped[str] = mapped_column(Text)
    parse_mode: Mapped[str | None] = mapped_column(String(16))  # "HTML" or None (plain)
    buttons: Mapped[str | None] = mapped_column(Text)  # JSON [[{"text","url"|"data"}]]
    silent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|sending|sent|dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Replies only: the message a pressed button belongs to (edited in place, where
    # the channel can), and the forum topic the officer wrote in.
    edit_message_id: Mapped[str | None] = mapped_column(String(64))
    thread_id: Mapped[int | None] = mapped_column(BigInteger)


# --- scale-out: who runs the scheduler, which processes are alive -------------------


class Lease(Base):
    """A role only one process may hold (the scheduler), with its holder.

    On SQLite the row *is* the lease (it expires unless renewed); on PostgreSQL
    an advisory lock is the truth and the row only says who holds it and since
    when (``storage.leader``)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    renewed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ProcessBeat(Base):
    """A running ``run`` or ``worker`` process, as it last reported itself."""

    __tablename__ = "process_beats"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)  # worker id / holder id
    role: Mapped[str] = mapped_column(String(16))  # worker | scheduler | standby
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent: Mapped[int] = mapped_column(Integer, default=0)  # messages sent since it started


class RateBucket(Base):
    """One bot token's global pace, shared by every sending process
    (``storage.rate_limit``).  ``tat``: the earliest moment (epoch seconds) the
    next message may go out; taking n slots moves it n intervals on."""

    __tablename__ = "rate_buckets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    tat: Mapped[float] = mapped_column(Float)


class ChannelUsage(Base):
    """Messages a channel sent outside the outbox in one month (command replies,
    extra parts) and the quota warnings already given, shared by every process
    and kept across restarts (``storage.channel_usage``)."""

    __tablename__ = "channel_usage"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)  # 1st day, bot's time zone
    extra: Mapped[int] = mapped_column(Integer, default=0)
    warned: Mapped[int] = mapped_column(Integer, default=0)  # highest % level announced


# --- the operators' web console (bot/web) -------------------------------------------


class ConsoleSource(Base):
    """A source added in the web console or by ``sources import``: polled with
    bot_config.toml's sources, which win for their ids (``storage.console``)."""

    __tablename__ = "console_sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(8), default="auto")  # rss | html | auto
    poll_interval: Mapped[int] = mapped_column(Integer, default=900)
    listing_item: Mapped[str | None] = mapped_column(Text)  # CSS; set: an HTML listing
    listing_link: Mapped[str | None] = mapped_column(Text)
    listing_title: Mapped[str | None] = mapped_column(Text)
    listing_date: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SourcePause(Base):
    """A source an operator paused in the console (any source, from the file or
    the console): not polled until resumed."""

    __tablename__ = "source_pauses"

    source_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    paused_by: Mapped[str] = mapped_column(String(64))
    paused_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsoleLogin(Base):
    """A one-time login link sent by ``/console``; only the token's SHA-256 is kept."""

    __tablename__ = "console_logins"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2), default="vi")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ConsoleSession(Base):
    """A browser session of the console (the cookie's SHA-256), shared by every
    ``run`` process so a standby that takes over keeps operators logged in."""

    __tablename__ = "console_sessions"
    __table_args__ = (Index("ix_console_sessions_expires", "expires_at"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2), default="vi")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


# --- operators' alerts ----------------------------------------------------------------


class SourceAlert(Base):
    """Whether the operators have been told that a source is down (``storage.alerts``).

    One row per source that ever reached the alert threshold.  ``down_since`` is
    set, by one conditional UPDATE, in the transaction that queues the "down"
    messages, and cleared in the one that queues the "back" messages: whatever the
    number of processes or restarts, each failure episode is told once, and its
    recovery once.  ``episodes`` numbers the episodes (the messages' dedup keys)."""

    __tablename__ = "source_alerts"

    source_id: Mapped[str] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    down_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    episodes: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)  # the error the last alert named
