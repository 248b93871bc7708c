"""Union topics: multi-label classification (phrase rules plus a learned vote) and lookup.

Definitions live in ``feeds/understand/data/topics.toml`` (weighted phrases, guards,
implications, per-topic thresholds); operators may extend them from
``bot_config.toml`` (``[topics.<id>]``).  The rules decide first: phrases are
found by :mod:`feeds.understand.topic_phrases` and weighed by where they stand
(:mod:`feeds.understand.topic_evidence`: title x3, lead x2, body x1, passing
mentions discounted).  The learned model (:mod:`feeds.understand.topic_model`)
then votes: it may add a topic the rules saw but did not accept, per-topic
thresholds chosen by cross-validation.
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
from feeds.understand.topic_evidence import (
    BODY_FACTOR,
    DEFAULT_THRESHOLD,
    LEAD_FACTOR,
    OPERATOR_WEIGHT,
    TITLE_FACTOR,
    WEIGHTS,
    Evidence,
    Segment,
    lead_and_body,
    select,
    split_segments,
)
from feeds.understand.topic_phrases import (
    SEP,
    Entry,
    PhraseIndex,
    key_tokens,
    phrase_tokens,
    text_keys,
)

DATA_FILE = Path(__file__).parent / "data" / "topics.toml"

__all__ = ["DATA_FILE", "Topic", "TopicClassifier", "default_classifier", "key_tokens", "text_keys"]


@dataclass(frozen=True)
class Topic:
    """A union topic as users see it."""

    id: str
    name: str
    name_en: str


@dataclass
class _Definition:
    topic: Topic
    phrases: dict[str, float] = field(default_factory=dict)  # raw phrase -> weight
    guards: list[str] = field(default_factory=list)
    implies: list[str] = field(default_factory=list)
    # Topics this one, named in the title, turns into recounted history: they then
    # count only when the title names them too (a union's history lists its congresses).
    eclipses: list[str] = field(default_factory=list)
    # Words one of which the item must contain ("công đoàn"): a Youth Union congress or a
    # state inspection uses the same phrases as the union's own, but is not the union's.
    requires: list[str] = field(default_factory=list)
    threshold: float = DEFAULT_THRESHOLD
    lead_enough: bool = False  # a named programme: a solid phrase in the lead is the subject


# The union's own words; an item with none of them that names the Youth, Women's,
# Farmers' or Veterans' Union is that organisation's news ("Huyện đoàn tổ chức Ngày hội
# đoàn viên"), not a union topic, whatever its sports or gifts.
_UNION_WORDS = ("công đoàn", "liên đoàn lao động", "lđlđ", "cđcs", "nghiệp đoàn", "cnvc", "nữ công")
_OTHER_ORGANISATIONS = re.compile(
    r"(?<!\w)(?:đoàn thanh niên|huyện đoàn|tỉnh đoàn|thành đoàn|quận đoàn|chi đoàn|đoàn tncs"
    r"|đoàn tn|đoàn khối|hội liên hiệp phụ nữ|hội lhpn|hội phụ nữ|hội nông dân|hội cựu chiến binh)(?!\w)"
)


def _another_organisations(text: str) -> bool:
    """Whether ``text`` is another mass organisation's news (see above)."""
    plain = text.lower()
    return not any(w in plain for w in _UNION_WORDS) and bool(_OTHER_ORGANISATIONS.search(plain))


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
        self._indexes = {False: PhraseIndex(), True: PhraseIndex()}
        for topic_id, definition in self._defs.items():
            for phrase, weight in definition.phrases.items():
                exact, folded = phrase_tokens(phrase)
                pid = len(self._weights)
                self._weights.append(weight)
                if exact:
                    self._indexes[False].add(Entry(topic_id, tuple(exact), pid))
                # Folding merges syllables (thăm/tham, quà/qua): fold only
                # phrases of two or more words.
                if len(folded) >= 2:
                    self._indexes[True].add(Entry(topic_id, tuple(folded), pid))
            for guard in definition.guards:
                exact, folded = phrase_tokens(guard)
                if exact:
                    self._indexes[False].add(Entry(topic_id, tuple(exact), -1))
                if folded:
                    self._indexes[True].add(Entry(topic_id, tuple(folded), -1))

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
        lead, body = lead_and_body(text or "", sapo)
        evidence = self._evidence(title, lead, body)
        thresholds = {tid: d.threshold for tid, d in self._defs.items()}
        lead_enough = {tid for tid, d in self._defs.items() if d.lead_enough}
        accepted = select(evidence, thresholds, lead_enough)
        for tid in [t for t in accepted if evidence[t].in_title]:
            for other in self._defs[tid].eclipses:
                if other in accepted and not evidence[other].in_title:
                    del accepted[other]
        if self._model is not None:
            self._vote(self._model, (title or "", lead, body), evidence, accepted)
        self._drop_unrequited(title, text, accepted)
        if accepted and _another_organisations(f"{title}\n{text}"):
            return []
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
        evidence: Mapping[str, Evidence],
        accepted: dict[str, float],
    ) -> None:
        """Let the learned model overrule the rules where cross-validation says it helps.

        Per topic, the model may add a topic the rules did not accept (its
        probability reaches ``thresholds``) or drop one they accepted (its
        probability stays under ``keep``).  It reads every word but knows no
        guards ("Kỷ niệm chương" is an award, not an anniversary), so a topic
        whose phrases the rules did not see at all needs a near-certain model.
        """
        if not model.active():
            return  # cross-validation switched every topic off: nothing to compute
        thresholds = {tid: d.threshold for tid, d in self._defs.items()}
        feats = topic_model.text_features(*zones)
        if model.rules_as_features:
            rules = {tid: ev.score for tid, ev in evidence.items()}
            feats.update(topic_model.rule_features(rules, thresholds))
        for tid, prob in model.probabilities(feats).items():
            if tid not in self._defs:
                continue
            if tid in accepted:
                if prob < model.keep.get(tid, 0.0):
                    del accepted[tid]
                continue
            limit = model.thresholds.get(tid, topic_model.OFF)
            ev = evidence.get(tid)
            if ev is None or not ev.solid:
                limit = max(limit, topic_model.UNSEEN_THRESHOLD)
            if prob >= limit:
                # Ranked after the topics the rules are sure of.
                accepted[tid] = prob * thresholds[tid] * 0.9

    def _drop_unrequited(self, title: str, text: str, accepted: dict[str, float]) -> None:
        """Drop accepted topics whose required words the item never writes."""
        needy = [tid for tid in accepted if self._defs[tid].requires]
        if not needy:
            return
        plain = f"{title}\n{text}".lower()
        needy = [t for t in needy if not any(w in plain for w in self._defs[t].requires)]
        if not needy:
            return  # the words as written: no folding needed (most items)
        folded = vntext.match_keys(title + "\n" + text)[1]
        for tid in needy:
            # Letters only around the word: pages glue digits on ("năm 2021công đoàn").
            words = (vntext.fold_key(w) for w in self._defs[tid].requires)
            if not any(re.search(rf"(?<![a-z]){w}(?![a-z])", folded) for w in words):
                del accepted[tid]

    def _evidence(self, title: str, lead: str, body: str) -> dict[str, Evidence]:
        """What the phrase rules found for every topic, accepted or not."""
        # "Giải bóng đá chào mừng 95 năm...": the occasion in a title weighs as a
        # lead would (it must recur in the text), the rest names the main topic.
        segments = split_segments(title or "", TITLE_FACTOR, False, 0, frame_factor=LEAD_FACTOR)
        segments += split_segments(lead, LEAD_FACTOR, False, 1)
        segments += split_segments(body, BODY_FACTOR, True, len(segments) + 1)
        evidence: dict[str, Evidence] = {}
        for folded in (False, True):
            group = [seg for seg in segments if seg.folded == folded]
            if group:
                self._gather(group, self._indexes[folded], evidence)
        return evidence

    def _gather(
        self, segments: list[Segment], index: PhraseIndex, evidence: dict[str, Evidence]
    ) -> None:
        """Scan all segments in one pass (the per-call setup dominates short clauses)."""
        words: list[str] = []
        starts: list[int] = []
        for seg in segments:
            starts.append(len(words))
            words.extend(seg.words)
            words.append(SEP)
        for topic_id, found in index.hits(words).items():
            per_segment: dict[int, Counter[int]] = {}
            for pos, phrase in found:
                k = bisect_right(starts, pos) - 1
                per_segment.setdefault(k, Counter())[phrase] += 1
            ev = evidence.setdefault(topic_id, Evidence())
            for k, counts in per_segment.items():
                ev.add(segments[k], counts, self._weights)

    def resolve(self, query: str) -> list[tuple[Topic, float]]:
        """Topics a user probably means by ``query``, best first, scores in [0, 1]."""
        return [(self._defs[tid].topic, s) for tid, s in self._resolve_index.lookup(query)]


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
                (" ".join(phrase_tokens(p)[0]), " ".join(phrase_tokens(p)[1]), w)
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
            eclipses=list(spec.get("eclipses", [])),
            requires=list(spec.get("requires", [])),
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
