"""The second blind set (tests/data/blind2/*.jsonl) follows the label contract.

Labelled on 2026-12-06 by three people who never read the analyzer (see
tests/data/blind2/README.md), after the first blind split had been looked at.
Like test_corpus_format, this checks shape, vocabulary and novelty only, never what
the analyzer says about the items.  There is no hash split here: every item is blind.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.test_corpus_format import item_problems

DATA = Path(__file__).parent / "data"
PARTS = {"north": "xa", "central": "xb", "south": "xc"}
EARLIER = (
    "corpus_train.jsonl",
    "corpus_blind.jsonl",
    "devset.jsonl",
    "devset_extra.jsonl",
    "heldout.jsonl",
)


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _part(name: str) -> list[dict]:
    return _load(DATA / "blind2" / f"{name}.jsonl")


@pytest.mark.parametrize("name", sorted(PARTS))
def test_each_line_follows_the_contract(name: str) -> None:
    items = _part(name)
    problems = [
        problem
        for item in items
        # The id prefix and the hash split are the first corpus's; this set has its own.
        for problem in item_problems(item, "blind")
        if "half" not in problem
    ]
    problems += [
        f"{item['id']}: id is not {PARTS[name]}NNN"
        for item in items
        if not (item["id"][:2] == PARTS[name] and item["id"][2:].isdigit())
    ]
    assert not problems, "\n".join(problems[:40])


def test_no_item_is_seen_twice_or_seen_before() -> None:
    items = [item for name in PARTS for item in _part(name)]
    for key in ("id", "url", "title"):
        counts = Counter(str(item[key]).strip().casefold() for item in items)
        assert not [v for v, n in counts.items() if n > 1], key
    earlier = set()
    for name in EARLIER:
        for item in _load(DATA / name):
            earlier |= {item["url"], item["title"].strip().casefold()}
    seen = [
        i["id"] for i in items if i["url"] in earlier or i["title"].strip().casefold() in earlier
    ]
    assert not seen, seen


def test_size_and_spread() -> None:
    items = [item for name in PARTS for item in _part(name)]
    assert len(items) >= 150
    provinces = {i["source_province"] for i in items if i["source_province"]}
    assert len(provinces) >= 30, sorted(provinces)
    assert sum(1 for i in items if i["events"]) >= 15
