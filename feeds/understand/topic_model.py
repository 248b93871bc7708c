"""The learned half of topic classification: a linear model over syllable n-grams.

The phrase rules (:mod:`feeds.understand.topics`) are precise but only know the
phrases someone wrote down; this model reads every syllable and syllable pair
of the title, lead and body (diacritics folded, so text typed without them
reads the same) plus the rules' own evidence per topic, and gives each topic a
probability.  A topic is added when its probability reaches the topic's own
threshold, chosen by cross-validation when the model was trained.

The model is plain JSON (``data/topic_model.json``: feature -> weights, biases,
thresholds), written by ``python -m feeds.understand.train``: no pickle, and
scikit-learn is needed to train only, never at run time.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path

from feeds import vntext

log = logging.getLogger(__name__)

MODEL_FILE = Path(__file__).with_name("data") / "topic_model.json"
# Title words say most about the subject, the lead next: counted 3x and 2x.
ZONE_WEIGHTS = (3.0, 2.0, 1.0)
RULE_PREFIX = "rule:"
RULE_CAP = 2.0  # a rule score above twice its threshold adds no more evidence
# A topic none of whose phrases the rules saw needs this probability (see topics._vote).
UNSEEN_THRESHOLD = 0.9
OFF = 1.01  # a topic's threshold when cross-validation found the model adds nothing


def ngrams(text: str) -> list[str]:
    """Folded syllables and syllable pairs of a text ("phat", "phat_trien")."""
    words = vntext.fold_key(text).split()
    return words + [f"{a}_{b}" for a, b in pairwise(words)]


def text_features(title: str, lead: str, body: str) -> dict[str, float]:
    """Log-scaled, length-normalized n-gram counts of the three zones."""
    counts: Counter[str] = Counter()
    for zone, weight in zip((title, lead, body), ZONE_WEIGHTS, strict=True):
        for gram in ngrams(zone):
            counts[gram] += weight
    feats = {g: math.log1p(c) for g, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in feats.values())) or 1.0
    return {g: v / norm for g, v in feats.items()}


def rule_features(rule_scores: Mapping[str, float], thresholds: Mapping[str, float]) -> dict:
    """The rules' evidence per topic, as a share of the topic's threshold (capped)."""
    return {
        f"{RULE_PREFIX}{tid}": min(score / thresholds[tid], RULE_CAP) / RULE_CAP
        for tid, score in rule_scores.items()
        if score > 0 and tid in thresholds
    }


@dataclass(frozen=True)
class TopicModel:
    """Per-topic logistic regression over sparse features, with its thresholds."""

    weights: dict[str, dict[str, float]]  # feature -> topic -> weight
    bias: dict[str, float]
    thresholds: dict[str, float]  # probability to add a topic the rules did not accept
    rules_as_features: bool = False
    keep: dict[str, float] = field(default_factory=dict)  # to keep one they accepted

    @classmethod
    def from_json(cls, data: Mapping) -> TopicModel:
        topics: list[str] = list(data["topics"])
        weights = {
            feat: {topics[i]: w for i, w in _row(row, topics).items()}
            for feat, row in data["weights"].items()
        }
        bias = dict(zip(topics, data["bias"], strict=True))
        return cls(
            weights,
            bias,
            dict(data["thresholds"]),
            bool(data.get("rules_as_features")),
            dict(data.get("keep", {})),
        )

    def active(self) -> bool:
        """Whether any topic's thresholds let the model vote."""
        return any(t < OFF for t in self.thresholds.values()) or any(self.keep.values())

    def probabilities(self, features: Mapping[str, float]) -> dict[str, float]:
        """Topic -> probability for one item's features."""
        z = dict(self.bias)
        for feat, value in features.items():
            row = self.weights.get(feat)
            if row:
                for tid, w in row.items():
                    z[tid] += w * value
        return {tid: 1.0 / (1.0 + math.exp(-max(min(v, 30.0), -30.0))) for tid, v in z.items()}


def _row(row: object, topics: list[str]) -> dict[int, float]:
    """A stored row: {"topic index": weight} (only the weights that matter are kept)."""
    if not isinstance(row, dict):
        raise ValueError("topic model: each weight row must be an object")
    return {int(i): float(w) for i, w in row.items() if 0 <= int(i) < len(topics)}


def load_model(path: Path) -> TopicModel | None:
    """The model in ``path``, or None (one log line) when it is absent or unreadable.

    Topics then come from the phrase rules alone: a broken model file must not
    stop the bot from classifying.
    """
    try:
        return TopicModel.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("topic model %s unreadable (%s): topics from the phrase rules only", path, exc)
        return None


@cache
def default_model() -> TopicModel | None:
    """The shipped model (loaded once), or None: rules alone then."""
    return load_model(MODEL_FILE)
