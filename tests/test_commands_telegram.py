"""Chat commands end to end: a real PTB Application, the real router, a real database,
and the fake Bot API on 127.0.0.1.  Each test reads what an officer would see."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import html as lxml_html
from sqlalchemy import select
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, Defaults

from bot.channels.telegram.channel import build_telegram_handlers, make_is_admin, set_commands
from bot.commands import CommandRouter
from bot.config import Config, parse_config
from bot.i18n import STRINGS
from bot.runtime.ingest_round import make_analyzer
from feeds.poller import Candidate, PollOutcome
from feeds.sample_site.server import load_articles
from feeds.sources import SourceConfig
from storage.db import Database, open_database
from storage.ingest import store_outcome, sync_sources
from storage.models import Chat, Outbox, Source, Subscription
from tests.support.fake_telegram import FakeTelegram, SentMessage, parse_html, utf16_len

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
USER = 501_234_567
OPERATOR = 777_000_001
GROUP = -4_012_345_678
SUPERGROUP = -1_009_876_543_210
ADMIN, MEMBER = 600_000_001, 600_000_002
SITE_NAMES = {
    "congdoannghean": "Công đoàn Nghệ An",
    "baonghean": "Báo Nghệ An",
    "laodongcongdoan": "Lao động Công đoàn",
}


# --------------------------------------------------------------------------- fixtures


def _seed(db: Database, config: Config) -> None:
    """Store the sample sites' real articles through storage.ingest and the real analyzer."""
    by_site: dict[str, list] = {}
    for article in load_articles():
        by_site.setdefault(article.site, []).append(article)
    sources = [
        SourceConfig(
            id=site, name=SITE_NAMES[site], url=f"http://127.0.0.1:9/{site}/", province="Nghệ An"
        )
        for site in by_site
    ]
    sync_sources(db, sources)
    analyzer = make_analyzer(config)
    for source in sources:
        candidates = []
        for a in by_site[source.id]:
            body = lxml_html.fragment_fromstring(a.body, create_parent="div")
            text = "\n".join(p.text_content().strip() for p in body.iter("p"))
            candidates.append(
                Candidate(
                    url=f"http://127.0.0.1:9{a.path}",
                    guid=None,
                    title=a.title.strip(),
                    published=a.published,
                    description=a.lead,
                    text=text,
                )
            )
        outcome = PollOutcome(source_id=source.id, candidates=candidates)
        store_outcome(db, source, outcome, analyzer=analyzer, tz=config.tz)


def _config(tmp: Path) -> Config:
    return parse_config(f"[bot]\noperators = [{OPERATOR}]\n", tmp / "bot_config.toml", {})


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database with the sample articles, copied for each test that needs stories."""
    folder = tmp_path_factory.mktemp("seeded")
    db = open_database(f"sqlite:///{folder / 'seed.db'}")
    _seed(db, _config(folder))
    db.dispose()  # the last connection checkpoints the WAL into the file
    return folder / "seed.db"


@pytest.fixture
def stories_db(seeded_file: Path, tmp_path: Path) -> Iterator[Database]:
    target = tmp_path / "stories.db"
    shutil.copy(seeded_file, target)
    db = open_database(f"sqlite:///{target}")
    yield db
    db.dispose()


class Clock:
    """The router's clock, set by the test (never waited for)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@contextlib.asynccontextmanager
async def running(
    tg: FakeTelegram, db: Database, clock: Clock | None = None
) -> AsyncIterator[Application]:
    app = (
        ApplicationBuilder()
        .token(tg.token)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .defaults(Defaults(tzinfo=HCM, parse_mode=ParseMode.HTML))
        .build()
    )
    config = _config(Path(db.engine.url.database or ".").parent)
    router = CommandRouter(db, config, is_admin=make_is_admin(app.bot), clock=clock)
    build_telegram_handlers(app, router)
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=timedelta(seconds=1))
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


class User:
    """An officer typing and pressing buttons in one chat."""

    def __init__(
        self, tg: FakeTelegram, chat_id: int, user_id: int | None = None, lang: str = "vi"
    ) -> None:
        self.tg, self.chat_id, self.lang = tg, chat_id, lang
        self.user_id = user_id if user_id is not None else chat_id

    async def say(self, text: str, replies: int = 1) -> list[SentMessage]:
        before = len(self.tg.sent(self.chat_id))
        self.tg.push_message(
            self.chat_id, text, user_id=self.user_id, language_code=self.lang, first_name="Lan"
        )
        messages = await self.tg.wait_for_messages(self.chat_id, before + replies)
        return messages[before:]

    async def press(self, message: SentMessage, label: str, *, new: int = 0) -> SentMessage:
        """Press a button; wait for the edit (``new=0``) or for ``new`` new messages."""
        edits, sent = len(message.edits), len(self.tg.sent(self.chat_id))
        answers = len(self.tg.calls_to("answerCallbackQuery"))
        self.tg.press(self.chat_id, message.message_id, label, user_id=self.user_id)
        await self.tg.wait_for(
            lambda: (
                len(message.edits) > edits
                if new == 0
                else len(self.tg.sent(self.chat_id)) >= sent + new
            ),
            what=f"reaction to {label!r}",
        )
        assert len(self.tg.calls_to("answerCallbackQuery")) > answers, "callback not answered"
        return self.tg.sent(self.chat_id)[-1] if new else message


def subs(db: Database, chat_id: int) -> list[tuple[str, str, bool, str]]:
    with db.read() as session:
        rows = session.execute(
            select(
                Subscription.kind,
                Subscription.value,
                Subscription.include_children,
                Subscription.exclude,
            )
            .join(Chat, Chat.id == Subscription.chat_pk)
            .where(Chat.chat_id == str(chat_id))
            .order_by(Subscription.id)
        )
        return [tuple(r) for r in rows]


def labels(message: SentMessage) -> list[str]:
    return [b["text"] for b in message.buttons]


def stories_in(text: str) -> list[str]:
    return re.findall(r"^\d+\. (.+?) — ", text, flags=re.M)


# --------------------------------------------------------------------------- /start


async def test_start_greets_and_buttons_toggle_subscriptions(
    tg: FakeTelegram, sqlite_db: Database
) -> None:
    async with running(tg, sqlite_db):
        user = User(tg, USER)
        [menu] = await user.say("/start")
        text = menu.visible_text
        assert text.startswith("Kính chào đồng chí Lan!")
        assert "tin mới của các đơn vị, chủ đề đồng chí theo dõi" in text
        assert {"LĐLĐ tỉnh Nghệ An", "LĐLĐ TP Vinh", "🏢 Đơn vị khác"} <= set(labels(menu))
        rows = menu.reply_markup["inline_keyboard"]
        topic_rows = [r for r in rows if r[0]["callback_data"].startswith("m:0:t:")]
        assert [len(r) for r in topic_rows] == [2, 2, 2, 2]  # 2 per row, paged

        await user.press(menu, "LĐLĐ tỉnh Nghệ An")
        assert "✅ LĐLĐ tỉnh Nghệ An" in labels(menu)
        assert subs(sqlite_db, USER) == [("unit", "ldld-tinh-nghe-an", True, "")]
        await user.press(menu, "✅ LĐLĐ tỉnh Nghệ An")
        assert "LĐLĐ tỉnh Nghệ An" in labels(menu)
        assert subs(sqlite_db, USER) == []

        # Every one of the 18 topics is reachable through the pages.
        seen = set()
        for _ in range(5):
            seen.update(b["text"] for b in menu.buttons if b["callback_data"].startswith("m:"))
            if "Trang sau ▶" not in labels(menu):
                break
            await user.press(menu, "Trang sau ▶")
        assert {"Nữ công", "Chuyển đổi số", "Việc làm, thu nhập"} <= seen
        await user.press(menu, "Việc làm, thu nhập")
        assert "✅ Việc làm, thu nhập" in labels(menu)
        assert subs(sqlite_db, USER) == [("topic", "viec_lam_thu_nhap", True, "")]

        hint = await user.press(menu, "🏢 Đơn vị khác", new=1)
        assert "/dangky LĐLĐ huyện Diễn Châu" in hint.visible_text


async def test_deep_links_subscribe_at_once(tg: FakeTelegram, sqlite_db: Database) -> None:
    async with running(tg, sqlite_db):
        user = User(tg, USER)
        [reply] = await user.say("/start topic_phat_trien_doan_vien")
        assert (
            "✅ Đồng chí đã đăng ký theo dõi chủ đề Phát triển đoàn viên, thành lập CĐCS."
            in reply.visible_text
        )
        assert "✅ Phát triển đoàn viên, thành lập CĐCS" in labels(reply)
        [reply] = await user.say("/start unit_ldld-tp-vinh")
        assert "đơn vị LĐLĐ TP Vinh" in reply.visible_text
        [reply] = await user.say("/start topic_khong_co_that")
        assert "Xin lỗi, liên kết này không hợp lệ hoặc đã cũ." in reply.visible_text
    assert subs(sqlite_db, USER) == [
        ("topic", "phat_trien_doan_vien", True, ""),
        ("unit", "ldld-tp-vinh", True, ""),
    ]


# --------------------------------------------------------------------------- /subscribe


async def test_subscribe_understands_units_and_topics_however_typed(
    tg: FakeTelegram, sqlite_db: Database
) -> None:
    async with running(tg, sqlite_db):
        user = User(tg, USER)
        [r] = await user.say("/dangky LĐLĐ Nghệ An")
        assert r.visible_text.startswith("✅ Đồng chí đã đăng ký theo dõi đơn vị LĐLĐ tỉnh Nghệ An")
        assert "bao gồm cả các công đoàn trực thuộc" in r.visible_text
        [again] = await user.say("/subscribe ldld nghe an")
        assert again.visible_text == "Đồng chí đã đăng ký theo dõi LĐLĐ tỉnh Nghệ An từ trước."
        [topic] = await user.say("/dangky phat trien doan vien")
        assert "chủ đề Phát triển đoàn viên, thành lập CĐCS" in topic.visible_text
        [congress] = await user.say("/dangky đại hội")
        assert "chủ đề Đại hội công đoàn" in congress.visible_text

        # Sub-units are included by default; the button turns that off and on.
        await user.press(r, "Chỉ theo dõi riêng đơn vị này")
        assert r.visible_text == "Đã chuyển sang chỉ theo dõi riêng LĐLĐ tỉnh Nghệ An."
        assert subs(sqlite_db, USER)[0] == ("unit", "ldld-tinh-nghe-an", False, "")
        await user.press(r, "Theo dõi cả đơn vị trực thuộc")
        assert subs(sqlite_db, USER)[0][2] is True


async def test_ambiguous_and_unknown_input_offer_buttons(
    tg: FakeTelegram, sqlite_db: Database
) -> None:
    async with running(tg, sqlite_db):
        user = User(tg, USER)
        [choice] = await user.say("/dangky Hoàng Mai")
        assert choice.visible_text == "Ý đồng chí là:"
        options = labels(choice)
        assert "Công đoàn phường Hoàng Mai (Nghệ An)" in options
        assert "LĐLĐ thị xã Hoàng Mai (trước 01/07/2025)" in options
        assert options[-1] == "Đăng ký theo từ khóa «Hoàng Mai»"
        await user.press(choice, "Công đoàn phường Hoàng Mai (Nghệ An)")
        assert "đơn vị Công đoàn phường Hoàng Mai (Nghệ An)" in choice.visible_text

        [unknown] = await user.say("/dangky thời tiết nắng nóng")
        assert unknown.visible_text.startswith(
            "Không tìm thấy đơn vị hay chủ đề «thời tiết nắng nóng».\nCác mục gần nhất:"
        )
        assert len(unknown.buttons) == 4  # the 3 closest and the keyword choice
        await user.press(unknown, "Đăng ký theo từ khóa «thời tiết nắng nóng»")
        assert "tin có từ khóa thời tiết nắng nóng" in unknown.visible_text

        # A topic found through one of its phrases: follow exactly the words instead.
        [welfare] = await user.say("/dangky tết sum vầy")
        assert "chủ đề Chăm lo đời sống, phúc lợi" in welfare.visible_text
        await user.press(welfare, "🔎 Theo dõi từ khóa «tết sum vầy»")
        assert "tin có từ khóa tết sum vầy" in welfare.visible_text
    kinds = [(k, v) for k, v, _, _ in subs(sqlite_db, USER)]
    assert ("topic", "cham_lo_doi_song") not in kinds
    assert ("keyword", "tết sum vầy") in kinds
    assert ("keyword", "thời tiết nắng nóng") in kinds


async def test_keywords_with_exclusions_and_bad_input(
    tg: FakeTelegram, sqlite_db: Database
) -> None:
    async with running(tg, sqlite_db):
        user = User(tg, USER)
        [kw] = await user.say("/dangky đại hội -chi bộ")
        assert kw.visible_text.startswith(
            "✅ Đồng chí đã đăng ký theo dõi tin có từ khóa đại hội -chi bộ."
        )
        assert "bỏ qua tin có: chi bộ" in kw.visible_text
        assert subs(sqlite_db, USER) == [("keyword", "đại hội", True, "chi bộ")]

        [empty] = await user.say("/dangky")
        assert empty.visible_text.startswith("Vui lòng cho biết đơn vị, chủ đề hoặc từ khóa")
        assert "/dangky LĐLĐ tỉnh Nghệ An" in empty.visible_text
        [long] = await user.say("/dangky " + "công đoàn " * 25)
        assert long.visible_text.startswith("Xin lỗi, nội dung quá dài (249 ký tự, tối đa 200)")
        [many] = await user.say("/dangky " + ", ".join(f"từ{i}" for i in range(11)))
        assert many.visible_text.startswith(
            "Xin lỗi, mỗi đăng ký theo từ khóa có tối đa 10 từ khóa"
        )
        [only_minus] = await user.say("/dangky -chi bộ")
        assert only_minus.visible_text.startswith("Vui lòng nêu ít nhất một từ khóa cần theo dõi")
        [symbols] = await user.say("/dangky «»")
        assert "không có từ khóa nào để theo dõi" in symbols.visible_text
    assert len(subs(sqlite_db, USER)) == 1


# --------------------------------------------------------------------------- /mysubs, /unsubscribe


async def test_list_and_unsubscribe(tg: FakeTelegram, sqlite_db: Database) -> None:
    async with running(tg, sqlite_db):
        user = User(tg, USER)
        [empty] = await user.say("/dasdangky")
        assert empty.visible_text.startswith(
            "Đồng chí chưa theo dõi đơn vị, chủ đề hay từ khóa nào"
        )
        await user.say("/dangky LĐLĐ tỉnh Nghệ An")
        await user.say("/dangky nữ công")
        await user.say("/dangky mái ấm -diễn châu")
        [listing] = await user.say("/mysubs")
        assert listing.visible_text.splitlines()[:4] == [
            "Đồng chí đang theo dõi 3 mục:",
            "1. Đơn vị: LĐLĐ tỉnh Nghệ An (gồm đơn vị trực thuộc)",
            "2. Chủ đề: Nữ công",
            "3. Từ khóa: mái ấm -diễn châu",
        ]
        assert labels(listing) == [
            "❌ 1. LĐLĐ tỉnh Nghệ An",
            "❌ 2. Nữ công",
            "❌ 3. mái ấm -diễn châu",
        ]
        done = await user.press(listing, "❌ 2. Nữ công", new=1)
        assert done.visible_text == "Đã hủy theo dõi Nữ công."
        assert listing.visible_text.startswith("Đồng chí đang theo dõi 2 mục:")

        [by_name] = await user.say("/huydangky ldld nghe an")
        assert by_name.visible_text == "Đã hủy theo dõi LĐLĐ tỉnh Nghệ An."
        [missing] = await user.say("/huydangky Công đoàn Y tế")
        assert missing.visible_text.startswith("Không tìm thấy «Công đoàn Y tế»")
        assert labels(missing) == ["❌ 1. mái ấm -diễn châu"]
        [alone] = await user.say("/unsubscribe")
        assert labels(alone) == ["❌ 1. mái ấm -diễn châu"]
    assert subs(sqlite_db, USER) == [("keyword", "mái ấm", True, "diễn châu")]


# --------------------------------------------------------------------------- reading the store


async def test_latest_lists_stored_stories(tg: FakeTelegram, stories_db: Database) -> None:
    async with running(tg, stories_db):
        user = User(tg, USER)
        [latest] = await user.say("/tinmoi")
        lines = latest.visible_text.splitlines()
        assert lines[0] == "📰 5 tin mới nhất:"
        titles = stories_in(latest.visible_text)
        assert len(titles) == 5
        assert titles[0].startswith("Đẩy mạnh phát triển đoàn viên trong doanh nghiệp")
        assert "Lao động Công đoàn, 21/11/2026 15:50" in latest.visible_text  # +07:00
        start = utf16_len(latest.visible_text[: latest.visible_text.index(titles[0])])
        assert {"type": "bold", "offset": start, "length": len(titles[0])} in latest.entities
        assert latest.link_preview_options == {"is_disabled": True}

        [three] = await user.say("/latest 3")
        assert len(stories_in(three.visible_text)) == 3
        for bad in ("/tinmoi 0", "/tinmoi 21", "/tinmoi -2"):
            [answer] = await user.say(bad)
            assert answer.visible_text == "Số tin phải từ 1 đến 20. Ví dụ: /tinmoi 10"

        [topic] = await user.say("/tinmoi 10 phát triển đoàn viên")
        assert topic.visible_text.startswith(
            "📰 Tin mới nhất về Phát triển đoàn viên, thành lập CĐCS:"
        )
        found = stories_in(topic.visible_text)
        assert len(found) == 3 and all("đoàn viên" in t for t in found)
        [unit] = await user.say("/tinmoi 20 Hoàng Mai")  # ambiguous place: read as keywords
        [only] = stories_in(unit.visible_text)  # the story naming phường Hoàng Mai
        assert only.startswith("Công đoàn Nghệ An kết nạp mới hơn 7.500 đoàn viên")
        [none] = await user.say("/tinmoi thời tiết nắng nóng")
        assert none.visible_text == "Chưa có tin nào về «thời tiết nắng nóng»."

        before = len(tg.sent(USER))
        tg.push_message(USER, "/tinmoi 20", user_id=USER)

        def twenty() -> list[SentMessage] | None:
            parts = tg.sent(USER)[before:]
            count = sum(len(stories_in(m.visible_text)) for m in parts)
            return parts if count >= 20 else None

        parts = await tg.wait_for(twenty, what="20 stories")
        numbers = [int(n) for m in parts for n in re.findall(r"^(\d+)\. ", m.visible_text, re.M)]
        assert numbers == list(range(1, 21))  # split between stories, none cut or lost
        assert len(parts) >= 2 and all(utf16_len(m.visible_text) <= 4096 for m in parts)


async def test_latest_on_an_empty_store(tg: FakeTelegram, sqlite_db: Database) -> None:
    async with running(tg, sqlite_db):
        [reply] = await User(tg, USER).say("/tinmoi")
    assert reply.visible_text == "Hiện chưa có tin nào được lưu. Vui lòng thử lại sau."


async def test_search_finds_words_with_or_without_accents(
    tg: FakeTelegram, stories_db: Database
) -> None:
    async with running(tg, stories_db):
        user = User(tg, USER)
        [accented] = await user.say("/timkiem mái ấm công đoàn")
        assert re.match(
            r"🔎 \d+ tin có «mái ấm công đoàn» \(mới nhất trước\):", accented.visible_text
        )
        assert stories_in(accented.visible_text)[0].startswith("Bàn giao nhà “Mái ấm Công đoàn”")
        [plain] = await user.say("/search mai am cong doan")
        assert stories_in(plain.visible_text) == stories_in(accented.visible_text)
        [tet] = await user.say("/timkiem tết sum vầy")
        with_tet = stories_in(tet.visible_text)
        assert len(with_tet) >= 2
        [without] = await user.say("/timkiem tết sum vầy -trường vinh")
        assert len(stories_in(without.visible_text)) == len(with_tet) - 1
        assert not any("Trường Vinh" in t for t in stories_in(without.visible_text))
        [none] = await user.say("/timkiem xe buýt điện")
        assert none.visible_text.startswith("Không tìm thấy tin nào có «xe buýt điện».")
        [usage] = await user.say("/timkiem")
        assert usage.visible_text.startswith("Vui lòng nhập từ khóa cần tìm. Ví dụ:")


async def test_events_show_deadlines_and_union_days(tg: FakeTelegram, stories_db: Database) -> None:
    clock = Clock(datetime(2026, 12, 1, 9, 0, tzinfo=HCM))
    async with running(tg, stories_db, clock):
        user = User(tg, USER)
        [december] = await user.say("/sukien")
        text = december.visible_text
        assert text.startswith("🗓 Sự kiện và hạn chót từ 01/12/2026 đến 31/12/2026")
        assert "(từ mọi tin đã lưu, vì đồng chí chưa theo dõi mục nào)" in text
        assert "15/12/2026 (Thứ Ba) — ⏰ Hạn chót: " in text
        assert "20/12/2026 (Chủ Nhật) — ⏰ Hạn chót: " in text

        await user.say("/dangky chăm lo đời sống")
        [followed] = await user.say("/sukien")
        assert "(theo các mục đồng chí theo dõi)" in followed.visible_text
        assert "15/12/2026 (Thứ Ba)" in followed.visible_text
        assert "20/12/2026" not in followed.visible_text  # a member-recruitment deadline

        clock.moment = datetime(2026, 7, 1, 9, 0, tzinfo=HCM)
        [july] = await user.say("/events")
        assert "Lịch công đoàn" in july.visible_text
        assert (
            "28/07/2026 (Thứ Ba) — Kỷ niệm 97 năm Ngày thành lập Công đoàn Việt Nam"
            in july.visible_text
        )


# --------------------------------------------------------------------------- settings


async def test_settings_accept_good_values_and_explain_bad_ones(
    tg: FakeTelegram, sqlite_db: Database
) -> None:
    async with running(tg, sqlite_db):
        user = User(tg, USER)
        [status] = await user.say("/bantin")
        assert status.visible_text.startswith("Bản tin tổng hợp hằng ngày đang tắt.")
        for bad in ("25:00", "7h", "07:5", "sáng mai"):
            [answer] = await user.say(f"/bantin {bad}")
            assert answer.visible_text == (
                f"Giờ «{bad}» không hợp lệ. Vui lòng nhập theo dạng HH:MM (từ 00:00 đến 23:59), "
                "ví dụ: /bantin 07:00"
            )
        [on] = await user.say("/digest 6:45")
        assert on.visible_text == "Đã bật bản tin tổng hợp hằng ngày lúc 06:45."

        [remind] = await user.say("/nhacviec 7, 2, 0")
        assert remind.visible_text == (
            "Đồng chí sẽ được nhắc việc 7 ngày, 2 ngày trước và vào ngày đến hạn."
        )
        for bad in ("40", "-1", "ba ngày", "1,2,3,4,5,6"):
            [answer] = await user.say(f"/nhacviec {bad}")
            assert answer.visible_text.startswith(f"Số ngày «{bad}» không hợp lệ.")

        [quiet] = await user.say("/gioyenlang 21:30-06:00")
        assert quiet.visible_text.startswith("Giờ yên lặng: từ 21:30 đến 06:00.")
        for bad in ("21:00", "7h-8h", "22:00-22:00", "21:00-25:00"):
            [answer] = await user.say(f"/gioyenlang {bad}")
            assert answer.visible_text.startswith(f"Khoảng giờ «{bad}» không hợp lệ.")

        with sqlite_db.read() as session:
            chat = session.scalars(select(Chat)).one()
            assert (chat.digest_time.strftime("%H:%M"), chat.remind_days) == ("06:45", "7,2,0")
            assert (chat.quiet_start.strftime("%H:%M"), chat.quiet_end.strftime("%H:%M")) == (
                "21:30",
                "06:00",
            )
        for command, answer in (
            ("/bantin off", "Đã tắt bản tin tổng hợp hằng ngày."),
            ("/nhacviec off", "Đã tắt nhắc việc."),
            ("/gioyenlang tắt", "Đã tắt giờ yên lặng."),
        ):
            [reply] = await user.say(command)
            assert reply.visible_text.startswith(answer)
        with sqlite_db.read() as session:
            chat = session.scalars(select(Chat)).one()
            assert (chat.digest_time, chat.remind_days, chat.quiet_start) == (None, "", None)


async def test_english_user_and_lang_switch(tg: FakeTelegram, sqlite_db: Database) -> None:
    async with running(tg, sqlite_db):
        user = User(tg, USER, lang="en")
        [hello] = await user.say("/start")
        assert hello.visible_text.startswith("Welcome, Lan!")
        assert "Member recruitment and new grassroots unions" in labels(hello)
        [bad] = await user.say("/digest 7h")
        assert bad.visible_text.startswith("«7h» is not a valid time.")
        [vi] = await user.say("/lang vi")
        assert vi.visible_text == "Đã chuyển ngôn ngữ sang tiếng Việt."
        [help_vi] = await user.say("/help")
        assert help_vi.visible_text.startswith("Hướng dẫn sử dụng")
        [nope] = await user.say("/lang fr")
        assert nope.visible_text.startswith("Ngôn ngữ «fr» không được hỗ trợ.")
        [en] = await user.say("/lang en")
        assert en.visible_text == "Language set to English."


# --------------------------------------------------------------------------- groups


async def test_group_changes_need_an_admin(tg: FakeTelegram, stories_db: Database) -> None:
    tg.set_admins(GROUP, [ADMIN], creator_id=None)
    async with running(tg, stories_db):
        member, admin = User(tg, GROUP, MEMBER), User(tg, GROUP, ADMIN)
        [refused] = await member.say("/dangky LĐLĐ tỉnh Nghệ An")
        assert refused.visible_text == (
            "Xin lỗi, chỉ quản trị viên nhóm mới có thể thay đổi đăng ký của nhóm."
        )
        [refused] = await member.say("/bantin 07:00")
        assert refused.visible_text.startswith("Xin lỗi, chỉ quản trị viên nhóm")
        [ok] = await admin.say("/dangky@congdoan_test_bot LĐLĐ tỉnh Nghệ An")
        assert ok.visible_text.startswith(
            "✅ Đồng chí đã đăng ký theo dõi đơn vị LĐLĐ tỉnh Nghệ An"
        )
        [news] = await member.say("/tinmoi 2")  # reading works for everyone
        assert len(stories_in(news.visible_text)) == 2
        [listing] = await member.say("/dasdangky")
        assert listing.visible_text.startswith("Nhóm đang theo dõi 1 mục:")
        refusal = await member.press(listing, "❌ 1. LĐLĐ tỉnh Nghệ An", new=1)
        assert refusal.visible_text.startswith("Xin lỗi, chỉ quản trị viên nhóm")

        # Chatter and other bots' commands get no answer; the next reply is /help's.
        tg.push_message(GROUP, "Chào cả nhóm", user_id=MEMBER)
        tg.push_message(GROUP, "/foo@other_bot", user_id=MEMBER)
        [reply] = await member.say("/huongdan")
        assert reply.visible_text.startswith("Hướng dẫn sử dụng")
        assert len(tg.calls_to("getChatMember")) == 2  # one per user, then cached
    assert subs(stories_db, GROUP) == [("unit", "ldld-tinh-nghe-an", True, "")]


async def test_bot_added_removed_and_group_migrated(tg: FakeTelegram, sqlite_db: Database) -> None:
    tg.set_admins(GROUP, [ADMIN])
    async with running(tg, sqlite_db):
        tg.push_my_chat_member(GROUP, new_status="member", old_status="left", chat_title="CĐ Vinh")
        [greeting] = await tg.wait_for_messages(GROUP, 1)
        assert greeting.visible_text.startswith("Kính chào các đồng chí!")
        assert "Quản trị viên nhóm gõ /dangky" in greeting.visible_text
        await User(tg, GROUP, ADMIN).say("/dangky nữ công")

        tg.push_migration(GROUP, SUPERGROUP)
        await tg.wait_for(lambda: subs(sqlite_db, SUPERGROUP), what="migrated subscriptions")
        assert subs(sqlite_db, GROUP) == []
        [help_reply] = await User(tg, SUPERGROUP, ADMIN).say("/help")
        assert help_reply.chat_id == SUPERGROUP

        tg.push_my_chat_member(SUPERGROUP, new_status="kicked", old_status="member")

        def inactive() -> bool:
            with sqlite_db.read() as session:
                chat = session.scalars(select(Chat)).one()
                return not chat.active and chat.inactive_reason == "kicked"

        await tg.wait_for(inactive, what="chat marked inactive")
    assert subs(sqlite_db, SUPERGROUP) == [("topic", "nu_cong", True, "")]


# --------------------------------------------------------------------------- /stop, operators, misc


async def test_stop_asks_then_forgets_the_chat(tg: FakeTelegram, sqlite_db: Database) -> None:
    async with running(tg, sqlite_db):
        user = User(tg, USER)
        await user.say("/dangky nữ công")
        with sqlite_db.write() as session:
            chat = session.scalars(select(Chat)).one()
            session.add(Outbox(chat_pk=chat.id, dedup_key="push:1:1", kind="push", text="x"))
        [confirm] = await user.say("/stop")
        assert confirm.visible_text.startswith("Đồng chí có chắc muốn dừng nhận tin?")
        await user.press(confirm, "Không, giữ lại")
        assert confirm.visible_text == "Đã giữ nguyên các đăng ký."
        assert subs(sqlite_db, USER)
        [confirm] = await user.say("/stop")
        await user.press(confirm, "Đồng ý, dừng nhận tin")
        assert confirm.visible_text.startswith("Đã xóa mọi đăng ký và cài đặt.")
    with sqlite_db.read() as session:
        assert session.scalars(select(Chat)).all() == []
        assert session.scalars(select(Subscription)).all() == []
        assert session.scalars(select(Outbox)).all() == []


async def test_operator_commands(tg: FakeTelegram, stories_db: Database) -> None:
    with stories_db.write() as session:
        source = session.get(Source, "baonghean")
        source.consecutive_failures = 3
        source.last_error = "HTTP 503 <Service Unavailable>"
        session.get(Source, "congdoannghean").last_success_at = datetime(
            2026, 11, 23, 1, 5, tzinfo=UTC
        )
    async with running(tg, stories_db):
        operator, user = User(tg, OPERATOR), User(tg, USER)
        [refused] = await user.say("/stats")
        assert refused.visible_text == "Xin lỗi, lệnh này chỉ dành cho người quản trị hệ thống."
        await user.say("/dangky nữ công")
        [stats] = await operator.say("/stats")
        assert "Cuộc trò chuyện: 1 đang hoạt động, 0 ngừng" in stats.visible_text
        assert "Đăng ký: 0 đơn vị, 1 chủ đề, 0 từ khóa" in stats.visible_text
        assert "Tin đã lưu: 20" in stats.visible_text
        [sources] = await operator.say("/sources")
        text = sources.visible_text
        assert "✅ Công đoàn Nghệ An — lần thành công gần nhất: 23/11/2026 08:05" in text
        assert "❌ Báo Nghệ An — lần thành công gần nhất: " in text
        assert "; lỗi 3 lần liên tiếp: HTTP 503 <Service Unavailable>" in text


async def test_unknown_commands_and_plain_text(tg: FakeTelegram, stories_db: Database) -> None:
    async with running(tg, stories_db):
        user = User(tg, USER)
        [unknown] = await user.say("/dangkyy LĐLĐ")
        assert unknown.visible_text == "Lệnh không hợp lệ. Gõ /help để xem hướng dẫn."
        [suggestion] = await user.say("mái ấm công đoàn")
        assert suggestion.visible_text == (
            "Đồng chí muốn tìm tin về «mái ấm công đoàn»? Gõ /timkiem mái ấm công đoàn "
            "hoặc /dangky mái ấm công đoàn"
        )
        found = await user.press(suggestion, "🔎 Tìm tin", new=1)
        assert re.match(r"🔎 \d+ tin có «mái ấm công đoàn»", found.visible_text)
        assert "1. Bàn giao nhà “Mái ấm Công đoàn”" in found.visible_text
        followed = await user.press(suggestion, "➕ Đăng ký theo dõi", new=1)
        assert followed.visible_text == "✅ Đồng chí đã đăng ký theo dõi chủ đề Mái ấm Công đoàn."
        [hostile] = await user.say("<b>tin & sự kiện</b>")
        assert "«<b>tin & sự kiện</b>»" in hostile.visible_text  # escaped, shown as typed


async def test_handler_failure_gets_a_polite_answer_and_the_bot_goes_on(
    tg: FakeTelegram, sqlite_db: Database
) -> None:
    async with running(tg, sqlite_db):
        user = User(tg, USER)
        tg.fail_next(1, 502, methods=["sendMessage"])
        [sorry] = await user.say("/help")
        assert sorry.visible_text == "Đã có lỗi xảy ra, vui lòng thử lại sau."
        [ok] = await user.say("/help")
        assert ok.visible_text.startswith("Hướng dẫn sử dụng")


async def test_command_menus(tg: FakeTelegram, sqlite_db: Database) -> None:
    async with running(tg, sqlite_db) as app:
        await set_commands(app.bot)
    vi, default, en = (tg.commands[("default", lang)] for lang in ("vi", "", "en"))
    assert vi == default
    assert {"command": "dangky", "description": "Đăng ký nhận tin"} in vi
    assert {"command": "subscribe", "description": "Follow a unit, topic or keywords"} in en
    assert {"command": "lich", "description": "Lịch hạn chót trên điện thoại"} in vi
    assert len(vi) == len(en) == 14


# --------------------------------------------------------------------------- strings


def test_every_string_exists_in_both_languages_with_the_same_fields() -> None:
    fields = re.compile(r"\{(\w+)\}")
    assert set(STRINGS["vi"]) == set(STRINGS["en"])
    for key, vi in STRINGS["vi"].items():
        assert set(fields.findall(vi)) == set(fields.findall(STRINGS["en"][key])), key
        parse_html(vi.format(**dict.fromkeys(fields.findall(vi), "x")))  # valid Telegram HTML


def test_vietnamese_strings_do_not_leak_english() -> None:
    english = re.compile(
        r"\b(the|you|your|please|sorry|news|error|follow|subscribe|latest|search|help)\b", re.I
    )
    for key, text in STRINGS["vi"].items():
        prose = re.sub(r"/\w+|\{\w+\}", "", text)  # command names and fields are not prose
        assert not english.search(prose), (key, english.search(prose))
