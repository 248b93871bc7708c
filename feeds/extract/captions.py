"""Photo captions: taken out of the page so they neither pollute the text nor
hide in it, and kept apart on the :class:`~feeds.extract.article.Article`.

Union sites caption a photo in a <figure>, in an element whose class says so
("image-desc", "chu-thich", the CMS's "expNoEdit"), in a one-picture layout
table, or in a short italic or centred paragraph right under the picture.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from feeds.extract.html_text import contains, link_ratio, match_key, raw_len, text_of

_CAPTION_CLASS = re.compile(
    r"caption|image[_-]?desc|img[_-]?desc|desc[_-]?img|photo[_-]?desc|chu[_-]?thich|"
    r"img[_-]?name|image[_-]?title|pic[_-]?desc|expNoEdit",
    re.IGNORECASE,
)
_BARE_CREDIT = re.compile(
    r"^\(?\s*(?:ảnh|ảnh minh họa|ảnh minh hoạ|nguồn ảnh|nguồn|video|clip|đồ họa|đồ hoạ|"
    r"infographic|photo)\s*:\s*[^.]{1,40}\.?\s*\)?$",
    re.IGNORECASE,
)
_PHOTO_NUMBER = re.compile(r"^(.{8,}?)\s+ảnh\s+\d{1,2}$", re.IGNORECASE)


def is_bare_credit(line: str) -> bool:
    """ "Ảnh: Thanh Hà", "(Nguồn: TTXVN)": a photo or source credit with no caption."""
    return bool(_BARE_CREDIT.match(line))


def is_photo_label(line: str, title_key: str | None) -> bool:
    """ "<title> ảnh 2": a gallery label repeating the title (any title when unknown)."""
    photo = _PHOTO_NUMBER.match(line)
    return photo is not None and (title_key is None or match_key(photo.group(1)) == title_key)


def caption_ok(caption: str, title: str | None) -> bool:
    """Bare credits and "<title> ảnh N" labels are not captions."""
    if not caption or is_bare_credit(caption):
        return False
    return not is_photo_label(caption, None if title is None else match_key(title))


def take_captions(root: HtmlElement) -> list[str]:
    """Collect photo captions and remove them (and their images) from the tree."""
    captions: list[str] = []
    doomed: list[HtmlElement] = []

    def grab(el: HtmlElement) -> None:
        if any(contains(d, el) for d in doomed):
            return
        text = text_of(el).rstrip(" |")
        if text:
            captions.append(text)
        doomed.append(el)

    for fig in root.iter("figure"):
        caps = fig.findall(".//figcaption")
        for cap in caps:
            captions.append(text_of(cap))
        doomed.append(fig)
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in ("body", "html"):
            continue
        cls = f"{el.get('class') or ''} {el.get('id') or ''}"
        if _CAPTION_CLASS.search(cls) and raw_len(el) < 600:
            grab(el)
    for table in root.iter("table"):
        # an image table: pictures plus a short text, the caption
        if (
            0 < len(table.findall(".//img")) <= 2
            and raw_len(table) < 600
            and table.find(".//p") is None
            and table.find(".//table") is None
            and link_ratio(table) < 0.5  # a table of linked teasers is not a photo
        ):
            grab(table)
    for p in root.iter("p", "div"):
        if _is_caption_paragraph(p):
            grab(p)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    return [c for c in captions if c]


def _is_caption_paragraph(el: HtmlElement) -> bool:
    """<p><em>caption</em></p> under an image, or a short centred line after one."""
    if raw_len(el) > 600 or el.find(".//img") is not None:
        return False
    text = text_of(el)
    if not text or len(text) > 400:
        return False
    prev = el.getprevious()
    after_image = prev is not None and (prev.tag == "img" or prev.find(".//img") is not None)
    if not after_image and not re.search(r"\bẢnh\s*:", text):
        return False
    emphasised = "".join(text_of(e) for e in el if e.tag in ("em", "i", "span", "font"))
    if len(emphasised) >= 0.9 * len(text):
        return True
    style = (el.get("style") or "") + " " + (el.get("align") or "") + " " + (el.get("class") or "")
    return after_image and "center" in style.lower() and len(text) < 300
