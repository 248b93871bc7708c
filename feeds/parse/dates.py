"""Publication timestamps as Vietnamese sites write them, and machine formats.

Pure functions. Vietnamese pages always write the day first ("04:51 01/03/2021"
is 1 March) and give local time without a zone, so every naive result is put
in the caller's zone (Asia/Ho_Chi_Minh by default).

Hostile input never raises: a year outside 1990-2100 (9999, 0000) is no date,
and a zone offset no real zone has (beyond -12:00/+14:00, such as "+25:00") is
ignored, the clock read as the site's local time. Capping dates that lie ahead
of the fetch is the poller's job (it knows when it fetched).
"""

from __future__ import annotations

import calendar
import re
import time as time_module
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from email._parseaddr import _parsedate_tz  # parsedate_tz turns "no zone" into UTC
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Dates at most this far after the reference are accepted for a missing year:
# a page may be stamped slightly ahead of the fetch clock, never months ahead.
_FUTURE_SLACK = timedelta(days=2)
_MIN_YEAR, _MAX_YEAR = 1990, 2100
# Real zones span UTC-12:00 to UTC+14:00; anything beyond is a broken template.
_MAX_OFFSET = timedelta(hours=14)
_ISO_OFFSET = re.compile(r"([+-])(\d{1,2}):?(\d{2})?$")
# The year as written in an RFC 822 date: email.utils turns "0000" into 2000.
_RFC_YEAR = re.compile(r"\d{1,2}\s+[A-Za-z]{3,}\s+(\d{2,4})\b")

_ISO = re.compile(
    r"(?<!\d)(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?(?!\d)"
)
_RFC822 = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),?\s+)?\d{1,2}\s+"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\s+\d{2,4}"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:[A-Z]{1,5}|[+-]\d{4}))?)?",
    re.IGNORECASE,
)
# "12 tháng 6 năm 2021", "ngày 12 tháng 6", "12 tháng 06, 2021"
_WORDY = re.compile(
    r"(?<!\w)(?:ngày\s+)?(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s*(?:năm|,)\s*(\d{4}))?(?!\d)",
    re.IGNORECASE,
)
# Day first, same separator twice; the guards keep "02/NQ-TW", "4074/QĐ-TLĐ",
# "1.000" and "2,5" from looking like dates.
_NUMERIC = re.compile(
    r"(?<![\w/.,-])(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?(?![\w/]|[.,-]\d)"
)
# A bare "20.4" or "8-10" is too often a number or a range; require a date word.
_DATE_WORD_BEFORE = re.compile(
    r"(?:ngày|hôm|sáng|trưa|chiều|tối|đêm|từ|đến|tới|dịp|đầu|cuối)\s*$", re.IGNORECASE
)
_TIME = r"(\d{1,2})\s*(?::|h|giờ)\s*(\d{2})(?:\s*:\s*(\d{2}))?(?:\s*(?:phút|'))?\s*(AM|PM|SA|CH)?"
_TIME_BEFORE = re.compile(
    _TIME + r"\s*(?:[,|\-–]\s*)?(?:(?:thứ\s+\w+|chủ\s+nhật)\s*,?\s*)?(?:ngày\s*)?$", re.IGNORECASE
)
# "20/05/2022 17:40", "13/04/2022 - 16:05", "13/04/2022 - Cập nhật lúc 16:05"
_TIME_AFTER = re.compile(
    r"\s*(?:[,|\-–]\s*)?(?:(?:cập nhật|đăng|vào)\s*)?(?:lúc\s*)?:?\s*" + _TIME + r"(?!\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    value: datetime


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("\u00a0", " ")


def _aware(value: datetime, tz: ZoneInfo) -> datetime:
    """Naive values are local time of the site; aware ones are converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=tz)
    return value.astimezone(tz)


def _in_range(value: datetime) -> bool:
    return _MIN_YEAR <= value.year <= _MAX_YEAR


def _make_time(hour: str, minute: str, second: str | None, ampm: str | None) -> time | None:
    h, m, s = int(hour), int(minute), int(second or 0)
    if ampm:
        marker = ampm.upper()
        if h > 12:
            return None
        if marker in ("PM", "CH") and h < 12:
            h += 12
        elif marker in ("AM", "SA") and h == 12:
            h = 0
    if h > 23 or m > 59 or s > 59:
        return None
    return time(h, m, s)


def _infer_year(day: int, month: int, reference: datetime) -> date | None:
    """Year that puts day/month nearest to `reference`, at most 2 days after it."""
    try:
        limit = reference.date() + _FUTURE_SLACK
    except OverflowError:  # a reference at the end of year 9999
        return None
    best: date | None = None
    for year in (reference.year - 1, reference.year, reference.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue  # 29/02 in a non-leap year
        if candidate > limit:
            continue
        if best is None or abs(candidate - reference.date()) < abs(best - reference.date()):
            best = candidate
    return best


def _build_date(day: int, month: int, year: int | None, reference: datetime) -> date | None:
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    if year is None:
        return _infer_year(day, month, reference)
    if year < 100:
        year += 2000
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None  # 31/02


def _adjacent_time(text: str, start: int, end: int) -> tuple[time | None, int, int]:
    """Time written right before ("13:53 26/07/2022") or after ("20/05/2022 17:40")."""
    after = _TIME_AFTER.match(text, end)
    if after and not re.match(r"[/.]\d", text[after.end() : after.end() + 2]):
        found = _make_time(*after.groups())
        if found:
            return found, start, after.end()
    window_start = max(0, start - 40)
    before = _TIME_BEFORE.search(text[window_start:start])
    if before:
        found = _make_time(*before.groups())
        if found:
            return found, window_start + before.start(), end
    return None, start, end


def _numeric_hits(text: str, tz: ZoneInfo, reference: datetime) -> list[_Hit]:
    hits = []
    for m in _NUMERIC.finditer(text):
        day, sep, month, year = int(m[1]), m[2], int(m[3]), m[4]
        if (
            year is None
            and sep != "/"
            and text.strip() != m[0]  # a lone "25-4" in a date element is a date
            and not _DATE_WORD_BEFORE.search(text[max(0, m.start() - 12) : m.start()])
        ):
            continue
        if year is not None and len(year) == 2 and sep != "/":
            continue  # "12.06.21" style is rare; "1-2-20" is more often a range
        if year is None and _looks_like_time(text, m.start(), m.end()):
            continue
        found = _build_date(day, month, int(year) if year else None, reference)
        if found is None:
            continue
        clock, start, end = _adjacent_time(text, m.start(), m.end())
        hits.append(_Hit(start, end, _combine(found, clock, tz)))
    return hits


def _looks_like_time(text: str, start: int, end: int) -> bool:
    """ "8.30" right after "lúc" is a time of day, not 8 March."""
    return bool(re.search(r"lúc\s*$", text[max(0, start - 6) : start], re.IGNORECASE))


def _wordy_hits(text: str, tz: ZoneInfo, reference: datetime) -> list[_Hit]:
    hits = []
    for m in _WORDY.finditer(text):
        found = _build_date(int(m[1]), int(m[2]), int(m[3]) if m[3] else None, reference)
        if found is None:
            continue
        clock, start, end = _adjacent_time(text, m.start(), m.end())
        hits.append(_Hit(start, end, _combine(found, clock, tz)))
    return hits


def _iso_hits(text: str, tz: ZoneInfo) -> list[_Hit]:
    hits = []
    for m in _ISO.finditer(text):
        value = _parse_iso(m[0], tz)
        if value is not None:
            hits.append(_Hit(m.start(), m.end(), value))
    return hits


def _rfc_hits(text: str, tz: ZoneInfo) -> list[_Hit]:
    hits = []
    for m in _RFC822.finditer(text):
        value = _parse_rfc822(m[0], tz)
        if value is not None:
            hits.append(_Hit(m.start(), m.end(), value))
    return hits


def _combine(day: date, clock: time | None, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock or time(0, 0), tzinfo=tz)


def _parse_iso(value: str, tz: ZoneInfo) -> datetime | None:
    candidate = value.strip().replace(" ", "T", 1)
    offset = _ISO_OFFSET.search(candidate) if "T" in candidate else None
    if offset is not None:
        sign, hours, minutes = offset.groups()
        shift = timedelta(hours=int(hours), minutes=int(minutes or 0))
        # Python 3.11 accepts "Z" and "+0700"; "+07" and "+7:00" need the full form,
        # and an offset no zone has is dropped: the clock is the site's local time.
        zone = f"{sign}{shift // timedelta(hours=1):02d}:{shift.seconds // 60 % 60:02d}"
        candidate = candidate[: offset.start()] + ("" if shift > _MAX_OFFSET else zone)
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if not _in_range(parsed):
        return None
    return _aware(parsed, tz)


def parse_iso_datetime(value: str, tz: ZoneInfo = VN_TZ) -> datetime | None:
    """An ISO 8601 value (``<time datetime>``, meta tags), aware in `tz`; None when
    unreadable or outside 1990-2100. Naive values are local time in `tz`."""
    return _parse_iso(value, tz) if value and value.strip() else None


def from_utc_struct(value: time_module.struct_time | None, tz: ZoneInfo) -> datetime | None:
    """feedparser's parsed date (a UTC struct_time) in `tz`; None when out of range.

    feedparser reads years we refuse (9999, 0000); converting those overflows."""
    if value is None or not _MIN_YEAR <= value.tm_year <= _MAX_YEAR:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC).astimezone(tz)
    except (OverflowError, ValueError, OSError):
        return None


def _parse_rfc822(value: str, tz: ZoneInfo) -> datetime | None:
    fields = _parsedate_tz(value.strip())
    if fields is None:
        return None
    written = _RFC_YEAR.search(value)
    if written and len(written[1]) > 2 and not _MIN_YEAR <= int(written[1]) <= _MAX_YEAR:
        return None  # "0000" would be read as 2000
    *clock, offset = fields
    try:
        parsed = datetime(*clock[:6])  # two-digit years are already mapped ("22": 2022)
    except (ValueError, OverflowError):
        return None
    if not _in_range(parsed):
        return None
    # No zone, "-0000" (unknown) or one no real zone has: the site's local time.
    if offset is None or abs(offset) > _MAX_OFFSET.total_seconds():
        return parsed.replace(tzinfo=tz)
    return _aware(parsed.replace(tzinfo=timezone(timedelta(seconds=offset))), tz)


def parse_vn_datetime(
    text: str, tz: ZoneInfo = VN_TZ, *, reference: datetime | None = None
) -> datetime | None:
    """First publication-style timestamp in `text`, aware in `tz`.

    Accepts "13:53 26/07/2022", "20/05/2022 17:40", "Thứ Tư, 13/04/2022 - 16:05",
    "18:42, 20/05/2022", "12.06.2021 08:15", "ngày 12 tháng 6 năm 2021",
    "ngày 20.4", "13/4", "25-4", ISO 8601 and RFC 822. Day first always. A
    missing year is the one nearest to `reference` (default: now) but never
    more than 2 days after it. Impossible dates (31/02) are skipped.
    """
    if not text:
        return None
    text = _nfc(text)
    ref = _aware(reference, tz) if reference is not None else datetime.now(tz)
    hits = _iso_hits(text, tz) + _rfc_hits(text, tz)
    hits += _numeric_hits(text, tz, ref) + _wordy_hits(text, tz, ref)
    if not hits:
        return None
    # Earliest start wins; on a tie the longer match carries more (a time, a year).
    best = min(hits, key=lambda h: (h.start, -(h.end - h.start)))
    return best.value


def parse_any_datetime(value: str, tz: ZoneInfo = VN_TZ) -> datetime | None:
    """Machine timestamps from meta tags and feeds: ISO 8601, RFC 822, else day-first text.

    Naive values are taken as local time in `tz` (Vietnamese feeds omit the zone).
    """
    if not value or not value.strip():
        return None
    value = _nfc(value).strip()
    parsed = _parse_iso(value, tz)
    if parsed is None and re.fullmatch(r"\d{4}[/.]\d{2}[/.]\d{2}(?:[ T].*)?", value):
        # "2022/04/13 08:00:00": year first is unambiguous
        parsed = _parse_iso(re.sub(r"^(\d{4})[/.](\d{2})[/.](\d{2})", r"\1-\2-\3", value), tz)
    if parsed is None:
        parsed = _parse_rfc822(value, tz)
    if parsed is None:
        # Some CMSs put display text ("26/07/2022 13:53") into meta tags.
        parsed = parse_vn_datetime(value, tz, reference=datetime.now(tz))
    return parsed
