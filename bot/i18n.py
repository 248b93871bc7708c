"""Every string a chat user reads, in formal Vietnamese and in English: one catalogue.

Command replies, pushes, digests, reminders, Zalo's numbered choices and the
demo console all take their words from here.  Vietnamese is the default and
uses the register union officers write in ("đồng chí", "Vui lòng…", "Xin lỗi,
…"); English is second.  Strings are Telegram HTML; :func:`plain` gives the
text for channels without markup.  :func:`t` escapes every argument, so a
title from a feed can never inject markup; pass :class:`Html` for a fragment
that is already safe HTML.  :func:`esc` is the project's one HTML escape.

Two kinds of related keys:

* ``key_one``: the form used when the argument ``n`` is 1 (English plurals;
  the Vietnamese entry repeats the general form, since both tables keep the
  same keys and fields).
* ``key.variant``: the wording for a channel that lacks a capability
  (:class:`bot.commands.inbound.ChannelCaps`): ``.typed`` where choices are
  typed numbers instead of buttons, ``.no_roles`` where the chat API does not
  say who administers a group.  Callers pass the channel's ``variants``; a key
  without that variant keeps its general wording.

Why a Python table rather than gettext ``.po`` files: two languages written by
the developers themselves, strings that are HTML with named fields, and a test
that checks both tables have the same keys, fields and valid HTML; a ``.po``
toolchain (extraction, compiled ``.mo``) would add a build step and no
translator is in the loop.  If one joins, these dicts convert one to one.

Dates are written dd/mm/yyyy and times HH:MM in the bot's time zone
(Asia/Ho_Chi_Minh), never through a locale (CLDR "vi" would give 5/1/26).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

LANGUAGES = ("vi", "en")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


class Html(str):
    """A string that is already safe Telegram HTML (not escaped again by :func:`t`)."""


def esc(text: str | None) -> Html:
    """Escape a feed-provided or user-typed string for Telegram HTML text (not attributes)."""
    return Html(html.escape(text or "", quote=False))


def pick_language(language_code: str | None, default: str = "vi") -> str:
    """Vietnamese for "vi" users and for users whose client gives no language."""
    if not language_code:
        return default
    return "vi" if language_code.lower().startswith("vi") else "en"


def t(lang: str, key: str, *, variants: Sequence[str] = (), **kwargs: object) -> Html:
    """The message ``key`` in ``lang`` with its arguments escaped and filled in.

    ``variants`` (a channel's, most specific first) pick ``key.variant`` where the
    catalogue has one; an ``n`` of 1 picks ``key_one`` where it exists."""
    key = next((f"{key}.{v}" for v in variants if f"{key}.{v}" in _VI), key)
    if kwargs.get("n") == 1 and f"{key}_one" in _VI:
        key = f"{key}_one"
    table = STRINGS.get(lang) or _VI
    template = table.get(key) or _VI[key]
    safe = {k: v if isinstance(v, Html) else esc(str(v)) for k, v in kwargs.items()}
    return Html(template.format(**safe))


def plain(lang: str, key: str, *, variants: Sequence[str] = (), **kwargs: object) -> str:
    """The same message as plain text: tags dropped, entities decoded."""
    return strip_markup(t(lang, key, variants=variants, **kwargs))


def strip_markup(text: str) -> str:
    """What the reader sees of Telegram HTML: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", text))


# --- dates and times --------------------------------------------------------------

WEEKDAYS = {
    "vi": ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


def fmt_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def fmt_time(at: time) -> str:
    return at.strftime("%H:%M")


def fmt_datetime(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def weekday(day: date, lang: str) -> str:
    return WEEKDAYS.get(lang, WEEKDAYS["vi"])[day.weekday()]


def fmt_day_with_weekday(day: date, lang: str) -> str:
    """ "25/07/2026 (Thứ Bảy)"."""
    return f"{fmt_date(day)} ({weekday(day, lang)})"


def fmt_remind_days(days: list[int], lang: str) -> str:
    """[3, 1, 0] -> "3 ngày, 1 ngày trước và vào ngày đến hạn"."""
    before = [d for d in days if d > 0]
    on_day = 0 in days
    if lang == "en":
        parts = [f"{d} day{'s' if d > 1 else ''}" for d in before]
        text = ", ".join(parts) + (" before" if parts else "")
        if on_day:
            text = f"{text} and on the day" if text else "on the day"
        return text
    parts = [f"{d} ngày" for d in before]
    text = ", ".join(parts) + (" trước" if parts else "")
    if on_day:
        text = f"{text} và vào ngày đến hạn" if text else "vào ngày đến hạn"
    return text


# --- commands and their menus ---------------------------------------------------------

# canonical name -> Vietnamese alias (ASCII: Telegram command names are [a-z0-9_]).
ALIASES: dict[str, tuple[str, ...]] = {
    "start": (),
    "subscribe": ("dangky",),
    "unsubscribe": ("huydangky",),
    "mysubs": ("dasdangky", "danhsach"),
    "latest": ("tinmoi",),
    "search": ("timkiem",),
    "events": ("sukien",),
    "calendar": ("lich",),
    "digest": ("bantin",),
    "remind": ("nhacviec",),
    "quiet": ("gioyenlang",),
    "lang": ("ngonngu",),
    "help": ("huongdan",),
    "stop": ("dunglai",),
    "stats": ("thongke",),
    "sources": ("nguontin",),
    "console": ("quantri",),
}
OPERATOR_COMMANDS = ("stats", "sources", "console")

# Menu entries: (vi name, en name, vi description, en description).
MENU: tuple[tuple[str, str, str, str], ...] = (
    ("start", "start", "Bắt đầu, chọn đơn vị và chủ đề theo dõi", "Start and pick what to follow"),
    ("dangky", "subscribe", "Đăng ký nhận tin", "Follow a unit, topic or keywords"),
    ("huydangky", "unsubscribe", "Hủy đăng ký", "Stop following something"),
    ("dasdangky", "mysubs", "Các mục đang theo dõi", "What this chat follows"),
    ("tinmoi", "latest", "Tin mới nhất", "Latest news"),
    ("timkiem", "search", "Tìm tin đã đăng", "Search stored news"),
    ("sukien", "events", "Sự kiện, hạn chót 30 ngày tới", "Events and deadlines, next 30 days"),
    ("lich", "calendar", "Lịch hạn chót trên điện thoại", "Deadlines in your phone's calendar"),
    ("bantin", "digest", "Bản tin tổng hợp hằng ngày", "Daily digest time"),
    ("nhacviec", "remind", "Nhắc việc trước hạn chót", "Deadline reminders"),
    ("gioyenlang", "quiet", "Giờ yên lặng", "Quiet hours"),
    ("lang", "lang", "Ngôn ngữ (vi/en)", "Language (vi/en)"),
    ("huongdan", "help", "Hướng dẫn", "Help"),
    ("stop", "stop", "Dừng nhận tin, xóa đăng ký", "Stop and forget this chat"),
)


def menu(lang: str) -> list[tuple[str, str]]:
    """(command, description) pairs for the channel's command menu."""
    if lang == "en":
        return [(en, en_desc) for _vi, en, _vi_desc, en_desc in MENU]
    return [(vi, vi_desc) for vi, _en, vi_desc, _en_desc in MENU]


def command_name(lang: str, canonical: str) -> str:
    """The name shown in examples: Vietnamese aliases for Vietnamese users."""
    if lang == "en":
        return canonical
    aliases = ALIASES.get(canonical, ())
    return aliases[0] if aliases else canonical


# --- the strings ---------------------------------------------------------------------

_VI: dict[str, str] = {
    "greeting": "Kính chào đồng chí <b>{name}</b>!",
    "greeting_group": "Kính chào các đồng chí trong nhóm <b>{name}</b>!",
    "intro": (
        "📰 Bot gửi tin mới của các đơn vị, chủ đề đồng chí theo dõi ngay khi được đăng.\n"
        "🗓 Bản tin tổng hợp hằng ngày (/bantin) và lịch sự kiện, hạn chót (/sukien).\n"
        "⏰ Nhắc việc trước mỗi hạn chót (/nhacviec)."
    ),
    "start_pick": (
        "Vui lòng chọn đơn vị và chủ đề cần theo dõi bên dưới (bấm lần nữa để bỏ chọn), "
        "hoặc gõ /dangky &lt;tên đơn vị, chủ đề hay từ khóa&gt;. Gõ /huongdan để xem hướng dẫn."
    ),
    "start_pick_group_member": (
        "Quản trị viên nhóm có thể chọn đơn vị, chủ đề theo dõi cho nhóm bên dưới "
        "hoặc gõ /dangky &lt;tên đơn vị, chủ đề hay từ khóa&gt;."
    ),
    "menu_units": "Đơn vị:",
    "menu_topics": "Chủ đề (trang {page}/{pages}):",
    "btn_other_unit": "🏢 Đơn vị khác",
    "btn_prev": "◀ Trang trước",
    "btn_next": "Trang sau ▶",
    "other_unit_hint": (
        "Vui lòng gõ /dangky &lt;tên đơn vị&gt;, ví dụ: <code>/dangky LĐLĐ huyện Diễn Châu</code> "
        "hoặc <code>/dangky Công đoàn ngành Giáo dục Nghệ An</code>."
    ),
    "deeplink_bad": "Xin lỗi, liên kết này không hợp lệ hoặc đã cũ.",
    "sub_added_unit": (
        "✅ Đồng chí đã đăng ký theo dõi đơn vị <b>{label}</b>, "
        "bao gồm cả các công đoàn trực thuộc."
    ),
    "sub_added_unit_only": (
        "✅ Đồng chí đã đăng ký theo dõi đơn vị <b>{label}</b> (không gồm các đơn vị trực thuộc)."
    ),
    "sub_added_topic": "✅ Đồng chí đã đăng ký theo dõi chủ đề <b>{label}</b>.",
    "sub_added_keyword": "✅ Đồng chí đã đăng ký theo dõi tin có từ khóa <b>{label}</b>.",
    "sub_keyword_rules": ("Tin phải có đủ các từ khóa; gõ có dấu hay không dấu đều được{exclude}."),
    "sub_keyword_exclude": "; bỏ qua tin có: {words}",
    "sub_exists": "Đồng chí đã đăng ký theo dõi <b>{label}</b> từ trước.",
    "sub_removed_toggle": "Đã bỏ theo dõi <b>{label}</b>.",
    "sub_limit": (
        "Xin lỗi, mỗi cuộc trò chuyện chỉ theo dõi được tối đa {max} mục. "
        "Vui lòng hủy bớt bằng /huydangky."
    ),
    "sub_children_on": "Đã chuyển sang theo dõi <b>{label}</b> và các đơn vị trực thuộc.",
    "sub_children_off": "Đã chuyển sang chỉ theo dõi riêng <b>{label}</b>.",
    "btn_children_off": "Chỉ theo dõi riêng đơn vị này",
    "btn_children_on": "Theo dõi cả đơn vị trực thuộc",
    "btn_keyword_instead": "🔎 Theo dõi từ khóa «{q}»",
    "sub_ambiguous": "Ý đồng chí là:",
    "sub_not_found": "Không tìm thấy đơn vị hay chủ đề «{q}».",
    "sub_closest": "Các mục gần nhất:",
    "btn_subscribe_keyword": "Đăng ký theo từ khóa «{q}»",
    "sub_usage": (
        "Vui lòng cho biết đơn vị, chủ đề hoặc từ khóa cần theo dõi. Ví dụ:\n"
        "<code>/dangky LĐLĐ tỉnh Nghệ An</code>\n"
        "<code>/dangky phát triển đoàn viên</code>\n"
        "<code>/dangky đại hội -chi bộ</code> (theo từ khóa; dấu «-» để loại trừ)"
    ),
    "too_long": (
        "Xin lỗi, nội dung quá dài ({n} ký tự, tối đa {max}). "
        "Vui lòng nhập ngắn gọn hơn, ví dụ: <code>{example}</code>"
    ),
    "kw_too_many": (
        "Xin lỗi, mỗi đăng ký theo từ khóa có tối đa {max} từ khóa. "
        "Ví dụ: <code>/dangky đại hội -chi bộ</code>"
    ),
    "kw_too_long": (
        "Xin lỗi, các từ khóa dài tối đa {max} ký tự. Ví dụ: <code>/dangky đại hội -chi bộ</code>"
    ),
    "kw_empty": (
        "Xin lỗi, «{q}» không có từ khóa nào để theo dõi. "
        "Vui lòng dùng chữ hoặc số, ví dụ: <code>/dangky đại hội -chi bộ</code>"
    ),
    "kw_only_exclude": (
        "Vui lòng nêu ít nhất một từ khóa cần theo dõi, không chỉ từ khóa loại trừ. "
        "Ví dụ: <code>/dangky đại hội -chi bộ</code>"
    ),
    "mysubs_header": "Đồng chí đang theo dõi {n} mục:",
    "mysubs_header_one": "Đồng chí đang theo dõi {n} mục:",
    "mysubs_header_group": "Nhóm đang theo dõi {n} mục:",
    "mysubs_header_group_one": "Nhóm đang theo dõi {n} mục:",
    "mysubs_hint": "Bấm ❌ để hủy theo dõi một mục.",
    "mysubs_empty": (
        "Đồng chí chưa theo dõi đơn vị, chủ đề hay từ khóa nào. "
        "Gõ /start để chọn, hoặc /dangky &lt;đơn vị, chủ đề, từ khóa&gt;."
    ),
    "kind_unit": "Đơn vị",
    "kind_topic": "Chủ đề",
    "kind_keyword": "Từ khóa",
    "with_children": "gồm đơn vị trực thuộc",
    "without_children": "không gồm đơn vị trực thuộc",
    "except_words": "trừ: {words}",
    "unsub_done": "Đã hủy theo dõi <b>{label}</b>.",
    "unsub_not_found": (
        "Không tìm thấy «{q}» trong danh sách theo dõi. Gõ /dasdangky để xem danh sách."
    ),
    "unsub_gone": "Mục này đã được hủy từ trước.",
    "latest_header": "📰 {n} tin mới nhất:",
    "latest_header_filter": "📰 Tin mới nhất về <b>{label}</b>:",
    "latest_empty": "Hiện chưa có tin nào được lưu. Vui lòng thử lại sau.",
    "latest_none_filter": "Chưa có tin nào về «{q}».",
    "latest_bad_n": "Số tin phải từ 1 đến {max}. Ví dụ: <code>/tinmoi 10</code>",
    "search_usage": (
        "Vui lòng nhập từ khóa cần tìm. Ví dụ: <code>/timkiem phát triển đoàn viên</code> "
        "hoặc <code>/timkiem mai am -dien chau</code>"
    ),
    "search_header": "🔎 {n} tin có «{q}» (mới nhất trước):",
    "search_header_one": "🔎 {n} tin có «{q}» (mới nhất trước):",
    "search_none": (
        "Không tìm thấy tin nào có «{q}». Đồng chí có thể thử từ khóa khác, "
        "ngắn hơn, hoặc gõ không dấu."
    ),
    "events_header": "🗓 Sự kiện và hạn chót từ {start} đến {end}",
    "events_scope_followed": "(theo các mục đồng chí theo dõi)",
    "events_scope_all": "(từ mọi tin đã lưu, vì đồng chí chưa theo dõi mục nào)",
    "events_from_news": "<b>Từ các tin đã đăng</b>",
    "events_calendar": "<b>Lịch công đoàn</b>",
    "events_none": "Không có sự kiện hay hạn chót nào trong 30 ngày tới.",
    "event_deadline": "⏰ Hạn chót",
    "event_start": "Bắt đầu",
    "event_end": "Kết thúc",
    "event_effective": "Có hiệu lực",
    "event_event": "",
    "calendar_link": (
        "📅 <b>Lịch công đoàn của {scope}</b>\n"
        "Các hạn chót, sự kiện từ tin đồng chí theo dõi và lịch công đoàn "
        "(8/3, 1/5, Tháng Công nhân, 28/7, 20/10, Tết), có nhắc việc theo /nhacviec:\n"
        "{url}\n\n"
        "• Google Lịch (máy tính): Lịch khác → + → Từ URL → dán liên kết.\n"
        "• iPhone: Cài đặt → Lịch → Tài khoản → Thêm tài khoản → Khác → "
        "Thêm lịch đã đăng ký → dán liên kết.\n"
        "• Điện thoại Android: thêm trên Google Lịch ở máy tính, lịch sẽ tự hiện trên điện thoại.\n"
        "Liên kết này là riêng của {scope}, xin đồng chí không chia sẻ. "
        "Gõ <code>/lich moi</code> để đổi liên kết (liên kết cũ sẽ ngừng hoạt động)."
    ),
    "calendar_scope_private": "đồng chí",
    "calendar_scope_group": "nhóm",
    "calendar_renewed": "Đã đổi liên kết lịch. Liên kết cũ không còn dùng được.",
    "calendar_off": (
        "Xin lỗi, tính năng lịch chưa được bật cho bot này. "
        "Đồng chí vui lòng liên hệ quản trị viên của bot."
    ),
    "calendar_usage": "Gõ <code>/lich</code> để nhận liên kết lịch, <code>/lich moi</code> để đổi liên kết.",
    "add_to_calendar": "📅 Thêm vào lịch",
    "cal_name": "Lịch công đoàn – {chat}",
    "cal_name_private": "cá nhân",
    "cal_news": "Tin: {title}",
    "cal_source": "Nguồn: {source}",
    "cal_union_day": "Ngày trong lịch công đoàn",
    "cal_deadline": "Hạn chót",
    "cal_start": "Bắt đầu",
    "cal_end": "Kết thúc",
    "cal_effective": "Có hiệu lực",
    "cal_event": "",
    "digest_on": "Đã bật bản tin tổng hợp hằng ngày lúc <b>{time}</b>.",
    "digest_off": "Đã tắt bản tin tổng hợp hằng ngày. Tin mới sẽ được gửi ngay khi đăng.",
    "digest_status_on": "Bản tin tổng hợp hằng ngày đang bật, lúc <b>{time}</b>.",
    "digest_status_off": "Bản tin tổng hợp hằng ngày đang tắt.",
    "digest_usage": (
        "Để thay đổi: <code>/bantin 07:00</code> (giờ gửi bản tin) "
        "hoặc <code>/bantin off</code> (tắt)."
    ),
    "bad_time": (
        "Giờ «{value}» không hợp lệ. Vui lòng nhập theo dạng HH:MM (từ 00:00 đến 23:59), "
        "ví dụ: <code>{example}</code>"
    ),
    "remind_on": "Đồng chí sẽ được nhắc việc {days}.",
    "remind_off": "Đã tắt nhắc việc.",
    "remind_status_on": "Nhắc việc đang bật: {days}.",
    "remind_status_off": "Nhắc việc đang tắt.",
    "remind_usage": (
        "Để thay đổi: <code>/nhacviec 3,1,0</code> (số ngày trước hạn chót; "
        "0 là sáng ngày đến hạn) hoặc <code>/nhacviec off</code>."
    ),
    "bad_remind": (
        "Số ngày «{value}» không hợp lệ. Vui lòng nhập tối đa 5 số từ 0 đến 30, "
        "cách nhau bởi dấu phẩy, ví dụ: <code>/nhacviec 3,1,0</code> hoặc "
        "<code>/nhacviec off</code>."
    ),
    "quiet_on": (
        "Giờ yên lặng: từ <b>{start}</b> đến <b>{end}</b>. Tin đến trong khoảng này "
        "sẽ được gửi không chuông lúc {end}."
    ),
    "quiet_off": "Đã tắt giờ yên lặng.",
    "quiet_status_on": "Giờ yên lặng đang bật: từ <b>{start}</b> đến <b>{end}</b>.",
    "quiet_status_off": "Giờ yên lặng đang tắt.",
    "quiet_usage": (
        "Để thay đổi: <code>/gioyenlang 21:00-06:30</code> hoặc <code>/gioyenlang off</code>."
    ),
    "bad_quiet": (
        "Khoảng giờ «{value}» không hợp lệ. Vui lòng nhập giờ bắt đầu và kết thúc dạng "
        "HH:MM-HH:MM, ví dụ: <code>/gioyenlang 21:00-06:30</code> hoặc "
        "<code>/gioyenlang off</code>."
    ),
    "lang_set": "Đã chuyển ngôn ngữ sang tiếng Việt.",
    "lang_usage": (
        "Ngôn ngữ hiện tại: tiếng Việt. Để thay đổi: <code>/lang vi</code> (tiếng Việt) "
        "hoặc <code>/lang en</code> (English)."
    ),
    "bad_lang": (
        "Ngôn ngữ «{value}» không được hỗ trợ. Vui lòng chọn <code>/lang vi</code> "
        "(tiếng Việt) hoặc <code>/lang en</code> (English)."
    ),
    "help": (
        "<b>Hướng dẫn sử dụng</b>\n"
        "/start — bắt đầu, chọn đơn vị và chủ đề theo dõi\n"
        "/dangky &lt;đơn vị | chủ đề | từ khóa&gt; — đăng ký theo dõi, ví dụ: "
        "<code>/dangky LĐLĐ tỉnh Nghệ An</code>, <code>/dangky đại hội -chi bộ</code>\n"
        "/huydangky — hủy theo dõi\n"
        "/dasdangky — các mục đang theo dõi\n"
        "/tinmoi [số tin] [đơn vị, chủ đề, từ khóa] — tin mới nhất, ví dụ: "
        "<code>/tinmoi 10 phát triển đoàn viên</code>\n"
        "/timkiem &lt;từ khóa&gt; — tìm trong các tin đã lưu\n"
        "/sukien — sự kiện, hạn chót trong 30 ngày tới\n"
        "/lich — đưa các hạn chót vào lịch điện thoại\n"
        "/bantin HH:MM | off — bản tin tổng hợp hằng ngày\n"
        "/nhacviec 3,1,0 | off — nhắc việc trước hạn chót\n"
        "/gioyenlang 21:00-06:30 | off — giờ yên lặng\n"
        "/lang vi | en — ngôn ngữ\n"
        "/stop — dừng nhận tin, xóa mọi đăng ký\n\n"
        "Từ khóa gõ có dấu hay không dấu đều được; thêm dấu «-» trước từ cần loại trừ. "
        "Trong nhóm, chỉ quản trị viên nhóm mới thay đổi được đăng ký."
    ),
    "stop_confirm": ("Đồng chí có chắc muốn dừng nhận tin? Mọi đăng ký và cài đặt sẽ bị xóa."),
    "btn_stop_yes": "Đồng ý, dừng nhận tin",
    "btn_stop_no": "Không, giữ lại",
    "stop_done": (
        "Đã xóa mọi đăng ký và cài đặt. Bot sẽ không gửi tin nữa. "
        "Khi cần, gõ /start để bắt đầu lại."
    ),
    "stop_cancel": "Đã giữ nguyên các đăng ký.",
    "stop_nothing": "Chưa có đăng ký hay cài đặt nào để xóa.",
    "not_operator": "Xin lỗi, lệnh này chỉ dành cho người quản trị hệ thống.",
    "console_link": (
        "🔐 <b>Trang quản trị</b>\n"
        "Đồng chí mở liên kết sau để đăng nhập (dùng được một lần, trong {minutes} phút):\n"
        "{url}\n\n"
        "Xin đồng chí không chuyển tiếp liên kết này. Phiên đăng nhập kéo dài {hours} giờ; "
        "khi hết hạn, gõ /quantri để nhận liên kết mới."
    ),
    "console_off": (
        "Xin lỗi, trang quản trị chưa được bật: cần khai báo <code>[web] listen</code> và "
        "<code>public_url</code> trong bot_config.toml."
    ),
    "console_private_only": (
        "Xin lỗi, vì lý do bảo mật, liên kết đăng nhập chỉ được gửi trong tin nhắn riêng. "
        "Đồng chí vui lòng nhắn /quantri trực tiếp cho bot."
    ),
    "not_admin": "Xin lỗi, chỉ quản trị viên nhóm mới có thể thay đổi đăng ký của nhóm.",
    "unknown_command": "Lệnh không hợp lệ. Gõ /help để xem hướng dẫn.",
    "plain_text": (
        "Đồng chí muốn tìm tin về «{q}»? Gõ <code>/timkiem {q}</code> hoặc <code>/dangky {q}</code>"
    ),
    "btn_search": "🔎 Tìm tin",
    "btn_subscribe": "➕ Đăng ký theo dõi",
    "error_generic": "Đã có lỗi xảy ra, vui lòng thử lại sau.",
    "button_expired": "Nút này đã hết hạn. Vui lòng gõ lại lệnh.",
    "group_added": (
        "Kính chào các đồng chí! Bot sẽ gửi vào nhóm tin mới của các đơn vị, chủ đề "
        "nhóm theo dõi.\nQuản trị viên nhóm gõ /dangky &lt;đơn vị, chủ đề hoặc từ khóa&gt; "
        "để đăng ký cho nhóm; mọi thành viên đều dùng được /tinmoi, /timkiem, /sukien."
    ),
    "stats": (
        "<b>Thống kê</b>\n"
        "Cuộc trò chuyện: {active} đang hoạt động, {inactive} ngừng\n"
        "Đăng ký: {units} đơn vị, {topics} chủ đề, {keywords} từ khóa\n"
        "Tin đã lưu: {stories}\n"
        "Hàng đợi gửi: {pending} chờ gửi, {sending} đang gửi, {sent} đã gửi, {dead} lỗi\n"
        "Tin đã đẩy hôm nay: {pushes}"
    ),
    "sources_header": "<b>Nguồn tin</b> ({n})",
    "sources_none": "Chưa có nguồn tin nào.",
    "source_ok": "✅ <b>{name}</b> — lần thành công gần nhất: {when}",
    "source_bad": (
        "❌ <b>{name}</b> — lần thành công gần nhất: {when}; lỗi {failures} lần liên tiếp: {error}"
    ),
    "never": "chưa có",
    "historical": " (trước 01/07/2025)",
    "story_more_links": "Cũng đăng trên: {sites}",
    "part_continued": "(tiếp theo)",
    # Channels without buttons: choices are numbers the user types (Zalo, the console).
    "start_pick.typed": (
        "Vui lòng chọn đơn vị và chủ đề cần theo dõi bên dưới (gõ lại số đó để bỏ chọn), "
        "hoặc gõ /dangky &lt;tên đơn vị, chủ đề hay từ khóa&gt;. Gõ /huongdan để xem hướng dẫn."
    ),
    "mysubs_hint.typed": "Gõ số thứ tự bên dưới để hủy theo dõi một mục.",
    "button_expired.typed": "Lựa chọn này đã hết hạn. Vui lòng gõ lại lệnh.",
    # Channels whose API does not say who administers a group (Zalo).
    "not_admin.no_roles": (
        "Xin lỗi, Zalo không cho bot biết ai là quản trị viên nhóm, nên chỉ người vận hành "
        "bot (được khai báo trong cấu hình) mới có thể thay đổi đăng ký của nhóm."
    ),
    "choose_1": "Gõ {n} để chọn.",
    "choose_2": "Gõ 1 hoặc 2 để chọn.",
    "choose_few": "Gõ {first} hoặc {last} để chọn.",
    "choose_many": "Gõ một số từ 1 đến {n} để chọn.",
    "choose_number": "Gõ số để chọn.",
    "choice_expired": "Các lựa chọn trước đã hết hạn. Vui lòng gõ lại lệnh.",
    "choice_range": "Vui lòng gõ một số từ 1 đến {n}.",
    "not_text": (
        "Xin lỗi, bot chỉ đọc được tin nhắn dạng chữ. Vui lòng gõ lệnh, "
        "ví dụ «tin mới», «đăng ký phát triển đoàn viên» hoặc «hướng dẫn»."
    ),
    "typed_help_hint": "Gõ «hướng dẫn» để xem các lệnh.",
    # What the delivery sends: pushes, digests, reminders (bot.delivery.render).
    "push_also": "Cũng đăng trên",
    "push_attached": "Văn bản đính kèm",
    "push_pages": "{n} trang",
    "push_pages_one": "{n} trang",
    "event_kind_deadline": "Hạn cuối",
    "event_kind_event": "Diễn ra",
    "event_kind_start": "Bắt đầu",
    "event_kind_end": "Kết thúc",
    "event_kind_effective": "Có hiệu lực từ",
    "digest_title": "Bản tin công đoàn ngày {day}",
    "digest_count": "{n} tin mới theo nội dung đồng chí đăng ký.",
    "digest_count_one": "{n} tin mới theo nội dung đồng chí đăng ký.",
    "digest_other": "Tin khác",
    "remind_today": "Nhắc việc: hôm nay",
    "remind_days_left": "Nhắc việc: còn {n} ngày",
    "remind_days_left_one": "Nhắc việc: còn {n} ngày",
    "remind_at": "lúc",
    "remind_source": "Nguồn",
    "cap_notice": (
        "ℹ️ Đồng chí đã nhận đủ {count} tin hôm nay; các tin tiếp theo sẽ có "
        "trong bản tin tổng hợp lúc {time}."
    ),
    # Told to the operators (bot.channels.zalo.transport).
    "zalo_paused": (
        "⚠️ Kênh Zalo tạm dừng gửi tin đến {until}: {reason}. "
        "Tin nhắn vẫn được giữ trong hàng đợi và sẽ được gửi sau."
    ),
    "zalo_quota_level": "⚠️ Kênh Zalo đã dùng {used}/{quota} tin nhắn của tháng này (mức {pct}%).",
    "zalo_quota_spent": "đã dùng hết {quota} tin nhắn của tháng",
    # Told to the operators when a source breaks and when it is back (bot.runtime.alerts).
    "alert_down": (
        "⚠️ <b>Nguồn tin không hoạt động: {name}</b>\n"
        "Bot đã {n} lần liên tiếp không lấy được tin từ {url}\n"
        "Lỗi: {error}\n"
        "Lần cuối lấy được tin: {last_ok}\n"
        "Đồng chí vui lòng: {hint}\n"
        "Kiểm tra nhanh: <code>congdoan-bot sources check {url}</code>\n"
        "Bot vẫn tiếp tục thử lại và sẽ báo khi nguồn hoạt động trở lại."
    ),
    "alert_back": (
        "✅ <b>Nguồn tin {name} đã hoạt động trở lại.</b>\n"
        "Bot đã lấy được tin từ {url} (lỗi trước đó: {error}; báo lỗi lúc {since})."
    ),
    "alert_never": "chưa lần nào",
    "alert_hint_timeout": (
        "mở địa chỉ trên bằng trình duyệt; nếu trang chỉ chậm, có thể tăng "
        "<code>timeout</code> trong mục [fetch] của bot_config.toml."
    ),
    "alert_hint_not_found": (
        "trang có thể đã đổi địa chỉ; tìm địa chỉ mới của chuyên mục và sửa "
        "<code>url</code> của nguồn trong bot_config.toml."
    ),
    "alert_hint_server": (
        "máy chủ của trang đang gặp sự cố và thường tự khắc phục; nếu kéo dài, "
        "liên hệ đơn vị quản trị trang."
    ),
    "alert_hint_blocked": (
        "trang đang chặn bot hoặc trả về trang kiểm tra thay cho bản tin; thử "
        '<code>kind = "html"</code> với bộ chọn [sources.listing], hoặc đề nghị đơn vị '
        "quản trị trang cho phép bot truy cập."
    ),
    "alert_hint_dns": (
        "kiểm tra tên miền của trang còn hoạt động và mạng, DNS của máy chủ chạy bot."
    ),
    "alert_hint_tls": (
        "chứng chỉ bảo mật (HTTPS) của trang không hợp lệ; báo đơn vị quản trị trang gia hạn "
        "hoặc sửa chứng chỉ."
    ),
    "alert_hint_connection": (
        "kiểm tra máy chủ chạy bot có mở được trang không (mạng, tường lửa)."
    ),
    "alert_hint_other": (
        "trang tải được nhưng không đọc được tin, có thể do trang đổi giao diện; chạy lệnh "
        "kiểm tra dưới đây và cập nhật bộ chọn [sources.listing] nếu cần."
    ),
    # The demo's console (bot.channels.console).
    "console_push": "🔔 Tin gửi đến đồng chí",
    "console_push_silent": "🔔 Tin gửi đến đồng chí (im lặng)",
}

_EN: dict[str, str] = {
    "greeting": "Welcome, <b>{name}</b>!",
    "greeting_group": "Hello, members of <b>{name}</b>!",
    "intro": (
        "📰 The bot sends news of the union units and topics you follow as soon as it is out.\n"
        "🗓 A daily digest (/digest) and a calendar of events and deadlines (/events).\n"
        "⏰ Reminders before every deadline (/remind)."
    ),
    "start_pick": (
        "Pick the units and topics to follow below (press again to unselect), "
        "or type /subscribe &lt;unit, topic or keywords&gt;. Type /help for help."
    ),
    "start_pick_group_member": (
        "Group admins can pick what the group follows below, "
        "or type /subscribe &lt;unit, topic or keywords&gt;."
    ),
    "menu_units": "Units:",
    "menu_topics": "Topics (page {page}/{pages}):",
    "btn_other_unit": "🏢 Another unit",
    "btn_prev": "◀ Previous",
    "btn_next": "Next ▶",
    "other_unit_hint": (
        "Please type /subscribe &lt;unit name&gt;, e.g. "
        "<code>/subscribe LĐLĐ huyện Diễn Châu</code>."
    ),
    "deeplink_bad": "Sorry, this link is not valid or is out of date.",
    "sub_added_unit": "✅ You now follow <b>{label}</b>, including its member unions.",
    "sub_added_unit_only": "✅ You now follow <b>{label}</b> only (not its member unions).",
    "sub_added_topic": "✅ You now follow the topic <b>{label}</b>.",
    "sub_added_keyword": "✅ You now follow news with the keywords <b>{label}</b>.",
    "sub_keyword_rules": ("A story must contain every keyword; accents are optional{exclude}."),
    "sub_keyword_exclude": "; stories with these are skipped: {words}",
    "sub_exists": "You already follow <b>{label}</b>.",
    "sub_removed_toggle": "You no longer follow <b>{label}</b>.",
    "sub_limit": (
        "Sorry, a chat can follow at most {max} items. Please remove some with /unsubscribe."
    ),
    "sub_children_on": "You now follow <b>{label}</b> and its member unions.",
    "sub_children_off": "You now follow <b>{label}</b> only.",
    "btn_children_off": "This unit only",
    "btn_children_on": "Include member unions",
    "btn_keyword_instead": "🔎 Follow the keywords «{q}»",
    "sub_ambiguous": "Did you mean:",
    "sub_not_found": "No unit or topic found for «{q}».",
    "sub_closest": "Closest matches:",
    "btn_subscribe_keyword": "Follow the keywords «{q}»",
    "sub_usage": (
        "Please say which unit, topic or keywords to follow. Examples:\n"
        "<code>/subscribe LĐLĐ tỉnh Nghệ An</code>\n"
        "<code>/subscribe member recruitment</code>\n"
        "<code>/subscribe đại hội -chi bộ</code> (keywords; «-» excludes a word)"
    ),
    "too_long": (
        "Sorry, that is too long ({n} characters, at most {max}). "
        "Please keep it short, e.g. <code>{example}</code>"
    ),
    "kw_too_many": (
        "Sorry, a keyword subscription has at most {max} keywords. "
        "Example: <code>/subscribe đại hội -chi bộ</code>"
    ),
    "kw_too_long": (
        "Sorry, keywords are at most {max} characters. "
        "Example: <code>/subscribe đại hội -chi bộ</code>"
    ),
    "kw_empty": (
        "Sorry, «{q}» has no keyword to follow. Please use letters or digits, "
        "e.g. <code>/subscribe đại hội -chi bộ</code>"
    ),
    "kw_only_exclude": (
        "Please give at least one keyword to follow, not only excluded ones. "
        "Example: <code>/subscribe đại hội -chi bộ</code>"
    ),
    "mysubs_header": "You follow {n} items:",
    "mysubs_header_one": "You follow {n} item:",
    "mysubs_header_group": "This group follows {n} items:",
    "mysubs_header_group_one": "This group follows {n} item:",
    "mysubs_hint": "Press ❌ to stop following an item.",
    "mysubs_empty": (
        "You follow nothing yet. Type /start to pick, or /subscribe &lt;unit, topic, keywords&gt;."
    ),
    "kind_unit": "Unit",
    "kind_topic": "Topic",
    "kind_keyword": "Keywords",
    "with_children": "with member unions",
    "without_children": "without member unions",
    "except_words": "except: {words}",
    "unsub_done": "You no longer follow <b>{label}</b>.",
    "unsub_not_found": "«{q}» is not in your list. Type /mysubs to see it.",
    "unsub_gone": "This item was already removed.",
    "latest_header": "📰 The {n} latest stories:",
    "latest_header_filter": "📰 Latest news about <b>{label}</b>:",
    "latest_empty": "No news is stored yet. Please try again later.",
    "latest_none_filter": "No news about «{q}» yet.",
    "latest_bad_n": "The number of stories must be from 1 to {max}. Example: <code>/latest 10</code>",
    "search_usage": (
        "Please type what to search for. Example: <code>/search phát triển đoàn viên</code>"
    ),
    "search_header": "🔎 {n} stories with «{q}» (newest first):",
    "search_header_one": "🔎 {n} story with «{q}»:",
    "search_none": ("No stories with «{q}». Try other or fewer words, or type without accents."),
    "events_header": "🗓 Events and deadlines from {start} to {end}",
    "events_scope_followed": "(from what you follow)",
    "events_scope_all": "(from all stored news, as you follow nothing yet)",
    "events_from_news": "<b>From the news</b>",
    "events_calendar": "<b>Union calendar</b>",
    "events_none": "No events or deadlines in the next 30 days.",
    "event_deadline": "⏰ Deadline",
    "event_start": "Starts",
    "event_end": "Ends",
    "event_effective": "In force",
    "event_event": "",
    "calendar_link": (
        "📅 <b>Union calendar for {scope}</b>\n"
        "Deadlines and events from the news you follow and the union calendar "
        "(8/3, 1/5, Workers' Month, 28/7, 20/10, Tết), with /remind alarms:\n"
        "{url}\n\n"
        "• Google Calendar (computer): Other calendars → + → From URL → paste the link.\n"
        "• iPhone: Settings → Calendar → Accounts → Add Account → Other → "
        "Add Subscribed Calendar → paste the link.\n"
        "• Android phones: add it in Google Calendar on a computer; it then shows on the phone.\n"
        "This link is private to {scope}: please do not share it. "
        "Send <code>/calendar new</code> to replace it (the old link stops working)."
    ),
    "calendar_scope_private": "you",
    "calendar_scope_group": "this group",
    "calendar_renewed": "Calendar link replaced. The old link no longer works.",
    "calendar_off": "Sorry, the calendar is not enabled for this bot. Please ask the bot's operator.",
    "calendar_usage": "Send <code>/calendar</code> for the link, <code>/calendar new</code> to replace it.",
    "add_to_calendar": "📅 Add to calendar",
    "cal_name": "Union calendar – {chat}",
    "cal_name_private": "personal",
    "cal_news": "News: {title}",
    "cal_source": "Source: {source}",
    "cal_union_day": "A day of the union calendar",
    "cal_deadline": "Deadline",
    "cal_start": "Starts",
    "cal_end": "Ends",
    "cal_effective": "In force",
    "cal_event": "",
    "digest_on": "Daily digest on, at <b>{time}</b>.",
    "digest_off": "Daily digest off. News will be sent as soon as it is out.",
    "digest_status_on": "The daily digest is on, at <b>{time}</b>.",
    "digest_status_off": "The daily digest is off.",
    "digest_usage": (
        "To change it: <code>/digest 07:00</code> (time of the digest) or <code>/digest off</code>."
    ),
    "bad_time": (
        "«{value}» is not a valid time. Please use HH:MM (00:00 to 23:59), "
        "e.g. <code>{example}</code>"
    ),
    "remind_on": "You will be reminded {days}.",
    "remind_off": "Reminders off.",
    "remind_status_on": "Reminders are on: {days}.",
    "remind_status_off": "Reminders are off.",
    "remind_usage": (
        "To change them: <code>/remind 3,1,0</code> (days before a deadline; 0 is the "
        "morning of the day) or <code>/remind off</code>."
    ),
    "bad_remind": (
        "«{value}» is not valid. Please give up to 5 numbers from 0 to 30, separated by "
        "commas, e.g. <code>/remind 3,1,0</code> or <code>/remind off</code>."
    ),
    "quiet_on": (
        "Quiet hours: from <b>{start}</b> to <b>{end}</b>. News arriving then is sent "
        "silently at {end}."
    ),
    "quiet_off": "Quiet hours off.",
    "quiet_status_on": "Quiet hours are on: from <b>{start}</b> to <b>{end}</b>.",
    "quiet_status_off": "Quiet hours are off.",
    "quiet_usage": "To change them: <code>/quiet 21:00-06:30</code> or <code>/quiet off</code>.",
    "bad_quiet": (
        "«{value}» is not a valid range. Please give start and end as HH:MM-HH:MM, "
        "e.g. <code>/quiet 21:00-06:30</code> or <code>/quiet off</code>."
    ),
    "lang_set": "Language set to English.",
    "lang_usage": (
        "Current language: English. To change it: <code>/lang vi</code> (Vietnamese) "
        "or <code>/lang en</code> (English)."
    ),
    "bad_lang": (
        "«{value}» is not supported. Please choose <code>/lang vi</code> (Vietnamese) or "
        "<code>/lang en</code> (English)."
    ),
    "help": (
        "<b>How to use the bot</b>\n"
        "/start — start and pick units and topics to follow\n"
        "/subscribe &lt;unit | topic | keywords&gt; — follow, e.g. "
        "<code>/subscribe LĐLĐ tỉnh Nghệ An</code>, <code>/subscribe đại hội -chi bộ</code>\n"
        "/unsubscribe — stop following\n"
        "/mysubs — what this chat follows\n"
        "/latest [number] [unit, topic, keywords] — latest news, e.g. "
        "<code>/latest 10 member recruitment</code>\n"
        "/search &lt;keywords&gt; — search stored news\n"
        "/events — events and deadlines in the next 30 days\n"
        "/calendar — deadlines in your phone's calendar\n"
        "/digest HH:MM | off — daily digest\n"
        "/remind 3,1,0 | off — deadline reminders\n"
        "/quiet 21:00-06:30 | off — quiet hours\n"
        "/lang vi | en — language\n"
        "/stop — stop and forget this chat\n\n"
        "Keywords match with or without accents; put «-» before a word to exclude it. "
        "In groups, only group admins can change what the group follows."
    ),
    "stop_confirm": "Stop receiving news? All subscriptions and settings will be deleted.",
    "btn_stop_yes": "Yes, stop",
    "btn_stop_no": "No, keep them",
    "stop_done": (
        "All subscriptions and settings were deleted; the bot will send nothing more. "
        "Type /start to begin again."
    ),
    "stop_cancel": "Your subscriptions are kept.",
    "stop_nothing": "There are no subscriptions or settings to delete.",
    "not_operator": "Sorry, this command is for the bot's operators only.",
    "console_link": (
        "🔐 <b>Operator console</b>\n"
        "Open this link to log in (it works once, within {minutes} minutes):\n"
        "{url}\n\n"
        "Please do not forward it. The session lasts {hours} hours; when it ends, "
        "send /console for a new link."
    ),
    "console_off": (
        "Sorry, the operator console is not enabled: it needs <code>[web] listen</code> and "
        "<code>public_url</code> in bot_config.toml."
    ),
    "console_private_only": (
        "Sorry, for security the login link is only sent in a private chat. "
        "Please send /console to the bot directly."
    ),
    "not_admin": "Sorry, only group admins can change what the group follows.",
    "unknown_command": "Unknown command. Type /help for help.",
    "plain_text": (
        "Looking for news about «{q}»? Type <code>/search {q}</code> or <code>/subscribe {q}</code>"
    ),
    "btn_search": "🔎 Search",
    "btn_subscribe": "➕ Follow",
    "error_generic": "Something went wrong, please try again later.",
    "button_expired": "This button has expired. Please type the command again.",
    "group_added": (
        "Hello! The bot will post news of the units and topics this group follows.\n"
        "Group admins type /subscribe &lt;unit, topic or keywords&gt; to follow them; "
        "every member can use /latest, /search, /events."
    ),
    "stats": (
        "<b>Statistics</b>\n"
        "Chats: {active} active, {inactive} inactive\n"
        "Subscriptions: {units} units, {topics} topics, {keywords} keywords\n"
        "Stories stored: {stories}\n"
        "Outbox: {pending} pending, {sending} sending, {sent} sent, {dead} dead\n"
        "Pushes today: {pushes}"
    ),
    "sources_header": "<b>Sources</b> ({n})",
    "sources_none": "No sources yet.",
    "source_ok": "✅ <b>{name}</b> — last success: {when}",
    "source_bad": "❌ <b>{name}</b> — last success: {when}; failed {failures} times in a row: {error}",
    "never": "never",
    "historical": " (before 01/07/2025)",
    "story_more_links": "Also on: {sites}",
    "part_continued": "(continued)",
    "start_pick.typed": (
        "Pick the units and topics to follow below (type the number again to unselect), "
        "or type /subscribe &lt;unit, topic or keywords&gt;. Type /help for help."
    ),
    "mysubs_hint.typed": "Type an item's number below to stop following it.",
    "button_expired.typed": "This choice has expired. Please type the command again.",
    "not_admin.no_roles": (
        "Sorry, Zalo does not tell the bot who the group admins are, so only the bot's "
        "operators (listed in its configuration) can change what the group follows."
    ),
    "choose_1": "Type {n} to choose.",
    "choose_2": "Type 1 or 2 to choose.",
    "choose_few": "Type {first} or {last} to choose.",
    "choose_many": "Type a number from 1 to {n} to choose.",
    "choose_number": "Type a number to choose.",
    "choice_expired": "The earlier choices have expired. Please type the command again.",
    "choice_range": "Please type a number from 1 to {n}.",
    "not_text": (
        "Sorry, the bot only reads text messages. Please type a command, "
        "for example “latest”, “subscribe union membership” or “help”."
    ),
    "typed_help_hint": "Type “help” to see the commands.",
    "push_also": "Also published by",
    "push_attached": "Attached document",
    "push_pages": "{n} pages",
    "push_pages_one": "{n} page",
    "event_kind_deadline": "Deadline",
    "event_kind_event": "Takes place",
    "event_kind_start": "Starts",
    "event_kind_end": "Ends",
    "event_kind_effective": "Takes effect",
    "digest_title": "Union news digest, {day}",
    "digest_count": "{n} new stories matching your subscriptions.",
    "digest_count_one": "{n} new story matching your subscriptions.",
    "digest_other": "Other news",
    "remind_today": "Reminder: today",
    "remind_days_left": "Reminder: {n} days left",
    "remind_days_left_one": "Reminder: {n} day left",
    "remind_at": "at",
    "remind_source": "Source",
    "cap_notice": (
        "ℹ️ You have received {count} stories today; further stories will be in "
        "the digest at {time}."
    ),
    "zalo_paused": (
        "⚠️ Zalo sending is paused until {until}: {reason}. "
        "Messages stay in the queue and will be sent later."
    ),
    "zalo_quota_level": "⚠️ Zalo has used {used}/{quota} of this month's messages ({pct}%).",
    "zalo_quota_spent": "all {quota} messages of the month are used",
    "alert_down": (
        "⚠️ <b>Source down: {name}</b>\n"
        "{n} polls in a row failed for {url}\n"
        "Error: {error}\n"
        "Last success: {last_ok}\n"
        "What to try: {hint}\n"
        "Quick check: <code>congdoan-bot sources check {url}</code>\n"
        "The bot keeps retrying and will tell you when the source is back."
    ),
    "alert_back": (
        "✅ <b>Source {name} is working again.</b>\n"
        "The bot fetched {url} again (earlier error: {error}; reported at {since})."
    ),
    "alert_never": "never",
    "alert_hint_timeout": (
        "open the address in a browser; if the site is only slow, raise "
        "<code>timeout</code> in the [fetch] section of bot_config.toml."
    ),
    "alert_hint_not_found": (
        "the site may have moved the page; find the section's new address and correct "
        "the source's <code>url</code> in bot_config.toml."
    ),
    "alert_hint_server": (
        "the site's server is failing and usually recovers by itself; if it lasts, "
        "contact the site's administrators."
    ),
    "alert_hint_blocked": (
        "the site blocks the bot or answers with a check page instead of the news; try "
        '<code>kind = "html"</code> with [sources.listing] selectors, or ask the '
        "site's administrators to let the bot in."
    ),
    "alert_hint_dns": (
        "check that the site's domain still exists, and the network and DNS of the bot's server."
    ),
    "alert_hint_tls": (
        "the site's HTTPS certificate is not valid; ask the site's administrators to "
        "renew or fix it."
    ),
    "alert_hint_connection": (
        "check that the bot's server can reach the site (network, firewall)."
    ),
    "alert_hint_other": (
        "the site answers but its news cannot be read, perhaps a new layout; run the "
        "check below and update the [sources.listing] selectors if needed."
    ),
    "console_push": "🔔 A message for you",
    "console_push_silent": "🔔 A message for you (silent)",
}

STRINGS: dict[str, dict[str, str]] = {"vi": _VI, "en": _EN}
