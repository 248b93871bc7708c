"""Matching benchmark: build the subscription index and match new stories against it.

Usage::

    python bench/matching.py [--subscriptions 100000] [--stories 1000] [--seed 7]

The workload follows ``../shared/docs/scale.md`` §3: 30% as many chats as
subscriptions (30,000 officers for 100,000 subscriptions); 50% unit
subscriptions (700 units, 70% with sub-units), 35% topic (24 topics), 15%
keyword phrases.  The phrases are the ~2,000 most widespread 1-3-syllable
phrases of real union articles (the dev set) that an officer could follow:
none begins or ends with a function word ("của", "và", "các"…), none is in
more than half of the articles ("công đoàn"), none is a fragment of a longer
one, and single syllables only from a short list of words followed on their
own ("tết", "lương", "bhxh").  A
third are typed without diacritics, a fifth carry an excluded word; all
picks are Zipf-skewed.  Stories are windows of those articles (12-word
title, 60-400-word text) with one unit and 1-3 topics.  Printed: build and
match times, the (chat, story) pairs produced, ns per pair, and the resident
memory of this process holding the index.

The machine is shared and its speed varies from run to run, so the same run
also times a baseline: the naive loop (every subscription checked against
every story, with precomputed keys: ``../shared/docs/scale.md`` §3 measured
9.3 s for 1,000 stories) on a 10 % sample of the stories, scaled to all of
them.  ``naive_over_match`` is how many times faster the index is, and
``naive_pairs_agree`` that both found the same pairs on the sample.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.delivery.routing import SubscriptionIndex, split_phrases  # noqa: E402
from feeds.vntext import exact_key, fold, key_for_query  # noqa: E402
from storage.queries import StoryView  # noqa: E402

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


def run(n_subs: int, n_stories: int, seed: int) -> dict[str, float | int | bool]:
    docs = corpus_words()
    rows = subscription_rows(n_subs, docs, seed)
    items = stories(n_stories, docs, seed + 4)
    started = time.perf_counter()
    index = SubscriptionIndex.from_rows(rows)
    build = time.perf_counter() - started
    started = time.perf_counter()
    matches = [index.match(s, ancestors(s)) for s in items]
    pairs = sum(map(len, matches))
    match = time.perf_counter() - started
    rss = rss_mib()  # before the baseline's data
    sample = items[:: max(len(items) // 100, 10)]  # 10 %
    started = time.perf_counter()
    naive = naive_chats(rows, sample)
    naive_s = (time.perf_counter() - started) * len(items) / len(sample)
    fast = [matches[i] for i in range(0, len(items), max(len(items) // 100, 10))]
    return {
        "subscriptions": len(index),
        "chats": len({r[0] for r in rows}),
        "keyword_phrases": len({fold(r[2]) for r in rows if r[1] == "keyword"}),
        "stories": len(items),
        "build_s": round(build, 3),
        "match_s": round(match, 3),
        "pairs": pairs,
        "ns_per_pair": round(match / max(pairs, 1) * 1e9, 1),
        "us_per_story": round(match / max(len(items), 1) * 1e6, 1),
        "stories_per_s": round(len(items) / match, 1),
        "rss_mib": rss,
        "naive_s_scaled": round(naive_s, 2),
        "naive_over_match": round(naive_s / match, 1),
        "naive_pairs_agree": [m.chats for m in fast] == naive,
    }


def rss_mib() -> float:
    """This process's resident memory now (it holds the index, the rows and the corpus)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--stories", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(run(args.subscriptions, args.stories, args.seed)))


if __name__ == "__main__":
    main()
