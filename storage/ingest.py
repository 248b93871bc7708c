"""Store what a poll found: each item once, each story once, and the source's health.

"Never twice" is decided here:

* an entry whose canonical URL or long title is already a :class:`SeenKey`
  is not new (checked before its article page is even fetched); entries of one
  poll with the same identity are merged into one, and the merge is logged.
  A GUID is no identity on its own: feeds reuse one GUID for different
  articles, so it counts only together with the link, which the URL key is;
* a new item whose text is an exact copy of a stored one (same content hash)
  joins that story and its text is not stored again;
* a new item whose text nearly matches a recent story (SimHash candidates, then
  shingle overlap) joins that story as another link;
* otherwise it starts a new story, analyzed (units, topics, events, summary).

Items stored by a source's first successful poll form its *baseline*: history
that is searchable but never pushed to anyone.  A later entry dated more than
``HISTORY_SLACK`` before the newest baseline item of its source is history too
(an archive page, a feed that lists old entries late): stored, never pushed.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feeds.dedup.fingerprint import (
    FingerprintIndex,
    content_hash,
    simhash,
    to_signed,
    to_unsigned,
)
from feeds.dedup.urls import canonical_url, digest, item_keys
from feeds.poller import Candidate, EntryRef, PollOutcome, SourceState
from feeds.sources import SourceConfig
from storage.db import Database, insert_ignore, is_busy
from storage.documents import add_documents
from storage.models import Item, SeenKey, Source, Story, StoryEvent, StoryTopic, StoryUnit
from storage.search import search_key

log = logging.getLogger(__name__)

NEAR_DUPLICATE_WINDOW = timedelta(days=30)
# A poll is stored in short write transactions (at most STORE_BATCH items, closed
# early once BATCH_SECONDS have passed), with a short pause between them, so the
# lease renewal, heartbeats, chat commands and a second poller wait a fraction
# of a second for the write lock, never the whole of a 5,000-item first poll
# (tens of seconds, which outlasted SQLite's busy timeout).  bench/ingest_locks.py
# measures it.
STORE_BATCH = 200
BATCH_SECONDS = 0.15
BATCH_PAUSE = 0.02  # s between two batches: long enough for a waiting writer to get in
# How much older than the source's newest baseline item a later entry may be
# and still be news (a site may publish a few days' backlog at once).
HISTORY_SLACK = timedelta(days=3)


class AnalysisLike(Protocol):
    summary: str
    units: Sequence[Any]  # .id, .name, .ancestors
    topics: Sequence[Any]  # .id
    events: Sequence[Any]  # .date, .time, .kind, .what


# (title, text, published date, url, province, sapo) -> analysis
Analyzer = Callable[[str, str, date | None, str | None, str | None, str | None], AnalysisLike]


@dataclass
class StoreResult:
    source_id: str
    new_items: int = 0
    new_story_ids: list[int] = field(default_factory=list)
    joined_story_ids: list[int] = field(default_factory=list)  # duplicates linked to a story
    error: str | None = None  # the database refused a write: the rest waits for the next poll


# --- sources --------------------------------------------------------------


def sync_sources(db: Database, sources: Sequence[SourceConfig]) -> None:
    """Create rows for configured sources and refresh their names and URLs."""
    with db.write() as session:
        existing = {s.id: s for s in session.scalars(select(Source))}
        for cfg in sources:
            row = existing.get(cfg.id)
            if row is None:
                session.add(Source(id=cfg.id, name=cfg.name, url=cfg.url, kind=cfg.kind))
                continue
            if row.url != cfg.url or row.kind != cfg.kind:
                # Another address or kind is another feed: forget validators and discovery.
                row.etag = row.last_modified = row.detected_kind = row.feed_url = None
            row.name, row.url, row.kind = cfg.name, cfg.url, cfg.kind


def source_state(db: Database, source_id: str) -> SourceState:
    with db.read() as session:
        row = session.get(Source, source_id)
        if row is None:
            return SourceState()
        return SourceState(
            row.etag, row.last_modified, row.detected_kind, row.feed_url, row.baseline_done
        )


def due_sources(db: Database, sources: Sequence[SourceConfig], now: datetime) -> list[SourceConfig]:
    """Enabled sources whose next poll time has come (or that never ran)."""
    with db.read() as session:
        next_at = dict(session.execute(select(Source.id, Source.next_poll_at)).all())
    return [s for s in sources if s.enabled and ((at := next_at.get(s.id)) is None or at <= now)]


def next_poll_at(db: Database, sources: Sequence[SourceConfig]) -> datetime | None:
    """When the first of the enabled sources is due (``datetime.min`` in UTC when one
    never ran); None when no source is enabled."""
    wanted = [s.id for s in sources if s.enabled]
    if not wanted:
        return None
    with db.read() as session:
        next_at = dict(session.execute(select(Source.id, Source.next_poll_at)).all())
    never = datetime.min.replace(tzinfo=UTC)
    return min(next_at.get(i) or never for i in wanted)


def identity_keys(source_id: str, url: str | None, title: str | None) -> list[str]:
    """The keys an item is known by: its canonical URL and, scoped to the source,
    its long title.  No GUID key: three entries sharing one GUID are three
    articles, and a GUID reused with the same link is already the URL key."""
    return item_keys(source_id, url, None, title)


def make_is_new(db: Database, source_id: str) -> Callable[[Sequence[EntryRef]], list[bool]]:
    """The poller's question "which of these entries are new?", answered in one query."""

    def is_new(refs: Sequence[EntryRef]) -> list[bool]:
        per_ref = [identity_keys(source_id, r.url, r.title) for r in refs]
        wanted = {k for keys in per_ref for k in keys}
        known: set[str] = set()
        with db.read() as session:
            chunk = list(wanted)
            for i in range(0, len(chunk), 500):
                known.update(
                    session.scalars(select(SeenKey.key).where(SeenKey.key.in_(chunk[i : i + 500])))
                )
        first_with: dict[str, EntryRef] = {}
        answer = []
        for ref, keys in zip(refs, per_ref, strict=True):
            earlier = next((first_with[k] for k in keys if k in first_with), None)
            stored = any(k in known for k in keys)
            if earlier is not None and not stored:  # logged once, when it is news
                _log_merge(source_id, ref, earlier)
            for key in keys:
                first_with.setdefault(key, ref)  # the same article twice in one page counts once
            answer.append(bool(keys) and earlier is None and not stored)
        return answer

    return is_new


def _log_merge(source_id: str, ref: EntryRef, earlier: EntryRef) -> None:
    same_link = canonical_url(ref.url or "") == canonical_url(earlier.url or "")
    log.info(
        "source %s: entry %.80r (%s) merged into %.80r (%s): same %s",
        source_id,
        ref.title,
        ref.url,
        earlier.title,
        earlier.url,
        "link" if same_link else "title",
    )


# --- storing a poll -----------------------------------------------------------


def store_outcome(
    db: Database,
    source: SourceConfig,
    outcome: PollOutcome,
    *,
    analyzer: Analyzer,
    tz: ZoneInfo,
    max_backoff: int = 6 * 3600,
    now: datetime | None = None,
    polled_at: datetime | None = None,
) -> StoreResult:
    """Write the poll's new items, a batch per transaction, then the source's new
    state (validators, baseline done, next poll ``poll_interval`` after
    ``polled_at``, the poll's start) with the last batch.

    Items committed before a failure stay stored (and are in the result, so they
    are routed); the source's state is not advanced, so the next poll fetches
    again and stores the rest.  A database too busy to write (SQLite's busy
    timeout) ends the store with ``result.error`` instead of an exception."""
    now = now or datetime.now(UTC)
    result = StoreResult(source.id)
    # Analysis is CPU work: do it before taking the write lock.  An undated entry is
    # read as of its fetch: for a notice just found that is its day, so "trước ngày
    # 15/12" gets its year and a reminder (the analyzer alone, given no date, keeps
    # only dates whose year the text gives, as the labelled sets do).
    analyses = {
        id(c): analyzer(
            c.title,
            c.full_text,  # the page and its attached documents
            (c.published or c.fetched_at).astimezone(tz).date(),
            c.url,
            source.province,
            c.description,
        )
        for c in outcome.candidates
        if c.full_text
    }
    with _store_lock(db):
        try:
            return _store(db, source, outcome, analyses, max_backoff, now, result, polled_at)
        except Exception as exc:
            if not is_busy(exc):
                raise
            result.error = f"database busy, {result.new_items} items stored, rest next poll: {exc}"
            log.warning("source %s: %s", source.id, result.error)
            return result


def _store(
    db: Database,
    source: SourceConfig,
    outcome: PollOutcome,
    analyses: dict[int, AnalysisLike],
    max_backoff: int,
    now: datetime,
    result: StoreResult,
    polled_at: datetime | None = None,
) -> StoreResult:
    if outcome.error:
        with db.write() as session:
            row = _source_row(session, source)
            row.last_attempt_at = now
            _record_failure(row, source, outcome, now, max_backoff)
        return result
    candidates = outcome.candidates
    baseline: bool | None = None
    newest_baseline: datetime | None = None
    done = 0
    while True:
        before = result.new_items
        with _undone_on_error(result), db.write() as session:
            row = _source_row(session, source)
            row.last_attempt_at = now
            if baseline is None:  # decided once, before this poll stored anything
                baseline = not row.baseline_done
                newest_baseline = (
                    _newest_baseline_date(session, source.id)
                    if outcome.candidates and not baseline
                    else None
                )
            index = _fingerprints(db, session, now)
            pending_fps: list[tuple[int, int, str, int | None]] = []
            deadline = time.monotonic() + BATCH_SECONDS
            for candidate in candidates[done : done + STORE_BATCH]:
                _store_candidate(
                    session,
                    index,
                    pending_fps,
                    row,
                    candidate,
                    analyses.get(id(candidate)),
                    baseline or _is_history(source.id, candidate, newest_baseline),
                    result,
                    now,
                )
                done += 1
                if time.monotonic() > deadline:
                    break
            row.items_total += result.new_items - before
            last = done >= len(candidates)
            if last:
                _poll_done(row, source, outcome, now, polled_at or now)
        # Only committed stories enter the shared index.
        for story_id, fp, text, day in pending_fps:
            index.add(story_id, fp, text, day)
        if last:
            return result
        time.sleep(BATCH_PAUSE)


@contextmanager
def _undone_on_error(result: StoreResult) -> Iterator[None]:
    """A batch rolled back leaves no trace in ``result`` (its story ids do not exist)."""
    counts = (result.new_items, len(result.new_story_ids), len(result.joined_story_ids))
    try:
        yield
    except BaseException:
        result.new_items = counts[0]
        del result.new_story_ids[counts[1] :], result.joined_story_ids[counts[2] :]
        raise


def _source_row(session: Session, source: SourceConfig) -> Source:
    row = session.get(Source, source.id)
    if row is None:
        row = Source(id=source.id, name=source.name, url=source.url, kind=source.kind)
        session.add(row)
        session.flush()
    return row


def _poll_done(
    row: Source, source: SourceConfig, outcome: PollOutcome, now: datetime, polled_at: datetime
) -> None:
    """A successful poll, fully stored: the source's new state."""
    row.baseline_done = True
    row.consecutive_failures = 0
    row.last_error = None
    row.last_success_at = now
    row.next_poll_at = polled_at + timedelta(seconds=source.poll_interval)
    if not outcome.not_modified:
        row.etag = outcome.state.etag
        row.last_modified = outcome.state.last_modified
        row.detected_kind = outcome.state.detected_kind
        row.feed_url = outcome.state.feed_url


def _newest_baseline_date(session: Session, source_id: str) -> datetime | None:
    """The newest date among the items of this source's baseline; an undated item
    counts as fetched that day (as /latest sorts it), so undated baselines set a bar too."""
    return session.scalar(
        select(func.max(func.coalesce(Item.published_at, Item.fetched_at)))
        .join(Story, Item.story_id == Story.id)
        .where(Item.source_id == source_id, Story.baseline.is_(True))
    )


def _is_history(source_id: str, candidate: Candidate, newest: datetime | None) -> bool:
    """Dated more than ``HISTORY_SLACK`` before the newest item of the baseline."""
    if newest is None or candidate.published is None:
        return False
    if candidate.published >= newest - HISTORY_SLACK:
        return False
    log.info(
        "source %s: %s is dated %s, more than %d days before the newest item of the"
        " source's first poll (%s): stored as history, not pushed",
        source_id,
        candidate.url,
        candidate.published.date().isoformat(),
        HISTORY_SLACK.days,
        newest.date().isoformat(),
    )
    return True


def _record_failure(
    row: Source, source: SourceConfig, outcome: PollOutcome, now: datetime, max_backoff: int
) -> None:
    """Exponential back-off with a cap; the error stays visible in `sources`."""
    row.consecutive_failures += 1
    row.last_error = outcome.error
    delay = min(source.poll_interval * 2 ** (row.consecutive_failures - 1), max_backoff)
    if outcome.retry_after:
        delay = max(delay, min(outcome.retry_after, max_backoff))
    row.next_poll_at = now + timedelta(seconds=delay)
    log.warning(
        "source %s failed (%d in a row), next try in %d s: %s",
        source.id,
        row.consecutive_failures,
        delay,
        outcome.error,
    )


def _store_candidate(
    session: Session,
    index: FingerprintIndex,
    pending_fps: list[tuple[int, int, str, int | None]],
    source: Source,
    candidate: Candidate,
    analysis: AnalysisLike | None,
    baseline: bool,
    result: StoreResult,
    now: datetime,
) -> None:
    keys = identity_keys(source.id, candidate.url, candidate.title)
    if session.scalars(select(SeenKey.key).where(SeenKey.key.in_(keys)).limit(1)).first():
        return  # stored meanwhile (same URL through another listing of this poll)
    text = candidate.text or ""
    chash = content_hash(text) if text else None
    fp = simhash(text) if text else None
    day = candidate.published.toordinal() if candidate.published else None
    story, exact = _find_story(session, index, chash, text, fp, day)
    if story is None:
        story = Story(
            title=candidate.title,
            url=candidate.url,
            published_at=candidate.published,
            first_seen_at=now,
            baseline=baseline,
            fingerprint=to_signed(fp) if fp is not None else None,
            search_key=search_key(candidate.title, candidate.description, candidate.full_text),
        )
        if analysis is not None:  # before the flush: no loading of empty collections
            apply_analysis(story, analysis, now)
        session.add(story)
        session.flush()
        if fp is not None:
            pending_fps.append((story.id, fp, text, day))
        result.new_story_ids.append(story.id)
    else:
        result.joined_story_ids.append(story.id)
    item = Item(
        source_id=source.id,
        key=digest("url:" + canonical_url(candidate.url)),
        story_id=story.id,
        url=candidate.url,
        canonical_url=canonical_url(candidate.url),
        guid=candidate.guid,
        title=candidate.title,
        published_at=candidate.published,
        description=candidate.description,
        text=None if exact else text,
        credit=candidate.credit,
        content_hash=chash,
        fetched_at=candidate.fetched_at,
    )
    session.add(item)
    session.flush()
    if candidate.documents:
        add_documents(session, item.id, candidate.documents, now)
    insert_ignore(session, SeenKey, [{"key": key, "item_id": item.id} for key in keys])
    result.new_items += 1


# One index per database, loaded on first use, kept current as stories are added.
_INDEXES: weakref.WeakKeyDictionary[Database, FingerprintIndex] = weakref.WeakKeyDictionary()
# Sources are stored from worker threads: one at a time per database, so a story
# committed by one is in the index before the next looks for near-duplicates.
_STORE_LOCKS: weakref.WeakKeyDictionary[Database, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def _store_lock(db: Database) -> threading.Lock:
    with _LOCKS_GUARD:
        return _STORE_LOCKS.setdefault(db, threading.Lock())


def _fingerprints(db: Database, session: Session, now: datetime) -> FingerprintIndex:
    index = _INDEXES.get(db)
    if index is None:
        index = FingerprintIndex()
        rows = session.execute(
            select(Story.id, Story.fingerprint, Story.published_at).where(
                Story.fingerprint.is_not(None), Story.first_seen_at >= now - NEAR_DUPLICATE_WINDOW
            )
        )
        for story_id, fp, published in rows:
            day = published.toordinal() if published else None
            if fp is not None:  # always, by the query: said for the type checker
                index.add(story_id, to_unsigned(fp), day=day)
        _INDEXES[db] = index
    return index


def _find_story(
    session: Session,
    index: FingerprintIndex,
    chash: str | None,
    text: str,
    fp: int | None,
    day: int | None,
) -> tuple[Story | None, bool]:
    """(story this text already belongs to, whether it is an exact copy)."""
    if chash:
        story_id = session.scalars(
            select(Item.story_id).where(Item.content_hash == chash).limit(1)
        ).first()
        if story_id is not None:
            return session.get(Story, story_id), True
    if fp is None:
        return None, False

    def text_of(story_id: int) -> str | None:
        return session.scalars(
            select(Item.text).where(Item.story_id == story_id, Item.text.is_not(None)).limit(1)
        ).first()

    story_id = index.find(fp, text, text_of, day)
    return (session.get(Story, story_id) if story_id is not None else None), False


def apply_analysis(story: Story, analysis: AnalysisLike, now: datetime) -> None:
    """Replace a story's summary, units, topics and events with a new analysis."""
    story.summary = analysis.summary or None
    if story.id is not None:  # re-analysis of a stored story
        story.units.clear()
        story.topics.clear()
        story.events.clear()
    seen_units: set[str] = set()
    names = _unit_names()
    for unit in analysis.units:
        if unit.id not in seen_units:
            story.units.append(StoryUnit(unit_id=unit.id, name=unit.name, direct=True))
            seen_units.add(unit.id)
    for unit in analysis.units:
        for ancestor in getattr(unit, "ancestors", ()) or ():
            if ancestor not in seen_units:
                story.units.append(StoryUnit(unit_id=ancestor, name=names(ancestor), direct=False))
                seen_units.add(ancestor)
    for rank, topic in enumerate(analysis.topics):
        story.topics.append(StoryTopic(topic_id=topic.id, rank=rank))
    for event in analysis.events:
        story.events.append(
            StoryEvent(date=event.date, time=event.time, kind=event.kind, what=event.what)
        )
    story.analyzed_at = now


def _unit_names() -> Callable[[str], str]:
    from feeds.understand.units import taxonomy

    tax = taxonomy()

    def name(unit_id: str) -> str:
        unit = tax.get(unit_id)
        return unit.name if unit else unit_id

    return name
