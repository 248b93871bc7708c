"""Matching benchmark: build the subscription index and match new stories against it.

Usage::

    python bench/matching.py [--subscriptions 100000] [--stories 1000] [--seed 7]

The workload follows ``../shared/docs/scale.md`` §3: 30% as many chats as
subscriptions; 50% unit subscriptions (700 units, 70% with sub-units), 35%
topic (30 topics), 15% keyword phrases of 1-3 syllables taken from real union
articles (the dev set), a third of them typed without diacritics, a fifth
with an excluded word; all picks Zipf-skewed.  Stories are windows of those
articles (12-word title, 60-400-word text) with one unit and 1-3 topics.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.matching import SubscriptionIndex  # noqa: E402
from feeds.vntext import exact_key, fold  # noqa: E402
from storage.queries import StoryView  # noqa: E402

DEVSET = ROOT / "tests" / "data" / "devset.jsonl"
ZIPF = 1.5  # exponent of the skew: higher = more popular favourites
SubscriptionRow = tuple[int, str, str, str, bool, str, datetime | None]


def corpus_words() -> list[list[str]]:
    """Each dev-set article as its list of words (casefolded, diacritics kept)."""
    with DEVSET.open(encoding="utf-8") as fh:
        return [exact_key(json.loads(line)["text"]).split() for line in fh if line.strip()]


def _zipf(rng: random.Random, n: int) -> int:
    """An index in [0, n) with a Zipf-like skew (popular units/topics/phrases)."""
    return min(int(n * rng.random() ** ZIPF), n - 1)


def subscription_rows(n: int, docs: list[list[str]], seed: int = 7) -> list[SubscriptionRow]:
    rng = random.Random(seed)
    phrases = []
    for _ in range(2000):
        doc = rng.choice(docs)
        start = rng.randrange(max(len(doc) - 3, 1))
        phrases.append(" ".join(doc[start : start + rng.randint(1, 3)]))
    words = sorted({w for doc in docs for w in doc})
    rows: list[SubscriptionRow] = []
    for _ in range(n):
        chat = rng.randrange(max(n * 3 // 10, 1))
        roll = rng.random()
        if roll < 0.5:
            unit = f"unit-{_zipf(rng, 700)}"
            rows.append((chat, "unit", unit, unit, rng.random() < 0.7, "", None))
        elif roll < 0.85:
            topic = f"topic-{_zipf(rng, 30)}"
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
                units=((f"unit-{_zipf(rng, 700)}", "Unit"),),
                topics=tuple(f"topic-{_zipf(rng, 30)}" for _ in range(rng.randint(1, 3))),
                events=(),
                baseline=False,
            )
        )
    return out


def run(n_subs: int, n_stories: int, seed: int) -> dict[str, float]:
    docs = corpus_words()
    rows = subscription_rows(n_subs, docs, seed)
    items = stories(n_stories, docs, seed + 4)
    started = time.perf_counter()
    index = SubscriptionIndex.from_rows(rows)
    build = time.perf_counter() - started
    started = time.perf_counter()
    pairs = sum(len(index.match(s, {s.units[0][0], "unit-0"})) for s in items)
    match = time.perf_counter() - started
    return {
        "subscriptions": len(index),
        "stories": len(items),
        "build_s": round(build, 3),
        "match_s": round(match, 3),
        "pairs": pairs,
        "stories_per_s": round(len(items) / match, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--stories", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(run(args.subscriptions, args.stories, args.seed)))


if __name__ == "__main__":
    main()
