"""Vietnamese date expressions in running text, as written, before resolution.

A small regex grammar: dateparser 1.5.0 (``languages=['vi']``) parsed 6 of 20
sample expressions right, returned None for any with a leading word ("Sáng ngày
13/4") and read "8 giờ 30 phút ngày 15/8/2022" as "8 h 30 min ago"::

    [sáng|trưa|chiều|tối|đêm [nay|mai]] [lúc HHhMM | HH giờ MM (phút) | HH:MM]
    [thứ Sáu,] [ngày|mùng] d/m[/yyyy]            separators / . -
    ngày d tháng m [năm yyyy]
    [từ] A (- | – | đến | tới | và) B           ranges, "18-19/6/2026", "từ 1 – 8/3"
    hôm nay, ngày mai, sáng mai, chiều nay, tối nay, ngày kia

:func:`find_expressions` returns what the sentence says (day, month, maybe a
year, a clock time, a weekday); years are resolved later against the item's
date by :mod:`feeds.understand.events`.  Guards keep document numbers ("4074/QĐ-TLĐ",
"02/NQ-TW"), quantities ("1.000"), fractions ("2/3 số đại biểu"), month-only
dates ("tháng 6-2026"), phone and version numbers out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import time
from itertools import pairwise

__all__ = ["DateExpr", "DatePart", "find_expressions"]

_I = re.IGNORECASE

# Clock time: "14h", "14h30", "14 giờ", "8 giờ 30 phút", "13:30", "14g30".
_TIME = (
    r"(?<![\w/.,:])(?P<{p}h>\d{{1,2}})\s*"
    r"(?:(?:h|giờ)(?:\s*(?P<{p}m>\d{{1,2}}))?|[:g](?P<{p}m2>\d{{2}}))"
    r"(?:\s*(?:phút|'))?(?![\w:/])"
)
_POD = r"(?:sáng|trưa|chiều|tối|đêm)"
_WEEKDAY = r"(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|bẩy|[2-7])|chủ\s+nhật)"

# Everything that may stand before the day: part of day, time, weekday, "ngày".
# Searched with "$" on a window ending at the day, so the longest suffix wins.
_PREFIX = re.compile(
    rf"(?<!\w)(?P<pod>{_POD})?(?:\s+(?P<rel>nay|mai))?\s*"
    rf"(?:(?:vào\s+)?(?:(?:lúc|hồi)\s+)?(?:từ\s+(?={_TIME.format(p='x')}\s*(?:-|–|đến|tới)))?"
    rf"{_TIME.format(p='t')}(?:\s*(?:-|–|đến|tới)\s*{_TIME.format(p='u')})?"
    rf"\s*(?P<pod2>{_POD})?\s*[,(]?\s*)?"
    rf"(?:(?P<wd>{_WEEKDAY})\s*[,(]?\s*)?"
    r"(?P<word>(?:ngày|mùng|mồng|hôm)\s+)?\(?\s*$",
    _I,
)
_SUFFIX_TIME = re.compile(
    r"\s*\)?\s*[,(]?\s*(?:vào\s+)?(?:(?:lúc|hồi|từ)\s+)?" + _TIME.format(p="t"), _I
)

# d/m[/yyyy] with one separator kind; d.m and d-m need a date word before.
_NUMERIC = re.compile(
    r"(?=\d)(?<![\w/.,])(?P<d>\d{1,2})(?P<sep>[/.\-])(?P<m>\d{1,2})"
    r"(?:(?P=sep)(?P<y>\d{4})|\s+năm\s+(?:(?P<y2>\d{4})|(?P<yw>nay|tới|sau)))?"
    r"(?![\w/%]|[.,]\d)",
    _I,
)
_WORDY = re.compile(
    r"(?=\d)(?<![\w/.,])(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})"
    r"(?:\s*(?:năm\s+|,\s*)(?P<y>\d{4}))?(?![\w/]|[.,]\d)",
    _I,
)
_RELATIVE = re.compile(
    rf"(?<!\w)(?:(?P<pod>{_POD})\s+(?P<w>nay|mai)|hôm\s+(?P<w2>nay)|ngày\s+(?P<w3>mai|kia))(?!\w)",
    _I,
)
_REL_DAYS = {"nay": 0, "mai": 1, "kia": 2}
_WEEKDAY_NUM = {"hai": 0, "ba": 1, "tư": 2, "năm": 3, "sáu": 4, "bảy": 5, "bẩy": 5}

# Day-only left end of a range: "18-19/6", "từ 1 – 8/3", "ngày 18 và 19/6".
_DAY_ONLY = re.compile(r"(?<![\w/.,])(\d{1,2})\s*(?:-|–|—|đến|tới|và)\s*(?:ngày\s+)?$", _I)
# Listed days before the last one: "các ngày 18, 19/6", "ngày 10, 11 và 12/6".
_DAY_LIST = re.compile(
    r"(?<![\w/.,])(\d{1,2})((?:\s*,\s*\d{1,2}){0,5})\s*(?:,|và)\s*(?:ngày\s+)?$", _I
)
# What may stand between the two ends of a range.
_CONNECTOR = re.compile(
    # "_" stands for a dash in some sites' anniversary spans ("28-7-1929 _ 28-7-2019").
    r"\s*\)?\s*(?:-|–|—|_|đến|tới)\s*(?:hết\s+)?"
    rf"(?:(?:{_POD}|ngày|{_WEEKDAY})[\s,(]*)*\(?\s*$",
    _I,
)
# Words before a bare "13/4" that make it a date rather than a fraction; "Trong 2 ngày,
# 24-25/1" counts the days it then names.
_CONTEXT_BEFORE = re.compile(
    r"(?:\b(?:từ|đến|tới|trước|sau|hết|vào|trong|lúc|nay|mai|hạn|là|ngày|hôm|sáng|trưa"
    r"|chiều|tối|đêm)|:|\d\s+ngày\s*,)\s*$",
    _I,
)
# A list continuing an accepted date: "ngày 5/6, 12/6 và 19/6".
_CHAIN = re.compile(r"\s*\)?\s*(?:,|và|;|hoặc)\s*(?:ngày\s+)?$", _I)
_YEAR_WORDS = {"nay": 0, "tới": 1, "sau": 1}
_MIN_YEAR, _MAX_YEAR = 1800, 2100  # 1/5/1886 opens anniversary spans


@dataclass(frozen=True)
class DatePart:
    """One day as the text writes it; ``rel`` set for "hôm nay", "ngày mai"...

    ``year_offset`` is set for "năm nay" (0) / "năm tới" (1).
    """

    day: int | None
    month: int | None
    year: int | None
    clock: time | None = None
    weekday: int | None = None  # Monday = 0
    rel: int | None = None
    year_offset: int | None = None
    has_context: bool = False  # a date word, time, weekday or part of day stands before it


@dataclass(frozen=True)
class DateExpr:
    """A single day or a range, with its span in the sentence (prefix included)."""

    first: DatePart
    last: DatePart | None
    start: int
    end: int

    @property
    def is_range(self) -> bool:
        return self.last is not None


@dataclass
class _Atom:
    part: DatePart
    start: int  # prefix start
    core: int  # where the digits start
    end: int
    sep: str  # "/" "." "-" "w" (wordy) "r" (relative)


def _clock(hour: str | None, minute: str | None) -> time | None:
    if hour is None:
        return None
    h, m = int(hour), int(minute or 0)
    return time(h, m) if h <= 23 and m <= 59 else None


def _prefix(text: str, core: int) -> tuple[int, time | None, int | None, int | None, bool]:
    """(start, clock, weekday, relative days, has_context) of what precedes ``core``."""
    lo = max(0, core - 50)
    m = _PREFIX.search(text, lo, core)
    if m is None or m.start() == core:
        return core, None, None, None, False
    clock = _clock(m["th"], m["tm"] or m["tm2"])
    weekday = None
    if m["wd"]:
        word = m["wd"].casefold().split()[-1]
        weekday = (
            6 if word == "nhật" else _WEEKDAY_NUM.get(word, int(word) - 2 if word.isdigit() else 0)
        )
    rel = _REL_DAYS[m["rel"].casefold()] if m["rel"] and m["pod"] else None
    context = bool(m["pod"] or m["pod2"] or m["th"] or m["wd"] or m["word"])
    return m.start(), clock, weekday, rel, context


def _suffix_clock(text: str, end: int) -> tuple[time | None, int]:
    m = _SUFFIX_TIME.match(text, end)
    if m is None:
        return None, end
    # "ngày 20/5/2026 (14h00)" -> swallow the closing parenthesis too.
    close = re.match(r"\s*\)", text[m.end() :])
    return _clock(m["th"], m["tm"] or m["tm2"]), m.end() + (close.end() if close else 0)


def _year(raw: str | None) -> int | None:
    return int(raw) if raw else None


def _atoms(text: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    for m in _NUMERIC.finditer(text):
        year = _year(m["y"] or m["y2"])
        if year is not None and not _MIN_YEAR <= year <= _MAX_YEAR:
            continue
        part = DatePart(
            int(m["d"]),
            int(m["m"]),
            year,
            year_offset=_YEAR_WORDS[m["yw"].casefold()] if m["yw"] else None,
        )
        atoms.append(_Atom(part, m.start(), m.start(), m.end(), m["sep"]))
    for m in _WORDY.finditer(text):
        year = _year(m["y"])
        if year is not None and not _MIN_YEAR <= year <= _MAX_YEAR:
            continue
        atoms.append(
            _Atom(DatePart(int(m["d"]), int(m["m"]), year), m.start(), m.start(), m.end(), "w")
        )
    for m in _RELATIVE.finditer(text):
        word = (m["w"] or m["w2"] or m["w3"]).casefold()
        part = DatePart(None, None, None, rel=_REL_DAYS[word], has_context=True)
        atoms.append(_Atom(part, m.start(), m.start(), m.end(), "r"))
    atoms.sort(key=lambda a: a.core)
    return _complete(text, atoms)


def _complete(text: str, atoms: list[_Atom]) -> list[_Atom]:
    """Attach prefixes and trailing times; fold "chiều nay 21/9" into one atom."""
    out: list[_Atom] = []
    for atom in atoms:
        if atom.sep == "r":
            nxt = next((a for a in atoms if a.core >= atom.end and a.sep != "r"), None)
            if nxt is not None and re.fullmatch(
                r"\s*[,(]?\s*(?:ngày\s+)?", text[atom.end : nxt.core]
            ):
                continue  # the explicit date that follows carries the day
            clock, end = _suffix_clock(text, atom.end)
            start, pclock, _, _, _ = _prefix(text, atom.core)
            atom.part = replace(atom.part, clock=clock or pclock)
            atom.start, atom.end = start, end
            out.append(atom)
            continue
        if out and atom.core < out[-1].end:
            continue  # overlaps a longer expression already taken
        start, clock, weekday, rel, context = _prefix(text, atom.core)
        suffix_clock, end = _suffix_clock(text, atom.end)
        if not context and _CONTEXT_BEFORE.search(text, max(0, start - 12), start):
            context = True
        # "(20/5)" is a date, "(2/3 số phiếu)" a fraction: require the closing bracket.
        if (
            not context
            and "(" in text[start - 1 : atom.core]
            and text[atom.end : atom.end + 1] == ")"
        ):
            context = True
        atom.part = replace(
            atom.part,
            clock=clock or suffix_clock,
            weekday=weekday,
            rel=rel,
            has_context=context or (atom.sep == "w" and atom.part.year is not None),
        )
        atom.start, atom.end = start, end
        out.append(atom)
    return out


def _valid(part: DatePart) -> bool:
    if part.rel is not None and part.day is None:
        return True
    if part.day is None or part.month is None:
        return False
    return 1 <= part.day <= 31 and 1 <= part.month <= 12


def _acceptable(text: str, atom: _Atom, sentence_start: bool) -> bool:
    """A lone day/month without year needs a date word: "2/3 số đại biểu" is a fraction."""
    part = atom.part
    if part.rel is not None and part.day is None:
        return True
    if re.search(
        r"(?:tháng|số|quý|lần thứ|khoản|điều|mục)\s*$",
        text[max(0, atom.start - 10) : atom.start],
        _I,
    ):
        return False  # "tháng 5/6", "số 12/5": not a day
    if part.year is not None or part.year_offset is not None:
        return atom.sep in "/.-w"
    if part.has_context:
        return True
    # "13/4: Hội nghị ..." at the start of a schedule line.
    return (
        atom.sep == "/"
        and sentence_start
        and re.match(r"\s*[:)\-–]", text[atom.end : atom.end + 3]) is not None
    )


def find_expressions(text: str) -> list[DateExpr]:
    """Date expressions in one sentence, left to right, ranges paired."""
    atoms = [a for a in _atoms(text) if _valid(a.part)]
    exprs: list[DateExpr] = []
    i = 0
    while i < len(atoms):
        a = atoms[i]
        b = atoms[i + 1] if i + 1 < len(atoms) else None
        first_in_sentence = not text[: a.start].strip(" -–•+*\t")
        if (
            b is not None
            and a.sep != "r"
            and b.sep != "r"
            and _CONNECTOR.match(text[a.end : b.start]) is not None
        ):
            pair = _pair(text, a, b)
            if pair is not None:
                exprs.append(pair)
                i += 2
                continue
        listed = _listed_days(text, a, exprs) if a.sep not in "rw" else None
        if listed:
            exprs.extend(listed)
            i += 1
            continue
        # Day-only left end: "18-19/6/2026", "từ 1 – 8/3".
        left = _DAY_ONLY.search(text, max(0, a.core - 16), a.start) if a.sep != "r" else None
        if left is not None and a.part.day is not None and int(left[1]) < a.part.day:
            start, clock, weekday, _, context = _prefix(text, left.start(1))
            context = context or bool(_CONTEXT_BEFORE.search(text, max(0, start - 12), start))
            if context or a.part.year is not None:
                first = DatePart(
                    int(left[1]), a.part.month, a.part.year, clock, weekday, has_context=True
                )
                last = replace(a.part, has_context=True)
                exprs.append(DateExpr(first, last, start, a.end))
                i += 1
                continue
        chained = bool(
            exprs and a.start >= exprs[-1].end and _CHAIN.match(text, exprs[-1].end, a.start)
        )
        if chained and a.sep != "r":
            a.part = replace(a.part, has_context=True)
        if _acceptable(text, a, first_in_sentence):
            exprs.append(DateExpr(a.part, None, a.start, a.end))
        i += 1
    return exprs


def _listed_days(text: str, a: _Atom, exprs: list[DateExpr]) -> list[DateExpr] | None:
    """ "các ngày 18, 19/6" -> a range; "ngày 5, 12 và 19/6" -> three days.

    Only a list of two or more numbers, or two joined by a comma, and only
    with a date word or the year to say they are days.
    """
    lo = max(0, a.core - 40, exprs[-1].end if exprs else 0)
    m = _DAY_LIST.search(text, lo, a.start)
    if m is None or a.part.day is None:
        return None
    days = [int(m[1]), *(int(d) for d in re.findall(r"\d{1,2}", m[2]))]
    joiner = text[m.end(2) : m.end()].strip()
    if len(days) == 1 and not joiner.startswith(","):
        return None  # "18 và 19/6": the range rules read it
    days.append(a.part.day)
    if any(x >= y for x, y in pairwise(days)):
        return None  # "Điều 5, 3/2019": not a list of days
    start, clock, weekday, _, context = _prefix(text, m.start(1))
    context = context or bool(_CONTEXT_BEFORE.search(text, max(0, start - 12), start))
    if not (context or a.part.year is not None):
        return None
    month, year = a.part.month, a.part.year
    last = replace(a.part, has_context=True)
    if all(y - x == 1 for x, y in pairwise(days)):
        first = DatePart(days[0], month, year, clock, weekday, has_context=True)
        return [DateExpr(first, last, start, a.end)]
    out = [DateExpr(DatePart(days[0], month, year, clock, weekday, has_context=True), None,
                    start, m.start(1) + len(m[1]))]  # fmt: skip
    for dm in re.finditer(r"\d{1,2}", text[m.start(1) + len(m[1]) : m.end()]):
        at = m.start(1) + len(m[1]) + dm.start()
        part = DatePart(int(dm.group()), month, year, has_context=True)
        out.append(DateExpr(part, None, at, at + len(dm.group())))
    out.append(DateExpr(last, None, a.core, a.end))
    return out


def _pair(text: str, a: _Atom, b: _Atom) -> DateExpr | None:
    """Range A–B if both read as dates; B's year/month propagate leftwards."""
    first, last = a.part, b.part
    if not (first.has_context or last.has_context or first.year or last.year):
        return None
    if first.year is None and last.year is not None:
        # "từ 15/12 đến 15/1/2026": the left end is in the previous year.
        year = last.year - 1 if (first.month, first.day) > (last.month, last.day) else last.year
        first = replace(first, year=year)
    elif last.year is None and first.year is not None:
        year = first.year + 1 if (last.month, last.day) < (first.month, first.day) else first.year
        last = replace(last, year=year)
    return DateExpr(
        replace(first, has_context=True), replace(last, has_context=True), a.start, b.end
    )
