"""Poll one source: fetch, parse, and extract the text of what is new.

(A round over every due source is :mod:`bot.runtime.ingest_round`; the chat
channels' long polling for user messages is unrelated.)

The flow for one source, miniflux-style:

1. fetch the feed or listing page with the stored validators (an unchanged
   source costs one 304);
2. parse it: RSS/Atom through feedparser, a listing through its CSS selectors,
   ``kind = "auto"`` by sniffing, then ``<link rel="alternate">`` discovery, then
   the listing heuristics;
3. ask the store which entries it already knows (``is_new``) and fetch the
   article page of each *new* entry whose feed gives only a teaser, once (at
   most ``MAX_ARTICLES_PER_POLL``; later polls fetch the rest, except on a
   source's first poll, whose leftovers are history kept with their teaser so
   the baseline covers every entry seen);
4. read the documents that page attaches (:mod:`feeds.documents`): a notice's
   deadlines are often only there.

A date more than a day ahead of the fetch is a broken template, not news from
the future: it is replaced by the fetch time and logged.  A GUID shared by
entries with different links identifies none of them (the store keys items by
link); that is logged too.

Nothing here touches the database: the caller passes ``is_new`` and stores the
:class:`PollOutcome` (see :mod:`storage.ingest`).  A failure of any kind comes
back as ``outcome.error`` with a reason an operator can act on; one article
page failing does not fail the source (its teaser is kept).

Links are remote content: an entry is kept only with an http(s) link (a
``javascript:`` or ``file:`` link drops that entry, not the source), and every
URL fetched because of the source's content (item links, article pages, a
discovered feed) is fetched with ``source_url`` so the fetcher checks where it
leads (:mod:`feeds.fetch.address_guard`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from feeds.dedup.urls import canonical_url
from feeds.documents.collect import Document, DocumentLimits, KnownDocument, collect_documents
from feeds.documents.find import DocumentLink, find_documents, kind_of_url
from feeds.extract.article import ExtractionError, extract_article
from feeds.fetch.address_guard import is_web_link
from feeds.fetch.fetcher import Fetcher, FetchError, FetchResult
from feeds.parse.feed_parser import NotAFeed, discover_feeds, looks_like_feed, parse_feed
from feeds.parse.listing import ListingError, parse_listing
from feeds.sources import SourceConfig
from feeds.vntext import collapse_whitespace, normalize

log = logging.getLogger(__name__)

MAX_ARTICLES_PER_POLL = 60  # article pages fetched per source per poll (politeness)
# A page stamped this far ahead of our clock is wrong (9999, a mistyped year).
FUTURE_TOLERANCE = timedelta(days=1)


@dataclass(frozen=True)
class SourceState:
    """What the store remembers between polls of one source."""

    etag: str | None = None
    last_modified: str | None = None
    detected_kind: str | None = None  # "rss" | "html" once "auto" has been resolved
    feed_url: str | None = None  # the discovered feed of an "auto" source
    baseline_done: bool = False  # False until the first poll is stored


@dataclass(frozen=True)
class EntryRef:
    """Just enough of an entry for the store to tell whether it is new."""

    url: str | None
    guid: str | None
    title: str


@dataclass
class Candidate:
    """A new item, ready to store."""

    url: str
    guid: str | None
    title: str
    published: datetime | None
    description: str | None  # sapo / feed summary
    text: str
    credit: str | None = None
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    text_error: str | None = None  # why only the teaser is kept, if so
    documents: list[Document] = field(default_factory=list)

    @property
    def full_text(self) -> str:
        """The page's text and its documents' text: what is analyzed and searched."""
        return "\n\n".join([self.text, *(d.text for d in self.documents if d.text)]).strip()


@dataclass
class PollOutcome:
    source_id: str
    not_modified: bool = False
    entries_seen: int = 0
    candidates: list[Candidate] = field(default_factory=list)
    state: SourceState = field(default_factory=SourceState)
    error: str | None = None
    retry_after: float | None = None


IsNew = Callable[[Sequence[EntryRef]], list[bool]]


@dataclass(frozen=True)
class _Entry:
    """A parsed entry from either kind of source, before its article is fetched."""

    url: str
    guid: str | None
    title: str
    published: datetime | None
    teaser: str | None
    full_text: str | None  # the feed's own full text, when it has one


async def poll_source(
    fetcher: Fetcher,
    source: SourceConfig,
    state: SourceState,
    *,
    tz: ZoneInfo,
    is_new: IsNew,
    use_validators: bool = True,
    documents: DocumentLimits | None = None,
    known_document: KnownDocument | None = None,
) -> PollOutcome:
    """Poll ``source`` once; never raises for a site's fault.

    ``documents``: read the documents article pages attach (None: do not);
    ``known_document`` tells which were read before (see :mod:`feeds.documents.collect`).
    """
    outcome = PollOutcome(source_id=source.id, state=state)
    kind = source.kind if source.kind != "auto" else (state.detected_kind or "auto")
    url = state.feed_url if (source.kind == "auto" and state.feed_url) else source.url
    try:
        result = await fetcher.fetch(
            url,
            etag=state.etag if use_validators else None,
            last_modified=state.last_modified if use_validators else None,
            # a discovered feed URL came from the site, not from the operator
            source_url=None if url == source.url else source.url,
        )
        if result.not_modified:
            outcome.not_modified = True
            return outcome
        entries, kind, feed_url = await _parse(fetcher, source, result, kind, tz)
    except FetchError as exc:
        outcome.error = exc.reason
        outcome.retry_after = exc.retry_after
        return outcome
    except (NotAFeed, ListingError) as exc:
        outcome.error = exc.reason
        return outcome

    outcome.state = SourceState(
        etag=result.etag,
        last_modified=result.last_modified,
        detected_kind=kind,
        feed_url=feed_url,
    )
    outcome.entries_seen = len(entries)
    fresh = is_new([EntryRef(e.url, e.guid, e.title) for e in entries])
    new_entries = [e for e, new in zip(entries, fresh, strict=True) if new]
    _log_shared_guids(source.id, entries, new_entries)
    reader = (
        _DocumentReader(documents, known_document, source.url)
        if documents and documents.enabled
        else None
    )
    candidates = await _complete(
        fetcher, source, new_entries, tz, reader, history=not state.baseline_done
    )
    outcome.candidates = [_cap_future(source.id, c) for c in candidates]
    return outcome


def _log_shared_guids(
    source_id: str, entries: Sequence[_Entry], new_entries: Sequence[_Entry]
) -> None:
    """One line per GUID that entries with different links share, when one of them
    is new (a feed that always does it is not logged again at every poll)."""
    links: dict[str, set[str]] = {}
    for e in entries:
        if e.guid:
            links.setdefault(e.guid, set()).add(canonical_url(e.url))
    reported: set[str] = set()
    for e in new_entries:
        if e.guid and len(links[e.guid]) > 1 and e.guid not in reported:
            reported.add(e.guid)
            log.info(
                "source %s: GUID %.80r is shared by %d entries with different links;"
                " each is kept as its own item, keyed by its link",
                source_id,
                e.guid,
                len(links[e.guid]),
            )


def _cap_future(source_id: str, candidate: Candidate) -> Candidate:
    """A date more than a day ahead of the fetch becomes the fetch time."""
    published, fetched = candidate.published, candidate.fetched_at
    if published is None or published <= fetched + FUTURE_TOLERANCE:
        return candidate
    log.warning(
        "source %s: %s is dated %s, ahead of its fetch at %s; dated by the fetch instead",
        source_id,
        candidate.url,
        published.isoformat(),
        fetched.isoformat(timespec="seconds"),
    )
    candidate.published = fetched
    return candidate


@dataclass(frozen=True)
class _DocumentReader:
    limits: DocumentLimits
    known: KnownDocument | None
    source_url: str  # documents are remote content: checked against the source's addresses

    async def read(self, fetcher: Fetcher, html: str, page_url: str) -> list[Document]:
        """The documents an article page attaches."""
        links = find_documents(html, page_url, limit=self.limits.per_item)
        return await collect_documents(
            fetcher, links, self.limits, self.known, source_url=self.source_url
        )

    async def read_entry(self, fetcher: Fetcher, entry: _Entry, kind: str) -> list[Document]:
        """An entry that links a document itself (a notice listed as its PDF)."""
        link = DocumentLink(entry.url, kind, entry.title)
        return await collect_documents(
            fetcher, [link], self.limits, self.known, source_url=self.source_url
        )


async def _parse(
    fetcher: Fetcher, source: SourceConfig, result: FetchResult, kind: str, tz: ZoneInfo
) -> tuple[list[_Entry], str, str | None]:
    """Entries of the fetched page, the kind it turned out to be, and its feed URL."""
    body, text = result.body, result.text or ""
    if kind == "auto":
        if looks_like_feed(body, result.content_type):
            return _feed_entries(result, source, tz), "rss", result.url
        for feed_url in discover_feeds(text, result.url)[:1]:
            try:
                feed = await fetcher.fetch(feed_url, source_url=source.url)
                return _feed_entries(feed, source, tz), "rss", feed.url
            except (FetchError, NotAFeed) as exc:
                log.info("source %s: discovered feed %s unusable (%s)", source.id, feed_url, exc)
        return _listing_entries(text, result.url, source, tz), "html", None
    if kind == "rss":
        return _feed_entries(result, source, tz), "rss", None
    return _listing_entries(text, result.url, source, tz), "html", None


def _web_link(source: SourceConfig, *candidates: str | None) -> str | None:
    """The first http(s) link among ``candidates``; logs the ones refused."""
    for link in candidates:
        if is_web_link(link):
            return link
    refused = [c for c in candidates if c]
    if refused:
        scheme = urlsplit(refused[0].strip()).scheme or "no scheme"
        log.warning(
            "source %s: entry dropped, its link is not http(s) (%s): %.80r",
            source.id,
            scheme,
            refused[0],
        )
    return None


def _feed_entries(result: FetchResult, source: SourceConfig, tz: ZoneInfo) -> list[_Entry]:
    # The fetcher's decoded text: a feed whose declared charset lies is read
    # with the same Vietnamese detection as a page.
    feed = parse_feed(result.text if result.text is not None else result.body, result.url, tz)
    entries = []
    for e in feed.entries:
        if not e.title:
            continue
        link = _web_link(source, e.url, e.guid if e.guid and e.guid.startswith("http") else None)
        if not link:
            continue
        entries.append(
            _Entry(
                url=link,
                guid=e.guid,
                title=normalize(collapse_whitespace(e.title)),
                published=e.published,
                teaser=e.summary,
                full_text=None if e.is_teaser else (e.content_text or e.summary),
            )
        )
    if feed.entries and not entries:
        raise NotAFeed(
            f"malformed feed: none of its {len(feed.entries)} entries has an http(s) link and a title"
        )
    return entries


def _listing_entries(html: str, url: str, source: SourceConfig, tz: ZoneInfo) -> list[_Entry]:
    listing = parse_listing(html, url, tz, source.listing, fetched_at=datetime.now(UTC))
    if not listing:
        raise ListingError("the listing page has no recognizable news entries")
    return [
        _Entry(
            url=e.url,
            guid=None,
            title=e.title,
            published=e.published,
            teaser=e.teaser,
            full_text=None,
        )
        for e in listing
        if _web_link(source, e.url)
    ]


async def _complete(
    fetcher: Fetcher,
    source: SourceConfig,
    entries: list[_Entry],
    tz: ZoneInfo,
    reader: _DocumentReader | None = None,
    *,
    history: bool = False,
) -> list[Candidate]:
    """Fetch the article page of each teaser-only entry (bounded), in page order.

    Entries beyond the bound wait for the next poll, unless ``history`` (the
    source's first poll): then they are kept now with their teaser, since the
    baseline must cover every entry seen or the next poll would push them."""
    need_page = [e for e in entries if e.full_text is None]
    fetch_now = need_page[:MAX_ARTICLES_PER_POLL]
    pages = await asyncio.gather(*(_article(fetcher, source, e, tz, reader) for e in fetch_now))
    by_url = {e.url: page for e, page in zip(fetch_now, pages, strict=True)}
    if history:
        for e in need_page[MAX_ARTICLES_PER_POLL:]:
            by_url.setdefault(
                e.url,
                _teaser_only(
                    e,
                    f"history beyond the first poll's {MAX_ARTICLES_PER_POLL} article pages",
                ),
            )
    candidates = []
    for e in entries:
        if e.full_text is not None:
            candidates.append(Candidate(e.url, e.guid, e.title, e.published, e.teaser, e.full_text))
        elif e.url in by_url:
            candidates.append(by_url[e.url])
    return candidates


def _teaser_only(
    entry: _Entry,
    reason: str | None,
    *,
    fetched_at: datetime | None = None,
    documents: list[Document] | None = None,
) -> Candidate:
    """The entry as its feed or listing gives it, without its article page's text."""
    return Candidate(
        url=entry.url,
        guid=entry.guid,
        title=entry.title,
        published=entry.published,
        description=entry.teaser,
        text=entry.teaser or "",
        fetched_at=fetched_at or datetime.now(UTC),
        text_error=reason,
        documents=documents or [],
    )


async def _article(
    fetcher: Fetcher,
    source: SourceConfig,
    entry: _Entry,
    tz: ZoneInfo,
    reader: _DocumentReader | None = None,
) -> Candidate:
    fetched_at = datetime.now(UTC)
    document_kind = kind_of_url(entry.url)
    if reader is not None and document_kind is not None:  # the entry is the document
        documents = await reader.read_entry(fetcher, entry, document_kind)
        return _teaser_only(entry, None, fetched_at=fetched_at, documents=documents)
    try:
        page = await fetcher.fetch(entry.url, source_url=source.url)
        article = extract_article(
            page.text or "", page.url, tz, source.article, fetched_at=fetched_at
        )
    except (FetchError, ExtractionError) as exc:
        log.warning("source %s: article %s kept as teaser: %s", source.id, entry.url, exc)
        reason = getattr(exc, "reason", str(exc))
        return _teaser_only(entry, reason, fetched_at=fetched_at)
    return Candidate(
        url=entry.url,
        guid=entry.guid,
        title=entry.title or article.title or "",
        # The article page's own timestamp is more precise than a listing's.
        published=article.published or entry.published,
        description=article.description or entry.teaser,
        text=article.text,
        credit=getattr(article, "credit", None),
        fetched_at=fetched_at,
        documents=await reader.read(fetcher, page.text or "", page.url) if reader else [],
    )
