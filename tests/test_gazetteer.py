"""The generated gazetteer (data/divisions.json) and the script that makes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feeds.understand import build_gazetteer
from feeds.understand.gazetteer import DIVISIONS_FILE, tables
from feeds.understand.units import find_units, taxonomy


def test_every_current_province_has_its_wards_and_communes() -> None:
    data = json.loads(DIVISIONS_FILE.read_text(encoding="utf-8"))
    current = {
        p["name"] for p in tables().data["provinces"] if p.get("status", "current") == "current"
    }
    # 34 provinces since 1/7/2025, 3,321 commune-level units between them.
    assert set(data["communes"]) == current and len(current) == 34
    assert sum(len(v) for by in data["communes"].values() for v in by.values()) == 3321
    # 63 provinces before, each with its districts.
    assert len(data["districts"]) == 63
    assert {"Dĩ An", "Thủ Dầu Một"} <= set(data["communes"]["Hồ Chí Minh"]["phuong"])
    assert "Yên Mỹ" in data["districts"]["Hưng Yên"]["huyen"]


def test_generated_places_are_units_and_name_their_province() -> None:
    tax = taxonomy()
    ward = tax.get("cong-doan-phuong-di-an-ho-chi-minh")
    assert ward is not None and ward.parent_id == "ldld-tp-ho-chi-minh" and ward.kind == "commune"
    district = tax.get("ldld-huyen-yen-my")
    assert district is not None and district.province == "Hưng Yên" and district.historical
    # Recognized in text with the province the gazetteer knows, whatever the site.
    found = find_units("Công đoàn xã Ea Kar tổ chức đại hội.", source_province="Nghệ An")
    assert [u.name for u in found] == ["Công đoàn xã Ea Kar (Đắk Lắk)"]


def test_search_finds_a_ward_of_any_province() -> None:
    best, score = taxonomy().search("phường Dĩ An")[0]
    assert best.name == "Công đoàn phường Dĩ An (Hồ Chí Minh)" and score >= 0.9


def test_level_prefixes_and_province_spellings() -> None:
    levels = {"phường": "phuong", "xã": "xa", "đặc khu": "dac_khu"}
    assert build_gazetteer.split_level("Phường Dĩ An", levels) == ("phuong", "Dĩ An")
    assert build_gazetteer.split_level("Đặc khu Phú Quốc", levels) == ("dac_khu", "Phú Quốc")
    assert build_gazetteer.split_level("Thị trấn X", levels) is None
    matcher = build_gazetteer.province_matcher(["Hòa Bình", "Hồ Chí Minh"])
    # Old-style tone placement in the package's names maps to ours.
    assert build_gazetteer.our_province("Tỉnh Hoà Bình", matcher) == "Hòa Bình"
    assert build_gazetteer.our_province("Thành phố Hồ Chí Minh", matcher) == "Hồ Chí Minh"
    with pytest.raises(SystemExit, match=r"not in units\.toml"):
        build_gazetteer.our_province("Tỉnh Atlantis", matcher)


def test_legacy_districts_are_grouped_by_level(tmp_path: Path) -> None:
    legacy = tmp_path / "nested-divisions.json"
    legacy.write_text(
        json.dumps(
            [
                {
                    "name": "Tỉnh Nghệ An",
                    "districts": [
                        {"name": "Thành phố Vinh"},
                        {"name": "Thị xã Hoàng Mai"},
                        {"name": "Huyện Nghi Lộc"},
                    ],
                }
            ]
        ),
        encoding="utf-8",
    )
    matcher = build_gazetteer.province_matcher(["Nghệ An"])
    rows = build_gazetteer.legacy_rows(legacy, matcher)
    grouped = build_gazetteer.group(rows, {"thành phố": "tp", "thị xã": "thi_xa", "huyện": "huyen"})
    assert grouped == {"Nghệ An": {"huyen": ["Nghi Lộc"], "thi_xa": ["Hoàng Mai"], "tp": ["Vinh"]}}
