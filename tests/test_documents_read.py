"""feeds.documents: finding attached documents on a page and reading them.

What an officer relies on: the deadline written inside a notice's PDF, Word
or Excel file (or its scan) comes out as text, and a broken file says why
instead of failing.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from feeds.documents.find import find_documents
from feeds.documents.ocr import OcrLimits, clean_ocr_text, ocr_available
from feeds.documents.read import join_wrapped_lines, read_document, sniff_kind
from tests.support.documents import docx_file, scanned_pdf, text_pdf, vn, xlsx_file

DEADLINE = date.today() + timedelta(days=10)
NOTICE = [
    "LIÊN ĐOÀN LAO ĐỘNG TỈNH NGHỆ AN",
    "KẾ HOẠCH",
    "Tổ chức Hội thi tìm hiểu pháp luật năm 2027",
    f"Các công đoàn cơ sở gửi danh sách đăng ký về Ban Tuyên giáo trước ngày {vn(DEADLINE)}.",
]


def test_links_to_documents_are_found_in_page_order_once_each() -> None:
    base = "https://congdoannghean.vn/tin/thong-bao-1.html"
    html = """<html><body>
      <a href="/files/KH-12.pdf">Kế hoạch số 12</a>
      <a href="/files/KH-12.pdf#page=2">again, another anchor</a>
      <a href="/upload/Thong%20bao.DOCX">Thông báo</a>
      <a href="/download.aspx?id=7">Tải về</a>
      <a href="/download.aspx?id=8">Xem thêm</a>
      <a href="javascript:void(open('/files/x.pdf'))">bad</a>
      <a href="data:application/pdf;base64,JVBERi0=">inline</a>
      <iframe src="https://docs.google.com/viewer?url=https%3A%2F%2Fcdn.vn%2Fcv-5.pdf&embedded=true"></iframe>
      <iframe src="/pdfjs/web/viewer.html?file=/files/bang-tong-hop.xlsx"></iframe>
      <iframe src="https://www.youtube.com/embed/abc"></iframe>
      <embed src="/files/cong-van.doc">
    </body></html>"""
    found = find_documents(html, base, limit=10)
    assert [(d.url, d.kind) for d in found] == [
        ("https://congdoannghean.vn/files/KH-12.pdf", "pdf"),
        ("https://congdoannghean.vn/upload/Thong%20bao.DOCX", "docx"),
        ("https://congdoannghean.vn/download.aspx?id=7", None),
        ("https://cdn.vn/cv-5.pdf", "pdf"),
        ("https://congdoannghean.vn/files/bang-tong-hop.xlsx", "xlsx"),
        ("https://congdoannghean.vn/files/cong-van.doc", "doc"),
    ]
    assert found[0].label == "Kế hoạch số 12"
    assert find_documents(html, base, limit=2)[-1].kind == "docx"


def test_text_pdf_gives_its_vietnamese_text_with_wrapped_lines_joined() -> None:
    result = read_document(text_pdf(NOTICE, pages=2), ocr=None)
    assert (result.kind, result.pages, result.method, result.error) == ("pdf", 2, "text", None)
    assert f"trước ngày {vn(DEADLINE)}." in result.text  # one line, not broken before the date
    assert "Hội thi tìm hiểu pháp luật" in result.text


def test_scanned_pdf_is_read_by_ocr_in_vietnamese() -> None:
    missing = ocr_available()
    if missing:
        pytest.skip(missing)
    result = read_document(scanned_pdf(NOTICE), ocr=OcrLimits())
    assert (result.kind, result.method, result.error) == ("pdf", "ocr", None)
    assert "Ban Tuyên giáo" in result.text
    assert vn(DEADLINE) in result.text


def test_ocr_stops_at_the_page_limit_and_says_so() -> None:
    missing = ocr_available()
    if missing:
        pytest.skip(missing)
    result = read_document(scanned_pdf(NOTICE, pages=3), ocr=OcrLimits(max_pages=1))
    assert result.pages == 3 and result.method == "ocr"
    assert result.error == "2 scanned page(s) not read (OCR limit 1 pages, 120 s)"
    assert result.text.count("Ban Tuyên giáo") == 1


def test_scan_with_ocr_off_is_kept_with_the_reason() -> None:
    result = read_document(scanned_pdf(NOTICE), ocr=None)
    assert (result.text, result.method) == ("", None)
    assert result.error == "1 scanned page(s) not read (OCR is off)"


def test_docx_paragraphs_and_table_cells() -> None:
    body = docx_file(
        ["THÔNG BÁO", "Về việc tổ chức Giải bóng đá công nhân viên chức lao động"],
        [("Hạn đăng ký", vn(DEADLINE)), ("Địa điểm", "Sân vận động Vinh")],
    )
    result = read_document(body)
    assert (result.kind, result.method, result.error) == ("docx", "text", None)
    assert f"Hạn đăng ký | {vn(DEADLINE)}" in result.text
    assert "Giải bóng đá công nhân viên chức lao động" in result.text


def test_xlsx_dates_read_as_vietnamese_write_them() -> None:
    body = xlsx_file(
        [("Đơn vị", "Hạn nộp báo cáo"), ("CĐCS Trường THPT Huỳnh Thúc Kháng", DEADLINE)]
    )
    result = read_document(body)
    assert result.kind == "xlsx"
    assert f"CĐCS Trường THPT Huỳnh Thúc Kháng | {vn(DEADLINE)}" in result.text


@pytest.mark.parametrize(
    ("body", "kind", "error"),
    [
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage", "pdf", "unreadable pdf"),
        (b"PK\x03\x04 not really a zip", None, "not a PDF, Word or Excel document"),
        (b"<html><body>404</body></html>", None, "not a PDF, Word or Excel document"),
    ],
    ids=["corrupt-pdf", "broken-zip", "html"],
)
def test_unreadable_bytes_give_an_error_not_an_exception(
    body: bytes, kind: str | None, error: str
) -> None:
    result = read_document(body)
    assert (result.kind, result.text) == (kind, "")
    assert result.error is not None and result.error.startswith(error)


def test_legacy_doc_that_cannot_be_read_says_so() -> None:
    body = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    result = read_document(body)
    assert (result.kind, result.text, result.method) == ("doc", "", None)
    assert result.error is not None and result.error.startswith("cannot read .doc")


def test_kind_is_decided_by_content_not_by_name() -> None:
    assert sniff_kind(text_pdf(["Thông báo"])) == "pdf"
    assert sniff_kind(docx_file(["a"], [])) == "docx"
    assert sniff_kind(xlsx_file([("a",)])) == "xlsx"
    assert sniff_kind(b"GIF89a") is None


def test_ocr_cleanup_fixes_only_what_cannot_be_vietnamese() -> None:
    raw = "Hạn nộp: 1O / 0l / 2O27 (trước 17 giờ)\x0cTrang 2 nghi-\nquyết"
    assert clean_ocr_text(raw) == "Hạn nộp: 10/01/2027 (trước 17 giờ)\nTrang 2 nghiquyết"
    assert clean_ocr_text("Công đoàn cơ sở") == "Công đoàn cơ sở"


def test_wrapped_lines_join_but_headings_stay() -> None:
    text = "KẾ HOẠCH\nTổ chức hội thi\ngửi về trước ngày\n15/01/2027.\nHội thi diễn ra"
    assert join_wrapped_lines(text) == (
        "KẾ HOẠCH\nTổ chức hội thi gửi về trước ngày 15/01/2027.\nHội thi diễn ra"
    )
