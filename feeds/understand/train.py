"""Retrain the learned topic model from the labelled sets in ``tests/data/``.

    pip install -e '.[train]'
    python -m feeds.understand.train            # writes feeds/understand/data/topic_model.json

    python -m feeds.understand.train --evaluate # rules alone vs rules + model, nested CV

Trains one logistic regression per topic (scikit-learn, training only) over the
features of :mod:`feeds.understand.topic_model`, on every development set in
``tests/data/`` that is present (``devset.jsonl``, ``devset_extra.jsonl``,
``corpus_train.jsonl``, ``corpus_blind.jsonl``: the lead has read the last one, so
it is development material now; the event sets ``devset_events*.jsonl`` and the general
set ``devset_general/``).  Each topic's
two thresholds (the probability to add a topic the rules missed, never below
``MIN_THRESHOLD``; the probability a topic the rules accepted needs to stay)
are those that maximize the out-of-fold F1 (5-fold cross-validation) of the
vote as :meth:`TopicClassifier._vote <feeds.understand.topics.TopicClassifier._vote>`
casts it; a topic where the vote does not beat the rules by ``MIN_GAIN`` is
switched off.  The held-out set and the fresh blind set (``blind2/``) are
refused: they measure the model and must stay unseen.

``--evaluate`` answers whether the model earns its place: an outer K-fold split
in which the model and its thresholds are chosen on the training folds only,
and the rules alone and the rules+model vote are scored on the held-out fold.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from feeds.understand import topic_model
from feeds.understand.topic_evidence import lead_and_body
from feeds.understand.topics import TopicClassifier

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
TRAIN_FILES = (
    "devset.jsonl",
    "devset_extra.jsonl",
    "corpus_train.jsonl",
    "corpus_blind.jsonl",
    "devset_events.jsonl",
    "devset_events2.jsonl",
)
TRAIN_DIRS = ("devset_general",)  # every part (*.jsonl) of these folders
UNSEEN = ("heldout.jsonl",)  # measured by the bench, never trained on
UNSEEN_DIR = "blind2"  # the fresh blind set: every file in it is for measuring only
MIN_POSITIVES = 3  # fewer labelled items than this: the topic stays with the rules alone
MIN_THRESHOLD = 0.5
OFF = topic_model.OFF
# The vote must beat the rules' out-of-fold F1 by this much to be used for a topic:
# choosing two thresholds on a few hundred items overfits smaller gains.
MIN_GAIN = 0.04
# Probabilities below which a topic the rules accepted may be dropped (0: never).
KEEP_GRID = (0.0, 0.05, 0.1, 0.2, 0.3)
MIN_DF = 3  # an n-gram seen in one item only is noise at this corpus size
KEEP_WEIGHT = 0.06  # smaller weights are dropped from the shipped file
C = 16.0
RULES_AS_FEATURES = False
FOLDS = 5


def default_files() -> list[Path]:
    """The development sets, files and folders, in a stable order."""
    files = [DATA / name for name in TRAIN_FILES]
    return files + [part for d in TRAIN_DIRS for part in sorted((DATA / d).glob("*.jsonl"))]


def load_items(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Labelled items of every file that exists (refusing the unseen sets)."""
    items: list[dict[str, Any]] = []
    for path in paths:
        if path.name in UNSEEN or UNSEEN_DIR in path.parts:
            raise SystemExit(f"train: {path.name} is for measuring only, not for training")
        if not path.exists():
            print(f"train: {path.name} absent, skipped", file=sys.stderr)
            continue
        with path.open(encoding="utf-8") as fh:
            items += [json.loads(line) for line in fh if line.strip()]
    return items


def item_features(
    clf: TopicClassifier, item: dict[str, Any], rules_as_features: bool
) -> tuple[dict, set[str], set[str]]:
    """(features, topics the rules accept, topics they saw) of one item, as classified."""
    title, text = item.get("title") or "", item.get("text") or ""
    lead, body = lead_and_body(text, None)
    evidence = clf._evidence(title, lead, body)
    thresholds = {t.id: clf._defs[t.id].threshold for t in clf.catalog()}
    feats = {
        **topic_model.text_features(title, lead, body),
        **(
            topic_model.rule_features({k: e.score for k, e in evidence.items()}, thresholds)
            if rules_as_features
            else {}
        ),
    }
    seen = {tid for tid, ev in evidence.items() if ev.solid}
    return feats, {t.id for t in clf.classify(title, text)}, seen


def vote(
    rules: list[int], probs: list[float], seen: list[bool], keep: float, add: float
) -> list[int]:
    """The decisions :meth:`TopicClassifier._vote` makes with these thresholds."""
    return [
        int(p >= keep if r else p >= (add if s else max(add, topic_model.UNSEEN_THRESHOLD)))
        for r, p, s in zip(rules, probs, seen, strict=True)
    ]


def best_vote(
    y: list[int], rules: list[int], probs: list[float], seen: list[bool]
) -> tuple[float, float, float]:
    """(keep, add, F1): the thresholds of the rules+model vote that maximize out-of-fold F1.

    ``keep``: the probability a topic the rules accepted needs to stay (0: always);
    ``add``: the probability a topic they did not accept needs to be added (OFF:
    never).  On a tie the rules alone win, then the more cautious thresholds.
    """
    best = (0.0, OFF, _f1(y, rules))
    for keep in KEEP_GRID:
        for step in [*range(98, int(MIN_THRESHOLD * 100) - 1, -2), None]:
            add = OFF if step is None else step / 100
            f1 = _f1(y, vote(rules, probs, seen, keep, add))
            if f1 > best[2] + 1e-9:
                best = (keep, add, f1)
    if best[2] < _f1(y, rules) + MIN_GAIN:
        return 0.0, OFF, _f1(y, rules)  # a gain this small is the search's own noise
    return best


def train(
    items: list[dict[str, Any]], *, rules_as_features: bool = False
) -> tuple[dict[str, Any], list[str]]:
    """The model as JSON-ready data, and a report of out-of-fold figures."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    clf = TopicClassifier(model=False)
    rows = [item_features(clf, item, rules_as_features) for item in items]
    df: dict[str, int] = {}
    for feats, _, _ in rows:
        for f in feats:
            df[f] = df.get(f, 0) + 1
    keep = {f for f, n in df.items() if n >= MIN_DF or f.startswith(topic_model.RULE_PREFIX)}
    vec = DictVectorizer()
    x = vec.fit_transform([{f: v for f, v in feats.items() if f in keep} for feats, _, _ in rows])
    names = list(vec.get_feature_names_out())
    topics = [t.id for t in clf.catalog()]
    weights: dict[str, dict[str, float]] = {}
    bias, thresholds, keeps, report = [], {}, {}, []
    for ti, tid in enumerate(topics):
        y = [int(tid in item["topics"]) for item in items]
        if sum(y) < MIN_POSITIVES:
            bias.append(-10.0)
            report.append(f"{tid:<28} {sum(y):>3} positives: rules only")
            continue
        model = LogisticRegression(C=C, class_weight="balanced", solver="lbfgs", max_iter=2000)
        folds = StratifiedKFold(n_splits=min(FOLDS, sum(y)), shuffle=True, random_state=0)
        oof = cross_val_predict(model, x, y, cv=folds, method="predict_proba")[:, 1]
        rules = [int(tid in accepted) for _, accepted, _ in rows]
        seen = [tid in seen_topics for _, _, seen_topics in rows]
        keep, add, f1 = best_vote(y, rules, list(oof), seen)
        alone = [int(p >= 0.5) for p in oof]
        used = keep > 0 or add < OFF
        report.append(
            f"{tid:<28} {sum(y):>3} positives  out-of-fold F1: rules {_f1(y, rules):.2f}  "
            f"model {_f1(y, alone):.2f}  rules+model {f1:.2f} "
            + (f"(keep >= {keep:.2f}, add >= {add:.2f})" if used else "(model off)")
        )
        model.fit(x, y)
        thresholds[tid] = add
        if keep > 0:
            keeps[tid] = keep
        bias.append(round(float(model.intercept_[0]), 4))
        if not used:
            continue  # the vote never uses this topic's weights: do not ship them
        for name, w in zip(names, model.coef_[0], strict=True):
            if abs(w) >= KEEP_WEIGHT:
                weights.setdefault(name, {})[str(ti)] = round(float(w), 3)
    data = {
        "format": 1,
        "trained_on": len(items),
        "rules_as_features": rules_as_features,
        "topics": topics,
        "bias": bias,
        "thresholds": thresholds,
        "keep": keeps,
        "weights": weights,
    }
    return data, report


def evaluate(
    items: list[dict[str, Any]], *, rules_as_features: bool = False, folds: int = FOLDS
) -> list[str]:
    """Nested cross-validation: rules alone vs the rules+model vote, micro P/R/F1.

    Items are dealt into ``folds`` outer folds (a fixed shuffle); for each, the
    model and its thresholds are trained on the other folds only (their own inner
    cross-validation included), then both classifiers label the fold.
    """
    import random

    order = list(range(len(items)))
    random.Random(1).shuffle(order)
    rules_clf = TopicClassifier(model=False)
    counts = {"rules": [0, 0, 0], "rules+model": [0, 0, 0]}  # tp, fp, fn
    for k in range(folds):
        test = [items[i] for i in order[k::folds]]
        rest = [items[i] for j in range(folds) if j != k for i in order[j::folds]]
        data, _ = train(rest, rules_as_features=rules_as_features)
        voting = TopicClassifier(model=topic_model.TopicModel.from_json(data))
        for name, clf in (("rules", rules_clf), ("rules+model", voting)):
            for item in test:
                gold = set(item["topics"])
                got = {t.id for t in clf.classify(item.get("title") or "", item.get("text") or "")}
                tally = counts[name]
                tally[0] += len(gold & got)
                tally[1] += len(got - gold)
                tally[2] += len(gold - got)
    lines = [f"{len(items)} items, {folds} outer folds (model and thresholds from the rest):"]
    for name, (tp, fp, fn) in counts.items():
        p, r = tp / ((tp + fp) or 1), tp / ((tp + fn) or 1)
        f1 = 2 * p * r / ((p + r) or 1)
        lines.append(f"  {name:<12} topics P {p:.3f}  R {r:.3f}  F1 {f1:.3f}  (fp {fp}, fn {fn})")
    return lines


def _f1(y: list[int], pred: list[int]) -> float:
    tp = sum(a and b for a, b in zip(y, pred, strict=True))
    wrong = sum(a != b for a, b in zip(y, pred, strict=True))
    return 2 * tp / (2 * tp + wrong) if tp else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path, help="labelled JSONL (default: tests/data/)")
    ap.add_argument("--out", type=Path, default=topic_model.MODEL_FILE)
    ap.add_argument(
        "--rules-as-features",
        action="store_true",
        help="feed the rules' scores to the model (it then mostly copies the rules; "
        "the default keeps the model independent and lets it vote beside them)",
    )
    ap.add_argument(
        "--evaluate",
        action="store_true",
        help="do not write a model: compare rules alone with rules+model by nested "
        "cross-validation",
    )
    args = ap.parse_args(argv)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise SystemExit("train: pip install -e '.[train]' (scikit-learn) first") from None
    items = load_items(args.files or default_files())
    if args.evaluate:
        print("\n".join(evaluate(items, rules_as_features=args.rules_as_features)))
        return 0
    data, report = train(items, rules_as_features=args.rules_as_features)
    print(f"{len(items)} items; out-of-fold figures per topic:")
    print("\n".join(report))
    args.out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{args.out}: {len(data['weights'])} features, {args.out.stat().st_size // 1024} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
