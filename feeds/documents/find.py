"""Links to attached documents on an article page.

Sites link documents plainly (``<a href="…/KH-12.pdf">``), by a download
script whose URL hides the type (``download.aspx?id=3``, recognised later by
Content-Type), or embed a viewer: ``<iframe src="…pdf">``, ``<embed>``,
``<object data>``, Google Docs' viewer (``docs.google.com/viewer?url=…``) and
PDF.js (``viewer.html?file=…``) wrap the real URL in a query parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

import lxml.html

# Extensions of documents worth reading, by what they hold.
DOCUMENT_EXTENSIONS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".doc": "doc",
    ".xlsx": "xlsx",
}
# Words of a link's text that announce a download whose URL has no extension.
_DOWNLOAD_WORDS = ("tải về", "tai ve", "tải xuống", "download", "đính kèm", "file đính kèm")
_WRAPPER_PARAMS = ("url", "file", "src", "document")


@dataclass(frozen=True)
class DocumentLink:
    """One document an item's page points to."""

    url: str
    kind: str | None  # "pdf" | "docx" | "doc" | "xlsx", or None until its Content-Type says
    label: str  # the link text or file name, for the push


def kind_of_url(url: str) -> str | None:
    """The document kind a URL's path announces, if any."""
    path = unquote(urlsplit(url).path).lower()
    for ext, kind in DOCUMENT_EXTENSIONS.items():
        if path.endswith(ext):
            return kind
    return None


def _unwrap(url: str) -> str:
    """The document inside a viewer URL (Google Docs viewer, PDF.js), else ``url``."""
    query = parse_qs(urlsplit(url).query)
    for name in _WRAPPER_PARAMS:
        for value in query.get(name, []):
            if kind_of_url(value) or value.startswith(("http://", "https://")):
                return urljoin(url, value)
    return url


def _label(text: str, url: str) -> str:
    text = " ".join(text.split())
    if text:
        return text[:120]
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return name[:120] or url


def find_documents(html: str, base_url: str, *, limit: int = 5) -> list[DocumentLink]:
    """Document links of a page, in page order, each URL once, at most ``limit``.

    Only http(s) targets: a ``javascript:`` or ``data:`` link is never a document.
    """
    if not html.strip():
        return []
    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    found: dict[str, DocumentLink] = {}
    for element in root.iter("a", "iframe", "embed", "object"):
        raw = element.get("href") or element.get("src") or element.get("data") or ""
        raw = raw.strip()
        if not raw or raw.startswith("#"):
            continue
        url = _unwrap(urljoin(base_url, raw))
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        kind = kind_of_url(url)
        text = element.text_content() if element.tag == "a" else ""
        # A link without an extension counts only when its words announce a
        # download; an embed must name a document (not a video player).
        announced = element.tag == "a" and any(w in text.lower() for w in _DOWNLOAD_WORDS)
        if kind is None and not announced:
            continue
        url = url.split("#", 1)[0]
        if url not in found:
            found[url] = DocumentLink(url=url, kind=kind, label=_label(text, url))
        if len(found) >= limit:
            break
    return list(found.values())
