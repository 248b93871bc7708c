"""Main text, sapo, captions and publication time of one article page.

Union sites wrap a short article in a lot of furniture: slogan banners, menus,
"TIN TỨC MỚI NHẤT" / "THÔNG BÁO" / "Tin cùng chuyên mục" boxes (with their
own titles, timestamps and leads), duplicated photo captions and credits.
The pipeline, one module a step:

1. parse once with lxml; read metadata (meta tags, JSON-LD) before scripts go
   (:mod:`feeds.extract.article_meta`, :mod:`feeds.extract.article_dates`);
2. prune the DOM: furniture boxes found by their heading
   (:mod:`feeds.extract.boilerplate`, :mod:`feeds.extract.furniture_words`), photo captions,
   kept apart (:mod:`feeds.extract.captions`), slogan marquees, and unwrap layout
   tables so the extractor sees paragraphs on old table-layout sites;
3. extract: the `hints.content` element when configured, else trafilatura,
   else trafilatura's baseline when the result is tiny;
4. filter lines: headings, slogans, repeats, credits, "Từ khóa:", "./."
   (:mod:`feeds.extract.line_filter`); the sapo goes first (:mod:`feeds.extract.sapo`);
5. date: meta tags, `hints.date`, the timestamp under the title, trafilatura.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import lxml.etree
import lxml.html
import trafilatura
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

from feeds.extract.article_dates import (
    first_time_element,
    header_date,
    hint_date,
    meta_date,
    trafilatura_date,
)
from feeds.extract.article_meta import meta_map, page_title
from feeds.extract.boilerplate import prune_furniture, unwrap_layout_tables
from feeds.extract.captions import caption_ok, take_captions
from feeds.extract.html_text import block_lines, clean_text, match_key
from feeds.extract.line_filter import filter_lines, split_credit
from feeds.extract.sapo import choose_description, find_sapo
from feeds.parse.dates import parse_vn_datetime
from feeds.sources import ArticleHints

__all__ = ["Article", "ExtractionError", "extract_article", "filter_lines", "split_credit"]

log = logging.getLogger(__name__)


class ExtractionError(Exception):
    """No article text could be extracted; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Article:
    title: str | None
    text: str  # clean main text, one paragraph per line (NFC)
    description: str | None  # the sapo / lead
    published: datetime | None  # aware
    captions: list[str] = field(default_factory=list)  # photo captions, not in `text`
    credit: str | None = None  # reprint credit ("Theo Diệp Thanh - Baonghean.vn")


_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "marquee", "svg", "button")

# Below this much text the extractor failed; try the next method.
MIN_TEXT_CHARS = 200
# How far into the lead a date may be taken as the publication day (last resort).
LEAD_DATE_CHARS = 80


def _parse(html: str) -> HtmlElement:
    if not html or not html.strip():
        raise ExtractionError("empty page")
    # lxml refuses str input that carries an XML encoding declaration
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    try:
        return lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError) as err:
        raise ExtractionError(f"unparsable HTML: {err}") from err


def _select(root: HtmlElement, selector: str) -> list[HtmlElement]:
    try:
        return CSSSelector(selector)(root)
    except Exception as err:  # cssselect raises several parser errors
        log.warning("bad CSS selector %r: %s", selector, err)
        return []


def _trafilatura_lines(root: HtmlElement, url: str, *, fast: bool) -> list[str]:
    doc = trafilatura.bare_extraction(
        root,
        url=url,
        fast=fast,
        include_comments=False,
        include_tables=True,  # layout tables are unwrapped already; data tables are content
        include_images=False,
        include_links=False,
        with_metadata=False,
    )
    text = getattr(doc, "text", None) or ""
    return [line for line in text.split("\n") if line.strip()]


def _baseline_lines(root: HtmlElement) -> list[str]:
    _body, text, _length = trafilatura.baseline(root)
    return [line for line in text.split("\n") if line.strip()]


def _generic_text(
    tree: HtmlElement, url: str, title: str | None, captions: list[str], tz: ZoneInfo
) -> list[str]:
    """trafilatura's fast mode, its full cascade if that found little, then the baseline.

    The pruned tree is already free of the furniture that the external
    comparators (readability, justext) would otherwise help with, so the fast
    mode is enough on most pages and halves the time.
    """
    best: list[str] = []
    attempts = (
        lambda: _trafilatura_lines(tree, url, fast=True),
        lambda: _trafilatura_lines(tree, url, fast=False),
        lambda: _baseline_lines(tree),
    )
    for attempt in attempts:
        lines = filter_lines(attempt(), title=title, captions=captions, tz=tz)
        if sum(map(len, lines)) > sum(map(len, best)):
            best = lines
        if sum(map(len, best)) >= MIN_TEXT_CHARS:
            break
    return best


def extract_article(
    html: str,
    url: str,
    tz: ZoneInfo,
    hints: ArticleHints | None = None,
    *,
    fetched_at: datetime | None = None,
) -> Article:
    """Extract the article on `html` (fetched from `url`); raise ExtractionError if none."""
    tree = _parse(html)
    metas = meta_map(tree)
    reference = fetched_at.astimezone(tz) if fetched_at else datetime.now(tz)
    published = meta_date(tree, metas, tz)  # before scripts go: JSON-LD lives there
    _drop_invisible(tree, hints)

    title, title_el, trusted = page_title(tree, metas)
    prune_furniture(tree, title_el, trusted)
    captions = take_captions(tree)
    dom_sapo = find_sapo(tree, title_el)
    description = choose_description(metas, dom_sapo, title)

    if published is None and hints and hints.date:
        published = hint_date(_select(tree, hints.date), tz, reference)

    cleaned = _main_text(tree, url, hints, title, captions, tz)
    if dom_sapo and cleaned and match_key(dom_sapo)[:80] not in match_key(" ".join(cleaned[:3])):
        cleaned.insert(0, dom_sapo)  # extractors often skip a sapo styled as a <div>
    cleaned, credit = split_credit(cleaned)
    text = "\n".join(cleaned)
    if not text:
        raise ExtractionError("no article text found")

    if published is None:
        published = _late_date(tree, url, title_el, dom_sapo, cleaned[0], tz, reference)

    unique_captions = list(
        dict.fromkeys(c for c in (clean_text(c) for c in captions) if caption_ok(c, title))
    )
    return Article(
        title=title,
        text=text,
        description=description,
        published=published,
        captions=unique_captions,
        credit=credit,
    )


def _drop_invisible(tree: HtmlElement, hints: ArticleHints | None) -> None:
    """Scripts, styles, frames, comments and the source's `hints.drop` elements."""
    for bad in tree.xpath("|".join(f"//{tag}" for tag in _DROP_TAGS)):
        bad.drop_tree()
    lxml.etree.strip_elements(tree, lxml.etree.Comment, with_tail=False)
    if hints:
        for selector in hints.drop:
            for el in _select(tree, selector):
                el.drop_tree()


def _main_text(
    tree: HtmlElement,
    url: str,
    hints: ArticleHints | None,
    title: str | None,
    captions: list[str],
    tz: ZoneInfo,
) -> list[str]:
    """The filtered lines of the `hints.content` element, else of the generic cascade."""
    cleaned: list[str] = []
    if hints and hints.content:
        chosen = _select(tree, hints.content)
        if not chosen:
            log.warning("content selector %r matched nothing on %s", hints.content, url)
        lines = [line for el in chosen for line in block_lines(el)]
        cleaned = filter_lines(lines, title=title, captions=captions, tz=tz)
    if not cleaned:
        unwrap_layout_tables(tree)
        cleaned = _generic_text(tree, url, title, captions, tz)
    return cleaned


def _late_date(
    tree: HtmlElement,
    url: str,
    title_el: HtmlElement | None,
    sapo: str | None,
    lead: str,
    tz: ZoneInfo,
    reference: datetime,
) -> datetime | None:
    """The publication time when the metadata and `hints.date` gave none; `lead` is the
    first line of the text."""
    published = first_time_element(tree, tz) or header_date(title_el, sapo or lead, tz, reference)
    if published is None:
        published = trafilatura_date(tree, url, tz)
    if published is None:
        # Last resort: the lead's own date ("(Baonghean.vn) - Sáng ngày 13/4, ...").
        # News is published on the day or the day after, and the year comes from
        # the fetch time, never landing more than 2 days after it.
        published = parse_vn_datetime(lead[:LEAD_DATE_CHARS], tz, reference=reference)
    return published
