"""Validate the labelled dev set (tests/data/devset.jsonl) against its contract."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

DEVSET = Path(__file__).parent / "data" / "devset.jsonl"

TOPICS = {
    "phat_trien_doan_vien",
    "thi_dua_khen_thuong",
    "cham_lo_doi_song",
    "mai_am_cong_doan",
    "phap_luat_quan_he_lao_dong",
    "tuyen_truyen_giao_duc",
    "nu_cong",
    "van_hoa_the_thao",
    "tai_chinh_kiem_tra",
    "chuyen_doi_so",
    "to_chuc_can_bo",
    "dai_hoi_cong_doan",
    "nghi_quyet_02",
    "atvsld",
    "thang_cong_nhan",
    "ky_niem_truyen_thong",
    "so_ket_tong_ket",
    "viec_lam_thu_nhap",
}
KINDS = {"event", "start", "end", "deadline", "effective"}
FIELDS = {
    "id",
    "title",
    "text",
    "published",
    "url",
    "source_province",
    "units",
    "topics",
    "events",
}

# The canonical unit-name forms of the shared contract, one pattern per form.
_NAME = r"[A-ZĐÀ-Ỹ0-9][^()]*"  # a capitalised place or sector name
_TLD_DEPT = (
    r"(?:Ban (?:Tổ chức|Tuyên giáo|Quan hệ lao động|Công tác Công đoàn|Tài chính|Nữ công"
    r"|Chính sách - Pháp luật)|Ủy ban Kiểm tra|Văn phòng)"
)
_LOCAL_DEPT = (
    r"(?:Ban (?:Tổ chức|Tổ chức - Kiểm tra|Tuyên giáo|Tuyên giáo - Nữ công|Nữ công"
    r"|Chính sách - Pháp luật|Quan hệ lao động|Tài chính|Nghiệp vụ)|Văn phòng|Ủy ban Kiểm tra)"
)
UNIT_FORMS = [
    r"Tổng LĐLĐ Việt Nam",
    rf"{_TLD_DEPT} Tổng LĐLĐ Việt Nam",
    rf"Công đoàn {_NAME} Việt Nam",
    r"Công đoàn Công an nhân dân",
    r"Công đoàn Quốc phòng",
    rf"LĐLĐ (?:tỉnh|TP|huyện|thị xã|quận) {_NAME}",
    rf"Công đoàn ngành {_NAME}",
    rf"Công đoàn Viên chức tỉnh {_NAME}",
    rf"Công đoàn Khu kinh tế {_NAME}",
    rf"Công đoàn các Khu công nghiệp tỉnh {_NAME}",
    rf"Công đoàn (?:xã|phường|đặc khu) {_NAME} \({_NAME}\)",
    r"Khối thi đua số \d{2}",
    rf"Cụm thi đua {_NAME}",
    rf"{_LOCAL_DEPT} LĐLĐ (?:tỉnh|TP) {_NAME}",
    r"Công đoàn Các cơ quan Đảng tỉnh Nghệ An",
    r"Công đoàn UBND tỉnh Nghệ An",
]
UNIT_RE = re.compile("|".join(f"(?:{f})" for f in UNIT_FORMS))
# Old-style tone placement that the contract rules out ("hoà" -> "hòa", "Uỷ" -> "Ủy").
OLD_TONE_RE = re.compile(r"(?:o[àáảãạ]|(?<![qQ])u[ỳýỷỹỵ])(?![a-zđ])", re.IGNORECASE)
NOT_UNITS = re.compile(
    r"^(?:Công đoàn Việt Nam|Công đoàn cơ sở|CĐCS|Công đoàn (?:Công ty|Trường|Bệnh viện))",
    re.IGNORECASE,
)


def _load() -> list[dict]:
    return [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line]


ITEMS = _load()


def _date(s: str) -> dt.date:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", s), s
    return dt.date.fromisoformat(s)


def test_every_line_is_a_json_object() -> None:
    for n, line in enumerate(DEVSET.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"blank line {n}"
        assert isinstance(json.loads(line), dict), f"line {n}"


def test_size_and_unique_ids() -> None:
    ids = [item["id"] for item in ITEMS]
    assert len(ITEMS) >= 70
    assert all(re.fullmatch(r"dv\d{3}", i) for i in ids)
    assert len(set(ids)) == len(ids), [i for i, c in Counter(ids).items() if c > 1]


def test_no_duplicate_items() -> None:
    for key in ("title", "text", "url"):
        values = [item[key] for item in ITEMS if item[key]]
        dups = [v[:60] for v, c in Counter(values).items() if c > 1]
        assert not dups, (key, dups)


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i["id"])
def test_fields_and_types(item: dict) -> None:
    assert set(item) == FIELDS
    assert isinstance(item["title"], str) and item["title"].strip()
    assert isinstance(item["text"], str)
    for key in ("url", "source_province"):
        assert item[key] is None or (isinstance(item[key], str) and item[key].strip())
    if item["url"]:
        assert re.match(r"https?://[\w.-]+/", item["url"]), item["url"]
    assert isinstance(item["units"], list) and all(isinstance(u, str) for u in item["units"])
    assert isinstance(item["topics"], list) and all(isinstance(t, str) for t in item["topics"])
    assert isinstance(item["events"], list)
    for text in (item["title"], item["text"], *item["units"]):
        assert unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i["id"])
def test_text_is_an_article(item: dict) -> None:
    paragraphs = [p for p in item["text"].split("\n") if p.strip()]
    assert 300 <= len(item["text"]) <= 6000, len(item["text"])
    assert len(paragraphs) >= 3
    # Cleaned text: no photo credits or site furniture left in the body.
    assert not re.search(
        r"^Ảnh:|\bảnh \d+$|TIN TỨC MỚI NHẤT|Tin cùng chuyên mục", item["text"], re.M
    )


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i["id"])
def test_units_are_canonical(item: dict) -> None:
    units = item["units"]
    assert len(units) == len(set(units)), units
    for name in units:
        assert name == " ".join(name.split()), name
        assert UNIT_RE.fullmatch(name), f"not a canonical unit name: {name!r}"
        assert not NOT_UNITS.match(name), name
        assert not OLD_TONE_RE.search(name), f"old tone placement: {name!r}"


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i["id"])
def test_topics_from_the_list(item: dict) -> None:
    topics = item["topics"]
    assert len(topics) == len(set(topics))
    assert set(topics) <= TOPICS, set(topics) - TOPICS
    if "mai_am_cong_doan" in topics:
        assert "cham_lo_doi_song" in topics


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i["id"])
def test_events_well_formed(item: dict) -> None:
    published = _date(item["published"]) if item["published"] is not None else None
    seen = set()
    for ev in item["events"]:
        assert set(ev) == {"date", "time", "kind"}, ev
        day = _date(ev["date"])
        if ev["time"] is not None:
            assert re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", ev["time"]), ev
        assert ev["kind"] in KINDS, ev
        if published:
            assert day >= published, f"event before publication: {ev}"
            assert day.year <= published.year + 2, f"implausibly far event: {ev}"
        key = (ev["date"], ev["time"], ev["kind"])
        assert key not in seen, f"duplicate event {ev}"
        seen.add(key)


def test_coverage() -> None:
    """Every topic is labelled often enough; provinces and years are spread."""
    topic_counts = Counter(t for item in ITEMS for t in item["topics"])
    thin = {t: topic_counts[t] for t in TOPICS if topic_counts[t] < 4}
    assert not thin, thin
    provinces = {item["source_province"] for item in ITEMS if item["source_province"]}
    for item in ITEMS:
        for u in item["units"]:
            m = re.match(r"LĐLĐ (?:tỉnh|TP) (.+)", u)
            if m:
                provinces.add(m.group(1))
    assert len(provinces) >= 15, sorted(provinces)
    years = {item["published"][:4] for item in ITEMS if item["published"]}
    assert len(years) >= 8, sorted(years)
    assert sum(1 for item in ITEMS if len(item["events"]) >= 2) >= 20
    assert sum(1 for item in ITEMS if not item["events"]) >= 15


def test_seeds_are_included() -> None:
    """The five real seed pages are in the set with their real dates."""
    by_date = Counter(item["published"] for item in ITEMS)
    for day in ("2022-04-13", "2021-03-01", "2022-02-16", "2022-05-20", "2022-07-26"):
        assert by_date[day] >= 1, day
