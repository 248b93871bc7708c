"""Line-level cleanup of extracted article text.

Whatever the extractor returns still holds furniture lines: category labels
and the timestamp above the body, share buttons, slogan banners, greetings,
photo credits, repeated captions, "Từ khóa:" and a trailing related-news box.
:func:`filter_lines` drops them; :func:`split_credit` takes the reprint credit
("Theo Diệp Thanh - Baonghean.vn") off the end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from feeds.extract.captions import is_bare_credit, is_photo_label
from feeds.extract.furniture_words import ALL_HEADINGS, INLINE_FURNITURE
from feeds.extract.html_text import clean_text, match_key
from feeds.parse.dates import parse_vn_datetime

_GREETING = re.compile(r"^(chao mung (ban|quy vi|quy khach|quy doc gia)|welcome to)\b")
_SLOGAN_WORDS = re.compile(
    r"\b(nhiet liet|chao mung|quyet tam|thang loi|muon nam|doan ket|dai hoi|nghi quyet|"
    r"vung manh|thi dua|xay dung dang|ho chi minh|to quoc)\b"
)
_KEYWORDS_LINE = re.compile(r"^(?:từ khóa|từ khoá|tags?|keywords?)\s*:", re.IGNORECASE)
_END_MARK = re.compile(r"\s*\.?\s*/\s*\.\s*$")
_CREDIT_LINE = re.compile(
    r"^(?:(?:theo|nguồn)\s*:?\s+[^,;:!?]{2,70}?|nguồn\s*:\s*\S.{0,70}?)$", re.IGNORECASE
)
_CREDIT_SITE = re.compile(r"[\w-]+\.(?:vn|com|net|org|gov\.vn|com\.vn|org\.vn)\b|\b[A-ZĐ]{3,}\b")
_PIPE_ROW = re.compile(r"^\|\s*(.*?)\s*\|?$")


def filter_lines(
    lines: Iterable[str], *, title: str | None, captions: Iterable[str], tz: ZoneInfo
) -> list[str]:
    """Drop furniture lines; cut at keywords or a trailing sidebar heading."""
    title_key = match_key(title) if title else None
    caption_keys = {match_key(c) for c in captions}
    kept: list[str] = []
    seen: set[str] = set()
    body_started = False
    for raw in lines:
        line = clean_text(raw)
        if pipe := _PIPE_ROW.match(line):
            line = pipe.group(1).replace(" | ", " · ").strip(" |")
        if not line:
            continue
        key = match_key(line)
        if _KEYWORDS_LINE.match(line) and len(line) < 300:
            break  # "Từ khóa: ..." closes the article
        if key in ALL_HEADINGS:
            if body_started:
                break  # a sidebar or related list follows the article
            continue
        if not key or key in INLINE_FURNITURE or _GREETING.match(key):
            continue
        if line in seen or key in caption_keys or key == title_key:
            continue
        if is_bare_credit(line) or _is_slogan(line) or is_photo_label(line, title_key):
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


def _is_slogan(line: str) -> bool:
    """A banner exclaiming a congress or emulation slogan ("Nhiệt liệt chào mừng …!")."""
    segments = [s for s in re.split(r"\s{3,}", line) if s.strip()]
    for seg in segments:
        seg = seg.strip()
        if (
            seg.endswith("!")
            and len(seg) >= 40
            and not re.search(r"[.?]\s", seg)
            and _SLOGAN_WORDS.search(match_key(seg))
        ):
            return True
    return False


def _is_timestamp_line(line: str, tz: ZoneInfo) -> bool:
    """A short line that is mostly a date and time (the one printed under the title)."""
    if len(line) > 60 or not re.search(r"\d", line):
        return False
    return parse_vn_datetime(line, tz) is not None and len(re.sub(r"[\d/:.,\-\s|]", "", line)) <= 25


def _is_label(line: str) -> bool:
    """Category labels above the title: short, all capitals."""
    letters = [c for c in line if c.isalpha()]
    return 0 < len(line.split()) <= 6 and bool(letters) and all(c.isupper() for c in letters)
