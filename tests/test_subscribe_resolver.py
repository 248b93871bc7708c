"""What officers type after /dangky, and what the bot understands by it."""

from __future__ import annotations

import pytest

from bot.commands.subscribe_resolver import (
    MAX_KEYWORDS,
    KeywordError,
    KeywordFilter,
    Resolver,
    looks_like_keywords,
    parse_keywords,
)


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver()


@pytest.mark.parametrize(
    ("typed", "kind", "value"),
    [
        ("LĐLĐ Nghệ An", "unit", "ldld-tinh-nghe-an"),
        ("ldld nghe an", "unit", "ldld-tinh-nghe-an"),
        ("Liên đoàn Lao động tỉnh Nghệ An", "unit", "ldld-tinh-nghe-an"),
        ("TP Vinh", "unit", "ldld-tp-vinh"),
        ("LĐLĐ TP.Vinh", "unit", "ldld-tp-vinh"),
        ("Công đoàn ngành Giáo dục Nghệ An", "unit", "cong-doan-nganh-giao-duc-nghe-an"),
        ("Tổng Liên đoàn", "unit", "tong-ldld-viet-nam"),
        ("LĐLĐ huyện Krông Pắc", "unit", "ldld-huyen-krong-pac"),  # built by the grammar
        ("phat trien doan vien", "topic", "phat_trien_doan_vien"),
        ("Phát triển đoàn viên", "topic", "phat_trien_doan_vien"),
        ("đại hội", "topic", "dai_hoi_cong_doan"),
        ("mái ấm công đoàn", "topic", "mai_am_cong_doan"),
        ("an toàn vệ sinh lao động", "topic", "atvsld"),
        ("chuyen doi so", "topic", "chuyen_doi_so"),
        ("nữ công", "topic", "nu_cong"),
    ],
)
def test_clear_winners(resolver: Resolver, typed: str, kind: str, value: str) -> None:
    res = resolver.resolve(typed)
    assert res.status == "match", (res.status, res.candidates[:3])
    assert (res.best.kind, res.best.value) == (kind, value)


def test_a_place_naming_several_units_is_ambiguous(resolver: Resolver) -> None:
    res = resolver.resolve("Hoàng Mai")
    assert res.status == "ambiguous"
    values = [c.value for c in res.candidates]
    assert "cong-doan-phuong-hoang-mai-nghe-an" in values and "ldld-thi-xa-hoang-mai" in values
    historical = {c.value: c.historical for c in res.candidates}
    assert (
        historical["ldld-thi-xa-hoang-mai"] and not historical["cong-doan-phuong-hoang-mai-nghe-an"]
    )
    assert res.keywords == KeywordFilter(("Hoàng Mai",))


def test_nothing_close_still_suggests_and_offers_keywords(resolver: Resolver) -> None:
    res = resolver.resolve("thời tiết nắng nóng")
    assert res.status == "none"
    assert 1 <= len(res.candidates) <= 3 and all(c.score < 0.35 for c in res.candidates)
    assert res.keywords == KeywordFilter(("thời tiết nắng nóng",))
    assert resolver.resolve("qwxz").candidates == []


@pytest.mark.parametrize(
    ("typed", "include", "exclude"),
    [
        ("đại hội -chi bộ", ("đại hội",), ("chi bộ",)),
        ("tết sum vầy, mái ấm -diễn châu -quỳnh lưu", ("tết sum vầy", "mái ấm"),
         ("diễn châu", "quỳnh lưu")),
        ('"thỏa ước lao động tập thể"', ("thỏa ước lao động tập thể",), ()),
        ("từ khóa: LĐLĐ Nghệ An", ("LĐLĐ Nghệ An",), ()),
        ("Ban Chính sách - Pháp luật", ("Ban Chính sách - Pháp luật",), ()),  # a dash, no "-word"
        ("hoà  giải", ("hòa giải",), ()),  # one tone rule, one space
    ],
)  # fmt: skip
def test_keyword_syntax(typed: str, include: tuple, exclude: tuple) -> None:
    flt = parse_keywords(typed)
    assert (flt.include, flt.exclude) == (include, exclude)


def test_keyword_syntax_is_recognised_before_units(resolver: Resolver) -> None:
    assert looks_like_keywords("đại hội -chi bộ")
    assert not looks_like_keywords("Ban Chính sách - Pháp luật")
    res = resolver.resolve("LĐLĐ Nghệ An, đại hội")
    assert res.status == "keyword" and res.keywords.include == ("LĐLĐ Nghệ An", "đại hội")


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("-chi bộ", "kw_only_exclude"),
        ("«» ?!", "kw_empty"),
        (", ".join(f"từ{i}" for i in range(MAX_KEYWORDS + 1)), "kw_too_many"),
        ("công đoàn " * 12, "kw_too_long"),
    ],
)
def test_unusable_keywords_say_why(typed: str, code: str) -> None:
    with pytest.raises(KeywordError) as info:
        parse_keywords(typed)
    assert info.value.code == code


TEXT = (
    "Liên đoàn Lao động tỉnh Nghệ An tổ chức Đại hội Công đoàn tỉnh lần thứ XX. "
    "Chi bộ cơ quan tham gia. Có 300 đại biểu."
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("đại hội", True),
        ("dai hoi", True),  # typed without accents: folded match
        ("đại hội -chi bộ", False),
        ("đại hội -chi hội", True),
        ("đại hội, lần thứ XX", True),
        ("đại hội, lần thứ XXI", False),  # every phrase must occur
        ("thu", False),  # one ASCII syllable matches only itself, not "thứ"
        ("thứ", True),
        ("hội", True),
        ("ội", False),  # whole words only, never inside a syllable
        ("LĐLĐ tỉnh Nghệ An", False),  # abbreviations are not expanded in keywords
    ],
)
def test_keyword_matching(typed: str, expected: bool) -> None:
    assert parse_keywords(typed).matches(TEXT) is expected


def test_stored_form_round_trips() -> None:
    flt = parse_keywords("tết sum vầy, mái ấm -diễn châu")
    assert (flt.value, flt.exclude_value) == ("tết sum vầy, mái ấm", "diễn châu")
    assert flt.label == "tết sum vầy, mái ấm -diễn châu"
    assert KeywordFilter.from_row(flt.value, flt.exclude_value) == flt
