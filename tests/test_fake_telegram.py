"""A real python-telegram-bot Application against the fake Bot API server."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import json
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
)

try:  # `tests` is a package only when the repo root is on sys.path
    from tests.support.fake_telegram import FakeTelegram, Limits, parse_html, utf16_len
except ModuleNotFoundError:
    from support.fake_telegram import FakeTelegram, Limits, parse_html, utf16_len

REPO_ROOT = Path(__file__).resolve().parent.parent
USER = 501_234_567
GROUP = -4_012_345_678
SUPERGROUP = -1_001_234_567_890


# --------------------------------------------------------------------------- the bot


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    payload = " ".join(context.args or [])
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Đăng ký nhận tin", callback_data="sub:cd")]]
    )
    await update.effective_message.reply_text(
        f"Xin chào đồng chí <b>{update.effective_user.first_name}</b>! {payload}".strip(),
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer("Đã ghi nhận")
    await query.edit_message_text(f"Đồng chí đã đăng ký: {query.data}")


async def on_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.bot_data.setdefault("membership", []).append(
        (update.effective_chat.id, update.my_chat_member.new_chat_member.status)
    )


def build_app(tg: FakeTelegram, token: str | None = None) -> Application:
    app = (
        ApplicationBuilder()
        .token(token or tg.token)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(ChatMemberHandler(on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    return app


@contextlib.asynccontextmanager
async def polling(app: Application) -> AsyncIterator[Application]:
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=1))
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as client:
        yield client


@pytest.fixture
def timedelta_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read RetryAfter.retry_after as a timedelta (PTB 22's non-deprecated form)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


# --------------------------------------------------------------------------- conversations


async def test_typed_start_gets_an_answer_with_a_button(tg: FakeTelegram) -> None:
    async with polling(build_app(tg)):
        tg.push_message(USER, "/start cdcs_nghean", first_name="Lan")
        [reply] = await tg.wait_for_messages(USER, 1)
    assert reply.visible_text == "Xin chào đồng chí Lan! cdcs_nghean"
    assert reply.entities == [{"type": "bold", "offset": 18, "length": 3}]
    assert reply.parse_mode == "HTML"
    assert reply.message_id == 2  # ids are per chat, shared with the user's messages
    assert reply.link_preview_options == {"is_disabled": True}
    assert reply.button("Đăng ký nhận tin")["callback_data"] == "sub:cd"
    assert [c.method for c in tg.calls[:2]] == ["getMe", "deleteWebhook"]


async def test_command_addressed_to_the_bot_in_a_group_fires(tg: FakeTelegram) -> None:
    async with polling(build_app(tg)):
        tg.push_message(GROUP, "/start@congdoan_test_bot", chat_title="CĐCS Trường A")
        tg.push_message(GROUP, "/start@another_bot")  # not for us: no reply
        tg.push_message(GROUP, "/start@congdoan_test_bot again")
        replies = await tg.wait_for_messages(GROUP, 2)
        await tg.wait_for(lambda: not tg.pending_updates, what="updates confirmed")
    assert len(tg.sent(GROUP)) == 2
    assert replies[1].visible_text == "Xin chào đồng chí Đoàn viên! again"
    # In groups reply_text quotes the command it answers (message ids 1-3 are the user's).
    assert [m.reply_to_message_id for m in replies] == [1, 3]


async def test_button_press_reaches_handler_and_is_answered(tg: FakeTelegram) -> None:
    async with polling(build_app(tg)):
        tg.push_message(USER, "/start")
        [menu] = await tg.wait_for_messages(USER, 1)
        tg.press(USER, menu.message_id, "Đăng ký nhận tin")
        await tg.wait_for(lambda: menu.edits, what="the menu to be edited")
    assert menu.visible_text == "Đồng chí đã đăng ký: sub:cd"
    assert menu.edits == ["Xin chào đồng chí Đoàn viên!"]
    assert menu.reply_markup is None  # the edit dropped the keyboard
    assert list(tg.callback_answers.values()) == [
        {"text": "Đã ghi nhận", "show_alert": False, "url": None}
    ]
    assert [c.status for c in tg.calls_to("answerCallbackQuery")] == [200]


async def test_answering_an_unknown_callback_query_fails(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query("12345")


async def test_confirmed_updates_are_not_delivered_again(tg: FakeTelegram) -> None:
    async with polling(build_app(tg)):
        tg.push_message(USER, "/start lần_1")
        await tg.wait_for_messages(USER, 1)
    # After stop, PTB confirmed the offset; a new instance must not see /start again.
    assert tg.pending_updates == []
    async with polling(build_app(tg)):
        tg.push_message(USER, "/start lần_2")
        replies = await tg.wait_for_messages(USER, 2)
        await tg.wait_for(lambda: not tg.pending_updates, what="updates confirmed")
    assert [m.visible_text.split("! ")[1] for m in tg.sent(USER)] == ["lần_1", "lần_2"]
    assert len(replies) == 2


async def test_bot_removed_from_group_is_reported_and_then_forbidden(tg: FakeTelegram) -> None:
    app = build_app(tg)
    async with polling(app):
        tg.push_my_chat_member(GROUP, new_status="member", old_status="left")
        tg.push_my_chat_member(GROUP, new_status="left", old_status="member")
        await tg.wait_for(lambda: len(app.bot_data.get("membership", [])) == 2)
        with pytest.raises(Forbidden, match=r"(?i)kicked from the group chat"):
            await app.bot.send_message(GROUP, "Tin mới")
    assert app.bot_data["membership"] == [(GROUP, "member"), (GROUP, "left")]


async def test_group_migration_service_messages(tg: FakeTelegram, bot: Bot) -> None:
    tg.push_message(GROUP, "xin chào", chat_title="Công đoàn Sở Y tế")
    tg.push_migration(GROUP, SUPERGROUP)
    updates = await bot.get_updates(timeout=0)
    assert updates[1].message.migrate_to_chat_id == SUPERGROUP
    assert updates[2].message.migrate_from_chat_id == GROUP
    assert updates[2].effective_chat.type == "supergroup"
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(GROUP, "Thông báo")
    assert caught.value.new_chat_id == SUPERGROUP


# --------------------------------------------------------------------------- text checks


async def test_html_with_a_bare_less_than_is_rejected(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: unsupported start tag"):
        await bot.send_message(USER, "Lương tối thiểu < 5 triệu", parse_mode=ParseMode.HTML)
    message = await bot.send_message(
        USER, "Lương tối thiểu &lt; 5 triệu &amp; phụ cấp", parse_mode=ParseMode.HTML
    )
    assert message.text == "Lương tối thiểu < 5 triệu & phụ cấp"


async def test_too_long_message_is_rejected_by_visible_length(bot: Bot, tg: FakeTelegram) -> None:
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "đ" * 5000)
    # Markup does not count: 4096 visible characters wrapped in tags pass.
    ok = await bot.send_message(USER, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    assert len(ok.text) == 4096
    # Astral characters count twice (UTF-16): 2048 emoji fit, 2049 do not.
    await bot.send_message(USER, "📢" * 2048)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "📢" * 2049)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(USER, "<b> </b>", parse_mode="HTML")
    # Telegram trims surrounding blanks; entity offsets follow the trimmed text.
    trimmed = await bot.send_message(USER, "  \n<b>Tin</b> mới \n", parse_mode="HTML")
    assert (trimmed.text, trimmed.entities[0].offset) == ("Tin mới", 0)
    assert [utf16_len(m.visible_text) for m in tg.sent(USER)] == [4096, 4096, 7]


@pytest.mark.parametrize(
    ("html", "visible", "entities"),
    [
        ("<b>Đại hội</b> Công đoàn", "Đại hội Công đoàn", [("bold", 0, 7)]),
        (
            "<strong>a</strong><em>b</em><ins>c</ins><del>d</del>",
            "abcd",
            [("bold", 0, 1), ("italic", 1, 1), ("underline", 2, 1), ("strikethrough", 3, 1)],
        ),
        ('<a href="https://congdoan.vn/?a=1&amp;b=2">Xem</a>', "Xem", [("text_link", 0, 3)]),
        (
            '<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>',
            "xy",
            [("spoiler", 0, 1), ("spoiler", 1, 1)],
        ),
        ("<blockquote expandable>Trích</blockquote>", "Trích", [("expandable_blockquote", 0, 5)]),
        ("&#128227; &#x1F4E2; &quot;Tin&quot;", '📣 📢 "Tin"', []),
        ("📢 <i>tin</i>", "📢 tin", [("italic", 3, 3)]),  # offsets are UTF-16 units
    ],
)
def test_html_visible_text_and_entities(
    html: str, visible: str, entities: list[tuple[str, int, int]]
) -> None:
    text, found = parse_html(html)
    assert text == visible
    assert [(e["type"], e["offset"], e["length"]) for e in found] == entities


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<br>dòng", 'Unsupported start tag "br" at byte offset 0'),
        ("<b>đậm", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("Tin</b>", "Unexpected end tag at byte offset 3"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("Vinh & Nghệ An", 'Character "&" must be escaped as "&amp;" at byte offset 5'),
        ("Lễ&nbsp;hội", 'Unsupported HTML entity "&nbsp;" at byte offset 4'),
        ("Điều 5 <", "Unclosed start tag at byte offset 10"),
    ],
)
async def test_invalid_html_is_rejected_with_telegrams_wording(
    bot: Bot, html: str, error: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(USER, html, parse_mode=ParseMode.HTML)
    assert caught.value.message.lower() == f"can't parse entities: {error}".lower()


async def test_markdown_v2_reserved_characters_must_be_escaped(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
        await bot.send_message(USER, "Ngày 05.01.2026", parse_mode=ParseMode.MARKDOWN_V2)
    message = await bot.send_message(
        USER, r"*Ngày* 05\.01\.2026 [Xem](https://x.vn/a)", parse_mode=ParseMode.MARKDOWN_V2
    )
    assert message.text == "Ngày 05.01.2026 Xem"


async def test_inline_buttons_are_validated_like_telegram(bot: Bot) -> None:
    # 56 characters, but 74 bytes of UTF-8: over the 64-byte limit.
    long_data = "sub:Liên đoàn Lao động tỉnh Nghệ An – Công đoàn Giáo dục"
    assert len(long_data) < 64 < len(long_data.encode())
    button = InlineKeyboardButton("Đăng ký", callback_data=long_data)
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "Chọn", reply_markup=InlineKeyboardMarkup([[button]]))
    bad_url = InlineKeyboardButton("Xem", url="congdoan.vn/tin")
    with pytest.raises(BadRequest, match=r"(?i)wrong http url"):
        await bot.send_message(USER, "Chọn", reply_markup=InlineKeyboardMarkup([[bad_url]]))


async def test_edit_without_change_is_not_modified(bot: Bot) -> None:
    message = await bot.send_message(USER, "Tin mới")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Tin mới", chat_id=USER, message_id=message.message_id)
    await bot.delete_message(USER, message.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("Khác", chat_id=USER, message_id=message.message_id)


# --------------------------------------------------------------------------- faults


async def test_blocked_kicked_and_missing_chats(tg: FakeTelegram, bot: Bot) -> None:
    tg.block(USER)
    tg.kick(SUPERGROUP)
    tg.chat_not_found(USER + 1)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(USER, "Tin")
    with pytest.raises(Forbidden, match=r"(?i)kicked from the supergroup chat"):
        await bot.send_message(SUPERGROUP, "Tin")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(USER + 1, "Tin")
    assert (await bot.get_chat(USER)).type == "private"  # getChat still works when blocked
    tg.unblock(USER)
    await bot.send_message(USER, "Tin")
    assert (tg.stats.forbidden, tg.stats.bad_request, tg.stats.sent) == (2, 1, 1)


async def test_migrated_group_raises_chat_migrated_and_new_id_works(
    tg: FakeTelegram, bot: Bot
) -> None:
    tg.migrate(GROUP, SUPERGROUP)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(GROUP, "Thông báo")
    assert caught.value.new_chat_id == SUPERGROUP
    message = await bot.send_message(caught.value.new_chat_id, "Thông báo")
    assert message.chat.type == "supergroup"
    assert [m.chat_id for m in tg.sent()] == [SUPERGROUP]


async def test_injected_flood_raises_retry_after(
    tg: FakeTelegram, bot: Bot, timedelta_mode: None
) -> None:
    tg.flood(USER, retry_after=7, count=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(USER, "Tin")
        assert caught.value.retry_after == dtm.timedelta(seconds=7)
    await bot.send_message(USER + 1, "Tin")  # other chats are not flooded
    await bot.send_message(USER, "Tin")
    assert tg.stats.too_many_requests == 2
    assert tg.stats.errors["Too Many Requests: retry after 7"] == 2


async def test_transient_failures_then_recovery(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next(2, status=502)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(USER, "Tin")
    await bot.send_message(USER, "Tin")
    assert [c.status for c in tg.calls_to("sendMessage")] == [502, 502, 200]


async def test_wrong_token_and_unknown_method(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(InvalidToken):
        async with build_app(tg, token="654321:WRONG-TOKEN"):
            pass
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendUnicorn", api_kwargs={"chat_id": USER})


# --------------------------------------------------------------------------- limits


async def _blast(bot: Bot, chat_ids: list[int]) -> list[RetryAfter]:
    refused = []
    for chat_id in chat_ids:
        try:
            await bot.send_message(chat_id, "Bản tin Công đoàn")
        except RetryAfter as exc:
            refused.append(exc)
    return refused


@pytest.mark.parametrize("enforce", [True, False])
async def test_forty_private_chats_in_a_tight_loop(
    tg: FakeTelegram, bot: Bot, enforce: bool, timedelta_mode: None
) -> None:
    tg.enforce_limits = enforce
    started = time.monotonic()
    refused = await _blast(bot, [USER + i for i in range(40)])
    elapsed = time.monotonic() - started
    if not enforce:
        assert refused == [] and tg.stats.sent == 40
        return
    assert tg.stats.too_many_requests == len(refused) > 0
    assert all(exc.retry_after >= dtm.timedelta(seconds=1) for exc in refused)
    if elapsed < 1.0:  # the whole loop fell inside one sliding window
        assert (tg.stats.sent, len(refused)) == (30, 10)
    assert tg.stats.max_per_second <= 30


async def test_private_burst_and_group_minute_limits(
    tg: FakeTelegram, bot: Bot, timedelta_mode: None
) -> None:
    tg.enforce_limits = True
    assert tg.limits == Limits(global_per_second=30, private_burst=3, group_per_minute=20)
    started = time.monotonic()
    private_refused = await _blast(bot, [USER] * 5)
    group_refused = await _blast(bot, [GROUP] * 22)
    if time.monotonic() - started < 1.0:
        assert len(private_refused) == 2
        assert private_refused[0].retry_after == dtm.timedelta(seconds=1)
    assert len(group_refused) == 2
    assert group_refused[0].retry_after > dtm.timedelta(seconds=50)
    assert len(tg.sent(GROUP)) == 20
    tg.limits = Limits(private_burst=1)  # rules are settable per test
    assert len(await _blast(bot, [USER + 1] * 2)) == 1


# --------------------------------------------------------------------------- commands, chats


async def test_commands_are_stored_per_scope_and_language(tg: FakeTelegram, bot: Bot) -> None:
    vietnamese = [BotCommand("start", "Bắt đầu"), BotCommand("tinmoi", "Tin mới nhất")]
    await bot.set_my_commands(vietnamese, language_code="vi")
    await bot.set_my_commands([BotCommand("start", "Start")])
    await bot.set_my_commands(
        [BotCommand("dangky", "Đăng ký nhận tin")], scope=BotCommandScopeAllGroupChats()
    )
    assert await bot.get_my_commands(language_code="vi") == tuple(vietnamese)
    assert [c.description for c in await bot.get_my_commands()] == ["Start"]
    assert tg.commands[("all_group_chats", "")] == [
        {"command": "dangky", "description": "Đăng ký nhận tin"}
    ]
    await bot.delete_my_commands(language_code="vi")
    assert await bot.get_my_commands(language_code="vi") == ()
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("đăngký", "Đăng ký")])


async def test_chat_info_and_configured_admins(tg: FakeTelegram, bot: Bot) -> None:
    tg.push_message(GROUP, "chào", chat_title="CĐCS Công ty X")
    tg.set_admins(GROUP, [111, 222], creator_id=111)
    chat = await bot.get_chat(GROUP)
    assert (chat.type, chat.title) == ("group", "CĐCS Công ty X")
    admins = await bot.get_chat_administrators(GROUP)
    assert [(a.user.id, a.status) for a in admins] == [(111, "creator"), (222, "administrator")]
    assert (await bot.get_chat_member(GROUP, 222)).status == "administrator"
    assert (await bot.get_chat_member(GROUP, 333)).status == "member"
    with pytest.raises(BadRequest, match=r"(?i)no administrators in the private chat"):
        await bot.get_chat_administrators(USER)
    assert await bot.send_chat_action(GROUP, "typing") is True


# --------------------------------------------------------------------------- wire formats


async def test_form_json_multipart_and_query_bodies(tg: FakeTelegram) -> None:
    api = f"{tg.base_url}{tg.token}"
    markup = {"inline_keyboard": [[{"text": "Xem", "url": "https://congdoan.vn"}]]}
    async with httpx.AsyncClient() as client:
        form = await client.post(
            f"{api}/sendMessage",
            data={"chat_id": str(USER), "text": "form", "reply_markup": json.dumps(markup)},
        )
        as_json = await client.post(f"{api}/sendMessage", json={"chat_id": USER, "text": "json"})
        multipart = await client.post(
            f"{api}/sendPhoto",
            data={"chat_id": str(USER), "caption": "ảnh"},
            files={"photo": ("anh.jpg", b"\xff\xd8\xff", "image/jpeg")},
        )
        query = await client.get(f"{api}/sendMessage", params={"chat_id": USER, "text": "query"})
        me = await client.post(f"{api}/getMe", content=b"")
        unknown = await client.post(f"{api}/sendUnicorn")
    assert [r.status_code for r in (form, as_json, multipart, query, me)] == [200] * 5
    assert form.json()["result"]["reply_markup"] == markup
    assert multipart.json()["result"]["caption"] == "ảnh"
    assert me.json()["result"]["username"] == "congdoan_test_bot"
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert [m.visible_text for m in tg.sent(USER)] == ["form", "json", "ảnh", "query"]
    assert tg.sent(USER)[2].photo == "anh.jpg"


async def test_get_updates_waits_for_new_updates_until_timeout(tg: FakeTelegram, bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=0.3) == ()
    assert 0.25 < time.monotonic() - started < 1.5
    asyncio.get_running_loop().call_later(0.1, tg.push_message, USER, "xin chào")
    started = time.monotonic()
    [update] = await bot.get_updates(timeout=5)
    assert time.monotonic() - started < 1.0
    assert update.message.text == "xin chào"
    assert update.message.from_user.language_code == "vi"


async def test_second_poller_and_active_webhook_conflict(tg: FakeTelegram, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await tg.wait_for_call("getUpdates")
    # A second instance of the bot starts polling: Telegram terminates the older poll.
    async with Bot(tg.token, base_url=tg.base_url) as other_instance:
        assert await other_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first
    await bot.set_webhook("https://bot.congdoan.vn/hook")
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)
    assert (await bot.get_webhook_info()).url == "https://bot.congdoan.vn/hook"
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


async def test_files_are_downloadable_through_the_file_url(tg: FakeTelegram, bot: Bot) -> None:
    file_id = tg.add_file("Nghị quyết".encode(), file_path="documents/nghi_quyet.txt")
    telegram_file = await bot.get_file(file_id)
    assert telegram_file.file_path.endswith("documents/nghi_quyet.txt")
    assert bytes(await telegram_file.download_as_bytearray()).decode() == "Nghị quyết"


async def test_standalone_process_prints_url_and_enforces_limits(timedelta_mode: None) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.fake_telegram",
        "--port",
        "0",
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        base_url = (await asyncio.wait_for(process.stdout.readline(), 10)).decode().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/bot")
        control = base_url.removesuffix("/bot") + "/_fake/control"
        async with Bot("123456:TEST-TOKEN", base_url=base_url) as client:
            refused = await _blast(client, [USER] * 5)
            assert len(refused) >= 2  # 3-message burst, then 1/s
            async with httpx.AsyncClient() as http:
                answer = await http.post(control, json={"action": "block", "args": [USER + 1]})
                assert answer.json() == {"ok": True, "result": None}
                pushed = await http.post(
                    control, json={"action": "push_message", "args": [USER, "/start"]}
                )
            with pytest.raises(Forbidden):
                await client.send_message(USER + 1, "Tin")
            [update] = await client.get_updates(timeout=0)
            assert (update.update_id, update.message.text) == (pushed.json()["result"], "/start")
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(process.communicate(), 10)
    stats = json.loads(out.decode().strip().splitlines()[-1])
    assert stats["too_many_requests"] == len(refused)
    assert stats["forbidden"] == 1
    assert stats["sent"] == 5 - len(refused)
