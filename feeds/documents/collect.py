"""Download and read the documents one item's page links, once each.

Downloads go through the page :class:`~feeds.fetch.fetcher.Fetcher`, so the
per-host politeness, timeouts and redirect rules are the pages' own; only the
size cap is larger (``max_bytes``, 20 MB by default) and a larger document is
recorded as refused, not read.  Reading (and OCR) runs in a small pool of its
own threads, one per two cores: the event loop keeps polling other sources
meanwhile, and a pile of scans never takes the threads that store polls.

A document already read is never downloaded again: the caller's ``known``
lookup returns what the store holds for that URL; with validators it is asked
again conditionally (a 304 costs no body), without them it is reused as is.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from feeds.documents.find import DocumentLink
from feeds.documents.ocr import OcrLimits
from feeds.documents.read import read_document
from feeds.fetch.fetcher import Fetcher, FetchError

log = logging.getLogger(__name__)

_READERS = ThreadPoolExecutor(
    max_workers=max(1, (os.cpu_count() or 2) // 2), thread_name_prefix="documents"
)


@dataclass(frozen=True)
class DocumentLimits:
    """``[documents]`` in bot_config.toml."""

    enabled: bool = True
    max_bytes: int = 20 * 1024 * 1024
    per_item: int = 3  # documents read per item
    ocr: bool = True
    ocr_max_pages: int = 10
    ocr_seconds: float = 120.0

    @property
    def ocr_limits(self) -> OcrLimits | None:
        return OcrLimits(self.ocr_max_pages, self.ocr_seconds) if self.ocr else None


@dataclass(frozen=True)
class Document:
    """One attached document as stored: where it is, what was read, what failed."""

    url: str
    label: str
    content_type: str | None
    size: int | None  # bytes downloaded
    kind: str | None
    pages: int | None
    method: str | None  # "text" | "ocr" | "text+ocr" | None
    text: str
    error: str | None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def chars(self) -> int:
        return len(self.text)


# url -> what the store already read at that URL, if anything
KnownDocument = Callable[[str], Document | None]


async def collect_documents(
    fetcher: Fetcher,
    links: Sequence[DocumentLink],
    limits: DocumentLimits,
    known: KnownDocument | None = None,
    *,
    source_url: str | None = None,
) -> list[Document]:
    """The documents of one item, read (or reused), in link order; never raises.

    ``source_url``: the source whose page linked them; every hop of a download
    is checked against that source's address classes (no SSRF through a link)."""
    documents = []
    for link in links[: limits.per_item]:
        previous = known(link.url) if known else None
        documents.append(await _collect_one(fetcher, link, limits, previous, source_url))
    return [d for d in documents if d is not None]


async def _collect_one(
    fetcher: Fetcher,
    link: DocumentLink,
    limits: DocumentLimits,
    previous: Document | None,
    source_url: str | None,
) -> Document | None:
    if previous is not None and not (previous.etag or previous.last_modified):
        return replace(previous, label=link.label)
    try:
        result = await fetcher.fetch(
            link.url,
            etag=previous.etag if previous else None,
            last_modified=previous.last_modified if previous else None,
            source_url=source_url,
            max_bytes=limits.max_bytes,
        )
    except FetchError as exc:
        log.info("document %s not downloaded: %s", link.url, exc.reason)
        if previous is not None:
            return replace(previous, label=link.label)
        refused = exc.kind == "too_large"
        return Document(
            url=link.url,
            label=link.label,
            content_type=None,
            size=None,
            kind=link.kind,
            pages=None,
            method=None,
            text="",
            error=f"refused: {exc.reason}" if refused else exc.reason,
        )
    if result.not_modified and previous is not None:
        return replace(previous, label=link.label)
    if link.kind is None and result.text is not None and "html" in result.content_type:
        return None  # a "download" link that led to another web page
    loop = asyncio.get_running_loop()
    read = await loop.run_in_executor(
        _READERS, functools.partial(read_document, result.body, ocr=limits.ocr_limits)
    )
    if read.kind is None and link.kind is None:
        return None
    return Document(
        url=link.url,
        label=link.label,
        content_type=result.content_type or None,
        size=len(result.body),
        kind=read.kind or link.kind,
        pages=read.pages,
        method=read.method,
        text=read.text,
        error=read.error,
        etag=result.etag,
        last_modified=result.last_modified,
    )
