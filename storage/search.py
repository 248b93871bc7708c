"""Search over stored stories: a folded key narrows in SQL, exact matching decides.

``stories.search_key`` holds the folded words of title, sapo and text between
spaces.  Every phrase a user searches for, folded, must occur in it as whole
words (``LIKE '% phrase %'``), which is a superset of the real matches (a query
with diacritics is then checked on exact keys by the caller).  That keeps
``/timkiem`` on a store of tens of thousands of stories a single indexed-free
scan of one column instead of reading every text into Python.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from feeds.vntext import fold_key
from storage.models import Story


def search_key(title: str | None, description: str | None, text: str | None) -> str:
    return " " + fold_key(" ".join(p for p in (title, description, text) if p)) + " "


def _like(phrase: str) -> ColumnElement[bool] | None:
    key = fold_key(phrase)
    if not key:
        return None
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Story.search_key.like(f"% {escaped} %", escape="\\")


def candidate_story_ids(
    session: Session, phrases: Sequence[str], *, limit: int, offset: int = 0
) -> list[int]:
    """Newest stories whose folded key holds every phrase (a superset of matches)."""
    conditions = [c for c in (_like(p) for p in phrases) if c is not None]
    newest = func.coalesce(Story.published_at, Story.first_seen_at)
    query = select(Story.id).where(Story.search_key.is_not(None))
    if conditions:
        query = query.where(and_(*conditions))
    query = query.order_by(newest.desc(), Story.id.desc()).offset(offset).limit(limit)
    return list(session.scalars(query))
