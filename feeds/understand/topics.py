"""Union topics: multi-label keyword classification and topic lookup.

Definitions live in ``feeds/understand/data/topics.toml`` (weighted phrases, guards,
implications, per-topic thresholds); operators may extend them from
``bot_config.toml`` (``[topics.<id>]``).  A topic is assigned only when the item
is substantially about it: hits in the title count three times, in the lead
(sapo or first sentences) twice, in the body once, and a topic seen only in
the body needs several hits (see the TOML header for the scoring rule).

Matching runs on exact keys (diacritics kept, abbreviations expanded) so that
"thu" never matches "thư"; text typed without diacritics is matched on folded
keys, with single-syllable phrases skipped because folding makes them
ambiguous ("thăm" and "tham" both fold to "tham").
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from feeds import vntext
from feeds.understand import topic_model

DATA_FILE = Path(__file__).parent / "data" / "topics.toml"

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
}

# Placeholders that survive keying: "#" = a number, "*" = any one word.
_NUM, _ANY = "qqnumqq", "qqanyqq"
_SEP = "\x00"  # between segments scanned in one pass: no phrase spans it


@dataclass(frozen=True)
class Topic:
    """A union topic as users see it."""

    id: str
    name: str
    name_en: str


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


def _is_plain_ascii(text: str) -> bool:
    """True when the text was typed without Vietnamese diacritics.

    Vietnamese with diacritics has about one marked letter in four characters;
    a stray "é" or curly quotes in plain text stay far below the 0.5% bar.
    """
    sample = text[:3000]
    if not any(ch.isalpha() for ch in sample):
        return False
    return len(_MARKED_LETTER.findall(sample)) < 0.005 * len(sample)


def _phrase_tokens(phrase: str) -> tuple[list[str], list[str]]:
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
        elif (token == _ANY and words[j] != _SEP) or token == words[j]:
            j += 1
        else:
            return -1
    return j


@dataclass(frozen=True)
class _Entry:
    topic: str
    pattern: tuple[str, ...]
    phrase: int  # phrase id (index into the classifier's weights); -1 for a guard


class _PhraseIndex:
    """Every topic's phrases and guards for one key kind, indexed by first word.

    One pass over the item's words serves all topics: each word looks up only
    the phrases that start with it.
    """

    def __init__(self) -> None:
        # Keyed by the first two words when both are literal (most phrases), so a
        # common first word ("công", "người") does not fan out to every phrase.
        self._by_pair: dict[tuple[str, str], list[_Entry]] = {}
        self._by_first: dict[str, list[_Entry]] = {}
        self._num_first: list[_Entry] = []

    def add(self, entry: _Entry) -> None:
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


@dataclass
class _Definition:
    topic: Topic
    phrases: dict[str, float] = field(default_factory=dict)  # raw phrase -> weight
    guards: list[str] = field(default_factory=list)
    implies: list[str] = field(default_factory=list)
    threshold: float = DEFAULT_THRESHOLD
    lead_enough: bool = False  # a named programme: a solid phrase in the lead is the subject


@dataclass
class _Segment:
    words: list[str]
    factor: float
    is_body: bool
    folded: bool  # typed without diacritics: matched on folded keys
    unit: int = 0  # clause number across the item: evidence must recur to count
    listing: int = -1  # the enumeration this clause is an item of, if any
    passing: bool = False  # inside a greeting frame: supporting evidence only


# "Chào mừng kỷ niệm 95 năm... (28/7/1929 - 28/7/2024), sáng 15/7, LĐLĐ tỉnh khai mạc
# giải bóng đá": the frame names an occasion, not the subject; it ends at its clause's
# comma (brackets skipped).  "Nhân dịp này" introduces the main clause: not a frame.
_FRAME = re.compile(
    r"(?<!\w)(?:chào mừng|nhân dịp(?! này)|nhân kỷ niệm|hướng tới|hướng đến|tiến tới"
    r"|chào đón)(?!\w)[^,.;:!?\n(]*(?:\([^)\n]*\)[^,.;:!?\n(]*)*",
    re.IGNORECASE,
)
_OCCASION = re.compile(r"(?:nhân dịp|nhân kỷ niệm)(?!\w)", re.IGNORECASE)
# ... of the union's own founding or tradition day, not a national holiday.
_FOUNDING = re.compile(
    r"(?:thành lập|truyền thống)\s+(?:công đoàn|liên đoàn|tổng liên đoàn|lđlđ|cđ)", re.IGNORECASE
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


def _segments(
    text: str, factor: float, is_body: bool, first: int, *, frame_factor: float | None = None
) -> list[_Segment]:
    """Clause segments of one part of the item, greeting frames split off.

    Frames are passing evidence, or (``frame_factor``) weigh as that part would.
    """
    out: list[_Segment] = []
    plain = _is_plain_ascii(text)
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
            for piece, framed in pieces:
                # "Nhân dịp kỷ niệm 95 năm Ngày thành lập Công đoàn Việt Nam, LĐLĐ tổ
                # chức gặp mặt": in the lead the occasion is part of what happened.
                if framed and not is_body and _OCCASION.match(piece) and _FOUNDING.search(piece):
                    framed = False
                words = key_tokens(piece, folded=plain)
                if not words:
                    continue
                if framed and frame_factor is not None:
                    seg = _Segment(words, frame_factor, is_body, plain, unit, listing)
                else:
                    seg = _Segment(words, factor, is_body, plain, unit, listing, framed)
                out.append(seg)
            unit += 1
    return out


def _lead_and_body(text: str, sapo: str | None) -> tuple[str, str]:
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


class TopicClassifier:
    """Assigns union topics to items and resolves topic names typed by users."""

    def __init__(
        self,
        extra: Mapping[str, Mapping[str, object]] | None = None,
        *,
        model: topic_model.TopicModel | bool | None = True,
    ) -> None:
        """``model``: True = the shipped learned model, False/None = phrase rules only."""
        self._model = topic_model.default_model() if model is True else (model or None)
        self._defs: dict[str, _Definition] = _load_builtin()
        for topic_id, spec in (extra or {}).items():
            self._extend(str(topic_id), spec)
        self._build_indexes()
        self._resolve_index = _ResolveIndex(self._defs.values())

    # --- configuration -------------------------------------------------------

    def _extend(self, topic_id: str, spec: Mapping[str, object]) -> None:
        """Add operator keywords to a topic, or define a new one."""
        if not re.fullmatch(r"[a-z0-9_]+", topic_id):
            raise ValueError(f"topics.{topic_id}: id must be lowercase letters, digits, '_'")
        if not isinstance(spec, Mapping):
            raise ValueError(f"topics.{topic_id}: expected a table")
        unknown = set(spec) - {"name", "name_en", "keywords", "guards", "implies"}
        if unknown:
            raise ValueError(f"topics.{topic_id}: unknown keys {sorted(unknown)}")
        current = self._defs.get(topic_id)
        name = _optional_str(spec, "name", topic_id)
        name_en = _optional_str(spec, "name_en", topic_id)
        if current is None:
            if name is None:
                raise ValueError(f"topics.{topic_id}: a new topic needs a name")
            current = _Definition(Topic(topic_id, name, name_en or name))
            self._defs[topic_id] = current
        elif name or name_en:
            old = current.topic
            current.topic = Topic(topic_id, name or old.name, name_en or old.name_en)
        for phrase in _str_list(spec, "keywords", topic_id):
            current.phrases[phrase] = max(OPERATOR_WEIGHT, current.phrases.get(phrase, 0.0))
        current.guards.extend(_str_list(spec, "guards", topic_id))
        current.implies.extend(_str_list(spec, "implies", topic_id))

    def _build_indexes(self) -> None:
        """Phrase indexes for exact and folded keys, over all topics."""
        self._weights: list[float] = []
        self._indexes = {False: _PhraseIndex(), True: _PhraseIndex()}
        for topic_id, definition in self._defs.items():
            for phrase, weight in definition.phrases.items():
                exact, folded = _phrase_tokens(phrase)
                pid = len(self._weights)
                self._weights.append(weight)
                if exact:
                    self._indexes[False].add(_Entry(topic_id, tuple(exact), pid))
                # Folding merges syllables (thăm/tham, quà/qua): fold only
                # phrases of two or more words.
                if len(folded) >= 2:
                    self._indexes[True].add(_Entry(topic_id, tuple(folded), pid))
            for guard in definition.guards:
                exact, folded = _phrase_tokens(guard)
                if exact:
                    self._indexes[False].add(_Entry(topic_id, tuple(exact), -1))
                if folded:
                    self._indexes[True].add(_Entry(topic_id, tuple(folded), -1))

    # --- public API ------------------------------------------------------------

    def catalog(self) -> list[Topic]:
        """Every known topic, built-in ones first, in definition order."""
        return [d.topic for d in self._defs.values()]

    def get(self, topic_id: str) -> Topic | None:
        """The topic with this id, if known."""
        definition = self._defs.get(topic_id)
        return definition.topic if definition else None

    def classify(self, title: str, text: str, *, sapo: str | None = None) -> list[Topic]:
        """Topics the item is substantially about, best first."""
        return [topic for topic, _ in self.scores(title, text, sapo=sapo)]

    def scores(
        self, title: str, text: str, *, sapo: str | None = None
    ) -> list[tuple[Topic, float]]:
        """Accepted topics with their scores, best first (for debugging and ranking)."""
        lead, body = _lead_and_body(text or "", sapo)
        evidence = self._evidence(title, lead, body)
        thresholds = {tid: d.threshold for tid, d in self._defs.items()}
        lead_enough = {tid for tid, d in self._defs.items() if d.lead_enough}
        accepted = _select(evidence, thresholds, lead_enough)
        if self._model is not None:
            self._vote(self._model, (title or "", lead, body), evidence, accepted)
        for topic_id, score in list(accepted.items()):
            for implied in self._defs[topic_id].implies:
                if implied in self._defs and implied not in accepted:
                    accepted[implied] = score * 0.9
        ranked = sorted(accepted.items(), key=lambda kv: -kv[1])
        return [(self._defs[tid].topic, round(score, 2)) for tid, score in ranked]

    def _vote(
        self,
        model: topic_model.TopicModel,
        zones: tuple[str, str, str],
        evidence: Mapping[str, _Evidence],
        accepted: dict[str, float],
    ) -> None:
        """Add the topics the learned model is sure of to those the rules accepted.

        The model reads every word but knows no guards ("Kỷ niệm chương" is an
        award, not an anniversary): it may promote a topic whose phrases the
        rules saw without accepting it, and add one they did not see at all only
        when it is nearly certain.
        """
        if not model.active():
            return  # cross-validation switched every topic off: nothing to compute
        thresholds = {tid: d.threshold for tid, d in self._defs.items()}
        feats = topic_model.text_features(*zones)
        if model.rules_as_features:
            rules = {tid: ev.score for tid, ev in evidence.items()}
            feats.update(topic_model.rule_features(rules, thresholds))
        for tid, prob in model.probabilities(feats).items():
            limit = model.thresholds.get(tid, topic_model.OFF)
            if tid not in self._defs or tid in accepted or limit >= topic_model.OFF:
                continue
            ev = evidence.get(tid)
            seen = ev is not None and ev.solid
            if prob >= (limit if seen else max(limit, topic_model.UNSEEN_THRESHOLD)):
                # Ranked after the topics the rules are sure of.
                accepted[tid] = prob * thresholds[tid] * 0.9

    def _evidence(self, title: str, lead: str, body: str) -> dict[str, _Evidence]:
        """What the phrase rules found for every topic, accepted or not."""
        # "Giải bóng đá chào mừng 95 năm...": the occasion in a title weighs as a
        # lead would (it must recur in the text), the rest names the main topic.
        segments = _segments(title or "", TITLE_FACTOR, False, 0, frame_factor=LEAD_FACTOR)
        segments += _segments(lead, LEAD_FACTOR, False, 1)
        segments += _segments(body, BODY_FACTOR, True, len(segments) + 1)
        evidence: dict[str, _Evidence] = {}
        for folded in (False, True):
            group = [seg for seg in segments if seg.folded == folded]
            if group:
                self._gather(group, self._indexes[folded], evidence)
        return evidence

    def _gather(
        self, segments: list[_Segment], index: _PhraseIndex, evidence: dict[str, _Evidence]
    ) -> None:
        """Scan all segments in one pass (the per-call setup dominates short clauses)."""
        words: list[str] = []
        starts: list[int] = []
        for seg in segments:
            starts.append(len(words))
            words.extend(seg.words)
            words.append(_SEP)
        for topic_id, found in index.hits(words).items():
            per_segment: dict[int, Counter[int]] = {}
            for pos, phrase in found:
                k = bisect_right(starts, pos) - 1
                per_segment.setdefault(k, Counter())[phrase] += 1
            ev = evidence.setdefault(topic_id, _Evidence())
            for k, counts in per_segment.items():
                ev.add(segments[k], counts, self._weights)

    def resolve(self, query: str) -> list[tuple[Topic, float]]:
        """Topics a user probably means by ``query``, best first, scores in [0, 1]."""
        return [(self._defs[tid].topic, s) for tid, s in self._resolve_index.lookup(query)]


@dataclass
class _Evidence:
    score: float = 0.0
    solid: bool = False  # at least one phrase that is more than supporting evidence
    in_title: bool = False  # a solid phrase in the title
    in_lead: bool = False  # a solid phrase in the lead
    body_hits: int = 0
    units: dict[int, float] = field(default_factory=dict)  # clause -> solid weight
    listings: dict[int, set[int]] = field(default_factory=dict)  # list -> its clauses hit
    _body_seen: Counter[int] = field(default_factory=Counter)

    def add(self, seg: _Segment, counts: Counter[int], weights: list[float]) -> None:
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


def _select(
    evidence: Mapping[str, _Evidence],
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
        if not ev.in_title and not (ev.in_lead and tid in lead_enough):
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


class _ResolveIndex:
    """Names, ids and phrases of every topic, keyed for /subscribe lookups."""

    def __init__(self, definitions: Iterable[_Definition]) -> None:
        self._names: list[tuple[str, list[tuple[str, str]], list[tuple[str, str, float]]]] = []
        for d in definitions:
            names = [
                text_keys(d.topic.id.replace("_", " ")),
                text_keys(d.topic.name),
                text_keys(d.topic.name_en),
            ]
            phrases = [
                (" ".join(_phrase_tokens(p)[0]), " ".join(_phrase_tokens(p)[1]), w)
                for p, w in d.phrases.items()
                if w >= WEIGHTS["keywords"] and "#" not in p and "*" not in p
            ]
            self._names.append((d.topic.id, names, phrases))

    def lookup(self, query: str) -> list[tuple[str, float]]:
        query = (query or "").replace("_", " ")  # topic ids typed as they are shown
        exact, folded = text_keys(query)
        plain = vntext.is_ascii(query)
        q = folded if plain else exact
        if not q:
            return []
        results = []
        for topic_id, names, phrases in self._names:
            best = 0.0
            for ekey, fkey in names:
                best = max(best, _similarity(q, fkey if plain else ekey, 1.0, 0.6))
            for ekey, fkey, weight in phrases:
                top = 0.8 if weight >= WEIGHTS["strong"] else 0.7
                best = max(best, _similarity(q, fkey if plain else ekey, top, 0.45))
            if best >= 0.25:
                results.append((topic_id, round(best, 3)))
        results.sort(key=lambda r: -r[1])  # stable: catalog order breaks ties
        return results


def _similarity(query: str, target: str, full: float, contained: float) -> float:
    """How well a query key names a target key, in [0, full]."""
    if not target:
        return 0.0
    if query == target:
        return full
    if f" {query} " in f" {target} ":
        # Contained as whole words: the more of the target it covers, the better.
        return contained + (full - contained) * 0.6 * len(query) / len(target)
    q_words, t_words = query.split(), set(target.split())
    shared = sum(1 for w in q_words if w in t_words)
    if not shared:
        return 0.0
    return 0.5 * contained * shared / len(q_words) * min(1.0, shared / len(t_words) * 2)


# --- loading -----------------------------------------------------------------


def _optional_str(spec: Mapping[str, object], key: str, topic_id: str) -> str | None:
    value = spec.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"topics.{topic_id}.{key}: expected a non-empty string")
    return value.strip()


def _str_list(spec: Mapping[str, object], key: str, topic_id: str) -> list[str]:
    value = spec.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"topics.{topic_id}.{key}: expected a list of non-empty strings")
    return [v.strip() for v in value]


def _load_builtin() -> dict[str, _Definition]:
    with DATA_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    defs: dict[str, _Definition] = {}
    for topic_id, spec in data.items():
        definition = _Definition(
            Topic(topic_id, spec["name"], spec["name_en"]),
            guards=list(spec.get("guards", [])),
            implies=list(spec.get("implies", [])),
            threshold=float(spec.get("threshold", DEFAULT_THRESHOLD)),
            lead_enough=bool(spec.get("lead_enough", False)),
        )
        for tier, weight in WEIGHTS.items():
            for phrase in spec.get(tier, []):
                definition.phrases[phrase] = max(weight, definition.phrases.get(phrase, 0.0))
        defs[topic_id] = definition
    return defs


@cache
def default_classifier() -> TopicClassifier:
    """The classifier with built-in definitions only (built once)."""
    return TopicClassifier()
