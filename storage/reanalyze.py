"""Re-analyze the whole store after a taxonomy or topic change: one command."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from storage.db import Database
from storage.ingest import Analyzer, apply_analysis
from storage.models import Item, Story

BATCH = 200


def reanalyze_all(
    db: Database, analyzer: Analyzer, tz: ZoneInfo, provinces: Mapping[str, str | None]
) -> int:
    """Analyze every story again from its first item's text; returns the count.

    ``provinces`` maps a source id to its configured province.
    """
    with db.read() as session:
        ids = list(session.scalars(select(Story.id).order_by(Story.id)))
    for start in range(0, len(ids), BATCH):
        with db.write() as session:
            for story in session.scalars(
                select(Story).where(Story.id.in_(ids[start : start + BATCH]))
            ):
                item = session.scalars(
                    select(Item).where(Item.story_id == story.id).order_by(Item.id).limit(1)
                ).first()
                if item is None:
                    continue
                text = (
                    item.text
                    or session.scalars(
                        select(Item.text).where(
                            Item.content_hash == item.content_hash, Item.text.is_not(None)
                        )
                    ).first()
                    or ""
                )
                province = provinces.get(item.source_id)
                # As at ingest: an undated item is read as of its fetch.
                published = (item.published_at or item.fetched_at).astimezone(tz).date()
                analysis = analyzer(
                    item.title, text, published, item.url, province, item.description
                )
                apply_analysis(story, analysis, datetime.now(UTC))
    return len(ids)
