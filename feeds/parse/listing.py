"""Entries of an HTML listing page (a section's list of news items or notices).

Most union sites have no working feed, so their section pages are polled.  Two
modes:

* declarative CSS selectors from ``[sources.listing]`` (:class:`ListingSelectors`);
  a selector that matches nothing raises :class:`ListingError`, so a changed
  layout is reported instead of looking like "no new items";
* heuristics for kind "auto": the page's largest group of sibling blocks that
  each hold one article-like link, ignoring menus, headers, footers and sidebar
  boxes titled with furniture headings (TIN TỨC MỚI NHẤT, THÔNG BÁO, ...).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from urllib.parse import urldefrag, urljoin, urlsplit
from zoneinfo import ZoneInfo

import lxml.html
from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector

from feeds.parse.dates import parse_iso_datetime, parse_vn_datetime
from feeds.sources import ListingSelectors
from feeds.vntext import fold_key

__all__ = ["ListingEntry", "ListingError", "parse_listing"]

Element = lxml.html.HtmlElement


@dataclass(frozen=True)
class ListingEntry:
    """One item of a listing page."""

    url: str  # absolute
    title: str  # whitespace-collapsed, NFC
    published: datetime | None  # aware, in the source's zone
    teaser: str | None


class ListingError(Exception):
    """The page cannot be read as a listing; ``reason`` says why (in English, for admins)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_listing(
    html: str,
    base_url: str,
    tz: ZoneInfo,
    selectors: ListingSelectors | None = None,
    *,
    fetched_at: datetime | None = None,
) -> list[ListingEntry]:
    """Entries of a listing page in page order, de-duplicated by URL.

    ``fetched_at`` is the reference for dates without a year ("13/4").
    """
    doc = _parse(html)
    base = _base(doc, base_url)
    if selectors is not None:
        entries = _by_selectors(doc, base, tz, selectors, fetched_at)
    else:
        entries = _by_heuristics(doc, base, tz, fetched_at)
    return _unique(entries)


# --- parsing and small helpers -------------------------------------------------


def _base(doc: Element, base_url: str) -> str:
    """The URL relative links resolve against (``<base href>`` wins)."""
    base = doc.find(".//base[@href]")
    href = (base.get("href") or "").strip() if base is not None else ""
    return urljoin(base_url, href) if href else base_url


def _parse(html: str) -> Element:
    if not html or not html.strip():
        raise ListingError("the page is empty")
    try:
        doc = lxml.html.document_fromstring(html)
    except ValueError:
        # A str that still carries an XML encoding declaration: parse its UTF-8 bytes.
        parser = lxml.html.HTMLParser(encoding="utf-8")
        doc = lxml.html.document_fromstring(html.encode("utf-8"), parser=parser)
    except etree.ParserError as exc:
        raise ListingError(f"the page cannot be parsed as HTML: {exc}") from exc
    # Script and style text would otherwise leak into titles and teasers.
    etree.strip_elements(doc, "script", "style", "noscript", "template", with_tail=False)
    return doc


_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def _clean(text: str | None) -> str:
    """Whitespace collapsed (NBSP included), invisible characters dropped, NFC."""
    if not text:
        return ""
    return unicodedata.normalize("NFC", " ".join(_INVISIBLE.sub("", text).split()))


def _text(el: Element) -> str:
    return _clean(el.text_content())


def _words(text: str, limit: int = 12) -> int:
    """Tokens that contain a letter ("12/TB-LĐLĐ" counts, "-" does not), counted up to ``limit``.

    Callers only compare with small thresholds, so long leads are not scanned whole.
    """
    return sum(
        1 for tok in text.split(None, limit)[:limit] if not tok.isdigit() and _has_letter(tok)
    )


def _has_letter(token: str) -> bool:
    return any(ch.isalpha() for ch in token)


_CLASS_SPLIT = re.compile(r"[\s_\-]+")


def _class_words(el: Element) -> set[str]:
    """Words of the class and id attributes ("b-grid__title main" -> b, grid, title, main)."""
    raw = f"{el.get('class', '')} {el.get('id', '')}".lower()
    return {w for w in _CLASS_SPLIT.split(raw) if w}


_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "sms:", "data:", "about:")


@lru_cache(maxsize=4096)
def _absolute(href: str | None, base: str) -> str | None:
    """Absolute http(s) URL without fragment, or None for non-navigating links."""
    if not href:
        return None
    href = "".join(href.split())  # editors leave newlines and spaces inside hrefs
    if not href or href.startswith("#") or href.lower().startswith(_SKIP_SCHEMES):
        return None
    url = urldefrag(urljoin(base, href)).url
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    return url


def _host(netloc: str) -> str:
    host = netloc.lower().rsplit("@", 1)[-1].split(":", 1)[0]
    return host.removeprefix("www.").removeprefix("m.")


_AD_HOSTS = re.compile(
    r"(^|\.)(doubleclick\.net|googleadservices\.com|googlesyndication\.com|adnxs\.com"
    r"|admicro\.vn|adtima\.vn|eclick\.vn|ambientplatform\.vn)$"
)


def _is_ad(link: Element, url: str) -> bool:
    """Clearly an advertisement: ad-network host, ``ads.`` subdomain or rel=sponsored."""
    host = _host(urlsplit(url).netloc)
    rel = (link.get("rel") or "").lower()
    return (
        host.startswith(("ads.", "ad.", "adserver."))
        or bool(_AD_HOSTS.search(host))
        or ("sponsored" in rel)
    )


def _unique(entries: Iterable[ListingEntry]) -> list[ListingEntry]:
    seen: dict[str, ListingEntry] = {}
    for entry in entries:
        seen.setdefault(entry.url, entry)
    return list(seen.values())


# --- dates and teasers ---------------------------------------------------------

_DATE_LIKE = re.compile(r"(?<!\d)\d{1,2}\s*[/.\-]\s*\d{1,2}(?!\d)|(?<!\d)\d{1,2}:\d{2}(?!\d)")
_DATE_WORDS = {"time", "date", "datetime", "publish", "published", "pubdate", "ngay", "thoigian"}
_TEASER_WORDS = {"sapo", "lead", "desc", "description", "summary", "excerpt", "teaser", "intro"}


def _date_of(el: Element, tz: ZoneInfo, reference: datetime | None) -> datetime | None:
    """The timestamp an element shows (machine attribute first, then its text)."""
    for attr in ("datetime", "content", "data-time", "title"):
        value = el.get(attr)
        if value and (moment := parse_iso_datetime(value, tz)):
            return moment
    return _parse_text(_text(el), tz, reference)


def _parse_text(text: str, tz: ZoneInfo, reference: datetime | None) -> datetime | None:
    if not text or not _DATE_LIKE.search(text):
        return None
    moment = parse_vn_datetime(text, tz, reference=reference)
    return moment.astimezone(tz) if moment is not None else None


_SHORT_RAW = 200  # raw characters; a timestamp line is at most 60 once whitespace collapses


class _Index:
    """Date and lead candidates of the chosen items, found in one pass over their subtrees.

    Each item then costs a dictionary look-up, not repeated subtree scans, so a
    100 KB listing stays within a few milliseconds.
    """

    def __init__(self, items: Iterable[Element]) -> None:
        self.dated: dict[Element, list[Element]] = {}
        self.texts: dict[Element, list[tuple[Element, str]]] = {}
        self.leads: dict[Element, list[Element]] = {}
        for item in items:
            dated = self.dated.setdefault(item, [])
            texts = self.texts.setdefault(item, [])
            leads = self.leads.setdefault(item, [])
            for el in item.iter():
                if not isinstance(el.tag, str):
                    continue
                words = _class_words(el) if el.get("class") or el.get("id") else set()
                if el.tag == "time" or el.get("datetime") or words & _DATE_WORDS:
                    dated.append(el)
                if el.tag == "p" or words & _TEASER_WORDS:
                    leads.append(el)
                # Only short texts can be a timestamp line; leads are skipped unscanned.
                if el.text and len(el.text) <= _SHORT_RAW and _DATE_LIKE.search(el.text):
                    texts.append((el, el.text))
                tail = el.tail
                if el is not item and tail and len(tail) <= _SHORT_RAW and _DATE_LIKE.search(tail):
                    texts.append((el.getparent(), tail))

    def date(
        self, item: Element, tz: ZoneInfo, reference: datetime | None, skip: set[Element]
    ) -> datetime | None:
        """The item's timestamp: a ``<time>``, a date/time-classed element, or short dated text.

        Titles (``skip``) and long teasers are never read: "Sáng 13/11, ..." in
        a lead is an event date, not the publication date.
        """
        blocked = set(skip)  # titles, and the elements that contain them
        for el in skip:
            blocked.update(el.iterancestors())
        labelled = sorted(
            self.dated.get(item, ()), key=lambda el: el.tag != "time" and not el.get("datetime")
        )
        for el in labelled:
            readable = el not in skip and (el.tag == "time" or el not in blocked)
            if readable and (moment := _date_of(el, tz, reference)) is not None:
                return moment
        for owner, text in self.texts.get(item, ()):
            if owner in blocked:
                continue
            whole = _text(owner)
            for candidate in (whole, _clean(text)):
                if len(candidate) <= 60 and (moment := _parse_text(candidate, tz, reference)):
                    return moment
        return None

    def teaser(self, item: Element, skip_texts: set[str], skip: set[Element]) -> str | None:
        """A lead-classed element (sapo/lead/desc...) or else the item's first real paragraph."""
        paragraphs: list[str] = []
        for el in self.leads.get(item, ()):
            if el in skip:
                continue
            text = _text(el)
            if text and text not in skip_texts and _words(text, 8) >= 4:
                if el.tag != "p":
                    return text
                paragraphs.append(text)
        return paragraphs[0] if paragraphs else None


def _elements(item: Element) -> Iterator[Element]:
    """The item and its descendant elements (comments and PIs skipped)."""
    return (el for el in item.iter() if isinstance(el.tag, str))


def _descendants(el: Element) -> set[Element]:
    return set(_elements(el))


# --- declarative selectors -----------------------------------------------------


@lru_cache(maxsize=256)
def _compile(selector: str) -> CSSSelector:
    return CSSSelector(selector, translator="html")


def _select(el: Element, selector: str) -> list[Element]:
    """Elements matching ``selector`` in ``el``'s subtree (``el`` itself included)."""
    try:
        matcher = _compile(selector)
    except SelectorError as exc:
        raise ListingError(f"selector '{selector}' is not valid CSS: {exc}") from exc
    return matcher(el)


def _link_title(link: Element) -> str:
    """Link text, else its title attribute, else the alt text of its image."""
    text = _text(link) or _clean(link.get("title"))
    if not text:
        img = link.find(".//img")
        text = _clean(img.get("alt")) if img is not None else ""
    return text


def _by_selectors(
    doc: Element,
    base: str,
    tz: ZoneInfo,
    sel: ListingSelectors,
    reference: datetime | None,
) -> list[ListingEntry]:
    items = _select(doc, sel.item)
    if not items:
        raise ListingError(f"selector '{sel.item}' matched nothing on the page")
    index = _Index(items)
    matched = {"link": False, "title": False, "date": False}
    entries: list[ListingEntry] = []
    for item in items:
        links = _select(item, sel.link)
        matched["link"] |= bool(links)
        usable = [(a, url) for a in links if (url := _absolute(a.get("href"), base))]
        usable = [(a, url) for a, url in usable if not _is_ad(a, url)]
        if not usable:
            continue
        url = usable[0][1]
        same = [a for a, u in usable if u == url]
        skip = set().union(*(_descendants(a) for a in same))
        title = max((_link_title(a) for a in same), key=len)
        if sel.title:
            title_els = _select(item, sel.title)
            matched["title"] |= bool(title_els)
            if title_els and _text(title_els[0]):
                title = _text(title_els[0])
                skip |= _descendants(title_els[0])
        if not title:
            continue
        published = None
        if sel.date:
            date_els = _select(item, sel.date)
            matched["date"] |= bool(date_els)
            if date_els:
                published = _date_of(date_els[0], tz, reference)
                skip |= _descendants(date_els[0])
        else:
            published = index.date(item, tz, reference, skip)
        teaser = index.teaser(item, {title}, skip)
        entries.append(ListingEntry(url, title, published, teaser))
    # A configured selector that never matches means the layout changed.
    for key, selector in (("link", sel.link), ("title", sel.title), ("date", sel.date)):
        if selector and not matched[key]:
            raise ListingError(f"selector '{selector}' matched nothing inside '{sel.item}' items")
    if not entries:
        raise ListingError(f"no item matched by '{sel.item}' has a usable link ('{sel.link}')")
    return entries


# --- heuristics ----------------------------------------------------------------

# Regions that never hold the page's listing.
_CHROME_TAGS = {"nav", "header", "footer", "menu", "marquee"}
_CHROME_WORDS = {
    "nav", "navbar", "navigation", "menu", "mainmenu", "megamenu", "submenu", "header",
    "footer", "breadcrumb", "breadcrumbs", "topbar", "marquee", "copyright", "social", "share",
}  # fmt: skip
# Regions that usually hold secondary boxes: allowed, but scored down.
_SIDE_TAGS = {"aside"}
_SIDE_WORDS = {"sidebar", "aside", "widget", "related", "sidebox"}
# Folded headings of furniture boxes on union and news sites.
_FURNITURE = tuple(
    fold_key(h)
    for h in (
        "Tin tức mới nhất", "Tin mới nhất", "Tin mới", "Thông báo", "Hệ thống tổ chức",
        "Tư vấn pháp luật", "Thư viện ảnh", "Liên kết website", "Liên kêt website",
        "Liên kết", "Số lượng truy cập", "Thống kê truy cập", "Đọc nhiều", "Xem nhiều",
        "Tin đọc nhiều", "Tin xem nhiều", "Tin liên quan", "Tin cùng chuyên mục",
        "Tin khác", "Các tin khác", "Bài viết liên quan", "Có thể bạn quan tâm",
        "Văn bản mới", "Quảng cáo", "Video", "Lịch công tác",
    )
)  # fmt: skip
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_HEADING_WORDS = {"title", "heading", "head", "header", "tit", "caption", "label", "name"}
_STATE_CLASS = re.compile(r"^(odd|even|first|last|active|current|selected|hot|new|clearfix)$")
_NON_ARTICLE = re.compile(
    r"/(tags?|chuyen-muc|danh-muc|category|categories|tim-kiem|search|lien-he|contact"
    r"|login|dang-nhap|dang-ky|register|rss|feed|author|tac-gia)(/|$|\.)",
    re.IGNORECASE,
)
_ASSET = re.compile(r"\.(jpe?g|png|gif|webp|svg|ico|css|js|mp3|mp4|zip|rar)$", re.IGNORECASE)
_MIN_TITLE_WORDS = 5


@dataclass
class _Item:
    el: Element
    url: str
    title: str
    links: list[Element]
    order: int
    _text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = _text(self.el)
        return self._text


def _article_like(path: str, listing_path: str) -> bool:
    """A path that can be an article: not the listing, its parents, a tag page or an asset."""
    path, listing = path.rstrip("/"), listing_path.rstrip("/")
    if not path or path == listing or listing.startswith(path + "/"):
        return False  # home, the listing itself (pagination) or a parent section
    return not (_NON_ARTICLE.search(path) or _ASSET.search(path))


def _signature(el: Element) -> tuple[str, tuple[str, ...]]:
    """Tag and stable classes: rows differing only by odd/even/item-3 share one signature."""
    classes = (el.get("class") or "").split()
    kept = sorted(c for c in classes if not _STATE_CLASS.match(c) and not re.search(r"\d", c))
    return el.tag, tuple(kept)


def _alike(a: tuple[str, tuple[str, ...]], b: tuple[str, tuple[str, ...]]) -> bool:
    """Same tag and a shared class ("b-grid b-grid--focus" is a "b-grid")."""
    return a[0] == b[0] and (set(a[1]) & set(b[1]) or a[1] == b[1] == ())


def _unwrap_to(el: Element, signature: tuple[str, tuple[str, ...]]) -> Element | None:
    """``el`` or its single-child descendant that looks like a block of ``signature``."""
    while not _alike(_signature(el), signature):
        children = [c for c in el if isinstance(c.tag, str)]
        if len(children) != 1:
            return None
        el = children[0]
    return el


def _region(el: Element) -> str:
    """ "chrome" (menus, header, footer), "side" (sidebars) or "main", from the ancestors."""
    side = False
    for anc in (el, *el.iterancestors()):
        words = _class_words(anc)
        if anc.tag in _CHROME_TAGS or words & _CHROME_WORDS:
            return "chrome"
        side |= anc.tag in _SIDE_TAGS or bool(words & _SIDE_WORDS)
    return "side" if side else "main"


def _heading_like(el: Element) -> bool:
    if el.tag in _HEADING_TAGS or _class_words(el) & _HEADING_WORDS:
        return 0 < _words(_text(el), 9) <= 8
    return False


def _box_heading(container: Element, first_item: Element) -> str | None:
    """The nearest heading above a group: a heading-like element before it, up to 4 levels up."""
    path = [first_item, *first_item.iterancestors()]
    level = container
    for _ in range(4):
        if level is None:
            return None
        heading = None
        for child in level:
            if child in path:
                break
            if isinstance(child.tag, str) and _heading_like(child):
                heading = _text(child)
        if heading:
            return heading
        level = level.getparent()
    return None


def _is_furniture(heading: str | None, listing_path: str) -> bool:
    if not heading:
        return False
    key = fold_key(heading)
    # The notices page itself may be headed "THÔNG BÁO": its own heading is no sidebar.
    own = fold_key(listing_path.rstrip("/").rsplit("/", 1)[-1].replace("-", " "))
    if own and key == own:
        return False
    return any(key == f or key.startswith(f + " ") for f in _FURNITURE)


def _candidate_items(doc: Element, base: str) -> list[_Item]:
    """One item per (container block, article URL): the highest block holding only that URL."""
    listing = urlsplit(base)
    host = _host(listing.netloc)
    anchors: list[tuple[Element, str]] = []
    for a in doc.iter("a"):
        url = _absolute(a.get("href"), base)
        if url is None:
            continue
        parts = urlsplit(url)
        if _host(parts.netloc) == host and _article_like(parts.path, listing.path):
            anchors.append((a, url))
    # URLs under each ancestor; once an ancestor holds two URLs, so do all above it.
    under: dict[Element, set[str]] = {}
    for a, url in anchors:
        for anc in a.iterancestors():
            urls = under.setdefault(anc, set())
            if len(urls) > 1:
                break
            urls.add(url)
    items: dict[Element, _Item] = {}
    for a, url in anchors:
        el = a
        parent = el.getparent()
        while parent is not None and parent.tag not in ("body", "html") and under[parent] == {url}:
            el, parent = parent, parent.getparent()
        item = items.get(el)
        if item is None:
            items[el] = _Item(el, url, "", [a], len(items))
        else:
            item.links.append(a)
    result = []
    for item in items.values():
        item.title = max((_link_title(a) for a in item.links), key=len)
        if _words(item.title, 2 * _MIN_TITLE_WORDS) >= _MIN_TITLE_WORDS:
            result.append(item)
    return result


@dataclass
class _Group:
    parent: Element
    signature: tuple[str, tuple[str, ...]]
    items: list[_Item]
    region: str = "main"
    furniture: bool = False
    score: float = 0.0


def _score(group: _Group) -> float:
    """Items count, weighted up for dates and leads, down for sidebars and furniture boxes."""
    n = len(group.items)
    dated = sum(1 for it in group.items if _DATE_LIKE.search(it.text.replace(it.title, "")))
    # A lead adds at least a sentence of text to the title.
    with_lead = sum(1 for it in group.items if len(it.text) >= len(it.title) + 40)
    score = n * (1 + 0.5 * dated / n + 0.5 * with_lead / n)
    if group.region == "side":
        score *= 0.3
    if group.furniture:
        score *= 0.3
    return score


def _by_heuristics(
    doc: Element, base: str, tz: ZoneInfo, reference: datetime | None
) -> list[ListingEntry]:
    items = _candidate_items(doc, base)
    listing_path = urlsplit(base).path
    groups: dict[tuple[Element, tuple[str, tuple[str, ...]]], _Group] = {}
    for item in items:
        parent = item.el.getparent()
        key = (parent, _signature(item.el))
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(parent, key[1], [])
        group.items.append(item)
    for group in groups.values():
        group.region = _region(group.items[0].el)
        heading = _box_heading(group.parent, group.items[0].el)
        group.furniture = _is_furniture(heading, listing_path)
        group.score = _score(group)
    ranked = [g for g in groups.values() if g.region != "chrome"]
    if not ranked:
        raise ListingError("no repeated block of article links found on the page")
    best = max(ranked, key=lambda g: (g.score, -g.items[0].order))
    chosen = list(best.items)
    # A lead story often sits in its own wrapper next to the list, with the same block class.
    scope = best.parent.getparent()
    for group in ranked:
        if (
            group is best
            or group.region != best.region
            or group.furniture
            or scope is None
            or not (group.parent is scope or scope in group.parent.iterancestors())
        ):
            continue
        for item in group.items:
            block = _unwrap_to(item.el, best.signature)
            if block is not None:
                item.el = block
                chosen.append(item)
    chosen.sort(key=lambda it: it.order)
    index = _Index(item.el for item in chosen)
    entries = []
    for item in chosen:
        skip = set().union(*(_descendants(a) for a in item.links))
        published = index.date(item.el, tz, reference, skip)
        teaser = index.teaser(item.el, {item.title}, skip)
        entries.append(ListingEntry(item.url, item.title, published, teaser))
    return entries
