"""Retrain the learned topic model from the labelled sets in ``tests/data/``.

    pip install -e '.[train]'
    python -m feeds.understand.train            # writes feeds/understand/data/topic_model.json

Trains one logistic regression per topic (scikit-learn, training only) over the
features of :mod:`feeds.understand.topic_model`, on ``devset.jsonl``,
``devset_extra.jsonl`` and ``corpus_train.jsonl`` when present.  Each topic's
threshold is the one that maximizes the out-of-fold F1 of the rules+model vote
as :meth:`TopicClassifier._vote <feeds.understand.topics.TopicClassifier._vote>`
casts it (5-fold cross-validation), never below ``MIN_THRESHOLD``, or OFF when
the model adds nothing the rules do not already get right.  The blind and held-out sets are refused:
they measure the model and must stay unseen.
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
TRAIN_FILES = ("devset.jsonl", "devset_extra.jsonl", "corpus_train.jsonl")
UNSEEN = ("corpus_blind.jsonl", "heldout.jsonl")  # measured by the bench, never trained on
MIN_POSITIVES = 3  # fewer labelled items than this: the topic stays with the rules alone
MIN_THRESHOLD = 0.5
OFF = topic_model.OFF
MIN_DF = 3  # an n-gram seen in one item only is noise at this corpus size
KEEP_WEIGHT = 0.005  # smaller weights are dropped from the shipped file
C = 16.0
RULES_AS_FEATURES = False
FOLDS = 5


def load_items(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Labelled items of every file that exists (refusing the unseen sets)."""
    items: list[dict[str, Any]] = []
    for path in paths:
        if path.name in UNSEEN:
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


def best_threshold(
    y: list[int], rules: list[int], probs: list[float], seen: list[bool]
) -> tuple[float, float]:
    """(threshold, F1) of the rules+model vote that maximizes out-of-fold F1.

    Thresholds from MIN_THRESHOLD up, and OFF (the model adds nothing); on a tie
    the higher threshold wins: the rules' precision is the baseline to keep.
    """
    best = (OFF, _f1(y, rules))
    for step in range(98, int(MIN_THRESHOLD * 100) - 1, -2):
        t = step / 100
        both = [
            int(r or p >= (t if s else max(t, topic_model.UNSEEN_THRESHOLD)))
            for r, p, s in zip(rules, probs, seen, strict=True)
        ]
        f1 = _f1(y, both)
        if f1 > best[1] + 1e-9:
            best = (t, f1)
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
    bias, thresholds, report = [], {}, []
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
        t, f1 = best_threshold(y, rules, list(oof), seen)
        alone = [int(p >= 0.5) for p in oof]
        report.append(
            f"{tid:<28} {sum(y):>3} positives  out-of-fold F1: rules {_f1(y, rules):.2f}  "
            f"model {_f1(y, alone):.2f}  rules+model {f1:.2f} "
            + (f"(threshold {t:.2f})" if t < OFF else "(model off)")
        )
        model.fit(x, y)
        thresholds[tid] = t
        bias.append(round(float(model.intercept_[0]), 4))
        if t >= OFF:
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
        "weights": weights,
    }
    return data, report


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
    args = ap.parse_args(argv)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise SystemExit("train: pip install -e '.[train]' (scikit-learn) first") from None
    items = load_items(args.files or [DATA / name for name in TRAIN_FILES])
    data, report = train(items, rules_as_features=args.rules_as_features)
    print(f"{len(items)} items; out-of-fold figures per topic:")
    print("\n".join(report))
    args.out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{args.out}: {len(data['weights'])} features, {args.out.stat().st_size // 1024} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
