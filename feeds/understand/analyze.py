"""One item in, everything officers need out: summary, units, topics, events.

Combines :mod:`feeds.understand.summary`, :mod:`feeds.understand.units`, :mod:`feeds.understand.topics` and
:mod:`feeds.understand.events`.  Also the JSONL entry point of ``congdoan-bot analyze
--jsonl`` and of ``bench/understanding.py``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from feeds.understand.events import Event, extract_events
from feeds.understand.summary import summarize
from feeds.understand.topics import Topic, TopicClassifier, default_classifier
from feeds.understand.units import Unit, find_units, place_for_url, province_for_url


@dataclass(frozen=True)
class Analysis:
    """What the bot knows about one item."""

    summary: str
    units: list[Unit]
    topics: list[Topic]
    events: list[Event]

    def to_dict(self, title: str) -> dict[str, Any]:
        """JSON-ready form (dates ISO, times HH:MM)."""
        return {
            "title": title,
            "summary": self.summary,
            "units": [{"id": u.id, "name": u.name} for u in self.units],
            "topics": [{"id": t.id, "name": t.name} for t in self.topics],
            "events": [
                {
                    "date": e.date.isoformat(),
                    "time": e.time.strftime("%H:%M") if e.time else None,
                    "what": e.what,
                    "kind": e.kind,
                }
                for e in self.events
            ],
        }


def analyze(
    title: str,
    text: str,
    *,
    published: date | None = None,
    url: str | None = None,
    source_province: str | None = None,
    sapo: str | None = None,
    classifier: TopicClassifier | None = None,
) -> Analysis:
    """Summary, units, topics and events of one clean item.

    ``source_province`` (the default for "LĐLĐ tỉnh" without a name) falls back
    to the province of the URL's site; a district's or city's own site
    (nghiloc.nghean.gov.vn) also names its bare "LĐLĐ huyện".  The sapo, when the source gives one, is
    the summary and weighs as the lead for topics; units and events read it too,
    since sapos often carry the date and the organizer.
    """
    title = title or ""
    text = text or ""
    province = source_province or province_for_url(url)
    full = f"{sapo}\n{text}" if sapo and sapo.strip() not in text else text
    units = find_units(
        full, title=title, source_province=province, source_place=place_for_url(url, province)
    )
    if _before_reform(published, f"{title}\n{full}"):
        # "Công đoàn xã Bình Phú" in 2023 was a grassroots union; commune and ward
        # unions as upper-level units exist since the 2025 reform.
        units = [u for u in units if u.kind != "commune"]
    return Analysis(
        summary=summarize(title, text, sapo=sapo),
        units=units,
        topics=(classifier or default_classifier()).classify(title, text, sapo=sapo),
        events=extract_events(full, published, title=title),
    )


# Commune and ward unions were founded from June 2025 for the 1/7/2025 reform.
REFORM_DAY = date(2025, 6, 1)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _before_reform(published: date | None, text: str) -> bool:
    """Whether the item is from before the 2025 reform: its date, else the years it writes."""
    if published is not None:
        return published < REFORM_DAY
    years = [int(y) for y in _YEAR.findall(text)]
    return bool(years) and max(years) < REFORM_DAY.year


def analyze_to_dict(
    title: str,
    text: str,
    published: date | None,
    url: str | None = None,
    source_province: str | None = None,
) -> dict[str, Any]:
    """:func:`analyze` as a JSON-ready dict (the bench's entry point)."""
    result = analyze(title, text, published=published, url=url, source_province=source_province)
    return result.to_dict(title)


def analyze_jsonl_line(line: str, line_number: int | None = None) -> dict[str, Any]:
    """Analyze one JSONL line ``{"title", "text", "published"?, "url"?, ...}``.

    Never raises: a bad line gives ``{"error": "<message>", "line": n}`` so that
    one broken record does not stop a batch.
    """

    def error(message: str) -> dict[str, Any]:
        out: dict[str, Any] = {"error": message}
        if line_number is not None:
            out["line"] = line_number
        return out

    try:
        record = json.loads(line)
    except (json.JSONDecodeError, TypeError) as exc:
        return error(f"invalid JSON: {exc}")
    if not isinstance(record, dict):
        return error("expected a JSON object")
    title, text = record.get("title"), record.get("text")
    if not isinstance(title, str) or not isinstance(text, str):
        return error('"title" and "text" must be strings')
    if not title.strip() and not text.strip():
        return error('"title" and "text" are both empty')
    published: date | None = None
    raw_date = record.get("published")
    if raw_date not in (None, ""):
        if not isinstance(raw_date, str):
            return error('"published" must be a YYYY-MM-DD string')
        try:
            published = date.fromisoformat(raw_date[:10])
        except ValueError:
            return error(f'"published" is not a YYYY-MM-DD date: {raw_date!r}')
    optional = {k: record.get(k) for k in ("url", "source_province", "sapo")}
    for key, value in optional.items():
        if value is not None and not isinstance(value, str):
            return error(f'"{key}" must be a string')
    try:
        result = analyze(
            title,
            text,
            published=published,
            url=optional["url"],
            source_province=optional["source_province"],
            sapo=optional["sapo"],
        )
    except Exception as exc:  # a bug on one item must not stop the batch
        return error(f"analysis failed: {type(exc).__name__}: {exc}")
    return result.to_dict(title)
