"""feeds.understand.events: what an officer would check in the reminder list of an item."""

from __future__ import annotations

import time as clock
from datetime import date, time
from pathlib import Path

import pytest

from feeds.understand.events import Event, extract_events

SEEDS = Path(__file__).parent / "data" / "seeds"


def days(text: str, published: date | None, title: str = "") -> list[tuple[str, str]]:
    """(ISO date, kind) pairs, the way the /events list shows them."""
    return [(e.date.isoformat(), e.kind) for e in extract_events(text, published, title=title)]


# --- grammar forms -----------------------------------------------------------

GRAMMAR = [
    ("Hội nghị sẽ diễn ra ngày 20/5/2026.", date(2026, 5, 1), [("2026-05-20", "event")]),
    ("Hội nghị sẽ diễn ra ngày 20.5.2026.", date(2026, 5, 1), [("2026-05-20", "event")]),
    ("Hội nghị sẽ diễn ra ngày 20-5-2026.", date(2026, 5, 1), [("2026-05-20", "event")]),
    ("Lễ phát động sẽ tổ chức ngày 25-4 tại Hà Nội.", date(2026, 4, 10), [("2026-04-25", "event")]),
    ("Hội thảo sẽ diễn ra ngày 20.4 tại Vinh.", date(2026, 4, 1), [("2026-04-20", "event")]),
    (
        "Đại hội sẽ khai mạc vào ngày 7 tháng 12 năm 2025.",
        date(2025, 11, 1),
        [("2025-12-07", "event")],
    ),
    ("Đại hội sẽ khai mạc vào ngày 7 tháng 12.", date(2025, 11, 1), [("2025-12-07", "event")]),
    ("Sáng 15/5, LĐLĐ tỉnh sẽ tổ chức Lễ mít tinh.", date(2026, 5, 10), [("2026-05-15", "event")]),
    ("Chiều ngày 22/5 sẽ diễn ra phiên bế mạc.", date(2026, 5, 10), [("2026-05-22", "event")]),
    (
        "Đoàn sẽ làm việc với doanh nghiệp vào thứ Sáu, ngày 20/5.",
        date(2022, 5, 10),
        [("2022-05-20", "event")],
    ),
    (
        "Tối Chủ nhật (22/5) sẽ có chương trình giao lưu.",
        date(2022, 5, 10),
        [("2022-05-22", "event")],
    ),
    (
        "Giải chạy diễn ra ngày 20/5 năm nay tại Quảng trường.",
        date(2026, 5, 1),
        [("2026-05-20", "event")],
    ),
]


@pytest.mark.parametrize(("text", "published", "expected"), GRAMMAR)
def test_grammar_forms(text: str, published: date, expected: list[tuple[str, str]]) -> None:
    assert days(text, published) == expected


# --- ranges --------------------------------------------------------------------

RANGES = [
    ("Hội trại từ 18/6- 19/6/2008 tại Cửa Lò.", date(2008, 6, 1), ["2008-06-18", "2008-06-19"]),
    (
        "Cuộc thi diễn ra từ ngày 1/10/2022 đến 31/3/2023.",
        date(2022, 9, 20),
        ["2022-10-01", "2023-03-31"],
    ),
    ("Đại hội diễn ra trong 2 ngày 18-19/6/2026.", date(2026, 6, 1), ["2026-06-18", "2026-06-19"]),
    (
        "Tuần lễ áo dài từ 1 – 8/3 chào mừng ngày 8/3.",
        date(2026, 2, 20),
        ["2026-03-01", "2026-03-08"],
    ),
    (
        "Đại hội sẽ diễn ra trong 2 ngày 10 - 11.8 tại tỉnh.",
        date(2023, 8, 7),
        ["2023-08-10", "2023-08-11"],
    ),
    ("Hội nghị họp trong hai ngày 18 và 19/6.", date(2026, 6, 2), ["2026-06-18", "2026-06-19"]),
    (
        "Chương trình Tết Sum vầy từ 20/12 đến 5/1/2026 tại các KCN.",
        date(2025, 12, 10),
        ["2025-12-20", "2026-01-05"],
    ),
    (
        "Giải diễn ra từ chiều nay 21/9 đến 23/9 tại sân vận động tỉnh.",
        date(2024, 9, 21),
        ["2024-09-21", "2024-09-23"],
    ),
]


@pytest.mark.parametrize(("text", "published", "expected"), RANGES)
def test_range_gives_start_and_end(text: str, published: date, expected: list[str]) -> None:
    assert days(text, published) == [(expected[0], "start"), (expected[1], "end")]


def test_range_in_progress_keeps_only_its_end() -> None:
    text = "Tháng Công nhân năm 2026 diễn ra từ ngày 1/5 đến ngày 31/5/2026."
    assert days(text, date(2026, 5, 12)) == [("2026-05-31", "end")]


def test_lone_from_date_is_a_start() -> None:
    text = "Từ ngày 1/7/2026, các CĐCS sẽ áp dụng mẫu báo cáo mới."
    assert days(text, date(2026, 6, 20)) == [("2026-07-01", "start")]


# --- relative words ---------------------------------------------------------------

RELATIVE = [
    ("Ngày mai, LĐLĐ tỉnh sẽ tổ chức hội nghị.", date(2026, 3, 31), "2026-04-01"),
    ("Sáng mai, đoàn công tác sẽ thăm công nhân KCN.", date(2025, 12, 31), "2026-01-01"),
    ("Chiều nay, Tổng LĐLĐ sẽ tổ chức hội nghị trực tuyến.", date(2026, 5, 10), "2026-05-10"),
    ("Tối nay sẽ diễn ra chương trình nghệ thuật.", date(2026, 7, 27), "2026-07-27"),
    ("Ngày kia, đoàn sẽ lên đường.", date(2026, 2, 27), "2026-03-01"),
    ("Hôm nay là hạn cuối đăng ký dự thi.", date(2026, 6, 30), "2026-06-30"),
]


@pytest.mark.parametrize(("text", "published", "expected"), RELATIVE)
def test_relative_words_resolve_against_the_item_date(
    text: str, published: date, expected: str
) -> None:
    assert [d for d, _ in days(text, published)] == [expected]


def test_relative_word_without_future_cue_is_a_same_day_report() -> None:
    assert days("Sáng nay, Tổng LĐLĐ tổ chức hội nghị.", date(2026, 5, 10)) == []


# --- year inference ---------------------------------------------------------------

YEARS = [
    # across the new year, forward
    ("Hội nghị sẽ được tổ chức vào ngày 5/1.", date(2025, 12, 28), "2026-01-05"),
    ("Dự kiến ngày 10/1 sẽ bế mạc giải.", date(2025, 12, 20), "2026-01-10"),
    # plan words push forward beyond the nearest candidate
    ("Theo kế hoạch, ngày 1/7 sẽ khai mạc hội thao.", date(2025, 12, 15), "2026-07-01"),
    # the weekday picks the year
    ("Đoàn sẽ làm việc vào thứ Hai, ngày 5/1.", date(2025, 6, 1), "2026-01-05"),
    # with no cue the nearest day wins, ties go forward
    ("Hội nghị diễn ra ngày 14/4.", date(2022, 4, 13), "2022-04-14"),
]


@pytest.mark.parametrize(("text", "published", "expected"), YEARS)
def test_year_inference(text: str, published: date, expected: str) -> None:
    assert [d for d, _ in days(text, published)] == [expected]


def test_backward_cue_puts_the_day_in_the_past() -> None:
    # "đã" on 3/1 about "ngày 28/12": last December, before the item, so nothing.
    assert days("Ngày 28/12, LĐLĐ tỉnh đã tổng kết năm.", date(2026, 1, 3)) == []


def test_missing_published_uses_the_items_stamp_line() -> None:
    text = "13:53 26/07/2022\nHội nghị sẽ diễn ra ngày 28/7 tại Vinh."
    assert days(text, None) == [("2022-07-28", "event")]


def test_missing_published_and_stamp_reads_the_tense() -> None:
    # No date to compare with: what the text presents as scheduled is kept, whatever
    # today is; a report ("Sáng 13/4, ... tổ chức") is not guessed into next year.
    assert days("Hội nghị sẽ diễn ra ngày 5/1/2020.", None) == [("2020-01-05", "event")]
    assert days("Hội nghị sẽ diễn ra ngày 5/1/2099.", None) == [("2099-01-05", "event")]
    assert days("Sáng 13/4, LĐLĐ tỉnh tổ chức hội nghị sơ kết quý I.", None) == []
    assert days("Ngày 20/12, LĐLĐ tỉnh đã trao 300 suất quà Tết.", None) == []


def test_missing_published_takes_the_reports_own_day_from_its_dateline() -> None:
    # The lead's dateline is the news day: what runs from it on is in progress or to come.
    text = (
        "Sáng 7/6, Liên đoàn Lao động tỉnh Sơn La đã tổ chức khai mạc Ngày hội thể thao.\n"
        "Ngày hội diễn ra từ ngày 7 - 8/6, tại Trung tâm Huấn luyện và Thi đấu TDTT tỉnh."
    )
    title = "Ngày hội văn hóa thể thao công nhân lao động năm 2025"
    assert days(text, None, title) == [("2025-06-07", "start"), ("2025-06-08", "end")]
    # Behind an anniversary span in brackets, and with the year a line below.
    text = (
        "Nhân kỷ niệm 90 năm ngày thành lập Công đoàn Việt Nam (28/7/1929– 28/7/2019), ngày "
        "16/7 Liên đoàn Lao động tỉnh tổ chức khai mạc Hội thao CNVCLĐ.\n"
        "Hội thao diễn ra từ ngày 16 đến ngày 20/7/2019 với 914 vận động viên."
    )
    assert days(text, None) == [("2019-07-16", "start"), ("2019-07-20", "end")]
    # A report of its own day is no event, whatever year it is read in.
    assert days("(ANTV) - Chiều 18/6, tại Hà Nội, Bộ Công an tổ chức hội nghị.", None) == []
    assert days("Ngày 24.12, LĐLĐ quận Ninh Kiều tổ chức trao Mái ấm Công đoàn.", None) == []
    # "Đến ngày 01/6/1997 ..." in a history is no dateline.
    history = (
        "Đến ngày 01/6/1997 đồng chí A được bầu làm Chủ tịch; Đại hội V diễn ra ngày 27/7/1998."
    )
    assert days(history, None) == []


def test_a_years_review_in_january_is_dated_the_next_year() -> None:
    # The review of 2024 is held in early 2025: what 2024 saw is past, the Tết to come is not.
    title = "Hội nghị tổng kết công tác công đoàn năm 2024"
    text = (
        "Chiều 10/1, Liên đoàn Lao động tỉnh tổ chức Hội nghị tổng kết công tác năm 2024.\n"
        "Hội thao công nhân năm 2024 tổ chức vào ngày 15/8/2024 với 800 vận động viên.\n"
        "Chương trình Tết Sum vầy năm 2025 diễn ra ngày 18/1/2025 tại Quảng trường."
    )
    assert days(text, None, title) == [("2025-01-18", "event")]
    # In December the review is of the year it is held in.
    december = text.replace("Chiều 10/1", "Chiều 20/12")
    assert days(december, None, title) == [("2025-01-18", "event")]


def test_a_december_meeting_prepares_the_next_years_tet() -> None:
    # "Tết ... năm 2027" is prepared in December 2026: the market in January is to come.
    title = "Quảng Ninh: Chuẩn bị chợ Tết công đoàn năm 2027 tại phố mỏ"
    text = (
        "Chiều 9.12, LĐLĐ tỉnh đã họp bàn công tác chuẩn bị “Tết sum vầy” năm 2027.\n"
        "Dự kiến “Chợ Tết công đoàn năm 2027” sẽ được tổ chức vào ngày 7 - 8.1.2027."
    )
    assert days(text, None, title) == [("2027-01-07", "start"), ("2027-01-08", "end")]
    # Mid-Autumn ("Tết Trung thu năm 2027") is held in the autumn of its own year: a
    # report of it dates its page 2027, and the day it tells of is past.
    autumn = (
        "Tối 12.11, LĐLĐ tỉnh đã tổ chức Tết Trung thu năm 2027 cho con công nhân.\n"
        "Trước đó, ngày 5/11/2027, LĐLĐ đã trao 500 suất quà."
    )
    assert days(autumn, None, "Vui Tết Trung thu năm 2027 cùng con công nhân") == []


def test_a_lead_reporting_two_days_dates_the_page_on_the_last() -> None:
    lead = "Đại hội Công đoàn cơ sở đã diễn ra vào chiều ngày 16/5/2027 và sáng ngày 17/5/2027."
    assert days(lead, None, "Chúc mừng Đại hội Công đoàn cơ sở") == []


def test_an_undated_report_of_two_days_is_not_in_progress_on_its_own_last_day() -> None:
    # The page's day comes from the lead, which tells the whole span: it is a report.
    lead = (
        "Trong 2 ngày, ngày 27 và ngày 28/4/2027 tại Cơ quan Cục Thống kê, Công đoàn Cục Thống"
        " kê tổ chức giải thể thao gồm bóng chuyền hơi và cầu lông."
    )
    assert days(lead, None, "Công đoàn Cục Thống kê tổ chức hoạt động thể thao") == []
    # The same lead on a page dated that day is a span still running: its end counts.
    assert days(lead, date(2027, 4, 28)) == [("2027-04-28", "end")]


def test_an_anniversary_span_typed_with_a_star_is_a_span() -> None:
    text = (
        "Ngày 12/10, LĐLĐ tỉnh khai mạc hội thao chào mừng kỷ niệm 95 năm Ngày thành lập Hội"
        " LHPN Việt Nam (20/10/1932 * 20/10/2027)."
    )
    assert days(text, date(2027, 10, 12)) == []


def test_missing_published_takes_the_year_the_text_writes() -> None:
    text = "Năm 2024, LĐLĐ tỉnh sẽ tổ chức Hội thao vào ngày 20/5 tại Vinh."
    assert days(text, None) == [("2024-05-20", "event")]


# --- clock times ----------------------------------------------------------------------

TIMES = [
    ("Hội nghị khai mạc lúc 14h ngày 20/5/2026.", time(14, 0)),
    ("Hội nghị khai mạc lúc 14h30 ngày 20/5/2026.", time(14, 30)),
    ("Hội nghị khai mạc lúc 8 giờ 30 phút ngày 20/5/2026.", time(8, 30)),
    ("Hội nghị khai mạc lúc 13:30 ngày 20/5/2026.", time(13, 30)),
    ("Hội nghị khai mạc ngày 20/5/2026, lúc 7h45.", time(7, 45)),
    ("Hội nghị khai mạc ngày 20/5/2026 (14h00).", time(14, 0)),
    ("Hội nghị làm việc từ 7h30 đến 11h30 ngày 20/5/2026.", time(7, 30)),
    ("Sáng 20/5/2026 hội nghị sẽ khai mạc.", None),
    ("Chiều ngày 20/5/2026 hội nghị sẽ bế mạc.", None),
]


@pytest.mark.parametrize(("text", "expected"), TIMES)
def test_clock_time(text: str, expected: time | None) -> None:
    events = extract_events(text, date(2026, 5, 1))
    assert [(e.date, e.time) for e in events] == [(date(2026, 5, 20), expected)]


def test_time_is_not_taken_as_a_date() -> None:
    events = extract_events("Lễ khai mạc lúc 8.30 ngày 20/5/2026.", date(2026, 5, 1))
    assert [e.date for e in events] == [date(2026, 5, 20)]


# --- kinds: deadlines and effective dates -------------------------------------------

KINDS = [
    ("Hạn cuối nộp bài dự thi là ngày 30/6/2026.", "deadline"),
    ("Hạn chót nhận hồ sơ: 30/6/2026.", "deadline"),
    ("Các đơn vị gửi báo cáo về LĐLĐ tỉnh trước ngày 30/6/2026.", "deadline"),
    ("Báo cáo gửi về chậm nhất ngày 30/6/2026.", "deadline"),
    ("Hồ sơ gửi về Ban Tổ chức trước 17h00 ngày 30/6/2026.", "deadline"),
    ("Thời gian nhận bài đến hết ngày 30/6/2026, các tác giả gửi bài qua email.", "deadline"),
    ("Ban Tổ chức kết thúc nhận bài dự thi vào ngày 30/6/2026.", "deadline"),
    ("Quyết định có hiệu lực từ ngày 30/6/2026.", "effective"),
    ("Luật Công đoàn có hiệu lực thi hành kể từ ngày 30/6/2026.", "effective"),
    ("Chương trình làm việc sẽ kết thúc đến ngày 30/6/2026.", "end"),
]


@pytest.mark.parametrize(("text", "kind"), KINDS)
def test_kind(text: str, kind: str) -> None:
    assert days(text, date(2026, 6, 1)) == [("2026-06-30", kind)]


def test_deadline_keeps_its_clock_time() -> None:
    (event,) = extract_events("Nộp hồ sơ trước 17h00 ngày 30/6/2026.", date(2026, 6, 1))
    assert (event.kind, event.time) == ("deadline", time(17, 0))


# --- what is not an event ---------------------------------------------------------

NEGATIVES = [
    ("Sáng 13/4, LĐLĐ tỉnh đã tổ chức hội nghị.", date(2022, 4, 13)),
    ("Chiều ngày 01/03, LĐLĐ tỉnh tổ chức buổi làm việc với Khối thi đua số 01.", date(2021, 3, 1)),
    ("Ngày 26/2/2021, LĐLĐ TP Vinh ban hành Hướng dẫn số 54/HD-LĐLĐ.", date(2021, 2, 26)),
    ("Hội nghị vừa diễn ra ngày 10/5/2026 tại Vinh.", date(2026, 5, 12)),
    ("Theo Quyết định số 4074/QĐ-TLĐ ngày 18/01/2022 của Đoàn Chủ tịch.", date(2022, 1, 10)),
    ("Thực hiện Nghị quyết số 02/NQ-TW của Bộ Chính trị.", date(2026, 1, 1)),
    ("Doanh nghiệp có từ 1.000 lao động trở lên.", date(2026, 1, 1)),
    (
        "Kỷ niệm 95 năm ngày thành lập Công đoàn Việt Nam (28/7/1929 – 28/7/2024).",
        date(2024, 7, 20),
    ),
    ("75 năm ngày Thương binh - Liệt sỹ (27/7/1947- 27/7/2022).", date(2022, 7, 20)),
    ("Đại hội XIV dự kiến diễn ra vào tháng 6-2026.", date(2026, 1, 1)),
    ("Lễ tổng kết dự kiến tổ chức trong tháng 6.2026.", date(2026, 1, 1)),
    ("Lễ tổng kết dự kiến tổ chức trong tháng 6/2026.", date(2026, 1, 1)),
    ("Hội nghị sẽ diễn ra ngày 31/2/2026.", date(2026, 1, 1)),
    ("Hội nghị sẽ diễn ra ngày 32/5/2026.", date(2026, 1, 1)),
    ("Mọi thắc mắc xin liên hệ số điện thoại 0238.3844.123 hoặc 0912.12.12.12.", date(2026, 1, 1)),
    ("Chương trình phối hợp công tác giai đoạn 2023-2028.", date(2026, 1, 1)),
    ("Đại hội Công đoàn tỉnh lần thứ XX, nhiệm kỳ 2025 - 2030.", date(2025, 1, 1)),
    ("Cập nhật ứng dụng lên phiên bản 2.5.1 hoặc 3.12 để thi.", date(2026, 1, 1)),
    ("Mức đóng kinh phí công đoàn là 2%, tăng 2,5% so với cùng kỳ.", date(2026, 1, 1)),
    ("Hơn 2/3 số đại biểu tán thành.", date(2026, 1, 1)),
    ("Hội nghị sẽ đánh giá kết quả ngày 10/5/2026.", date(2026, 5, 20)),
    ("Chào mừng kỷ niệm Ngày Quốc tế Lao động 1/5/2026, các CĐCS sẽ treo cờ.", date(2026, 4, 20)),
    ("Nhân dịp kỷ niệm ngày 2/9, đoàn viên sẽ được tặng quà.", date(2026, 8, 20)),
    ("Đến 30/6 có 03 chỉ tiêu vượt, 02 chỉ tiêu đã hoàn thành.", date(2022, 7, 26)),
    # Data cut-offs after the item's date are still not days to act on.
    ("Tính đến ngày 30/6/2026, toàn tỉnh có 120.000 đoàn viên.", date(2026, 6, 25)),
    ("Tính đến hết ngày 31/12, toàn ngành thu được 95% kinh phí.", date(2026, 12, 20)),
    # A news report on the item's own day: "kế hoạch" here is a noun, not a plan.
    ("Ngày 8/8, Công đoàn Dầu khí phát động thi đua hoàn thành kế hoạch năm.", date(2025, 8, 8)),
    (
        "Sáng nay 12-4, tại hội nghị giao ban báo chí quý I, ông Trần Duy Phương, Trưởng Ban"
        " Tuyên giáo cho biết trong tháng 5 sẽ diễn ra nhiều sự kiện.",
        date(2018, 4, 12),
    ),
]


def test_a_decision_headline_does_not_make_the_report_a_plan() -> None:
    text = (
        "Chiều 3/7, LĐLĐ thành phố Đà Nẵng tổ chức công bố quyết định thành lập Công đoàn phường."
    )
    assert days(text, date(2025, 7, 3), "Quyết định thành lập Công đoàn phường Hải Châu") == []


def test_a_notices_header_lines_are_not_events() -> None:
    text = (
        "LIÊN ĐOÀN LAO ĐỘNG TỈNH NGHỆ AN\nSố: 45/KH-LĐLĐ\nNghệ An, ngày 15 tháng 3 năm 2024\n"
        "Các đơn vị gửi danh sách về LĐLĐ tỉnh trước ngày 05/4/2024."
    )
    title = "Kế hoạch tổ chức Hội thi nữ công nhân khéo tay năm 2024"
    assert days(text, date(2024, 3, 15), title) == [("2024-04-05", "deadline")]


def test_a_year_round_up_reports_last_years_days() -> None:
    # Published in January: "Ngày 19/5" without a cue is last May, not next May.
    text = (
        "Năm 2023, các cấp công đoàn nỗ lực chăm lo cho người lao động.\n"
        "Ngày 19/5, LĐLĐ tỉnh tổ chức lễ phát động Tháng Công nhân.\n"
        "Dịp Tết, LĐLĐ tỉnh sẽ tổ chức chương trình Tết Sum vầy vào ngày 20/1."
    )
    assert days(text, date(2024, 1, 8)) == [("2024-01-20", "event")]


LISTS = [
    ("Hội thao diễn ra trong các ngày 18, 19/6 tại Nhà thi đấu.", ["2026-06-18", "2026-06-19"]),
    ("Hội thi diễn ra trong hai ngày 25, 26/7/2026.", ["2026-07-25", "2026-07-26"]),
    ("Vòng loại thi đấu trong các ngày 10, 11 và 12/6 tại 3 cụm.", ["2026-06-10", "2026-06-12"]),
]


@pytest.mark.parametrize(("text", "expected"), LISTS)
def test_listed_consecutive_days_are_a_range(text: str, expected: list[str]) -> None:
    assert days(text, date(2026, 5, 12)) == [(expected[0], "start"), (expected[1], "end")]


def test_listed_separate_days_are_separate_events() -> None:
    text = "Lớp học sẽ diễn ra vào các ngày 5, 12 và 19/6/2026."
    assert days(text, date(2026, 5, 12)) == [
        ("2026-06-05", "event"),
        ("2026-06-12", "event"),
        ("2026-06-19", "event"),
    ]


def test_a_numbered_article_is_not_a_list_of_days() -> None:
    assert days("Theo Điều 5, 6/2019 của Luật Công đoàn.", date(2026, 5, 12)) == []


@pytest.mark.parametrize(("text", "published"), NEGATIVES)
def test_not_an_event(text: str, published: date) -> None:
    assert extract_events(text, published) == []


# --- false events found on real pages: replaced days, undated reports, history -----


def test_a_replaced_deadline_keeps_only_the_new_day() -> None:
    text = (
        "Ban Tổ chức thông báo hạn nộp bài dự thi sẽ là ngày 15/9/2026 thay cho thời hạn cũ"
        " 30/8/2026."
    )
    assert days(text, date(2026, 8, 20)) == [("2026-09-15", "deadline")]


def test_a_postponed_meeting_keeps_only_the_new_day() -> None:
    text = "LĐLĐ huyện lùi thời gian tổ chức hội nghị từ ngày 12/10/2026 sang ngày 20/10/2026."
    assert days(text, date(2026, 10, 5)) == [("2026-10-20", "event")]


def test_an_undated_notice_reporting_its_own_issue_is_not_an_event() -> None:
    # No publication date: "đã ban hành" says the day is past, whatever the title.
    text = "Ngày 12/3/2024 Công đoàn ngành Y tế đã ban hành văn bản về việc tổ chức hội thao."
    assert days(text, None, "Công văn số 58/CĐN về hội thao ngành Y tế") == []


def test_an_undated_law_that_took_effect_long_ago_is_not_an_event() -> None:
    text = (
        "Bộ luật Lao động có hiệu lực thi hành từ ngày 01/01/2021 đã đặt ra nhiều yêu cầu"
        " mới cho công đoàn cơ sở."
    )
    assert days(text, None) == []


def test_an_undated_notice_still_gives_its_deadline() -> None:
    text = "Các công đoàn cơ sở gửi báo cáo về LĐLĐ tỉnh chậm nhất ngày 20/11/2026."
    assert days(text, None, "Thông báo về việc báo cáo số liệu đoàn viên") == [
        ("2026-11-20", "deadline")
    ]


def test_a_history_is_not_read_as_a_report_of_its_first_day() -> None:
    text = (
        "Ngày 14/3/1946, Ban vận động công đoàn ngành được thành lập tại chiến khu.\n"
        "Ngày 5/9/1948, tại hội nghị toàn ngành, Ban Chấp hành lâm thời chính thức được"
        " thành lập."
    )
    assert days(text, None, "Lịch sử Công đoàn ngành Bưu điện") == []


def test_an_anniversary_span_written_with_an_underscore_is_not_an_event() -> None:
    text = "Lễ kỷ niệm 95 năm ngày thành lập Công đoàn Việt Nam (28-7-1929 _ 28-7-2024)."
    assert days(text, date(2024, 5, 2)) == []


def test_a_programme_named_in_quotes_is_a_report_not_an_agenda() -> None:
    # Undated: the title starts with "Chương trình" but names what the report is about.
    text = "Chiều 12/2, LĐLĐ huyện tổ chức chương trình “Tết sum vầy” cho công nhân ở lại."
    assert days(text, None, "Chương trình “Tết sum vầy” cho công nhân Yên Phong") == []


def test_a_span_in_progress_on_the_items_day_keeps_its_last_day() -> None:
    text = "Trong 3 ngày từ 14 - 16/1/2026, LĐLĐ quận tổ chức Phiên chợ Công đoàn tại Cung Văn hóa."
    assert days(text, date(2026, 1, 16)) == [("2026-01-16", "end")]
    past = "Phiên chợ Công đoàn đã diễn ra từ 14 - 16/1/2026 tại Cung Văn hóa."
    assert days(past, date(2026, 1, 16)) == []


@pytest.mark.parametrize(
    "stamp",
    [
        "Ngày đăng: 12/05/2026",
        "Cập nhật ngày 12/5/2026 | Lượt xem: 1.204",
        "Thứ Ba, 12/05/2026 08:15",
    ],
)
def test_the_pages_own_date_line_is_not_an_event_but_dates_the_notice(stamp: str) -> None:
    # No publication date given: the page's stamp is its day, and "20/5" falls in its year.
    text = f"{stamp}\nCác đơn vị gửi danh sách vận động viên trước ngày 20/5."
    title = "Kế hoạch tổ chức Hội thao công nhân viên chức năm 2026"
    assert days(text, None, title) == [("2026-05-20", "deadline")]


def test_a_day_heading_an_agenda_is_kept() -> None:
    text = "Thứ Ba, 19/5/2026\n- 8h00: Khai mạc hội nghị tập huấn."
    title = "Chương trình Hội nghị tập huấn cán bộ công đoàn"
    assert days(text, date(2026, 5, 4), title) == [("2026-05-19", "event")]


# --- notices and descriptions ------------------------------------------------------


def test_notice_title_makes_the_items_own_day_an_event() -> None:
    text = "Hội nghị tổng kết tổ chức lúc 14h00 ngày 20/5/2026 tại Hội trường LĐLĐ tỉnh."
    report = extract_events(text, date(2026, 5, 20), title="Hội nghị tổng kết năm")
    notice = extract_events(text, date(2026, 5, 20), title="Giấy mời dự Hội nghị tổng kết")
    assert report == []
    assert [(e.date, e.time) for e in notice] == [(date(2026, 5, 20), time(14, 0))]


def test_what_is_the_clause_without_its_date() -> None:
    (event,) = extract_events(
        "Theo đó, hạn cuối nộp bài dự thi là ngày 30/6/2026.", date(2026, 5, 1)
    )
    assert event.what == "Hạn cuối nộp bài dự thi"


def test_what_drops_the_agency_credit_and_the_count_of_days() -> None:
    text = "HNN.VN - Trong hai ngày 16 và 17/8, Đoàn phường Thanh Thủy tổ chức đợt ra quân."
    events = extract_events(text, date(2027, 8, 16))
    assert [e.what for e in events] == ["Đoàn phường Thanh Thủy tổ chức đợt ra quân"] * 2
    text = "(GLO)- Trong 2 ngày 22 và 23-8, Công đoàn VNPT Bình Định tổ chức Hội thao."
    events = extract_events(text, date(2027, 8, 22))
    assert [e.what for e in events] == ["Công đoàn VNPT Bình Định tổ chức Hội thao"] * 2


def test_what_is_never_a_count_of_days_nor_only_hours() -> None:
    text = "Trong 5 ngày (từ 18 - 22/5/2027), các vận động viên sẽ tranh tài ở 3 nội dung."
    assert {e.what for e in extract_events(text, date(2027, 5, 1))} == {
        "Các vận động viên sẽ tranh tài ở 3 nội dung"
    }
    title = "Thông báo lịch thi đấu bóng chuyền công nhân"
    (event,) = extract_events(
        "Thời gian: 15h00 đến 18h00 ngày 20/5/2027.", date(2027, 5, 1), title=title
    )
    assert event.what == title


def test_what_names_the_congress() -> None:
    text = (
        "Đại hội Công đoàn tỉnh Nghệ An lần thứ XX, nhiệm kỳ 2025 – 2030 "
        "sẽ diễn ra trong 2 ngày 7 – 8/12/2025."
    )
    events = extract_events(text, date(2025, 11, 20))
    assert [e.kind for e in events] == ["start", "end"]
    assert all(e.what.startswith("Đại hội Công đoàn tỉnh Nghệ An lần thứ XX") for e in events)
    assert all("7" not in e.what.split("2025")[-1] for e in events)


def test_what_for_a_bare_time_line_comes_from_the_notice_title() -> None:
    title = "Giấy mời dự Hội nghị tập huấn cán bộ công đoàn cơ sở"
    (event,) = extract_events("- Thời gian: 8 giờ, ngày 15/8/2026.", date(2026, 8, 1), title=title)
    assert event.what == title


def test_what_is_short_and_cut_at_a_word() -> None:
    text = "Hội nghị " + "tập huấn nghiệp vụ công tác công đoàn " * 8 + "sẽ diễn ra ngày 20/5/2026."
    (event,) = extract_events(text, date(2026, 5, 1))
    assert len(event.what) <= 120
    assert text.startswith(event.what)


def test_sorted_and_deduplicated() -> None:
    text = (
        "Hạn cuối đăng ký là ngày 15/5/2026. Lễ khai mạc lúc 8h00 ngày 20/5/2026. "
        "Các đơn vị lưu ý: lễ khai mạc ngày 20/5/2026 tại Quảng trường."
    )
    events = extract_events(text, date(2026, 5, 1))
    assert [(e.date.isoformat(), e.time, e.kind) for e in events] == [
        ("2026-05-15", None, "deadline"),
        ("2026-05-20", time(8, 0), "event"),
    ]
    assert all(isinstance(e, Event) for e in events)


# --- seeds: real union pages -------------------------------------------------------


def _seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def test_seed_001_end_of_the_working_programme() -> None:
    events = extract_events(_seed("001"), date(2021, 3, 1))
    assert [(e.date, e.kind) for e in events] == [(date(2021, 3, 9), "end")]
    assert "chương trình làm việc" in events[0].what.casefold()


def test_seed_004_reports_only_the_past() -> None:
    # Everything reported is past, the span is an anniversary, "Đến 30/6" is past,
    # and the sidebar (other items, 2024) is not read.
    assert extract_events(_seed("004"), date(2022, 7, 26)) == []


def test_seed_000_has_no_event() -> None:
    assert extract_events(_seed("000"), date(2022, 4, 13)) == []


@pytest.mark.parametrize("prefix", ["002", "003"])
def test_other_seeds_have_no_event(prefix: str) -> None:
    published = {"002": date(2022, 2, 16), "003": date(2022, 5, 20)}[prefix]
    assert extract_events(_seed(prefix), published) == []


def test_speed_on_long_documents() -> None:
    # ~3,000 characters of union prose with a few dates, as a real article.
    doc = (_seed("004")[:2600] + "\nHạn cuối nộp báo cáo là ngày 30/8/2022.")[:3000]
    start = clock.perf_counter()
    for _ in range(200):
        extract_events(doc, date(2022, 7, 26))
    per_doc = (clock.perf_counter() - start) / 200
    assert per_doc < 0.005  # generous bound for shared CI machines


# --- false events found on new real pages (tests/data/devset_events.jsonl) ------------
# Each sentence below is made up for its class; none is copied from a corpus.


def test_an_undated_page_with_no_year_anywhere_gives_no_year_less_day() -> None:
    # Nothing says which year "ngày 14-2" is in: the page may be a decade old.
    text = "Ông Trần Văn Bình cho biết ngày 14-2, Quỹ sẽ tổ chức bữa cơm tất niên cho công nhân."
    assert days(text, None) == []
    assert days("Các đơn vị gửi danh sách trước ngày 20/5.", None, "Thông báo đăng ký") == []
    # The title's year is the text's own: "năm 2027" places "ngày 14-2".
    assert days(text, None, "Tết sum vầy năm 2027 tại khu trọ Phú Lợi") == [("2027-02-14", "event")]


def test_a_plan_named_by_its_number_is_not_a_future_cue() -> None:
    # "kế hoạch số ..." names the document being carried out; the day is a report.
    text = (
        "Thực hiện kế hoạch số 27/KH-CĐN ngày 4/3/2024 của Công đoàn ngành, ngày 18/6/2024,"
        " Công đoàn Trường THPT Lê Lợi tổ chức hội thi nấu ăn."
    )
    assert days(text, None) == []
    assert days(
        "Các đơn vị thực hiện theo kế hoạch, dự kiến hội thi vào ngày 18/6/2024.", None
    ) == [("2024-06-18", "event")]


@pytest.mark.parametrize("number", ["27/KH-LĐLĐ", "27/ KH-LĐLĐ", "27 /KH-LĐLĐ", "27 / KH-LĐLĐ"])
def test_a_document_number_typed_with_spaces_still_dates_a_document(number: str) -> None:
    text = f"Căn cứ Kế hoạch số {number} ngày 22/9/2026 của Ban Thường vụ, các đơn vị triển khai."
    assert days(text, date(2026, 9, 20), "Kế hoạch tổ chức hội thi") == []


def test_a_just_issued_documents_day_dates_an_undated_notice() -> None:
    # "vừa ban hành ... ngày 2/3/2027": the news is from that day on, so days after it
    # are to come; an older document being "carried out" dates nothing.
    issued = (
        "LĐLĐ tỉnh vừa ban hành Kế hoạch số 15/KH-LĐLĐ ngày 2/3/2027 về hội thi an toàn viên"
        " giỏi.\nVòng sơ khảo kết thúc lúc 17 giờ, ngày 25/3/2027."
    )
    assert days(issued, None) == [("2027-03-25", "end")]
    carried_out = (
        "Thực hiện Kế hoạch số 15/KH-LĐLĐ ngày 2/3/2027 của LĐLĐ tỉnh, Công đoàn Khu kinh tế"
        " tổ chức vòng sơ khảo.\nVòng sơ khảo kết thúc lúc 17 giờ, ngày 25/3/2027."
    )
    assert days(carried_out, None) == []


def test_a_documents_place_and_date_sentence_inside_a_line_is_not_an_event() -> None:
    text = "Số: 09/QĐ-CĐVC. Đà Nẵng, ngày 16 tháng 4 năm 2027.\nĐiều 1. Ban hành Quy chế chi tiêu."
    assert days(text, None, "Quyết định ban hành Quy chế chi tiêu nội bộ") == []


def test_credit_lines_and_photo_captions_are_not_events() -> None:
    title = "Thông báo tổ chức Hội thao công chức năm 2027"
    text = "Các đơn vị đăng ký trước ngày 20/5/2027.\nTin, ảnh: Thu Hà - 12/5/2027"
    assert days(text, None, title) == [("2027-05-20", "deadline")]
    caption = (
        "Lãnh đạo LĐLĐ huyện trao cờ cho các đội tại lễ khai mạc ngày 24/5/2027. Ảnh: Đức Minh"
    )
    assert days(caption, date(2027, 5, 20), title) == []
    assert days("Lễ khai mạc hội thao ngày 24/5/2027 (Ảnh minh họa).", None, title) == []


def test_a_counting_window_is_not_a_range_to_attend() -> None:
    text = "Tính từ ngày 1/1 đến ngày 20/12/2026, Công đoàn huyện đã kết nạp 640 đoàn viên mới."
    assert days(text, date(2026, 12, 15)) == []
    plan = "Dự tính từ ngày 20/12/2026 đến 25/12/2026, Công đoàn huyện sẽ trao quà Tết."
    assert days(plan, date(2026, 12, 15)) == [("2026-12-20", "start"), ("2026-12-25", "end")]


def test_nhan_ngay_names_the_holiday_an_activity_marks() -> None:
    assert (
        days("Nhân ngày 8/3, Công đoàn Trường tổ chức giao lưu cầu lông.", date(2027, 3, 1)) == []
    )
    holiday = "Nữ đoàn viên giao lưu cầu lông nhân ngày 8.3.2027 tại nhà thi đấu quận."
    assert days(holiday, date(2027, 3, 1)) == []
    # "công nhân ngày 12/5" is workers on a day, not a holiday.
    workers = "Công nhân ngày 12/5 sẽ được khám sức khỏe tại trạm y tế phường."
    assert days(workers, date(2027, 5, 2)) == [("2027-05-12", "event")]


def test_a_day_of_that_year_in_a_story_is_not_an_event() -> None:
    text = "Ngày 9/6 năm ấy, Công đoàn Nhà máy Dệt chính thức ra đời với 40 đoàn viên."
    assert days(text, date(2026, 5, 30)) == []


def test_a_counted_span_after_a_comma_is_a_range() -> None:
    text = "Trong 2 ngày, 14-15/12, LĐLĐ quận tổ chức Phiên chợ nghĩa tình tại Nhà văn hóa."
    assert days(text, date(2026, 12, 15)) == [("2026-12-15", "end")]


def test_a_preview_headline_reads_as_a_notice() -> None:
    text = "Lễ trao giải được tổ chức lúc 19h30 ngày 11/8 tại Nhà hát tỉnh."
    title = "Sắp diễn ra Liên hoan Tiếng hát công nhân năm 2026"
    assert extract_events(text, None, title=title)[0].date == date(2026, 8, 11)
    assert days(text, None, "Liên hoan Tiếng hát công nhân năm 2026") == []


@pytest.mark.parametrize(
    ("name", "prefix", "earlier"),
    [("devset_events.jsonl", "de", ()), ("devset_events2.jsonl", "df", ("devset_events.jsonl",))],
)
def test_the_events_dev_sets_are_new_material_in_the_corpus_shape(
    name: str, prefix: str, earlier: tuple[str, ...]
) -> None:
    # Compares URLs and titles only: the held-out and blind2 items are never read here.
    import json

    from tests.test_corpus_format import item_problems

    data = SEEDS.parent
    items = [json.loads(line) for line in (data / name).read_text("utf-8").split("\n") if line]
    assert [i["id"] for i in items] == [f"{prefix}{n:03d}" for n in range(1, len(items) + 1)]
    assert len(items) >= 50
    assert [p for i in items for p in item_problems(i, "blind") if "half" not in p] == []
    others = [data / f for f in ("corpus_train.jsonl", "corpus_blind.jsonl", "devset.jsonl",
              "devset_extra.jsonl", "heldout.jsonl", *earlier)] + sorted((data / "blind2").glob("*.jsonl"))  # fmt: skip
    seen_urls, seen_titles = set(), set()
    for path in others:
        for line in path.read_text("utf-8").split("\n"):
            if line:
                other = json.loads(line)
                seen_urls.add(other["url"])
                seen_titles.add(other["title"].casefold())
    assert not [i["id"] for i in items if i["url"] in seen_urls]
    assert not [i["id"] for i in items if i["title"].casefold() in seen_titles]


# --- classes found on the second round of new pages (tests/data/devset_events2.jsonl) ---
# Each sentence below is made up for its class; none is copied from a corpus.


def test_the_day_a_source_spoke_is_not_an_event() -> None:
    # Reported on the day itself, with a plan in the same sentence: only the plan's day.
    told = "Ngày 14/9, đồng chí Chủ tịch LĐLĐ huyện cho biết hội thao sẽ khai mạc vào ngày 21/9."
    assert days(told, date(2027, 9, 14)) == [("2027-09-21", "event")]
    by_source = "Chiều 14/9, theo Ban Tổ chức, giải việt dã sẽ diễn ra từ ngày 2 đến 3/10."
    assert days(by_source, date(2027, 9, 14)) == [("2027-10-02", "start"), ("2027-10-03", "end")]
    # The day itself planned, with the verb after "sẽ": kept.
    planned = "Sáng 14/9, lãnh đạo LĐLĐ tỉnh sẽ trao đổi với công nhân khu trọ Tân Định."
    assert days(planned, date(2027, 9, 14)) == [("2027-09-14", "event")]


def test_a_window_from_now_runs_ahead_of_the_item() -> None:
    # "từ nay đến ngày 5-8" opens on the writing day; the later window is this year's too.
    text = (
        "Thời gian treo băng rôn từ nay đến ngày 5-8 đối với Hội nghị công nhân và từ ngày"
        " 18-10 đến hết ngày 2-11 đối với Ngày hội văn hóa công nhân."
    )
    assert days(text, date(2027, 7, 20)) == [
        ("2027-08-05", "end"),
        ("2027-10-18", "start"),
        ("2027-11-02", "end"),
    ]


def test_a_schedule_heading_keeps_a_plan_on_an_undated_page() -> None:
    plan = "Thời gian tổ chức chương trình từ 15/6 - 30/7/2027, tập trung vào các khu trọ."
    assert days(plan, None) == [("2027-06-15", "start"), ("2027-07-30", "end")]
    # The same heading over a report of what was done: nothing.
    done = "Thời gian tổ chức từ 15/6 - 30/7/2027, chương trình đã thu hút 3.000 công nhân."
    assert days(done, None) == []
    # Without the heading an undated sentence has no tense: nothing either.
    assert days("Chương trình từ 15/6 - 30/7/2027 tại các khu trọ.", None) == []
    # Training is an activity with a schedule; a policy's period is not.
    training = "* Thời gian tập luyện từ ngày: 11/07 đến ngày 16/7/2027"
    assert days(training, None) == [("2027-07-11", "start"), ("2027-07-16", "end")]
    assert days("Thời gian áp dụng từ ngày 1/1/2027 đến ngày 31/12/2027.", None) == []


def test_an_undated_legal_page_tells_effective_dates_after_the_fact() -> None:
    told = "Nghị định 05 có hiệu lực từ ngày 01/3/2027 và thay thế Nghị định 196-CP năm 1994."
    assert days(told, None) == []
    coming = "Luật Công đoàn (sửa đổi) sẽ có hiệu lực từ ngày 01/7/2027."
    assert days(coming, None) == [("2027-07-01", "effective")]


def test_the_horizon_of_a_target_is_not_an_event() -> None:
    # Like a data cut-off, the day a target counts to is no day to attend or act on.
    target = "Phấn đấu đến ngày 31/12/2027, toàn huyện kết nạp thêm 1.500 đoàn viên mới."
    assert days(target, date(2027, 6, 2)) == []
    quota = "Chỉ tiêu năm 2027 đến hết ngày 30/11/2027 thành lập 12 công đoàn cơ sở."
    assert days(quota, date(2027, 6, 2)) == []
    # A plan running to the same kind of day still counts.
    plan = "Cuộc thi sẽ nhận bài đến hết ngày 30/11/2027."
    assert days(plan, date(2027, 6, 2)) == [("2027-11-30", "deadline")]


def test_the_day_an_anniversary_falls_on_is_not_a_meeting() -> None:
    text = "Ngày 9/10/2027, tròn 60 năm ngày thành lập Công đoàn ngành Dệt may tỉnh."
    assert days(text, date(2027, 9, 30)) == []
    founded = "Công đoàn huyện ra đời ngày 9/10/1967; đến ngày 9/10/2027 là tròn 60 năm."
    assert days(founded, date(2027, 9, 30)) == []
    # The ceremony on that day is one.
    ceremony = "Lễ kỷ niệm 60 năm sẽ được tổ chức vào sáng ngày 9/10/2027 tại Hội trường tỉnh."
    assert days(ceremony, date(2027, 9, 30)) == [("2027-10-09", "event")]


# --- general reports (devset_general, round three) ----------------------------------


def test_a_place_name_is_no_future_cue() -> None:
    # "Cần Thơ" is a city, not "cần" (need); "sắp xếp" is "arrange", not "sắp" (soon).
    text = (
        "Chiều ngày 28 tháng 7, Liên đoàn Lao động thành phố Cần Thơ đã tổ chức hội nghị.\n"
        "Báo cáo nêu kết quả 6 tháng đầu năm 2025."
    )
    assert days(text, None) == []
    same_day = "Ghi nhận sáng 13/2, các đoàn xe Công đoàn được sắp xếp gọn gàng."
    assert days(same_day, date(2026, 2, 13)) == []
    # The cues themselves still work.
    assert days("Các đơn vị cần gửi báo cáo trước ngày 20/2.", date(2026, 2, 13)) == [
        ("2026-02-20", "deadline")
    ]


def test_a_plans_number_typed_with_a_space_does_not_date_the_report() -> None:
    # The plan's day is a document's; the report's own day follows it in the lead.
    text = (
        "Thực hiện kế hoạch số 12/KH- LĐLĐ ngày 2/6/2022, chiều ngày 8/7/2022, Liên đoàn Lao"
        " động quận tổ chức chương trình khám sức khỏe cho 200 công nhân."
    )
    assert days(text, None) == []


def test_a_day_from_the_unions_history_is_never_an_event() -> None:
    text = (
        "Năm 1929, đồng chí Nguyễn Đức Cảnh được giao triệu tập Đại hội thành lập Tổng Công"
        " hội đỏ Bắc Kỳ vào ngày 28/7/1929 tại Hà Nội."
    )
    assert days(text, None) == []


def test_a_deadline_followed_by_a_comment_is_still_a_deadline() -> None:
    # "..., khẳng định ..." after the day is not a source speaking on that day.
    text = (
        "Liên đoàn Lao động thành phố triển khai kế hoạch, bảo đảm hoàn thành trước ngày"
        " 31/12/2025, khẳng định vai trò đại diện của tổ chức Công đoàn."
    )
    assert days(text, date(2025, 9, 24)) == [("2025-12-31", "deadline")]
    # A dateline followed by what a source said stays the day it was told.
    assert days("Ngày 25/9, LĐLĐ thành phố cho biết sẽ tổ chức hội nghị.", date(2025, 9, 24)) == []


def test_a_lunar_date_beside_a_solar_one_is_not_a_second_day() -> None:
    text = "Đêm hội sẽ tổ chức lúc 18 giờ 30 tối ngày 5-9, nhằm ngày 14-8 Âm lịch."
    assert days(text, date(2026, 8, 1)) == [("2026-09-05", "event")]


def test_the_day_a_source_met_is_not_the_plan_it_announced() -> None:
    text = (
        "Theo thông tin từ cuộc họp Ban Tổ chức sáng ngày 12/7, Hội thao công nhân sẽ diễn ra"
        " ngày 3/8 tại Nhà thi đấu tỉnh."
    )
    assert days(text, date(2022, 7, 12)) == [("2022-08-03", "event")]
    # "Theo kế hoạch, ..." is the plan itself.
    assert days("Theo kế hoạch, ngày 3/8 sẽ khai mạc hội thao.", date(2022, 7, 12)) == [
        ("2022-08-03", "event")
    ]


def test_today_on_a_page_of_no_known_day_is_no_day() -> None:
    text = "Hội thao nhằm xây dựng một đất nước giàu mạnh như ngày hôm nay, năm 2015."
    assert days(text, None, "Kế hoạch tổ chức Hội thao năm 2015") == []


def test_a_plan_named_as_a_noun_is_no_future_cue() -> None:
    text = (
        "Thực hiện Kế hoạch số 104/KH-LĐLĐ ngày 12/3/2015 về Hội thao công nhân năm 2015.\n"
        "Để hội thao diễn ra theo đúng kế hoạch đề ra, ngày 12/6/2015, Liên đoàn Lao động"
        " huyện tổ chức họp Ban Tổ chức và bốc thăm thi đấu."
    )
    assert days(text, None) == []


def test_the_datelines_own_sentence_gives_its_year() -> None:
    text = (
        "Chiều 8/6, giải chạy tri ân năm 2022 vừa được công bố tại thành phố.\n"
        "Giải dự kiến diễn ra vào ngày 3/7, dành cho lực lượng chống dịch năm 2021."
    )
    assert days(text, None) == [("2022-07-03", "event")]


def test_a_list_announced_as_a_plan_keeps_its_days() -> None:
    text = (
        "Liên đoàn Lao động thành phố sẽ tổ chức 2 đêm hội, gồm: Nhà Văn hóa Lao động (lúc"
        " 18 giờ 30 tối ngày 2-10); phường Bàn Thạch (lúc 18 giờ 30 tối ngày 3-10)."
    )
    found = [(e.date.isoformat(), e.time) for e in extract_events(text, date(2025, 10, 3))]
    assert found == [("2025-10-03", time(18, 30))]


def test_ranges_listed_months_ahead_stay_in_the_same_year() -> None:
    text = (
        "Hội thao sẽ diễn ra tại hai khu vực: phía Bắc tổ chức từ ngày 3 – 5/8; phía Nam tổ"
        " chức tại Vũng Tàu từ ngày 27 – 30/9."
    )
    assert [d for d, _ in days(text, date(2022, 7, 12))] == [
        "2022-08-03", "2022-08-05", "2022-09-27", "2022-09-30"
    ]  # fmt: skip


# --- dated items of union portals, papers and national sites (devset_general, round three)


def test_a_named_day_with_its_date_in_brackets_is_an_occasion() -> None:
    text = (
        "Hội thao chào mừng Ngày Truyền thống ngành (28/8), Ngày thành lập Công đoàn ngành"
        " (30/8) diễn ra sôi nổi."
    )
    assert days(text, date(2018, 8, 18)) == []
    festival = "Ngày hội Văn hóa công nhân (20/5/2026) sẽ diễn ra tại Quảng trường."
    assert days(festival, date(2026, 5, 1)) == [("2026-05-20", "event")]
    assert days("Hội nghị họp vào ngày Chủ nhật (24/5).", date(2026, 5, 1)) == [
        ("2026-05-24", "event")
    ]


def test_a_letter_headed_ve_viec_schedules_its_time_lines() -> None:
    text = "- Thời gian: 9h00 ngày 31/01/2017 tại sân trường."
    found = extract_events(text, None, title="Về việc tổ chức giải thể thao Công đoàn")
    assert [(e.date.isoformat(), e.time) for e in found] == [("2017-01-31", time(9, 0))]


def test_the_notice_an_excerpt_comes_from_dates_the_page() -> None:
    text = (
        "Thời gian: Từ ngày 01/8/2017 đến ngày 05/10/2017.\n"
        "(Trích thông báo số 27/TB-CĐ ngày 11 tháng 8 năm 2017)"
    )
    title = "Về việc tham gia Cuộc thi viết về nhà giáo"
    assert days(text, None, title) == [("2017-10-05", "end")]


def test_an_undated_page_is_later_than_the_documents_it_cites() -> None:
    text = (
        "Thực hiện Công văn số 1623/TLĐ ngày 10/8/2018 về cuộc thi viết, Công đoàn ngành"
        " đề nghị các đơn vị hưởng ứng.\n"
        "Thời hạn nhận bài thi từ 25/7/2018 đến hết ngày 30/10/2018."
    )
    assert [d for d, _ in days(text, None)] == ["2018-10-30"]


def test_an_undated_pages_year_less_day_takes_a_year_of_its_own_paragraph() -> None:
    text = (
        "Thực hiện Kế hoạch số 19/KH-CĐCS ngày 28/02/2023, các công đoàn cơ sở thành viên"
        " đã tổ chức đại hội.\n"
        "Đại hội Công đoàn cơ sở Sở sẽ được tổ chức vào ngày 21/4 tới đây."
    )
    assert days(text, None) == []
    same_paragraph = "Năm 2023, Đại hội Công đoàn cơ sở Sở sẽ được tổ chức vào ngày 21/4 tới đây."
    assert days(same_paragraph, None) == [("2023-04-21", "event")]


def test_the_verb_of_the_dates_own_phrase_tells_its_tense() -> None:
    text = (
        "Liên đoàn Lao động thành phố đã tổ chức 2 đêm hội (ngày 2 và 3-10), mỗi đêm mời"
        " 300 cháu tham dự."
    )
    assert days(text, date(2025, 10, 3)) == []


# --- round four: law, emulation and local dated items ---------------------------------


def test_a_date_typed_with_spaces_around_its_slashes() -> None:
    text = "– Từ ngày 14 /10/ 2013 (thứ Hai) đến ngày 08/ 11/ 2013 (thứ Sáu)"
    assert days(text, None, "Kế hoạch giải bóng chuyền năm 2013") == [
        ("2013-10-14", "start"), ("2013-11-08", "end")
    ]  # fmt: skip


def test_the_meeting_a_plan_follows_is_not_the_plan() -> None:
    text = (
        "Theo tinh thần cuộc họp Ban Văn thể Công đoàn ngày 26/9/2013, nhà trường sẽ tổ chức"
        " giải bóng chuyền vào ngày 14/10/2013."
    )
    assert days(text, None) == [("2013-10-14", "event")]


def test_an_anniversary_span_does_not_give_the_items_year() -> None:
    text = (
        "Sáng 25/8, nhân kỷ niệm 70 năm ngày truyền thống ngành (28/8/1945 - 28/8/2015),"
        " Công đoàn ngành tổ chức cho học sinh báo công.\n"
        "Chiều nay, đoàn sẽ dâng hương tại Khu di tích."
    )
    assert days(text, None) == []


def test_a_lunar_new_years_name_gives_the_year() -> None:
    text = (
        "Sáng 11/1, Liên đoàn Lao động tỉnh khai mạc Giải bóng chuyền mừng xuân Đinh Dậu 2017.\n"
        "Trận chung kết sẽ diễn ra lúc 15 giờ ngày 13/1."
    )
    found = [(e.date.isoformat(), e.time) for e in extract_events(text, None)]
    assert found == [("2017-01-13", time(15, 0))]
