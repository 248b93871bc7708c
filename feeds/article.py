"""Main text, sapo, captions and publication time of one article page.

Union sites wrap a short article in a lot of furniture: slogan banners, menus,
"TIN TỨC MỚI NHẤT" / "THÔNG BÁO" / "Tin cùng chuyên mục" boxes (with their
own titles, timestamps and leads), duplicated photo captions and credits.
The pipeline is:

1. parse once with lxml; read metadata (meta tags, JSON-LD) before scripts go;
2. prune the DOM: furniture boxes found by their heading, photo captions
   (kept apart), slogan marquees, and unwrap layout tables so the extractor
   sees paragraphs on old table-layout sites;
3. extract: the `hints.content` element when configured, else trafilatura,
   else trafilatura's baseline when the result is tiny;
4. filter lines (headings, slogans, repeats, credits, "Từ khóa:", "./.");
5. date: meta tags, `hints.date`, the timestamp under the title, trafilatura.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import lxml.etree
import lxml.html
import trafilatura
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement
from trafilatura.metadata import extract_metadata

from feeds.dates import parse_any_datetime, parse_vn_datetime
from feeds.source_config import ArticleHints

log = logging.getLogger(__name__)


class ExtractionError(Exception):
    """No article text could be extracted; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Article:
    title: str | None
    text: str  # clean main text, one paragraph per line (NFC)
    description: str | None  # the sapo / lead
    published: datetime | None  # aware
    captions: list[str] = field(default_factory=list)  # photo captions, not in `text`
    credit: str | None = None  # reprint credit ("Theo Diệp Thanh - Baonghean.vn")


# --- furniture vocabulary (folded keys: lowercase, no diacritics) -----------

# Headings of lists of *other* articles: everything under them is foreign.
LIST_HEADINGS = frozenset(
    {
        "tin tuc moi nhat",
        "tin moi nhat",
        "tin moi",
        "tin moi cap nhat",
        "tin cung chuyen muc",
        "cung chuyen muc",
        "tin lien quan",
        "bai lien quan",
        "bai viet lien quan",
        "tin khac",
        "cac tin khac",
        "tin bai khac",
        "tin da dua",
        "cac tin da dua",
        "tin cung loai",
        "xem them",
        "doc them",
        "tin doc nhieu",
        "doc nhieu",
        "doc nhieu nhat",
        "tin xem nhieu",
        "xem nhieu",
        "xem nhieu nhat",
        "tin noi bat",
        "noi bat",
        "tin tieu diem",
        "tieu diem",
        "co the ban quan tam",
        "ban co the quan tam",
    }
)
# Headings of sidebar boxes (notices, links, counters, galleries).
BOX_HEADINGS = frozenset(
    {
        "thong bao",
        "he thong to chuc",
        "tu van phap luat",
        "thu vien anh",
        "thu vien video",
        "thu vien",
        "video",
        "videos",
        "lien ket website",
        "lien ket web",
        "lien ket",
        "website lien ket",
        "so luong truy cap",
        "thong ke truy cap",
        "luot truy cap",
        "van ban moi",
        "van ban",
        "lich cong tac",
        "quang cao",
        "hoi dap",
        "hoi dap phap luat",
        "chuyen muc",
        "danh muc",
        "tim kiem",
        "su kien",
        "anh dep",
        "multimedia",
    }
)
# Single furniture lines: dropped from the text, never used to cut.
INLINE_FURNITURE = frozenset(
    {
        "chia se",
        "chia se bai viet",
        "binh luan",
        "gui binh luan",
        "y kien ban doc",
        "in bai viet",
        "in bai",
        "ban in",
        "gui bai",
        "gui cho ban be",
        "quay lai",
        "tro ve",
        "ve dau trang",
        "len dau trang",
        "trang chu",
        "facebook",
        "zalo",
        "twitter",
        "tweet",
        "like",
        "share",
        "email",
        "print",
    }
)
_ALL_HEADINGS = LIST_HEADINGS | BOX_HEADINGS
_GREETING = re.compile(r"^(chao mung (ban|quy vi|quy khach|quy doc gia)|welcome to)\b")
_SLOGAN_WORDS = re.compile(
    r"\b(nhiet liet|chao mung|quyet tam|thang loi|muon nam|doan ket|dai hoi|nghi quyet|"
    r"vung manh|thi dua|xay dung dang|ho chi minh|to quoc)\b"
)
_BARE_CREDIT = re.compile(
    r"^\(?\s*(?:ảnh|ảnh minh họa|ảnh minh hoạ|nguồn ảnh|nguồn|video|clip|đồ họa|đồ hoạ|"
    r"infographic|photo)\s*:\s*[^.]{1,40}\.?\s*\)?$",
    re.IGNORECASE,
)
_PHOTO_NUMBER = re.compile(r"^(.{8,}?)\s+ảnh\s+\d{1,2}$", re.IGNORECASE)
_KEYWORDS_LINE = re.compile(r"^(?:từ khóa|từ khoá|tags?|keywords?)\s*:", re.IGNORECASE)
_END_MARK = re.compile(r"\s*\.?\s*/\s*\.\s*$")
_CREDIT_LINE = re.compile(
    r"^(?:(?:theo|nguồn)\s*:?\s+[^,;:!?]{2,70}?|nguồn\s*:\s*\S.{0,70}?)$", re.IGNORECASE
)
_CREDIT_SITE = re.compile(r"[\w-]+\.(?:vn|com|net|org|gov\.vn|com\.vn|org\.vn)\b|\b[A-ZĐ]{3,}\b")
_SAPO_CLASS = re.compile(
    r"(?:^|[\s_-])(?:sapo|chapeau|lead|leadin|desc|description|summary|excerpt|intro|tomtat|"
    r"tom-tat|article-summary|detail-sapo)(?:$|[\s_-])",
    re.IGNORECASE,
)
_CAPTION_CLASS = re.compile(
    r"caption|image[_-]?desc|img[_-]?desc|desc[_-]?img|photo[_-]?desc|chu[_-]?thich|"
    r"img[_-]?name|image[_-]?title|pic[_-]?desc|expNoEdit",
    re.IGNORECASE,
)
_NOT_SAPO_CLASS = re.compile(r"img|image|photo|caption|meta|keyword", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_PIPE_ROW = re.compile(r"^\|\s*(.*?)\s*\|?$")

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
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "marquee", "svg", "button")

# Below this much text the extractor failed; try the next method.
MIN_TEXT_CHARS = 200
# How far into the lead a date may be taken as the publication day (last resort).
LEAD_DATE_CHARS = 80
# The header window: how much text after the title may hold the timestamp.
HEADER_WINDOW_CHARS = 300


# --- small text helpers ------------------------------------------------------


def _clean(text: str | None) -> str:
    """NFC, invisible characters gone, runs of spaces (NBSP included) collapsed."""
    if not text:
        return ""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


def _raw_len(el: HtmlElement) -> int:
    """Cheap size measure for decisions that need no clean text."""
    return len(el.text_content())


_STRIP_MARKS = {cp: None for cp in range(0x300, 0x370)} | {
    ord("đ"): "d",
    ord("Đ"): "d",
    ord("Ð"): "d",
}
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=8192)
def _key(text: str) -> str:
    """Folded match key: lowercase words without diacritics ("LIÊN KÊT" -> "lien ket").

    Same result as feeds.vntext.fold_key for our purposes, but cached and
    cheaper: it runs on every candidate heading and line of a page.
    """
    decomposed = unicodedata.normalize("NFD", text.lower()).translate(_STRIP_MARKS)
    return " ".join(_WORD.findall(decomposed))


def _text_of(el: HtmlElement) -> str:
    return _clean(el.text_content())


def _block_lines(el: HtmlElement) -> list[str]:
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
    lines = (_clean(line) for line in el.text_content().split("\n"))
    return [line for line in lines if line]


# --- metadata ----------------------------------------------------------------


def _meta_map(tree: HtmlElement) -> dict[str, str]:
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


def _json_ld_objects(tree: HtmlElement) -> Iterator[dict]:
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


_DATE_META_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "sailthru.date",
    "date",
)


def _meta_date(tree: HtmlElement, metas: dict[str, str], tz: ZoneInfo) -> datetime | None:
    for key in _DATE_META_KEYS:
        if key in metas and (found := parse_any_datetime(metas[key], tz)):
            return found
    for obj in _json_ld_objects(tree):
        value = obj.get("datePublished") or obj.get("dateCreated")
        if isinstance(value, str) and (found := parse_any_datetime(value, tz)):
            return found
    for time_el in tree.iter("time"):
        if time_el.get("itemprop") == "datePublished" or time_el.get("pubdate") is not None:
            value = time_el.get("datetime") or _text_of(time_el)
            if found := parse_any_datetime(value, tz):
                return found
    return None


def _first_time_element(tree: HtmlElement, tz: ZoneInfo) -> datetime | None:
    """A <time datetime> left after pruning belongs to the article."""
    for time_el in tree.iter("time"):
        value = time_el.get("datetime")
        if value and (found := parse_any_datetime(value, tz)):
            return found
    return None


def _page_title(tree: HtmlElement, metas: dict[str, str]) -> tuple[str | None, HtmlElement | None]:
    """The article title and the element showing it (anchor for pruning and dates).

    An <h1> agreeing with og:title/<title> wins; some templates put the site name
    in an <h1> logo, so an h1 that disagrees with the metadata is not trusted
    when the metadata title can be found elsewhere on the page. The flag says
    whether the element agrees with the metadata (a trustworthy anchor).
    """
    og = _clean(metas.get("og:title") or metas.get("twitter:title"))
    head_title = _clean(tree.findtext(".//title"))
    meta_keys = [k for k in (_key(og), _key(head_title)) if k]
    h1s = [
        (text, h1)
        for h1 in tree.iter("h1")
        if len(text := _text_of(h1)) >= 10
        and _key(text) not in _ALL_HEADINGS
        and not any(a.tag == "a" for a in h1.iterancestors())
    ]
    for text, h1 in h1s:
        key = _key(text)
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


_SITE_HEADER = re.compile(r"logo|header|brand|banner|site-?name|masthead", re.IGNORECASE)


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
    wanted = _key(title)
    best: HtmlElement | None = None
    body = tree.find("body")
    slack = len(title) // 3 + 10
    for el in (body if body is not None else tree).iter():
        if not isinstance(el.tag, str) or el.tag in ("a", "title", "option"):
            continue
        if abs(len(el.text_content().strip()) - len(title)) > slack:
            continue
        if _key(_text_of(el)) == wanted and not any(a.tag == "a" for a in el.iterancestors()):
            best = el  # keep descending: the innermost match is the title element
            if not any(_key(_text_of(c)) == wanted for c in el if isinstance(c.tag, str)):
                break
    return best


def _strip_site_name(title: str) -> str:
    """ "Article title - Báo Nghệ An" -> "Article title" (the longest part)."""
    if not title:
        return ""
    parts = re.split(r"\s+[|\-–—»]\s+", title)
    return max(parts, key=len) if len(parts) > 1 else title


# --- DOM pruning ---------------------------------------------------------------


def _contains(ancestor: HtmlElement, el: HtmlElement | None) -> bool:
    return el is not None and (ancestor is el or any(a is ancestor for a in el.iterancestors()))


def _link_ratio(el: HtmlElement) -> float:
    total = _raw_len(el) or 1
    linked = sum(_raw_len(a) for a in el.iter("a"))
    return linked / total


def _densest_block(root: HtmlElement) -> HtmlElement | None:
    """The element whose direct <p> children carry the most text (readability's
    top candidate): on a short notice with a long sidebar it is still the notice."""
    totals: dict[HtmlElement, int] = {}
    for p in root.iter("p"):
        parent = p.getparent()
        if parent is not None and p.find(".//a") is None:
            totals[parent] = totals.get(parent, 0) + _raw_len(p)
    return max(totals, key=totals.__getitem__) if totals else None


def _has_prose(el: HtmlElement) -> bool:
    """Does `el` hold a paragraph of running text that is not a link?"""
    for block in el.iter("p", "div", "td", "li", "blockquote"):
        if _raw_len(block) >= 80 and block.find(".//a") is None:
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
        key = _key(text)
        if key in _ALL_HEADINGS and not any(_contains(prev, el) for prev, _ in found):
            found.append((el, key))
    return found


def _doc_order(root: HtmlElement) -> dict[HtmlElement, int]:
    """Document position of every element. The dict keeps the lxml proxies alive,
    so later lookups get the same objects (id() of a transient proxy is reused)."""
    return {el: i for i, el in enumerate(root.iter())}


def _prune_furniture(root: HtmlElement, title_el: HtmlElement | None, trusted: bool) -> None:
    """Remove boxes introduced by a furniture heading, never the title's container."""
    order = _doc_order(root)
    title_pos = order.get(title_el, -1) if title_el is not None else -1
    main = None if trusted else _densest_block(root)
    for heading, key in _heading_elements(root):
        if not _contains(root, heading) or _contains(heading, title_el):
            continue  # already removed with an earlier box
        box = heading
        while True:
            parent = box.getparent()
            if parent is None or parent.tag in ("body", "html") or _contains(parent, title_el):
                break
            if title_el is None and _raw_len(parent) > 2500:
                break  # no anchor: stay local rather than eat the page
            box = parent
        heading_only = _key(_text_of(box)) == key
        if main is not None and _contains(box, main):
            continue  # unverified anchor: keep the densest run of paragraphs, the likely body
        if key in BOX_HEADINGS and not heading_only and _link_ratio(box) < 0.15 and _has_prose(box):
            # sentences without links under "THÔNG BÁO" are a notice article, not a box
            continue
        if heading_only and key in LIST_HEADINGS and order.get(box, 0) > title_pos:
            # bare heading (flat markup): the list is in the following siblings
            for sibling in list(box.itersiblings()):
                sibling.drop_tree()
        if box.getparent() is not None:
            box.drop_tree()


def _is_caption_paragraph(el: HtmlElement) -> bool:
    """<p><em>caption</em></p> under an image, or a short centred line after one."""
    if _raw_len(el) > 600 or el.find(".//img") is not None:
        return False
    text = _text_of(el)
    if not text or len(text) > 400:
        return False
    prev = el.getprevious()
    after_image = prev is not None and (prev.tag == "img" or prev.find(".//img") is not None)
    if not after_image and not re.search(r"\bẢnh\s*:", text):
        return False
    emphasised = "".join(_text_of(e) for e in el if e.tag in ("em", "i", "span", "font"))
    if len(emphasised) >= 0.9 * len(text):
        return True
    style = (el.get("style") or "") + " " + (el.get("align") or "") + " " + (el.get("class") or "")
    return after_image and "center" in style.lower() and len(text) < 300


def _take_captions(root: HtmlElement) -> list[str]:
    """Collect photo captions and remove them (and their images) from the tree."""
    captions: list[str] = []
    doomed: list[HtmlElement] = []

    def grab(el: HtmlElement) -> None:
        if any(_contains(d, el) for d in doomed):
            return
        text = _text_of(el).rstrip(" |")
        if text:
            captions.append(text)
        doomed.append(el)

    for fig in root.iter("figure"):
        caps = fig.findall(".//figcaption")
        for cap in caps:
            captions.append(_text_of(cap))
        doomed.append(fig)
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in ("body", "html"):
            continue
        cls = f"{el.get('class') or ''} {el.get('id') or ''}"
        if _CAPTION_CLASS.search(cls) and _raw_len(el) < 600:
            grab(el)
    for table in root.iter("table"):
        # an image table: pictures plus a short text, the caption
        if (
            0 < len(table.findall(".//img")) <= 2
            and _raw_len(table) < 600
            and table.find(".//p") is None
            and table.find(".//table") is None
            and _link_ratio(table) < 0.5  # a table of linked teasers is not a photo
        ):
            grab(table)
    for p in root.iter("p", "div"):
        if _is_caption_paragraph(p):
            grab(p)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    return [c for c in captions if c]


def _unwrap_layout_tables(root: HtmlElement) -> None:
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


def _find_sapo(root: HtmlElement, title_el: HtmlElement | None) -> str | None:
    """A sapo element (class~=sapo|lead|desc) or the first fully bold paragraph."""
    order = _doc_order(root)
    title_pos = order.get(title_el, -1) if title_el is not None else -1
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in ("html", "body", "meta", "a"):
            continue
        cls = el.get("class") or ""
        if cls and _SAPO_CLASS.search(cls) and not _NOT_SAPO_CLASS.search(cls):
            text = _text_of(el)
            if 40 <= len(text) <= 1500 and order.get(el, 0) > title_pos:
                return text
    start = title_el if title_el is not None else root
    for p in _following(start, "p", limit=6):
        text = _text_of(p)
        if len(text) < 40:
            continue
        bold = "".join(_text_of(b) for b in p.iter("b", "strong"))
        if len(bold) >= 0.9 * len(text):
            return text
        return None  # only the first real paragraph may be the sapo
    return None


def _following(anchor: HtmlElement, tag: str, limit: int) -> list[HtmlElement]:
    return anchor.xpath(f"following::{tag}")[:limit]


# --- line filter ----------------------------------------------------------------


def _is_slogan(line: str) -> bool:
    segments = [s for s in re.split(r"\s{3,}", line) if s.strip()]
    for seg in segments:
        seg = seg.strip()
        if (
            seg.endswith("!")
            and len(seg) >= 40
            and not re.search(r"[.?]\s", seg)
            and _SLOGAN_WORDS.search(_key(seg))
        ):
            return True
    return False


def _is_timestamp_line(line: str, tz: ZoneInfo) -> bool:
    if len(line) > 60 or not re.search(r"\d", line):
        return False
    return parse_vn_datetime(line, tz) is not None and len(re.sub(r"[\d/:.,\-\s|]", "", line)) <= 25


def _is_label(line: str) -> bool:
    """Category labels above the title: short, all capitals."""
    letters = [c for c in line if c.isalpha()]
    return 0 < len(line.split()) <= 6 and bool(letters) and all(c.isupper() for c in letters)


def filter_lines(
    lines: Iterable[str], *, title: str | None, captions: Iterable[str], tz: ZoneInfo
) -> list[str]:
    """Drop furniture lines; cut at keywords or a trailing sidebar heading."""
    title_key = _key(title) if title else None
    caption_keys = {_key(c) for c in captions}
    kept: list[str] = []
    seen: set[str] = set()
    body_started = False
    for raw in lines:
        line = _clean(raw)
        if pipe := _PIPE_ROW.match(line):
            line = pipe.group(1).replace(" | ", " · ").strip(" |")
        if not line:
            continue
        key = _key(line)
        if _KEYWORDS_LINE.match(line) and len(line) < 300:
            break  # "Từ khóa: ..." closes the article
        if key in _ALL_HEADINGS:
            if body_started:
                break  # a sidebar or related list follows the article
            continue
        if not key or key in INLINE_FURNITURE or _GREETING.match(key):
            continue
        if line in seen or key in caption_keys or key == title_key:
            continue
        if _BARE_CREDIT.match(line) or _is_slogan(line):
            continue
        photo = _PHOTO_NUMBER.match(line)
        if photo and (title_key is None or _key(photo.group(1)) == title_key):
            continue
        if not body_started and (_is_label(line) or _is_timestamp_line(line, tz)):
            continue
        line = _END_MARK.sub(".", line)
        if line in seen:
            continue
        seen.add(line)
        kept.append(line)
        if len(line) >= 120:
            body_started = True
    return kept


def split_credit(lines: list[str]) -> tuple[list[str], str | None]:
    """Take a reprint credit ("Theo X - Baonghean.vn", "Nguồn: TTXVN") off the end."""
    for i in range(len(lines) - 1, max(-1, len(lines) - 4), -1):
        line = lines[i]
        if (
            len(line) <= 90
            and _CREDIT_LINE.match(line)
            and not line.endswith(".")
            and (_CREDIT_SITE.search(line) or line.lower().startswith("nguồn"))
        ):
            return lines[:i] + lines[i + 1 :], line
    return lines, None


# --- extraction -------------------------------------------------------------------


def _parse(html: str) -> HtmlElement:
    if not html or not html.strip():
        raise ExtractionError("empty page")
    # lxml refuses str input that carries an XML encoding declaration
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    try:
        return lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError) as err:
        raise ExtractionError(f"unparsable HTML: {err}") from err


def _select(root: HtmlElement, selector: str) -> list[HtmlElement]:
    try:
        return CSSSelector(selector)(root)
    except Exception as err:  # cssselect raises several parser errors
        log.warning("bad CSS selector %r: %s", selector, err)
        return []


def _trafilatura_lines(root: HtmlElement, url: str, *, fast: bool) -> list[str]:
    doc = trafilatura.bare_extraction(
        root,
        url=url,
        fast=fast,
        include_comments=False,
        include_tables=True,  # layout tables are unwrapped already; data tables are content
        include_images=False,
        include_links=False,
        with_metadata=False,
    )
    text = getattr(doc, "text", None) or ""
    return [line for line in text.split("\n") if line.strip()]


def _baseline_lines(root: HtmlElement) -> list[str]:
    _body, text, _length = trafilatura.baseline(root)
    return [line for line in text.split("\n") if line.strip()]


def _header_date(
    root: HtmlElement,
    title_el: HtmlElement | None,
    first_body: str | None,
    tz: ZoneInfo,
    reference: datetime,
) -> datetime | None:
    """First timestamp between the title and the body (category, time, byline)."""
    if title_el is None:
        return None
    stop = _key(first_body)[:40] if first_body else None
    window = ""
    for text in title_el.xpath("following::text()"):
        piece = _clean(str(text))
        if not piece:
            continue
        piece_key = _key(piece)[:40]
        if stop and len(piece_key) >= 20 and stop.startswith(piece_key):
            break  # the body starts here
        window += " " + piece
        if len(window) >= HEADER_WINDOW_CHARS:
            break
    found = parse_vn_datetime(window, tz, reference=reference)
    if found is None:
        # some templates print the time just above the title, inside the same block
        before = " ".join(_text_of(s) for s in title_el.itersiblings(preceding=True))[-120:]
        found = parse_vn_datetime(before, tz, reference=reference)
    return found


def _hint_date(
    root: HtmlElement, selector: str, tz: ZoneInfo, reference: datetime
) -> datetime | None:
    for el in _select(root, selector):
        for attr in ("datetime", "content", "title", "data-time"):
            value = el.get(attr)
            if value and (found := parse_any_datetime(value, tz)):
                return found
        if found := parse_vn_datetime(_text_of(el), tz, reference=reference):
            return found
    return None


def _trafilatura_date(root: HtmlElement, url: str, tz: ZoneInfo) -> datetime | None:
    # extensive=False: markup and URL only; the text search picks body or sidebar dates
    meta = extract_metadata(root, default_url=url, extensive=False)
    return parse_any_datetime(meta.date, tz) if meta and meta.date else None


def _generic_text(
    tree: HtmlElement, url: str, title: str | None, captions: list[str], tz: ZoneInfo
) -> list[str]:
    """trafilatura's fast mode, its full cascade if that found little, then the baseline.

    The pruned tree is already free of the furniture that the external
    comparators (readability, justext) would otherwise help with, so the fast
    mode is enough on most pages and halves the time.
    """
    best: list[str] = []
    attempts = (
        lambda: _trafilatura_lines(tree, url, fast=True),
        lambda: _trafilatura_lines(tree, url, fast=False),
        lambda: _baseline_lines(tree),
    )
    for attempt in attempts:
        lines = filter_lines(attempt(), title=title, captions=captions, tz=tz)
        if sum(map(len, lines)) > sum(map(len, best)):
            best = lines
        if sum(map(len, best)) >= MIN_TEXT_CHARS:
            break
    return best


def _description(metas: dict[str, str], dom_sapo: str | None, title: str | None) -> str | None:
    meta = _clean(
        metas.get("og:description") or metas.get("description") or metas.get("twitter:description")
    )
    usable = meta and len(meta) >= 40 and (not title or _key(meta) != _key(title))
    if dom_sapo and (not usable or _key(dom_sapo).startswith(_key(meta.rstrip(".… "))[:60])):
        return dom_sapo  # the page's own sapo is complete; metas are often cut
    return meta if usable else dom_sapo


def extract_article(
    html: str,
    url: str,
    tz: ZoneInfo,
    hints: ArticleHints | None = None,
    *,
    fetched_at: datetime | None = None,
) -> Article:
    """Extract the article on `html` (fetched from `url`); raise ExtractionError if none."""
    tree = _parse(html)
    metas = _meta_map(tree)
    reference = fetched_at.astimezone(tz) if fetched_at else datetime.now(tz)
    published = _meta_date(tree, metas, tz)  # before scripts go: JSON-LD lives there

    for bad in tree.xpath("|".join(f"//{tag}" for tag in _DROP_TAGS)):
        bad.drop_tree()
    lxml.etree.strip_elements(tree, lxml.etree.Comment, with_tail=False)
    if hints:
        for selector in hints.drop:
            for el in _select(tree, selector):
                el.drop_tree()

    title, title_el, trusted = _page_title(tree, metas)
    _prune_furniture(tree, title_el, trusted)
    captions = _take_captions(tree)
    dom_sapo = _find_sapo(tree, title_el)
    description = _description(metas, dom_sapo, title)

    if published is None and hints and hints.date:
        published = _hint_date(tree, hints.date, tz, reference)

    cleaned: list[str] = []
    if hints and hints.content:
        chosen = _select(tree, hints.content)
        if not chosen:
            log.warning("content selector %r matched nothing on %s", hints.content, url)
        lines = [line for el in chosen for line in _block_lines(el)]
        cleaned = filter_lines(lines, title=title, captions=captions, tz=tz)
    if not cleaned:
        _unwrap_layout_tables(tree)
        cleaned = _generic_text(tree, url, title, captions, tz)
    if dom_sapo and cleaned and _key(dom_sapo)[:80] not in _key(" ".join(cleaned[:3])):
        cleaned.insert(0, dom_sapo)  # extractors often skip a sapo styled as a <div>
    cleaned, credit = split_credit(cleaned)
    text = "\n".join(cleaned)
    if not text:
        raise ExtractionError("no article text found")

    if published is None:
        published = _first_time_element(tree, tz) or _header_date(
            tree, title_el, dom_sapo or cleaned[0], tz, reference
        )
    if published is None:
        published = _trafilatura_date(tree, url, tz)
    if published is None:
        # Last resort: the lead's own date ("(Baonghean.vn) - Sáng ngày 13/4, ...").
        # News is published on the day or the day after, and the year comes from
        # the fetch time, never landing more than 2 days after it.
        published = parse_vn_datetime(cleaned[0][:LEAD_DATE_CHARS], tz, reference=reference)

    unique_captions = list(
        dict.fromkeys(c for c in (_clean(c) for c in captions) if _caption_ok(c, title))
    )
    return Article(
        title=title,
        text=text,
        description=description,
        published=published,
        captions=unique_captions,
        credit=credit,
    )


def _caption_ok(caption: str, title: str | None) -> bool:
    """Bare credits and "<title> ảnh N" labels are not captions."""
    if not caption or _BARE_CREDIT.match(caption):
        return False
    photo = _PHOTO_NUMBER.match(caption)
    return not (photo and (title is None or _key(photo.group(1)) == _key(title)))
