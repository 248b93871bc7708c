"""A hostile news site for the item tests: feeds and article pages built per test.

Each item has its own title and its own text (random words from a Vietnamese
union vocabulary, seeded by the item's number), so items are never exact or
near duplicates of each other unless a test makes them so.  Every text
mentions "công đoàn", which the test officer follows.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

from sqlalchemy import select

from bot.commands.inbound import Inbound
from bot.commands.router import CommandRouter
from bot.config import Config, parse_config
from bot.runtime.ingest_round import SourceReport, make_analyzer, poll_round
from bot.runtime.periodic import PollTickResult, poll_tick
from storage import chats
from storage.db import Database
from storage.models import Outbox, Story
from tests.support.http_server import LocalServer

FAST_FETCH = "[fetch]\nper_host_delay = 0.0\ntimeout = 3\n"
OFFICER = "officer-1"

_VOCABULARY = (
    "lao động việc làm tiền lương bảo hiểm xã hội đoàn viên công nhân viên chức "
    "hội nghị tổng kết phát động thi đua an toàn vệ sinh nhà máy doanh nghiệp "
    "khu công nghiệp thỏa ước tập thể thương lượng đối thoại chăm lo đời sống "
    "mái ấm hỗ trợ khó khăn học bổng con em tháng công nhân nữ công gia đình "
    "văn hóa thể thao giải bóng đá kỷ niệm thành lập ban chấp hành nhiệm kỳ "
    "đại hội bầu cử kiểm tra giám sát tài chính kinh phí tuyên truyền pháp luật "
    "huyện thị xã thành phố xã phường tỉnh trường học bệnh viện ngành giáo dục "
    "y tế giao thông xây dựng nông nghiệp lâm nghiệp thủy sản điện lực bưu chính"
)
_WORDS = _VOCABULARY.split()


def article_text(n: int, words: int = 240) -> str:
    """A text of its own for item ``n``: random union words, seeded by ``n``."""
    rng = random.Random(n)
    sentences = [f"Công đoàn cơ sở số {n} thông báo kết quả hoạt động trong tháng."]
    left = words
    while left > 0:
        size = rng.randint(9, 16)
        sentences.append(" ".join(rng.choice(_WORDS) for _ in range(size)).capitalize() + ".")
        left -= size
    return " ".join(sentences)


def title_of(n: int) -> str:
    return f"Tin số {n}: hội nghị công đoàn cơ sở của đơn vị {n}"


@dataclass
class Entry:
    """One feed entry; ``date`` is written as given (pubDate or Atom text)."""

    n: int
    date: str | None = None
    guid: str | None = None
    link: str | None = None  # default: /tin/<n>.html on the site
    title: str | None = None
    full: bool = True  # the whole text in the feed, else a teaser and an article page
    page_date: str | None = None  # what the article page prints under its title


class ItemSite:
    """A LocalServer serving one RSS or Atom feed and the article pages of its entries."""

    def __init__(self, server: LocalServer, *, atom: bool = False) -> None:
        self.server = server
        self.atom = atom
        self.feed_path = "/feed.atom" if atom else "/feed.rss"

    def link(self, entry: Entry) -> str:
        return entry.link or self.server.url(f"/tin/{entry.n}.html")

    def publish(self, entries: list[Entry]) -> None:
        """Serve exactly these entries (a new feed body, no validators)."""
        for entry in entries:
            if not entry.full and entry.link is None:
                self.server.route(f"/tin/{entry.n}.html", self._page(entry))
        body = self._atom(entries) if self.atom else self._rss(entries)
        kind = "application/atom+xml" if self.atom else "application/rss+xml"
        self.server.route(self.feed_path, body, content_type=kind)

    def _page(self, entry: Entry) -> str:
        title = escape(entry.title or title_of(entry.n))
        date = f'<div class="date">{escape(entry.page_date)}</div>' if entry.page_date else ""
        return (
            f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"{date}<p>{escape(article_text(entry.n))}</p></article></body></html>"
        )

    def _text(self, entry: Entry) -> str:
        return article_text(entry.n) if entry.full else f"Tóm tắt tin số {entry.n}."

    def _rss(self, entries: list[Entry]) -> str:
        items = []
        for e in entries:
            guid = f'<guid isPermaLink="false">{escape(e.guid)}</guid>' if e.guid else ""
            date = f"<pubDate>{escape(e.date)}</pubDate>" if e.date else ""
            items.append(
                f"<item><title>{escape(e.title or title_of(e.n))}</title>"
                f"<link>{escape(self.link(e))}</link>{guid}{date}"
                f"<description>{escape(self._text(e))}</description></item>"
            )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Công đoàn thử nghiệm</title><link>{self.server.url('/')}</link>"
            + "".join(items)
            + "</channel></rss>"
        )

    def _atom(self, entries: list[Entry]) -> str:
        items = []
        for e in entries:
            date = f"<updated>{escape(e.date)}</updated>" if e.date else ""
            items.append(
                f"<entry><title>{escape(e.title or title_of(e.n))}</title>"
                f'<link rel="alternate" href="{escape(self.link(e))}"/>'
                f"<id>{escape(e.guid or self.link(e))}</id>{date}"
                f'<content type="text">{escape(self._text(e))}</content></entry>'
            )
        return (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>Công đoàn thử nghiệm</title>" + "".join(items) + "</feed>"
        )

    def sources_toml(self, source_id: str = "hostile") -> str:
        return (
            f'[[sources]]\nid = "{source_id}"\nname = "Nguồn thử"\n'
            f'url = "{self.server.url(self.feed_path)}"\nkind = "rss"\n'
        )


def config_for(db: Database, sources: str) -> Config:
    text = f'[bot]\ndatabase_url = "{db.url}"\n{FAST_FETCH}{sources}'
    return parse_config(text, Path("test.toml"), {})


def poll(config: Config, db: Database) -> list[SourceReport]:
    """``poll --once``: every source, stored, nothing routed."""
    return asyncio.run(poll_round(config, db, force=True, analyzer=make_analyzer(config)))


def tick(config: Config, db: Database) -> PollTickResult:
    """What ``run`` does on its timer: poll every source, then route what is new."""
    return asyncio.run(poll_tick(config, db, force=True))


def officer(db: Database) -> int:
    """A chat following "công đoàn" (every test item), there since yesterday."""
    with db.write() as session:
        chat = chats.get_or_create_chat(
            session, "console", OFFICER, now=datetime.now(UTC) - timedelta(days=1)
        )
        chats.add_subscription(session, chat, "keyword", "công đoàn", "công đoàn")
        return chat.id


def pushed_titles(db: Database) -> list[str]:
    """Titles of the stories pushed to chats so far (from the outbox)."""
    with db.read() as session:
        keys = session.scalars(select(Outbox.dedup_key).where(Outbox.kind == "push")).all()
        ids = {int(key.split(":")[1]) for key in keys}
        return sorted(session.scalars(select(Story.title).where(Story.id.in_(ids))).all())


def ask(db: Database, config: Config, text: str) -> str:
    """What the officer reads after typing ``text`` (``/tinmoi 5``, ``/timkiem ...``)."""
    router = CommandRouter(db, config)
    msg = Inbound("console", OFFICER, "u1", text, "m1", datetime.now(UTC))
    replies = asyncio.run(router.handle(msg))
    return "\n".join(r.plain for r in replies)


def latest(db: Database, config: Config, n: int = 10) -> str:
    """What the officer reads after typing ``/tinmoi n``."""
    return ask(db, config, f"/tinmoi {n}")


def rfc822(moment: datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S %z")
