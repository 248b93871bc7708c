"""Notices whose deadlines are in the attached documents, end to end.

A local union site publishes notices as short pages that link a text PDF, a
Word file, a scan, a Google-Docs-viewer-wrapped PDF, a corrupt PDF, an
oversized PDF and a legacy .doc.  Polled through the real pipeline into a
real database, an officer must find each readable deadline in /events and in
the push, with the document linked; a bad document keeps its story and says
why; and no document is downloaded twice.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.commands.inbound import Inbound
from bot.commands.router import CommandRouter
from bot.config import Config, parse_config
from bot.delivery.render import render_push
from bot.runtime.ingest_round import make_analyzer, poll_round
from feeds.documents.ocr import ocr_available
from storage.db import Database
from storage.queries import StoryView, latest_stories
from tests.support.documents import docx_file, scanned_pdf, text_pdf, vn
from tests.support.http_server import LocalServer

TODAY = date.today()
D_PDF, D_DOCX, D_SCAN, D_VIEWER = (TODAY + timedelta(days=n) for n in (9, 11, 13, 15))
MAX_BYTES = 300_000


def _page(title: str, body: str) -> str:
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><nav>TRANG CHỦ | TIN TỨC | THÔNG BÁO</nav>
<article><h1>{title}</h1>
<p>Ban Thường vụ Liên đoàn Lao động tỉnh Nghệ An thông báo tới các công đoàn cơ sở nội dung
văn bản đính kèm dưới đây. Đề nghị các đơn vị nghiên cứu và triển khai thực hiện.</p>
{body}</article></body></html>"""


NOTICES = {
    # path: (title, link html, document path, document bytes)
    "hoi-thi": (
        "Kế hoạch tổ chức Hội thi tìm hiểu pháp luật năm 2027",
        '<p>Tải văn bản: <a href="/files/ke-hoach-hoi-thi.pdf">Kế hoạch số 12/KH-LĐLĐ</a></p>',
        "/files/ke-hoach-hoi-thi.pdf",
        lambda: text_pdf(
            [
                "LIÊN ĐOÀN LAO ĐỘNG TỈNH NGHỆ AN",
                "KẾ HOẠCH Tổ chức Hội thi tìm hiểu pháp luật",
                "Các công đoàn cơ sở gửi danh sách thí sinh về Ban Tuyên giáo "
                f"trước ngày {vn(D_PDF)}.",
                "Vòng chung kết được tổ chức tại Hội trường Liên đoàn Lao động tỉnh.",
            ]
        ),
    ),
    "giai-bong-da": (
        "Thông báo Giải bóng đá công nhân viên chức lao động",
        '<p><a href="/upload/thong-bao-giai-bong-da.docx">Thông báo số 45/TB-LĐLĐ</a></p>',
        "/upload/thong-bao-giai-bong-da.docx",
        lambda: docx_file(
            ["THÔNG BÁO", "Về việc tổ chức Giải bóng đá công nhân viên chức lao động"],
            [("Hạn đăng ký", vn(D_DOCX)), ("Địa điểm", "Sân vận động Vinh")],
        ),
    ),
    "cong-van-scan": (
        "Công văn về việc báo cáo công tác chăm lo Tết",
        '<p><a href="/files/cong-van-35.pdf">Công văn số 35/LĐLĐ (bản scan)</a></p>',
        "/files/cong-van-35.pdf",
        lambda: scanned_pdf(
            [
                "LIÊN ĐOÀN LAO ĐỘNG TỈNH NGHỆ AN",
                "V/v báo cáo kết quả chăm lo Tết cho đoàn viên",
                f"Các đơn vị báo cáo kết quả về Ban Chính sách trước ngày {vn(D_SCAN)}.",
            ]
        ),
    ),
    "huong-dan-xem": (
        "Hướng dẫn đại hội công đoàn cơ sở nhiệm kỳ 2028-2033",
        '<iframe src="https://docs.google.com/viewer?url={base}/files/huong-dan.pdf&embedded=true"></iframe>',
        "/files/huong-dan.pdf",
        lambda: text_pdf(
            [
                "HƯỚNG DẪN Đại hội công đoàn cơ sở",
                f"Các công đoàn cơ sở gửi báo cáo dự kiến nhân sự trước ngày {vn(D_VIEWER)}.",
            ]
        ),
    ),
    "hong": (
        "Thông báo lịch tiếp công dân của Liên đoàn Lao động tỉnh",
        '<p><a href="/files/lich-tiep.pdf">Lịch tiếp công dân</a></p>',
        "/files/lich-tiep.pdf",
        lambda: b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> broken",
    ),
    "qua-lon": (
        "Tài liệu tuyên truyền Bộ luật Lao động",
        '<p><a href="/files/tai-lieu.pdf">Tài liệu (PDF)</a></p>',
        "/files/tai-lieu.pdf",
        lambda: b"%PDF-1.4\n" + b"0" * (MAX_BYTES + 1),
    ),
    "van-ban-cu": (
        "Quyết định khen thưởng năm 2026",
        '<p><a href="/files/quyet-dinh.doc">Quyết định số 88/QĐ-LĐLĐ</a></p>',
        "/files/quyet-dinh.doc",
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 700,
    ),
}


def _rss(base: str, slugs: list[str]) -> str:
    items = "".join(
        f"<item><title>{NOTICES[s][0]}</title><link>{base}/tin/{s}.html</link>"
        f"<guid>{base}/tin/{s}.html</guid><description>Thông báo.</description>"
        f"<pubDate>{datetime.now(UTC):%a, %d %b %Y %H:%M:%S} +0000</pubDate></item>"
        for s in slugs
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Công đoàn Nghệ An</title><link>{base}</link>{items}</channel></rss>"
    )


@pytest.fixture
def site():  # type: ignore[no-untyped-def]
    with LocalServer() as server:
        base = server.url("")
        for slug, (title, link, doc_path, make) in NOTICES.items():
            server.route(f"/tin/{slug}.html", _page(title, link.format(base=base)),
                         content_type="text/html; charset=utf-8")  # fmt: skip
            server.route(doc_path, make(), content_type="application/octet-stream")
        server.route("/rss.xml", _rss(base, list(NOTICES)), content_type="application/rss+xml")
        yield server


def _config(db: Database, base: str) -> Config:
    text = f"""[bot]
database_url = "{db.url}"
[fetch]
per_host_delay = 0.0
timeout = 5
[documents]
max_bytes = {MAX_BYTES}
[[sources]]
id = "cdna"
name = "Công đoàn Nghệ An"
url = "{base}/rss.xml"
kind = "rss"
province = "Nghệ An"
"""
    return parse_config(text, Path("test.toml"), {})


def _poll(config: Config, db: Database) -> None:
    reports = asyncio.run(poll_round(config, db, force=True, analyzer=make_analyzer(config)))
    assert [r.outcome.error for r in reports] == [None]


def _by_title(db: Database) -> dict[str, StoryView]:
    return {s.title: s for s in latest_stories(db, limit=50)}


def _events_reply(db: Database, config: Config) -> str:
    router = CommandRouter(db, config)
    msg = Inbound("telegram", "501", "501", "/sukien", "1", datetime.now(UTC), language_code="vi")
    return "\n".join(r.plain for r in asyncio.run(router.handle(msg)))


def test_deadlines_inside_documents_reach_events_push_and_json(
    db: Database, site: LocalServer
) -> None:
    config = _config(db, site.url(""))
    _poll(config, db)
    stories = _by_title(db)
    assert len(stories) == len(NOTICES)  # every story kept, bad documents included

    expected = {
        "hoi-thi": (D_PDF, "pdf", "text"),
        "giai-bong-da": (D_DOCX, "docx", "text"),
        "huong-dan-xem": (D_VIEWER, "pdf", "text"),
    }
    if ocr_available() is None:
        expected["cong-van-scan"] = (D_SCAN, "pdf", "ocr")
    events = _events_reply(db, config)
    for slug, (deadline, kind, method) in expected.items():
        story = stories[NOTICES[slug][0]]
        assert [(a.kind, a.method, a.error) for a in story.attachments] == [(kind, method, None)]
        assert deadline in [e.date for e in story.events if e.kind == "deadline"], slug
        assert vn(deadline) in events, slug
        push = render_push([story], "vi", config.tz)[0].html
        assert f'📎 Văn bản đính kèm: <a href="{site.url(NOTICES[slug][2])}">' in push
        assert f"Hạn cuối: <b>{vn(deadline)}</b>" in push

    data = stories[NOTICES["hoi-thi"][0]].to_json(config.tz)
    assert data["attachments"] == [
        {
            "url": site.url("/files/ke-hoach-hoi-thi.pdf"),
            "type": "pdf",
            "pages": 1,
            "chars": data["attachments"][0]["chars"],
            "method": "text",
            "error": None,
        }
    ]
    assert data["attachments"][0]["chars"] > 100
    assert {"date": D_PDF.isoformat(), "time": None, "kind": "deadline"}.items() <= next(
        e for e in data["events"] if e["date"] == D_PDF.isoformat()
    ).items()
    json.dumps(data)  # the items --json shape is plain JSON


def test_bad_documents_keep_their_story_with_the_reason(db: Database, site: LocalServer) -> None:
    _poll(_config(db, site.url("")), db)
    stories = _by_title(db)
    errors = {
        slug: stories[NOTICES[slug][0]].attachments[0].error
        for slug in ("hong", "qua-lon", "van-ban-cu")
    }
    assert errors["hong"].startswith("unreadable pdf: ")
    assert errors["qua-lon"] == f"refused: body larger than {MAX_BYTES} bytes"
    assert errors["van-ban-cu"].startswith("cannot read .doc")
    for slug in ("hong", "qua-lon", "van-ban-cu"):
        story = stories[NOTICES[slug][0]]
        assert "Ban Thường vụ Liên đoàn Lao động tỉnh Nghệ An thông báo" in story.text


def test_a_document_is_never_downloaded_twice(db: Database, site: LocalServer) -> None:
    config = _config(db, site.url(""))
    _poll(config, db)
    # A second notice links the same plan; the feed now lists only it.
    title = "Bổ sung kế hoạch Hội thi tìm hiểu pháp luật năm 2027"
    page = _page(title, NOTICES["hoi-thi"][1]).replace(
        "nội dung", "bổ sung thời gian, địa điểm và cơ cấu giải thưởng của Hội thi theo nội dung"
    )
    site.route("/tin/bo-sung.html", page, content_type="text/html; charset=utf-8")
    base = site.url("")
    site.update(
        "/rss.xml",
        body=_rss(base, ["hoi-thi"]).replace("</channel>", "")
        + f"<item><title>{title}</title><link>{base}/tin/bo-sung.html</link></item></channel></rss>",
    )
    _poll(config, db)
    stories = _by_title(db)
    assert D_PDF in [e.date for e in stories[title].events]
    assert stories[title].attachments[0].method == "text"
    downloads = [r for r in site.requests if r.path == "/files/ke-hoach-hoi-thi.pdf"]
    assert len(downloads) == 1


def test_search_finds_words_only_in_the_document(db: Database, site: LocalServer) -> None:
    config = _config(db, site.url(""))
    _poll(config, db)
    router = CommandRouter(db, config)
    msg = Inbound(
        "telegram", "502", "502", "/timkiem Ban Chính sách", "1", datetime.now(UTC),
        language_code="vi",
    )  # fmt: skip
    replies = "\n".join(r.plain for r in asyncio.run(router.handle(msg)))
    if ocr_available() is None:
        assert NOTICES["cong-van-scan"][0] in replies
    msg = Inbound(
        "telegram", "502", "502", "/timkiem danh sách thí sinh", "2", datetime.now(UTC),
        language_code="vi",
    )  # fmt: skip
    replies = "\n".join(r.plain for r in asyncio.run(router.handle(msg)))
    assert NOTICES["hoi-thi"][0] in replies
