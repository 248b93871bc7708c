"""Which failing sources the operators have been told about (``source_alerts``).

A source that fails ``threshold`` polls in a row is *down*; the operators get one
message, and one more when it polls successfully again.  "Once" must hold
across every ``run`` process and restart, so the decision lives here, in the
database: :func:`claim_down` and :func:`claim_recovered` flip ``down_since``
with a conditional UPDATE and return only the sources whose flip this caller
made.  They run in the caller's write transaction, the one that also queues the
operators' messages in the outbox: the flip and the messages commit together or
not at all (a crash in between loses nothing and repeats nothing).

Both engines apply the conditional UPDATE atomically: SQLite serializes writers
(``BEGIN IMMEDIATE``); PostgreSQL makes a concurrent UPDATE wait for the row
lock and re-check ``down_since`` on the committed row, so it matches nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from storage.chats import find_chat
from storage.db import insert_ignore, rowcount
from storage.models import Chat, Source, SourceAlert


@dataclass(frozen=True)
class SourceChange:
    """A source whose state the operators are to be told, as it is now."""

    source_id: str
    name: str
    url: str
    error: str | None  # the last poll's error (down) or the one the alert named (back)
    failures: int
    last_success_at: datetime | None
    episode: int  # which down episode of the source (part of the messages' keys)
    down_since: datetime | None  # when the down alert was given (back only)


def changes_waiting(session: Session, source_ids: Collection[str], threshold: int) -> bool:
    """Whether a source among ``source_ids`` is to be announced down or back: a cheap
    read, so the ingest tick takes the write transaction only when there is news."""
    if not source_ids:
        return False
    announced = SourceAlert.down_since.is_not(None)
    query = (
        select(Source.id)
        .outerjoin(SourceAlert, SourceAlert.source_id == Source.id)
        .where(Source.id.in_(list(source_ids)))
        .where(
            or_(
                and_(Source.consecutive_failures >= threshold, ~announced),
                and_(Source.consecutive_failures == 0, announced),
            )
        )
        .limit(1)
    )
    return session.scalar(query) is not None


def claim_down(
    session: Session, source_ids: Collection[str], threshold: int, now: datetime
) -> list[SourceChange]:
    """The sources among ``source_ids`` failing ``threshold`` times or more in a row
    that nobody has announced yet, now marked announced by this caller."""
    if not source_ids:
        return []
    failing = session.scalars(
        select(Source)
        .where(Source.id.in_(list(source_ids)), Source.consecutive_failures >= threshold)
        .order_by(Source.id)
    ).all()
    if not failing:
        return []
    insert_ignore(session, SourceAlert, [{"source_id": s.id, "episodes": 0} for s in failing])
    changes = []
    for source in failing:
        claimed = session.scalar(
            update(SourceAlert)
            .where(SourceAlert.source_id == source.id, SourceAlert.down_since.is_(None))
            .values(down_since=now, episodes=SourceAlert.episodes + 1, error=source.last_error)
            .returning(SourceAlert.episodes)
        )
        if claimed is None:
            continue  # announced already (by us earlier, or by another process)
        changes.append(_change(source, source.last_error, int(claimed), None))
    return changes


def claim_recovered(session: Session, source_ids: Collection[str]) -> list[SourceChange]:
    """The announced sources among ``source_ids`` whose last poll succeeded, now
    marked back by this caller."""
    if not source_ids:
        return []
    rows = session.execute(
        select(Source, SourceAlert)
        .join(SourceAlert, SourceAlert.source_id == Source.id)
        .where(
            Source.id.in_(list(source_ids)),
            Source.consecutive_failures == 0,
            SourceAlert.down_since.is_not(None),
        )
        .order_by(Source.id)
    ).all()
    changes = []
    for source, alert in rows:
        down_since, error, episode = alert.down_since, alert.error, alert.episodes
        result = session.execute(
            update(SourceAlert)
            .where(SourceAlert.source_id == source.id, SourceAlert.down_since.is_not(None))
            .values(down_since=None)
            .execution_options(synchronize_session=False)
        )
        if rowcount(result):
            changes.append(_change(source, error, episode, down_since))
    return changes


def operator_chats(
    session: Session, channel: str, operator_ids: Collection[str], language: str, now: datetime
) -> tuple[list[Chat], list[str]]:
    """The operators' private chats with the bot, and the operators skipped because
    they blocked it (the chat front reactivates them on /start).  A chat is created
    for an operator who never wrote to the bot: the message waits in the outbox
    like any other, and Telegram delivers once they have pressed Start."""
    chats, blocked = [], []
    # ON CONFLICT DO NOTHING: the chat front may be creating the same chat right now.
    new = [
        {"channel": channel, "chat_id": operator, "kind": "private", "language": language,
         "since": now, "created_at": now}
        for operator in operator_ids
    ]  # fmt: skip
    insert_ignore(session, Chat, new)
    for operator in operator_ids:
        chat = find_chat(session, channel, operator)
        if chat is None:
            continue  # unreachable: inserted above
        if chat.active:
            chats.append(chat)
        else:
            blocked.append(operator)
    return chats, blocked


def announced_down(session: Session) -> dict[str, datetime]:
    """Sources the operators were told are down (and not yet back), with when."""
    rows = session.execute(
        select(SourceAlert.source_id, SourceAlert.down_since).where(
            SourceAlert.down_since.is_not(None)
        )
    ).all()
    return {source_id: since for source_id, since in rows if since is not None}


def _change(
    source: Source, error: str | None, episode: int, down_since: datetime | None
) -> SourceChange:
    return SourceChange(
        source_id=source.id,
        name=source.name,
        url=source.url,
        error=error,
        failures=source.consecutive_failures,
        last_success_at=source.last_success_at,
        episode=episode,
        down_since=down_since,
    )
