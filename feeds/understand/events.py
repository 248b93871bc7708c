"""What an officer must attend or act on: dated events, deadlines, effective dates.

:func:`extract_events` reads an item's clean text sentence by sentence, finds
date expressions (:mod:`feeds.understand.date_grammar`), resolves missing years against
the item's own date, and keeps only days the text presents as scheduled,
upcoming or in progress on or after that date.  Reports of what already
happened ("Sáng 13/4, LĐLĐ tỉnh đã tổ chức..."), anniversary spans
("28/7/1929 – 28/7/2024"), document dates ("4074/QĐ-TLĐ ngày 18/01/2022") and
holiday references ("chào mừng ngày 2/9") are not events.  Which lines are the
item's own body, and the day of a page that gives none, come from
:mod:`feeds.understand.page_date`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import cache, partial
from zoneinfo import ZoneInfo

from feeds.understand.date_grammar import DateExpr, DatePart, find_expressions
from feeds.understand.page_date import (
    DOC_DATE,
    body_lines,
    is_document_header,
    latest_cited_document,
    lead_day,
    written_year,
)
from feeds.vntext import normalize, split_sentences

__all__ = ["Event", "extract_events"]

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_I = re.IGNORECASE
_WHAT_MAX = 120
# A year-less day is put at most this far from the item's date in the
# direction the cues point; beyond it the nearest year wins.
_CUE_REACH = timedelta(days=330)


@dataclass(frozen=True)
class Event:
    """One day to remember; ``time`` only when the text gives a clock time."""

    date: date
    time: time | None
    kind: str  # "event" | "start" | "end" | "deadline" | "effective"
    what: str


# --- cues ---------------------------------------------------------------------

# "sắp xếp" (arrange) is no "sắp" (soon); "Cần Thơ", "Cần Giờ" are places, not "cần" (need).
_FUTURE = re.compile(
    r"(?<!\w)(?:sẽ|dự kiến|dự định|sắp(?!\s+xếp)|tới đây|thời gian tới|(?:tuần|tháng|năm|ngày|đợt|kỳ) tới"
    r"|chuẩn bị|tiến tới|kế hoạch(?!\s*(?:số\b|\d|đề ra|đã))|đề nghị|yêu cầu|đăng ký|kính mời|mời"
    r"|triệu tập|lưu ý|từ nay"
    r"|hạn(?! chế)|chậm nhất|muộn nhất|hiệu lực|bắt đầu|kéo dài|đang|cần(?!\s+(?:thơ|giờ|giuộc|đước)(?!\w))|phải|hãy|nộp"
    r"|gửi về|chương trình dự kiến)(?!\w)",
    _I,
)
_PAST = re.compile(
    r"(?<!\w)(?:đã|hôm qua|trước đó|(?:tuần|tháng|năm|thời gian|ngày|đêm|sáng|chiều|tối|trưa) qua"
    r"|ban hành|phát hành|có văn bản|có công văn"  # "Ngày 26/2, LĐLĐ ban hành...": a document's day
    r"|vừa (?:qua|được|tổ chức|diễn ra|có|ký|trao|ban hành|khai mạc|bế mạc|kết thúc|tiến hành"
    r"|phối hợp|thăm|tặng|chính thức|long trọng)"
    r"|diễn ra thành công|thành công tốt đẹp|khép lại)(?!\w)",
    _I,
)
_DEADLINE = re.compile(
    r"(?<!\w)(?:hạn cuối|hạn chót|thời hạn|hết hạn|gia hạn|hạn nộp|hạn gửi|hạn đăng ký|hạn(?= \d| ngày|:)"
    r"|kết thúc (?:việc )?nhận|chậm nhất|muộn nhất|trước ngày)(?!\w)",
    _I,
)
_DEADLINE_AFTER = re.compile(r"^\W{0,3}(?:là\s+)?(?:hạn cuối|hạn chót|thời hạn cuối)", _I)
_SUBMIT = re.compile(r"(?<!\w)(?:nộp|gửi|nhận|đăng ký|báo cáo|đề xuất|hoàn thành)(?!\w)", _I)
_EFFECTIVE = re.compile(r"(?<!\w)hiệu lực(?: thi hành)?(?!\w)", _I)
_START_WORD = re.compile(r"(?<!\w)(?:kể từ|từ)\s*$", _I)
_END_WORD = re.compile(r"(?<!\w)(?:đến|tới|kết thúc(?: vào)?|kết thúc đến)(?:\s+hết)?\s*$", _I)
_BEFORE_WORD = re.compile(r"(?<!\w)trước\s*$", _I)
# A day that bounds something ("trước", "đến", "từ" ngày ...) is no dateline.
_BOUND_WORD = re.compile(r"(?<!\w)(?:trước|đến|tới|từ|kể từ)\s+(?:ngày\s+)?$", _I)
# "chào mừng ngày 2/9", "kỷ niệm Ngày Phụ nữ Việt Nam 20/10/2023": a holiday, not a plan.
_HOLIDAY_REF = re.compile(
    r"(?<!\w)(?:kỷ niệm|chào mừng|mừng|nhân dịp|dịp|hướng về|hướng tới"
    r"|(?<!công\s)(?<!cá\s)(?<!bệnh\s)nhân(?=\s*$))(?!\w)"
    r"(?![^,;:]*(?:diễn ra|tổ chức|khai mạc|họp|tiến hành))[^,;:]*$",
    _I,
)
_THAT_YEAR = re.compile(r"\s*,?\s*(?:của\s+)?năm\s+(?:ấy|đó|trước|ngoái|xưa)(?!\w)", _I)
# "ngày 3-10, nhằm ngày 12-8 Âm lịch", "(tức 14/1 âm lịch)": the lunar name of a day
# already given; its numbers are no solar date.
_LUNAR_AFTER = re.compile(r"\s*\)?\s*(?:âm lịch|\(?\s*(?:âl|al)\s*\))", _I)
_LUNAR_BEFORE = re.compile(r"(?<!\w)(?:tức|nhằm)\s+(?:ngày\s+)?$", _I)
# "Ngày thành lập Công đoàn TTTT Việt Nam (30/8)", "ngày bầu cử Quốc hội ... (22/5/2016)":
# a named day with its date in brackets is an occasion ("Ngày hội ... (20/5)" is an event).
_NAMED_DAY = re.compile(
    r"(?<!\w)ngày\s+(?!hội(?!\w)|chủ nhật|thứ(?!\w)|mai(?!\w)|nay(?!\w)|kia(?!\w))[^\W\d]"
    r"[^()]{2,90}?\s*\(?\s*$",
    _I,
)
# "Theo thông tin từ cuộc họp Ban Tổ chức sáng 12/7, Hội thao sẽ ...": the day the
# source met or spoke, not the plan it announced.
_ATTRIBUTION = re.compile(
    r"^\W*(?:[A-ZĐ][\w.]*\s*[–-]\s*)?theo\s+(?:thông tin|thông báo|báo cáo|kết luận|ý kiến|tinh thần"
    r"|lời|đồng chí|ông|bà|lãnh đạo)(?!\w)[^;.:\d]*$",  # its first day only
    _I,
)
_RECURRING = re.compile(r"\s*(?:hằng|hàng|mỗi)\s+(?:năm|tháng|tuần|ngày)(?!\w)", _I)
# Days that name a holiday; with a year they still do ("Ngày Phụ nữ Việt Nam 20/10/2023").
_HOLIDAYS = {(3, 2), (8, 3), (26, 3), (30, 4), (1, 5), (19, 5), (1, 6), (27, 7), (28, 7),
             (19, 8), (2, 9), (20, 10), (20, 11), (22, 12)}  # fmt: skip
# "Chương trình “Tết không xa nhà” cho công nhân": a programme named in quotes is
# what a report is about, not an agenda.
_NOTICE_TITLE = re.compile(
    r"^\W*(?:kế hoạch|hướng dẫn|thông báo|quyết định|công văn|triệu tập|giấy mời|thư mời"
    r"|thể lệ|chương trình(?!\s*[\"“‘'])|sắp (?:diễn ra|khai mạc|tổ chức)|về việc|v/v)(?!\w)",
    _I,
)
# "Ngày 25/5, Ban Tổ chức cho biết giải sẽ khai mạc ngày 30/5": the first day is when the
# news was told, not a day to attend; only the day the speaker announces counts.
_TOLD = re.compile(
    r"\s*,?\s*(?:theo\s|[^,;:]{0,60}?(?<!\w)(?:cho biết|cho hay|thông tin|chia sẻ|khẳng định"
    r"|nhấn mạnh|trả lời|trao đổi với)(?!\w))",
    _I,
)
# "Thời gian tổ chức: từ 20/7 - 2/9/2025" heads the schedule of a plan: what follows is
# set, not reported, even on an undated page whose sentence has no tense.
# The heads name an activity ("Thời gian tập luyện từ ngày: 11/07 ..."); a policy's
# period ("Thời gian áp dụng từ ngày 1/1/2021", "Thời gian nghỉ Tết") is not a schedule.
_SCHEDULE_HEAD = re.compile(
    r"^\W*thời gian(?:\s*:|\s+(?:tổ chức|diễn ra|thực hiện|triển khai|nhận bài|nhận hồ sơ"
    r"|đăng ký|tuyên truyền|thi đấu|khai mạc|hướng dẫn|phát|tập luyện|tập huấn|bồi dưỡng"
    r"|học|thi)(?!\w))",
    _I,
)
# A date that another replaces: "thời hạn ... là 31/1/2017 thay cho thời hạn cũ 30/11/2016".
_REPLACED = re.compile(
    r"(?<!\w)(?:thay cho|thay vì|thay thế cho|thay thế)(?:\s+(?:thời hạn|hạn|thời gian|lịch))?"
    r"(?:\s+(?:cũ|trước đây|ban đầu))?(?:\s+(?:là|vào))?\s*(?:ngày\s*)?$",
    _I,
)
# "lùi thời gian tổ chức từ ngày 10/5 sang ngày 20/5": the first day no longer holds.
_MOVED_FROM = re.compile(r"(?<!\w)(?:lùi|dời|hoãn|chuyển|điều chỉnh|thay đổi)(?!\w)", _I)
_MOVED_TO = re.compile(r"\s*(?:\([^)]{0,30}\)\s*)?sang\s+(?:ngày\s+)?\d", _I)

# --- page furniture -------------------------------------------------------------

# A credit line ("Tin, ảnh: Minh Anh - 12/5/2026", "Nguồn: ...") or a photo caption
# ("... trao quà cho công nhân. Ảnh: Văn Hùng", "(Ảnh minh họa)"): what a photo shows
# or when a reporter filed, never a day to act on.
_CREDIT = re.compile(
    r"^\W*(?:(?:tin|bài|ảnh|video|clip)(?:\s*(?:,|và|-|&)\s*(?:ảnh|bài|video|clip))?"
    r"|nguồn|tác giả)\s*:",
    _I,
)
_CAPTION = re.compile(
    r"\(\s*ảnh(?:\s*:|\s+minh\s+họa|\s+tư\s+liệu)[^)]{0,40}\)\W*$"
    r"|(?<!\w)ảnh\s*:\s*[^\W\d][^.!?:]{0,40}\)?\s*\.?\s*$",
    _I,
)
# A clock time given in the sentence after the day ("khai mạc lúc 10h30").
_LONE_TIME = re.compile(
    r"(?<!\w)(?:lúc|hồi)\s+(?P<h>\d{1,2})\s*(?:h|giờ|:)\s*(?P<m>\d{2})?(?:\s*phút)?(?![\w/])"
    r"(?!\s*(?:sáng|trưa|chiều|tối)?\s*(?:ngày|hằng|mỗi))",
    _I,
)
# "Tính đến ngày 30/6", "tính đến hết ngày 31/12", "Tính từ ngày 1/1 đến 15/12": the
# window a figure counts, not a day to act on ("dự tính từ" is a plan).
_CUTOFF = re.compile(
    r"(?<!\w)(?<!dự\s)(?:tính|lũy kế|cập nhật|thống kê|số liệu)\s+(?:đến|tới|từ đầu năm đến|từ)"
    r"(?:\s+hết)?\s*(?:ngày\s*)?$",
    _I,
)
# "Phấn đấu đến ngày 31/12/2026 kết nạp 5.000 đoàn viên", "chỉ tiêu đến hết ngày ...": the
# horizon of a target, like a data cut-off, is no day to attend or act on.
_TARGET = re.compile(
    r"(?<!\w)(?:phấn đấu|chỉ tiêu|mục tiêu)(?:\s+(?:là|của|năm|\d{4}))*\s+(?:đến|tới)"
    r"(?:\s+hết)?\s*(?:ngày\s*)?$",
    _I,
)
# "Ngày 20/5/2026, tròn 50 năm ngày thành lập ...": an anniversary falls on the day; the
# day itself is not a meeting unless the sentence schedules one.
_ANNIVERSARY_AFTER = re.compile(r"\s*,?\s*(?:là\s+)?(?:tròn|đúng)\s+\d+\s+năm(?!\w)", _I)
# Future cues that say the clause itself is a plan (not "kế hoạch" as a noun).
_STRONG_FUTURE = re.compile(
    r"(?<!\w)(?:sẽ|dự kiến|dự định|sắp(?!\s+xếp)|tới đây|kính mời|triệu tập|chuẩn bị)(?!\w)", _I
)
# Without a cue, a year-less day this far ahead of the item's date is more likely
# last year's: news reports what happened; plans say "sẽ", "dự kiến".
_UNCUED_AHEAD = timedelta(days=90)
# Cheap pre-filter: lines without any of these hold no date expression.  Digits
# and the tails of "hôm nay"/"ngày mai" come first so the scan rejects letters fast.
_MAYBE_DATE = re.compile(r"\d\s*[/.\-–]\s*\d|\d\s+(?:tháng|và|đến|tới)\s|(?:nay|mai|kia)(?!\w)")


# --- resolution ---------------------------------------------------------------


def _candidates(part: DatePart, base: date) -> list[date]:
    out = []
    for year in (base.year - 1, base.year, base.year + 1):
        try:
            out.append(date(year, part.month or 0, part.day or 0))
        except ValueError:
            continue
    if part.weekday is not None:
        matching = [d for d in out if d.weekday() == part.weekday]
        out = matching or out
    return out


@dataclass(frozen=True)
class _Reading:
    """How to read one item's dates."""

    base: date  # the item's date (else today): years are inferred from it
    notice: bool  # a Kế hoạch / Thông báo...: its days are to come
    undated: bool = False  # no date given or found: only the text's tense tells
    year: int | None = None  # undated: the year its paragraph or title writes, for year-less days
    from_lead: bool = False  # ``base`` is the day the report's own lead tells


def _resolve(
    part: DatePart,
    base: date,
    cue: Callable[[], int],
    *,
    lean_past: bool = False,
    year_hint: int | None = None,
) -> date | None:
    """The day a part names; a missing year is inferred from ``base`` and cues."""
    if part.day is None:
        return base + timedelta(days=part.rel or 0)
    year = part.year
    if year is None and part.year_offset is not None:
        year = base.year + part.year_offset
    if year is None and part.rel is None:
        year = year_hint
    if year is not None:
        try:
            return date(year, part.month or 0, part.day)
        except ValueError:
            return None  # 31/2
    # "chiều nay 21/9": the day is near the item's date, whatever the cues say.
    direction = 0 if part.rel is not None else cue()
    found = _candidates(part, base)
    if not found:
        return None
    if direction > 0:
        ahead = [d for d in found if base <= d <= base + _CUE_REACH]
        if ahead:
            return min(ahead)
    elif direction < 0:
        behind = [d for d in found if base - _CUE_REACH <= d <= base]
        if behind:
            return max(behind)
    nearest = min(found, key=lambda d: (abs((d - base).days), d < base))
    if lean_past and direction == 0 and nearest - base > _UNCUED_AHEAD:
        # "Ngày 19/5, LĐLĐ tỉnh tổ chức..." in a January round-up: last May.
        behind = [d for d in found if base - _CUE_REACH <= d < base]
        if behind:
            return max(behind)
    # Ties go forward: a notice names days to come more often than past ones.
    return nearest


_COMMA_PENALTY = 40


def _nearest_cue(clause: str, lo: int, hi: int, default: int = 0) -> int:
    """+1 future, -1 past, ``default`` none: the cue nearest to ``clause[lo:hi]`` decides."""
    best, best_dist = default, 10**9
    for pattern, sign in ((_FUTURE, 1), (_PAST, -1)):
        for m in pattern.finditer(clause):
            if lo <= m.start() < hi:
                continue  # inside the date expression itself
            dist = lo - m.end() if m.end() <= lo else m.start() - hi
            between = clause[m.end() : lo] if m.end() <= lo else clause[hi : m.start()]
            if "," in between:
                # "đã tổ chức 2 đêm hội (ngày 2 và 3-10), mỗi đêm mời 300 cháu": the verb of
                # the date's own phrase tells its tense, not one past the comma.
                dist += _COMMA_PENALTY
            if dist < best_dist or (dist == best_dist and sign < 0):
                best, best_dist = sign, dist
    return best


# --- "what" -----------------------------------------------------------------------

_LEAD = re.compile(
    r"^(?:\s*(?:[-–•+*>]+|\([^)]{2,30}\)\s*[-–]|(?-i:[A-ZĐ][A-ZĐ0-9.]{1,12})\s*[-–],?|(?:theo đó|dự kiến|cụ thể|đồng thời|ngoài ra"
    r"|trước đó|bên cạnh đó|tiếp đó|sau đó|như vậy|được biết|theo kế hoạch|theo thông báo|lưu ý"
    r"|thời gian|thời gian tổ chức|thời gian diễn ra|tại đây|vào|lúc|từ|trong|đến|tới|ngày"
    r"|sáng|trưa|chiều|tối|đêm|nay|mai|hôm nay"
    r"|(?:\d{1,2}|hai|ba|bốn|năm|sáu|bảy)\s+(?:ngày|buổi))(?!\w)\s*[,:]?)\s*)+",
    _I,
)
# Lower case only: "Ban Tổ chức" is a name, "sẽ tổ chức" a dangling verb.
_TRAIL = re.compile(
    r"(?:\s+|^)(?:vào(?: lúc)?|lúc|hồi|ngày|từ|đến|tới|trong|là|hết|trước|sau|kể từ|kể|sẽ|được"
    r"|diễn ra|tổ chức|dự kiến|chậm nhất|muộn nhất|trong(?: \d{1,2})?|các ngày|cùng|và|nay|mai"
    r"|sáng|trưa|chiều|tối|đêm|[tT]hứ \w+|[cC]hủ nhật)\s*$",
)
# A preposition left behind when the date after it is cut out.
_PREP_BEFORE = re.compile(
    r"(?<!\w)(?:kể từ|bắt đầu từ|từ|đến hết|đến|tới|vào(?: lúc)?|lúc|hết|trước"
    # "Trong 2 ngày 22 và 23-8, ...": the count belongs to the days removed.
    r"|trong(?:\s+(?:\d{1,2}|hai|ba|bốn|năm|sáu|bảy)(?=\s*$))?)\s*$",
    _I,
)
# A side clause that only lengthens the description.
_SIDE_CLAUSE = re.compile(
    r"[,;]\s*(?:đồng thời|nhằm|để|trong đó|qua đó|góp phần|theo đó)(?!\w).*$", _I
)
_GENERIC = re.compile(
    r"^(?:thời gian|địa điểm|thời hạn|ngày|lịch|hạn)?$"
    # "15h00 đến 18h00": only the hours are left
    r"|^(?:(?:từ|đến|tới)?\s*\d{1,2}\s*(?:h|giờ|:)\s*(?:\d{2})?(?:\s*phút)?\s*[-–,]?\s*)+$",
    _I,
)


_WEEKDAY_PAREN = re.compile(r"\(\s*(?:thứ\s+\w+|chủ\s+nhật)\s*\)", _I)


def _cut(text: str, limit: int = _WHAT_MAX) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–(")


def _what(clause: str, exprs: list[DateExpr], fallback: Callable[[], str]) -> str:
    """The clause minus its date text and connective words, ≤ 120 chars."""
    pieces, pos = [], 0
    for expr in exprs:
        pieces.append(_PREP_BEFORE.sub("", clause[pos : expr.start]))
        pieces.append(" ")
        pos = expr.end
    pieces.append(clause[pos:])
    text = "".join(pieces)
    text = re.sub(r"\(\s*[,;]?\s*\)", " ", text)  # "()" left by "(20/5)"
    text = _WEEKDAY_PAREN.sub(" ", text)  # "(thứ Tư)" after a removed date
    text = re.sub(r"^[\s,;:.)\-–]+", "", text)
    text = re.sub(r"\s+([,;:.)])", r"\1", " ".join(text.split()))
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    # "Thời gian gửi báo cáo: Các đơn vị gửi ...": the part after a short label says more.
    label, colon, rest = text.partition(":")
    if colon and len(label.split()) <= 6 and len(rest.split()) >= 3:
        text = rest
    text = _SIDE_CLAUSE.sub("", text) if len(text.split()) > 8 else text
    for _ in range(4):
        before = text
        text = _LEAD.sub("", text).strip(" ,;:.-–")
        text = _TRAIL.sub("", text).strip(" ,;:.-–(")
        if text == before:
            break
    if text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].rstrip(" ,;:.-–")  # "Mùng 4 Tết)": its "(" went with the date
    if len(text.split()) < 2 or _GENERIC.match(text):
        text = fallback()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return _cut(text)


# --- main ------------------------------------------------------------------------


def _today() -> date:
    return datetime.now(VN_TZ).date()


def _furniture(sentence: str) -> bool:
    """A credit or a document's "Hà Nội, ngày 01 tháng 9 năm 2011" sentence."""
    return bool(_CREDIT.match(sentence)) or is_document_header(sentence)


def _clauses(sentence: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for part in re.split(r"(;)", sentence):
        if part != ";":
            out.append((pos, part))
        pos += len(part)
    return out


def _kind_single(clause: str, expr: DateExpr, prev_end: int) -> str:
    head = clause[prev_end : expr.start]
    after = clause[expr.end : expr.end + 80]
    if _EFFECTIVE.search(head) or _EFFECTIVE.search(after):
        return "effective"
    if (
        _DEADLINE.search(head)
        or _BEFORE_WORD.search(head)
        or _DEADLINE_AFTER.search(after)
        or (_END_WORD.search(head) and "hết" in head[-12:] and _SUBMIT.search(clause))
    ):
        return "deadline"
    # "từ ngày 1/7" starts something; "từ 8h ngày 20/5" is when a meeting opens.
    if _START_WORD.search(head) and not re.match(r"\d{1,2}\s*(?:h|giờ|:)", clause[expr.start :]):
        return "start"
    if _END_WORD.search(head):
        return "end"
    return "event"


def _skip(clause: str, expr: DateExpr) -> bool:
    """Document dates, holiday references and anniversary spans."""
    head = clause[max(0, expr.start - 60) : expr.start]
    if DOC_DATE.search(head) or _CUTOFF.search(head) or _REPLACED.search(head):
        return True
    if _TARGET.search(head) or _ANNIVERSARY_AFTER.match(clause, expr.end):
        return True
    if _MOVED_TO.match(clause, expr.end) and _MOVED_FROM.search(head):
        return True  # postponed: only the new day counts
    if expr.last is None and _told(clause, expr.end) and not _BOUND_WORD.search(head):
        return True  # the day the news was told (not "trước ngày 31/12, khẳng định ...")
    first, last = expr.first, expr.last
    if last is not None and first.year and last.year:
        if (first.day, first.month) == (last.day, last.month) and first.year != last.year:
            return True  # (28/7/1929 – 28/7/2024)
        if last.year - first.year >= 3:
            return True
    if _LUNAR_AFTER.match(clause, expr.end) or _LUNAR_BEFORE.search(head):
        return True
    bracketed = clause.startswith("(", expr.start) or head.rstrip().endswith("(")
    if (
        bracketed
        and expr.last is None
        and _NAMED_DAY.search(clause, max(0, expr.start - 100), expr.start)
    ):
        return True  # "Ngày Truyền thống Ngành TTTT (28/8)": the day an occasion falls on
    if expr.last is None and _ATTRIBUTION.match(clause, 0, expr.start):
        return True
    if _RECURRING.match(clause, expr.end):
        return True  # "ngày 28/7 hằng năm": a yearly day, not a date in this year
    if _THAT_YEAR.match(clause, expr.end):
        return True  # "ngày 20/5 năm ấy", "ngày 3/2 năm trước": another year's day
    if first.day is None or not _HOLIDAY_REF.search(head[-60:]):
        return False
    no_year = first.year is None and (last is None or last.year is None)
    return no_year or (last is None and (first.day, first.month) in _HOLIDAYS)


def _told(clause: str, end: int) -> bool:
    """ "Ngày 25/5, LĐLĐ tỉnh cho biết ...": the day names when a source spoke.

    "Sáng 25/5, đồng chí Chủ tịch sẽ trao đổi với công nhân" is a plan: a strong
    future cue before the verb keeps the day.
    """
    m = _TOLD.match(clause, end)
    return m is not None and _STRONG_FUTURE.search(m.group()) is None


def _listed_plan(sentence: str) -> bool:
    """ "X sẽ tổ chức 2 đêm hội, gồm: A (18h30 ngày 2-10); B (18h30 ngày 3-10)": the plan's
    cue before the colon governs every item of the list after it."""
    head, colon, tail = sentence.partition(":")
    return bool(colon) and ";" in tail and ";" not in head and bool(_STRONG_FUTURE.search(head))


def _events_in_clause(
    clause: str, reading: _Reading, fallback: Callable[[], str], planned: bool = False
) -> list[tuple[Event, bool]]:
    """Events of one clause, each flagged True when it comes from a single day.

    ``planned``: the clause is an item of a list a future cue announced (no cue of its own
    needed).
    """
    exprs = find_expressions(clause)
    if not exprs:
        return []
    found: list[tuple[Event, bool]] = []
    prev_end = 0
    schedule = _SCHEDULE_HEAD.match(clause) is not None
    for expr in exprs:
        if _skip(clause, expr) or not _placeable(expr, reading):
            prev_end = expr.end
            continue
        # Cues are read only when a year is missing or the day is the item's own.
        cue = cache(partial(_nearest_cue, clause, expr.start, expr.end, 1 if planned else 0))
        plan = partial(_plan_near, clause, expr.start, expr.end, schedule or planned)
        if expr.last is None:
            lean = not reading.notice
            day = _resolve(expr.first, reading.base, cue, lean_past=lean, year_hint=reading.year)
            kind = _kind_single(clause, expr, prev_end)
            timed = expr.first.clock is not None
            if day is not None and _keep(day, reading, cue, plan, kind, timed):
                found.append((Event(day, expr.first.clock, kind, ""), True))
        else:
            spans = _range_events(clause, expr, reading, cue, plan, prev_end)
            found.extend((ev, False) for ev in spans)
        prev_end = expr.end
    if not found:
        return []
    what = _what(clause, exprs, fallback)  # only for kept events: it is the costly part
    return [(replace(ev, what=what), single) for ev, single in found]


def _placeable(expr: DateExpr, reading: _Reading) -> bool:
    """Whether the day can be put in a year at all.

    An item with no date of its own, no stamp, no dateline and no year anywhere in
    its text ("ngày 22-1 (27 Tết), Quỹ sẽ tổ chức...") may be years old: guessing the
    current year would put last decade's plans in today's calendar.
    """
    parts = [part for part in (expr.first, expr.last) if part is not None]
    if reading.undated and any(part.rel is not None for part in parts):
        return False  # "hôm nay" on a page of no known day: no day at all
    if not reading.undated or reading.year is not None:
        return True
    return any(part.year is not None for part in parts)


def _range_events(
    clause: str,
    expr: DateExpr,
    reading: _Reading,
    cue: Callable[[], int],
    plan: Callable[[], bool],
    prev_end: int,
) -> list[Event]:
    base = reading.base
    last = expr.last
    assert last is not None
    end = _resolve(last, base, cue, lean_past=not reading.notice, year_hint=reading.year)
    if end is None:
        return []
    first = expr.first
    if first.year is None and last.year is None:
        year = (
            end.year - 1
            if ((first.month or 0), first.day or 0) > (end.month, end.day)
            else end.year
        )
        first = DatePart(first.day, first.month, year, first.clock, first.weekday)
    start = _resolve(first, base, cue)
    if start is None or start > end:
        return []
    head = clause[prev_end : expr.start]
    end_kind = "deadline" if _DEADLINE.search(head) else "end"
    # "trong 2 ngày từ 7-8/2" on the 8th: the span is in progress, its last day to come
    # (not when that day is only the one the report's own lead tells: it reports the span).
    in_progress = (
        not reading.undated and not reading.from_lead and start < base == end and cue() >= 0
    )
    if not in_progress and not _keep(end, reading, cue, plan, end_kind, last.clock is not None):
        return []
    out = []
    if start >= base or reading.undated:
        out.append(Event(start, first.clock, "start", ""))
    out.append(Event(end, last.clock, end_kind, ""))
    return out


def _keep(
    day: date,
    reading: _Reading,
    cue: Callable[[], int],
    plan: Callable[[], bool],
    kind: str,
    clock: bool = False,
) -> bool:
    """Scheduled or upcoming as of the item's date, not a report of the past."""
    if day < _WEB_ERA:
        return False  # "triệu tập Đại hội ... vào ngày 28/7/1929": history, on any page
    if reading.undated:
        # Without the item's date, only the text's own tense says it is to come; a
        # past cue next to the day ("Ngày 19/11/2019 LĐLĐ đã ban hành Công văn",
        # "Luật ... có hiệu lực từ ngày 01/01/2013 đã ...") is a report, notice or not.
        direction = cue()
        if kind == "effective" and direction >= 0:
            # "Nghị định 05 có hiệu lực từ ngày 01/3/2015 và thay thế ...": a law's day
            # told after the fact, unless the page says it is to come ("sẽ có hiệu lực").
            return reading.notice or plan()
        return direction > 0 or (
            direction == 0 and (reading.notice or kind == "deadline" or plan())
        )
    base = reading.base
    if day < base:
        return False
    if day > base:
        return True
    # The item's own day: news reports the day's meetings ("Ngày 8/8, Công đoàn X
    # phát động...") without a tense; keep it only when the clause says it is planned.
    direction = cue()
    if direction < 0:
        return False
    if kind in ("deadline", "effective"):
        return True
    if reading.notice:
        # "Thời gian: 14h00 ngày 20/5" in an invitation; a bare "Chiều 3/7, ... công bố"
        # under a "Quyết định thành lập..." headline is still a report.
        return direction > 0 or clock
    return direction > 0 and plan()


def _plan_near(clause: str, lo: int, hi: int, schedule: bool = False) -> bool:
    """A strong future cue ("sẽ", "dự kiến") near ``clause[lo:hi]``, or a schedule heading."""
    return schedule or _STRONG_FUTURE.search(clause, max(0, lo - 60), hi + 60) is not None


# No union web page schedules anything before this; older days are history.
_WEB_ERA = date(2000, 1, 1)

_KIND_ORDER = {"deadline": 0, "effective": 1, "start": 2, "event": 3, "end": 4}


def _dedupe(events: list[Event]) -> list[Event]:
    seen: dict[tuple[date, time | None, str], Event] = {}
    for ev in events:
        seen.setdefault((ev.date, ev.time, ev.kind), ev)
    timed = {(d, k) for d, t, k in seen if t is not None}
    kept = [ev for (d, t, k), ev in seen.items() if t is not None or (d, k) not in timed]
    return sorted(kept, key=lambda e: (e.date, e.time or time.min, _KIND_ORDER[e.kind]))


def extract_events(text: str, published: date | None, *, title: str = "") -> list[Event]:
    """Days the item asks officers to attend or act on, sorted by date and time.

    ``published`` is the item's date (today in Asia/Ho_Chi_Minh when None):
    missing years are inferred from it, and nothing before it is returned.
    The title marks notices (Kế hoạch, Thông báo, Giấy mời...) as forward-looking
    and supplies the description when a sentence gives none ("Thời gian: 8h00,
    ngày 20/5/2026").
    """
    lines, stamp = body_lines(text, published)
    # Without a given date, the item's own stamp line beats the clock, and the
    # news day its lead writes ("Sáng 7/6/2025, LĐLĐ tỉnh khai mạc...") beats both.
    title = normalize(title).strip()
    notice = bool(_NOTICE_TITLE.match(title))
    from_lead = False
    if published is None and stamp is None and not notice:
        stamp = lead_day([title, *lines])
        from_lead = stamp is not None
    base = published or stamp or _today()
    undated = published is None and stamp is None
    reading = _Reading(base, notice, undated, from_lead=from_lead)
    fallback_title = _cut(title)
    events: list[Event] = []
    if title:
        lines.insert(0, title)
    previous = ""
    pending: tuple[int, int] | None = None  # (index of a timeless event, lines since)
    for line in lines:
        if not _MAYBE_DATE.search(line):
            previous = line
            pending = _attach_time(events, pending, line)
            continue
        if _CAPTION.search(line):
            previous, pending = line, None  # a photo's caption: what it shows is done
            continue
        # An undated page's year-less day takes a year its own paragraph or the title
        # writes, not one from another paragraph's story.
        local = replace(reading, year=written_year([title, line])) if undated else reading
        for sentence in split_sentences(line):
            if not _MAYBE_DATE.search(sentence):
                pending = _attach_time(events, pending, sentence)
            elif _furniture(sentence):
                pending = None
            else:
                # "Thời gian: 8h00, ngày 20/5" describes the notice, or the line above it.
                def fallback(prev: str = previous) -> str:
                    return fallback_title if notice or not prev else _clean_previous(prev)

                found: list[tuple[Event, bool]] = []
                listed = _listed_plan(sentence)
                for k, (_, clause) in enumerate(_clauses(sentence)):
                    found.extend(_events_in_clause(clause, local, fallback, listed and k > 0))
                events.extend(_pair_ends(found))
                single = [e for e, one in found if one and e.kind in ("event", "start")]
                timeless = len(found) == 1 and single and single[0].time is None
                pending = (len(events) - 1, -1) if timeless else None
            previous = sentence
    if undated:
        # The page cites "Công văn số 1623/TLĐ ngày 10/8/2018": it was written after that.
        floor = latest_cited_document(lines)
        events = [ev for ev in events if floor is None or ev.date >= floor]
    return _dedupe(events)


def _attach_time(
    events: list[Event], pending: tuple[int, int] | None, text: str
) -> tuple[int, int] | None:
    """ "... vào ngày 25/7. Điểm cầu chính ... khai mạc lúc 10h30.": the time of that day.

    Only for the one timeless event of the sentence just before (or the next line).
    """
    if pending is None:
        return None
    index, since = pending
    since += 1
    if since > 1:
        return None
    m = _LONE_TIME.search(text)
    if m is None:
        return (index, since)
    found = (
        time(int(m["h"]), int(m["m"] or 0)) if int(m["h"]) < 24 and int(m["m"] or 0) < 60 else None
    )
    if found is not None:
        events[index] = replace(events[index], time=found)
    return None


def _pair_ends(found: list[tuple[Event, bool]]) -> list[Event]:
    """ "Khai mạc lúc 7h30 ngày 6/6; thi đấu đến hết ngày 14/6": the opening starts a span."""
    out = [ev for ev, _ in found]
    for i, (ev, single) in enumerate(found):
        if not single or ev.kind != "end":
            continue
        for j in range(i - 1, -1, -1):
            if not found[j][1]:
                break  # a range in between: its own start and end
            if out[j].kind == "event" and out[j].date < ev.date:
                out[j] = replace(out[j], kind="start")
                break
    return out


def _clean_previous(sentence: str) -> str:
    text = _LEAD.sub("", sentence).strip(" ,;:.-–")
    return _cut(text[:1].upper() + text[1:]) if text else ""
