"""Who gets a new story: the subscription index, and routing into deliveries and the outbox.

The index is built from Core rows (tuples, not ORM objects: 100,000
subscriptions load in a fraction of a second, ``../shared/docs/scale.md`` §4)
and answers per story with dictionary lookups:

* unit subscriptions: the story's direct units, and their ancestors for
  subscriptions that include sub-units;
* topic subscriptions: the story's topics;
* keyword subscriptions: every included phrase present and no excluded one,
  with exactly the semantics of :func:`feeds.vntext.query_matches` (whole
  words; without diacritics only for ASCII queries of two or more syllables),
  found by one pass over the story's words instead of one scan per keyword.

A chat gets a story once, whatever number of its subscriptions match
(one ``Delivery`` row per chat and story).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.render import Rendered, render_cap_notice, render_push, upcoming_events
from feeds.config import Config
from feeds.units import taxonomy
from feeds.vntext import exact_key, fold, key_for_query
from storage import outbox
from storage.db import Database
from storage.models import Chat, Delivery, StoryUnit, Subscription
from storage.queries import StoryView, stories_by_id

log = logging.getLogger(__name__)

_SPLIT_PHRASES = re.compile(r"[,;]")
_BOUNDARY = "\x00"  # between title and text: no phrase matches across it


@dataclass
class SubscriptionIndex:
    """Unit id, topic id and keyword phrases → chats (with the subscription's label)."""

    # key -> {chat_pk: labels}.  Whole maps are copied and merged per story with
    # dict operations that run in C: a popular topic reaches thousands of chats.
    unit_direct: dict[str, dict[int, list[str]]] = field(default_factory=dict)
    unit_tree: dict[str, dict[int, list[str]]] = field(default_factory=dict)
    topics: dict[str, dict[int, list[str]]] = field(default_factory=dict)
    # Keyword rules (included, excluded phrase ids) -> {chat_pk: labels}.  A rule of
    # one phrase and no exclusion (most of them) needs no check once the phrase is found.
    simple: dict[int, dict[int, list[str]]] = field(default_factory=dict)
    rules: dict[tuple[tuple[int, ...], tuple[int, ...]], dict[int, list[str]]] = field(
        default_factory=dict
    )
    keywords: int = 0
    since: dict[int, datetime] = field(default_factory=dict)
    # Phrases: id -> (tokens, folded); first token -> [(tokens, id)] per key kind.
    _phrase_ids: dict[tuple[tuple[str, ...], bool], int] = field(default_factory=dict)
    _first: dict[bool, dict[str, list[tuple[tuple[str, ...], int]]]] = field(
        default_factory=lambda: {False: {}, True: {}}
    )
    # Per key kind: first token -> the lengths of the phrases it starts.
    _lengths: dict[bool, dict[str, tuple[int, ...]]] = field(
        default_factory=lambda: {False: {}, True: {}}
    )
    _triggers: dict[int, list[tuple[tuple[int, ...], tuple[int, ...]]]] = field(
        default_factory=dict
    )  # first included phrase -> the other rules it starts
    _newest: datetime | None = None  # the latest chat ``since``
    # id(chat map) -> its chats as a frozenset, made on first use (maps are not
    # changed once the index is built).
    _keysets: dict[int, frozenset[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> SubscriptionIndex:
        """Every subscription of every active chat, as Core rows."""
        rows = session.execute(
            select(
                Subscription.chat_pk,
                Subscription.kind,
                Subscription.value,
                Subscription.label,
                Subscription.include_children,
                Subscription.exclude,
                Chat.since,
            )
            .join(Chat, Chat.id == Subscription.chat_pk)
            .where(Chat.active.is_(True))
        ).all()
        return cls.from_rows(rows)

    @classmethod
    def from_rows(
        cls, rows: Iterable[tuple[int, str, str, str, bool, str, datetime | None]]
    ) -> SubscriptionIndex:
        """(chat_pk, kind, value, label, include_children, exclude, chat since) rows."""
        index = cls()
        for chat_pk, kind, value, label, include_children, exclude, since in rows:
            if since is not None:
                index.since[chat_pk] = since
            if kind == "unit":
                target = index.unit_tree if include_children else index.unit_direct
                target.setdefault(value, {}).setdefault(chat_pk, []).append(label)
            elif kind == "topic":
                index.topics.setdefault(value, {}).setdefault(chat_pk, []).append(label)
            elif kind == "keyword":
                index._add_keyword(chat_pk, label, value, exclude or "")
        return index

    def _phrase(self, text: str) -> int | None:
        key, folded = key_for_query(text)
        if not key:
            return None
        tokens = tuple(key.split())
        pid = self._phrase_ids.get((tokens, folded))
        if pid is None:
            pid = len(self._phrase_ids)
            self._phrase_ids[(tokens, folded)] = pid
            self._first[folded].setdefault(tokens[0], []).append((tokens, pid))
            sizes = self._lengths[folded].get(tokens[0], ())
            if len(tokens) not in sizes:
                self._lengths[folded][tokens[0]] = (*sizes, len(tokens))
        return pid

    def _add_keyword(self, chat_pk: int, label: str, value: str, exclude: str) -> None:
        include = [p for t in split_phrases(value) if (p := self._phrase(t)) is not None]
        if not include:
            return
        excluded = [p for t in split_phrases(exclude) if (p := self._phrase(t)) is not None]
        self.keywords += 1
        if len(include) == 1 and not excluded:
            target = self.simple.setdefault(include[0], {})
        else:
            rule = (tuple(include), tuple(excluded))
            if rule not in self.rules:
                self.rules[rule] = {}
                self._triggers.setdefault(include[0], []).append(rule)
            target = self.rules[rule]
        target.setdefault(chat_pk, []).append(label)

    def __len__(self) -> int:
        maps = [*self.unit_direct.values(), *self.unit_tree.values(), *self.topics.values()]
        return sum(sum(map(len, m.values())) for m in maps) + self.keywords

    # --- matching -----------------------------------------------------------------

    def phrases_in(self, title: str, text: str) -> set[int]:
        """Ids of the indexed phrases present in the story (one pass per key kind)."""
        present: set[int] = set()
        exact = [*exact_key(title).split(), _BOUNDARY, *exact_key(text).split()]
        ids = self._phrase_ids
        for folded, lengths in self._lengths.items():
            if not lengths:
                continue
            # The folded key is the exact key without diacritics: no second normalization.
            words = fold(" ".join(exact)).split() if folded else exact
            starts = lengths.keys() & set(words)  # the words that begin some phrase
            if not starts:
                continue
            for i, word in enumerate(words):
                if word in starts:
                    # One lookup per phrase length, not one comparison per phrase:
                    # "công" begins hundreds of phrases.
                    for size in lengths[word]:
                        pid = ids.get((tuple(words[i : i + size]), folded))
                        if pid is not None:
                            present.add(pid)
        return present

    def match(self, story: StoryView, unit_ids_with_ancestors: set[str]) -> Matches:
        """chat_pk -> labels of the chat's subscriptions the story matches.

        The chats are one set union of the matching keys' chat maps (C-level, a
        few tens of nanoseconds per pair: a popular topic reaches thousands of
        chats); a chat's labels are looked up only when asked for, i.e. for the
        chats that get a push.  Baseline stories and stories first seen before
        a chat's ``since`` match nobody: they are history, not news."""
        if story.baseline:
            return Matches(set(), [])
        maps: list[dict[int, list[str]]] = []
        direct = {uid for uid, _name in story.units}
        for uid in direct:
            if uid in self.unit_direct:
                maps.append(self.unit_direct[uid])
        for uid in direct | unit_ids_with_ancestors:
            if uid in self.unit_tree:
                maps.append(self.unit_tree[uid])
        for tid in story.topics:
            if tid in self.topics:
                maps.append(self.topics[tid])
        if self.keywords:
            maps += self._keyword_maps(story)
        if not maps:
            return Matches(set(), [])
        # Unions of sets copy stored hashes; from dicts each key is hashed again.
        keysets = self._keysets
        found: set[int] = set().union(
            *(keysets.get(id(m)) or keysets.setdefault(id(m), frozenset(m)) for m in maps)
        )
        first_seen = story.first_seen
        if first_seen is None or self._newest_since is None or first_seen > self._newest_since:
            return Matches(found, maps)  # newer than every chat's start: no need to look
        since = self.since
        return Matches({pk for pk in found if _after(first_seen, since.get(pk))}, maps)

    def _keyword_maps(self, story: StoryView) -> list[dict[int, list[str]]]:
        present = self.phrases_in(story.title, story.text or story.description or "")
        simple = self.simple
        maps = [simple[pid] for pid in present & simple.keys()]
        for pid in present & self._triggers.keys():
            for rule in self._triggers[pid]:
                include, exclude = rule
                if present.issuperset(include) and present.isdisjoint(exclude):
                    maps.append(self.rules[rule])
        return maps

    @property
    def _newest_since(self) -> datetime | None:
        if self._newest is None and self.since:
            self._newest = max(self.since.values())
        return self._newest


class Matches(Mapping[int, list[str]]):
    """The chats a story matches (a set), each mapped to its matching subscriptions'
    labels, computed on access from the index's maps (read them, do not change them)."""

    __slots__ = ("_chats", "_maps")

    def __init__(self, chats: set[int], maps: list[dict[int, list[str]]]) -> None:
        self._chats = chats
        self._maps = maps

    @property
    def chats(self) -> set[int]:
        return self._chats

    def __len__(self) -> int:
        return len(self._chats)

    def __iter__(self) -> Iterator[int]:
        return iter(self._chats)

    def __contains__(self, chat_pk: object) -> bool:
        return chat_pk in self._chats

    def __getitem__(self, chat_pk: int) -> list[str]:
        if chat_pk not in self._chats:
            raise KeyError(chat_pk)
        labels: list[str] = []
        for hits in self._maps:
            found = hits.get(chat_pk)
            if found:
                labels += [label for label in found if label not in labels]
        return labels


def split_phrases(value: str) -> list[str]:
    """A keyword subscription's phrases: comma- or semicolon-separated, quotes dropped."""
    return [p.strip().strip("\"'“”").strip() for p in _SPLIT_PHRASES.split(value) if p.strip()]


def _after(first_seen: datetime | None, since: datetime | None) -> bool:
    return since is None or first_seen is None or first_seen > since


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
                    [story], chat.language, tz, matched=labels, today=today
                )
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
