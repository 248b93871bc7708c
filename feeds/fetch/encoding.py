"""Charset detection and decoding for HTML and XML bodies, tuned for Vietnamese.

Order of evidence: byte-order mark; HTTP ``charset=``; XML prolog
``encoding=``; ``<meta charset>`` in the first bytes.  Every declaration is
validated, because Vietnamese sites often lie: a page "declared" UTF-8 that
is not valid UTF-8 is re-detected among legacy code pages (windows-1258 first),
and a page declared as a Western single-byte charset that is in fact valid
UTF-8 is read as UTF-8.  The result is NFC-normalized (windows-1258 stores
tones as combining marks) and obvious UTF-8-read-as-latin-1 mojibake
("CÃ´ng Ä‘oÃ n") is repaired.  Letters are never rewritten otherwise: an
eth "Ð" typed for "Đ" is left for the text normalizer downstream.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from functools import lru_cache

__all__ = ["decode_html_or_xml", "vietnamese_score"]

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Labels seen on Vietnamese pages that Python does not know, or knows under
# another meaning.  WHATWG maps latin-1/ascii labels to windows-1252.
_LABEL_ALIASES = {
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "unicode": "utf-8",  # FrontPage-era Vietnamese pages write charset=unicode
    "unicode-1-1-utf-8": "utf-8",
    "x-unicode20utf8": "utf-8",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1252": "cp1252",
    "windows-1258": "cp1258",
    "x-cp1258": "cp1258",
}
# Friendly names for what we return (Python's canonical names are cp125x).
_DISPLAY_NAMES = {"cp1252": "windows-1252", "cp1258": "windows-1258"}

_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([\w.:+-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:+-]+)["']""", re.IGNORECASE
)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:+-]+)""", re.IGNORECASE)
# The HTML spec pre-scans 1024 bytes; CMS heads with inline scripts push the
# <meta> further, so look a little deeper.
_META_SCAN_BYTES = 4096
_SCORE_SAMPLE_CHARS = 100_000  # scoring a prefix is enough and keeps 5 MiB pages cheap


def _vietnamese_letters() -> frozenset[str]:
    tones = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
    vowels = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")
    letters = {"đ", "Đ"}
    for vowel in vowels:
        for tone in tones:
            composed = unicodedata.normalize("NFC", vowel + tone)
            letters.update((composed, composed.upper()))
    return frozenset(ch for ch in letters if not ch.isascii())


VIETNAMESE_LETTERS = _vietnamese_letters()
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_HAT_VOWELS = frozenset("âêôăơưÂÊÔĂƠƯ")
# Non-letters that UTF-8 continuation bytes turn into under cp1252/latin-1
# (NBSP left out: it legitimately follows letters).
_MOJIBAKE_TAILS = frozenset(
    "".join(chr(b) for b in range(0x80, 0xC0) if b != 0xA0) + "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
)


def _has_tone(ch: str) -> bool:
    return any(m in _TONE_MARKS for m in unicodedata.normalize("NFD", ch))


def vietnamese_score(text: str) -> int:
    """Plausibility of ``text`` as (mostly) Vietnamese: higher is better.

    +1 per Vietnamese letter; -3 per sign of a wrong decoding: U+FFFD, control
    characters, combining marks left over after NFC, eth/thorn (cp1252's
    reading of cp1258's Đ/₫), a non-ASCII capital right after a lowercase
    letter ("ðoaÌn"), a toned vowel right after a hatted/toned one ("Viêòt"),
    and a symbol glued to a non-ASCII letter ("CÃ´ng").
    """
    text = unicodedata.normalize("NFC", text[:_SCORE_SAMPLE_CHARS])
    good = bad = 0
    prev = " "
    for ch in text:
        good += ch in VIETNAMESE_LETTERS
        bad += _suspicious(ch, prev)
        prev = ch
    return good - 3 * bad


def _suspicious(ch: str, prev: str) -> bool:
    """Whether ``ch`` after ``prev`` hints at a wrong decoding."""
    if ch.isascii():
        return ord(ch) < 0x20 and ch not in "\t\n\r"
    if ch in VIETNAMESE_LETTERS and _has_tone(ch) and (prev in _HAT_VOWELS or _has_tone(prev)):
        # "ườ", "ưở"... are the only legal hatted+toned pairs
        return not (prev in "ưƯ" and ch.lower() in "ờớởỡợ")
    if ch.isalpha() and ch.isupper() and prev.isalpha() and prev.islower():
        return True
    if ch == "\ufffd" or ch in "ðÐþÞ" or unicodedata.combining(ch) or 0x7F <= ord(ch) < 0xA0:
        return True
    return ch in _MOJIBAKE_TAILS and prev.isalpha() and not prev.isascii()


def _codec_name(label: str | None) -> str | None:
    """Map a charset label to a Python codec name, or None if unusable."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _LABEL_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _LABEL_ALIASES.get(name, name)


@lru_cache(maxsize=64)
def _is_single_byte(codec: str) -> bool:
    high = bytes(range(0x80, 0x100))
    return len(high.decode(codec, errors="replace")) == 128 and codec != "utf-8"


def _c1_fallback(err: UnicodeError) -> tuple[str, int]:
    """Decode bytes a code page leaves undefined as C1 controls (as browsers do)."""
    assert isinstance(err, UnicodeDecodeError)
    return "".join(chr(b) for b in err.object[err.start : err.end]), err.end


codecs.register_error("congdoan-c1", _c1_fallback)


def _decode(body: bytes, codec: str) -> str:
    errors = "congdoan-c1" if _is_single_byte(codec) else "replace"
    return body.decode(codec, errors=errors)


def _strict_utf8(body: bytes) -> str | None:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def declared_charsets(body: bytes, content_type_header: str | None) -> list[str]:
    """Python codec names declared by HTTP, XML prolog and <meta>, in that order."""
    found: list[str] = []
    labels: list[tuple[str | None, bool]] = []
    if content_type_header and (m := _HTTP_CHARSET.search(content_type_header)):
        labels.append((m.group(1), False))
    if m := _XML_ENCODING.match(body[:512]):
        labels.append((m.group(1).decode("ascii", "replace"), False))
    if m := _META_CHARSET.search(body[:_META_SCAN_BYTES]):
        labels.append((m.group(1).decode("ascii", "replace"), True))
    for label, from_meta in labels:
        name = _codec_name(label)
        # HTML spec: a <meta> claiming UTF-16/32 on an ASCII-compatible body means UTF-8.
        if from_meta and name and name.startswith(("utf-16", "utf-32")):
            name = "utf-8"
        if name and name not in found:
            found.append(name)
    return found


def _validated(body: bytes, codec: str) -> str | None:
    """Decode with a declared codec if the bytes support the claim, else None."""
    if codec == "utf-8":
        return _strict_utf8(body)
    if _is_single_byte(codec):
        # Real windows-125x/latin-1 text practically never forms valid multi-byte
        # UTF-8, so valid UTF-8 with non-ASCII bytes means the label is wrong.
        if not body.isascii() and _strict_utf8(body) is not None:
            return None
        return _decode(body, codec)
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(body: bytes) -> tuple[str, str]:
    """Pick the most Vietnamese-looking reading among plausible encodings."""
    best: tuple[int, str, str] | None = None
    for codec in ("utf-8", "cp1258", "cp1252"):  # order breaks ties
        text = _decode(body, codec)
        score = vietnamese_score(text)
        if best is None or score > best[0]:
            best = (score, codec, text)
    assert best is not None
    return best[1], best[2]


# A UTF-8 sequence (lead + continuations) seen through cp1252/latin-1 eyes.
_LATIN1_LEAD2 = "\u00c2-\u00df"
_LATIN1_LEAD3 = "\u00e0-\u00ef"
_TAIL_CLASS = "\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_MOJIBAKE_SEQ = re.compile(
    f"[{_LATIN1_LEAD2}][{_TAIL_CLASS}]|[{_LATIN1_LEAD3}][{_TAIL_CLASS}]{{2}}"
)
_CP1252_BYTE = {chr(b).encode("latin-1").decode("cp1252", "ignore"): b for b in range(0x80, 0xA0)}
_CP1252_BYTE.pop("", None)
# What a repaired sequence may become: Vietnamese letters, Latin-1 printables,
# typographic punctuation.  Anything else (Cyrillic "Ԕ" from a legitimate
# "Ô”", controls) means the match was real text, not mojibake.
_REPAIR_OK = re.compile("[\u00a0-\u00ff\u2010-\u2027\u2030-\u203a€™]")


def _to_byte(ch: str) -> int:
    return _CP1252_BYTE[ch] if ch in _CP1252_BYTE else ord(ch)


def _repair_one(match: re.Match[str]) -> str:
    seq = match.group(0)
    try:
        fixed = bytes(_to_byte(ch) for ch in seq).decode("utf-8")
    except (UnicodeDecodeError, ValueError):
        return seq
    if fixed in VIETNAMESE_LETTERS or _REPAIR_OK.fullmatch(fixed):
        return fixed
    return seq


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as cp1252/latin-1, when unambiguous.

    Works sequence by sequence, so a page mixing correct and broken parts is
    fixed too; repairs only if at least two sequences qualify and the result
    reads better as Vietnamese (:func:`vietnamese_score`).
    """
    if not _MOJIBAKE_SEQ.search(text):
        return text
    min_changes = 2
    for _ in range(2):  # double-encoded text needs a second pass
        fixed, changed = _MOJIBAKE_SEQ.subn(_repair_one, text)
        changed -= sum(1 for m in _MOJIBAKE_SEQ.finditer(fixed))  # subn counts no-ops too
        if changed < min_changes or vietnamese_score(fixed) <= vietnamese_score(text):
            break
        text, min_changes = fixed, 1
    return text


def _finish(text: str) -> str:
    text = text.removeprefix("\ufeff")
    return unicodedata.normalize("NFC", repair_mojibake(unicodedata.normalize("NFC", text)))


def decode_html_or_xml(body: bytes, content_type_header: str | None) -> tuple[str, str]:
    """Return (text, encoding_name). Text is NFC-normalized.

    ``encoding_name`` is a label such as "utf-8", "windows-1258", "utf-16-le".
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return _finish(body[len(bom) :].decode(codec, errors="replace")), codec

    readings = [
        (codec, text)
        for codec in declared_charsets(body, content_type_header)
        if (text := _validated(body, codec)) is not None
    ]
    if len({text for _, text in readings}) > 1:
        # Conflicting declarations (e.g. a server default "iso-8859-1" header
        # over a windows-1258 <meta>): trust the one that reads as Vietnamese.
        readings.sort(key=lambda r: vietnamese_score(r[1]), reverse=True)
    if readings:
        codec, text = readings[0]
    elif (utf8 := _strict_utf8(body)) is not None:
        codec, text = "utf-8", utf8
    else:
        codec, text = _detect(body)
    return _finish(text), _DISPLAY_NAMES.get(codec, codec)
