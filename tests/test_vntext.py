"""Vietnamese normalization, match keys, abbreviations and sentences."""

import unicodedata

import pytest

from feeds.vntext import (
    exact_key,
    expand_abbreviations,
    fold_key,
    normalize,
    query_matches,
    split_sentences,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hoà bình", "hòa bình"),
        ("thuỷ lợi", "thủy lợi"),
        ("Tỉnh uỷ", "Tỉnh ủy"),
        ("Uỷ ban Kiểm tra", "Ủy ban Kiểm tra"),
        ("văn hoá.", "văn hóa."),
        ("(Hoà)", "(Hòa)"),
        ("ma tuý,", "ma túy,"),
        ("Ðoàn viên", "Đoàn viên"),
        ("Công\u00a0đoàn\u200b", "Công đoàn"),
        # Must not change: closed syllables, qu-, and words already right.
        ("hoàn thành", "hoàn thành"),
        ("kế hoạch", "kế hoạch"),
        ("quý", "quý"),
        ("Quỳnh Lưu", "Quỳnh Lưu"),
        ("khuỷu", "khuỷu"),
        ("thuở", "thuở"),
        ("Huỳnh", "Huỳnh"),
    ],
)
def test_normalize_one_spelling(raw: str, expected: str) -> None:
    assert normalize(raw) == expected
    assert normalize(unicodedata.normalize("NFD", raw)) == expected


def test_keys() -> None:
    assert exact_key("LĐLĐ TP.Vinh") == "lđlđ tp vinh"
    assert fold_key("Liên đoàn Lao động thành phố Vinh") == "lien doan lao dong thanh pho vinh"
    assert fold_key("Thanh Thuỷ") == fold_key("Thanh Thủy") == "thanh thuy"


def test_query_without_diacritics_matches_folded() -> None:
    text = "Hội nghị bàn giải pháp phát triển đoàn viên năm 2026"
    assert query_matches("phat trien doan vien", text)
    assert query_matches("phát triển đoàn viên", text)
    assert not query_matches("phát triển đoàn viên", "phat trien doan vien")


def test_single_ascii_syllable_is_not_folded() -> None:
    assert not query_matches("thu", "Gửi thư cảm ơn")
    assert not query_matches("thu", "Thủ tướng")
    assert query_matches("thu", "Thu hoạch lúa")
    assert not query_matches("thư", "Thu hoạch lúa")


def test_abbreviations_expand_for_matching() -> None:
    assert fold_key(expand_abbreviations("Chủ tịch LĐLĐ TP.Vinh")) == (
        "chu tich lien doan lao dong thanh pho vinh"
    )
    assert "công đoàn cơ sở" in exact_key(expand_abbreviations("thành lập CĐCS mới"))
    assert "an toàn vệ sinh lao động" in exact_key(expand_abbreviations("Tháng hành động ATVSLĐ"))


def test_sentences_keep_numbers_and_abbreviations_whole() -> None:
    text = (
        "Sáng 13/4, LĐLĐ TP. Vinh họp với 1.000 lao động. Theo Nghị quyết số 02/NQ-TW, "
        "PGS.TS. Nguyễn Văn A phát biểu! Kết thúc./.\nTHÔNG BÁO\nKế hoạch năm 2026"
    )
    assert split_sentences(text) == [
        "Sáng 13/4, LĐLĐ TP. Vinh họp với 1.000 lao động.",
        "Theo Nghị quyết số 02/NQ-TW, PGS.TS. Nguyễn Văn A phát biểu!",
        "Kết thúc.",
        "THÔNG BÁO",
        "Kế hoạch năm 2026",
    ]
