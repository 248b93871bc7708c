"""Scoring of the analyzer against a labelled dev set (``tests/data/*.jsonl``).

Shared by ``bench/understanding.py`` (the full report with speed) and
``tests/test_analyze.py`` (the project's targets on the extra set): micro
precision/recall/F1 for units, topics and event dates, P/R/F1 per topic, and
summary sanity checks.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Analyzer = Callable[..., dict[str, Any]]


@dataclass
class Score:
    """Micro-averaged counts plus per-item errors for one category."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    per_item: list[tuple[str, list[str], list[str]]] = field(default_factory=list)

    def add(self, item_id: str, gold: set, pred: set) -> None:
        fps = sorted(map(str, pred - gold))
        fns = sorted(map(str, gold - pred))
        self.tp += len(gold & pred)
        self.fp += len(fps)
        self.fn += len(fns)
        self.per_item.append((item_id, fps, fns))

    @property
    def precision(self) -> float:
        # No prediction at all is vacuously precise only if nothing was expected.
        denom = self.tp + self.fp
        return self.tp / denom if denom else (1.0 if self.fn == 0 else 0.0)

    @property
    def recall(self) -> float:
        denom = self.tp + self.fn
        return self.tp / denom if denom else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def worst(self, n: int = 10) -> list[tuple[str, list[str], list[str]]]:
        bad = [row for row in self.per_item if row[1] or row[2]]
        bad.sort(key=lambda row: (-(len(row[1]) + len(row[2])), row[0]))
        return bad[:n]

    def as_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "worst": [{"id": i, "false_pos": fp, "false_neg": fn} for i, fp, fn in self.worst()],
        }


def norm_name(name: str) -> str:
    """Comparison key for unit names: NFC, casefold, collapsed whitespace."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def load_devset(path: Path) -> list[dict[str, Any]]:
    """Read a JSONL set (one object per non-empty line); a folder: all its ``*.jsonl``."""
    items = []
    for part in sorted(path.glob("*.jsonl")) if path.is_dir() else [path]:
        with part.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    items.append(json.loads(line))
    return items


def run_item(analyze: Analyzer, item: dict[str, Any]) -> dict[str, Any]:
    """Call the analyzer on one dev-set item."""
    published = dt.date.fromisoformat(item["published"]) if item["published"] else None
    return analyze(
        item["title"],
        item["text"],
        published,
        url=item.get("url"),
        source_province=item.get("source_province"),
    )


# --- summary checks ---------------------------------------------------------

# Abbreviations whose dot does not end a sentence ("TP. Vinh", "Th.S Nguyễn").
_ABBREV_DOT = re.compile(r"\b(?:TP|TX|Th\.S|ThS|TS|PGS|GS|BS|Ths|v\.v|St|Mr|Mrs|Ô|B)\.\s*$")
_SENT_END = re.compile(r"[.!?…]+[\"”’)]*(?=\s+[\"“(]?[A-ZÀ-ỸĐ0-9])")
_CAPTION = re.compile(r"(?:\bẢnh\s*:|\(Ảnh\b|\bảnh\s+\d+\s*$|^Ảnh\b|\bNguồn\s*:)", re.IGNORECASE)
_FURNITURE = re.compile(
    r"^(?:Chào mừng bạn đến|TIN TỨC MỚI NHẤT|THÔNG BÁO|Tin mới|Tin cùng chuyên mục|Từ khóa)",
    re.IGNORECASE,
)
_SLOGAN = re.compile(r"(?:Đoàn kết,\s*trí tuệ|quyết tâm thực hiện thắng lợi|muôn năm|!\s*$)")


def count_sentences(text: str) -> int:
    """Rough Vietnamese sentence count that skips abbreviation dots."""
    count, start = 0, 0
    for m in _SENT_END.finditer(text):
        if _ABBREV_DOT.search(text[start : m.end()]):
            continue
        count += 1
        start = m.end()
    return count + (1 if text[start:].strip() else 0)


def summary_problems(summary: Any) -> list[str]:
    """Reasons a summary fails the sanity checks (empty list = fine)."""
    if not isinstance(summary, str) or not summary.strip():
        return ["empty"]
    s = summary.strip()
    problems = []
    if len(s) > 300:
        problems.append("too_long")
    if count_sentences(s) > 2:
        problems.append("too_many_sentences")
    if _CAPTION.search(s) or _FURNITURE.search(s):
        problems.append("caption_or_furniture")
    if _SLOGAN.search(s):
        problems.append("slogan")
    return problems


# --- scoring ----------------------------------------------------------------


def unit_names(units: Iterable[Any]) -> set[str]:
    """Normalized unit names from gold strings or predicted {"id","name"} dicts."""
    out = set()
    for u in units:
        name = u.get("name", "") if isinstance(u, dict) else u
        if name:
            out.add(norm_name(name))
    return out


def topic_ids(topics: Iterable[Any]) -> set[str]:
    return {t.get("id", "") if isinstance(t, dict) else t for t in topics} - {""}


def event_dates(events: Iterable[dict[str, Any]]) -> set[str]:
    return {e.get("date") for e in events if e.get("date")}


def event_datetimes(events: Iterable[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(e["date"], e.get("time") or "-") for e in events if e.get("date")}


def per_topic(items: list[dict[str, Any]], preds: list[dict[str, Any] | None]) -> dict:
    """Topic id -> P/R/F1 counts over the set (every topic in gold or predictions)."""
    scores: dict[str, Score] = {}
    for item, pred in zip(items, preds, strict=True):
        gold = topic_ids(item["topics"])
        got = topic_ids((pred or {}).get("topics", []))
        for tid in gold | got:
            scores.setdefault(tid, Score()).add(item["id"], gold & {tid}, got & {tid})
    out = {}
    for tid in sorted(scores):
        d = scores[tid].as_dict()
        d.pop("worst")
        out[tid] = d
    return out


def score(items: list[dict[str, Any]], preds: list[dict[str, Any] | None]) -> dict[str, Any]:
    """Compare predictions with gold labels; ``None`` marks an analyzer error."""
    units, topics, dates, datetimes, known = Score(), Score(), Score(), Score(), Score()
    summary_fail: dict[str, list[str]] = {}
    for item, pred in zip(items, preds, strict=True):
        pred = pred or {}
        iid = item["id"]
        units.add(iid, unit_names(item["units"]), unit_names(pred.get("units", [])))
        topics.add(iid, topic_ids(item["topics"]), topic_ids(pred.get("topics", [])))
        pev = pred.get("events", []) or []
        dates.add(iid, event_dates(item["events"]), event_dates(pev))
        datetimes.add(iid, event_datetimes(item["events"]), event_datetimes(pev))
        if item.get("published"):
            # How issue 11 first measured events: on the items whose day is known (a feed
            # item always has one: its date, else the day it was fetched).
            known.add(iid, event_dates(item["events"]), event_dates(pev))
        problems = summary_problems(pred.get("summary"))
        if problems:
            summary_fail[iid] = problems
    n = len(items)
    return {
        "items": n,
        "errors": sum(p is None for p in preds),
        "units": units.as_dict(),
        "topics": topics.as_dict(),
        "per_topic": per_topic(items, preds),
        "event_dates": dates.as_dict(),
        "event_datetimes": datetimes.as_dict(),
        "event_dates_day_known": known.as_dict(),
        "summary": {
            "ok": n - len(summary_fail),
            "ok_ratio": round((n - len(summary_fail)) / n, 4) if n else 0.0,
            "failures": summary_fail,
        },
    }
