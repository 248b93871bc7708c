"""Text of lxml elements, as the article extractor compares it.

Every decision about a page (is this a furniture heading, the title, a caption
already seen?) compares folded keys of cleaned text, so both live here with
the few tree measures the pruning steps share.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import lxml.html
from lxml.html import HtmlElement

from feeds.vntext import fold_key

_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tfoot",
        "tr",
        "ul",
    ]
)


def clean_text(text: str | None) -> str:
    """NFC, invisible characters gone, runs of spaces (NBSP included) collapsed."""
    if not text:
        return ""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


@lru_cache(maxsize=8192)
def match_key(text: str) -> str:
    """Folded match key: lowercase words without diacritics ("LIÊN KÊT" -> "lien ket").

    feeds.vntext.fold_key, cached: it runs on every candidate heading and line
    of a page, and pages repeat their furniture.
    """
    return fold_key(text)


def text_of(el: HtmlElement) -> str:
    """The element's whole text, cleaned."""
    return clean_text(el.text_content())


def raw_len(el: HtmlElement) -> int:
    """Cheap size measure for decisions that need no clean text."""
    return len(el.text_content())


def block_lines(el: HtmlElement) -> list[str]:
    """Text of an element, one line per block element (works on a copy)."""
    el = lxml.html.fromstring(lxml.html.tostring(el, encoding="unicode"))
    for node in el.iter():
        if not isinstance(node.tag, str):
            continue
        if node.tag in _BLOCK_TAGS:
            node.tail = "\n" + (node.tail or "")
            if node.tag == "br":
                continue
            node.text = "\n" + (node.text or "")
    lines = (clean_text(line) for line in el.text_content().split("\n"))
    return [line for line in lines if line]


def contains(ancestor: HtmlElement, el: HtmlElement | None) -> bool:
    """Is `el` the `ancestor` itself or inside it?"""
    return el is not None and (ancestor is el or any(a is ancestor for a in el.iterancestors()))


def link_ratio(el: HtmlElement) -> float:
    """Share of the element's text that sits inside links."""
    total = raw_len(el) or 1
    linked = sum(raw_len(a) for a in el.iter("a"))
    return linked / total


def doc_order(root: HtmlElement) -> dict[HtmlElement, int]:
    """Document position of every element. The dict keeps the lxml proxies alive,
    so later lookups get the same objects (id() of a transient proxy is reused)."""
    return {el: i for i, el in enumerate(root.iter())}
