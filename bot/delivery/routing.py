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

from bot.config import Config
from bot.delivery.render import Rendered, render_cap_notice, render_push, upcoming_events
from bot.delivery.subscription_index import Matches, SubscriptionIndex, split_phrases
from feeds.understand.units import taxonomy
from storage import deliveries, outbox
from storage.db import Database, Session
from storage.deliveries import RoutingChat
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


def _unit_ancestors(session: Session, stories: Sequence[StoryView]) -> dict[int, set[str]]:
    """Every unit id of each story: the stored ancestor rows plus the taxonomy's."""
    out = deliveries.stored_unit_ids(session, [s.id for s in stories])
    tax = taxonomy()
    for story in stories:
        for uid, _name in story.units:
            unit = tax.get(uid)
            if unit is not None:
                out[story.id].update(unit.ancestors)
    return out


Owed = tuple[StoryView, int, list[str]]  # (story, chat_pk, matched labels)


def _match(db: Database, story_ids: list[int]) -> tuple[list[StoryView], list[Owed]]:
    """The new (non-baseline) stories, oldest first, and the chats each one matches."""
    with db.read() as session:
        stories = [s for s in stories_by_id(session, story_ids) if not s.baseline]
        if not stories:
            return [], []
        index = SubscriptionIndex.load(session)
        ancestors = _unit_ancestors(session, stories)
    # Oldest first, so a chat's pushes arrive in publication order.
    stories.sort(key=lambda s: (s.published or s.first_seen, s.id))
    owed = [
        (story, chat_pk, labels)
        for story in stories
        for chat_pk, labels in index.match(story, ancestors[story.id]).items()
    ]
    return stories, owed


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
    result = RouteResult()
    stories, owed = _match(db, story_ids)
    result.stories = len(stories)
    if not owed:
        return result
    with db.write() as s:
        fanout = _Fanout(s, config, now, result, owed)
        for story, chat_pk, labels in owed:
            fanout.owe(story, chat_pk, labels)
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


class _Fanout:
    """One routing transaction: the matched chats, what they already have, what
    they were pushed today, and each distinct rendering (many chats share one)."""

    def __init__(
        self, s: Session, config: Config, now: datetime, result: RouteResult, owed: list[Owed]
    ) -> None:
        self.s, self.config, self.now, self.result = s, config, now, result
        self.tz = config.tz
        self.today = now.astimezone(self.tz).date()
        self.cap = config.delivery.push_cap_per_day
        self.default_digest = parse_clock(config.delivery.digest_time)
        chat_pks = sorted({pk for _s, pk, _l in owed})
        self.chats = deliveries.routing_chats(s, chat_pks)
        self.delivered = deliveries.delivered_pairs(s, chat_pks, {st.id for st, _p, _l in owed})
        self.pushed_today = deliveries.pushes_since(
            s, chat_pks, local_midnight(self.today, self.tz)
        )
        self.rendered: dict[tuple[int, str, tuple[str, ...]], list[Rendered]] = {}

    def owe(self, story: StoryView, chat_pk: int, labels: list[str]) -> None:
        """Owe the story to the chat once: a push now, or a place in its digest."""
        chat = self.chats.get(chat_pk)
        if chat is None:
            return
        if (chat_pk, story.id) in self.delivered:
            self.result.already += 1
            return
        self.result.matched += 1
        mode = self._mode(story, chat)
        deliveries.add_delivery(self.s, chat_pk, story.id, mode, self.now)
        self.delivered.add((chat_pk, story.id))
        if mode == "digest":
            self.result.digests += 1
        else:
            self._push(story, chat, labels)

    def _mode(self, story: StoryView, chat: RoutingChat) -> str:
        """Push or digest; past the cap the chat is told once today (a notice)."""
        urgent = bool(upcoming_events(story, self.today))
        if chat.digest_time is not None and not urgent:
            return "digest"
        if self.pushed_today.get(chat.pk, 0) < self.cap:
            return "push"
        told = _cap_notice(
            self.s, chat, self.today, self.cap, self.default_digest, self.now, self.tz
        )
        self.result.outbox_rows += told
        self.result.notices += 1 if told else 0
        return "digest"

    def _push(self, story: StoryView, chat: RoutingChat, labels: list[str]) -> None:
        self.pushed_today[chat.pk] = self.pushed_today.get(chat.pk, 0) + 1
        key = (story.id, chat.language, tuple(labels))
        if key not in self.rendered:
            self.rendered[key] = render_push(
                [story], chat.language, self.tz, matched=labels, today=self.today,
                calendar_base=self.config.web.url(""),
            )  # fmt: skip
        send_at = quiet_until(self.now, chat.quiet_start, chat.quiet_end, self.tz)
        self.result.outbox_rows += outbox.enqueue(
            self.s,
            chat.pk,
            deliveries.push_key(story.id, chat.pk),
            "push",
            outbox_parts(self.rendered[key], chat.channel),
            not_before=send_at,
            silent=send_at != self.now,
        )
        self.result.pushes += 1


def _cap_notice(
    s: Session,
    chat: RoutingChat,
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
