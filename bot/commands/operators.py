"""Operator commands in chat: /stats and /sources (the operators listed in the config)."""

from __future__ import annotations

from datetime import datetime, time

from bot.commands.context import Core, Request
from bot.commands.inbound import Reply
from bot.commands.replies import block, pack, reply, shorten
from bot.i18n import fmt_datetime, t
from storage import chats as store
from storage.queries import source_health


class Operators:
    """What the bot's operators check from a chat: counts and the sources' health."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def stats(self, ctx: Request) -> list[Reply]:
        """/stats: chats, subscriptions, stories, the outbox and today's pushes."""
        local = ctx.now.astimezone(self.core.tz)
        midnight = datetime.combine(local.date(), time(0), tzinfo=self.core.tz)
        with self.core.db.read() as session:
            s = store.chat_stats(session, midnight)
        text = t(
            ctx.lang,
            "stats",
            active=s.chats_active,
            inactive=s.chats_inactive,
            units=s.subscriptions["unit"],
            topics=s.subscriptions["topic"],
            keywords=s.subscriptions["keyword"],
            stories=s.stories,
            pending=s.outbox["pending"],
            sending=s.outbox["sending"],
            sent=s.outbox["sent"],
            dead=s.outbox["dead"],
            pushes=s.pushes_today,
        )
        return [reply(text)]

    def sources(self, ctx: Request) -> list[Reply]:
        """/sources: each source's last success, and its errors when failing."""
        lang = ctx.lang
        health = source_health(self.core.db)
        if not health:
            return [reply(t(lang, "sources_none"))]
        blocks = []
        for src in health:
            when = (
                fmt_datetime(src.last_success_at, self.core.tz)
                if src.last_success_at
                else t(lang, "never")
            )
            if src.healthy:
                blocks.append(block(t(lang, "source_ok", name=src.name, when=when)))
            else:
                error = shorten(src.last_error or "", 200)
                blocks.append(
                    block(
                        t(
                            lang,
                            "source_bad",
                            name=src.name,
                            when=when,
                            failures=src.consecutive_failures,
                            error=error,
                        )
                    )
                )
        header = t(lang, "sources_header", n=len(health))
        return pack(header, blocks, separator="\n", caps=ctx.msg.caps)
