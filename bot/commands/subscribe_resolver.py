"""What did the user mean?  Typed text -> a unit, a topic, or keywords.

``/dangky LĐLĐ Nghệ An``, ``/dangky ldld nghe an``, ``/dangky phat trien doan
vien``, ``/dangky đại hội -chi bộ``: units are looked up in the taxonomy
(:meth:`feeds.understand.units.Taxonomy.search`, abbreviations and missing diacritics
handled there), topics with :meth:`feeds.understand.topics.TopicClassifier.resolve`.

* one clear winner        -> ``status == "match"``: subscribe at once;
* several close ones      -> ``"ambiguous"``: offer them as buttons;
* nothing close           -> ``"none"``: the closest few, and keywords;
* keyword syntax ("-word", commas, quotes, "từ khóa:") -> ``"keyword"``.

Keyword filters are plain words and phrases, never regular expressions: every
included phrase must occur (whole words; diacritics ignored when typed
without them, :func:`feeds.vntext.query_matches`) and no excluded one may.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from feeds.understand.topics import TopicClassifier, default_classifier
from feeds.understand.units import Taxonomy, taxonomy
from feeds.vntext import collapse_whitespace, exact_key, fold_key, key_for_query, normalize

MAX_INPUT = 200  # characters of a typed argument
MAX_KEYWORDS = 10  # included + excluded phrases of one subscription
MAX_KEYWORD_CHARS = 100  # of the stored phrases

# A winner must score at least this and lead the runner-up by MARGIN.
CLEAR_SCORE = 0.6
CLEAR_MARGIN = 0.12
CLOSE_SCORE = 0.35  # candidates offered as "Ý đồng chí là: ..."
AMBIGUOUS_SPREAD = 0.2  # ... when within this of the best

_KEYWORD_PREFIX = re.compile(r"^\s*(?:từ\s*khóa|từ\s*khoá|tu\s*khoa|keywords?|kw)\s*:\s*", re.I)
_EXCLUDE = re.compile(r"(?:^|\s)-(?=\w)")


class KeywordError(ValueError):
    """Unusable keywords; ``code`` is the i18n key of the answer."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class KeywordFilter:
    """Phrases that must all occur, and phrases that must not."""

    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()

    @property
    def value(self) -> str:
        """``Subscription.value``: the included phrases, comma-separated."""
        return ", ".join(self.include)

    @property
    def exclude_value(self) -> str:
        """``Subscription.exclude``: the excluded phrases, comma-separated."""
        return ",".join(self.exclude)

    @property
    def label(self) -> str:
        """What the user sees: "đại hội -chi bộ"."""
        return " ".join([self.value, *(f"-{w}" for w in self.exclude)]).strip()

    @classmethod
    def from_row(cls, value: str, exclude: str = "") -> KeywordFilter:
        """The filter of a stored subscription."""
        return cls(_split_list(value), _split_list(exclude))

    def matches(self, text: str) -> bool:
        """Every included phrase and no excluded one, as whole words."""
        keys = _TextKeys(text)
        return all(keys.has(p) for p in self.include) and not any(keys.has(p) for p in self.exclude)


class _TextKeys:
    """A text's exact and folded keys, each computed once for many phrases."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._exact: str | None = None
        self._folded: str | None = None

    def has(self, phrase: str) -> bool:
        key, folded = key_for_query(phrase)
        if not key:
            return False
        if folded:
            if self._folded is None:
                self._folded = f" {fold_key(self._text)} "
            return f" {key} " in self._folded
        if self._exact is None:
            self._exact = f" {exact_key(self._text)} "
        return f" {key} " in self._exact


def _split_list(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").split(",") if p.strip())


def _clean_phrase(text: str) -> str:
    """A phrase as stored: NFC, quotes and stray punctuation dropped, one space."""
    text = normalize(text).strip().strip("\"'“”‘’«»")
    return collapse_whitespace(text)


def parse_keywords(text: str) -> KeywordFilter:
    """ "đại hội, tết -chi bộ" -> include ("đại hội", "tết"), exclude ("chi bộ").

    Commas separate phrases; a word starting with "-" starts an excluded phrase
    that runs to the next comma or "-".  Raises :class:`KeywordError`.
    """
    text = _KEYWORD_PREFIX.sub("", normalize(text or ""))
    include: list[str] = []
    exclude: list[str] = []
    for chunk in text.split(","):
        pieces = _EXCLUDE.split(chunk)
        head, excluded = pieces[0], pieces[1:]
        if head.strip():
            include.append(head)
        exclude.extend(excluded)
    include_clean = [p for p in (_clean_phrase(x) for x in include) if exact_key(p)]
    exclude_clean = [p for p in (_clean_phrase(x) for x in exclude) if exact_key(p)]
    include_clean = list(dict.fromkeys(include_clean))
    exclude_clean = list(dict.fromkeys(exclude_clean))
    if not include_clean and not exclude_clean:
        raise KeywordError("kw_empty")
    if not include_clean:
        raise KeywordError("kw_only_exclude")
    if len(include_clean) + len(exclude_clean) > MAX_KEYWORDS:
        raise KeywordError("kw_too_many")
    result = KeywordFilter(tuple(include_clean), tuple(exclude_clean))
    if len(result.value) > MAX_KEYWORD_CHARS or len(result.exclude_value) > MAX_KEYWORD_CHARS:
        raise KeywordError("kw_too_long")
    return result


def looks_like_keywords(text: str) -> bool:
    """Keyword syntax the user typed on purpose: a prefix, "-word", commas or quotes."""
    return bool(
        _KEYWORD_PREFIX.match(text)
        or _EXCLUDE.search(text)
        or "," in text
        or re.search(r"[\"“”«»]", text)
    )


@dataclass(frozen=True)
class Candidate:
    """Something the user can follow."""

    kind: str  # "unit" | "topic"
    value: str  # unit id or topic id
    label: str  # Vietnamese name
    score: float
    label_en: str | None = None
    historical: bool = False

    def display(self, lang: str) -> str:
        return (self.label_en or self.label) if lang == "en" else self.label


@dataclass(frozen=True)
class Resolution:
    status: str  # "match" | "ambiguous" | "none" | "keyword"
    query: str
    candidates: list[Candidate] = field(default_factory=list)  # best first
    keywords: KeywordFilter | None = None  # the query as keywords, when usable
    keyword_error: str | None = None

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


class Resolver:
    """Resolves typed text against the taxonomy and the topic catalog."""

    def __init__(
        self, units: Taxonomy | None = None, topics: TopicClassifier | None = None
    ) -> None:
        self.units = units or taxonomy()
        self.topics = topics or default_classifier()
        # A crowd types the same few names ("/dangky phát triển đoàn viên" from a
        # conference's slide): the fuzzy unit search is most of a command's CPU
        # (measured with py-spy under bench/replies.py), and its answer for a text
        # never changes while the process runs.
        self._ranked = functools.lru_cache(maxsize=2048)(self._rank)

    def candidates(self, query: str, limit: int = 8) -> list[Candidate]:
        """Units and topics ranked together, best first."""
        return list(self._ranked(query, limit))

    def _rank(self, query: str, limit: int) -> tuple[Candidate, ...]:
        found: list[Candidate] = []
        for unit, score in self.units.search(query, limit=limit):
            found.append(Candidate("unit", unit.id, unit.name, score, historical=unit.historical))
        for topic, score in self.topics.resolve(query)[:limit]:
            found.append(Candidate("topic", topic.id, topic.name, score, label_en=topic.name_en))
        # Topics first on ties: "đại hội" is the congress topic before a xã "Đại Huệ".
        found.sort(key=lambda c: (-c.score, c.kind != "topic", c.historical))
        return tuple(found[:limit])

    def resolve(self, query: str) -> Resolution:
        query = collapse_whitespace(normalize(query or ""))
        keywords, error = _try_keywords(query)
        if looks_like_keywords(query):
            return Resolution("keyword", query, keywords=keywords, keyword_error=error)
        ranked = self.candidates(query)
        if not ranked:
            return Resolution("none", query, keywords=keywords, keyword_error=error)
        best = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        if best.score >= CLEAR_SCORE and best.score - runner_up >= CLEAR_MARGIN:
            return Resolution("match", query, [best], keywords, error)
        if best.score >= CLOSE_SCORE:
            floor = max(CLOSE_SCORE, best.score - AMBIGUOUS_SPREAD)
            close = [c for c in ranked if c.score >= floor][:6]
            return Resolution("ambiguous", query, close, keywords, error)
        return Resolution("none", query, ranked[:3], keywords, error)

    def unit_candidate(self, unit_id: str) -> Candidate | None:
        unit = self.units.get(unit_id)
        if unit is None:
            return None
        return Candidate("unit", unit.id, unit.name, 1.0, historical=unit.historical)

    def topic_candidate(self, topic_id: str) -> Candidate | None:
        topic = self.topics.get(topic_id)
        if topic is None:
            return None
        return Candidate("topic", topic.id, topic.name, 1.0, label_en=topic.name_en)


def _try_keywords(query: str) -> tuple[KeywordFilter | None, str | None]:
    try:
        return parse_keywords(query), None
    except KeywordError as exc:
        return None, exc.code
