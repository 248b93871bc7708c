"""The matching workload shared by ``bench/matching.py`` and ``tests/test_matching.py``.

Subscriptions and stories drawn from the dev set's real union articles (see the
bench's docstring for the mix), and the naive per-subscription loop both the
bench and the test compare the index against.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.delivery.routing import split_phrases
from feeds.vntext import exact_key, fold, key_for_query
from storage.queries import StoryView

ROOT = Path(__file__).resolve().parents[2]
DEVSET = ROOT / "tests" / "data" / "devset.jsonl"
ZIPF = 1.5  # exponent of the skew: higher = more popular favourites
UNITS, TOPICS, PHRASES = 700, 24, 2000
# Words nobody follows on their own, nor begins or ends a phrase with.
_FUNCTION_WORDS = (
    "của và các là có được cho với trong những đã này để từ đến tại theo về một không "
    "khi thì mà như nhưng hoặc cũng đang sẽ rằng nên vì do bị ra vào lên trên dưới sau "
    "trước qua nhiều mỗi mọi cùng nhất hơn đó đây ấy nào gì ai đều vẫn còn lại thêm rất "
    "chỉ bởi nếu hay đối tới bằng làm"
)
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())
# Single syllables an officer does follow on their own.
_SINGLE_WORDS = "tết lương thưởng bão lũ thuế nhà bhxh bhyt cđcs lđlđ"
SINGLE_WORDS = frozenset(_SINGLE_WORDS.split())
SubscriptionRow = tuple[int, str, str, str, bool, str, datetime | None]


def corpus_words() -> list[list[str]]:
    """Each dev-set article as its list of words (casefolded, diacritics kept)."""
    with DEVSET.open(encoding="utf-8") as fh:
        return [exact_key(json.loads(line)["text"]).split() for line in fh if line.strip()]


def _zipf(rng: random.Random, n: int) -> int:
    """An index in [0, n) with a Zipf-like skew (popular units/topics/phrases)."""
    return min(int(n * rng.random() ** ZIPF), n - 1)


def union_phrases(docs: list[list[str]], n: int = PHRASES) -> list[str]:
    """The ``n`` phrases of 1-3 syllables in most articles that an officer could follow.

    A phrase must be whole: one that nearly always (80 %) sits inside a longer
    one ("bộ công" in "bộ công đoàn", "cáo" in "báo cáo") is a fragment."""
    df: Counter[tuple[str, ...]] = Counter()
    for doc in docs:
        df.update(
            {tuple(doc[i : i + size]) for size in (1, 2, 3, 4) for i in range(len(doc) - size + 1)}
        )
    widest: Counter[tuple[str, ...]] = Counter()  # gram -> df of its commonest extension
    for gram, count in df.items():
        if len(gram) > 1:
            for part in (gram[1:], gram[:-1]):
                widest[part] = max(widest[part], count)
    half = len(docs) // 2
    kept = []
    for gram, count in df.items():
        if len(gram) > 3 or count < 2 or count > half or widest[gram] >= 0.8 * count:
            continue
        if gram[0] in FUNCTION_WORDS or gram[-1] in FUNCTION_WORDS:
            continue
        if not all(w.isalpha() for w in gram):  # numbers, codes, punctuation
            continue
        if len(gram) == 1 and gram[0] not in SINGLE_WORDS:
            continue  # a lone syllable is mostly a piece of a word ("khai", "quả")
        kept.append((-count, gram))
    kept.sort()
    return [" ".join(gram) for _count, gram in kept[:n]]


def subscription_rows(n: int, docs: list[list[str]], seed: int = 7) -> list[SubscriptionRow]:
    rng = random.Random(seed)
    phrases = union_phrases(docs)
    words = sorted({w for doc in docs for w in doc if w not in FUNCTION_WORDS and w.isalpha()})
    rows: list[SubscriptionRow] = []
    for _ in range(n):
        chat = rng.randrange(max(n * 3 // 10, 1))
        roll = rng.random()
        if roll < 0.5:
            unit = f"unit-{_zipf(rng, UNITS)}"
            rows.append((chat, "unit", unit, unit, rng.random() < 0.7, "", None))
        elif roll < 0.85:
            topic = f"topic-{_zipf(rng, TOPICS)}"
            rows.append((chat, "topic", topic, topic, True, "", None))
        else:
            phrase = phrases[_zipf(rng, len(phrases))]
            if rng.random() < 0.33:
                phrase = fold(phrase)
            exclude = rng.choice(words) if rng.random() < 0.2 else ""
            rows.append((chat, "keyword", phrase, phrase, True, exclude, None))
    return rows


def stories(n: int, docs: list[list[str]], seed: int = 11) -> list[StoryView]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    out = []
    for i in range(n):
        doc = rng.choice(docs)
        start = rng.randrange(max(len(doc) - 12, 1))
        length = rng.randint(60, 400)
        out.append(
            StoryView(
                id=i,
                title=" ".join(doc[start : start + 12]),
                url=f"https://example.vn/{i}",
                source_id="bench",
                source_name="Bench",
                published=None,
                first_seen=now,
                text=" ".join(doc[start : start + length]),
                description=None,
                summary=None,
                links=(),
                units=((f"unit-{_zipf(rng, UNITS)}", "Unit"),),
                topics=tuple(f"topic-{_zipf(rng, TOPICS)}" for _ in range(rng.randint(1, 3))),
                events=(),
                baseline=False,
            )
        )
    return out


def ancestors(story: StoryView) -> set[str]:
    """The bench's unit tree: every unit sits under ``unit-0``."""
    return {story.units[0][0], "unit-0"}


def naive_chats(rows: list[SubscriptionRow], items: list[StoryView]) -> list[set[int]]:
    """Each story's chats by the naive loop: one check per (story, subscription).

    Keys are computed once per subscription and per story (the fair naive
    loop); a phrase is a substring with spaces around, in the title or the text."""
    subs = []
    for chat, kind, value, _label, children, exclude, _since in rows:
        if kind == "keyword":
            include = [k for p in split_phrases(value) if (k := key_for_query(p))[0]]
            excluded = [k for p in split_phrases(exclude) if (k := key_for_query(p))[0]]
            value = (
                [(f" {key} ", folded) for key, folded in include],
                [(f" {key} ", folded) for key, folded in excluded],
            )
        subs.append((chat, kind, value, children))
    out = []
    for story in items:
        exact = f" {exact_key(story.title)} \x00 {exact_key(story.text)} "
        texts = {False: exact, True: fold(exact)}
        direct = {uid for uid, _name in story.units}
        tree = direct | ancestors(story)
        chats = set()
        for chat, kind, value, children in subs:
            if kind == "unit":
                hit = value in (tree if children else direct)
            elif kind == "topic":
                hit = value in story.topics
            else:
                include, excluded = value
                hit = bool(include)
                for key, folded in include:
                    hit = hit and key in texts[folded]
                for key, folded in excluded:
                    hit = hit and key not in texts[folded]
            if hit:
                chats.add(chat)
        out.append(chats)
    return out
