"""Vietnamese text: one canonical form, two match keys, abbreviations, sentences.

Every string the bot stores or matches goes through :func:`normalize` first, so
"hoà"/"hòa", "Ð"/"Đ", NBSP/space and NFD/NFC variants compare equal.  Matching
then uses one of two keys, because folding is lossy (the 661 distinct syllables
of the seed pages fold to 445 keys, 143 of them ambiguous: "dang" is dâng,
đang, đáng or đảng):

* :func:`exact_key` keeps diacritics (casefolded), so "thu" does not match "thư";
* :func:`fold_key` drops them (and đ->d), for users who type without accents.

A query with any diacritic is matched on the exact key, a pure-ASCII query on
the folded key (:func:`query_matches`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# --- canonical form -------------------------------------------------------

# One translation pass: Ð/ð (eth, a common stand-in for Đ/đ) repaired, odd
# spaces made plain spaces, invisible characters dropped.
_CLEAN = str.maketrans(
    {
        "Ð": "Đ",
        "ð": "đ",
        **{chr(c): " " for c in (0x00A0, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000)},
        "\t": " ",
        "\f": " ",
        "\v": " ",
        **{chr(c): None for c in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD)},
    }
)

# Old-style tone placement (hoà, thuỷ) -> first-vowel form (hòa, thủy), in open
# syllables only (next char not a letter), and never after q, where u belongs
# to the consonant (quý stays).  The rule of vi-textmatch (MIT), applied to
# NFC text through a table of the composed pairs: oa, oă, oe take the tone on
# o; uy takes it on u.
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook, dot below


def _old_style_pairs() -> dict[str, str]:
    pairs: dict[str, str] = {}
    for first, seconds in (("o", "aăe"), ("u", "y")):
        for second in seconds:
            for tone in _TONES:
                for f, s2 in (
                    (a, b) for a in (first, first.upper()) for b in (second, second.upper())
                ):
                    old = f + unicodedata.normalize("NFC", s2 + tone)
                    new = unicodedata.normalize("NFC", f + tone) + s2
                    pairs[old] = new
    return pairs


_PAIRS = _old_style_pairs()
_NEEDS_CLEAN = re.compile("[" + "".join(re.escape(chr(c)) for c in _CLEAN) + "]")

# Simple character classes keep the scan fast; _PAIRS decides which pairs change.
_OLD_STYLE = re.compile(
    r"(?<![qQ])[oOuU][" + "".join(sorted({p[1] for p in _PAIRS})) + r"](?![^\W\d_])"
)


def normalize(text: str) -> str:
    """Canonical display-safe form: NFC, Đ repaired, odd spaces, one tone rule."""
    if not text:
        return ""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _NEEDS_CLEAN.search(text):  # translate() is slow; most text needs nothing
        text = text.translate(_CLEAN)
    return _OLD_STYLE.sub(lambda m: _PAIRS.get(m.group(0), m.group(0)), text)


# --- match keys -----------------------------------------------------------

_WORD = re.compile(r"\w+")


def exact_key(text: str) -> str:
    """Casefolded words joined by one space, diacritics kept ("TP.Vinh" -> "tp vinh")."""
    return " ".join(_WORD.findall(normalize(text).casefold()))


def _fold_table() -> dict[int, str]:
    """Every Latin letter with diacritics -> its base letter (đ->d, Đ->D)."""
    table: dict[int, str] = {ord("đ"): "d", ord("Đ"): "D"}
    for start, end in ((0x00C0, 0x024F), (0x1E00, 0x1EFF)):
        for code in range(start, end + 1):
            base = "".join(
                c for c in unicodedata.normalize("NFD", chr(code)) if not unicodedata.combining(c)
            )
            if base and base != chr(code) and base.isascii():
                table[code] = base
    # Lone combining marks (NFD input) disappear.
    for code in range(0x0300, 0x0370):
        table[code] = ""
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Remove diacritics and map đ->d, keeping everything else (case included)."""
    return text.translate(_FOLD)


def fold_key(text: str) -> str:
    """Casefolded words without diacritics ("Liên đoàn" -> "lien doan")."""
    return " ".join(_WORD.findall(fold(normalize(text)).casefold()))


def is_ascii(text: str) -> bool:
    """True when the text has no diacritics (the user typed without accents)."""
    return fold(text) == text


def key_for_query(query: str) -> tuple[str, bool]:
    """The key a query is matched on, and whether it is the folded key.

    Folding is lossy ("dang" stands for đang, đảng, dâng...), so only an ASCII
    query of two or more syllables is matched folded; one ASCII syllable ("thu")
    matches only itself, never "thư" or "thủ".
    """
    exact = exact_key(query)
    folded = is_ascii(query) and len(exact.split()) >= 2
    return (fold_key(query) if folded else exact), folded


def query_matches(query: str, text: str) -> bool:
    """Whole-word phrase match, diacritic-insensitive only for an ASCII query."""
    key, folded = key_for_query(query)
    if not key:
        return False
    haystack = fold_key(text) if folded else exact_key(text)
    return f" {key} " in f" {haystack} "


# --- abbreviations ----------------------------------------------------------

# Union abbreviations and their expansions, as written in union texts
# (collected from congdoannghean.vn, laodong.vn and baonghean.vn articles).  Keys are
# exact keys of the abbreviation.
ABBREVIATIONS: dict[str, str] = {
    "tổng lđlđ": "Tổng Liên đoàn Lao động",
    "tlđ": "Tổng Liên đoàn Lao động Việt Nam",
    "lđlđ": "Liên đoàn Lao động",
    "cđcs": "Công đoàn cơ sở",
    "cđ": "Công đoàn",
    "cnvclđ": "công nhân, viên chức, lao động",
    "cnvc lđ": "công nhân, viên chức, lao động",
    "cnvlđ": "công nhân, viên chức, lao động",
    "cnlđ": "công nhân lao động",
    "đvcđ": "đoàn viên công đoàn",
    "cbcđ": "cán bộ công đoàn",
    "nlđ": "người lao động",
    "nsdlđ": "người sử dụng lao động",
    "kcn": "khu công nghiệp",
    "kkt": "khu kinh tế",
    "kcx": "khu chế xuất",
    "tp": "thành phố",
    "tx": "thị xã",
    "bch": "Ban Chấp hành",
    "btv": "Ban Thường vụ",
    "ubkt": "Ủy ban Kiểm tra",
    "atvslđ": "an toàn, vệ sinh lao động",
    "at vslđ": "an toàn, vệ sinh lao động",
    "tưlđtt": "thỏa ước lao động tập thể",
    "bhxh": "bảo hiểm xã hội",
    "mttq": "Mặt trận Tổ quốc",
    "ubmttq": "Ủy ban Mặt trận Tổ quốc",
    "ubnd": "Ủy ban nhân dân",
    "hđnd": "Hội đồng nhân dân",
    "vn": "Việt Nam",
}

# Longest first so "tổng lđlđ" wins over "lđlđ" and "cđcs" over "cđ".
_ABBR_RE = re.compile(
    r"(?<!\w)("
    + "|".join(
        re.escape(k).replace(r"\ ", r"[\s.\-]*")
        for k in sorted(ABBREVIATIONS, key=len, reverse=True)
    )
    + r")(?!\w)\.?",
    re.IGNORECASE,
)


def expand_abbreviations(text: str) -> str:
    """Spell out union abbreviations ("LĐLĐ TP.Vinh" -> "Liên đoàn Lao động thành phố Vinh").

    The result is for matching, not display.  A dot glued to the abbreviation
    ("TP.Vinh") is consumed and replaced by a space.
    """
    text = normalize(text)

    def expand(match: re.Match[str]) -> str:
        key = " ".join(_WORD.findall(match.group(1).casefold()))
        return ABBREVIATIONS.get(key, match.group(0)) + " "

    return re.sub(r" {2,}", " ", _ABBR_RE.sub(expand, text)).strip()


def match_keys(text: str) -> tuple[str, str]:
    """(exact, folded) keys of a text with its abbreviations expanded."""
    expanded = expand_abbreviations(text)
    return exact_key(expanded), fold_key(expanded)


# --- sentences ---------------------------------------------------------------

# Tokens that end in a period without ending a sentence.
_NO_BREAK_AFTER = {
    "tp", "tx", "ts", "ths", "pgs", "gs", "bs", "ks", "th", "st", "ng", "p", "q", "tt",
    "đ/c", "đc", "mr", "ms", "no", "số", "v.v", "vv", "tr", "ông", "bà",
}  # fmt: skip
_SENTENCE_END = re.compile(r"([.!?…]+[\"”’»)]*)(\s+)(?=[\"“‘«(]?[^\W\d_a-zđ]|[\"“‘«(]?\d)")


def split_sentences(text: str) -> list[str]:
    """Split into sentences: lines first, then sentence punctuation.

    A period ends a sentence only when followed by space and a capital letter
    or a digit-led clause, and not after a known abbreviation ("TP. Vinh",
    "PGS.TS. Nguyễn"); numbers ("1.000", "02/NQ-TW") never contain the space
    the rule needs.  The article end mark "./." is dropped.
    """
    sentences: list[str] = []
    for raw_line in normalize(text).splitlines():
        line = re.sub(r"\s*\./\.\s*$|\s*/\.\s*$", ".", raw_line.strip())
        if not line or line == ".":
            continue
        start = 0
        for match in _SENTENCE_END.finditer(line):
            before = line[start : match.start(1)]
            last_word = before.rsplit(None, 1)[-1].casefold() if before.strip() else ""
            if (
                match.group(1) == "."
                and last_word.rstrip(".").rsplit(".", 1)[-1] in _NO_BREAK_AFTER
            ):
                continue
            # An initial ("N. Văn A") is not a sentence end.
            if match.group(1) == "." and len(last_word) == 1 and last_word.isalpha():
                continue
            sentences.append(line[start : match.end(1)].strip())
            start = match.end(2)
        tail = line[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences


def collapse_whitespace(text: str) -> str:
    """One space between words, no leading/trailing space."""
    return " ".join(text.split())


def unique(items: Iterable[str]) -> list[str]:
    """Keep the first of equal strings, in order."""
    return list(dict.fromkeys(items))
