"""The page an item came from: which lines are its own body, and when it was written.

Events are read against the item's date.  A feed gives it; an HTML page often does
not, and then the page itself tells: a stamp line near the top ("13:53 26/07/2022"),
an excerpt's notice day, the dateline of a report's lead ("Sáng 7/6, LĐLĐ tỉnh khai
mạc..."), the years it writes, the latest document it cites.  :func:`body_lines`
also stops where a page starts listing other items ("Tin liên quan").
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from feeds.understand.date_grammar import find_expressions
from feeds.vntext import split_sentences

__all__ = [
    "DOC_DATE",
    "body_lines",
    "is_document_header",
    "latest_cited_document",
    "lead_day",
    "written_year",
]

_I = re.IGNORECASE

# "Quyết định số 4074/QĐ-TLĐ ngày 18/01/2022", "ban hành ngày ...": a document's date.
# Real pages space the number as they like: "số 83/ KH-LĐLĐ ngày", "số 128 /QĐ-CĐN ngày".
DOC_DATE = re.compile(
    r"(?:\d+[\w.]*(?:\s?[/-]\s?[A-ZĐ][\wĐđ.]*)+[\-/]?|(?<!\w)(?:ban hành|ký|kí)(?!\w))"
    r"\s*,?\s*(?:ngày\s*)?$",
)


# Headings after which a page lists other items: stop reading there.
_STOP_LINE = re.compile(
    r"^(?:tin mới|tin tức mới nhất|tin cùng chuyên mục|tin liên quan|bài viết liên quan"
    r"|tin khác|các tin khác|tin đã đăng|xem thêm|từ khóa\s*:?.*|tags?\s*:.*)\W*$",
    _I,
)
# "(Trích thông báo số 27/TB-CĐ ngày 11 tháng 8 năm 2017)": the excerpt's notice day.
_EXCERPT_OF = re.compile(
    r"^\W*trích\s+(?:thông báo|kế hoạch|công văn|quyết định|hướng dẫn)(?!\w)[^()]*?ngày\s+"
    r"(?P<d>\d{1,2})(?:\s+tháng\s+|\s*[/.-]\s*)(?P<m>\d{1,2})(?:\s+năm\s+|\s*[/.-]\s*)(?P<y>\d{4})",
    _I,
)
# A publication stamp line ("13:53 26/07/2022", "Hoạt động Công đoàn - 20/05/2022 17:40 ...").
_STAMP = re.compile(
    r"(?:\d{1,2}:\d{2},?\s+(?:\w+,\s*)?(\d{1,2})/(\d{1,2})/(\d{4})"
    r"|(\d{1,2})/(\d{1,2})/(\d{4}),?\s*(?:-\s*)?\d{1,2}:\d{2})(?![/\d])",
)
# A line that only dates the page: "Ngày đăng: 12/05/2026", "Cập nhật ngày 12/5/2026 |
# Lượt xem: 120", "Thứ Ba, 12/05/2026 08:15".  The page's own day, never an event; a bare
# "Thứ Hai, 18/5/2026" may head a day of an agenda and is left alone.
_PUB_LINE = re.compile(
    r"^\W*(?P<label>(?:ngày đăng|đăng ngày|đăng lúc|ngày cập nhật|cập nhật(?: lúc| ngày)?"
    r"|ngày xuất bản|thời gian đăng)\s*:?\s*)?(?:(?:thứ\s+\w+|chủ\s+nhật)\s*,?\s*)?(?:ngày\s*)?"
    r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})"
    r"(?P<clock>\s*[,|-]?\s*\d{1,2}[:h]\d{2}\w*)?"
    r"(?P<views>\s*[|-]?\s*lượt xem\s*:?\s*[\d.]+)?\W*$",
    _I,
)


# A document's place-and-date line ("Nghệ An, ngày 15 tháng 3 năm 2024") or number
# line ("Số: 45/KH-LĐLĐ"): the notice's own date, not a day to act on.
_DOC_HEADER = re.compile(
    r"^\W*(?:[^\W\d][\w.]*(?:\s+[^\W\d][\w.]*){0,4}\s*,\s*ngày\s+\d{1,2}\s+tháng\s+\d{1,2}"
    r"\s+năm\s+\d{4}|số\s*:?\s*\d+[\w/.-]*)\W*$",
    _I,
)


def is_document_header(line: str) -> bool:
    """A short place-and-date or number line of a document ("Hà Nội, ngày 01 tháng 9 năm
    2011", "Số: 45/KH-LĐLĐ"): the document's own date, neither news nor an event."""
    return len(line) < 80 and _DOC_HEADER.match(line) is not None


def _light_normalize(text: str) -> str:
    """What the grammar needs of :func:`feeds.vntext.normalize` (NFC, plain spaces, Đ), cheaply.

    ``split_sentences`` applies the full form to the few lines holding a date.
    """
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = _ODD_CHARS.sub(lambda m: _ODD_MAP.get(m[0], " "), text)
    if "*" in text:  # "(20/10/1930 * 20/10/2025)": an anniversary span typed with a star
        text = _STAR_DASH.sub(r"\1 - \2", text)
    # "ngày 14 /10/ 2013": typed with spaces around the slashes.
    if " /" not in text and "/ " not in text:
        return text
    return _SPACED_SLASH.sub(lambda m: "/".join(g for g in m.groups() if g), text)


_STAR_DASH = re.compile(r"(\d{4})\s*\*\s*(\d{1,2}\s*[/.-])")
_SPACED_SLASH = re.compile(r"\b(\d{1,2})\s*/\s*(\d{1,2})(?:\s*/\s*(\d{4}))?(?!\d)")
_ODD_MAP = {"Ð": "Đ", "ð": "đ", "\u200b": "", "\ufeff": "", "\u00ad": ""}
_ODD_CHARS = re.compile(r"[\u00a0\u2000-\u200b\u202f\u3000\ufeff\u00adÐð]")


def body_lines(text: str, published: date | None) -> tuple[list[str], date | None]:
    """Lines of the item's own body (stop at listing headings and other items' stamps),
    and the date of a stamp line near the top ("13:53 26/07/2022")."""
    lines: list[str] = []
    first_stamp: date | None = None
    for index, raw in enumerate(_light_normalize(text).splitlines()):
        line = raw.strip()
        if not line:
            continue
        if len(line) < 60 and _STOP_LINE.match(line):
            break
        if is_document_header(line):
            continue
        pub = _PUB_LINE.match(line) if len(line) < 80 else None
        if pub is not None and (pub["label"] or pub["clock"] or pub["views"]):
            if index < 8 and first_stamp is None:
                first_stamp = _valid_date(int(pub["y"]), int(pub["m"]), int(pub["d"]))
            continue
        issued = _EXCERPT_OF.match(line) if len(line) < 160 else None
        if issued is not None:
            # "(Trích thông báo số 27/TB-CĐ ngày 11 tháng 8 năm 2017)": the notice's day.
            day = _valid_date(int(issued["y"]), int(issued["m"]), int(issued["d"]))
            first_stamp = first_stamp or (day if published is None else None)
            continue
        stamp = _STAMP.search(line) if len(line) < 120 and ":" in line else None
        if stamp is not None:
            g = [x for x in stamp.groups() if x is not None]
            try:
                day = date(int(g[2]), int(g[1]), int(g[0]))
            except ValueError:
                day = None
            ref = published or first_stamp
            if ref is not None and day is not None and day != ref:
                break  # a sidebar or "related news" item with its own date
            if index < 8:
                first_stamp = first_stamp or day
            if len(line) < 80:
                continue  # the item's own stamp line carries no event
        lines.append(line)
    return lines, first_stamp


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


_CITED_DOC = re.compile(
    r"\d+[\w.]*(?:\s?[/-]\s?[A-ZĐ][\wĐđ.]*)+[\-/]?\s*,?\s*ngày\s*"
    r"(?P<d>\d{1,2})(?:\s+tháng\s+|\s*[/.-]\s*)(?P<m>\d{1,2})(?:\s+năm\s+|\s*[/.-]\s*)(?P<y>\d{4})",
    _I,
)


def latest_cited_document(lines: list[str]) -> date | None:
    """The latest day of a numbered document the item cites, if any."""
    days = [
        _valid_date(int(m["y"]), int(m["m"]), int(m["d"]))
        for line in lines
        for m in _CITED_DOC.finditer(line)
    ]
    return max((d for d in days if d is not None), default=None)


def lead_day(lines: list[str]) -> date | None:
    """The day a report's dateline (title, then body lines) gives ("Sáng 7/6, LĐLĐ tỉnh khai mạc..."), if any.

    A dateline is a day after "Sáng/Chiều/Tối/Trưa/Ngày" in the lead's first
    sentence, outside brackets (anniversary spans), not a range nor after
    "đến"/"từ" ("Đến ngày 01/6/1997..." in a history); notices,
    which open with the days to come, are not read this way.  A year-less
    dateline takes the earliest recent year the item writes ("Tết Sum vầy năm
    2025 ... 10/1/2026" was written in 2025); without any year it dates nothing.
    """
    years = sorted(set(_years_written(lines)))
    recent = [y for y in years if y >= years[-1] - 1] if years else []
    # "Ngày 28/7/1929, Tổng Liên đoàn ... được thành lập" opening a history: a day
    # years before the others the item writes is what it recounts, not its own day.
    oldest_dateline = years[-1] - _HISTORY_YEARS + 1 if years else 0
    for line in lines[1:2]:  # lines[0] is the title
        first = split_sentences(line)[:1]
        if not first:
            continue
        sentence = first[0]
        for m in _DATELINE.finditer(sentence):
            if sentence.count("(", 0, m.start()) > sentence.count(")", 0, m.start()):
                continue  # inside brackets: "(28/7/1929 - 28/7/2024)"
            if DOC_DATE.search(sentence, max(0, m.start() - 60), m.start()) and not (
                _JUST_ISSUED.search(sentence, 0, m.start())
            ):
                # "Thực hiện kế hoạch số 83/KH-LĐLĐ ngày 15/2/2017, ...": an older
                # document's day; "vừa ban hành Kế hoạch số 68/KH-TLĐ, ngày 30/9/2020"
                # does date the news.
                continue
            if _NOT_DATELINE.search(sentence, max(0, m.start() - 6), m.start()):
                return None
            head = sentence[m.start() : m.end() + 50]
            exprs = find_expressions(head)
            if not exprs or exprs[0].last is not None:
                return None
            part = exprs[0].first
            if part.day is None or part.month is None:
                return None
            if len(exprs) > 1 and _AND_DAY.fullmatch(head, exprs[0].end, exprs[1].start):
                # "đã diễn ra vào chiều ngày 16/5/2023 và sáng ngày 17/5/2023": a report
                # of both days, written on the last.
                nxt = exprs[1].first
                if exprs[1].last is None and nxt.day and nxt.month and nxt.year == part.year:
                    part = nxt
            if part.year is not None and part.year < oldest_dateline:
                return None
            # The year the dateline's own sentence writes ("Chiều 8/6, giải chạy ... năm
            # 2022") beats the earliest one the item writes ("... chống dịch năm 2021").
            own = [int(y) for y in _YEAR_WRITTEN.findall(sentence) if int(y) in recent]
            year = part.year or (own[0] if own else recent[0] if recent else None)
            if year is None:
                return None  # no year anywhere: the item could be from any year
            if part.year is None and part.month <= _REVIEW_MONTHS and _reviews_year(lines, year):
                # "Chiều 10/1, ... tổng kết công tác năm 2024": a year is reviewed
                # once it is over, so the meeting is in the next January.
                year += 1
            if part.year is None and part.month >= _TET_PREP_MONTH and _prepares_tet(lines, year):
                # "Chiều 9.12, ... chuẩn bị Chợ Tết công đoàn năm 2023": the Tết of year
                # N is prepared in the last months of N-1.
                year -= 1
            try:
                return date(year, part.month, part.day)
            except ValueError:
                return None
    return None


_REVIEW_MONTHS = 3  # a year's review conference is held by the end of the next March
_REVIEWED_YEAR = re.compile(
    r"(?<!\w)(?:tổng kết|nhìn lại)(?!\w)[^.;\n]{0,60}?(?<!\w)năm\s+((?:19|20)\d\d)(?!\d)", _I
)


_TET_PREP_MONTH = 11  # Tết gifts, markets and programmes are prepared from November
# The lunar New Year, not the other "Tết": Mid-Autumn (Tết Trung thu, in September or
# October), Children's Day, the solar New Year.
_TET_YEAR = re.compile(
    r"(?<!\w)(?:tết(?!\s+(?:trung\s+thu|thiếu\s+nhi|dương\s+lịch|độc\s+lập|đoan\s+ngọ"
    r"|hàn\s+thực|thanh\s+minh|nhà\s+giáo|quốc\s+tế))|xuân)(?!\w)"
    r"[^.;\n]{0,60}?(?<!\d)((?:19|20)\d\d)(?!\d)",
    _I,
)


def _prepares_tet(lines: list[str], year: int) -> bool:
    """Whether the title or lead names the Tết of ``year`` ("Tết sum vầy năm 2023")."""
    return any(int(m[1]) == year for line in lines[:2] for m in _TET_YEAR.finditer(line))


def _reviews_year(lines: list[str], year: int) -> bool:
    """Whether the title or lead reviews ``year`` ("Hội nghị tổng kết công tác Công đoàn năm 2024")."""
    return any(int(m[1]) == year for line in lines[:2] for m in _REVIEWED_YEAR.finditer(line))


_AND_DAY = re.compile(r"\s*(?:,|và)\s*")
_JUST_ISSUED = re.compile(r"(?<!\w)(?:vừa|mới)\s+(?:ban hành|ký|kí|có|gửi)(?!\w)", _I)
_HISTORY_YEARS = 2  # a dated lead this many years before the item's latest year is history
_NOT_DATELINE = re.compile(r"(?<!\w)(?:đến|từ|tới|trước|sau)\s+$", _I)
# "Sáng 7/6, ...", "Ngày 20/12/2025, ...", "(ANTV) - Chiều 18/6, ...": a report's own day.
_DATELINE = re.compile(
    r"(?<!\w)(?:sáng|chiều|tối|trưa|ngày)\s+(?:ngày\s+)?\d{1,2}(?:[/.-]|\s+tháng\s+)\d{1,2}(?![\d])",
    _I,
)


# "15/8/2024", "năm 2025", "mừng xuân Đinh Dậu 2017", "Tết Nguyên đán Ất Tỵ 2025".
_YEAR_WRITTEN = re.compile(
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-]|(?<!\w)năm\s+"
    r"|(?<!\w)(?:xuân|tết(?:\s+nguyên\s+đán)?)\s+(?:[^\W\d]+\s+){0,2})((?:19|20)\d\d)(?!\d)",
    _I,
)


# "(28/8/1945 - 28/8/2015)": an anniversary's span dates the anniversary, not the item.
_SPAN_IN_BRACKETS = re.compile(r"\([^()]*?(?:19|20)\d\d\s*[-–—]\s*[^()]*?(?:19|20)\d\d\s*\)")


def _years_written(lines: list[str]) -> list[int]:
    """Years the item writes in a date or as "năm 2025", outside anniversary spans."""
    return [
        int(y) for line in lines for y in _YEAR_WRITTEN.findall(_SPAN_IN_BRACKETS.sub(" ", line))
    ]


def written_year(lines: list[str]) -> int | None:
    """The latest year an undated item writes in a date or as "năm 2025"."""
    return max(_years_written(lines), default=None)
