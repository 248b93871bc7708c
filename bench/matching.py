"""Matching benchmark: build the subscription index and match new stories against it.

Usage::

    python bench/matching.py [--subscriptions 100000] [--stories 1000] [--seed 7]

The workload is the project's scale model (tests/support/matching_workload.py):
30% as many chats as
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
every story, with precomputed keys: 9.3 s for 1,000 stories when the model
was first measured) on a 10 % sample of the stories, scaled to all of
them.  ``naive_over_match`` is how many times faster the index is, and
``naive_pairs_agree`` that both found the same pairs on the sample.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.delivery.routing import SubscriptionIndex  # noqa: E402
from feeds.vntext import fold  # noqa: E402
from tests.support.matching_workload import (  # noqa: E402
    ancestors,
    corpus_words,
    naive_chats,
    stories,
    subscription_rows,
)


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
