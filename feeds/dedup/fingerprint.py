"""Near-duplicate detection for stories carried by several sites.

A reprint (congdoannghean.vn carrying a baonghean.vn article, seed 004)
differs in captions, whitespace, a credit line and sometimes the title, so an
exact hash misses it.  Two stages, cheap first:

1. a 64-bit SimHash over the folded words: near copies land within a few bits
   (measured on the seeds: 2–6 bits for caption/credit edits, 11–18 bits
   between unrelated union articles, which share much vocabulary);
2. for candidates within :data:`CANDIDATE_DISTANCE` bits (found through eight
   8-bit bands: any two fingerprints that close share a band), the Jaccard overlap
   of word 3-gram shingles decides (:data:`MIN_JACCARD`), which is exact and
   does not confuse two different meetings of the same federation.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable

from feeds.vntext import fold_key

CANDIDATE_DISTANCE = 7  # bits; eight 8-bit bands guarantee every pair this close is found
BANDS = 8
MIN_JACCARD = 0.5
MIN_WORDS = 30  # shorter texts are too small to compare reliably


def _hash64(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "big")


def _spread_table() -> list[int]:
    """Byte value -> its 8 bits spread into 8 lanes of 16 bits (bit i -> lane i)."""
    return [sum(((byte >> i) & 1) << (16 * i) for i in range(8)) for byte in range(256)]


_SPREAD = _spread_table()
_LANE = 0xFFFF


def simhash(text: str) -> int | None:
    """Unsigned 64-bit SimHash of the folded words, or None for short texts.

    Bit-sliced: each word's 64-bit hash is spread into 64 lanes of 16 bits of
    one big integer, so summing the weighted hashes counts, per bit, how many
    word occurrences have it set, in one integer addition per word instead
    of 64 Python operations (texts stay far below 65,535 words).
    """
    words = fold_key(text).split()
    if len(words) < MIN_WORDS:
        return None
    counts: dict[str, int] = {}
    for word in words:
        counts[word] = counts.get(word, 0) + 1
    acc = 0
    for word, count in counts.items():
        h = _hash64(word)
        spread = 0
        for k in range(8):
            spread |= _SPREAD[(h >> (8 * k)) & 0xFF] << (128 * k)
        acc += count * spread
    total = len(words)
    fp = 0
    for bit in range(64):
        if 2 * ((acc >> (16 * bit)) & _LANE) > total:
            fp |= 1 << bit
    return fp


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def shingles(text: str) -> frozenset[int]:
    """Hashes of the word 3-grams of the folded text."""
    words = fold_key(text).split()
    return frozenset(hash(" ".join(words[i : i + 3])) for i in range(max(len(words) - 2, 1)))


def overlap(a: frozenset[int], b: frozenset[int]) -> float:
    """Jaccard similarity of two shingle sets."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def jaccard(a: str, b: str) -> float:
    return overlap(shingles(a), shingles(b))


def is_near_duplicate(text_a: str, fp_a: int | None, text_b: str, fp_b: int | None) -> bool:
    """Same story told twice: close fingerprints and mostly the same word sequences."""
    if fp_a is None or fp_b is None or distance(fp_a, fp_b) > CANDIDATE_DISTANCE:
        return False
    return jaccard(text_a, text_b) >= MIN_JACCARD


def to_signed(fp: int) -> int:
    """Store an unsigned 64-bit value in a signed BIGINT column."""
    return fp - (1 << 64) if fp >= 1 << 63 else fp


def to_unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def content_hash(text: str) -> str:
    """Exact-duplicate key: the same words in the same order, whatever the spacing."""
    return hashlib.sha256(fold_key(text).encode()).hexdigest()


def bands(fp: int) -> list[tuple[int, int]]:
    """(band number, 8-bit value) pairs used to find candidates."""
    return [(i, (fp >> (8 * i)) & 0xFF) for i in range(BANDS)]


# MinHash: 16 hash functions (a*x + b mod 2^61-1) give a 16-number signature
# whose agreement estimates the Jaccard overlap of two shingle sets.
_PRIME = (1 << 61) - 1
_MINHASH = [
    (int.from_bytes(hashlib.blake2b(f"a{i}".encode(), digest_size=8).digest()) | 1,
     int.from_bytes(hashlib.blake2b(f"b{i}".encode(), digest_size=8).digest()))
    for i in range(16)
]  # fmt: skip
MIN_ESTIMATE = 0.25  # a signature agreeing less than this cannot be a near copy
REPRINT_DAYS = 3  # a reprint is published within days of the original


def signature(sh: frozenset[int]) -> tuple[int, ...]:
    values = [h & _PRIME for h in sh] or [0]
    return tuple(min((a * v + b) % _PRIME for v in values) for a, b in _MINHASH)


def estimate(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


class FingerprintIndex:
    """Recent stories' fingerprints, searchable without scanning them all.

    Three stages, cheapest first: SimHash bands find stories within a few bits;
    a 16-number MinHash signature per story (computed once, from the text the
    store hands over) rules out those that merely share vocabulary; only a
    likely copy has its text's shingles compared exactly.  Memory stays small
    (a signature is 16 integers), and a busy day of same-vocabulary union
    articles costs no database reads.
    """

    def __init__(self, max_shingle_sets: int = 3000) -> None:
        self._fps: dict[int, int] = {}
        self._bands: dict[tuple[int, int], set[int]] = {}
        self._sigs: dict[int, tuple[int, ...]] = {}
        self._days: dict[int, int] = {}  # publication day ordinal, when known
        # Exact shingle sets (~15 KB each) of the most recent stories only.
        self._shingles: OrderedDict[int, frozenset[int]] = OrderedDict()
        self._max_shingle_sets = max_shingle_sets

    def _remember(self, story_id: int, sh: frozenset[int]) -> frozenset[int]:
        self._shingles[story_id] = sh
        self._shingles.move_to_end(story_id)
        if len(self._shingles) > self._max_shingle_sets:
            self._shingles.popitem(last=False)
        return sh

    def __len__(self) -> int:
        return len(self._fps)

    def add(self, story_id: int, fp: int, text: str | None = None, day: int | None = None) -> None:
        self._fps[story_id] = fp
        if day is not None:
            self._days[story_id] = day
        if text:
            self._sigs[story_id] = signature(self._remember(story_id, shingles(text)))
        for band in bands(fp):
            self._bands.setdefault(band, set()).add(story_id)

    def find(
        self, fp: int, text: str, text_of: Callable[[int], str | None], day: int | None = None
    ) -> int | None:
        """The story this text nearly duplicates, or None.  ``day``: the text's
        publication day ordinal; stories published more than REPRINT_DAYS away
        are not candidates (an article and its reprints appear within days)."""
        mine = shingles(text)
        my_sig: tuple[int, ...] | None = None
        for story_id in self.candidates(fp):
            other_day = self._days.get(story_id)
            if day is not None and other_day is not None and abs(day - other_day) > REPRINT_DAYS:
                continue
            theirs = self._sigs.get(story_id)
            if theirs is None:  # loaded from the database at start: compute once
                other_text = text_of(story_id)
                if not other_text:
                    continue
                theirs = self._sigs[story_id] = signature(
                    self._remember(story_id, shingles(other_text))
                )
            my_sig = my_sig or signature(mine)
            if estimate(my_sig, theirs) < MIN_ESTIMATE:
                continue
            their_shingles = self._shingles.get(story_id)
            if their_shingles is None:
                other_text = text_of(story_id)
                if not other_text:
                    continue
                their_shingles = self._remember(story_id, shingles(other_text))
            if overlap(mine, their_shingles) >= MIN_JACCARD:
                return story_id
        return None

    def candidates(self, fp: int) -> list[int]:
        """Story ids within CANDIDATE_DISTANCE bits, closest first."""
        ids: set[int] = set()
        for band in bands(fp):
            ids |= self._bands.get(band, set())
        close = [(distance(fp, self._fps[i]), i) for i in ids]
        return [i for d, i in sorted(close) if d <= CANDIDATE_DISTANCE]
