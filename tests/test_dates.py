"""Publication timestamps as union and press sites print them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from feeds.parse.dates import parse_any_datetime, parse_vn_datetime

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# The fetch (or page metadata) time that no-year dates are resolved against.
REF = datetime(2022, 4, 14, 9, 0, tzinfo=VN)


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN)


CASES = [
    # congdoannghean.vn / laodongnghean.vn: "HH:MM dd/mm/yyyy" under the title
    ("13:53 26/07/2022", vn(2022, 7, 26, 13, 53)),
    ("04:51 01/03/2021", vn(2021, 3, 1, 4, 51)),  # day first: 1 March, not 3 January
    ("16:36 16/02/2022", vn(2022, 2, 16, 16, 36)),
    # laodong / laodongcongdoan bylines
    ("20/05/2022 17:40", vn(2022, 5, 20, 17, 40)),
    ("Hoạt động Công đoàn - 20/05/2022 17:40 MAI LIỄU", vn(2022, 5, 20, 17, 40)),
    ("Mai Liễu LDO | 20/05/2022 17:40", vn(2022, 5, 20, 17, 40)),
    # baonghean, weekday forms
    ("Thứ Hai, 20/05/2022", vn(2022, 5, 20)),
    ("Thứ Tư, 13/04/2022 - 16:05", vn(2022, 4, 13, 16, 5)),
    ("Chủ nhật, 24/04/2022 07:30 (GMT+7)", vn(2022, 4, 24, 7, 30)),
    # truyenhinhnghean "18:42, 20/05/2022"
    ("18:42, 20/05/2022", vn(2022, 5, 20, 18, 42)),
    ("12.06.2021 08:15", vn(2021, 6, 12, 8, 15)),
    ("25-4-2022", vn(2022, 4, 25)),
    ("ngày 12 tháng 6 năm 2021", vn(2021, 6, 12)),
    ("Cập nhật: 14h00 ngày 20/5/2022", vn(2022, 5, 20, 14, 0)),
    ("8 giờ 30 phút ngày 15/8/2022", vn(2022, 8, 15, 8, 30)),
    ("02:15 PM 13/04/2022", vn(2022, 4, 13, 14, 15)),
    # machine formats inside text
    ("2022-04-13T08:30:00+07:00", vn(2022, 4, 13, 8, 30)),
    ("2022-04-13T01:30:00Z", vn(2022, 4, 13, 8, 30)),
    ("2022-04-13 08:30:00", vn(2022, 4, 13, 8, 30)),  # naive: local time
    ("Tue, 26 Jul 2022 06:53:00 GMT", vn(2022, 7, 26, 13, 53)),
    ("Wed, 13 Apr 2022 11:22:00 +0700", vn(2022, 4, 13, 11, 22)),
    # no year: nearest to REF (14/04/2022), never more than 2 days after it
    ("(Baonghean.vn) - Sáng ngày 13/4, Liên đoàn Lao động tỉnh", vn(2022, 4, 13)),
    ("13/4", vn(2022, 4, 13)),
    ("ngày 20.4", vn(2021, 4, 20)),  # 20/4/2022 is 6 days ahead of REF
    ("25-4", vn(2021, 4, 25)),
    ("Sáng 16/4", vn(2022, 4, 16)),  # exactly 2 days ahead: allowed
    ("Chiều ngày 01/03", vn(2022, 3, 1)),
    ("Sáng 26/7, Liên đoàn Lao động tỉnh", vn(2021, 7, 26)),
    ("ngày 28/12", vn(2021, 12, 28)),
    # the first timestamp wins, not a later one in the body
    ("Theo Quyết định số 4074/QĐ-TLĐ ngày 18/01/2022", vn(2022, 1, 18)),
    # invalid dates and non-dates
    ("31/02/2022", None),
    ("29/02/2023", None),
    ("32/01/2022", None),
    ("15/13/2022", None),
    ("Nghị quyết số 02/NQ-TW của Bộ Chính trị", None),
    ("doanh nghiệp có từ 1.000 lao động trở lên", None),
    ("Quyết định số 4074/QĐ-TLĐ", None),
    ("giai đoạn 2022-2027", None),
    ("đại dịch Covid - 19", None),
    ("tăng 2,5% so với cùng kỳ", None),
    ("3.5 tỷ đồng", None),
    ("8-10 người", None),
    ("", None),
    ("Không có ngày tháng nào ở đây", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_parse_vn_datetime(text: str, expected: datetime | None) -> None:
    assert parse_vn_datetime(text, VN, reference=REF) == expected


def test_results_are_aware_in_the_requested_zone() -> None:
    found = parse_vn_datetime("13:53 26/07/2022", VN, reference=REF)
    assert found is not None and found.utcoffset() == timedelta(hours=7)
    utc = parse_vn_datetime("2022-07-26T06:53:00Z", ZoneInfo("UTC"), reference=REF)
    assert utc == found


def test_no_year_follows_the_reference_across_new_year() -> None:
    early_january = datetime(2023, 1, 2, 8, 0, tzinfo=VN)
    assert parse_vn_datetime("Sáng 30/12", VN, reference=early_january) == vn(2022, 12, 30)
    assert parse_vn_datetime("Sáng 3/1", VN, reference=early_january) == vn(2023, 1, 3)


def test_leap_day_without_year_takes_the_nearest_leap_year() -> None:
    assert parse_vn_datetime("ngày 29/2", VN, reference=vn(2024, 3, 10)) == vn(2024, 2, 29)
    # 29/02 does not exist in 2023 or 2022; 2024 is too far ahead of REF
    assert parse_vn_datetime("ngày 29/2", VN, reference=vn(2023, 3, 10)) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-04-13T11:22:00+07:00", vn(2022, 4, 13, 11, 22)),
        ("2022-04-13T04:22:00.000Z", vn(2022, 4, 13, 11, 22)),
        ("2022-04-13T11:22:00+0700", vn(2022, 4, 13, 11, 22)),
        ("2022-04-13T11:22:00", vn(2022, 4, 13, 11, 22)),  # naive meta: local time
        ("2022-04-13", vn(2022, 4, 13)),
        ("2022/04/13 11:22:00", vn(2022, 4, 13, 11, 22)),
        ("Wed, 13 Apr 2022 04:22:00 GMT", vn(2022, 4, 13, 11, 22)),
        ("Wed, 13 Apr 2022 11:22:00", vn(2022, 4, 13, 11, 22)),
        ("13/04/2022 11:22", vn(2022, 4, 13, 11, 22)),  # display text in a meta tag
        ("not a date", None),
        ("", None),
        # hostile input (issue 18): impossible years are no date, never an exception
        ("9999-12-31T23:59:59Z", None),
        ("Fri, 31 Dec 9999 23:59:59 GMT", None),
        ("0000-01-01T00:00:00+14:00", None),
        ("Sat, 01 Jan 0000 00:00:00 GMT", None),  # email.utils would say 2000
        ("31/12/9999 10:00", None),
        # odd offsets: short forms are read, impossible ones dropped (site's local time)
        ("2022-04-13T11:22:00+07", vn(2022, 4, 13, 11, 22)),
        ("2022-04-13T11:22:00+7:00", vn(2022, 4, 13, 11, 22)),
        ("2022-04-13T11:22:00+25:00", vn(2022, 4, 13, 11, 22)),
        ("2022-04-13T11:22:00-23:59", vn(2022, 4, 13, 11, 22)),
        ("Wed, 13 Apr 2022 11:22:00 +2500", vn(2022, 4, 13, 11, 22)),
        ("Wed, 13 Apr 2022 11:22:00 -0000", vn(2022, 4, 13, 11, 22)),  # zone unknown
    ],
)
def test_parse_any_datetime(value: str, expected: datetime | None) -> None:
    assert parse_any_datetime(value, VN) == expected


def test_a_reference_at_the_end_of_time_does_not_raise() -> None:
    assert parse_vn_datetime("ngày 13/4", VN, reference=datetime.max.replace(tzinfo=VN)) is None
