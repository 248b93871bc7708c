"""The held-out set (tests/data/heldout.jsonl) parses and follows the label contract.

It is the project's honest yardstick for the analyzer (see tests/data/HELDOUT.md):
this test checks its shape only, never what the analyzer says about it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tests.test_devset_format import FIELDS, KINDS, TOPICS

HELDOUT = Path(__file__).parent / "data" / "heldout.jsonl"


def test_heldout_items_follow_the_contract() -> None:
    items = [
        json.loads(line)
        for line in HELDOUT.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert len(items) >= 60
    assert len({i["id"] for i in items}) == len(items)
    for item in items:
        assert set(item) == FIELDS | {"origin"}, item["id"]
        assert item["origin"] == "written" or item["origin"].startswith("real:")
        assert item["title"].strip() and item["text"].strip()
        published = dt.date.fromisoformat(item["published"]) if item["published"] else None
        assert all(isinstance(u, str) and u for u in item["units"])
        assert set(item["topics"]) <= TOPICS, item["id"]
        for event in item["events"]:
            day = dt.date.fromisoformat(event["date"])
            assert event["kind"] in KINDS
            assert event["time"] is None or dt.time.fromisoformat(event["time"])
            assert published is None or day >= published, item["id"]
    assert sum(i["origin"].startswith("real:") for i in items) >= 30
