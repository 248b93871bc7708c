"""Who gets a new story: routing matches into deliveries and the outbox.

Which chats a story matches is the subscription index's job
(:mod:`bot.delivery.subscription_index`, re-exported here); this module turns those
matches into one ``Delivery`` row per chat and story (a chat gets a story once,
whatever number of its subscriptions match) and the messages owed now.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Config
from bot.delivery.render import Rendered, render_cap_notice, render_push, upcoming_events
from bot.delivery.subscription_index import Matches, SubscriptionIndex, split_phrases
from feeds.understand.units import taxonomy
from storage import outbox
from storage.db import Database
from storage.models import Chat, Delivery, StoryUnit
from storage.queries import StoryView, stories_by_id

__all__ = [
    "Matches",
    "RouteResult",
    "SubscriptionIndex",
    "local_midnight",
    "outbox_parts",
    "parse_clock",
    "quiet_until",
    "route_new_stories",
    "split_phrases",
]

log = logging.getLogger(__name__)


# --- times of day ---------------------------------------------------------------------


def parse_clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def quiet_until(moment: datetime, start: time | None, end: time | None, tz: ZoneInfo) -> datetime:
    """``moment``, or the end of the chat's quiet hours when it falls inside them.

    Quiet hours may span midnight (22:00-06:00)."""
    if start is None or end is None or start == end:
        return moment
    local = moment.astimezone(tz)
    now_t = local.time().replace(tzinfo=None)
    spans_midnight = start > end
    inside = (start <= now_t or now_t < end) if spans_midnight else (start <= now_t < end)
    if not inside:
        return moment
    day = local.date()
    if spans_midnight and now_t >= start:
        day += timedelta(days=1)
    return datetime.combine(day, end, tz).astimezone(UTC)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tz).astimezone(UTC)


def outbox_parts(rendered: Sequence[Rendered], channel: str) -> list[outbox.NewMessage]:
    """Telegram gets the HTML form; other channels (Zalo, console) the plain one."""
    if channel == "telegram":
        return [outbox.NewMessage(r.html, "HTML") for r in rendered if r.html]
    return [outbox.NewMessage(r.plain, None) for r in rendered if r.plain]


# --- routing --------------------------------------------------------------------------


@dataclass
class RouteResult:
    stories: int = 0  # new, non-baseline stories looked at
    matched: int = 0  # (chat, story) pairs newly owed
    pushes: int = 0
    digests: int = 0  # pairs held for a digest
    notices: int = 0  # "push cap reached" notices
    outbox_rows: int = 0
    already: int = 0  # pairs delivered before (a story routed twice)


@dataclass(frozen=True)
class _ChatInfo:
    pk: int
    channel: str
    language: str
    digest_time: time | None
    quiet_start: time | None
    quiet_end: time | None


def _unit_ancestors(session: Session, stories: Sequence[StoryView]) -> dict[int, set[str]]:
    """Every unit id of each story: the stored ancestor rows plus the taxonomy's."""
    ids = [s.id for s in stories]
    out: dict[int, set[str]] = {i: set() for i in ids}
    for story_id, unit_id in session.execute(
        select(StoryUnit.story_id, StoryUnit.unit_id).where(StoryUnit.story_id.in_(ids))
    ):
        out[story_id].add(unit_id)
    tax = taxonomy()
    for story in stories:
        for uid, _name in story.units:
            unit = tax.get(uid)
            if unit is not None:
                out[story.id].update(unit.ancestors)
    return out


def route_new_stories(
    db: Database, story_ids: list[int], config: Config, *, now: datetime | None = None
) -> RouteResult:
    """Owe each new story to the chats it matches: a push now, or a place in a digest.

    * a chat with a digest gets at once only stories with an upcoming event or
      deadline, the rest in its digest;
    * a chat past ``push_cap_per_day`` pushes today gets the rest in its digest
      (its own hour, or the default one) and is told so once that day;
    * in quiet hours a push waits, silent, for their end.
    Safe to call twice for the same stories: nothing is owed twice."""
    now = now or datetime.now(UTC)
    tz = config.tz
    result = RouteResult()
    with db.read() as session:
        stories = [s for s in stories_by_id(session, story_ids) if not s.baseline]
        if not stories:
            return result
        index = SubscriptionIndex.load(session)
        ancestors = _unit_ancestors(session, stories)
    result.stories = len(stories)
    # Oldest first, so a chat's pushes arrive in publication order.
    stories.sort(key=lambda s: (s.published or s.first_seen, s.id))
    owed: list[tuple[StoryView, int, list[str]]] = []
    for story in stories:
        for chat_pk, labels in index.match(story, ancestors[story.id]).items():
            owed.append((story, chat_pk, labels))
    if not owed:
        return result

    today = now.astimezone(tz).date()
    chat_pks = sorted({pk for _s, pk, _l in owed})
    default_digest = parse_clock(config.delivery.digest_time)
    cap = config.delivery.push_cap_per_day
    rendered_cache: dict[tuple[int, str, tuple[str, ...]], list[Rendered]] = {}
    with db.write() as s:
        chats = {
            row.pk: row
            for row in (
                _ChatInfo(*r)
                for r in s.execute(
                    select(
                        Chat.id,
                        Chat.channel,
                        Chat.language,
                        Chat.digest_time,
                        Chat.quiet_start,
                        Chat.quiet_end,
                    ).where(Chat.id.in_(chat_pks), Chat.active.is_(True))
                )
            )
        }
        delivered = set(
            s.execute(
                select(Delivery.chat_pk, Delivery.story_id).where(
                    Delivery.chat_pk.in_(chat_pks),
                    Delivery.story_id.in_([st.id for st in stories]),
                )
            ).all()
        )
        pushed_today: dict[int, int] = dict(
            s.execute(
                select(Delivery.chat_pk, func.count())
                .where(
                    Delivery.chat_pk.in_(chat_pks),
                    Delivery.mode == "push",
                    Delivery.created_at >= local_midnight(today, tz),
                )
                .group_by(Delivery.chat_pk)
            ).all()
        )
        for story, chat_pk, labels in owed:
            chat = chats.get(chat_pk)
            if chat is None:
                continue
            if (chat_pk, story.id) in delivered:
                result.already += 1
                continue
            result.matched += 1
            urgent = bool(upcoming_events(story, today))
            mode = "push"
            if chat.digest_time is not None and not urgent:
                mode = "digest"
            elif pushed_today.get(chat_pk, 0) >= cap:
                mode = "digest"
                told = _cap_notice(s, chat, today, cap, default_digest, now, tz)
                result.outbox_rows += told
                result.notices += 1 if told else 0
            s.add(Delivery(chat_pk=chat_pk, story_id=story.id, mode=mode, created_at=now))
            delivered.add((chat_pk, story.id))
            if mode == "digest":
                result.digests += 1
                continue
            pushed_today[chat_pk] = pushed_today.get(chat_pk, 0) + 1
            key = (story.id, chat.language, tuple(labels))
            if key not in rendered_cache:
                rendered_cache[key] = render_push(
                    [story], chat.language, tz, matched=labels, today=today,
                    calendar_base=config.web.url(""),
                )  # fmt: skip
            send_at = quiet_until(now, chat.quiet_start, chat.quiet_end, tz)
            created = outbox.enqueue(
                s,
                chat_pk,
                f"push:{story.id}:{chat_pk}",
                "push",
                outbox_parts(rendered_cache[key], chat.channel),
                not_before=send_at,
                silent=send_at != now,
            )
            result.outbox_rows += created
            result.pushes += 1
    log.info(
        "routed stories=%d matched=%d pushes=%d digest=%d notices=%d rows=%d",
        result.stories,
        result.matched,
        result.pushes,
        result.digests,
        result.notices,
        result.outbox_rows,
    )
    return result


def _cap_notice(
    s: Session,
    chat: _ChatInfo,
    today: date,
    cap: int,
    default_digest: time,
    now: datetime,
    tz: ZoneInfo,
) -> int:
    """Tell the chat once today that the rest comes in the digest."""
    key = f"capnotice:{chat.pk}:{today.isoformat()}"
    if outbox.exists(s, key):
        return 0
    notice = render_cap_notice(cap, chat.digest_time or default_digest, chat.language)
    send_at = quiet_until(now, chat.quiet_start, chat.quiet_end, tz)
    return outbox.enqueue(
        s,
        chat.pk,
        key,
        "notice",
        outbox_parts([notice], chat.channel),
        not_before=send_at,
        silent=True,
    )
