"""The sapo (lead paragraph) of an article and the description shown to users.

Vietnamese news pages open with a sapo: a bold paragraph or an element classed
"sapo"/"lead"/"desc" under the title. Meta descriptions are often the same
sentence cut short, so the page's own sapo is preferred when it is complete.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from feeds.extract.html_text import clean_text, doc_order, match_key, text_of

_SAPO_CLASS = re.compile(
    r"(?:^|[\s_-])(?:sapo|chapeau|lead|leadin|desc|description|summary|excerpt|intro|tomtat|"
    r"tom-tat|article-summary|detail-sapo)(?:$|[\s_-])",
    re.IGNORECASE,
)
_NOT_SAPO_CLASS = re.compile(r"img|image|photo|caption|meta|keyword", re.IGNORECASE)


def find_sapo(root: HtmlElement, title_el: HtmlElement | None) -> str | None:
    """A sapo element (class~=sapo|lead|desc) or the first fully bold paragraph."""
    order = doc_order(root)
    title_pos = order.get(title_el, -1) if title_el is not None else -1
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in ("html", "body", "meta", "a"):
            continue
        cls = el.get("class") or ""
        if cls and _SAPO_CLASS.search(cls) and not _NOT_SAPO_CLASS.search(cls):
            text = text_of(el)
            if 40 <= len(text) <= 1500 and order.get(el, 0) > title_pos:
                return text
    start = title_el if title_el is not None else root
    for p in _following(start, "p", limit=6):
        text = text_of(p)
        if len(text) < 40:
            continue
        bold = "".join(text_of(b) for b in p.iter("b", "strong"))
        if len(bold) >= 0.9 * len(text):
            return text
        return None  # only the first real paragraph may be the sapo
    return None


def choose_description(
    metas: dict[str, str], dom_sapo: str | None, title: str | None
) -> str | None:
    """The meta description, unless it is missing, too short, the title again or a cut
    copy of the page's own sapo: then the sapo."""
    meta = clean_text(
        metas.get("og:description") or metas.get("description") or metas.get("twitter:description")
    )
    usable = meta and len(meta) >= 40 and (not title or match_key(meta) != match_key(title))
    if dom_sapo and (
        not usable or match_key(dom_sapo).startswith(match_key(meta.rstrip(".… "))[:60])
    ):
        return dom_sapo  # the page's own sapo is complete; metas are often cut
    return meta if usable else dom_sapo


def _following(anchor: HtmlElement, tag: str, limit: int) -> list[HtmlElement]:
    return anchor.xpath(f"following::{tag}")[:limit]
