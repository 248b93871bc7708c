"""Lines written in capitals or without diacritics, rewritten so the unit grammar can read them.

Titles and banners are often all capitals ("CỤM THI ĐUA LIÊN ĐOÀN LAO ĐỘNG
HUYỆN (CỤM 2)", "CÔNG ĐOÀN PHƯỜNG DĨ AN"), where the grammar's main clue for
where a name ends, the capital letter, is gone.  Such a line is lowercased,
then the names the gazetteer knows (provinces, districts, wards, sectors) and
the union abbreviations get their written form back.  Unknown words stay
lowercase: better no unit than "Cụm thi đua Liên".

Lines typed without diacritics ("Lien doan Lao dong tinh Nghe An") get them
back where the grammar needs them: unit heads, the level word after a head,
and the gazetteer name after a level word ("tinh Nghe An" -> "tỉnh Nghệ An").
Folding maps one letter to one letter (ệ -> e, đ -> d), so lengths never
change either way and offsets into the text stay valid.
"""

from __future__ import annotations

import re
from functools import cache

from feeds.understand.gazetteer import tables
from feeds.vntext import fold

# Abbreviations kept in capitals (they are heads and levels the grammar reads).
_ABBREVIATIONS = {
    "LĐLĐ", "LDLD", "CĐ", "CĐCS", "TLĐ", "TP", "TX", "KCN", "KKT", "UBND", "MTTQ", "VN",
    "GTVT", "UBKT", "HCM", "TPHCM", "CAND", "TKV", "PTNT", "NN", "GD", "ĐT", "CNVCLĐ",
}  # fmt: skip
_WORD = re.compile(r"[^\W\d_][\w'’]*")
_MIN_WORDS = 3
# Words after which a place or sector name follows.
_LEVEL_WORDS = r"tỉnh|thành phố|tp\.?|huyện|quận|thị xã|xã|phường|đặc khu|ngành|công đoàn"


@cache
def _names() -> tuple[re.Pattern[str], dict[str, str]]:
    """A case-insensitive pattern of every known name after a level word, and its spelling."""
    tax = tables()
    names: dict[str, str] = {}
    for p in tax.data["provinces"]:
        for alias in (p["name"], *p.get("aliases", ())):
            names[alias.casefold()] = alias
    for _level, place in (*tax.district_province, *tax.commune_province):
        names.setdefault(place.casefold(), place)
    for sector in tax.data["sectors"]:
        for alias in (sector["name"], *sector.get("aliases", ())):
            names.setdefault(alias.casefold(), alias)
    # Longest first; names are looked up in the dict, the regex only finds candidates.
    alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    pattern = re.compile(
        rf"(?<!\w)(?i:{_LEVEL_WORDS})[^\S\n]*:?[^\S\n]+(?P<name>{alternation})(?![\w'’])"
    )
    return pattern, names


@cache
def _next_name() -> re.Pattern[str]:
    """The next known name of a list: ", Y TẾ", "; CÔNG THƯƠNG", " VÀ HÀ TĨNH"."""
    _pattern, names = _names()
    alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?:[^\S\n]*[,;]|[^\S\n]+(?i:và))[^\S\n]+(?P<name>{alternation})(?![\w'’])")


def _is_caps_line(line: str) -> bool:
    words = _WORD.findall(line)
    caps = [w for w in words if w.isupper() and w not in _ABBREVIATIONS]
    return len(caps) >= _MIN_WORDS and len(caps) >= 0.8 * len(words)


def _recase_line(line: str) -> str:
    out = _WORD.sub(
        lambda m: m.group(0) if m.group(0) in _ABBREVIATIONS else m.group(0).lower(), line
    )
    if len(out) != len(line):  # a letter whose lowercase is longer: leave the line alone
        return line
    pattern, names = _names()
    chars = list(out)
    for m in pattern.finditer(out):
        # "NGÀNH Y TẾ, GIÁO DỤC VÀ XÂY DỰNG": the names listed after the first get theirs too.
        while m:
            written = names[m.group("name")]
            if len(written) == len(m.group("name")):
                chars[m.start("name") : m.end("name")] = written
            m = _next_name().match(out, m.end("name"))
    return "".join(chars)


# --- text without diacritics ---------------------------------------------------------

_HEADS = [
    "Tổng Liên đoàn Lao động", "Liên đoàn Lao động", "Tổng Liên đoàn", "Công đoàn",
    "Khối thi đua", "Cụm thi đua", "LĐLĐ", "CĐ", "TLĐ",
]  # fmt: skip
# Level word after a head -> the class of names that may follow it.
_LEVELS = {
    "tỉnh": "province", "thành phố": "city", "tp": "city", "huyện": "district",
    "quận": "district", "thị xã": "district", "xã": "commune", "phường": "commune",
    "đặc khu": "commune", "ngành": "sector", "khu kinh tế": "province",
}  # fmt: skip
_MARKED = re.compile(r"[^\x00-\x7f\W\d_]")  # a letter outside ASCII: ă, ê, đ, ố...
_NAME_WORD = re.compile(r"[^\W_][\w'’]*")
_PROVINCE_LEVEL = re.compile(r"(?<!\w)(?:tinh|thanh pho)(?=[^\S\n])")
_VIET_NAM = re.compile(r"(?<!\w)viet nam(?!\w)")


def _folded(text: str) -> str:
    return fold(text).casefold()


@cache
def _accent_tables() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, dict[str, str]]]:
    """Head and level patterns (on folded text), and folded name -> name per class."""
    tax = tables()
    classes: dict[str, dict[str, str]] = {c: {} for c in set(_LEVELS.values())}
    for p in tax.data["provinces"]:
        for alias in (p["name"], *p.get("aliases", ())):
            for names in classes.values():
                names.setdefault(_folded(alias), alias)
    for level, place in tax.district_province:
        classes["district"].setdefault(_folded(place), place)
        if level == "TP":
            classes["city"].setdefault(_folded(place), place)
    for city in tax.city_province:
        classes["city"].setdefault(_folded(city), city)
    for _level, place in tax.commune_province:
        classes["commune"].setdefault(_folded(place), place)
    for sector in tax.data["sectors"]:
        for alias in (sector["name"], *sector.get("aliases", ())):
            classes["sector"].setdefault(_folded(alias), alias)
    heads = "|".join(re.escape(_folded(h)) for h in sorted(_HEADS, key=len, reverse=True))
    levels = "|".join(re.escape(_folded(lv)) for lv in sorted(_LEVELS, key=len, reverse=True))
    return (
        re.compile(rf"(?<!\w)(?:{heads})(?!\w)"),
        re.compile(rf"[^\S\n]+(?:cac[^\S\n]+)?({levels})(?!\w)"),
        classes,
    )


def _put(chars: list[str], start: int, written: str) -> None:
    """Write ``written`` over the same-length span at ``start`` (else leave it)."""
    if all(c.isspace() == w.isspace() for c, w in zip(chars[start:], written, strict=False)):
        chars[start : start + len(written)] = written


def _name_at(folded: str, pos: int, names: dict[str, str]) -> tuple[str, int] | None:
    """The longest known name written right after ``pos``: (its spelling, start)."""
    words = list(_NAME_WORD.finditer(folded, pos, pos + 60))
    if not words or folded[pos : words[0].start()].strip():
        return None
    for k in range(min(len(words), 5), 0, -1):
        span = folded[words[0].start() : words[k - 1].end()]
        name = names.get(" ".join(span.split()))
        if name and len(name) == len(span):
            return name, words[0].start()
    return None


def _accent_line(line: str) -> str:
    """Diacritics restored on unit heads, the level after each and the name after it."""
    head_re, level_re, classes = _accent_tables()
    folded = _folded(line)
    chars = list(line)
    for head in head_re.finditer(folded):
        written = next(h for h in _HEADS if _folded(h) == head.group(0))
        _put(chars, head.start(), written)
        lvl = level_re.match(folded, head.end())
        if not lvl:  # "Cong doan Dau khi Viet Nam": a sector right after the head
            name = _name_at(folded, head.end(), classes["sector"])
            if name:
                _put(chars, name[1], name[0])
            continue
        level = next(lv for lv in _LEVELS if _folded(lv) == lvl.group(1))
        if level != "tp":
            _put(chars, lvl.start(1), level)
        name = _name_at(folded, lvl.end(1), classes[_LEVELS[level]])
        if name:
            _put(chars, name[1], name[0])
    # A province written anywhere with its level ("..., tinh Thai Binh"), and Việt Nam.
    for m in _PROVINCE_LEVEL.finditer(folded):
        name = _name_at(folded, m.end(), classes["province"])
        if name:
            _put(chars, m.start(), "tỉnh" if m.group(0) == "tinh" else "thành phố")
            _put(chars, name[1], name[0])
    for m in _VIET_NAM.finditer(folded):
        _put(chars, m.start(), "Việt Nam" if line[m.start()].isupper() else "việt nam")
    return "".join(chars)


def _is_plain_line(line: str) -> bool:
    """A line typed without diacritics (letters, none of them marked)."""
    return not _MARKED.search(line) and any(c.isalpha() for c in line)


def recase(text: str) -> str:
    """``text`` with its all-capitals lines recased and its plain lines re-accented."""
    lines = text.split("\n")
    if not any(_is_caps_line(line) or _is_plain_line(line) for line in lines):
        return text
    out = []
    for line in lines:
        if _is_plain_line(line):
            line = _accent_line(line)
        if _is_caps_line(line):
            line = _recase_line(line)
        out.append(line)
    return "\n".join(out)
