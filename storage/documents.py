"""Attached documents: what was read from each, per item, and reuse by URL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from feeds.documents.collect import Document, KnownDocument
from storage.db import Database
from storage.models import Attachment, Item


def _to_document(row: Attachment) -> Document:
    return Document(
        url=row.url,
        label=row.label,
        content_type=row.content_type,
        size=row.size,
        kind=row.kind,
        pages=row.pages,
        method=row.method,
        text=row.text or "",
        error=row.error,
        etag=row.etag,
        last_modified=row.last_modified,
    )


def make_known_document(db: Database) -> KnownDocument:
    """``url -> Document | None``: the newest readable copy stored at that URL."""

    def known(url: str) -> Document | None:
        with db.read() as session:
            row = session.scalars(
                select(Attachment)
                .where(Attachment.url == url, Attachment.error.is_(None))
                .order_by(Attachment.id.desc())
                .limit(1)
            ).first()
            return _to_document(row) if row is not None else None

    return known


def add_documents(
    session: Session, item_id: int, documents: Sequence[Document], now: datetime
) -> None:
    """Store an item's documents, in page order."""
    for position, document in enumerate(documents):
        session.add(
            Attachment(
                item_id=item_id,
                position=position,
                url=document.url,
                label=document.label,
                content_type=document.content_type,
                kind=document.kind,
                size=document.size,
                pages=document.pages,
                chars=document.chars,
                method=document.method,
                error=document.error,
                text=document.text or None,
                etag=document.etag,
                last_modified=document.last_modified,
                fetched_at=now,
            )
        )


def story_documents(session: Session, story_ids: Sequence[int]) -> dict[int, list[Document]]:
    """Documents of each story (through its items), in item then page order."""
    rows = session.execute(
        select(Item.story_id, Attachment)
        .join(Attachment, Attachment.item_id == Item.id)
        .where(Item.story_id.in_(list(story_ids)))
        .order_by(Item.id, Attachment.position)
    ).all()
    out: dict[int, list[Document]] = {}
    for story_id, row in rows:
        docs = out.setdefault(story_id, [])
        if all(d.url != row.url for d in docs):
            docs.append(_to_document(row))
    return out
