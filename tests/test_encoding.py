"""Charset detection on bytes built from real union-page sentences."""

from __future__ import annotations

import codecs
import unicodedata

import pytest

from feeds.fetch.encoding import decode_html_or_xml, repair_mojibake

# Sentences from real pages (congdoannghean.vn, baonghean.vn, laodongcongdoan.vn seeds).
TITLE = "Liên đoàn Lao động tỉnh Nghệ An làm việc với Thường trực Thành ủy Vinh"
LEAD = (
    "(Baonghean.vn) - Sáng ngày 13/4, Liên đoàn Lao động tỉnh đã có buổi làm việc với "
    "Thường trực Thành ủy Vinh về công tác phối hợp tổ chức hoạt động công đoàn."
)
BODY = (
    "Sáng 26/7, Liên đoàn Lao động tỉnh Nghệ An tổ chức Hội nghị Sơ kết 6 tháng đầu năm "
    "2022 và triển khai nhiệm vụ trọng tâm 6 tháng cuối năm. Hội nghị diễn ra trong không "
    "khí phấn khởi hướng tới kỷ niệm 93 năm ngày thành lập Công đoàn Việt Nam "
    "(28/7/1929 – 28/7/2022). Các thành viên tham gia dự họp tập trung trao đổi, đưa ra "
    "nhiều ý kiến liên quan đến các giải pháp triển khai thực hiện công tác phát triển "
    "đoàn viên, thành lập công đoàn cơ sở; tuyên truyền để phát triển đoàn viên tại các "
    "doanh nghiệp có từ 1.000 lao động trở lên. Ảnh: Thanh Thủy"
)
TEXT = f"{TITLE}\n{LEAD}\n{BODY}"
TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")


def cp1258(text: str) -> bytes:
    """Encode like Windows does: precomposed where cp1258 has the letter, else base + tone mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            out += (base + "".join(c for c in parts if c in TONES)).encode("cp1258")
    return bytes(out)


def html(head_meta: str, text: str = TEXT) -> str:
    return f"<!DOCTYPE html><html><head>{head_meta}<title>{TITLE}</title></head><body><p>{text}</p></body></html>"


def test_cp1258_fixture_really_uses_combining_tones() -> None:
    raw = cp1258("Nghệ")
    assert raw == b"Ngh\xea\xf2"  # ê + combining dot below: what makes NFC necessary
    assert raw.decode("cp1258") != "Nghệ"


def test_utf8_declared_in_header() -> None:
    text, enc = decode_html_or_xml(html("").encode("utf-8"), "text/html; charset=UTF-8")
    assert enc == "utf-8"
    assert TEXT in text


@pytest.mark.parametrize(
    "content_type", ["text/html; charset=windows-1258", "text/html;charset=cp1258"]
)
def test_windows_1258_declared_in_header_is_nfc(content_type: str) -> None:
    text, enc = decode_html_or_xml(cp1258(html("")), content_type)
    assert enc == "windows-1258"
    assert TEXT in text
    assert unicodedata.is_normalized("NFC", text)
    assert "Công đoàn Việt Nam" in text  # equal to the UTF-8 string, not just look-alike


@pytest.mark.parametrize(
    "meta",
    [
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">',
        '<META HTTP-EQUIV="Content-Type" CONTENT="text/html;charset=windows-1258">',
        '<meta charset="windows-1258">',
        "<meta charset=windows-1258 />",
    ],
)
def test_windows_1258_declared_only_in_meta(meta: str) -> None:
    body = cp1258(html(meta))
    text, enc = decode_html_or_xml(body, "text/html")
    assert enc == "windows-1258"
    assert f"<title>{TITLE}</title>" in text


def test_meta_after_a_long_head_script_is_still_found() -> None:
    # Without the <meta>, detection would read byte 0xD0 as cp1258 "Đ"; the page
    # declares windows-1252, whose 0xD0 is the eth the author typed.
    script = "<script>" + "var x = 1;\n" * 200 + "</script>"
    page = f'<html><head>{script}<meta charset="windows-1252"></head><p>Ðoàn viên</p></html>'
    assert page.index("<meta") > 2048
    text, enc = decode_html_or_xml(page.encode("cp1252"), None)
    assert enc == "windows-1252"
    assert "<p>Ðoàn viên</p>" in text


def test_xml_prolog_encoding() -> None:
    rss = (
        '<?xml version="1.0" encoding="windows-1258"?>\n<rss version="2.0"><channel>'
        f"<item><title>{TITLE}</title><description>{LEAD}</description></item>"
        "</channel></rss>"
    )
    text, enc = decode_html_or_xml(cp1258(rss), "application/rss+xml")
    assert enc == "windows-1258"
    assert f"<title>{TITLE}</title>" in text
    assert LEAD in text


def test_utf8_bom_beats_a_wrong_header() -> None:
    body = codecs.BOM_UTF8 + html("").encode("utf-8")
    text, enc = decode_html_or_xml(body, "text/html; charset=windows-1252")
    assert enc == "utf-8"
    assert text.startswith("<!DOCTYPE html>")  # BOM stripped
    assert TEXT in text


def test_utf16_with_bom() -> None:
    body = codecs.BOM_UTF16_LE + html("").encode("utf-16-le")
    text, enc = decode_html_or_xml(body, "text/html")
    assert enc == "utf-16-le"
    assert TEXT in text


def test_declared_utf8_but_actually_cp1258_is_detected() -> None:
    body = cp1258(html('<meta charset="utf-8">'))
    text, enc = decode_html_or_xml(body, "text/html; charset=utf-8")
    assert enc == "windows-1258"
    assert TEXT in text
    assert "\ufffd" not in text


def test_undeclared_cp1258_is_detected() -> None:
    text, enc = decode_html_or_xml(cp1258(html("")), None)
    assert enc == "windows-1258"
    assert TEXT in text


def test_undeclared_valid_utf8_is_utf8() -> None:
    text, enc = decode_html_or_xml(html("").encode("utf-8"), "text/html")
    assert (enc, TEXT in text) == ("utf-8", True)


def test_utf8_served_as_latin1_is_read_as_utf8() -> None:
    # Apache/Tomcat default "ISO-8859-1" header on a UTF-8 page
    text, enc = decode_html_or_xml(html("").encode("utf-8"), "text/html; charset=ISO-8859-1")
    assert enc == "utf-8"
    assert TEXT in text


def test_conflicting_declarations_pick_the_vietnamese_reading() -> None:
    body = cp1258(
        html('<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">')
    )
    text, enc = decode_html_or_xml(body, "text/html; charset=iso-8859-1")
    assert enc == "windows-1258"
    assert TEXT in text


def test_one_stray_byte_keeps_the_page_utf8() -> None:
    body = html("").encode("utf-8").replace(b"<body>", b"<body>\xa9 2022 ")
    text, enc = decode_html_or_xml(body, "text/html; charset=utf-8")
    assert enc == "utf-8"
    assert TEXT in text
    assert text.count("\ufffd") == 1


def _mojibake(text: str) -> str:
    """UTF-8 bytes read as cp1252 (undefined bytes as C1 controls, like MySQL's latin1)."""
    raw = text.encode("utf-8")
    return "".join(
        bytes([b]).decode("cp1252") if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else chr(b)
        for b in raw
    )


def test_mojibake_in_a_utf8_page_is_repaired() -> None:
    broken = _mojibake(TEXT)
    assert "CÃ´ng" in broken and "Ä‘oÃ\xa0n" in broken
    text, enc = decode_html_or_xml(html("", broken).encode("utf-8"), "text/html; charset=utf-8")
    assert enc == "utf-8"
    assert TEXT in text


def test_mojibake_repair_of_a_mixed_page() -> None:
    mixed = f"{TITLE} | {_mojibake(LEAD)}"
    assert repair_mojibake(mixed) == f"{TITLE} | {LEAD}"


def test_double_encoded_mojibake_is_repaired() -> None:
    assert repair_mojibake(_mojibake(_mojibake("Công đoàn Việt Nam"))) == "Công đoàn Việt Nam"


@pytest.mark.parametrize(
    "legit",
    [
        "chữ “Ô” và “Ô” trên biển",  # Ô + closing quote is valid UTF-8 for Cyrillic Ԕ
        "NGÃ\xa0BA và NGÃ\xa0TƯ",  # Ã + NBSP is valid UTF-8 for à
        "CÃ´ng",  # a single sequence is too ambiguous to touch
        BODY,
    ],
)
def test_mojibake_repair_leaves_real_text_alone(legit: str) -> None:
    assert repair_mojibake(legit) == legit


def test_eth_is_kept_for_the_normalizer() -> None:
    # Authors sometimes type Ð (U+00D0, eth) for Đ; the decoder must not change letters.
    page = html("", "Ðoàn viên công đoàn Ðại hội")
    text, _ = decode_html_or_xml(page.encode("utf-8"), "text/html; charset=utf-8")
    assert "Ðoàn viên công đoàn Ðại hội" in text
    western = "<html><body><p>Ðoàn viên công Ðoàn</p></body></html>".encode("cp1252")
    cp_text, enc = decode_html_or_xml(western, "text/html; charset=windows-1252")
    assert enc == "windows-1252"
    assert "Ðoàn" in cp_text


def test_cp1258_dd_is_real_d_with_stroke() -> None:
    text, _ = decode_html_or_xml(cp1258("Đại hội Công đoàn"), "text/plain; charset=windows-1258")
    assert text == "Đại hội Công đoàn"
    assert "\u00d0" not in text


def test_unknown_and_odd_labels() -> None:
    body = html('<meta http-equiv="Content-Type" content="text/html; charset=unicode">')
    text, enc = decode_html_or_xml(body.encode("utf-8"), "text/html; charset=x-nonsense")
    assert (enc, TEXT in text) == ("utf-8", True)


def test_empty_body() -> None:
    assert decode_html_or_xml(b"", "text/html; charset=utf-8") == ("", "utf-8")
