"""Officers' calendars: /lich gives a private .ics address that calendar apps poll.

End to end: a local union site is polled into a real database, two chats follow
different topics, the bot's web server runs on 127.0.0.1, and the feed is
fetched over HTTP and parsed back with two independent iCalendar parsers
(icalendar, ics).  What an officer checks: each deadline is on its day, with
an alarm per /nhacviec day; nothing of another chat's is in the feed; re-polls
do not duplicate; a replaced link stops working; the push offers the event.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from icalendar import Calendar

from bot.commands.inbound import Inbound
from bot.commands.router import CommandRouter
from bot.config import Config, ConfigError, parse_config
from bot.delivery.render import render_push
from bot.runtime.ingest_round import make_analyzer, poll_round
from bot.web.server import WebServer
from storage.db import Database
from storage.queries import latest_stories
from tests.support.http_server import LocalServer

TODAY = date.today()
D_MEMBERS = TODAY + timedelta(days=10)
D_FOOTBALL = TODAY + timedelta(days=12)
D_TIMED = TODAY + timedelta(days=14)


def vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


ARTICLES = [
    (
        "Kế hoạch phát triển đoàn viên, thành lập công đoàn cơ sở năm 2027",
        "Liên đoàn Lao động tỉnh Nghệ An ban hành kế hoạch phát triển đoàn viên, thành lập "
        "công đoàn cơ sở trong các doanh nghiệp ngoài nhà nước. Các công đoàn cấp trên trực tiếp "
        f"cơ sở gửi báo cáo kết quả phát triển đoàn viên về Ban Tổ chức trước ngày {vn(D_MEMBERS)}. "
        f"Hội nghị tập huấn công tác phát triển đoàn viên diễn ra lúc 8 giờ 00 ngày {vn(D_TIMED)}.",
    ),
    (
        "Thông báo Giải bóng đá nam công nhân viên chức lao động tỉnh",
        "Liên đoàn Lao động tỉnh tổ chức Giải bóng đá nam công nhân viên chức lao động, thể dục "
        "thể thao chào mừng Tháng Công nhân. Các đội bóng đăng ký thi đấu trước ngày "
        f"{vn(D_FOOTBALL)}.",
    ),
]


def _rss(base: str) -> str:
    items = "".join(
        f"<item><title>{title}</title><link>{base}/tin/{i}.html</link><guid>{base}/tin/{i}.html</guid>"
        f"<pubDate>{datetime.now(UTC):%a, %d %b %Y %H:%M:%S} +0000</pubDate>"
        f"<content:encoded><![CDATA[<p>{body}</p>]]></content:encoded></item>"
        for i, (title, body) in enumerate(ARTICLES)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>Công đoàn Nghệ An</title><link>{base}</link>{items}</channel></rss>"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Bot:
    config: Config
    db: Database
    router: CommandRouter

    def say(self, chat: str, text: str, *, group: bool = False) -> str:
        msg = Inbound(
            "telegram", chat, chat, text, "1", datetime.now(UTC), language_code="vi",
            chat_kind="group" if group else "private",
        )  # fmt: skip
        replies = asyncio.run(self.router.handle(msg))
        return "\n".join(r.plain for r in replies)

    def poll(self) -> None:
        reports = asyncio.run(
            poll_round(self.config, self.db, force=True, analyzer=make_analyzer(self.config))
        )
        assert [r.outcome.error for r in reports] == [None]


@contextmanager
def serving(config: Config, db: Database) -> Iterator[None]:
    """The bot's web server on its own event loop in a thread, as `run` serves it
    beside the chat channels; the test talks to it over HTTP."""
    loop = asyncio.new_event_loop()
    server = WebServer(config, db)
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
    try:
        yield
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.fixture
def bot(db: Database) -> Iterator[Bot]:
    port = _free_port()
    with LocalServer() as site:
        base = site.url("")
        site.route("/rss.xml", _rss(base), content_type="application/rss+xml")
        for i, (title, body) in enumerate(ARTICLES):
            page = f"<html><body><article><h1>{title}</h1><p>{body}</p></article></body></html>"
            site.route(f"/tin/{i}.html", page, content_type="text/html; charset=utf-8")
        text = f"""[bot]
database_url = "{db.url}"
[fetch]
per_host_delay = 0.0
[web]
listen = "127.0.0.1:{port}"
public_url = "http://127.0.0.1:{port}"
[[sources]]
id = "cdna"
name = "Công đoàn Nghệ An"
url = "{base}/rss.xml"
kind = "rss"
province = "Nghệ An"
"""
        config = parse_config(text, Path("test.toml"), {})
        with serving(config, db):
            yield Bot(config, db, CommandRouter(db, config))


def _link(reply: str) -> str:
    return next(w for w in reply.split() if w.endswith(".ics"))


def _events(body: bytes) -> dict[str, object]:
    return {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


def test_a_chats_feed_holds_its_deadlines_with_alarms_and_nothing_else(bot: Bot) -> None:
    bot.say("1001", "/dangky phát triển đoàn viên")
    bot.say("1001", "/nhacviec 3,1")
    bot.say("2002", "/dangky văn hóa thể thao")
    bot.poll()
    reply = bot.say("1001", "/lich")
    assert "Lịch công đoàn của đồng chí" in reply and "Google Lịch" in reply
    url = _link(reply)
    answer = httpx.get(url)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    events = _events(answer.content)
    news = [e for uid, e in events.items() if uid.startswith("story-")]
    starts = {e.decoded("DTSTART") for e in news}
    assert D_MEMBERS in starts  # all-day deadline
    assert D_FOOTBALL not in starts  # the other chat's topic
    deadline = next(e for e in news if e.decoded("DTSTART") == D_MEMBERS)
    assert str(deadline["SUMMARY"]).startswith("Hạn chót: ")
    assert "Ban Tổ chức" in str(deadline["SUMMARY"])
    assert ARTICLES[0][0] in str(deadline["DESCRIPTION"])
    alarms = deadline.walk("VALARM")
    assert sorted(a.decoded("TRIGGER") for a in alarms) == [
        timedelta(days=-3, hours=7, minutes=30),
        timedelta(days=-1, hours=7, minutes=30),
    ]  # 3 and 1 days before, at the 07:30 reminder hour
    timed = next(e for e in news if isinstance(e.decoded("DTSTART"), datetime))
    start = timed.decoded("DTSTART")
    assert (start.date(), start.hour, str(start.tzinfo)) == (D_TIMED, 8, "Asia/Ho_Chi_Minh")
    assert b"BEGIN:VTIMEZONE" in answer.content and b"TZID:Asia/Ho_Chi_Minh" in answer.content
    union = [e for uid, e in events.items() if uid.startswith("union-")]
    assert any("Quốc tế Lao động" in str(e["SUMMARY"]) for e in union)

    other = httpx.get(_link(bot.say("2002", "/lich")))
    other_starts = {e.decoded("DTSTART") for e in _events(other.content).values()}
    assert D_FOOTBALL in other_starts and D_MEMBERS not in other_starts


def test_uids_are_stable_and_unchanged_feeds_cost_a_304(bot: Bot) -> None:
    bot.say("1001", "/dangky phát triển đoàn viên")
    bot.poll()
    url = _link(bot.say("1001", "/lich"))
    first = httpx.get(url)
    bot.poll()  # the same site again: nothing new, nothing duplicated
    second = httpx.get(url)
    assert set(_events(first.content)) == set(_events(second.content))
    assert len([u for u in _events(second.content) if u.startswith("story-")]) == 2
    again = httpx.get(url, headers={"If-None-Match": second.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    since = httpx.get(url, headers={"If-Modified-Since": second.headers["Last-Modified"]})
    assert since.status_code == 304


def test_lich_moi_replaces_the_link_and_the_old_one_is_404(bot: Bot) -> None:
    old = _link(bot.say("1001", "/lich"))
    assert httpx.get(old).status_code == 200
    reply = bot.say("1001", "/lich moi")
    assert reply.startswith("Đã đổi liên kết lịch.")
    new = _link(reply)
    assert new != old
    assert httpx.get(new).status_code == 200
    gone = httpx.get(old)
    wrong = httpx.get(old[:-8] + "abcd.ics")
    assert gone.status_code == wrong.status_code == 404
    assert gone.content == wrong.content  # a replaced link and a guess look the same
    assert b"VCALENDAR" not in gone.content


def test_a_stopped_chat_has_no_calendar(bot: Bot) -> None:
    url = _link(bot.say("1001", "/lich"))
    bot.say("1001", "/dunglai")
    from storage import chats as store

    with bot.db.write() as session:
        chat = store.find_chat(session, "telegram", "1001")
        if chat is not None:
            store.mark_inactive(session, chat.id, "test")
    assert httpx.get(url).status_code == 404


def test_feed_parses_with_an_independent_parser(bot: Bot) -> None:
    import ics

    bot.say("1001", "/dangky phát triển đoàn viên")
    bot.poll()
    body = httpx.get(_link(bot.say("1001", "/lich"))).text
    calendar = ics.Calendar(body)
    begins = {e.begin.date() for e in calendar.events if e.uid.startswith("story-")}
    assert D_MEMBERS in begins and D_TIMED in begins


def test_push_and_events_offer_add_to_calendar(bot: Bot) -> None:
    bot.poll()
    story = next(s for s in latest_stories(bot.db) if s.title == ARTICLES[0][0])
    push = render_push([story], "vi", bot.config.tz, calendar_base=bot.config.web.url(""))[0]
    ics_url = f"{bot.config.web.public_url}/cal/story/{story.id}.ics"
    assert f'<a href="{ics_url}">📅 Thêm vào lịch</a>' in push.html
    one = Calendar.from_ical(httpx.get(ics_url).content)
    assert {e.decoded("DTSTART") for e in one.walk("VEVENT")} >= {D_MEMBERS}
    assert "📅 Thêm vào lịch" in bot.say("3003", "/sukien")
    assert httpx.get(f"{bot.config.web.public_url}/cal/story/999999.ics").status_code == 404


def test_without_web_the_command_says_it_is_off(db: Database) -> None:
    config = parse_config(f'[bot]\ndatabase_url = "{db.url}"\n', Path("t.toml"), {})
    router = CommandRouter(db, config)
    msg = Inbound("telegram", "9", "9", "/lich", "1", datetime.now(UTC), language_code="vi")
    reply = asyncio.run(router.handle(msg))[0].plain
    assert reply.startswith("Xin lỗi, tính năng lịch chưa được bật")


@pytest.mark.parametrize(
    ("table", "error"),
    [
        ('listen = "127.0.0.1:8080"', "'public_url' is needed"),
        ('listen = "8080"\npublic_url = "https://bot.vn"', "'listen' must be host:port"),
        ('listen = "h:99999"\npublic_url = "https://bot.vn"', "'listen' must be host:port"),
        ('public_url = "ftp://bot.vn"', "'public_url' must be an http/https URL"),
    ],
)
def test_web_settings_are_validated(table: str, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        parse_config(f"[web]\n{table}\n", Path("t.toml"), {})
