"""Topic phrases as match keys, and one index that finds every topic's phrases in one pass.

Matching runs on exact keys (diacritics kept, abbreviations expanded) so that
"thu" never matches "thư"; text typed without diacritics is matched on folded
keys.  Phrases may hold placeholders: "#" a number, "*" any one word.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from feeds import vntext

# Abbreviations vntext does not expand, as union texts write them.
EXTRA_ABBREVIATIONS: dict[str, str] = {
    "tnlđ": "tai nạn lao động",
    "bnn": "bệnh nghề nghiệp",
    "kpcđ": "kinh phí công đoàn",
    "ptđv": "phát triển đoàn viên",
    "qcdc": "quy chế dân chủ",
    "qcdccs": "quy chế dân chủ ở cơ sở",
    "cđs": "chuyển đổi số",
    "nq": "nghị quyết",
    "hđlđ": "hợp đồng lao động",
    "gtvl": "giới thiệu việc làm",
    "pccc": "phòng cháy chữa cháy",
    "đv": "đoàn viên",
    "lđ": "lao động",
    "ubkt": "ủy ban kiểm tra",
    "lhpn": "liên hiệp phụ nữ",
    "hlhpn": "hội liên hiệp phụ nữ",
    "cđvn": "công đoàn việt nam",
    "tđkt": "thi đua khen thưởng",
    "qhlđ": "quan hệ lao động",
    "tvpl": "tư vấn pháp luật",
    "atvsv": "an toàn vệ sinh viên",
}

# Placeholders that survive keying: "#" = a number, "*" = any one word.
_NUM, _ANY = "qqnumqq", "qqanyqq"
SEP = "\x00"  # between segments scanned in one pass: no phrase spans it


def _expansion_tables(
    folded: bool,
) -> tuple[dict[str, list[str]], dict[tuple[str, str], list[str]]]:
    """Abbreviation -> expansion tokens, for one- and two-token abbreviations."""
    key = vntext.fold_key if folded else vntext.exact_key
    single: dict[str, list[str]] = {}
    double: dict[tuple[str, str], list[str]] = {}
    for short, long in {**vntext.ABBREVIATIONS, **EXTRA_ABBREVIATIONS}.items():
        words = key(short).split()
        if len(words) == 1:
            single[words[0]] = key(long).split()
        elif len(words) == 2:
            double[(words[0], words[1])] = key(long).split()
    return single, double


_TABLES = {False: _expansion_tables(False), True: _expansion_tables(True)}


def key_tokens(text: str, *, folded: bool = False) -> list[str]:
    """Match-key words of a text with union abbreviations spelled out.

    Exact keys keep diacritics (casefolded); folded keys drop them.  Token-level
    expansion is equivalent to ``vntext.expand_abbreviations`` on keys and much
    cheaper than a regex pass over the raw text.
    """
    words = (vntext.fold_key(text) if folded else vntext.exact_key(text)).split()
    single, double = _TABLES[folded]
    out: list[str] = []
    i, n = 0, len(words)
    while i < n:
        pair = (words[i], words[i + 1]) if i + 1 < n else None
        if pair is not None and pair in double:
            out.extend(double[pair])
            i += 2
            continue
        out.extend(single.get(words[i], (words[i],)))
        i += 1
    return out


def text_keys(text: str) -> tuple[str, str]:
    """(exact, folded) match keys with union abbreviations spelled out."""
    return " ".join(key_tokens(text)), " ".join(key_tokens(text, folded=True))


_MARKED_LETTER = re.compile(r"[^\x00-\x7f\W\d_]")  # a letter outside ASCII: ă, ê, đ, ố...


def is_plain_ascii(text: str) -> bool:
    """True when the text was typed without Vietnamese diacritics.

    Vietnamese with diacritics has about one marked letter in four characters;
    a stray "é" or curly quotes in plain text stay far below the 0.5% bar.
    """
    sample = text[:3000]
    if not any(ch.isalpha() for ch in sample):
        return False
    return len(_MARKED_LETTER.findall(sample)) < 0.005 * len(sample)


def phrase_tokens(phrase: str) -> tuple[list[str], list[str]]:
    """(exact, folded) pattern tokens; "#" and "*" become placeholders."""
    marked = phrase.replace("#", f" {_NUM} ").replace("*", f" {_ANY} ")
    return key_tokens(marked), key_tokens(marked, folded=True)


def _match_at(words: list[str], i: int, pattern: tuple[str, ...]) -> int:
    """End index of ``pattern`` matched at ``words[i]``, or -1."""
    n = len(words)
    j = i
    for token in pattern:
        if j >= n:
            return -1
        if token == _NUM:
            if not words[j].isdigit():
                return -1
            j += 1
            while j < n and len(words[j]) == 3 and words[j].isdigit():
                j += 1  # "1.000" is keyed "1 000"
        elif (token == _ANY and words[j] != SEP) or token == words[j]:
            j += 1
        else:
            return -1
    return j


@dataclass(frozen=True)
class Entry:
    topic: str
    pattern: tuple[str, ...]
    phrase: int  # phrase id (index into the classifier's weights); -1 for a guard


class PhraseIndex:
    """Every topic's phrases and guards for one key kind, indexed by first word.

    One pass over the item's words serves all topics: each word looks up only
    the phrases that start with it.
    """

    def __init__(self) -> None:
        # Keyed by the first two words when both are literal (most phrases), so a
        # common first word ("công", "người") does not fan out to every phrase.
        self._by_pair: dict[tuple[str, str], list[Entry]] = {}
        self._by_first: dict[str, list[Entry]] = {}
        self._num_first: list[Entry] = []

    def add(self, entry: Entry) -> None:
        pattern = entry.pattern
        if pattern[0] == _ANY:
            raise ValueError("a phrase cannot start with '*'")
        if pattern[0] == _NUM:
            self._num_first.append(entry)
        elif len(pattern) >= 2 and pattern[1] not in (_NUM, _ANY):
            self._by_pair.setdefault((pattern[0], pattern[1]), []).append(entry)
        else:
            self._by_first.setdefault(pattern[0], []).append(entry)

    def scan(self, words: list[str]) -> dict[str, Counter[int]]:
        """Topic -> phrase id -> hits, leftmost-longest, hits inside guards dropped."""
        result: dict[str, Counter[int]] = {}
        for topic, found in self.hits(words).items():
            result[topic] = Counter(phrase for _, phrase in found)
        return result

    def hits(self, words: list[str]) -> dict[str, list[tuple[int, int]]]:
        """Topic -> (position, phrase id) of each hit, as :meth:`scan` counts them."""
        hits: dict[str, list[tuple[int, int, int]]] = {}
        guards: dict[str, list[tuple[int, int]]] = {}
        last = len(words) - 1
        for i, word in enumerate(words):
            entries = self._by_first.get(word, [])
            if i < last:
                pair = self._by_pair.get((word, words[i + 1]))
                if pair:
                    entries = [*entries, *pair]
            if self._num_first and word.isdigit():
                entries = [*entries, *self._num_first]
            for entry in entries:
                end = _match_at(words, i, entry.pattern)
                if end < 0:
                    continue
                if entry.phrase < 0:
                    guards.setdefault(entry.topic, []).append((i, end))
                else:
                    hits.setdefault(entry.topic, []).append((i, end, entry.phrase))
        result: dict[str, list[tuple[int, int]]] = {}
        for topic, spans in hits.items():
            blocked = guards.get(topic, ())
            kept: list[tuple[int, int]] = []
            last_end = -1
            # Longest phrase first at each start; later hits inside it are the same words.
            for start, end, phrase in sorted(spans, key=lambda h: (h[0], h[0] - h[1])):
                if start < last_end:
                    continue
                last_end = end
                # A hit overlapping a guard is that guard's sense ("kỷ niệm chương"),
                # unless the hit is the longer reading ("giải thể thao" over "giải thể").
                if any(
                    g0 < end
                    and start < g1
                    and not (start <= g0 and g1 <= end and end - start > g1 - g0)
                    for g0, g1 in blocked
                ):
                    continue
                kept.append((start, phrase))
            if kept:
                result[topic] = kept
        return result
