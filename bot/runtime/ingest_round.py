"""One ingest round: every due source polled once, its new items stored and analyzed.

"Poll" means three things in this project; this module is the middle one:

* polling *one source* (fetch, parse, extract): :func:`feeds.poller.poll_source`;
* an *ingest round* over every due source: :func:`poll_round`, here;
* *long polling* of the chat APIs for user messages (Telegram's ``getUpdates``
  through PTB's updater, Zalo's ``getUpdates`` in :meth:`ZaloChannel.run
  <bot.channels.zalo.channel.ZaloChannel.run>`), which has nothing to do with sources.

Used by ``congdoan-bot poll --once`` and, on a timer, by ``congdoan-bot run``.
Sources run concurrently (the fetcher bounds concurrency overall and per
host); one failing source never stops the others.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot import metrics
from bot.config import Config
from feeds.fetch.fetcher import Fetcher
from feeds.poller import PollOutcome, poll_source
from feeds.sources import SourceConfig
from storage.console import merged_sources
from storage.db import Database
from storage.documents import make_known_document
from storage.ingest import (
    AnalysisLike,
    Analyzer,
    StoreResult,
    due_sources,
    make_is_new,
    source_state,
    store_outcome,
    sync_sources,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceReport:
    source: SourceConfig
    outcome: PollOutcome
    stored: StoreResult

    @property
    def store_error(self) -> str | None:
        """Why not everything new was stored (the database was busy), if so."""
        return self.stored.error

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.source.id,
            "new": self.stored.new_items,
            "unchanged": self.outcome.error is None
            and self.stored.error is None
            and (self.outcome.not_modified or self.stored.new_items == 0),
            "error": self.outcome.error or self.stored.error,
        }


def make_analyzer(config: Config) -> Analyzer:
    """The analyzer, with the operator's extra topics from bot_config.toml."""
    from feeds.understand.analyze import analyze
    from feeds.understand.topics import TopicClassifier, default_classifier

    classifier = TopicClassifier(extra=config.topics) if config.topics else default_classifier()

    def run(
        title: str,
        text: str,
        published: date | None,
        url: str | None,
        province: str | None,
        sapo: str | None,
    ) -> AnalysisLike:
        return analyze(
            title,
            text,
            published=published,
            url=url,
            source_province=province,
            sapo=sapo,
            classifier=classifier,
        )

    return run


def new_fetcher(config: Config) -> Fetcher:
    f = config.fetch
    kwargs: dict[str, object] = {
        "timeout": f.timeout,
        "max_body_bytes": f.max_body_bytes,
        "max_redirects": f.max_redirects,
        "max_concurrency": f.max_concurrency,
        "per_host_concurrency": f.per_host_concurrency,
        "per_host_delay": f.per_host_delay,
    }
    if f.user_agent:
        kwargs["user_agent"] = f.user_agent
    return Fetcher(**kwargs)  # type: ignore[arg-type]


async def poll_round(
    config: Config,
    db: Database,
    *,
    force: bool = False,
    sources: Sequence[SourceConfig] | None = None,
    analyzer: Analyzer | None = None,
    fetcher: Fetcher | None = None,
) -> list[SourceReport]:
    """One ingest round: poll each due source once (every enabled one with ``force``).

    By default the sources are bot_config.toml's plus the web console's (the
    file wins for its ids); a source paused in the console is not polled."""
    if sources is None:
        sources = await asyncio.to_thread(merged_sources, config.sources, db)
    sources = list(sources)
    sync_sources(db, sources)
    now = datetime.now(UTC)
    todo = [s for s in sources if s.enabled] if force else due_sources(db, sources, now)
    if not todo:
        return []
    analyzer = analyzer or make_analyzer(config)
    owned = fetcher is None
    fetcher = fetcher or new_fetcher(config)
    try:
        if owned:
            await fetcher.__aenter__()
        reports = await asyncio.gather(
            *(_poll_one(config, db, fetcher, source, analyzer) for source in todo)
        )
    finally:
        if owned:
            await fetcher.aclose()
    return list(reports)


async def _poll_one(
    config: Config, db: Database, fetcher: Fetcher, source: SourceConfig, analyzer: Analyzer
) -> SourceReport:
    polled_at = datetime.now(UTC)  # the next poll is poll_interval after this one's start
    started = time.monotonic()
    state = await asyncio.to_thread(source_state, db, source.id)
    try:
        outcome = await poll_source(
            fetcher,
            source,
            state,
            tz=config.tz,
            is_new=make_is_new(db, source.id),
            documents=config.documents,
            known_document=make_known_document(db),
        )
    except Exception as exc:  # a parser bug must not stop the round
        log.exception("source %s: unexpected error while polling", source.id)
        outcome = PollOutcome(source_id=source.id, error=f"internal error: {exc!r}")
    stored = await asyncio.to_thread(
        store_outcome,
        db,
        source,
        outcome,
        analyzer=analyzer,
        tz=config.tz,
        max_backoff=config.fetch.max_backoff,
        polled_at=polled_at,
    )
    metrics.polled(started)
    if outcome.error is None:
        log.info(
            "source %s: %s, %d entries, %d new",
            source.id,
            "not modified" if outcome.not_modified else "fetched",
            outcome.entries_seen,
            stored.new_items,
        )
    return SourceReport(source, outcome, stored)
