"""Attached-documents benchmark: what reading notices' documents costs a poll.

Measures, in one run on documents generated here (Vietnamese notices):
  * the PDF text layer: seconds per page (pypdf), the baseline;
  * OCR of the same pages scanned: seconds per page (pdftoppm + tesseract -l vie),
    and its ratio to the text layer;
  * a poll of a local site with N notices, each linking one document (a share
    of them scans): the share of the poll's wall time spent reading documents.

    python bench/documents.py [--notices 20] [--scans 4] [--pages 3]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import feeds.documents.collect as collect
from bot.config import parse_config
from bot.runtime.ingest_round import make_analyzer, poll_round
from feeds.documents.ocr import OcrLimits, ocr_available
from feeds.documents.read import read_document
from storage.db import open_database
from tests.support.documents import scanned_pdf, text_pdf, vn
from tests.support.http_server import LocalServer

LINES = [
    "LIÊN ĐOÀN LAO ĐỘNG TỈNH NGHỆ AN",
    "KẾ HOẠCH Tổ chức các hoạt động Tháng Công nhân năm 2027",
    "Căn cứ Hướng dẫn của Tổng Liên đoàn Lao động Việt Nam, Ban Thường vụ Liên đoàn Lao động "
    "tỉnh ban hành Kế hoạch tổ chức các hoạt động Tháng Công nhân với các nội dung sau.",
    "Các công đoàn cơ sở tổ chức đối thoại, thăm hỏi, tặng quà đoàn viên có hoàn cảnh khó khăn.",
    f"Các đơn vị gửi báo cáo kết quả về Ban Tuyên giáo trước ngày {vn(date.today() + timedelta(days=20))}.",
] * 3


def per_page(body: bytes, pages: int, ocr: OcrLimits | None, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = read_document(body, ocr=ocr)
        best = min(best, time.perf_counter() - t0)
        assert result.text, result.error
    return best / pages


def poll_share(
    notices: int, scans: int, pages: int, *, documents: bool = True
) -> tuple[float, float, int]:
    """(poll seconds, seconds inside read_document, documents read)."""
    spent = [0.0, 0]
    original = collect.read_document

    def timed(body: bytes, *, ocr: OcrLimits | None = None):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            return original(body, ocr=ocr)
        finally:
            spent[0] += time.perf_counter() - t0
            spent[1] += 1

    collect.read_document = timed
    text_doc, scan_doc = text_pdf(LINES, pages=pages), scanned_pdf(LINES, pages=pages)
    with LocalServer() as server, tempfile.TemporaryDirectory() as tmp:
        base = server.url("")
        items = []
        for i in range(notices):
            server.route(f"/files/{i}.pdf", scan_doc if i < scans else text_doc)
            server.route(
                f"/tin/{i}.html",
                f"<html><body><article><h1>Thông báo số {i}</h1><p>Liên đoàn Lao động tỉnh "
                f"thông báo kế hoạch số {i} tới các công đoàn cơ sở trong tỉnh.</p>"
                f'<a href="/files/{i}.pdf">Tải văn bản</a></article></body></html>',
                content_type="text/html; charset=utf-8",
            )
            items.append(
                f"<item><title>Thông báo số {i} về Tháng Công nhân</title>"
                f"<link>{base}/tin/{i}.html</link></item>"
            )
        server.route(
            "/rss.xml",
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
            f"{''.join(items)}</channel></rss>",
            content_type="application/rss+xml",
        )
        url = f"sqlite:///{tmp}/bench.db"
        config = parse_config(
            f'[bot]\ndatabase_url = "{url}"\n[fetch]\nper_host_delay = 0.0\n'
            f"[documents]\nenabled = {'true' if documents else 'false'}\n"
            f'[[sources]]\nid = "s"\nurl = "{base}/rss.xml"\nkind = "rss"\n',
            Path("bench.toml"),
            {},
        )
        db = open_database(url)
        t0 = time.perf_counter()
        asyncio.run(poll_round(config, db, force=True, analyzer=make_analyzer(config)))
        total = time.perf_counter() - t0
        db.dispose()
    collect.read_document = original
    return total, spent[0], int(spent[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notices", type=int, default=20)
    parser.add_argument("--scans", type=int, default=4)
    parser.add_argument("--pages", type=int, default=3)
    args = parser.parse_args()
    missing = ocr_available()
    if missing:
        sys.exit(f"OCR unavailable: {missing}")
    text_s = per_page(text_pdf(LINES, pages=args.pages), args.pages, None, 5)
    ocr_s = per_page(scanned_pdf(LINES, pages=args.pages), args.pages, OcrLimits(), 2)
    print(f"text layer: {text_s * 1000:.1f} ms/page (baseline)")
    print(f"OCR (vie, 200 dpi): {ocr_s:.2f} s/page = {ocr_s / text_s:.0f}x the text layer")
    without, _, _ = poll_share(args.notices, args.scans, args.pages, documents=False)
    total, reading, count = poll_share(args.notices, args.scans, args.pages)
    print(
        f"poll of {args.notices} notices ({args.scans} scanned, {args.pages} pages each): "
        f"{count} documents read in {reading:.1f} s of reader time; the poll took "
        f"{total / without:.1f}x as long as without documents "
        f"({(total - without) / total:.0%} of its wall time went to documents)"
    )


if __name__ == "__main__":
    main()
