"""Evidence for topics: the item cut into title, lead and body clauses, scored and selected.

A topic is assigned only when the item is substantially about it: hits in the
title count three times, in the lead (sapo or first sentences) twice, in the
body once; greeting frames ("chào mừng kỷ niệm...") and lists of activities
are passing evidence; a topic seen only in the body needs several hits.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from feeds import vntext
from feeds.understand.topic_phrases import is_plain_ascii, key_tokens

WEIGHTS = {"strong": 3.0, "keywords": 2.0, "weak": 1.0}
OPERATOR_WEIGHT = 3.0  # operators add specific phrases; one in the title is enough
TITLE_FACTOR, LEAD_FACTOR, BODY_FACTOR = 3.0, 2.0, 1.0
DEFAULT_THRESHOLD = 6.0
BODY_ONLY_FACTOR = 1.5  # a topic absent from title and lead needs 1.5x the threshold
SECONDARY_SHARE = 0.4  # ... and, unless in the title, 40% of the best topic's score
LEAD_SHARE = 0.15  # (15% when the lead names it solidly)
# A repeated phrase adds evidence, but less each time: 1, 1.5, 2 (cap) x weight.
_REPEAT_STEP, _REPEAT_CAP = 0.5, 2.0
# A topic not in the title must be named solidly in two clauses, or be what one
# long clause is about (several strong phrases: a paragraph written as one sentence).
MIN_UNITS, RICH_CLAUSE = 2, 10.0
PASSING_FACTOR = 0.5  # hits in a greeting frame or a list of activities
_LEAD_MAX_CHARS = 400
_LEAD_SHORT = 100


@dataclass
class Segment:
    words: list[str]
    factor: float
    is_body: bool
    folded: bool  # typed without diacritics: matched on folded keys
    unit: int = 0  # clause number across the item: evidence must recur to count
    listing: int = -1  # the enumeration this clause is an item of, if any
    passing: bool = False  # inside a greeting frame: supporting evidence only


# "Chào mừng kỷ niệm 95 năm... (28/7/1929 - 28/7/2024), sáng 15/7, LĐLĐ tỉnh khai mạc
# giải bóng đá", "nhằm hưởng ứng Tháng Công nhân": the frame names an occasion, not the
# subject; it ends at its clause's comma (brackets skipped).  "Nhân dịp này" introduces
# the main clause: not a frame; nor is "Lễ phát động hưởng ứng Tháng Công nhân" (its object).
_FRAME = re.compile(
    r"(?:(?<!\w)(?:chào mừng|nhân dịp(?! này)|nhân kỷ niệm|hướng tới|hướng đến|tiến tới"
    r"|chào đón|(?:nhằm|và|để) hưởng ứng|nằm trong (?:chuỗi |các )*hoạt động)"
    r"|(?:^\W*|,\s*)hưởng ứng)(?!\w)"
    r"[^,.;:!?\n(]*(?:\([^)\n]*\)[^,.;:!?\n(]*)*"
    # "Hướng tới kỷ niệm 75 năm Ngày Thương binh, liệt sỹ (...), 93 năm ngày thành lập
    # Công đoàn Việt Nam, 76 năm...": the occasions listed after the first one.
    r"(?:,\s*(?:(?:và\s+)?(?:kỷ niệm\s+)?\d+\s+năm(?!\w)|[^\W\d][^,.;:!?\n(]{0,20}(?=\()"
    r"|(?:và\s+)?(?:tháng công nhân|ngày (?!\d)|quốc tế lao động))"
    r"[^,.;:!?\n(]*(?:\([^)\n]*\)[^,.;:!?\n(]*)*)*",
    re.IGNORECASE,
)
_OCCASION = re.compile(r"(?:nhân dịp|nhân kỷ niệm)(?!\w)", re.IGNORECASE)
# ... of the union's own founding or tradition day or Tháng Công nhân, not a national holiday.
_FOUNDING = re.compile(
    r"(?:thành lập|truyền thống)\s+(?:công đoàn|liên đoàn|tổng liên đoàn|lđlđ|cđ)"
    r"|tháng\s+công\s+nhân",  # the union's own month of activities
    re.IGNORECASE,
)
# ... when what the lead reports is the ceremony itself; "nhân dịp kỷ niệm..., LĐLĐ tổ
# chức giải bóng đá" is a sports event held for the occasion (sports only).
_CEREMONY = re.compile(
    r"(?<!\w)(?:gặp mặt|họp mặt|gặp gỡ|mít tinh|lễ kỷ niệm|tọa đàm|dâng hoa|dâng hương|viếng"
    r"|tri ân|ôn lại|tuyên dương|biểu dương|chúc mừng)(?!\w)",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“(]?[A-ZĐÀ-Ỹ0-9])|\n+")
# "A; B; C" or "gồm: A, B, C, D": a list of activities.
_SEMICOLON_LIST = re.compile(r";[^;]*;")
_COLON_LIST = re.compile(r":((?:[^,:;]*,){3}[^:;]*)$")


def _sentences(text: str) -> list[str]:
    """Cheap sentence split: line breaks and sentence-final marks before a capital."""
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def _clauses(sentence: str) -> tuple[list[str], bool]:
    """A sentence's clauses, and whether they are the items of an enumeration."""
    if _SEMICOLON_LIST.search(sentence):
        return sentence.split(";"), True
    m = _COLON_LIST.search(sentence)
    if m:
        return [sentence[: m.start()], *m.group(1).split(",")], True
    return sentence.split(";"), False


def split_segments(
    text: str, factor: float, is_body: bool, first: int, *, frame_factor: float | None = None
) -> list[Segment]:
    """Clause segments of one part of the item, greeting frames split off.

    Frames are passing evidence, or (``frame_factor``) weigh as that part would.
    """
    out: list[Segment] = []
    plain = is_plain_ascii(text)
    unit = first
    for sentence in _sentences(text):
        clauses, listed = _clauses(sentence)
        listing = unit if listed else -1
        for clause in clauses:
            pos = 0
            pieces: list[tuple[str, bool]] = []
            for m in _FRAME.finditer(clause):
                pieces.append((clause[pos : m.start()], False))
                pieces.append((m.group(0), True))
                pos = m.end()
            pieces.append((clause[pos:], False))
            for k, (piece, framed) in enumerate(pieces):
                # "Nhân dịp kỷ niệm 95 năm Ngày thành lập Công đoàn Việt Nam, LĐLĐ tổ
                # chức gặp mặt": in the lead the occasion is part of what happened.
                if (
                    framed
                    and not is_body
                    and _OCCASION.match(piece)
                    and _FOUNDING.search(piece)
                    and _CEREMONY.search(_rest(pieces, k, sentence, clause))
                ):
                    framed = False
                words = key_tokens(piece, folded=plain)
                if not words:
                    continue
                if framed and frame_factor is not None:
                    seg = Segment(words, frame_factor, is_body, plain, unit, listing)
                else:
                    seg = Segment(words, factor, is_body, plain, unit, listing, framed)
                out.append(seg)
            unit += 1
    return out


def _rest(pieces: list[tuple[str, bool]], k: int, sentence: str, clause: str) -> str:
    """What the sentence says after frame ``k``: the clauses that report the happening."""
    after = "".join(p for p, _ in pieces[k + 1 :])
    return after + sentence[sentence.find(clause) + len(clause) :]


def lead_and_body(text: str, sapo: str | None) -> tuple[str, str]:
    """The lead (sapo, else the first one or two sentences) and the rest.

    Without a sapo the lead is the start of the text: the body is what follows
    it, so the lead counts once, as lead.
    """
    if sapo and sapo.strip():
        return sapo, text
    sentences = vntext.split_sentences(text[:700])  # the lead is at most 400 chars
    lead, end = "", 0
    for sentence in sentences[:2]:
        # An enumeration ("... như A; B; C") lists side activities: body, not lead.
        if sentence.count(";") >= 2:
            break
        # A second sentence only completes a short first one: in longer leads it
        # already lists side activities ("Các đại biểu đề cập nhiều nội dung như...").
        if lead and (len(lead) >= _LEAD_SHORT or len(lead) + len(sentence) > _LEAD_MAX_CHARS):
            break
        at = text.find(sentence, end)
        if at < 0:  # split_sentences changed the text: keep lead and body apart by words
            return lead or sentence, text
        lead, end = f"{lead} {sentence}".strip(), at + len(sentence)
    return lead, text[end:]


@dataclass
class Evidence:
    score: float = 0.0
    solid: bool = False  # at least one phrase that is more than supporting evidence
    in_title: bool = False  # a solid phrase in the title
    in_lead: bool = False  # a solid phrase in the lead
    body_hits: int = 0
    units: dict[int, float] = field(default_factory=dict)  # clause -> solid weight
    listings: dict[int, set[int]] = field(default_factory=dict)  # list -> its clauses hit
    _body_seen: Counter[int] = field(default_factory=Counter)

    def add(self, seg: Segment, counts: Counter[int], weights: list[float]) -> None:
        """Add one segment's hits (phrase id -> count)."""
        for phrase, count in counts.items():
            weight = weights[phrase]
            if seg.passing:
                # Named in a greeting frame: adds a little weight, never makes the topic.
                self.score += PASSING_FACTOR * weight * count
                continue
            solid = weight >= WEIGHTS["keywords"]
            if solid:
                self.solid = True
                # The lead's clauses weigh double: it states the main subject.
                gain = weight * count * (1.0 if seg.is_body else seg.factor)
                self.units[seg.unit] = self.units.get(seg.unit, 0.0) + gain
                if seg.listing >= 0:
                    self.listings.setdefault(seg.listing, set()).add(seg.unit)
            if seg.is_body:
                # A repeated phrase adds evidence, but less each time (capped).
                seen = self._body_seen[phrase]
                self.score += weight * (_repeats(seen + count) - _repeats(seen))
                self._body_seen[phrase] = seen + count
                self.body_hits += count
            elif seg.factor == TITLE_FACTOR:
                self.score += weight * seg.factor
                self.in_title = self.in_title or solid
            else:
                self.score += weight * seg.factor
                self.in_lead = self.in_lead or solid

    def recurs(self) -> bool:
        """Named solidly in two clauses, or a whole clause is about it.

        One item of a list of activities does not count: reports and plans list
        every field of union work in passing.
        """
        passing = {u for items in self.listings.values() if len(items) == 1 for u in items}
        units = [w for u, w in self.units.items() if u not in passing]
        return len(units) >= MIN_UNITS or any(w >= RICH_CLAUSE for w in units)


def _repeats(n: int) -> float:
    """Weight multiplier of a phrase seen ``n`` times in the body: 1, 1.5, 2 (cap)."""
    return min(1 + _REPEAT_STEP * (n - 1), _REPEAT_CAP) if n else 0.0


def select(
    evidence: Mapping[str, Evidence],
    thresholds: Mapping[str, float],
    lead_enough: Iterable[str] = (),
) -> dict[str, float]:
    """Keep the topics the item is substantially about.

    The title names the main topic, so a solid title hit is enough.  Union
    reports list many activities in passing, so any other topic must also carry
    a fair share of the item's evidence (SECONDARY_SHARE of the best topic),
    and a topic seen only in the body needs several hits and a higher score.
    """
    candidates = {
        tid: ev for tid, ev in evidence.items() if ev.solid and ev.score >= thresholds[tid]
    }
    if not candidates:
        return {}
    best = max(ev.score for ev in candidates.values())
    kept = {}
    for tid, ev in candidates.items():
        # A named programme (Tháng Công nhân, Mái ấm Công đoàn) that the body comes back
        # to is what the reported activities belong to, however long the report.
        named = tid in lead_enough and (ev.in_lead or (ev.body_hits >= 2 and ev.recurs()))
        if not ev.in_title and not named:
            # The lead states what happened: a topic it names solidly needs a
            # smaller share beside a bigger one ("sơ kết 5 năm công tác Nữ công").
            # ... when the body comes back to it.
            share = LEAD_SHARE if ev.in_lead and ev.body_hits else SECONDARY_SHARE
            if ev.score < share * best:
                continue
            # One sentence about it is a passing mention, whatever its weight.
            if not ev.recurs():
                continue
            if not ev.in_lead and (
                ev.body_hits < 2 or ev.score < thresholds[tid] * BODY_ONLY_FACTOR
            ):
                continue
        kept[tid] = ev.score
    return kept
