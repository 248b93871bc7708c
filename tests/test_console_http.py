"""The web console over HTTP: login links from the real command router, sessions,
CSRF, the 401 page, and the console's sources in what is polled and in OPML.

The console runs in the real aiohttp application of :class:`bot.web.server.WebServer`
(aiohttp's test server on 127.0.0.1) against a real database (SQLite, then a real
PostgreSQL for the storage of links and sessions)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.cli.main import main as cli
from bot.commands import CommandRouter
from bot.commands.inbound import Inbound
from bot.config import Config, parse_config
from bot.i18n import strip_markup
from bot.runtime.ingest_round import poll_round
from bot.web.console import COOKIE
from bot.web.server import WebServer
from feeds.sources import SourceConfig
from storage import console as store
from storage.db import Database, open_database
from storage.models import ConsoleLogin, ConsoleSession
from tests.support.http_server import LocalServer

OPERATOR, STRANGER = 777_000_001, 501_234_567
PUBLIC = "https://bot.example.vn"
LINK = re.compile(r"https://bot\.example\.vn/login/([A-Za-z0-9_-]+)")
PAGES = ["/", "/sources", "/sources/new", "/subscribers", "/delivery", "/zalo", "/stories",
         "/stories/1", "/sources.opml", "/sources/x/edit"]  # fmt: skip


def _config(tmp: Path, *, web: bool = True, extra: str = "") -> Config:
    text = f"[bot]\noperators = [{OPERATOR}]\n"
    if web:
        text += f'[web]\nlisten = "127.0.0.1:8080"\npublic_url = "{PUBLIC}"\n'
    return parse_config(text + extra, tmp / "bot_config.toml", {})


def _msg(user: int, text: str, *, group: bool = False) -> Inbound:
    chat = -4_012_345_678 if group else user
    return Inbound(
        channel="telegram", chat_id=str(chat), user_id=str(user), text=text, message_id="1",
        ts=datetime.now(UTC), chat_kind="group" if group else "private", language_code="vi",
    )  # fmt: skip


async def _link(db: Database, config: Config, user: int = OPERATOR, text: str = "/quantri") -> str:
    """Send the command through the real router; the token in the reply, else ''."""
    replies = await CommandRouter(db, config).handle(_msg(user, text))
    found = LINK.search(replies[0].html)
    return found.group(1) if found else ""


@pytest.fixture
async def client(db: Database, tmp_path: Path) -> AsyncIterator[TestClient]:
    app = WebServer(_config(tmp_path), db).app()
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


async def _login(client: TestClient, db: Database, config: Config) -> str:
    """Log in through a fresh chat link; the session cookie's value."""
    token = await _link(db, config)
    response = await client.get(f"/login/{token}", allow_redirects=False)
    assert response.status == 303
    cookie = response.cookies[COOKIE].value
    # The cookie is Secure (public_url is https) and this client speaks plain http.
    client.session.cookie_jar.update_cookies({COOKIE: cookie})
    return cookie


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found, "no CSRF field in the form"
    return found.group(1)


# ------------------------------------------------------------------ the /console command


async def test_non_operator_gets_a_polite_refusal_and_no_link(db: Database, tmp_path: Path) -> None:
    config = _config(tmp_path)
    for text in ("/console", "/quantri"):
        replies = await CommandRouter(db, config).handle(_msg(STRANGER, text))
        assert len(replies) == 1
        assert strip_markup(replies[0].html).startswith("Xin lỗi")
        assert "/login/" not in replies[0].html
    with db.read() as session:
        assert session.scalars(select(ConsoleLogin)).all() == []


async def test_operator_gets_a_link_only_in_private_and_with_the_web_part(
    db: Database, tmp_path: Path
) -> None:
    config = _config(tmp_path)
    router = CommandRouter(db, config)
    group = await router.handle(_msg(OPERATOR, "/quantri", group=True))
    assert "/login/" not in group[0].html and "tin nhắn riêng" in group[0].html
    off = await CommandRouter(db, _config(tmp_path, web=False)).handle(_msg(OPERATOR, "/console"))
    assert "/login/" not in off[0].html and "[web] listen" in strip_markup(off[0].html)
    token = await _link(db, config)
    assert len(token) >= 40
    text = strip_markup((await router.handle(_msg(OPERATOR, "/console")))[0].html)
    assert "10 phút" in text and "một lần" in text
    with db.read() as session:
        rows = session.execute(select(ConsoleLogin.token_hash, ConsoleLogin.operator)).all()
    # Only hashes are stored: the token itself appears nowhere in the table.
    assert len(rows) == 2 and all(token not in row for row in rows)
    assert store.token_hash(token) in {h for h, _ in rows}


# ------------------------------------------------------------------ sessions


async def test_every_console_page_needs_a_session(client: TestClient) -> None:
    for path in PAGES:
        response = await client.get(path, allow_redirects=False)
        assert response.status == 401, path
        page = await response.text()
        assert "Cần đăng nhập" in page and "/quantri" in page, path
    response = await client.post("/sources/new", data={"url": "https://x.vn/"})
    assert response.status == 401
    # The public routes stay public: the health check and the calendars' own secrets.
    assert (await client.get("/healthz")).status == 200
    assert (await client.get("/cal/unknown-secret.ics")).status == 404


async def test_a_link_logs_in_once_and_sets_a_safe_cookie(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    config = _config(tmp_path)
    token = await _link(db, config)
    response = await client.get(f"/login/{token}", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert "Max-Age=43200" in cookie and "Path=/" in cookie
    assert response.headers["Referrer-Policy"] == "no-referrer"
    session_cookie = response.cookies[COOKIE].value
    # A browser sends a Secure cookie over https only; the test client speaks http.
    assert (await client.get("/")).status == 401
    home = await client.get("/", headers={"Cookie": f"{COOKIE}={session_cookie}"})
    assert home.status == 200
    assert "Tổng quan" in await home.text()

    again = await client.get(f"/login/{token}", allow_redirects=False)
    assert again.status == 403
    assert "đã được sử dụng" in await again.text()
    with db.read() as session:
        stored = [s.token_hash for s in session.scalars(select(ConsoleSession))]
    assert stored == [store.token_hash(session_cookie)]


async def test_an_expired_link_or_session_is_refused(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    old = datetime.now(UTC) - timedelta(minutes=11)
    token = store.issue_login(db, str(OPERATOR), "vi", now=old)
    response = await client.get(f"/login/{token}", allow_redirects=False)
    assert response.status == 403
    assert "đã hết hạn" in await response.text()
    assert COOKIE not in response.cookies
    unknown = await client.get("/login/" + "A" * 43, allow_redirects=False)
    assert unknown.status == 403 and "không hợp lệ" in await unknown.text()

    # A session opened 12 hours and a minute ago is over.
    fresh = store.issue_login(db, str(OPERATOR), "vi", now=old - timedelta(hours=12))
    cookie, _ = store.redeem_login(db, fresh, now=old - timedelta(hours=12))
    stale = await client.get("/", headers={"Cookie": f"{COOKIE}={cookie}"})
    assert stale.status == 401


async def test_a_standby_keeps_the_sessions(db: Database, tmp_path: Path) -> None:
    """Links and sessions live in the database: another process's server honours them."""
    config = _config(tmp_path)
    token = await _link(db, config)
    first = TestClient(TestServer(WebServer(config, db).app(), host="127.0.0.1"))
    second = TestClient(TestServer(WebServer(config, db).app(), host="127.0.0.1"))
    async with first, second:
        cookie = (await first.get(f"/login/{token}", allow_redirects=False)).cookies[COOKIE].value
        page = await second.get("/sources", headers={"Cookie": f"{COOKIE}={cookie}"})
        assert page.status == 200
        reused = await second.get(f"/login/{token}", allow_redirects=False)
        assert reused.status == 403


async def test_forms_need_the_csrf_token(client: TestClient, db: Database, tmp_path: Path) -> None:
    config = _config(tmp_path)
    await _login(client, db, config)
    store.save_console_source(db, SourceConfig(id="tin-a", name="Tin A", url="https://a.vn/"))
    page = await (await client.get("/sources")).text()
    csrf = _csrf(page)
    for data in ({}, {"csrf": "0" * 40}, {"csrf": csrf[:-1]}):
        refused = await client.post("/sources/tin-a/pause", data=data, allow_redirects=False)
        assert refused.status == 403
        assert "mã bảo mật" in await refused.text()
        assert store.paused_ids(db) == set()
    refused = await client.post("/sources/new", data={"url": "https://b.vn/", "action": "save"})
    assert refused.status == 403 and store.console_source(db, "b-vn") is None

    done = await client.post("/sources/tin-a/pause", data={"csrf": csrf}, allow_redirects=False)
    assert done.status == 303 and store.paused_ids(db) == {"tin-a"}
    # A logged-out browser's old token is worth nothing.
    await client.post("/logout", data={"csrf": csrf})
    after = await client.post("/sources/tin-a/resume", data={"csrf": csrf}, allow_redirects=False)
    assert after.status == 401 and store.paused_ids(db) == {"tin-a"}


async def test_bad_source_form_is_explained_and_keeps_what_was_typed(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    config = _config(tmp_path)
    await _login(client, db, config)
    csrf = _csrf(await (await client.get("/sources/new")).text())
    response = await client.post(
        "/sources/new",
        data={"csrf": csrf, "url": "ftp://x.vn/tin", "name": "Tin <b>X</b>", "kind": "html",
              "action": "save"},
    )  # fmt: skip
    assert response.status == 400
    page = await response.text()
    assert "http:// hoặc https://" in page and "bộ chọn CSS cho mỗi tin" in page
    assert 'value="Tin &lt;b&gt;X&lt;/b&gt;"' in page  # kept, and escaped
    assert store.console_sources(db) == []


# ------------------------------------------------------------------ what is polled


async def test_the_file_wins_and_a_paused_source_is_not_polled(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'bot.db'}")
    with LocalServer() as site:
        site.route("/file.rss", _rss("Tệp"), content_type="application/rss+xml")
        site.route("/console.rss", _rss("Quản trị"), content_type="application/rss+xml")
        site.route("/shadow.rss", _rss("Bóng"), content_type="application/rss+xml")
        config = _config(
            tmp_path,
            extra=f'[fetch]\nper_host_delay = 0\n[[sources]]\nid = "tinh"\nname = "Tỉnh"\n'
            f'url = "{site.url("/file.rss")}"\n',
        )
        store.save_console_source(db, SourceConfig("tinh", "Bóng", site.url("/shadow.rss")))
        store.save_console_source(db, SourceConfig("qt", "Quản trị", site.url("/console.rss")))
        reports = await poll_round(config, db, force=True)
        assert sorted(r.source.id for r in reports) == ["qt", "tinh"]
        assert not any(r.path.startswith("/shadow") for r in site.requests)
        store.set_paused(db, "qt", True, str(OPERATOR))
        reports = await poll_round(config, db, force=True)
        assert [r.source.id for r in reports] == ["tinh"]
        assert [r.path for r in site.requests].count("/console.rss") == 1
    db.dispose()


def _rss(title: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>x</title>'
        f"<item><title>{title}</title><link>http://127.0.0.1:9/a</link>"
        "<description>Nội dung tin</description></item></channel></rss>"
    )


# ------------------------------------------------------------------ OPML


def test_opml_export_and_import_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bot_config.toml").write_text(
        f'[bot]\ndatabase_url = "sqlite:///{tmp_path / "bot.db"}"\n'
        '[[sources]]\nid = "ldld"\nname = "LĐLĐ Nghệ An"\nurl = "https://ldld.vn/rss"\nkind = "rss"\n',
        encoding="utf-8",
    )
    opml = tmp_path / "list.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>'
        '<outline text="Nhóm"><outline text="Báo Lao động" type="rss" '
        'xmlUrl="https://laodong.vn/rss/cong-doan.rss"/></outline>'
        '<outline text="Công đoàn &amp; việc làm" htmlUrl="https://congdoan.vn/tin-tuc"/>'
        '<outline text="x" xmlUrl="javascript:alert(1)"/></body></opml>',
        encoding="utf-8",
    )
    assert cli(["sources", "import", str(opml)]) == 0
    out = capsys.readouterr().out
    assert "added     laodong-vn-rss-cong-doan-rss" in out and "2 added, 0 already there" in out
    assert cli(["sources", "import", str(opml)]) == 0
    assert "0 added, 2 already there" in capsys.readouterr().out

    assert cli(["sources", "export", "--opml"]) == 0
    exported = capsys.readouterr().out
    assert exported.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    for url in ("https://ldld.vn/rss", "https://laodong.vn/rss/cong-doan.rss",
                "https://congdoan.vn/tin-tuc"):  # fmt: skip
        assert f'xmlUrl="{url}"' in exported
    assert 'text="Công đoàn &amp; việc làm"' in exported

    bomb = tmp_path / "bomb.opml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<opml><body><outline text="&b;" xmlUrl="https://z.vn/rss"/></body></opml>',
        encoding="utf-8",
    )
    assert cli(["sources", "import", str(bomb)]) == 2
    err = capsys.readouterr().err
    assert "DTDs and entities are not allowed" in err and "nothing imported" in err
    assert "Traceback" not in err


async def test_opml_upload_and_download_in_the_console(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    config = _config(tmp_path)
    await _login(client, db, config)
    store.save_console_source(db, SourceConfig("b-vn", "B cũ", "https://b.vn/"))
    csrf = _csrf(await (await client.get("/sources")).text())
    body = (
        '<opml version="2.0"><body><outline text="A" xmlUrl="https://a.vn/rss" type="rss"/>'
        '<outline text="B" xmlUrl="https://b.vn/"/></body></opml>'
    )
    form = aiohttp.FormData()
    form.add_field("csrf", csrf)
    form.add_field("file", body.encode(), filename="list.opml", content_type="text/xml")
    page = await (await client.post("/sources/import", data=form)).text()
    assert re.search(r"Đã thêm: <b>1</b>: <code>a-vn-rss</code>", page)
    assert re.search(r"Đã có, giữ nguyên: <b>1</b>: <code>b-vn</code>", page)
    assert store.console_source(db, "b-vn").name == "B cũ"  # untouched
    download = await client.get("/sources.opml")
    assert download.headers["Content-Type"].startswith("text/x-opml")
    assert 'xmlUrl="https://a.vn/rss"' in await download.text()

    broken = aiohttp.FormData()
    broken.add_field("csrf", csrf)
    broken.add_field("file", b"<html>not opml</html>", filename="x.opml")
    refused = await client.post("/sources/import", data=broken)
    assert refused.status == 400 and "không đọc được tệp" in await refused.text()


async def test_pages_render_with_data(client: TestClient, db: Database, tmp_path: Path) -> None:
    """Each page answers 200 for a logged-in operator, empty database or not."""
    await _login(client, db, _config(tmp_path))
    for path in ("/", "/sources", "/sources/new", "/subscribers", "/delivery", "/zalo",
                 "/stories"):  # fmt: skip
        response = await client.get(path)
        assert response.status == 200, path
        assert response.headers["Cache-Control"] == "no-store"
    assert (await client.get("/stories/999")).status == 404


def test_session_cookie_is_not_secure_on_plain_http(tmp_path: Path) -> None:
    """Behind no TLS (public_url http://…) a Secure cookie would never come back."""
    import asyncio

    async def run() -> str:
        db = open_database(f"sqlite:///{tmp_path / 'p.db'}")
        config = parse_config(
            f'[bot]\noperators = [{OPERATOR}]\n[web]\nlisten = "127.0.0.1:8080"\n'
            'public_url = "http://127.0.0.1:8080"\n',
            tmp_path / "bot_config.toml", {},
        )  # fmt: skip
        token = store.issue_login(db, str(OPERATOR), "vi")
        async with TestClient(TestServer(WebServer(config, db).app(), host="127.0.0.1")) as c:
            response = await c.get(f"/login/{token}", allow_redirects=False)
            header = response.headers["Set-Cookie"]
        db.dispose()
        return header

    header = asyncio.run(run())
    assert "HttpOnly" in header and "Secure" not in header


async def test_unknown_sources_are_not_paused_or_created_by_edit(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    await _login(client, db, _config(tmp_path))
    csrf = _csrf(await (await client.get("/sources")).text())
    paused = await client.post("/sources/nope/pause", data={"csrf": csrf}, allow_redirects=False)
    assert paused.status == 404 and store.paused_ids(db) == set()
    edit = await client.post(
        "/sources/nope/edit",
        data={"csrf": csrf, "url": "https://n.vn/", "action": "save"},
        allow_redirects=False,
    )
    assert edit.status == 404 and store.console_sources(db) == []


async def test_edit_selectors_with_a_preview_of_a_listing_page(
    db: Database, tmp_path: Path
) -> None:
    config = _config(tmp_path, extra="[fetch]\nper_host_delay = 0\n")
    app = WebServer(config, db).app()
    with LocalServer() as site:
        site.route(
            "/tin-tuc",
            "<html><body><div class='menu'><a href='/gioi-thieu'>Giới thiệu</a></div>"
            "<ul>"
            f"<li class='tin'><a href='{site.url('/bai-1')}'>Đại hội Công đoàn tỉnh</a>"
            "<span class='ngay'>05/12/2026 08:30</span></li>"
            f"<li class='tin'><a href='{site.url('/bai-2')}'>Hội nghị Ban Chấp hành</a>"
            "<span class='ngay'>04/12/2026 14:00</span></li>"
            "</ul></body></html>",
        )
        body = "Sáng 5/12, Công đoàn tỉnh tổ chức Đại hội đại biểu lần thứ XIX. " * 8
        for path in ("/bai-1", "/bai-2"):
            site.route(
                path, f"<html><body><article><h1>Tin</h1><p>{body}</p></article></body></html>"
            )
        store.save_console_source(db, SourceConfig("tin", "Tin", site.url("/tin-tuc")))
        async with TestClient(TestServer(app, host="127.0.0.1")) as c:
            await _login(c, db, config)
            form = await (await c.get("/sources/tin/edit")).text()
            assert f'value="{site.url("/tin-tuc")}"' in form and "readonly" in form
            fields = {"csrf": _csrf(form), "url": site.url("/tin-tuc"), "name": "Tin tỉnh",
                      "kind": "html", "item": "li.tin", "link": "a", "date": ".ngay",
                      "interval": "30"}  # fmt: skip
            page = await (
                await c.post("/sources/tin/edit", data={**fields, "action": "preview"})
            ).text()
            assert 'id="preview-count">2<' in page
            assert "05/12/2026 08:30" in page and "Hội nghị Ban Chấp hành" in page
            assert "Giới thiệu" not in page.split('id="preview"')[1]
            assert "lần thứ XIX" in page  # the first article's text
            saved = await c.post("/sources/tin/edit", data={**fields, "action": "save"},
                                 allow_redirects=False)  # fmt: skip
            assert saved.status == 303
    source = store.console_source(db, "tin")
    assert source is not None and source.name == "Tin tỉnh" and source.poll_interval == 1800
    assert source.listing is not None and (source.listing.item, source.listing.date) == (
        "li.tin", ".ngay")  # fmt: skip


async def test_a_file_source_is_edited_in_the_file(db: Database, tmp_path: Path) -> None:
    config = _config(tmp_path, extra='[[sources]]\nid = "tep"\nurl = "https://tep.vn/rss"\n')
    async with TestClient(TestServer(WebServer(config, db).app(), host="127.0.0.1")) as c:
        await _login(c, db, config)
        page = await c.get("/sources/tep/edit")
        assert page.status == 409 and "bot_config.toml" in await page.text()
        csrf = _csrf(await (await c.get("/sources/new")).text())
        clash = await c.post("/sources/new", data={"csrf": csrf, "id": "tep",
                                                   "url": "https://khac.vn/", "action": "save"})  # fmt: skip
        assert clash.status == 400 and "bot_config.toml" in await clash.text()
    assert store.console_sources(db) == []


async def test_subscribers_and_a_story_with_the_chats_that_got_it(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    from datetime import date

    from bot.delivery.routing import route_new_stories
    from storage.chats import mark_inactive
    from tests.support.factories import add_chat, add_story, subscribe

    config = _config(tmp_path)
    nghe_an = ("ldld-nghe-an", "LĐLĐ tỉnh Nghệ An")
    officer = add_chat(db, "9001")
    group = add_chat(db, "-9002")
    blocked = add_chat(db, "9003", channel="zalo")
    for chat in (officer, group, blocked):
        subscribe(db, chat, "unit", nghe_an[0], label=nghe_an[1])
    subscribe(db, officer, "topic", "phat_trien_doan_vien", label="Phát triển đoàn viên")
    with db.write() as session:
        mark_inactive(session, blocked, "blocked")
    now = datetime.now(UTC)
    story = add_story(
        db, "Đại hội Công đoàn tỉnh Nghệ An", text="Toàn văn bài viết về đại hội.",
        units=(nghe_an,), topics=("phat_trien_doan_vien",), first_seen=now,
        events=((date(2026, 12, 20), "deadline", "Nộp báo cáo"),),
    )  # fmt: skip
    route_new_stories(db, [story], config, now=now)
    await _login(client, db, config)

    page = await (await client.get("/subscribers")).text()
    unit_row = re.search(r"<tr><td>LĐLĐ tỉnh Nghệ An</td>(.*?)</tr>", page, re.S)
    assert unit_row and re.findall(r">(\d+)</td>", unit_row.group(1)) == ["2", "1"]
    assert "Phát triển đoàn viên" in page.split('id="followed-topic"')[1]

    page = await (await client.get(f"/stories/{story}")).text()
    assert "Toàn văn bài viết về đại hội." in page and "LĐLĐ tỉnh Nghệ An" in page
    assert "20/12/2026" in page and "Hạn cuối" in page and "Nộp báo cáo" in page
    recipients = page.split('id="story-recipients"')[1]
    assert "9001" in recipients and "-9002" in recipients and "9003" not in recipients
    assert recipients.count("chờ gửi") == 2
