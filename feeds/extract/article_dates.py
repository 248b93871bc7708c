"""Where an article page says when it was published.

Tried in this order by :func:`feeds.extract.article.extract_article`: meta tags and
JSON-LD, the source's `hints.date` element, a <time datetime> left after
pruning, the timestamp printed under the title, then trafilatura's metadata.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from lxml.html import HtmlElement
from trafilatura.metadata import extract_metadata

from feeds.extract.article_meta import json_ld_objects
from feeds.extract.html_text import clean_text, match_key, text_of
from feeds.parse.dates import parse_any_datetime, parse_vn_datetime

# The header window: how much text after the title may hold the timestamp.
HEADER_WINDOW_CHARS = 300
_DATE_META_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "sailthru.date",
    "date",
)


def meta_date(tree: HtmlElement, metas: dict[str, str], tz: ZoneInfo) -> datetime | None:
    """The publication time declared in meta tags, JSON-LD or <time itemprop>."""
    for key in _DATE_META_KEYS:
        if key in metas and (found := parse_any_datetime(metas[key], tz)):
            return found
    for obj in json_ld_objects(tree):
        value = obj.get("datePublished") or obj.get("dateCreated")
        if isinstance(value, str) and (found := parse_any_datetime(value, tz)):
            return found
    for time_el in tree.iter("time"):
        if time_el.get("itemprop") == "datePublished" or time_el.get("pubdate") is not None:
            value = time_el.get("datetime") or text_of(time_el)
            if found := parse_any_datetime(value, tz):
                return found
    return None


def hint_date(
    elements: Iterable[HtmlElement], tz: ZoneInfo, reference: datetime
) -> datetime | None:
    """The first timestamp in the elements a source's `hints.date` selector chose."""
    for el in elements:
        for attr in ("datetime", "content", "title", "data-time"):
            value = el.get(attr)
            if value and (found := parse_any_datetime(value, tz)):
                return found
        if found := parse_vn_datetime(text_of(el), tz, reference=reference):
            return found
    return None


def first_time_element(tree: HtmlElement, tz: ZoneInfo) -> datetime | None:
    """A <time datetime> left after pruning belongs to the article."""
    for time_el in tree.iter("time"):
        value = time_el.get("datetime")
        if value and (found := parse_any_datetime(value, tz)):
            return found
    return None


def header_date(
    title_el: HtmlElement | None,
    first_body: str | None,
    tz: ZoneInfo,
    reference: datetime,
) -> datetime | None:
    """First timestamp between the title and the body (category, time, byline)."""
    if title_el is None:
        return None
    stop = match_key(first_body)[:40] if first_body else None
    window = ""
    for text in title_el.xpath("following::text()"):
        piece = clean_text(str(text))
        if not piece:
            continue
        piece_key = match_key(piece)[:40]
        if stop and len(piece_key) >= 20 and stop.startswith(piece_key):
            break  # the body starts here
        window += " " + piece
        if len(window) >= HEADER_WINDOW_CHARS:
            break
    found = parse_vn_datetime(window, tz, reference=reference)
    if found is None:
        # some templates print the time just above the title, inside the same block
        before = " ".join(text_of(s) for s in title_el.itersiblings(preceding=True))[-120:]
        found = parse_vn_datetime(before, tz, reference=reference)
    return found


def trafilatura_date(root: HtmlElement, url: str, tz: ZoneInfo) -> datetime | None:
    """trafilatura's date from markup and URL, without reading the text."""
    # extensive=False: markup and URL only; the text search picks body or sidebar dates
    meta = extract_metadata(root, default_url=url, extensive=False)
    return parse_any_datetime(meta.date, tz) if meta and meta.date else None
