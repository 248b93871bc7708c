"""Built-in union calendar: the fixed days officers plan around, plus lunar Tết.

Solar days are fixed; Tết Nguyên đán and Ông Công Ông Táo follow the Vietnamese
lunar calendar, computed at UTC+7 by ``lunar-vn`` (Chinese UTC+8 calendars give
other dates in some years, e.g. Tết 2030 is 02/02 in Vietnam, 03/02 in China).
The days and what happens on them come from the unions' own news (laodong.vn,
baonghean.vn: Tháng Công nhân every May, Ngày thành lập Công đoàn Việt Nam
28/7/1929…).  ``lunar-vn`` matched Hồ Ngọc Đức's algorithm at UTC+7 on every
Tết from 1901 to 2099.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from lunar_vn import SUPPORTED_YEAR_RANGE, convert_lunar_to_solar

__all__ = ["CalendarEvent", "calendar_events"]


@dataclass(frozen=True)
class CalendarEvent:
    """One calendar day: Vietnamese name for chat, English name for logs/admin."""

    date: date
    name: str
    name_en: str
    kind: str  # "day" | "month_start" | "lunar"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _named(
    day: int, month: int, founded: int | None, vi: str, en: str, tail: str = ""
) -> Callable[[int], tuple[date, str, str]]:
    """Builder of one fixed day; with a founding year, the "N năm" the press prints."""

    def build(year: int) -> tuple[date, str, str]:
        when = date(year, month, day)
        n = year - founded if founded is not None else 0
        if n <= 0:
            return when, vi + tail, en
        span = f"({day}/{month}/{founded} – {day}/{month}/{year})"
        return when, f"Kỷ niệm {n} năm {vi} {span}{tail}", f"{_ordinal(n)} anniversary: {en}"

    return build


# (builder, kind).  Founding years give the "N năm" the press prints:
# 28/7/1929 Công đoàn Việt Nam, 2/9/1945, 19/5/1890, 27/7/1947, 20/10/1930.
_SOLAR: tuple[tuple[Callable[[int], tuple[date, str, str]], str], ...] = (
    (_named(8, 3, None, "Ngày Quốc tế Phụ nữ 8/3", "International Women's Day"), "day"),
    (_named(1, 5, None, "Ngày Quốc tế Lao động 1/5", "International Workers' Day"), "day"),
    (
        _named(1, 5, None, "Bắt đầu Tháng Công nhân (tháng 5)", "Workers' Month begins (May)"),
        "month_start",
    ),
    (
        _named(
            1,
            5,
            None,
            "Bắt đầu Tháng hành động về an toàn, vệ sinh lao động (tháng 5)",
            "Occupational Safety and Health Action Month begins (May)",
        ),
        "month_start",
    ),
    (
        _named(19, 5, 1890, "Ngày sinh Chủ tịch Hồ Chí Minh", "President Ho Chi Minh's birthday"),
        "day",
    ),
    (
        _named(27, 7, 1947, "Ngày Thương binh - Liệt sĩ", "War Invalids and Martyrs' Day"),
        "day",
    ),
    (
        _named(
            28,
            7,
            1929,
            "Ngày thành lập Công đoàn Việt Nam",
            "Founding Day of the Vietnam Trade Union",
        ),
        "day",
    ),
    (
        _named(
            2, 9, 1945, "Ngày Quốc khánh nước Cộng hòa xã hội chủ nghĩa Việt Nam", "National Day"
        ),
        "day",
    ),
    (
        _named(
            20,
            10,
            1930,
            "Ngày thành lập Hội Liên hiệp Phụ nữ Việt Nam",
            "Vietnamese Women's Day",
            " – Ngày Phụ nữ Việt Nam",
        ),
        "day",
    ),
)


def _lunar_days(year: int) -> list[CalendarEvent]:
    """Lunar days falling in solar `year` (Tết of lunar year `year`, 23 tháng Chạp before it)."""
    if not SUPPORTED_YEAR_RANGE[0] < year <= SUPPORTED_YEAR_RANGE[1]:
        return []  # lunar-vn covers 1900-2100 only
    tet = convert_lunar_to_solar(1, 1, year)
    # Tháng Chạp has 29 or 30 days, so ask the converter instead of subtracting.
    tao_quan = convert_lunar_to_solar(23, 12, year - 1)
    return [
        CalendarEvent(
            tao_quan,
            "Ông Công Ông Táo (23 tháng Chạp)",
            "Kitchen Gods' Day (23rd of the 12th lunar month)",
            "lunar",
        ),
        CalendarEvent(
            tet,
            f"Tết Nguyên đán {year} (mùng 1 tháng Giêng)",
            f"Lunar New Year {year} (Tet)",
            "lunar",
        ),
    ]


def _year_events(year: int) -> list[CalendarEvent]:
    events = [CalendarEvent(*build(year), kind) for build, kind in _SOLAR]
    return events + _lunar_days(year)


_KIND_ORDER = {"lunar": 0, "day": 1, "month_start": 2}


def calendar_events(start: date, end: date) -> list[CalendarEvent]:
    """Calendar days in ``[start, end]`` (both inclusive), sorted by date.

    An empty list when ``end < start``.  Lunar days are given for 1901-2100.
    """
    if end < start:
        return []
    found = [
        event
        for year in range(start.year, end.year + 1)
        for event in _year_events(year)
        if start <= event.date <= end
    ]
    return sorted(found, key=lambda e: (e.date, _KIND_ORDER[e.kind], e.name))
