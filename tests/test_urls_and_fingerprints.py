"""Identity of an article: canonical URLs, item keys, near-duplicate fingerprints."""

from pathlib import Path

import pytest

from feeds.dedup.fingerprint import (
    FingerprintIndex,
    content_hash,
    distance,
    is_near_duplicate,
    simhash,
)
from feeds.dedup.urls import canonical_url, item_keys

SEEDS = sorted((Path(__file__).parent / "data" / "seeds").glob("*.txt"))


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("http://www.baonghean.vn/lao-dong/a-10288057.html?utm_source=fb&fbclid=x#top",
         "https://baonghean.vn/lao-dong/a-10288057.html"),
        ("https://amp.laodong.vn/cong-doan/x-1471983.ldo", "https://laodong.vn/cong-doan/x-1471983.ldo"),
        ("https://m.baonghean.vn/x-post43253.html/", "https://baonghean.vn/x-post43253.html"),
        ("https://laodong.vn/cong-doan?page=2&zarsrc=30", "https://laodong.vn/cong-doan?page=2"),
        ("http://laodongnghean.vn/chi-tiet/c%C3%B4ng-%C4%91o%C3%A0n", "https://laodongnghean.vn/chi-tiet/c%C3%B4ng-%C4%91o%C3%A0n"),
        ("http://laodongnghean.vn/chi-tiet/công-đoàn", "https://laodongnghean.vn/chi-tiet/c%C3%B4ng-%C4%91o%C3%A0n"),
        ("https://congdoan.vn/tin?b=2&a=1", "https://congdoan.vn/tin?a=1&b=2"),
    ],
)  # fmt: skip
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_item_keys_survive_guid_and_url_changes() -> None:
    title = "Hội nghị tổng kết công tác phát triển đoàn viên năm 2026"
    a = set(item_keys("cdna", "http://congdoannghean.vn/chi-tiet/x?utm_medium=zalo", "g1", title))
    b = set(item_keys("cdna", "https://www.congdoannghean.vn/chi-tiet/x", "g2", title))
    c = set(item_keys("cdna", "https://congdoannghean.vn/chi-tiet/x-moi", "g3", title + " "))
    assert a & b, "same URL, another GUID"
    assert a & c, "same long title, re-slugged URL"
    short = item_keys("cdna", "https://x.vn/1", None, "Thông báo")
    assert len(short) == 1, "a short title repeats legitimately and is no key"


def test_near_duplicate_reprint_but_not_another_article() -> None:
    original = SEEDS[4].read_text(encoding="utf-8").split("Theo Diệp Thanh")[0]
    reprint = (
        original.replace("Ảnh: Diệp Thanh", "").replace("Ảnh: ĐVCC", "")
        + "\nTheo Diệp Thanh - Baonghean.vn"
    )
    other = SEEDS[3].read_text(encoding="utf-8")
    fa, fb, fo = simhash(original), simhash(reprint), simhash(other)
    assert fa is not None and fb is not None and fo is not None
    assert is_near_duplicate(original, fa, reprint, fb)
    assert not is_near_duplicate(original, fa, other, fo)
    assert distance(fa, fb) < distance(fa, fo)
    assert content_hash("Công  đoàn\nNghệ An") == content_hash("công đoàn nghệ an")
    assert simhash("quá ngắn") is None


def test_fingerprint_index_finds_the_reprint_among_many() -> None:
    texts = {i: p.read_text(encoding="utf-8") for i, p in enumerate(SEEDS)}
    index = FingerprintIndex()
    for story_id, text in texts.items():
        fp = simhash(text)
        assert fp is not None
        index.add(story_id, fp)
    reprint = texts[4].replace("Ảnh: Diệp Thanh", "")
    fp = simhash(reprint)
    assert fp is not None
    assert index.find(fp, reprint, texts.get) == 4
    unrelated = "Một bài hoàn toàn khác về giải bóng đá công nhân viên chức tỉnh Hà Tĩnh. " * 10
    other_fp = simhash(unrelated)
    assert other_fp is not None and index.find(other_fp, unrelated, texts.get) is None
