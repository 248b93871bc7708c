"""The learned topic model: its JSON format, its vote beside the rules, and retraining.

A hand-written model shows what the vote does (no training needed); the
retraining test runs the real ``python -m feeds.understand.train`` path on the
labelled sets in tests/data (scikit-learn, from the ``train``/``test`` extras).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from feeds.understand import topic_model
from feeds.understand.topic_model import TopicModel, default_model, text_features
from feeds.understand.topics import TopicClassifier, default_classifier

DATA = Path(__file__).parent / "data"
TOPICS = [t.id for t in default_classifier().catalog()]


def model_json(weights: dict[str, dict[str, float]], thresholds: dict[str, float]) -> dict:
    """A model in the shipped format: feature -> {topic index: weight}."""
    return {
        "format": 1,
        "topics": TOPICS,
        "bias": [-4.0] * len(TOPICS),
        "thresholds": {t: thresholds.get(t, topic_model.OFF) for t in TOPICS},
        "weights": {
            feat: {str(TOPICS.index(t)): w for t, w in row.items()} for feat, row in weights.items()
        },
    }


def test_features_fold_diacritics_and_weigh_the_title() -> None:
    accented = text_features("Kết nạp đoàn viên", "", "Công đoàn cơ sở")
    plain = text_features("Ket nap doan vien", "", "Cong doan co so")
    assert accented == plain
    assert accented["ket_nap"] > accented["co_so"]  # title x3, body x1
    assert math.isclose(sum(v * v for v in accented.values()), 1.0)


def test_probabilities_are_the_logistic_of_the_weighted_sum() -> None:
    model = TopicModel.from_json(model_json({"ket_nap": {"phat_trien_doan_vien": 10.0}}, {}))
    feats = text_features("Kết nạp", "", "")
    z = -4.0 + 10.0 * feats["ket_nap"]
    probs = model.probabilities(feats)
    assert probs["phat_trien_doan_vien"] == pytest.approx(1 / (1 + math.exp(-z)))
    assert probs["nu_cong"] == pytest.approx(1 / (1 + math.exp(4.0)))


def test_the_model_promotes_a_topic_the_rules_saw_but_did_not_accept() -> None:
    # Membership growth in one body sentence of a congress report: the rules see
    # it (a strong phrase) but call it a passing mention; a confident model adds it.
    title = "Đại hội Công đoàn xã Anh Sơn lần thứ I, nhiệm kỳ 2025 - 2030"
    text = (
        "Sáng 10/8, Công đoàn xã Anh Sơn tổ chức Đại hội lần thứ I, nhiệm kỳ 2025 - 2030.\n"
        "Đại hội bầu Ban Chấp hành gồm 9 đồng chí và đoàn đại biểu dự đại hội cấp trên.\n"
        "Nhiệm kỳ qua, công đoàn đã kết nạp 120 đoàn viên mới."
    )
    rules_only = TopicClassifier(model=False)
    assert {t.id for t in rules_only.classify(title, text)} == {"dai_hoi_cong_doan"}
    eager = TopicModel.from_json(
        model_json({"ket_nap": {"phat_trien_doan_vien": 90.0}}, {"phat_trien_doan_vien": 0.6})
    )
    with_model = TopicClassifier(model=eager)
    got = [t.id for t in with_model.classify(title, text)]
    assert got == ["dai_hoi_cong_doan", "phat_trien_doan_vien"]  # the rules' topic first


def test_an_unseen_topic_needs_a_nearly_certain_model() -> None:
    # "Kỷ niệm chương" is an award: the rules' guard hides it from ky_niem_truyen_thong,
    # so the model must be near certain to add that topic on its own.
    title = "Trao Kỷ niệm chương Vì sự nghiệp xây dựng tổ chức Công đoàn"
    text = "30 cán bộ công đoàn được trao Kỷ niệm chương ghi nhận nhiều năm cống hiến."
    feats = text_features(title, text, "")
    for weight, added in ((6.0, False), (40.0, True)):
        model = TopicModel.from_json(
            model_json({"ky_niem": {"ky_niem_truyen_thong": weight}}, {"ky_niem_truyen_thong": 0.5})
        )
        prob = model.probabilities(feats)["ky_niem_truyen_thong"]
        assert (prob >= topic_model.UNSEEN_THRESHOLD) is added
        ids = {t.id for t in TopicClassifier(model=model).classify(title, text)}
        assert ("ky_niem_truyen_thong" in ids) is added


def test_a_topic_switched_off_never_votes() -> None:
    loud = TopicModel.from_json(model_json({"ket_nap": {"phat_trien_doan_vien": 50.0}}, {}))
    assert not loud.active()
    got = TopicClassifier(model=loud).classify("Kết nạp", "Kết nạp đoàn viên.")
    assert got == TopicClassifier(model=False).classify("Kết nạp", "Kết nạp đoàn viên.")


def test_operator_keywords_still_work_beside_the_model() -> None:
    extra = {
        "an_sinh": {"name": "An sinh", "name_en": "Welfare", "keywords": ["bữa cơm nghĩa tình"]}
    }
    clf = TopicClassifier(extra=extra)
    assert clf._model is default_model()
    ids = [t.id for t in clf.classify("Bữa cơm nghĩa tình cho công nhân", "Bữa cơm nghĩa tình.")]
    assert "an_sinh" in ids


def test_the_shipped_model_matches_the_catalog() -> None:
    data = json.loads(topic_model.MODEL_FILE.read_text(encoding="utf-8"))
    assert data["topics"] == TOPICS
    assert set(data["thresholds"]) <= set(TOPICS)
    assert all(0.5 <= t <= topic_model.OFF for t in data["thresholds"].values())
    assert default_model() is not None


def test_training_refuses_the_sets_that_measure_it() -> None:
    from feeds.understand.train import load_items

    for path in (DATA / "heldout.jsonl", DATA / "blind2" / "north.jsonl"):
        with pytest.raises(SystemExit, match="for measuring only"):
            load_items([path])


def test_evaluation_scores_the_rules_and_the_vote_on_unseen_folds() -> None:
    pytest.importorskip("sklearn", reason="scikit-learn comes with the train/test extras")
    from feeds.understand.train import evaluate, load_items

    items = load_items([DATA / "devset_extra.jsonl"])[:24]  # small: the test stays fast
    lines = evaluate(items, folds=2)
    # The rules do not learn: their line is the rules' own score on every item.
    rules = TopicClassifier(model=False)
    tp = fp = fn = 0
    for item in items:
        gold, got = set(item["topics"]), {t.id for t in rules.classify(item["title"], item["text"])}
        tp, fp, fn = tp + len(gold & got), fp + len(got - gold), fn + len(gold - got)
    assert f"(fp {fp}, fn {fn})" in lines[1] and lines[1].lstrip().startswith("rules ")
    assert lines[2].lstrip().startswith("rules+model")


def test_retraining_writes_a_model_the_classifier_loads(tmp_path: Path) -> None:
    pytest.importorskip("sklearn", reason="scikit-learn comes with the train/test extras")
    from feeds.understand import train

    out = tmp_path / "model.json"
    assert train.main([str(DATA / "devset_extra.jsonl"), "--out", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["trained_on"] == 42 and data["topics"] == TOPICS
    model = TopicModel.from_json(data)
    # Topics with too few examples stay with the rules; the others got a threshold.
    assert set(model.thresholds) < set(TOPICS)
    clf = TopicClassifier(model=model)
    assert [t.id for t in clf.classify("Hội nghị tổng kết công tác công đoàn năm 2024", "")] == [
        "so_ket_tong_ket"
    ]


def test_cross_validation_picks_the_vote_that_scores_best() -> None:
    from feeds.understand.train import OFF, best_vote

    y = [1, 1, 1, 0, 0, 0]
    rules = [1, 0, 0, 1, 0, 0]  # one hit, two misses, one false alarm
    seen = [True] * 6
    # Out-of-fold probabilities that separate the classes: the model adds the two
    # misses (>= 0.7) and drops the false alarm (< 0.05).
    probs = [0.9, 0.8, 0.7, 0.01, 0.3, 0.2]
    keep, add, f1 = best_vote(y, rules, probs, seen)
    assert (keep, add, f1) == (0.05, 0.7, 1.0)
    # A model no better than the rules is switched off: the rules win ties.
    keep, add, f1 = best_vote(y, [1, 1, 1, 0, 0, 0], [0.5] * 6, seen)
    assert (keep, add, f1) == (0.0, OFF, 1.0)
    # A topic the rules did not see needs a near-certain model to be added.
    keep, add, _ = best_vote([1, 0], [0, 0], [0.8, 0.1], [False, False])
    assert add == OFF


def test_a_broken_model_file_leaves_the_rules_working(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "topic_model.json"
    broken.write_text('{"topics": ["nu_cong"], "bias": []', encoding="utf-8")
    with caplog.at_level("WARNING"):
        assert topic_model.load_model(broken) is None
    assert [r.getMessage() for r in caplog.records] == [
        f"topic model {broken} unreadable (Expecting ',' delimiter: line 1 column 35 (char 34)): "
        "topics from the phrase rules only"
    ]
    assert topic_model.load_model(tmp_path / "absent.json") is None
    clf = TopicClassifier(model=topic_model.load_model(broken))
    got = clf.classify("Hội thi nữ công năm 2025", "Ngày hội của nữ công nhân.")
    assert [t.id for t in got] == ["nu_cong"]
