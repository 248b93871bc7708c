"""Union topics: multi-label keyword classification and topic lookup.

Definitions live in ``feeds/data/topics.toml`` (weighted phrases, guards,
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
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from feeds import vntext

DATA_FILE = Path(__file__).parent / "data" / "topics.toml"

WEIGHTS = {"strong": 3.0, "keywords": 2.0, "weak": 1.0}
OPERATOR_WEIGHT = 3.0  # operators add specific phrases; one in the title is enough
TITLE_FACTOR, LEAD_FACTOR, BODY_FACTOR = 3.0, 2.0, 1.0
DEFAULT_THRESHOLD = 6.0
BODY_ONLY_FACTOR = 1.5  # a topic absent from title and lead needs 1.5x the threshold
SECONDARY_SHARE = 0.4  # ... and, unless in the title, 40% of the best topic's score
# A repeated phrase adds evidence, but less each time: 1, 1.5, 2 (cap) x weight.
_REPEAT_STEP, _REPEAT_CAP = 0.5, 2.0
_LEAD_MAX_CHARS = 400

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
_NUM_RE = r"\d+(?: \d{3})*"
_ANY_RE = r"\S+"


@dataclass(frozen=True)
class Topic:
    """A union topic as users see it."""

    id: str
    name: str
    name_en: str


def _abbreviation_table() -> tuple[dict[str, str], dict[str, str]]:
    exact = {vntext.exact_key(k): vntext.exact_key(v) for k, v in EXTRA_ABBREVIATIONS.items()}
    folded: dict[str, str] = {}
    for short, long in {**vntext.ABBREVIATIONS, **EXTRA_ABBREVIATIONS}.items():
        key = vntext.fold_key(short)
        # Folded one- or two-letter forms ("cd", "tp", "vn") are ambiguous in
        # plain ASCII text only when they are real words; these are not.
        folded[key] = vntext.fold_key(long)
    return exact, folded


def _replacer(table: Mapping[str, str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True))
    return re.compile(rf"(?<!\S)(?:{alternatives})(?!\S)")


_EXACT_ABBR, _FOLDED_ABBR = _abbreviation_table()
_EXACT_ABBR_RE, _FOLDED_ABBR_RE = _replacer(_EXACT_ABBR), _replacer(_FOLDED_ABBR)


def text_keys(text: str) -> tuple[str, str]:
    """(exact, folded) match keys with union abbreviations spelled out."""
    exact, folded = vntext.match_keys(text)
    exact = _EXACT_ABBR_RE.sub(lambda m: _EXACT_ABBR[m.group(0)], exact)
    folded = _FOLDED_ABBR_RE.sub(lambda m: _FOLDED_ABBR[m.group(0)], folded)
    return exact, folded


def _is_plain_ascii(text: str) -> bool:
    """True when the text was typed without Vietnamese diacritics."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    marked = sum(1 for ch in letters if not ch.isascii())
    return marked / len(letters) < 0.01


def _phrase_pattern(key: str) -> str:
    return re.escape(key).replace(_NUM, _NUM_RE).replace(_ANY, _ANY_RE)


def _phrase_keys(phrase: str) -> tuple[str, str]:
    marked = phrase.replace("#", f" {_NUM} ").replace("*", f" {_ANY} ")
    return text_keys(marked)


def _compile(keys: Iterable[str]) -> re.Pattern[str] | None:
    """One alternation, longest phrase first so it wins at the same position."""
    # dict.fromkeys + stable sort: group i must stay phrase i of the caller's order.
    ordered = sorted(dict.fromkeys(keys), key=len, reverse=True)
    if not ordered:
        return None
    groups = "|".join(f"(?P<g{i}>{_phrase_pattern(k)})" for i, k in enumerate(ordered))
    return re.compile(rf"(?<!\S)(?:{groups})(?!\S)")


@dataclass
class _Matcher:
    """Compiled phrases of one topic for one key kind (exact or folded)."""

    regex: re.Pattern[str] | None
    weights: list[float]  # by group index
    guards: re.Pattern[str] | None

    @classmethod
    def build(cls, phrases: Mapping[str, float], guards: Iterable[str]) -> _Matcher:
        ordered = sorted(phrases, key=len, reverse=True)
        return cls(_compile(ordered), [phrases[k] for k in ordered], _compile(guards))

    def hits(self, key: str) -> Counter[int]:
        """Phrase index -> number of hits not inside a guard phrase."""
        counts: Counter[int] = Counter()
        if self.regex is None or not key:
            return counts
        spans = [m.span() for m in self.guards.finditer(key)] if self.guards else []
        for match in self.regex.finditer(key):
            start, end = match.span()
            if any(g0 < end and start < g1 for g0, g1 in spans):
                continue
            counts[int(match.lastgroup[1:])] += 1  # type: ignore[index]
        return counts


@dataclass
class _Definition:
    topic: Topic
    phrases: dict[str, float] = field(default_factory=dict)  # raw phrase -> weight
    guards: list[str] = field(default_factory=list)
    implies: list[str] = field(default_factory=list)
    threshold: float = DEFAULT_THRESHOLD
    exact: _Matcher | None = None
    folded: _Matcher | None = None

    def compile(self) -> None:
        exact: dict[str, float] = {}
        folded: dict[str, float] = {}
        for phrase, weight in self.phrases.items():
            ekey, fkey = _phrase_keys(phrase)
            if ekey:
                exact[ekey] = max(weight, exact.get(ekey, 0.0))
            # Folding merges syllables (thăm/tham, quà/qua): fold only phrases
            # of two or more syllables.
            if len(fkey.split()) >= 2:
                folded[fkey] = max(weight, folded.get(fkey, 0.0))
        guard_keys = [_phrase_keys(g) for g in self.guards]
        self.exact = _Matcher.build(exact, (g[0] for g in guard_keys if g[0]))
        self.folded = _Matcher.build(folded, (g[1] for g in guard_keys if g[1]))


@dataclass
class _Segment:
    exact: str
    folded: str
    plain: bool  # typed without diacritics: match folded keys
    factor: float
    is_body: bool

    @classmethod
    def of(cls, text: str, factor: float, is_body: bool) -> _Segment:
        exact, folded = text_keys(text)
        return cls(exact, folded, _is_plain_ascii(text), factor, is_body)


def _lead_and_body(text: str, sapo: str | None) -> tuple[str, str]:
    """The lead (sapo, else the first one or two sentences) and the rest."""
    if sapo and sapo.strip():
        return sapo, text
    sentences = vntext.split_sentences(text[:1500])
    lead = ""
    for sentence in sentences[:2]:
        if lead and len(lead) + len(sentence) > _LEAD_MAX_CHARS:
            break
        lead = f"{lead} {sentence}".strip()
    return lead, text


class TopicClassifier:
    """Assigns union topics to items and resolves topic names typed by users."""

    def __init__(self, extra: Mapping[str, Mapping[str, object]] | None = None) -> None:
        self._defs: dict[str, _Definition] = _load_builtin()
        for topic_id, spec in (extra or {}).items():
            self._extend(str(topic_id), spec)
        for definition in self._defs.values():
            definition.compile()
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
        segments = [_Segment.of(title or "", TITLE_FACTOR, False)]
        lead_seg = _Segment.of(lead, LEAD_FACTOR, False)
        body_seg = _Segment.of(body, BODY_FACTOR, True)
        # The lead is usually the start of the text: count it once, as lead.
        if lead_seg.exact and body_seg.exact.startswith(lead_seg.exact):
            body_seg.exact = body_seg.exact[len(lead_seg.exact) :].strip()
            body_seg.folded = body_seg.folded[len(lead_seg.folded) :].strip()
        segments += [lead_seg, body_seg]

        evidence = {tid: _evidence(d, segments) for tid, d in self._defs.items()}
        accepted = _select(evidence, {tid: d.threshold for tid, d in self._defs.items()})
        for topic_id, score in list(accepted.items()):
            for implied in self._defs[topic_id].implies:
                if implied in self._defs and implied not in accepted:
                    accepted[implied] = score * 0.9
        ranked = sorted(accepted.items(), key=lambda kv: -kv[1])
        return [(self._defs[tid].topic, round(score, 2)) for tid, score in ranked]

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


def _evidence(definition: _Definition, segments: list[_Segment]) -> _Evidence:
    """Weighted phrase hits of one topic over the title, lead and body."""
    ev = _Evidence()
    for seg in segments:
        matcher = definition.folded if seg.plain else definition.exact
        key = seg.folded if seg.plain else seg.exact
        if matcher is None:
            continue
        for index, count in matcher.hits(key).items():
            weight = matcher.weights[index]
            solid = weight >= WEIGHTS["keywords"]
            ev.solid = ev.solid or solid
            if seg.is_body:
                ev.score += weight * min(1 + _REPEAT_STEP * (count - 1), _REPEAT_CAP)
                ev.body_hits += count
            else:
                ev.score += weight * seg.factor
                if seg.factor == TITLE_FACTOR:
                    ev.in_title = ev.in_title or solid
                else:
                    ev.in_lead = ev.in_lead or solid
    return ev


def _select(evidence: Mapping[str, _Evidence], thresholds: Mapping[str, float]) -> dict[str, float]:
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
        if not ev.in_title:
            if ev.score < SECONDARY_SHARE * best:
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
                (*_phrase_keys(p), w)
                for p, w in d.phrases.items()
                if w >= WEIGHTS["keywords"] and "#" not in p and "*" not in p
            ]
            self._names.append((d.topic.id, names, phrases))

    def lookup(self, query: str) -> list[tuple[str, float]]:
        exact, folded = text_keys(query or "")
        plain = vntext.is_ascii(query or "")
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
