"""/start and its menu of units and topics to toggle, /help, the deep links."""

from __future__ import annotations

from collections.abc import Sequence

from bot.commands.callback_data import number
from bot.commands.context import Core, Request
from bot.commands.inbound import Button, Reply
from bot.commands.replies import reply
from bot.commands.subscribe_resolver import Candidate
from bot.commands.subscriptions import Subscriptions
from bot.i18n import t
from feeds.understand.units import NATIONAL_ID, province_for_url, taxonomy
from storage import chats as store
from storage.db import Session
from storage.models import Chat

TOPICS_PER_PAGE = 8


class Menus:
    """The /start greeting and menu: featured units, then topics a page at a time."""

    def __init__(self, core: Core, subscriptions: Subscriptions) -> None:
        self.core = core
        self.subscriptions = subscriptions
        self._featured = self._featured_units()

    def start(self, ctx: Request) -> list[Reply]:
        """/start [topic_<id>|unit_<id>]: the greeting and the menu, after the deep link."""
        notes: list[str] = []
        payload = ctx.args.split()[0] if ctx.args else ""
        with self.core.db.write() as session:
            if payload and not ctx.admin:
                notes.append(ctx.t("not_admin"))
            elif payload:
                cand = self._deep_link(payload)
                if cand is None:
                    notes.append(t(ctx.lang, "deeplink_bad"))
                else:
                    chat = self.core.chat(session, ctx)
                    notes.append(self.subscriptions.add(session, chat, ctx.lang, cand).html)
            chat = self.core.chat(session, ctx) if ctx.admin else self.core.find_chat(session, ctx)
            text = self._start_text(ctx, notes)
            return [reply(text, self._start_menu(session, chat, ctx.lang, 0))]

    def help(self, ctx: Request) -> list[Reply]:
        """/help."""
        return [reply(t(ctx.lang, "help"))]

    def on_page(self, ctx: Request, page: int) -> list[Reply]:
        """Button ``p:<page>``: another page of topics."""
        with self.core.db.read() as session:
            chat = self.core.find_chat(session, ctx)
            buttons = self._start_menu(session, chat, ctx.lang, page)
        return [reply(self._start_text(ctx), buttons, edit=ctx.msg.message_id)]

    def on_toggle(self, ctx: Request, rest: str) -> list[Reply]:
        """Button ``m:<page>:<u|t>:<id>``: follow or stop following, and redraw the menu."""
        page_s, code, raw = [*rest.split(":", 2), "", ""][:3]
        value = self.core.tokens.untoken(raw)
        cand = None
        if value:
            cand = (
                self.core.resolver.unit_candidate(value)
                if code == "u"
                else self.core.resolver.topic_candidate(value)
            )
        if cand is None:
            return [reply(ctx.t("button_expired"))]
        with self.core.db.write() as session:
            chat = self.core.chat(session, ctx)
            existing = store.find_subscription(session, chat, cand.kind, cand.value)
            note = None
            if existing is not None:
                store.remove_subscription(session, chat, existing.id)
            elif len(store.list_subscriptions(session, chat)) >= store.MAX_SUBSCRIPTIONS:
                note = t(ctx.lang, "sub_limit", max=store.MAX_SUBSCRIPTIONS)
            else:
                self.subscriptions.add(session, chat, ctx.lang, cand)
            buttons = self._start_menu(session, chat, ctx.lang, number(page_s))
        replies = [reply(self._start_text(ctx), buttons, edit=ctx.msg.message_id)]
        if note:
            replies.append(reply(note))
        return replies

    def _deep_link(self, payload: str) -> Candidate | None:
        """``topic_<id>`` or ``unit_<id>`` from a t.me/<bot>?start= link."""
        kind, _, value = payload.partition("_")
        if kind == "topic":
            return self.core.resolver.topic_candidate(value)
        if kind == "unit":
            return self.core.resolver.unit_candidate(value)
        return None

    def _start_text(self, ctx: Request, notes: Sequence[str] = ()) -> str:
        """The greeting, any notes (what a deep link did), the intro and what to pick."""
        msg = ctx.msg
        if msg.is_group:
            greeting = t(ctx.lang, "greeting_group", name=msg.chat_title or "")
        else:
            greeting = t(ctx.lang, "greeting", name=msg.user_name or "")
        pick = "start_pick" if ctx.admin else "start_pick_group_member"
        parts = [greeting, *notes, t(ctx.lang, "intro"), ctx.t(pick)]
        return "\n\n".join(parts)

    def _start_menu(
        self, session: Session, chat: Chat | None, lang: str, page: int
    ) -> list[list[Button]]:
        """Unit buttons, "another unit", a page of topics and the page arrows; ✅ = followed."""
        followed = store.followed_keys(session, chat)
        topics = self.core.topics.catalog()
        pages = max(1, -(-len(topics) // TOPICS_PER_PAGE))
        page = min(max(page, 0), pages - 1)

        def button(kind: str, value: str, label: str) -> Button:
            mark = "✅ " if (kind, value) in followed else ""
            code = "u" if kind == "unit" else "t"
            return Button(mark + label, data=self.core.tokens.data(f"m:{page}:{code}:", value))

        units = [button("unit", c.value, c.label) for c in self._featured]
        rows = [units[i : i + 2] for i in range(0, len(units), 2)]
        rows.append([Button(t(lang, "btn_other_unit"), data="o")])
        shown = topics[page * TOPICS_PER_PAGE : (page + 1) * TOPICS_PER_PAGE]
        topic_buttons = [
            button("topic", tp.id, tp.name_en if lang == "en" else tp.name) for tp in shown
        ]
        rows += [topic_buttons[i : i + 2] for i in range(0, len(topic_buttons), 2)]
        nav = []
        if page > 0:
            nav.append(Button(t(lang, "btn_prev"), data=f"p:{page - 1}"))
        if page < pages - 1:
            nav.append(Button(t(lang, "btn_next"), data=f"p:{page + 1}"))
        if nav:
            rows.append(nav)
        return rows

    def _featured_units(self) -> list[Candidate]:
        """The units shown on /start: the sources' provinces, the national body, and
        the main units of the first province (its city, its largest sectors)."""
        tax = taxonomy()
        provinces: list[str] = []
        for source in self.core.config.sources:
            province = source.province or province_for_url(source.url)
            if province and province not in provinces:
                provinces.append(province)
        provinces = provinces or ["Nghệ An"]
        feds = [
            u
            for p in provinces[:3]
            for u in tax.all()
            if u.kind == "province" and u.province == p and not u.historical
        ]
        chosen = [*feds]
        national = tax.get(NATIONAL_ID)
        if national is not None:
            chosen.append(national)
        if feds:
            children = tax.children(feds[0].id)
            cities = [u for u in children if u.kind == "district" and " TP " in f" {u.name} "]
            sectors = [u for u in children if u.kind == "local_sector"]
            chosen += cities[:1] + sectors[: max(0, 6 - len(chosen) - len(cities[:1]))]
        return [Candidate("unit", u.id, u.name, 1.0, historical=u.historical) for u in chosen[:6]]
