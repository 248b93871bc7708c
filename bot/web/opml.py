"""OPML 2.0 in and out: the sources as a list other feed readers understand.

Reading uses defusedxml: a document with a DTD, entities or external
references is refused outright (no "billion laughs", no local files read).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from bot.config import Config
from feeds.sources import SourceConfig
from storage import console as store
from storage.db import Database
from storage.ingest import sync_sources

MAX_OPML_BYTES = 2 * 1024 * 1024


class OpmlError(ValueError):
    """The file is not an OPML list of feeds; the message says why (in English and
    is shown with a Vietnamese lead by the console)."""


@dataclass(frozen=True)
class OpmlFeed:
    title: str
    url: str
    kind: str  # "rss" when the outline says type="rss", else "auto"


def parse_opml(data: bytes) -> list[OpmlFeed]:
    """The feeds of an OPML file (nested outlines too), each URL once, in order."""
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"file too large ({len(data)} bytes; at most {MAX_OPML_BYTES})")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise OpmlError(
            f"refused: {type(exc).__name__} (DTDs and entities are not allowed)"
        ) from exc
    except ET.ParseError as exc:
        raise OpmlError(f"not XML: {exc}") from exc
    if root.tag != "opml":
        raise OpmlError(f"not OPML: the root element is <{root.tag}>, not <opml>")
    feeds: list[OpmlFeed] = []
    seen: set[str] = set()
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("htmlUrl") or "").strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or url in seen:
            continue
        seen.add(url)
        title = (outline.get("title") or outline.get("text") or parts.hostname).strip()
        kind = (
            "rss" if outline.get("xmlUrl") and outline.get("type", "").lower() == "rss" else "auto"
        )
        feeds.append(OpmlFeed(title[:200], url, kind))
    if not feeds:
        raise OpmlError("no outline with an http(s) xmlUrl or htmlUrl")
    return feeds


def build_opml(sources: Sequence[SourceConfig], title: str, now: datetime | None = None) -> str:
    """An OPML 2.0 document listing ``sources`` (xmlUrl: the source's URL)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC), usegmt=True)
    body = ET.SubElement(root, "body")
    for source in sources:
        attrs = {"text": source.name, "title": source.name, "xmlUrl": source.url}
        attrs["type"] = "rss" if source.kind == "rss" else "link"
        if source.kind != "rss":
            attrs["htmlUrl"] = source.url
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def import_feeds(
    config: Config, db: Database, feeds: Sequence[OpmlFeed]
) -> tuple[list[str], list[str]]:
    """OPML feeds into the console's sources: (added ids, ids already used)."""
    in_file = {s.id for s in config.sources}
    sources = [
        SourceConfig(
            id=store.source_id_for(f.url),
            name=f.title,
            url=f.url,
            kind=f.kind,
            extra={"origin": "console"},
        )
        for f in feeds
    ]
    clash = [s.id for s in sources if s.id in in_file]
    added, existing = store.add_console_sources(db, [s for s in sources if s.id not in in_file])
    if added:
        sync_sources(db, [s for s in sources if s.id in set(added)])
    return added, clash + existing
