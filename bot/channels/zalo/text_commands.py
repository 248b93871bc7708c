"""Typed commands for Zalo, which has no command menu and no buttons.

Officers type what they mean, often without diacritics and without a slash:
``tin moi``, ``/tin mới 10``, ``Đăng ký LĐLĐ Nghệ An``, ``huy dang ky``,
``ban tin 07:00``.  :func:`to_command` turns such text into the router's
slash command (``/latest 10``, ``/subscribe LĐLĐ Nghệ An``) and keeps the
arguments exactly as typed (diacritics included, the resolver needs them).

Matching is on folded words (no diacritics, đ→d, case-insensitive), longest
phrase first, and the words of a phrase may be typed joined (``tinmoi``,
``dangky``).  Text that names no command gives None.
"""

from __future__ import annotations

import re

from bot.i18n import ALIASES
from feeds.vntext import fold, normalize

# Phrase (as written, with diacritics) -> canonical command.  Each phrase is how
# officers write it.  A typed word matches a phrase word when it is the same word
# with the same diacritics, or the same word typed without any: "tin moi" and
# "tin mới" are /latest, but "làng" is never "lang" and "tím" never "tìm".
PHRASES: dict[str, str] = {
    # /start
    "bắt đầu": "start",
    "xin chào": "start",
    "chào bot": "start",
    "menu": "start",
    # /subscribe
    "đăng ký": "subscribe",
    "đăng kí": "subscribe",
    "đăng ký theo dõi": "subscribe",
    "đăng ký nhận tin": "subscribe",
    "theo dõi": "subscribe",
    # /unsubscribe
    "hủy đăng ký": "unsubscribe",
    "hủy đăng kí": "unsubscribe",
    "hủy theo dõi": "unsubscribe",
    "bỏ theo dõi": "unsubscribe",
    "ngừng theo dõi": "unsubscribe",
    # /mysubs
    "đã đăng ký": "mysubs",
    "danh sách": "mysubs",
    "danh sách đăng ký": "mysubs",
    "danh sách theo dõi": "mysubs",
    "đang theo dõi": "mysubs",
    # /latest
    "tin mới": "latest",
    "tin mới nhất": "latest",
    "xem tin": "latest",
    "xem tin mới": "latest",
    # /search
    "tìm kiếm": "search",
    "tìm tin": "search",
    "tìm": "search",
    "tra cứu": "search",
    # /events
    "sự kiện": "events",
    "lịch sự kiện": "events",
    "hạn chót": "events",
    "lịch công đoàn": "events",
    # /digest
    "bản tin": "digest",
    "bản tin hằng ngày": "digest",
    "bản tin hàng ngày": "digest",
    "bản tin tổng hợp": "digest",
    # /remind
    "nhắc việc": "remind",
    "nhắc hạn": "remind",
    # /quiet
    "giờ yên lặng": "quiet",
    "yên lặng": "quiet",
    # /lang
    "ngôn ngữ": "lang",
    "language": "lang",
    # /help
    "hướng dẫn": "help",
    "trợ giúp": "help",
    "giúp đỡ": "help",
    # /stop
    "dừng lại": "stop",
    "dừng nhận tin": "stop",
    # operators
    "thống kê": "stats",
    "nguồn tin": "sources",
}

# The Telegram names and their ASCII aliases ("tinmoi", "dangky"), with or without "/".
for _canonical, _aliases in ALIASES.items():
    for _name in (_canonical, *_aliases):
        PHRASES.setdefault(_name, _canonical)


def _fold_word(word: str) -> str:
    return fold(word).casefold()


def _index() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """Folded phrase (words joined by spaces, and joined together) -> candidates."""
    out: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for phrase, canonical in PHRASES.items():
        words = tuple(normalize(phrase).casefold().split())
        folded = [_fold_word(w) for w in words]
        for key in {" ".join(folded), "".join(folded)}:
            out.setdefault(key, []).append((words, canonical))
    return out


_INDEX = _index()
_MAX_WORDS = max(len(p.split()) for p in PHRASES)
_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")  # punctuation around a word ("ký:", "«tin")
_LEAD = re.compile(r"^[\s:;,.\-–—>»]+")  # separators between command and arguments


def _clean(word: str) -> str:
    return _PUNCT.sub("", word.casefold())


def _same(typed: list[str], phrase: tuple[str, ...]) -> bool:
    """Typed words are the phrase: word for word with the same diacritics or none;
    or one ASCII word that is the phrase run together ("dangky")."""
    if len(typed) == len(phrase):
        return all(
            t == p or (t.isascii() and t == _fold_word(p))
            for t, p in zip(typed, phrase, strict=True)
        )
    return len(typed) == 1 and typed[0].isascii()


def to_command(text: str) -> str | None:
    """``"đăng ký LĐLĐ Nghệ An"`` -> ``"/subscribe LĐLĐ Nghệ An"``; None if no command.

    An unknown slash command is passed on as typed (the router answers it)."""
    text = normalize(text or "").strip()
    slash = text.startswith("/")
    body = text.lstrip("/").strip()
    words = body.split()
    if not words:
        return None
    typed = [_clean(w) for w in words[:_MAX_WORDS]]
    # Longest phrase first: "huy dang ky" before "dang ky", "tin moi nhat" before "tin moi".
    for n in range(min(len(typed), _MAX_WORDS), 0, -1):
        head = typed[:n]
        if not all(head):
            continue
        folded = [_fold_word(w) for w in head]
        for key in dict.fromkeys((" ".join(folded), "".join(folded))):
            for phrase, canonical in _INDEX.get(key, ()):
                if _same(head, phrase):
                    return f"/{canonical} {_remainder(body, n)}".rstrip()
    if slash:
        return text  # "/abc": the router says it is unknown
    return None


def _remainder(body: str, words: int) -> str:
    """What follows the first ``words`` words, separators trimmed, as typed."""
    parts = body.split(maxsplit=words)
    rest = parts[words] if len(parts) > words else ""
    return _LEAD.sub("", rest).strip()


_NUMBER = re.compile(r"^\s*(?:s[oố]|chọn|chon|#)?\s*(\d{1,2})\s*[.)]?\s*$", re.IGNORECASE)


def typed_choice(text: str) -> int | None:
    """``"2"``, ``"số 2"``, ``"2."`` -> 2 (an answer to numbered choices); else None."""
    match = _NUMBER.match(normalize(text or ""))
    return int(match.group(1)) if match else None
