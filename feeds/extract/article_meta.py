"""What a page says about itself: <meta> tags, JSON-LD and the article title.

Read before the DOM is pruned (JSON-LD lives in scripts, which go first). The
title element found here anchors the later steps: furniture is pruned around
it and the timestamp is looked for under it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from lxml.html import HtmlElement

from feeds.extract.furniture_words import ALL_HEADINGS
from feeds.extract.html_text import clean_text, match_key, text_of

_SITE_HEADER = re.compile(r"logo|header|brand|banner|site-?name|masthead", re.IGNORECASE)


def meta_map(tree: HtmlElement) -> dict[str, str]:
    """First value of each <meta> by property/name/itemprop, lowercased keys."""
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        content = meta.get("content")
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            key = (meta.get(attr) or "").strip().lower()
            if key and key not in found:
                found[key] = content.strip()
    return found


def json_ld_objects(tree: HtmlElement) -> Iterator[dict]:
    """Every JSON object in the page's JSON-LD scripts, ``@graph`` members included."""
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                if "@graph" in item:
                    stack.append(item["@graph"])


def page_title(
    tree: HtmlElement, metas: dict[str, str]
) -> tuple[str | None, HtmlElement | None, bool]:
    """The article title, the element showing it (anchor for pruning and dates) and
    whether that element is a trustworthy anchor.

    An <h1> agreeing with og:title/<title> wins; some templates put the site name
    in an <h1> logo, so an h1 that disagrees with the metadata is not trusted
    when the metadata title can be found elsewhere on the page.
    """
    og = clean_text(metas.get("og:title") or metas.get("twitter:title"))
    head_title = clean_text(tree.findtext(".//title"))
    meta_keys = [k for k in (match_key(og), match_key(head_title)) if k]
    h1s = [
        (text, h1)
        for h1 in tree.iter("h1")
        if len(text := text_of(h1)) >= 10
        and match_key(text) not in ALL_HEADINGS
        and not any(a.tag == "a" for a in h1.iterancestors())
    ]
    for text, h1 in h1s:
        key = match_key(text)
        if any(key in mk or mk in key for mk in meta_keys):
            return text, h1, True
    title = og or _strip_site_name(head_title) or None
    if title:
        element = _find_text_element(tree, title)
        if element is not None:
            return title, element, True
    for text, h1 in h1s:
        if not _in_site_header(h1):
            return text, h1, True  # the metadata only names the site
    if h1s:
        return *h1s[0], False
    return title, None, False


def _in_site_header(el: HtmlElement) -> bool:
    """Inside the page header or logo block, where templates put the site name."""
    for anc in el.iterancestors():
        if anc.tag in ("header", "nav"):
            return True
        if _SITE_HEADER.search(f"{anc.get('class') or ''} {anc.get('id') or ''}"):
            return True
    return False


def _find_text_element(tree: HtmlElement, title: str) -> HtmlElement | None:
    """The innermost element, outside links, whose whole text is `title`."""
    wanted = match_key(title)
    best: HtmlElement | None = None
    body = tree.find("body")
    slack = len(title) // 3 + 10
    for el in (body if body is not None else tree).iter():
        if not isinstance(el.tag, str) or el.tag in ("a", "title", "option"):
            continue
        if abs(len(el.text_content().strip()) - len(title)) > slack:
            continue
        if match_key(text_of(el)) == wanted and not any(a.tag == "a" for a in el.iterancestors()):
            best = el  # keep descending: the innermost match is the title element
            if not any(match_key(text_of(c)) == wanted for c in el if isinstance(c.tag, str)):
                break
    return best


def _strip_site_name(title: str) -> str:
    """ "Article title - Báo Nghệ An" -> "Article title" (the longest part)."""
    if not title:
        return ""
    parts = re.split(r"\s+[|\-–—»]\s+", title)
    return max(parts, key=len) if len(parts) > 1 else title
