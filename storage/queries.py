"""Read-side queries: stories with their links, source health."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from storage.db import Database
from storage.models import Item, Source, Story


@dataclass(frozen=True)
class Link:
    source_id: str
    source_name: str
    url: str


@dataclass(frozen=True)
class EventView:
    date: date
    time: time | None
    kind: str
    what: str


@dataclass(frozen=True)
class AttachmentView:
    """A document the story's page attached, as officers and tools see it."""

    url: str
    label: str
    kind: str | None
    pages: int | None
    chars: int
    method: str | None
    error: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "url": self.url,
            "type": self.kind,
            "pages": self.pages,
            "chars": self.chars,
            "method": self.method,
            "error": self.error,
        }


@dataclass(frozen=True)
class StoryView:
    """One story as users see it: first item's title and text, every site's link."""

    id: int
    title: str
    url: str
    source_id: str
    source_name: str
    published: datetime | None
    first_seen: datetime
    text: str
    description: str | None
    summary: str | None
    links: tuple[Link, ...]
    units: tuple[tuple[str, str], ...]  # (id, name) of units named directly
    topics: tuple[str, ...]
    events: tuple[EventView, ...]
    baseline: bool
    attachments: tuple[AttachmentView, ...] = ()

    def to_json(self, tz: ZoneInfo) -> dict[str, object]:
        """The `items --json` / `poll --json` shape (keep these names: other checks read them)."""
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "source": self.source_id,
            "published": self.published.astimezone(tz).isoformat() if self.published else None,
            "text": self.text,
            "links": [{"source": link.source_id, "url": link.url} for link in self.links],
            "attachments": [a.to_json() for a in self.attachments],
            "events": [
                {
                    "date": e.date.isoformat(),
                    "time": e.time.strftime("%H:%M") if e.time else None,
                    "what": e.what,
                    "kind": e.kind,
                }
                for e in self.events
            ],
        }


def _story_query() -> Select[Any]:
    return select(Story).options(
        selectinload(Story.items).selectinload(Item.source),
        selectinload(Story.items).selectinload(Item.attachments),
        selectinload(Story.units),
        selectinload(Story.topics),
        selectinload(Story.events),
    )


def _view(story: Story) -> StoryView:
    items = story.items
    first = items[0]
    text = next((i.text for i in items if i.text), "") or ""
    return StoryView(
        id=story.id,
        title=story.title,
        url=story.url,
        source_id=first.source_id,
        source_name=first.source.name,
        published=story.published_at,
        first_seen=story.first_seen_at,
        text=text,
        description=first.description,
        summary=story.summary,
        links=tuple(Link(i.source_id, i.source.name, i.url) for i in items),
        units=tuple((u.unit_id, u.name) for u in story.units if u.direct),
        topics=tuple(t.topic_id for t in sorted(story.topics, key=lambda t: t.rank)),
        events=tuple(EventView(e.date, e.time, e.kind, e.what) for e in story.events),
        baseline=story.baseline,
        attachments=_attachments(items),
    )


def _attachments(items: Sequence[Item]) -> tuple[AttachmentView, ...]:
    """Every site's documents, each URL once, in item then page order."""
    seen: dict[str, AttachmentView] = {}
    for item in items:
        for a in item.attachments:
            seen.setdefault(
                a.url, AttachmentView(a.url, a.label, a.kind, a.pages, a.chars, a.method, a.error)
            )
    return tuple(seen.values())


def stories_by_id(session: Session, ids: Sequence[int]) -> list[StoryView]:
    if not ids:
        return []
    rows = session.scalars(_story_query().where(Story.id.in_(list(ids)))).all()
    by_id = {s.id: _view(s) for s in rows if s.items}
    return [by_id[i] for i in ids if i in by_id]


def latest_stories(db: Database, limit: int = 20, offset: int = 0) -> list[StoryView]:
    """Newest first: by publication time, else by discovery time."""
    order = func.coalesce(Story.published_at, Story.first_seen_at).desc()
    with db.read() as session:
        rows = session.scalars(
            _story_query().order_by(order, Story.id.desc()).limit(limit).offset(offset)
        ).all()
        return [_view(s) for s in rows if s.items]


def get_stories(db: Database, ids: Sequence[int]) -> list[StoryView]:
    with db.read() as session:
        return stories_by_id(session, ids)


@dataclass(frozen=True)
class SourceHealth:
    id: str
    name: str
    url: str
    kind: str
    detected_kind: str | None
    items_total: int
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    consecutive_failures: int
    last_error: str | None
    next_poll_at: datetime | None

    @property
    def healthy(self) -> bool:
        return self.consecutive_failures == 0


def source_health(db: Database) -> list[SourceHealth]:
    with db.read() as session:
        rows = session.scalars(select(Source).order_by(Source.id)).all()
        return [
            SourceHealth(
                r.id,
                r.name,
                r.url,
                r.kind,
                r.detected_kind,
                r.items_total,
                r.last_success_at,
                r.last_attempt_at,
                r.consecutive_failures,
                r.last_error,
                r.next_poll_at,
            )
            for r in rows
        ]


def count_stories(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count(Story.id))) or 0


def count_items(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count(Item.id))) or 0
