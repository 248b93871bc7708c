"""The subscription index: which chats a new story reaches, as bitsets of chats.

Every active chat with a subscription gets a bit.  Each key a subscription can follow (a unit, a
unit with its sub-units, a topic, a keyword phrase) maps to a Python ``int``
whose set bits are the chats following it, so a story's chats are a handful
of big-integer ORs that run in C: matching 1,000 stories against 100,000
subscriptions produces ~4 M (chat, story) pairs, and anything done per pair
in Python would cost seconds (``bench/matching.py``).  Labels ("matched:
...") are looked up only for the chats a caller asks about.

Keyword subscriptions have exactly the semantics of
:func:`feeds.vntext.query_matches`: whole words, without diacritics only for
ASCII queries of two or more syllables, all included phrases present and no
excluded one; the phrases a story contains are found with set intersections
of its words and word tuples, not one scan per phrase.  A phrase is found in
the title or in the text, never across the two.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from functools import reduce
from itertools import chain, compress
from operator import or_

from feeds.vntext import exact_key, fold, key_for_query
from storage.chats import active_subscriptions_rows
from storage.db import Session
from storage.queries import StoryView

_SPLIT_PHRASES = re.compile(r"[,;]")
_BOUNDARY = "\x00"  # a token between title and text: no phrase contains it
_SCATTERED = 1024  # a posting denser than 1 chat in 1,024 bits is stored as bits
_GRAM = 4  # phrases up to this many syllables are looked up as word tuples
_BITS_TO_BYTES = bytes.maketrans(b"01", b"\x00\x01")

Row = tuple[int, str, str, str, bool, str, datetime | None]
Labels = dict[int, list[str]]  # chat_pk -> labels of its subscriptions to one key


def split_phrases(value: str) -> list[str]:
    """A keyword subscription's phrases: comma- or semicolon-separated, quotes dropped."""
    return [p.strip().strip("\"'“”").strip() for p in _SPLIT_PHRASES.split(value) if p.strip()]


def bitset(bits: Iterable[int]) -> int:
    """The int with exactly these bit positions set (built in a buffer: no quadratic ORs)."""
    positions = list(bits)
    if not positions:
        return 0
    buf = bytearray((max(positions) >> 3) + 1)
    for b in positions:
        buf[b >> 3] |= 1 << (b & 7)
    return int.from_bytes(buf, "little")


class _FoldCache(dict[str, str]):
    """Word -> its folded form.  A text's words come from a small vocabulary
    (Vietnamese has ~7,000 syllables), so folding word by word through this
    cache is several times faster than ``str.translate`` over the whole text."""

    LIMIT = 200_000  # numbers and names keep coming: bound the memory

    def __missing__(self, word: str) -> str:
        folded = fold(word)
        if len(self) >= self.LIMIT:
            self.clear()
        self[word] = folded
        return folded


_FOLDED = _FoldCache()


class _Posting:
    """The chats following one key (unit, topic, phrase): their bits and labels.

    When the chats sit high in the index, the bits are stored from the lowest
    one up (``bits << low`` is the set): a key followed by a few neighbouring
    chats costs a few bytes, not one bit per chat of the whole index
    (nationally, 100,000 officers may each follow their own grassroots union).
    Chats far apart (fewer than one in ``_SCATTERED`` over their span) are kept
    as a tuple of their bits.  So a posting's memory stays within a few hundred
    bytes per subscription whatever the shape."""

    __slots__ = ("bits", "labels", "low", "scattered")

    def __init__(self) -> None:
        self.bits = 0
        self.low = 0
        self.scattered: tuple[int, ...] = ()
        self.labels: Labels = {}

    def freeze(self, bit: dict[int, int]) -> None:
        positions = sorted(map(bit.__getitem__, self.labels))
        if not positions:
            return
        low, span = positions[0], positions[-1] - positions[0] + 1
        if span > _SCATTERED * len(positions):
            self.scattered = tuple(positions)  # the ints are the index's own: shared
        elif low > span:  # stored shifted only when that at least halves it: a shift costs
            self.low = low
            self.bits = bitset(p - low for p in positions)
        else:
            self.bits = bitset(positions)


def _union(postings: Iterable[_Posting]) -> int:
    """The chats of all these postings, as one bitset."""
    bits = 0
    scattered: list[tuple[int, ...]] = []
    for posting in postings:
        if posting.scattered:
            scattered.append(posting.scattered)
        elif posting.low:
            bits |= posting.bits << posting.low
        else:
            bits |= posting.bits
    if scattered:
        bits |= bitset(chain.from_iterable(scattered))
    return bits


class _PhraseTable:
    """Phrase keys of one kind (exact or folded) -> phrase ids, by length.

    Phrases of up to four syllables are found by intersecting the table with
    the story's words, or its word pairs, triples, quadruples (sets built in
    C); a longer phrase (rare) by its first four words, then a substring test
    on the space-joined words."""

    __slots__ = ("grams", "longer", "singles")

    def __init__(self) -> None:
        self.singles: dict[str, int] = {}
        self.grams: dict[int, dict[tuple[str, ...], int]] = {}  # length 2-4 -> words -> id
        self.longer: dict[tuple[str, ...], list[tuple[str, int]]] = {}

    def __bool__(self) -> bool:
        return bool(self.singles or self.grams or self.longer)

    def add(self, tokens: list[str], pid: int) -> None:
        if len(tokens) == 1:
            self.singles[tokens[0]] = pid
        elif len(tokens) <= _GRAM:
            self.grams.setdefault(len(tokens), {})[tuple(tokens)] = pid
        else:
            needle = f" {' '.join(tokens)} "
            self.longer.setdefault(tuple(tokens[:_GRAM]), []).append((needle, pid))

    def find(self, words: list[str], present: set[int]) -> None:
        """Add the ids of the phrases in ``words`` (one token list) to ``present``."""
        if self.singles:
            singles = self.singles
            present.update(map(singles.__getitem__, singles.keys() & words))
        for size, table in self.grams.items():
            grams = set(zip(*(words[i:] for i in range(size)), strict=False))
            present.update(map(table.__getitem__, table.keys() & grams))
        if self.longer:
            grams = set(zip(*(words[i:] for i in range(_GRAM)), strict=False))
            starts = self.longer.keys() & grams
            if starts:
                text = f" {' '.join(words)} "
                for start in starts:
                    present.update(pid for needle, pid in self.longer[start] if needle in text)


Rule = tuple[frozenset[int], frozenset[int]]  # (included, excluded) phrase ids


class _Rules:
    """Keyword subscriptions that need more than one phrase found: several
    included phrases, or excluded ones.

    A chat with one such rule (nearly all: exclusions are few) is handled in
    bits: the chats whose rule's phrase the story contains, minus the chats
    whose rule excludes a phrase it contains.  The rare chat with several rules
    is checked rule by rule, once its rule's first phrase is found."""

    __slots__ = ("block", "by_chat", "chats", "checked", "once")

    def __init__(self) -> None:
        self.chats: dict[Rule, Labels] = {}  # while building
        self.by_chat: dict[int, list[tuple[frozenset[int], frozenset[int], list[str]]]] = {}
        self.once: dict[int, int] = {}  # included phrase -> bits of one-rule chats
        self.block: dict[int, int] = {}  # excluded phrase -> bits of one-rule chats
        self.checked: dict[int, list[tuple[frozenset[int], frozenset[int], int]]] = {}

    def __bool__(self) -> bool:
        return bool(self.by_chat)

    def add(self, rule: Rule, chat_pk: int, label: str) -> None:
        self.chats.setdefault(rule, {}).setdefault(chat_pk, []).append(label)

    def freeze(self, bit: dict[int, int]) -> None:
        for (include, exclude), chats in self.chats.items():
            for pk, labels in chats.items():
                self.by_chat.setdefault(pk, []).append((include, exclude, labels))
        once = {
            pk for pk, rules in self.by_chat.items() if len(rules) == 1 and len(rules[0][0]) == 1
        }
        once_bits: dict[int, list[int]] = {}
        block_bits: dict[int, list[int]] = {}
        for (include, exclude), chats in self.chats.items():
            ones = [bit[pk] for pk in chats if pk in once]
            if ones:
                (pid,) = include
                once_bits.setdefault(pid, []).extend(ones)
                for excluded in exclude:
                    block_bits.setdefault(excluded, []).extend(ones)
            rest = bitset(bit[pk] for pk in chats if pk not in once)
            if rest:
                self.checked.setdefault(min(include), []).append((include, exclude, rest))
        self.once = {pid: bitset(bits) for pid, bits in once_bits.items()}
        self.block = {pid: bitset(bits) for pid, bits in block_bits.items()}
        self.chats = {}

    def hits(self, present: set[int]) -> int:
        """Bits of the chats with a rule the story (its ``present`` phrases) matches."""
        once, block = self.once, self.block
        bits = reduce(or_, map(once.__getitem__, once.keys() & present), 0)
        if bits:
            bits &= ~reduce(or_, map(block.__getitem__, block.keys() & present), 0)
        for pid in self.checked.keys() & present:
            for include, exclude, chats in self.checked[pid]:
                if include <= present and exclude.isdisjoint(present):
                    bits |= chats
        return bits

    def labels(self, chat_pk: int, present: set[int]) -> list[str]:
        return [
            label
            for include, exclude, labels in self.by_chat.get(chat_pk, ())
            if include <= present and exclude.isdisjoint(present)
            for label in labels
        ]


class SubscriptionIndex:
    """Unit ids, topic ids and keyword phrases -> bitsets of chats (and their labels).

    Build it with :meth:`load` or :meth:`from_rows`; it is not changed afterwards."""

    def __init__(self) -> None:
        self._bit: dict[int, int] = {}  # chat_pk -> bit
        self._pks: list[int] = []  # bit -> chat_pk
        self._units_direct: dict[str, _Posting] = {}
        self._units_tree: dict[str, _Posting] = {}
        self._topics: dict[str, _Posting] = {}
        self._count = 0
        self.keywords = 0
        # Phrases: (key, folded) -> id; raw subscription text -> phrase ids.
        self._phrase_ids: dict[tuple[str, bool], int] = {}
        self._parsed: dict[str, tuple[int, ...]] = {}
        self._exact = _PhraseTable()
        self._folded = _PhraseTable()
        # One phrase, nothing excluded (most keyword subscriptions): phrase id -> chats.
        self._plain: dict[int, _Posting] = {}
        # The same split for speed: plain bits ORed in C, the others via _union.
        self._plain_bits: dict[int, int] = {}
        self._plain_other: dict[int, _Posting] = {}
        self._rules = _Rules()
        # Chats' ``since``, ascending, with their bits: a story first seen at or
        # before a chat's start is history for that chat.
        self._since: list[datetime] = []
        self._since_bits: list[int] = []
        self._late: dict[datetime, int] = {}  # first_seen -> bits of chats not yet started

    @classmethod
    def load(cls, session: Session) -> SubscriptionIndex:
        """Every subscription of every active chat, as Core rows, not ORM objects:
        measured on 100,000 subscriptions, Core tuples load in 143 ms and ~25 MiB,
        ORM objects in 1,030 ms and ~102 MiB."""
        rows = active_subscriptions_rows(session)
        return cls.from_rows(rows)

    @classmethod
    def from_rows(cls, rows: Iterable[Row]) -> SubscriptionIndex:
        """(chat_pk, kind, value, label, include_children, exclude, chat since) rows."""
        index = cls()
        since: dict[int, datetime] = {}
        chats: dict[int, None] = {}  # every chat, in order of appearance
        for chat_pk, kind, value, label, include_children, exclude, chat_since in rows:
            chats[chat_pk] = None
            if chat_since is not None:
                since[chat_pk] = chat_since
            if kind == "unit":
                target = index._units_tree if include_children else index._units_direct
                index._add(target, value, chat_pk, label)
            elif kind == "topic":
                index._add(index._topics, value, chat_pk, label)
            elif kind == "keyword":
                index._add_keyword(chat_pk, label, value, exclude or "")
        index._assign_bits(chats)
        index._freeze(since)
        return index

    def _assign_bits(self, chats: dict[int, None]) -> None:
        """Chats with keyword subscriptions get the lowest bits.

        An int's size, and so the cost of every OR with it, is set by its highest
        bit: keyword postings are sparse, and the keyword bits of a story are
        ORed among themselves before the (dense) unit and topic bits."""
        first: dict[int, None] = {}
        for rule_chats in self._rules.chats.values():
            first.update(dict.fromkeys(rule_chats))
        for posting in self._plain.values():
            first.update(dict.fromkeys(posting.labels))
        self._pks = [*first, *(pk for pk in chats if pk not in first)]
        self._bit = {pk: bit for bit, pk in enumerate(self._pks)}

    def _add(self, target: dict[str, _Posting], key: str, chat_pk: int, label: str) -> None:
        posting = target.get(key)
        if posting is None:
            posting = target[key] = _Posting()
        posting.labels.setdefault(chat_pk, []).append(label)
        self._count += 1

    def _phrases_of(self, value: str) -> tuple[int, ...]:
        """Phrase ids of a subscription's text (parsed once per distinct text)."""
        pids = self._parsed.get(value)
        if pids is None:
            found = (self._phrase(p) for p in split_phrases(value))
            pids = self._parsed[value] = tuple(dict.fromkeys(p for p in found if p is not None))
        return pids

    def _phrase(self, text: str) -> int | None:
        key, folded = key_for_query(text)
        if not key:
            return None
        pid = self._phrase_ids.get((key, folded))
        if pid is None:
            pid = self._phrase_ids[(key, folded)] = len(self._phrase_ids)
            (self._folded if folded else self._exact).add(key.split(), pid)
        return pid

    def _add_keyword(self, chat_pk: int, label: str, value: str, exclude: str) -> None:
        include = self._phrases_of(value)
        if not include:
            return
        excluded = frozenset(self._phrases_of(exclude)) if exclude else frozenset()
        if len(include) == 1 and not excluded:
            posting = self._plain.get(include[0])
            if posting is None:
                posting = self._plain[include[0]] = _Posting()
            posting.labels.setdefault(chat_pk, []).append(label)
        else:
            self._rules.add((frozenset(include), excluded), chat_pk, label)
        self.keywords += 1
        self._count += 1

    def _freeze(self, since: dict[int, datetime]) -> None:
        """Labels -> bitsets, keyword rules -> their bits, since -> a sorted list."""
        bit = self._bit
        for postings in (self._units_direct, self._units_tree, self._topics, self._plain):
            for posting in postings.values():
                posting.freeze(bit)
        for pid, posting in self._plain.items():
            if posting.low or posting.scattered:
                self._plain_other[pid] = posting
            else:
                self._plain_bits[pid] = posting.bits
        self._rules.freeze(bit)
        ordered = sorted(since.items(), key=lambda item: item[1])
        self._since = [moment for _pk, moment in ordered]
        self._since_bits = [bit[pk] for pk, _moment in ordered]

    def __len__(self) -> int:
        """The number of subscriptions indexed."""
        return self._count

    # --- matching -----------------------------------------------------------------

    def phrases_in(self, title: str, text: str) -> set[int]:
        """Ids of the indexed phrases present in the story's title or text."""
        present: set[int] = set()
        words = f"{exact_key(title)} {_BOUNDARY} {exact_key(text)}".split()
        if self._exact:
            self._exact.find(words, present)
        if self._folded:
            # The folded key is the exact key without diacritics: fold word by word.
            self._folded.find(list(map(_FOLDED.__getitem__, words)), present)
        return present

    def match(self, story: StoryView, unit_ids_with_ancestors: set[str]) -> Matches:
        """The chats with a subscription the story matches, each with its labels.

        ``unit_ids_with_ancestors``: every unit of the story (direct ones and
        their ancestors), for subscriptions that include sub-units.  Baseline
        stories, and stories first seen before a chat's ``since``, match
        nobody: they are history, not news."""
        if story.baseline or not self._pks:
            return Matches(self, 0, [], set())
        postings: list[_Posting] = []
        direct = {uid for uid, _name in story.units}
        postings += filter(None, map(self._units_direct.get, direct))
        postings += filter(None, map(self._units_tree.get, direct | unit_ids_with_ancestors))
        postings += filter(None, map(self._topics.get, story.topics))
        bits = _union(postings)
        present: set[int] = set()
        if self.keywords:
            present = self.phrases_in(story.title, story.text or story.description or "")
            # Keyword chats have the lowest bits: their OR stays small until the end.
            plain, other = self._plain_bits, self._plain_other
            found = reduce(or_, map(plain.__getitem__, plain.keys() & present), 0)
            found |= _union(map(other.__getitem__, other.keys() & present))
            if self._rules:
                found |= self._rules.hits(present)
            bits |= found
        if bits and self._since:
            bits &= ~self._not_started(story.first_seen)
        return Matches(self, bits, postings, present)

    def _not_started(self, first_seen: datetime | None) -> int:
        """Bits of the chats whose ``since`` is at or after ``first_seen``."""
        if first_seen is None or first_seen > self._since[-1]:
            return 0  # the usual case: the story is newer than every chat
        late = self._late.get(first_seen)
        if late is None:
            if len(self._late) > 256:  # one batch of stories shares few first_seen values
                self._late.clear()
            start = bisect_left(self._since, first_seen)
            late = self._late[first_seen] = bitset(self._since_bits[start:])
        return late


class Matches(Mapping[int, list[str]]):
    """The chats a story matches, as a mapping chat_pk -> the labels of the chat's
    matching subscriptions.  Holds a bitset: the chats become a set and the
    labels are looked up only when asked for (e.g. for the chats that get a push)."""

    __slots__ = ("_bits", "_chats", "_index", "_maps", "_postings", "_present")

    def __init__(
        self,
        index: SubscriptionIndex,
        bits: int,
        postings: list[_Posting],
        present: set[int],
    ) -> None:
        self._index = index
        self._bits = bits
        self._postings = postings
        self._present = present
        self._chats: set[int] | None = None
        self._maps: list[Labels] | None = None  # made on the first label lookup

    @property
    def bits(self) -> int:
        """The matched chats as bits of the index (bit i: the index's i-th chat)."""
        return self._bits

    @property
    def chats(self) -> set[int]:
        if self._chats is None:
            self._chats = set(self._ordered())
        return self._chats

    def _ordered(self) -> Iterator[int]:
        # bin() and compress() run in C: about a millisecond for 30,000 chats.
        selectors = bin(self._bits)[:1:-1].encode("ascii").translate(_BITS_TO_BYTES)
        return compress(self._index._pks, selectors)

    def __len__(self) -> int:
        return self._bits.bit_count()

    def __iter__(self) -> Iterator[int]:
        return iter(self.chats)

    def __contains__(self, chat_pk: object) -> bool:
        if self._chats is not None:  # a set lookup, not a shift of a 30,000-bit int
            return chat_pk in self._chats
        if not isinstance(chat_pk, int):
            return False
        bit = self._index._bit.get(chat_pk)
        return bit is not None and (self._bits >> bit) & 1 == 1

    def __getitem__(self, chat_pk: int) -> list[str]:
        if chat_pk not in self:
            raise KeyError(chat_pk)
        index = self._index
        if self._maps is None:
            plain = index._plain
            self._maps = [p.labels for p in self._postings]
            self._maps += (plain[pid].labels for pid in sorted(plain.keys() & self._present))
        found: list[str] = []
        for labels in self._maps:
            found += labels.get(chat_pk, ())
        if index._rules:
            found += index._rules.labels(chat_pk, self._present)
        return list(dict.fromkeys(found))
