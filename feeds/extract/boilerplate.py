"""Remove a page's furniture boxes and flatten its layout tables.

Union sites put "TIN TỨC MỚI NHẤT", "THÔNG BÁO" or "Tin cùng chuyên mục"
boxes (with their own titles, timestamps and leads) around a short article.
A box is found by its heading and removed whole, climbing from the heading to
the largest ancestor that does not hold the article title.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from feeds.extract.furniture_words import ALL_HEADINGS, BOX_HEADINGS, LIST_HEADINGS
from feeds.extract.html_text import contains, doc_order, link_ratio, match_key, raw_len, text_of


def prune_furniture(root: HtmlElement, title_el: HtmlElement | None, trusted: bool) -> None:
    """Remove boxes introduced by a furniture heading, never the title's container."""
    order = doc_order(root)
    title_pos = order.get(title_el, -1) if title_el is not None else -1
    main = None if trusted else _densest_block(root)
    for heading, key in _heading_elements(root):
        if not contains(root, heading) or contains(heading, title_el):
            continue  # already removed with an earlier box
        box = heading
        while True:
            parent = box.getparent()
            if parent is None or parent.tag in ("body", "html") or contains(parent, title_el):
                break
            if title_el is None and raw_len(parent) > 2500:
                break  # no anchor: stay local rather than eat the page
            box = parent
        heading_only = match_key(text_of(box)) == key
        if main is not None and contains(box, main):
            continue  # unverified anchor: keep the densest run of paragraphs, the likely body
        if key in BOX_HEADINGS and not heading_only and link_ratio(box) < 0.15 and _has_prose(box):
            # sentences without links under "THÔNG BÁO" are a notice article, not a box
            continue
        if heading_only and key in LIST_HEADINGS and order.get(box, 0) > title_pos:
            # bare heading (flat markup): the list is in the following siblings
            for sibling in list(box.itersiblings()):
                sibling.drop_tree()
        if box.getparent() is not None:
            box.drop_tree()


def _densest_block(root: HtmlElement) -> HtmlElement | None:
    """The element whose direct <p> children carry the most text (readability's
    top candidate): on a short notice with a long sidebar it is still the notice."""
    totals: dict[HtmlElement, int] = {}
    for p in root.iter("p"):
        parent = p.getparent()
        if parent is not None and p.find(".//a") is None:
            totals[parent] = totals.get(parent, 0) + raw_len(p)
    return max(totals, key=totals.__getitem__) if totals else None


def _has_prose(el: HtmlElement) -> bool:
    """Does `el` hold a paragraph of running text that is not a link?"""
    for block in el.iter("p", "div", "td", "li", "blockquote"):
        if raw_len(block) >= 80 and block.find(".//a") is None:
            return True
    return False


def _heading_elements(root: HtmlElement) -> list[tuple[HtmlElement, str]]:
    """Outermost elements whose whole text is a furniture heading."""
    found: list[tuple[HtmlElement, str]] = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in ("html", "body", "option", "title"):
            continue
        text = el.text_content()
        if len(text) > 80:
            continue
        key = match_key(text)
        if key in ALL_HEADINGS and not any(contains(prev, el) for prev, _ in found):
            found.append((el, key))
    return found


def unwrap_layout_tables(root: HtmlElement) -> None:
    """Old sites lay pages out in tables; as divs the extractor sees paragraphs."""
    renames = {
        "table": "div",
        "tbody": "div",
        "thead": "div",
        "tfoot": "div",
        "tr": "div",
        "td": "div",
        "th": "div",
    }
    for table in list(root.iter("table")):
        if (
            table.find(".//p") is None
            and table.find(".//table") is None
            and table.find(".//div") is None
        ):
            continue  # a data table: keep it
        for el in [table, *table.iter("tbody", "thead", "tfoot", "tr", "td", "th")]:
            if el.tag in renames and not _inside_data_table(el, table):
                el.tag = renames[el.tag]


def _inside_data_table(el: HtmlElement, layout: HtmlElement) -> bool:
    for anc in el.iterancestors():
        if anc is layout:
            return False
        if anc.tag == "table":
            return True
    return False
