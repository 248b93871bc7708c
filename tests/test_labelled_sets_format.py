"""The labelled folders (blind2/, devset_general/) follow the label contract.

Each folder was labelled by three people who never read the analyzer (see the folder's
README.md and its parts' .md files).  Like test_corpus_format, this checks shape,
vocabulary and novelty only, never what the analyzer says about the items.  There is no
hash split here: a folder is blind (blind2) or development material (devset_general) whole.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.test_corpus_format import item_problems

DATA = Path(__file__).parent / "data"
# folder -> (part -> id prefix), and the sets that existed before it was labelled.
FOLDERS = {
    "blind2": {"north": "xa", "central": "xb", "south": "xc"},
    "devset_general": {
        "north": "ga",
        "central": "gb",
        "south": "gc",
        "older": "gd",
        "middle": "ge",
        "recent": "gf",
        "portals": "gg",
        "papers": "gh",
        "national": "gi",
        "law": "gj",
        "emul": "gk",
        "dated": "gl",
        "merged": "gm",
        "relations": "gn",
        "ceremony": "gp",
        "members": "gq",
        "commend": "gr",
        "local": "gs",
        "mekong": "gt",
        "northern": "gu",
        "coastal": "gv",
    },
}
FIRST_SETS = (
    "corpus_train.jsonl",
    "corpus_blind.jsonl",
    "devset.jsonl",
    "devset_extra.jsonl",
    "heldout.jsonl",
)
EARLIER = {
    "blind2": FIRST_SETS,
    "devset_general": (
        *FIRST_SETS,
        "devset_events.jsonl",
        "devset_events2.jsonl",
        "blind2/north.jsonl",
        "blind2/central.jsonl",
        "blind2/south.jsonl",
    ),
}
# folder -> (at least this many items, source provinces, items with events)
SPREAD = {"blind2": (150, 30, 15), "devset_general": (840, 45, 60)}


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _items(folder: str) -> list[dict]:
    return [item for name in FOLDERS[folder] for item in _load(DATA / folder / f"{name}.jsonl")]


@pytest.mark.parametrize(
    ("folder", "name"), [(f, n) for f, parts in FOLDERS.items() for n in sorted(parts)]
)
def test_each_line_follows_the_contract(folder: str, name: str) -> None:
    items = _load(DATA / folder / f"{name}.jsonl")
    prefix = FOLDERS[folder][name]
    problems = [
        problem
        for item in items
        # The id prefix and the hash split are the first corpus's; these sets have their own.
        for problem in item_problems(item, "blind")
        if "half" not in problem
    ]
    problems += [
        f"{item['id']}: id is not {prefix}NNN"
        for item in items
        if not (item["id"][:2] == prefix and item["id"][2:].isdigit())
    ]
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_no_item_is_seen_twice_or_seen_before(folder: str) -> None:
    items = _items(folder)
    for key in ("id", "url", "title"):
        counts = Counter(str(item[key]).strip().casefold() for item in items)
        assert not [v for v, n in counts.items() if n > 1], key
    earlier = set()
    for name in EARLIER[folder]:
        for item in _load(DATA / name):
            earlier |= {item["url"], item["title"].strip().casefold()}
    seen = [
        i["id"] for i in items if i["url"] in earlier or i["title"].strip().casefold() in earlier
    ]
    assert not seen, seen


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_size_and_spread(folder: str) -> None:
    items = _items(folder)
    least_items, least_provinces, least_with_events = SPREAD[folder]
    assert len(items) >= least_items
    provinces = {i["source_province"] for i in items if i["source_province"]}
    assert len(provinces) >= least_provinces, sorted(provinces)
    assert sum(1 for i in items if i["events"]) >= least_with_events
