"""Lines written in capitals, recased so the unit grammar can read them.

Titles and banners are often all capitals ("CỤM THI ĐUA LIÊN ĐOÀN LAO ĐỘNG
HUYỆN (CỤM 2)", "CÔNG ĐOÀN PHƯỜNG DĨ AN"), where the grammar's main clue for
where a name ends, the capital letter, is gone.  Such a line is lowercased,
then the names the gazetteer knows (provinces, districts, wards, sectors) and
the union abbreviations get their written form back.  Unknown words stay
lowercase: better no unit than "Cụm thi đua Liên".  Lengths never change, so
offsets into the text stay valid.
"""

from __future__ import annotations

import re
from functools import cache

from feeds.understand.gazetteer import tables

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
    pattern = re.compile(rf"(?<!\w)(?i:{_LEVEL_WORDS})[^\S\n]+(?P<name>{alternation})(?![\w'’])")
    return pattern, names


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
        written = names[m.group("name")]
        if len(written) == len(m.group("name")):
            chars[m.start("name") : m.end("name")] = written
    return "".join(chars)


def recase(text: str) -> str:
    """``text`` with its all-capitals lines recased; other lines untouched."""
    if not any(_is_caps_line(line) for line in text.split("\n")):
        return text
    return "\n".join(
        _recase_line(line) if _is_caps_line(line) else line for line in text.split("\n")
    )
