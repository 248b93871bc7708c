"""feeds.understand.union_calendar: the days an officer expects /events and reminders to know."""

from __future__ import annotations

from datetime import date

import pytest

from feeds.understand.union_calendar import CalendarEvent, calendar_events


def names_on(day: date) -> list[str]:
    return [e.name for e in calendar_events(day, day)]


@pytest.mark.parametrize(
    ("year", "tet"),
    [
        (2025, date(2025, 1, 29)),
        (2026, date(2026, 2, 17)),
        (2027, date(2027, 2, 6)),
        (2030, date(2030, 2, 2)),  # Chinese (UTC+8) calendars say 3/2
        (2007, date(2007, 2, 17)),  # 18/2 in China
        (1985, date(1985, 1, 21)),  # 20/2 in China
    ],
)
def test_tet_follows_the_vietnamese_lunar_calendar(year: int, tet: date) -> None:
    lunar = [
        e
        for e in calendar_events(date(year, 1, 1), date(year, 12, 31))
        if e.name.startswith("Tết Nguyên đán")
    ]
    assert [(e.date, e.kind) for e in lunar] == [(tet, "lunar")]
    assert f"Tết Nguyên đán {year}" in lunar[0].name


def test_tet_2030_is_not_the_chinese_date() -> None:
    assert not any("Tết" in n for n in names_on(date(2030, 2, 3)))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 2, 10), date(2026, 2, 10)),  # 23 tháng Chạp before Tết 2026
        (date(2025, 1, 22), date(2025, 1, 22)),
    ],
)
def test_kitchen_gods_day(day: date, expected: date) -> None:
    events = [e for e in calendar_events(day, day) if "Ông Công Ông Táo" in e.name]
    assert [e.date for e in events] == [expected]


@pytest.mark.parametrize(("year", "n"), [(2024, 95), (2026, 97), (2029, 100)])
def test_union_founding_day_counts_the_years(year: int, n: int) -> None:
    (event,) = [e for e in calendar_events(date(year, 7, 28), date(year, 7, 28))]
    assert event.name.startswith(f"Kỷ niệm {n} năm Ngày thành lập Công đoàn Việt Nam")
    assert f"(28/7/1929 – 28/7/{year})" in event.name
    assert event.kind == "day"
    assert "Trade Union" in event.name_en


def test_may_opens_workers_month_and_safety_month() -> None:
    may_day = calendar_events(date(2026, 5, 1), date(2026, 5, 1))
    assert [e.kind for e in may_day].count("month_start") == 2
    text = " | ".join(e.name for e in may_day)
    assert "Ngày Quốc tế Lao động" in text
    assert "Tháng Công nhân" in text
    assert "an toàn, vệ sinh lao động" in text


def test_full_year_of_fixed_days() -> None:
    year = calendar_events(date(2026, 1, 1), date(2026, 12, 31))
    fixed = {(e.date.day, e.date.month) for e in year if e.kind != "lunar"}
    assert fixed == {(8, 3), (1, 5), (19, 5), (27, 7), (28, 7), (2, 9), (20, 10)}
    assert all(e.name and e.name_en for e in year)
    assert [e.date for e in year] == sorted(e.date for e in year)


def test_range_across_years_is_inclusive_and_sorted() -> None:
    events = calendar_events(date(2025, 10, 20), date(2026, 2, 17))
    assert events[0].date == date(2025, 10, 20)  # start included
    assert events[-1].date == date(2026, 2, 17)  # end included (Tết 2026)
    assert [e.date for e in events] == [date(2025, 10, 20), date(2026, 2, 10), date(2026, 2, 17)]
    assert all(isinstance(e, CalendarEvent) for e in events)


def test_empty_and_reversed_ranges() -> None:
    assert calendar_events(date(2026, 6, 1), date(2026, 6, 30)) == []
    assert calendar_events(date(2026, 12, 31), date(2026, 1, 1)) == []


def test_names_are_formal_vietnamese() -> None:
    names = {e.date: e.name for e in calendar_events(date(2026, 1, 1), date(2026, 12, 31))}
    assert names[date(2026, 5, 19)].startswith("Kỷ niệm 136 năm Ngày sinh Chủ tịch Hồ Chí Minh")
    assert "Ngày Phụ nữ Việt Nam" in names[date(2026, 10, 20)]
    assert "Quốc khánh" in names[date(2026, 9, 2)]
