"""Data builders for tests: stories, chats and subscriptions written to a real
database as the ingest and the commands store them, and readers of what the
delivery queued.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Row, select

from bot.config import Config, DeliverySettings
from storage.db import Database
from storage.models import (
    Chat,
    Delivery,
    Item,
    Outbox,
    Source,
    Story,
    StoryEvent,
    StoryTopic,
    StoryUnit,
    Subscription,
)

TZ_NAME = "Asia/Ho_Chi_Minh"
# A fixed moment in the past: 20/11/2026 09:00 in Vietnam.
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def make_config(**delivery: object) -> Config:
    return Config(path=Path("bot_config.toml"), delivery=replace(DeliverySettings(), **delivery))


_ids = iter(range(1, 10**9))


def add_story(
    db: Database,
    title: str,
    *,
    text: str = "",
    units: tuple[tuple[str, str], ...] = (),
    ancestors: tuple[str, ...] = (),
    topics: tuple[str, ...] = (),
    events: tuple[tuple[date, str, str], ...] = (),
    links: tuple[tuple[str, str, str], ...] = (),
    first_seen: datetime = NOW,
    published: datetime | None = None,
    baseline: bool = False,
    summary: str | None = None,
) -> int:
    """A story as the ingest stores it: source(s), items, units (direct and
    ancestors), topics and events.  ``links``: (source id, source name, url)."""
    n = next(_ids)
    links = links or (("cdna", "Công đoàn Nghệ An", f"https://congdoannghean.vn/tin-{n}.html"),)
    with db.write() as s:
        for source_id, name, url in links:
            if s.get(Source, source_id) is None:
                s.add(Source(id=source_id, name=name, url=url.split("/tin")[0], kind="auto"))
        s.flush()
        story = Story(
            title=title,
            url=links[0][2],
            published_at=published or first_seen - timedelta(minutes=30),
            first_seen_at=first_seen,
            baseline=baseline,
            summary=summary,
        )
        s.add(story)
        s.flush()
        for i, (source_id, _name, url) in enumerate(links):
            s.add(
                Item(
                    source_id=source_id,
                    key=f"{n}-{i}",
                    story_id=story.id,
                    url=url,
                    canonical_url=url,
                    title=title,
                    text=text if i == 0 else None,
                    published_at=story.published_at,
                )
            )
        for uid, name in units:
            s.add(StoryUnit(story_id=story.id, unit_id=uid, name=name, direct=True))
        for uid in ancestors:
            s.add(StoryUnit(story_id=story.id, unit_id=uid, name=uid, direct=False))
        for rank, tid in enumerate(topics):
            s.add(StoryTopic(story_id=story.id, topic_id=tid, rank=rank))
        for day, kind, what in events:
            s.add(StoryEvent(story_id=story.id, date=day, kind=kind, what=what))
        return story.id


def add_chat(
    db: Database,
    chat_id: str,
    *,
    channel: str = "telegram",
    kind: str | None = None,
    language: str = "vi",
    digest_time: time | None = None,
    remind_days: str = "3,1,0",
    quiet: tuple[time, time] | None = None,
    since: datetime = NOW - timedelta(days=30),
) -> int:
    with db.write() as s:
        chat = Chat(
            channel=channel,
            chat_id=chat_id,
            kind=kind or ("group" if chat_id.startswith("-") else "private"),
            language=language,
            digest_time=digest_time,
            remind_days=remind_days,
            quiet_start=quiet[0] if quiet else None,
            quiet_end=quiet[1] if quiet else None,
            since=since,
        )
        s.add(chat)
        s.flush()
        return chat.id


def subscribe(
    db: Database,
    chat_pk: int,
    kind: str,
    value: str,
    *,
    label: str | None = None,
    include_children: bool = True,
    exclude: str = "",
) -> None:
    with db.write() as s:
        s.add(
            Subscription(
                chat_pk=chat_pk,
                kind=kind,
                value=value,
                label=label or value,
                include_children=include_children,
                exclude=exclude,
            )
        )


def outbox_rows(db: Database, chat_pk: int | None = None) -> list[Row[Any]]:
    """Outbox rows (Core rows: attribute access, no session needed), in id order."""
    table = Outbox.__table__
    with db.read() as s:
        query = select(table).order_by(table.c.id)
        if chat_pk is not None:
            query = query.where(table.c.chat_pk == chat_pk)
        return list(s.execute(query))


def deliveries(db: Database, chat_pk: int) -> dict[int, str]:
    with db.read() as s:
        rows = s.execute(
            select(Delivery.story_id, Delivery.mode).where(Delivery.chat_pk == chat_pk)
        )
        return dict(rows.all())


NGHE_AN = ("ldld-tinh-nghe-an", "LĐLĐ tỉnh Nghệ An")
DIEN_CHAU = ("cong-doan-xa-dien-chau-nghe-an", "Công đoàn xã Diễn Châu (Nghệ An)")
