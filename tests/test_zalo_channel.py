"""Zalo end to end: typed commands, numbered choices, pushes, digests, quota and pause,
webhook, and one story fanned out to Telegram and Zalo in the same run.

Everything is real: the command router, a database, the outbox sender, our Zalo
client against the fake Zalo API and PTB against the fake Telegram API, all on
127.0.0.1.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.channels.telegram.app import make_render
from bot.channels.zalo.channel import (
    ZALO_CAPS,
    ChoiceMemory,
    SeenIds,
    ZaloChannel,
    render_replies,
)
from bot.channels.zalo.client import ZaloClient
from bot.channels.zalo.text_commands import to_command, typed_choice
from bot.channels.zalo.transport import ZaloGate, ZaloTransport, compact_digest
from bot.commands import CommandRouter
from bot.commands.inbound import TELEGRAM_CAPS, Button, ChannelCaps, Inbound, Reply
from bot.config import Config, ZaloSettings
from bot.delivery.digest import enqueue_digest
from bot.delivery.routing import route_new_stories
from bot.delivery.sender import OutboxSender
from bot.i18n import STRINGS
from storage.db import Database
from storage.models import Chat, Outbox, Story, Subscription
from tests.support.factories import add_chat, add_story, make_config, subscribe
from tests.support.fake_zalo import FakeZalo, post_webhook

TOPIC = "phat_trien_doan_vien"

# --- typed commands ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("tinmoi", "/latest"),
        ("/tinmoi", "/latest"),
        ("/tin moi", "/latest"),
        ("tin mới", "/latest"),
        ("Tin Mới 10", "/latest 10"),
        ("TIN MOI NHAT", "/latest"),
        ("xem tin mới phát triển đoàn viên", "/latest phát triển đoàn viên"),
        ("dang ky phat trien doan vien", "/subscribe phat trien doan vien"),
        ("đăng ký LĐLĐ Nghệ An", "/subscribe LĐLĐ Nghệ An"),
        ("Đăng ký: LĐLĐ tỉnh Nghệ An", "/subscribe LĐLĐ tỉnh Nghệ An"),
        ("đăng kí tết sum vầy", "/subscribe tết sum vầy"),
        ("/dangky an toàn vệ sinh lao động", "/subscribe an toàn vệ sinh lao động"),
        ("dangky cong doan giao duc", "/subscribe cong doan giao duc"),
        ("theo dõi Diễn Châu", "/subscribe Diễn Châu"),
        ("huy dang ky", "/unsubscribe"),
        ("Hủy đăng ký LĐLĐ Nghệ An", "/unsubscribe LĐLĐ Nghệ An"),
        ("huỷ đăng ký đại hội", "/unsubscribe đại hội"),
        ("bỏ theo dõi đại hội", "/unsubscribe đại hội"),
        ("danh sach", "/mysubs"),
        ("đã đăng ký", "/mysubs"),
        ("huong dan", "/help"),
        ("Hướng dẫn", "/help"),
        ("/help", "/help"),
        ("su kien", "/events"),
        ("Sự kiện", "/events"),
        ("ban tin 07:00", "/digest 07:00"),
        ("bản tin tắt", "/digest tắt"),
        ("nhac viec 3,1,0", "/remind 3,1,0"),
        ("giờ yên lặng 21:00-06:30", "/quiet 21:00-06:30"),
        ("tìm kiếm mái ấm công đoàn", "/search mái ấm công đoàn"),
        ("tim mai am", "/search mai am"),
        ("ngôn ngữ en", "/lang en"),
        ("/lang en", "/lang en"),
        ("xin chào", "/start"),
        ("/start", "/start"),
        ("dừng lại", "/stop"),
        ("/abc", "/abc"),  # unknown: the router says so
    ],
)
def test_typed_commands(typed: str, command: str) -> None:
    assert to_command(typed) == command


@pytest.mark.parametrize(
    "typed",
    [
        "Làng nghề truyền thống",  # "làng" is not "lang"
        "tím",  # not "tìm"
        "đang ký hợp đồng",  # "đang" is not "đăng"
        "Công đoàn Nghệ An",
        "chúc mừng năm mới",
        "",
    ],
)
def test_ordinary_text_is_not_a_command(typed: str) -> None:
    assert to_command(typed) is None


@pytest.mark.parametrize(
    ("typed", "number"),
    [("1", 1), (" 2 ", 2), ("3.", 3), ("số 4", 4), ("so 5", 5), ("chọn 2", 2), ("10", 10)],
)
def test_typed_choice(typed: str, number: int) -> None:
    assert typed_choice(typed) == number


@pytest.mark.parametrize("typed", ["1 2", "tin mới 10", "100", "một", "07:00"])
def test_typed_choice_rejects(typed: str) -> None:
    assert typed_choice(typed) is None


# --- rendering and memories -------------------------------------------------------------------


def test_buttons_become_numbered_choices() -> None:
    reply = Reply.from_html(
        "Ý đồng chí là:",
        [
            [Button("LĐLĐ tỉnh Nghệ An", data="s:u:na")],
            [Button("❌ 2. Chủ đề <b>ATVSLĐ</b>", data="x:7")],
            [Button("Trang web", url="https://congdoannghean.vn")],
        ],
    )
    [text], data = render_replies([reply], "vi")
    assert data == ["s:u:na", "x:7"]
    assert "1. LĐLĐ tỉnh Nghệ An" in text
    assert "2. ❌ Chủ đề <b>ATVSLĐ</b>" in text  # labels are text, shown as written
    assert "Trang web: https://congdoannghean.vn" in text
    assert text.endswith("Gõ 1 hoặc 2 để chọn.")
    [three], data3 = render_replies(
        [Reply.from_html("?", [[Button(str(i), data=str(i))] for i in range(3)])], "vi"
    )
    assert three.endswith("Gõ 1, 2 hoặc 3 để chọn.") and data3 == ["0", "1", "2"]
    [en], _ = render_replies([reply], "en")
    assert en.endswith("Type 1 or 2 to choose.")


def test_long_reply_is_cut_under_2000_at_line_boundaries() -> None:
    lines = [f"{i}. Hội nghị sơ kết công tác công đoàn quý {i} năm 2026." for i in range(120)]
    texts, _ = render_replies([Reply.from_html("\n".join(lines))], "vi")
    assert len(texts) >= 3
    assert all(len(t) <= 2000 for t in texts)
    assert all(t.split("\n")[-1] in lines for t in texts)  # no line cut in two
    assert "\n".join(texts) == "\n".join(lines)


def test_choice_memory_expires() -> None:
    now = [0.0]
    memory = ChoiceMemory(ttl=60, clock=lambda: now[0])
    memory.offer("u1", ["a", "b"])
    assert memory.get("u1") == ["a", "b"] and memory.get("u2") is None
    now[0] = 61
    assert memory.get("u1") is None


def test_seen_ids_are_bounded() -> None:
    seen = SeenIds(size=3)
    assert [seen.first_time(k) for k in "abca"] == [True, True, True, False]
    for k in "defg":
        seen.first_time(k)
    assert seen.first_time("a") is True  # evicted long ago


def test_digest_compaction_gives_fewer_messages() -> None:
    entries = [
        f"{i}. Công đoàn cơ sở số {i} tổ chức hội nghị người lao động năm 2026\n"
        f"Công đoàn Nghệ An · 20/11/2026 08:00\nhttps://congdoannghean.vn/tin-{i}.html"
        for i in range(1, 31)
    ]
    head = "📰 Bản tin công đoàn ngày 20/11/2026\n30 tin mới theo nội dung đồng chí đăng ký."
    parts, current = [], head + "\n\nTIN KHÁC"
    for entry in entries:
        if len(current) + len(entry) + 2 > 2000:
            parts.append(current)
            current = "📰 Bản tin công đoàn ngày 20/11/2026 (tiếp theo)\n\nTIN KHÁC (TIẾP THEO)"
        current += "\n\n" + entry
    parts.append(current)
    compacted = compact_digest(parts, budget=2)
    assert len(compacted) < len(parts)
    assert all(len(p) <= 2000 for p in compacted)
    joined = "\n".join(compacted)
    assert all(f"https://congdoannghean.vn/tin-{i}.html" in joined for i in range(1, 31))
    assert "(tiếp theo)" not in joined


# --- end to end ---------------------------------------------------------------------------


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZalo]:
    async with FakeZalo() as fake:
        yield fake


def zalo_config(zalo: FakeZalo, *, quota: int = 3000) -> Config:
    return replace(
        make_config(),
        zalo=ZaloSettings(base_url=zalo.base_url, rate_per_second=50.0, monthly_quota=quota),
    )


class Bot:
    """The Zalo side of the bot as the run process wires it."""

    def __init__(self, zalo: FakeZalo, db: Database, config: Config, **gate: object) -> None:
        self.client = ZaloClient(zalo.token, config.zalo.base_url, timeout=5.0)
        self.notices: list[str] = []

        async def notify(text: str) -> None:
            self.notices.append(text)

        self.gate = ZaloGate(config, db, notify=notify, **gate)  # type: ignore[arg-type]
        self.router = CommandRouter(db, config)
        self.channel = ZaloChannel(self.client, self.router, self.gate, poll_timeout=1.0)
        self.transport = ZaloTransport(self.client, self.gate)
        self.db, self.config = db, config

    def sender(self, **transports: object) -> OutboxSender:
        return OutboxSender(
            self.db,
            {"zalo": self.transport, **transports},  # type: ignore[dict-item]
            self.config,
            retry_base=0.05,
            idle_poll=0.1,
        )

    async def __aenter__(self) -> Bot:
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(self.channel.run(self.stop))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 5)
        await self.client.aclose()


def zalo_chat_pk(db: Database, chat_id: str) -> int:
    with db.read() as s:
        pk = s.scalar(select(Chat.id).where(Chat.channel == "zalo", Chat.chat_id == chat_id))
        assert pk is not None
        return pk


async def test_subscribe_by_typing_then_push_arrives_as_plain_text(
    zalo: FakeZalo, db: Database
) -> None:
    config = zalo_config(zalo)
    async with Bot(zalo, db, config) as bot:
        zalo.push_text("u100", "dang ky phat trien doan vien")
        [reply] = await zalo.wait_for_messages("u100", 1)
        assert "Đồng chí đã đăng ký theo dõi chủ đề" in reply.text
        assert "Phát triển đoàn viên" in reply.text
        assert "<b>" not in reply.text  # plain text on Zalo
        with db.read() as s:
            subs = s.scalars(select(Subscription)).all()
            assert [(x.kind, x.value) for x in subs] == [("topic", TOPIC)]

        now = datetime.now(UTC) + timedelta(seconds=1)
        story = add_story(
            db,
            'Nghệ An: kết nạp 1.200 đoàn viên & "thành lập" 15 CĐCS <mới>',
            text="LĐLĐ tỉnh Nghệ An phát triển đoàn viên. " * 200,
            topics=(TOPIC,),
            first_seen=now,
            summary="Trong 10 tháng, LĐLĐ tỉnh đã kết nạp 1.200 đoàn viên. " * 20,
        )
        result = route_new_stories(db, [story], config, now=now)
        assert result.pushes == 1
        assert await bot.sender().drain(5) >= 1
        got = await zalo.wait_for_messages("u100", 2)
        push = got[1].text
        assert push.startswith("Nghệ An: kết nạp 1.200 đoàn viên") or "kết nạp 1.200" in push
        assert '& "thành lập" 15 CĐCS <mới>' in push  # shown as written, not escaped
        assert "https://congdoannghean.vn/tin-" in push  # a bare link
        assert "&amp;" not in push and "<a " not in push
        assert all(len(m.text) <= 2000 for m in got)


async def test_start_menu_numbers_and_a_typed_number_subscribes(
    zalo: FakeZalo, sqlite_db: Database
) -> None:
    config = zalo_config(zalo)
    async with Bot(zalo, sqlite_db, config):
        zalo.push_text("u1", "xin chào", display_name="Trần Thị Bình")
        [menu] = await zalo.wait_for_messages("u1", 1)
        assert "Kính chào đồng chí Trần Thị Bình" in menu.text
        assert "\n1. " in menu.text and "để chọn." in menu.text
        first = menu.text.split("\n1. ")[1].split("\n")[0]
        zalo.push_text("u1", "1")
        got = await zalo.wait_for_messages("u1", 2)
        assert f"1. ✅ {first}" in got[1].text  # the menu again, the choice ticked
        with sqlite_db.read() as s:
            assert len(s.scalars(select(Subscription)).all()) == 1
        zalo.push_text("u1", "99")
        got = await zalo.wait_for_messages("u1", 3)
        assert got[2].text.startswith("Vui lòng gõ một số từ 1 đến")


async def test_duplicate_updates_are_answered_once_and_images_politely(
    zalo: FakeZalo, sqlite_db: Database
) -> None:
    config = zalo_config(zalo)
    async with Bot(zalo, sqlite_db, config):
        zalo.push_text("u2", "huong dan", message_id="dup-1", repeat=3)
        zalo.push_update(zalo.make_update("u2", event="message.image.received"))
        zalo.push_update(zalo.make_update("u2", event="message.sticker.received"))
        got = await zalo.wait_for_messages("u2", 3)
        await asyncio.sleep(0.3)
        texts = [m.text for m in zalo.sent("u2")]
        assert len(texts) == 3
        assert "Hướng dẫn sử dụng" in texts[0]
        assert texts[1] == texts[2]
        assert texts[1].startswith("Xin lỗi, bot chỉ đọc được tin nhắn dạng chữ")
        assert got


async def test_plain_text_offers_search_and_a_hint(zalo: FakeZalo, sqlite_db: Database) -> None:
    async with Bot(zalo, sqlite_db, zalo_config(zalo)):
        zalo.push_text("u3", "mái ấm công đoàn")
        got = await zalo.wait_for_messages("u3", 2)
        assert "«mái ấm công đoàn»" in got[0].text
        assert "1. 🔎 Tìm tin" in got[0].text and "2. ➕ Đăng ký theo dõi" in got[0].text
        assert got[1].text == "Gõ «hướng dẫn» để xem các lệnh."
        zalo.push_text("u3", "2")  # subscribe what was typed
        got = await zalo.wait_for_messages("u3", 3)
        assert "Đồng chí đã đăng ký theo dõi" in got[2].text


async def test_group_refusal_is_worded_for_zalo_whatever_the_telegram_wording(
    zalo: FakeZalo, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Zalo's refusal is its own catalogue entry, picked from the message's capabilities:
    rewording Telegram's refusal (markup and all) changes Telegram's answer only."""
    reworded = "Xin lỗi, chỉ <b>quản trị viên</b> nhóm mới đổi được đăng ký &amp; cài đặt."
    monkeypatch.setitem(STRINGS["vi"], "not_admin", reworded)
    async with Bot(zalo, sqlite_db, zalo_config(zalo)) as bot:
        zalo.push_text("g7", "dang ky phat trien doan vien", chat_type="GROUP", user_id="u8")
        [refused] = await zalo.wait_for_messages("g7", 1)
        assert refused.text.startswith("Xin lỗi, Zalo không cho bot biết ai là quản trị viên")
        assert "chỉ quản trị viên nhóm mới đổi" not in refused.text
        telegram = _inbound("/dangky phát triển đoàn viên", TELEGRAM_CAPS, chat_kind="group")
        [answer] = await bot.router.handle(telegram)
        assert answer.html == reworded
        assert answer.plain == "Xin lỗi, chỉ quản trị viên nhóm mới đổi được đăng ký & cài đặt."
    with sqlite_db.read() as s:
        assert s.scalars(select(Subscription)).all() == []


def _inbound(text: str, caps: ChannelCaps, *, chat_kind: str = "private") -> Inbound:
    channel = "zalo" if caps is ZALO_CAPS else "telegram"
    chat = "-100" if chat_kind == "group" else "77"
    return Inbound(channel, chat, "77", text, "1", datetime.now(UTC), chat_kind, caps=caps)


@pytest.mark.parametrize(
    ("caps", "start", "mysubs"),
    [
        (TELEGRAM_CAPS, "(bấm lần nữa để bỏ chọn)", "Bấm ❌ để hủy theo dõi một mục."),
        (ZALO_CAPS, "(gõ lại số đó để bỏ chọn)", "Gõ số thứ tự bên dưới để hủy theo dõi một mục."),
    ],
)
async def test_choices_are_worded_for_the_channel(
    sqlite_db: Database, caps: ChannelCaps, start: str, mysubs: str
) -> None:
    """Buttons are pressed on Telegram and numbers typed on Zalo: the router says which."""
    router = CommandRouter(sqlite_db, make_config())
    [menu] = await router.handle(_inbound("/start", caps))
    assert start in menu.plain
    await router.handle(_inbound("/dangky phát triển đoàn viên", caps))
    [listing] = await router.handle(_inbound("/dasdangky", caps))
    assert listing.plain.endswith(mysubs)
    assert len(listing.buttons) == 1  # the choice itself: a button or, on Zalo, number 1


async def test_latest_is_packed_for_zalo_without_cutting_a_story(
    zalo: FakeZalo, sqlite_db: Database
) -> None:
    """The router packs /tinmoi to Zalo's 2,000 characters itself, between stories: each
    story's title, summary and link arrive in one message."""
    now = datetime.now(UTC)
    titles = [f"Tin số {n}: LĐLĐ tỉnh Nghệ An tổng kết thi đua năm 2026" for n in range(10)]
    for n, title in enumerate(titles):
        add_story(
            sqlite_db,
            title,
            summary="Hội nghị đánh giá kết quả công tác công đoàn và phong trào CNVCLĐ. " * 8,
            first_seen=now - timedelta(minutes=n),
        )
    config = zalo_config(zalo)
    async with Bot(zalo, sqlite_db, config) as bot:
        # As `run` wires it: stories rendered by the delivery's renderer (several paragraphs).
        bot.channel.router = CommandRouter(sqlite_db, config, render_story=make_render(config))
        zalo.push_text("u9", "tin moi 10")
        await zalo.wait_for_messages("u9", 3)
        await asyncio.sleep(0.3)
        texts = [m.text for m in zalo.sent("u9")]
    assert all(len(text) <= 2000 for text in texts)
    assert texts[0].startswith("📰 10 tin mới nhất:")
    with sqlite_db.read() as s:
        urls = dict(s.execute(select(Story.title, Story.url)).all())
    for title in titles:
        [message] = [text for text in texts if title in text]
        assert urls[title] in message and "Hội nghị đánh giá" in message


async def test_digest_is_split_under_2000_characters(zalo: FakeZalo, sqlite_db: Database) -> None:
    config = zalo_config(zalo)
    bot = Bot(zalo, sqlite_db, config)
    now = datetime.now(UTC)
    pk = add_chat(sqlite_db, "u4", channel="zalo", since=now - timedelta(days=1))
    subscribe(sqlite_db, pk, "topic", TOPIC)
    with sqlite_db.write() as s:
        s.get(Chat, pk).digest_time = (now - timedelta(hours=1)).astimezone(config.tz).time()  # type: ignore[union-attr]
    ids = [
        add_story(
            sqlite_db,
            f"Công đoàn cơ sở số {i} kết nạp đoàn viên mới, thành lập tổ công đoàn",
            topics=(TOPIC,),
            first_seen=now - timedelta(minutes=50 - i),
        )
        for i in range(25)
    ]
    assert route_new_stories(sqlite_db, ids, config, now=now).digests == 25
    day = now.astimezone(config.tz).date()
    created = enqueue_digest(sqlite_db, pk, day, config, now=now)
    assert created >= 3
    assert await bot.sender().drain(5) == created
    got = zalo.sent("u4")
    assert len(got) == created
    assert all(len(m.text) <= 2000 for m in got)
    assert got[0].text.startswith(f"📰 Bản tin công đoàn ngày {day.strftime('%d/%m/%Y')}")
    joined = "\n".join(m.text for m in got)
    assert all(f"Công đoàn cơ sở số {i} kết nạp" in joined for i in range(25))
    await bot.client.aclose()


async def test_tight_quota_compacts_the_digest_and_warns_operators(
    zalo: FakeZalo, sqlite_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    config = zalo_config(zalo, quota=10)
    bot = Bot(zalo, sqlite_db, config)
    now = datetime.now(UTC)
    pk = add_chat(sqlite_db, "u5", channel="zalo", since=now - timedelta(days=1))
    subscribe(sqlite_db, pk, "topic", TOPIC)
    with sqlite_db.write() as s:
        s.get(Chat, pk).digest_time = (now - timedelta(hours=1)).astimezone(config.tz).time()  # type: ignore[union-attr]
    ids = [
        add_story(
            sqlite_db,
            f"Công đoàn cơ sở số {i} kết nạp đoàn viên mới, thành lập tổ công đoàn",
            topics=(TOPIC,),
            first_seen=now - timedelta(minutes=50 - i),
        )
        for i in range(40)
    ]
    route_new_stories(sqlite_db, ids, config, now=now)
    for _ in range(7):  # 7 of 10 messages already used this month
        await bot.gate.counted(extra=1)
    created = enqueue_digest(sqlite_db, pk, now.astimezone(config.tz).date(), config, now=now)
    assert created >= 4  # would not fit in the 3 left
    sent = await bot.sender().drain(5)
    got = zalo.sent("u5")
    assert 1 <= len(got) == sent < created
    assert all(len(m.text) <= 2000 for m in got)
    joined = "\n".join(m.text for m in got)
    assert all(f"Công đoàn cơ sở số {i} kết nạp" in joined for i in range(40))
    assert any("80%" in n for n in bot.notices)
    assert "zalo quota 80%" in caplog.text
    with sqlite_db.read() as s:
        assert s.scalar(select(Outbox.status).where(Outbox.chat_pk == pk).limit(1)) == "sent"
    await bot.client.aclose()


async def test_spent_quota_pauses_until_next_month(zalo: FakeZalo, sqlite_db: Database) -> None:
    config = zalo_config(zalo, quota=3)
    bot = Bot(zalo, sqlite_db, config)
    for _ in range(3):
        await bot.gate.counted(extra=1)
    pk = add_chat(sqlite_db, "u6", channel="zalo")
    _queue_plain(sqlite_db, pk, "notice:1", "Thông báo")
    assert await bot.sender().drain(1.5) == 0
    assert zalo.sent("u6") == []
    assert bot.gate.paused_for() > 0
    assert any("đã dùng hết 3 tin nhắn" in n for n in bot.notices)
    assert any("95%" in n for n in bot.notices)
    with sqlite_db.read() as s:
        row = s.scalars(select(Outbox).where(Outbox.chat_pk == pk)).one()
        assert row.status == "pending"  # kept for next month, not lost
        assert row.not_before.date() >= date.today().replace(day=1)
    await bot.client.aclose()


def _queue_plain(db: Database, chat_pk: int, key: str, text: str) -> None:
    from storage import outbox

    with db.write() as s:
        outbox.enqueue(
            s,
            chat_pk,
            key,
            "notice",
            [outbox.NewMessage(text, None)],
            not_before=datetime.now(UTC) - timedelta(seconds=1),
        )


async def test_quota_exceeded_pauses_zalo_only_and_loses_nothing(
    zalo: FakeZalo, sqlite_db: Database
) -> None:
    from tests.support.fake_telegram import FakeTelegram

    config = zalo_config(zalo)
    bot = Bot(zalo, sqlite_db, config, quota_pause=1.5)
    zalo_pk = add_chat(sqlite_db, "u7", channel="zalo")
    other_zalo = add_chat(sqlite_db, "u8", channel="zalo")
    tg_pk = add_chat(sqlite_db, "4242", channel="telegram")
    async with FakeTelegram() as tg:
        transport = await _telegram_transport(tg)
        zalo.quota_exceeded(1)
        _queue_plain(sqlite_db, zalo_pk, "notice:z1", "Tin cho Zalo")
        _queue_plain(sqlite_db, other_zalo, "notice:z2", "Tin thứ hai cho Zalo")
        started = time.monotonic()
        sender = bot.sender(telegram=transport)
        stop = asyncio.Event()
        run = asyncio.create_task(sender.run(stop))
        await asyncio.sleep(0.3)  # the 429 has paused Zalo by now
        assert bot.gate.paused_for() > 0
        assert any("Kênh Zalo tạm dừng" in n for n in bot.notices)
        _queue_plain(sqlite_db, tg_pk, "notice:t1", "Tin cho Telegram")
        [tg_message] = await tg.wait_for_messages(4242, 1, timeout=3)
        telegram_after = time.monotonic() - started
        got = await zalo.wait_for_messages("u7", 1, timeout=6)
        zalo_after = time.monotonic() - started
        await zalo.wait_for_messages("u8", 1, timeout=6)
        stop.set()
        await asyncio.wait_for(run, 5)
        await transport.bot.shutdown()
    assert tg_message.text == "Tin cho Telegram"
    assert telegram_after < 1.2  # Telegram was not held by the Zalo pause
    assert got[0].text == "Tin cho Zalo"
    assert zalo_after >= 1.4  # after the pause
    with sqlite_db.read() as s:
        assert set(s.scalars(select(Outbox.status))) == {"sent"}
    await bot.client.aclose()


async def _telegram_transport(tg):  # type: ignore[no-untyped-def]
    from telegram.ext import ApplicationBuilder

    from bot.channels.telegram.transport import TelegramTransport

    app = (
        ApplicationBuilder()
        .token(tg.token)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .updater(None)
        .build()
    )
    await app.initialize()
    return TelegramTransport(app.bot)


async def test_one_story_fans_out_to_telegram_and_zalo(zalo: FakeZalo, db: Database) -> None:
    from tests.support.fake_telegram import FakeTelegram

    config = zalo_config(zalo)
    bot = Bot(zalo, db, config)
    now = datetime.now(UTC)
    tg_pk = add_chat(db, "5151", channel="telegram", since=now - timedelta(days=1))
    zl_pk = add_chat(db, "u9", channel="zalo", since=now - timedelta(days=1))
    for pk in (tg_pk, zl_pk):
        subscribe(db, pk, "topic", TOPIC)
    story = add_story(
        db,
        "Tháng Công nhân 2026: phát triển đoàn viên & thành lập CĐCS",
        topics=(TOPIC,),
        first_seen=now,
    )
    assert route_new_stories(db, [story], config, now=now).pushes == 2
    async with FakeTelegram() as tg:
        transport = await _telegram_transport(tg)
        assert await bot.sender(telegram=transport).drain(5) == 2
        [tg_message] = tg.sent(5151)
        await transport.bot.shutdown()
    [zalo_message] = zalo.sent("u9")
    assert "phát triển đoàn viên &amp; thành lập CĐCS</a>" in tg_message.text  # HTML
    assert "phát triển đoàn viên & thành lập CĐCS" in zalo_message.text  # plain
    assert "<" not in zalo_message.text
    assert "https://congdoannghean.vn/tin-" in zalo_message.text
    await bot.client.aclose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_webhook_checks_the_secret(zalo: FakeZalo, sqlite_db: Database) -> None:
    config = zalo_config(zalo)
    bot = Bot(zalo, sqlite_db, config)
    runner = web.AppRunner(bot.channel.webhook_app("s3cret-webhook-token"))
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    url = f"http://127.0.0.1:{port}/zalo/webhook"
    try:
        await bot.client.set_webhook(url, "s3cret-webhook-token")
        assert (await bot.client.get_webhook_info() or {}).get("url") == url
        update = zalo.make_update("u10", "tin moi")
        assert await post_webhook(url, update, "wrong-secret") == 403
        assert await post_webhook(url, update, None) == 403
        await asyncio.sleep(0.2)
        assert zalo.sent("u10") == []  # nothing processed
        assert await post_webhook(url, update, "s3cret-webhook-token") == 200
        [reply] = await zalo.wait_for_messages("u10", 1)
        assert reply.text.startswith("Hiện chưa có tin nào được lưu")
        assert await post_webhook(url, update, "s3cret-webhook-token") == 200  # Zalo retried
        await asyncio.sleep(0.3)
        assert len(zalo.sent("u10")) == 1
    finally:
        await bot.channel.settle()
        await runner.cleanup()
        await bot.client.aclose()
