"""RSS/Atom parsing into plain-text entries, and telling feeds from HTML pages.

Union and press sites often answer a feed URL with an HTML page (laodong.vn's
JavaScript cookie challenge, error or login pages): that must surface as
`NotAFeed` with a reason an operator can act on, never as "0 new items".

Charsets are decided here, not by feedparser: bytes go through the same
Vietnamese detection as pages (:mod:`feeds.fetch.encoding`: a windows-1258
body declared UTF-8 is read as windows-1258), and feedparser gets UTF-8 with
a prolog that says so.
"""

from __future__ import annotations

import html
import io
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import feedparser
import lxml.html

from feeds.fetch.encoding import decode_html_or_xml
from feeds.parse.dates import from_utc_struct, parse_any_datetime

log = logging.getLogger(__name__)

# Below this much body text an entry is a teaser and the poller fetches the page.
TEASER_MAX_CHARS = 400
# A description this long without <content> is treated as the full body
# (some CMSs put the whole article there); a sapo is 150-350 characters.
FULL_DESCRIPTION_CHARS = 1000

_HEAD_BYTES = 4096
_FEED_ROOT = re.compile(rb"<(?:[\w-]+:)?(?:rss|feed|RDF)[\s>]", re.IGNORECASE)
_HTML_ROOT = re.compile(rb"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE)
_COOKIE_CHALLENGE = re.compile(
    rb"document\.cookie\s*=.{0,400}?(?:location\.(?:reload|replace|href)|window\.location)",
    re.IGNORECASE | re.DOTALL,
)
_PASSWORD_INPUT = re.compile(rb"<input[^>]+type\s*=\s*[\"']?password", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_DROP_BLOCKS = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BLOCK_TAGS = re.compile(
    r"<(?:/?(?:p|div|li|ul|ol|h\d|tr|td|th|table|blockquote|section|article|figure|figcaption)\b[^>]*"
    r"|br\s*/?)>",
    re.IGNORECASE,
)
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_DECL_ENCODING = re.compile(r"""(\bencoding\s*=\s*)(["'])[^"']*\2""", re.IGNORECASE)
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")


class NotAFeed(Exception):
    """The body is not a usable RSS/Atom document; `reason` says what it was."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FeedEntry:
    guid: str | None
    url: str | None
    title: str
    published: datetime | None
    summary: str | None  # plain text of <description>/<summary>
    content_text: str | None  # plain text of <content:encoded>/<content>
    is_teaser: bool  # no real body in the feed: fetch the article page


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    link: str | None
    entries: list[FeedEntry]


def _as_bytes(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


def _as_text(body: bytes | str) -> str:
    """The document as text: bytes decoded by the Vietnamese charset detection."""
    return body if isinstance(body, str) else decode_html_or_xml(body, None)[0]


def _as_utf8_xml(text: str) -> bytes:
    """UTF-8 bytes whose XML prolog (if any) declares UTF-8, for feedparser."""
    text = text.removeprefix("\ufeff")
    decl = _XML_DECL.match(text)
    if decl:
        fixed = _DECL_ENCODING.sub(r"\1\2utf-8\2", decl.group(0))
        text = fixed + text[decl.end() :]
    return text.encode("utf-8")


def _head(body: bytes) -> bytes:
    """Start of the document without BOM, XML declaration, comments or blanks."""
    head = body[:_HEAD_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    head = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", head)
    return re.sub(rb"^(?:<!--.*?-->\s*)+", b"", head, flags=re.DOTALL)


def looks_like_feed(body: bytes | str, content_type: str) -> bool:
    """Cheap sniff: does this response look like RSS/Atom rather than HTML?"""
    head = _head(_as_bytes(body))
    if _HTML_ROOT.match(head) or head[:5].lower() == b"<html":
        return False
    if _FEED_ROOT.search(head[:1024]):
        return True
    ctype = (content_type or "").lower()
    return any(kind in ctype for kind in ("rss", "atom", "rdf")) and not head.startswith(b"<!")


def _html_reason(body: bytes, text: str) -> str | None:
    """Describe an HTML body served where a feed was expected, else None."""
    head = _head(body)[:1024]
    root_feed = _FEED_ROOT.search(head)
    root_html = _HTML_ROOT.search(head)
    challenge = _COOKIE_CHALLENGE.search(body[:20000])
    if root_feed and (not root_html or root_feed.start() < root_html.start()):
        return None  # a feed, even if an item quotes HTML
    if not (root_html or challenge or head.startswith(b"<script")):
        return None  # not HTML either: let the XML parser judge it
    what = "an HTML page instead of a feed"
    if challenge:
        return f"got {what} (JavaScript cookie challenge)"
    if _PASSWORD_INPUT.search(body):
        return f"got {what} (login page)"
    title = _html_title(text)
    return f"got {what} (title: {title!r})" if title else f"got {what}"


def _html_title(text: str) -> str | None:
    """The page's <title> (else <h1>), from the text decoded with its own charset."""
    try:
        # lxml refuses str input that still carries an XML encoding declaration
        doc = lxml.html.document_fromstring(_XML_DECL.sub("", text, count=1))
    except (ValueError, lxml.etree.ParserError):
        return None
    found = doc.findtext(".//title")
    if not found:
        h1 = doc.find(".//h1")
        found = h1.text_content() if h1 is not None else None
    return " ".join(found.split())[:120] if found and found.strip() else None


def html_to_text(fragment: str | None) -> str | None:
    """Plain text of an HTML fragment: tags dropped, entities decoded, spaces collapsed."""
    if not fragment:
        return None
    text = _DROP_BLOCKS.sub(" ", fragment)
    text = _BLOCK_TAGS.sub("\n", text)
    # inline tags render without a gap ("<b>Sáng 26/7</b>, ..."), blocks as new lines
    text = html.unescape(_TAG.sub("", text))
    lines = (" ".join(line.split()) for line in text.splitlines())
    result = "\n".join(line for line in lines if line)
    return unicodedata.normalize("NFC", result) or None


def _single_line(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None


_DATE_KEYS = ("published", "updated", "created", "dc_date")


def _entry_date(entry: feedparser.FeedParserDict, tz: ZoneInfo) -> datetime | None:
    """Our own reading of the raw string keeps naive local times in `tz`;
    feedparser's struct (always UTC) is the fallback for formats we do not know.
    An unreadable or impossible date (year 9999) leaves this entry undated."""
    for key in _DATE_KEYS:
        raw = entry.get(key)
        if raw:
            parsed = parse_any_datetime(raw, tz)
            if parsed is not None:
                return parsed
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = from_utc_struct(entry.get(key), tz)
        if parsed is not None:
            return parsed
    return None


def _log_unreadable_dates(
    url: str, raw: list[feedparser.FeedParserDict], made: list[FeedEntry]
) -> None:
    """One line per feed for entries whose date is unreadable or impossible (year 9999):
    each such entry is left undated, the others keep theirs."""
    bad = [
        text
        for entry, out in zip(raw, made, strict=True)
        if out.published is None and (text := next(filter(None, map(entry.get, _DATE_KEYS)), None))
    ]
    if bad:
        log.info(
            "feed %s: %d of %d entries have an unreadable or impossible date (first: %.60r);"
            " those entries get no date from the feed",
            url,
            len(bad),
            len(made),
            bad[0],
        )


def _content_text(entry: feedparser.FeedParserDict) -> str | None:
    parts = [html_to_text(c.get("value")) for c in entry.get("content") or []]
    joined = "\n".join(p for p in parts if p)
    return joined or None


def _entry_url(entry: feedparser.FeedParserDict, base: str) -> str | None:
    link = entry.get("link")
    if not link:
        for candidate in entry.get("links") or []:
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    guid = entry.get("id")
    if not link and guid and _URL.match(guid.strip()):
        link = guid.strip()
    return urljoin(base, link.strip()) if link else None


def _make_entry(entry: feedparser.FeedParserDict, base: str, tz: ZoneInfo) -> FeedEntry:
    summary = html_to_text(entry.get("summary"))
    content = _content_text(entry)
    if content and summary and content == summary:
        # feedparser mirrors <description> into content for some RSS variants
        content = None if len(content) < TEASER_MAX_CHARS else content
    body = content or (summary if summary and len(summary) >= FULL_DESCRIPTION_CHARS else None)
    title = _single_line(html_to_text(entry.get("title"))) or ""
    return FeedEntry(
        guid=(entry.get("id") or "").strip() or None,
        url=_entry_url(entry, base),
        title=title,
        published=_entry_date(entry, tz),
        summary=summary,
        content_text=content,
        is_teaser=body is None or len(body) < TEASER_MAX_CHARS,
    )


def parse_feed(body: bytes | str, url: str, tz: ZoneInfo) -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0 or Atom; raise NotAFeed for HTML or unusable XML.

    ``body``: the raw bytes, or text already decoded (the fetcher's ``text``,
    which also weighed the HTTP charset); either way feedparser reads UTF-8.
    """
    text = _as_text(body)
    raw = _as_utf8_xml(text)
    if not raw.strip():
        raise NotAFeed("empty response body")
    reason = _html_reason(raw, text)
    if reason:
        raise NotAFeed(reason)
    # BytesIO: a bytes/str argument could otherwise be taken as a URL or a path.
    # Sanitizing and URI resolution cost half the parse time; we keep only text.
    parsed = feedparser.parse(
        io.BytesIO(raw),
        sanitize_html=False,
        resolve_relative_uris=False,
        # the body was sniffed above; without a type feedparser flags every feed as bozo
        response_headers={
            "content-location": url,
            "content-type": "application/xml; charset=utf-8",
        },
    )
    entries = parsed.get("entries") or []
    if parsed.get("bozo"):
        detail = str(parsed.get("bozo_exception") or "unknown error")
        if not entries:
            raise NotAFeed(f"malformed XML: {detail}")
        log.warning("feed %s is malformed but readable (%d entries): %s", url, len(entries), detail)
    elif not parsed.get("version"):
        raise NotAFeed("not an RSS or Atom document")
    feed = parsed.get("feed") or {}
    link = feed.get("link")
    made = [_make_entry(e, url, tz) for e in entries]
    _log_unreadable_dates(url, entries, made)
    return ParsedFeed(
        title=_single_line(html_to_text(feed.get("title"))),
        link=urljoin(url, link) if link else None,
        entries=made,
    )


def discover_feeds(html_text: str, base_url: str) -> list[str]:
    """Absolute URLs of <link rel="alternate"> RSS/Atom feeds, in page order."""
    if not html_text or not html_text.strip():
        return []
    try:
        doc = lxml.html.document_fromstring(html_text)
    except (ValueError, lxml.etree.ParserError):
        return []
    base_href = doc.xpath("string(//base/@href)").strip()
    base = urljoin(base_url, base_href) if base_href else base_url
    found: list[str] = []
    for link in doc.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rels and kind in _FEED_TYPES and href:
            absolute = urljoin(base, href)
            if absolute not in found:
                found.append(absolute)
    return found
