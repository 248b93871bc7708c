"""``congdoan-bot demo``: the whole bot offline, in the terminal.

A sample union site (three imitation sites built from real pages) is served on
127.0.0.1; the bot polls it, stores a baseline, and a console chat plays the
officer: subscribe, /tinmoi, and ``/capnhat`` makes the sample site publish its
next article, so the push arrives as an officer would see it.  The same
router, matching, outbox and sender as Telegram; only the channel differs.

Input: ``--script FILE``, else the lines on standard input, else (a terminal)
an interactive prompt; with nothing to read, a built-in tour runs.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from bot.channels.console.channel import CHANNEL, CHAT_ID, ConsoleChat, ConsoleTransport
from bot.config import Config, parse_config
from bot.delivery.sender import OutboxSender
from bot.runtime.periodic import poll_tick
from feeds.sample_site import SampleSite, sources_toml
from storage.db import Database, open_database

DATA_DIR = Path("data/demo")

TOUR = [
    "/start",
    "/dangky phát triển đoàn viên",
    "/dangky ldld nghe an",
    "/dasdangky",
    "/tinmoi 3",
    "/capnhat",
    "/sukien",
    "/bantin 07:00",
    "/capnhat",
    "/xembantin",
    "/timkiem Tháng Công nhân",
    "/huongdan",
]

HELP = (
    "Lệnh của bản demo: /capnhat (trang mẫu đăng bài mới, bot đọc lại nguồn tin), "
    "/xembantin (gửi bản tin tổng hợp ngay), /thoat (kết thúc). Các lệnh khác như trên Telegram: "
    "/start, /dangky, /tinmoi, /sukien, /bantin, /huongdan…"
)


def _config(site: SampleSite, data_dir: Path) -> Config:
    text = (
        f'[bot]\ndatabase_url = "sqlite:///{data_dir / "demo.db"}"\n'
        "[fetch]\nper_host_delay = 0.0\n"
        # One officer in a terminal: no need to space messages a second apart.
        "[delivery]\nprivate_chat_interval = 0.05\n" + sources_toml(site.base_url)
    )
    return parse_config(text, Path("demo.toml"), {})


def _lines(args: argparse.Namespace) -> Iterable[str] | None:
    if args.script:
        return Path(args.script).read_text(encoding="utf-8").splitlines()
    if sys.stdin.isatty():
        return None  # interactive
    lines = [line for line in sys.stdin.read().splitlines() if line.strip()]
    return lines or TOUR


def run_demo(args: argparse.Namespace) -> int:
    return asyncio.run(_demo(args))


async def _demo(args: argparse.Namespace) -> int:
    shutil.rmtree(DATA_DIR, ignore_errors=True)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    with SampleSite() as site:
        config = _config(site, DATA_DIR)
        db = open_database(config.database_url)
        print(f"Trang tin mẫu đang chạy tại {site.base_url} (không cần Internet).")
        first = await poll_tick(config, db, force=True)
        stored = sum(r.stored.new_items for r in first.reports)
        print(
            f"Lần đọc đầu tiên {len(first.reports)} nguồn: lưu {stored} tin làm mốc "
            "(tin cũ không gửi cho ai; xem bằng /tinmoi).\n"
        )
        if args.no_chat:
            from bot.cli.output import print_stories
            from storage.queries import latest_stories

            print_stories(latest_stories(db, 20), config.tz)
            return 0
        return await _chat(args, config, db, site)


async def _chat(args: argparse.Namespace, config: Config, db: Database, site: SampleSite) -> int:
    from bot.commands import CommandRouter
    from bot.delivery.render import render_story_html, render_story_plain

    def render(story, lang):  # type: ignore[no-untyped-def]
        return render_story_html(story, lang, config.tz), render_story_plain(story, lang, config.tz)

    router = CommandRouter(db, config, render_story=render)
    transport = ConsoleTransport()
    sender = OutboxSender(db, {CHANNEL: transport}, config, idle_poll=0.05)
    chat = ConsoleChat(router)
    print(HELP + "\n")
    lines = _lines(args)
    interactive = lines is None
    source = iter(lines or ())
    while True:
        if interactive:
            try:
                line = await asyncio.to_thread(input, "Đồng chí> ")
            except EOFError:
                break
        else:
            line = next(source, None)
            if line is None:
                break
            print(f"Đồng chí> {line}")
        command = line.strip().lower()
        if command in ("/thoat", "/quit", "/exit"):
            break
        if command == "/capnhat":
            await _publish_and_poll(config, db, site)
        elif command == "/xembantin":
            await _digest_now(config, db)
        elif command:
            await chat.type(line)
        await sender.drain(5.0)
    print("\nKết thúc bản demo. Dữ liệu ở", DATA_DIR)
    return 0


async def _publish_and_poll(config: Config, db: Database, site: SampleSite) -> None:
    url = site.publish_next()
    if url is None:
        print("(Trang mẫu không còn bài mới.)")
        return
    print(f"(Trang mẫu vừa đăng bài mới: {url})")
    result = await poll_tick(config, db, force=True)
    print(
        f"(Bot đọc lại nguồn tin: {len(result.new_story_ids)} tin mới, {result.queued} tin nhắn cần gửi.)"
    )


async def _digest_now(config: Config, db: Database) -> None:
    from bot.delivery.digest import enqueue_digest
    from storage.chats import find_chat

    with db.read() as s:
        chat = find_chat(s, CHANNEL, CHAT_ID)
        pk = chat.id if chat is not None else None
    now = datetime.now(UTC)
    queued = enqueue_digest(db, pk, now.astimezone(config.tz).date(), config, now=now) if pk else 0
    if not queued:
        print("(Chưa có tin nào chờ bản tin tổng hợp hôm nay.)")
