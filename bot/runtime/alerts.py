"""Alerts in chat: the operators hear when a source breaks, and when it is back.

At each ingest tick, every polled source (the file's and the web console's, not
a paused one) failing ``[bot]
alert_after_failures`` polls in a row (3 by default) that nobody has announced
yet gets one message to each operator (``[bot] operators``, Telegram user ids):
the source, its error and what to try.  One more when it polls successfully
again.  Nothing is repeated while it stays down, whatever the number of
``run`` processes or restarts: the decision is a conditional UPDATE of
``source_alerts`` (:mod:`storage.alerts`) in the same transaction that queues
the messages in the outbox, so they are paced with everything else and survive
a restart, and a crash can neither lose nor double them.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime

from bot.config import Config
from bot.i18n import Html, fmt_datetime, t
from storage import alerts as store
from storage import outbox
from storage.console import merged_sources
from storage.db import Database, Session
from storage.models import Chat
from storage.outbox import NewMessage

log = logging.getLogger(__name__)

CHANNEL = "telegram"  # [bot] operators are Telegram user ids
KIND = "alert"  # the outbox kind (congdoan_messages_sent_total{kind="alert"})

# What the fetcher's and parser's reasons mean for the operator, first match wins.
_HINTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("timeout", re.compile(r"timed out", re.I)),
    ("not_found", re.compile(r"\bHTTP (404|410)\b")),
    ("server", re.compile(r"\bHTTP 5\d\d\b")),
    ("dns", re.compile(r"\bDNS\b")),
    ("tls", re.compile(r"\bTLS\b")),
    ("connection", re.compile(r"connect|network error|broke the HTTP protocol", re.I)),
    (
        "blocked",
        re.compile(r"\bHTTP (401|403|429|451)\b|instead of a feed|challenge|refused", re.I),
    ),
)


def hint_key(error: str | None) -> str:
    """The catalogue key of what to try for this error."""
    for name, pattern in _HINTS:
        if error and pattern.search(error):
            return f"alert_hint_{name}"
    return "alert_hint_other"


async def alert_tick(config: Config, db: Database, now: datetime | None = None) -> int:
    """Announce the sources that went down or came back; returns messages queued."""
    return await asyncio.to_thread(check_sources, config, db, now)


def check_sources(config: Config, db: Database, now: datetime | None = None) -> int:
    """The synchronous work of :func:`alert_tick` (one write transaction)."""
    if not config.operators:
        return 0  # nobody to tell: the state stays as it is until operators are set
    now = now or datetime.now(UTC)
    # What the poller polls: the file's sources and the console's, not the paused.
    ids = [s.id for s in merged_sources(config.sources, db) if s.enabled]
    with db.read() as s:
        if not store.changes_waiting(s, ids, config.alert_after_failures):
            return 0
    queued = 0
    with db.write() as s:
        down = store.claim_down(s, ids, config.alert_after_failures, now)
        back = store.claim_recovered(s, ids)
        if not down and not back:
            return 0
        operators = [str(o) for o in config.operators]
        recipients, blocked = store.operator_chats(s, CHANNEL, operators, config.language, now)
        for operator in blocked:
            log.warning("operator %s has blocked the bot: no alert sent there", operator)
        for change in down:
            log.warning(
                "source %s down (%d failures in a row): operators told: %s",
                change.source_id,
                change.failures,
                change.error,
            )
            queued += _tell(s, recipients, change, "down", now, config)
        for change in back:
            log.info("source %s back: operators told", change.source_id)
            queued += _tell(s, recipients, change, "back", now, config)
    return queued


def _tell(
    s: Session,
    recipients: list[Chat],
    change: store.SourceChange,
    what: str,
    now: datetime,
    config: Config,
) -> int:
    queued = 0
    for chat in recipients:
        text = _text(chat.language, change, what, config)
        key = f"alert:{what}:{change.source_id}:{change.episode}:{chat.id}"
        queued += outbox.enqueue(s, chat.id, key, KIND, [NewMessage(text, "HTML")], not_before=now)
    return queued


def _text(lang: str, change: store.SourceChange, what: str, config: Config) -> str:
    tz = config.tz
    error = change.error or "?"
    if what == "back":
        since = fmt_datetime(change.down_since, tz) if change.down_since else "?"
        return t(lang, "alert_back", name=change.name, url=change.url, error=error, since=since)
    last_ok = (
        fmt_datetime(change.last_success_at, tz)
        if change.last_success_at
        else t(lang, "alert_never")
    )
    return t(
        lang,
        "alert_down",
        name=change.name,
        n=change.failures,
        url=change.url,
        error=error,
        last_ok=last_ok,
        hint=Html(t(lang, hint_key(change.error))),
    )
