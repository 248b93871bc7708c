"""Chat settings: /digest, /remind, /quiet, /lang, and /stop to forget the chat.

Without an argument each setting shows its current value and how to change it;
only admins change it (any member of a private chat, a group's admins).
"""

from __future__ import annotations

import re
from datetime import time

from bot.commands.context import Core, Request
from bot.commands.inbound import Button, Reply
from bot.commands.replies import reply
from bot.i18n import command_name, fmt_remind_days, fmt_time, t
from storage import chats as store

_OFF = frozenset({"off", "tat", "tắt", "khong", "không", "huy", "hủy", "no", "none"})
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class Settings:
    """Delivery settings of a chat, and forgetting it."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def digest(self, ctx: Request) -> list[Reply]:
        """/digest [HH:MM|off]: the daily digest's time."""
        lang = ctx.lang
        if not ctx.args:
            with self.core.db.read() as session:
                chat = self.core.find_chat(session, ctx)
                at = chat.digest_time if chat else None
            status = (
                t(lang, "digest_status_on", time=fmt_time(at))
                if at
                else t(lang, "digest_status_off")
            )
            return [reply(f"{status}\n{t(lang, 'digest_usage')}")]
        if not ctx.admin:
            return [reply(ctx.t("not_admin"))]
        value = ctx.args.strip()
        if value.casefold() in _OFF:
            at = None
        else:
            at = parse_clock(value)
            if at is None:
                example = f"/{command_name(lang, 'digest')} 07:00"
                return [reply(t(lang, "bad_time", value=value, example=example))]
        with self.core.db.write() as session:
            store.set_digest(session, self.core.chat(session, ctx), at)
        text = t(lang, "digest_on", time=fmt_time(at)) if at else t(lang, "digest_off")
        return [reply(text)]

    def remind(self, ctx: Request) -> list[Reply]:
        """/remind [3,1,0|off]: days before a deadline to remind."""
        lang = ctx.lang
        if not ctx.args:
            with self.core.db.read() as session:
                chat = self.core.find_chat(session, ctx)
                days = (
                    store.remind_days(chat) if chat else list(self.core.config.delivery.remind_days)
                )
            status = (
                t(lang, "remind_status_on", days=fmt_remind_days(days, lang))
                if days
                else t(lang, "remind_status_off")
            )
            return [reply(f"{status}\n{t(lang, 'remind_usage')}")]
        if not ctx.admin:
            return [reply(ctx.t("not_admin"))]
        value = ctx.args.strip()
        days = [] if value.casefold() in _OFF else parse_days(value)
        if days is None:
            return [reply(t(lang, "bad_remind", value=value))]
        with self.core.db.write() as session:
            chat = self.core.chat(session, ctx)
            store.set_remind_days(session, chat, days)
            days = store.remind_days(chat)
        text = t(lang, "remind_on", days=fmt_remind_days(days, lang)) if days else None
        return [reply(text or t(lang, "remind_off"))]

    def quiet(self, ctx: Request) -> list[Reply]:
        """/quiet [HH:MM-HH:MM|off]: hours without pushes."""
        lang = ctx.lang
        if not ctx.args:
            with self.core.db.read() as session:
                chat = self.core.find_chat(session, ctx)
                span = (chat.quiet_start, chat.quiet_end) if chat else (None, None)
            status = (
                t(lang, "quiet_status_on", start=fmt_time(span[0]), end=fmt_time(span[1]))
                if span[0] and span[1]
                else t(lang, "quiet_status_off")
            )
            return [reply(f"{status}\n{t(lang, 'quiet_usage')}")]
        if not ctx.admin:
            return [reply(ctx.t("not_admin"))]
        value = ctx.args.strip()
        if value.casefold() in _OFF:
            with self.core.db.write() as session:
                store.set_quiet(session, self.core.chat(session, ctx), None, None)
            return [reply(t(lang, "quiet_off"))]
        parts = re.split(r"\s*[-–—]\s*|\s+(?:đến|den|to)\s+|\s+", value)
        times = [parse_clock(p) for p in parts if p]
        if len(times) != 2 or None in times or times[0] == times[1]:
            return [reply(t(lang, "bad_quiet", value=value))]
        start, end = times[0], times[1]
        assert start is not None and end is not None
        with self.core.db.write() as session:
            store.set_quiet(session, self.core.chat(session, ctx), start, end)
        return [reply(t(lang, "quiet_on", start=fmt_time(start), end=fmt_time(end)))]

    def lang(self, ctx: Request) -> list[Reply]:
        """/lang vi|en."""
        value = ctx.args.strip().casefold()
        if not value:
            return [reply(t(ctx.lang, "lang_usage"))]
        wanted = {"vi": "vi", "vn": "vi", "tiếng việt": "vi", "tieng viet": "vi"}.get(value)
        wanted = wanted or {"en": "en", "english": "en", "tiếng anh": "en"}.get(value)
        if wanted is None:
            return [reply(t(ctx.lang, "bad_lang", value=ctx.args))]
        if not ctx.admin:
            return [reply(ctx.t("not_admin"))]
        with self.core.db.write() as session:
            store.set_language(session, self.core.chat(session, ctx), wanted)
        return [reply(t(wanted, "lang_set"))]

    def stop(self, ctx: Request) -> list[Reply]:
        """/stop: ask before forgetting the chat."""
        if not ctx.admin:
            return [reply(ctx.t("not_admin"))]
        buttons = [
            [
                Button(t(ctx.lang, "btn_stop_yes"), data="stop:y"),
                Button(t(ctx.lang, "btn_stop_no"), data="stop:n"),
            ]
        ]
        return [reply(t(ctx.lang, "stop_confirm"), buttons)]

    def on_stop(self, ctx: Request, rest: str) -> list[Reply]:
        """Button ``stop:y|n``: forget the chat and its subscriptions, or not."""
        edit = ctx.msg.message_id
        if rest != "y":
            return [reply(t(ctx.lang, "stop_cancel"), edit=edit)]
        with self.core.db.write() as session:
            chat = self.core.find_chat(session, ctx)
            if chat is None:
                return [reply(t(ctx.lang, "stop_nothing"), edit=edit)]
            store.forget_chat(session, chat)
        return [reply(t(ctx.lang, "stop_done"), edit=edit)]


def parse_clock(text: str) -> time | None:
    """ "07:00" or "7:00" -> time; "25:00", "7h", "07:5" -> None."""
    match = _CLOCK.match(text.strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


def parse_days(text: str) -> list[int] | None:
    """ "3,1,0" / "3 1 0" -> [3, 1, 0]; anything out of 0..30 or over 5 values -> None."""
    parts = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
    if not parts or len(parts) > 5 or not all(p.isdigit() for p in parts):
        return None
    days = [int(p) for p in parts]
    return days if all(0 <= d <= 30 for d in days) else None
