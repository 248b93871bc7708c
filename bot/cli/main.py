"""The ``congdoan-bot`` command line.

Every sub-command loads and validates the configuration first, so a wrong
setting stops with one clear message (exit status 2) before anything runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable, Sequence

from bot.config import Config, ConfigError, load_config, resolve_config_path
from storage.db import DatabaseUnavailable

log = logging.getLogger("congdoan-bot")

Handler = Callable[[argparse.Namespace, Config], int]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="congdoan-bot",
        description="News and notice bot for Vietnamese trade-union officers.",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="configuration file (default: $CONGDOAN_CONFIG or ./bot_config.toml)",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    parser.add_argument("--log-json", action="store_true", help="log one JSON object per line")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("poll", help="poll the sources and store new items")
    p.add_argument("--once", action="store_true", help="poll every source once, then exit")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("items", help="list stored stories, newest first")
    p.add_argument("--limit", type=int, default=20, metavar="N")
    p.add_argument("--json", action="store_true", help="print a JSON array")

    p = sub.add_parser("sources", help="list sources with their health, or check a URL")
    sources_sub = p.add_subparsers(dest="sources_command", metavar="check|export|import")
    c = sources_sub.add_parser("check", help="fetch one URL and show what the parser sees")
    c.add_argument("url")
    c.add_argument("--kind", choices=("rss", "html", "auto"), default="auto")
    c.add_argument("--item", help="CSS selector of one listing entry (kind html)")
    c.add_argument("--link", default="a", help="CSS selector of the entry's link")
    c.add_argument("--title", help="CSS selector of the entry's title")
    c.add_argument("--date", help="CSS selector of the entry's date")
    e = sources_sub.add_parser("export", help="print every source (file and console) as OPML")
    e.add_argument("--opml", action="store_true", required=True, help="OPML 2.0 (the only format)")
    i = sources_sub.add_parser("import", help="add an OPML file's feeds to the console's sources")
    i.add_argument("file", metavar="FILE.opml")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("analyze", help="analyze a document: units, topics, events, summary")
    p.add_argument("file", nargs="?", default="-", help="title, blank line, text (default: stdin)")
    p.add_argument("--published", metavar="YYYY-MM-DD")
    p.add_argument("--url")
    p.add_argument("--json", action="store_true")
    p.add_argument("--jsonl", action="store_true", help="JSON lines in, one result per line out")

    sub.add_parser("reanalyze", help="re-analyze every stored story (after a taxonomy change)")

    sub.add_parser(
        "run",
        help="run the bot: poll, deliver, answer chat (TELEGRAM_BOT_TOKEN and/or ZALO_BOT_TOKEN); "
        "a second `run` stands by and takes over",
    )

    p = sub.add_parser("worker", help="deliver queued messages only (any number of workers)")
    p.add_argument(
        "--id", metavar="NAME", help="worker name in `status` (default: worker@host:pid)"
    )
    p.add_argument(
        "--metrics-port", type=int, metavar="N",
        help="serve this worker's own /metrics (messages sent, send errors) on port N",
    )  # fmt: skip
    p.add_argument(
        "--metrics-host", default="127.0.0.1", metavar="HOST",
        help="address for --metrics-port (default 127.0.0.1; 0.0.0.0 in a container)",
    )  # fmt: skip

    p = sub.add_parser("status", help="queue depth, send rate, workers, scheduler, failing sources")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("digest", help="send today's digest now")
    p.add_argument("--now", action="store_true", help="queue and send it now")
    p.add_argument("--chat", metavar="ID", help="only this Telegram chat id")

    p = sub.add_parser("send-test", help="send a test message to a chat")
    p.add_argument("chat", metavar="CHAT")
    p.add_argument("text", metavar="TEXT")

    p = sub.add_parser("doctor", help="check the installation: config, database, tokens, sources")
    p.add_argument("--only", metavar="CHECKS", help="comma-separated: " + ",".join(DOCTOR_CHECKS))
    p.add_argument("--json", action="store_true", help="print a JSON array of checks")

    sub.add_parser("migrate", help="create or upgrade the database schema, then exit")

    p = sub.add_parser("backup", help="copy the SQLite database (PostgreSQL: print pg_dump)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--force", action="store_true", help="overwrite FILE")

    p = sub.add_parser("demo", help="offline demo on the bundled sample union site")
    p.add_argument("--no-chat", action="store_true", help="poll and print, without the chat")
    p.add_argument("--script", metavar="FILE", help="read chat lines from FILE instead of stdin")
    return parser


DAEMONS = ("run", "worker")
DOCTOR_CHECKS = ("config", "database", "telegram", "zalo", "sources", "disk", "clock")


def main(argv: Sequence[str] | None = None) -> int:
    from bot.runtime.log_setup import setup_logging

    args = _parser().parse_args(argv)
    # Every command: key=value (or JSON) lines on stderr, bot tokens redacted.
    setup_logging(args.verbose, json_lines=args.log_json, daemon=args.command in DAEMONS)
    try:
        if args.command == "demo":
            from bot.cli.demo import run_demo

            return run_demo(args)
        if args.command == "doctor":  # reports a wrong configuration as one of its checks
            from bot.cli.doctor import cmd_doctor

            return cmd_doctor(args)
        config = load_config(resolve_config_path(args.config))
        return HANDLERS[args.command](args, config)
    except ConfigError as exc:
        print(f"congdoan-bot: configuration error: {exc}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as exc:  # driver missing, server down: expected, no traceback
        print(f"congdoan-bot: database: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception:
        # Through the logging handler, not Python's own traceback printer: the
        # redaction filter removes bot tokens (a Bot API error quotes its URL).
        log.critical("congdoan-bot %s failed", args.command, exc_info=True)
        return 1


# --- handlers ---------------------------------------------------------------


def _open_db(config: Config):  # type: ignore[no-untyped-def]
    from storage.db import open_database

    return open_database(config.database_url)


def cmd_poll(args: argparse.Namespace, config: Config) -> int:
    from bot.cli.output import print_poll_summary
    from bot.runtime.ingest_round import poll_round
    from storage.queries import get_stories

    db = _open_db(config)
    if not args.once:
        return asyncio.run(_poll_forever(config, db))
    reports = asyncio.run(poll_round(config, db, force=True))
    story_ids = [i for r in reports for i in r.stored.new_story_ids]
    stories = get_stories(db, story_ids)
    if args.json:
        out = {
            "sources": [r.to_json() for r in reports],
            "new_items": [s.to_json(config.tz) for s in stories],
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print_poll_summary(reports, stories, config.tz)
    return 0


async def _poll_forever(config: Config, db) -> int:  # type: ignore[no-untyped-def]
    """Poll due sources until interrupted (ingest only, without the chat), each
    when its ``poll_interval`` has passed (as ``run`` does)."""
    from bot.runtime.ingest_round import poll_round
    from bot.runtime.periodic import next_poll_wait

    while True:
        reports = await poll_round(config, db)
        for r in reports:
            error = r.outcome.error or r.store_error
            print(f"{r.source.id}: {r.stored.new_items} new" + (f" ({error})" if error else ""))
        busy = any(r.store_error for r in reports)  # the database is busy: not a tight loop
        await asyncio.sleep(
            60.0 if busy else await asyncio.to_thread(next_poll_wait, config, db, 60.0)
        )


def cmd_items(args: argparse.Namespace, config: Config) -> int:
    from bot.cli.output import print_stories
    from storage.queries import latest_stories

    if args.limit < 1:
        print("congdoan-bot: --limit must be at least 1", file=sys.stderr)
        return 2
    stories = latest_stories(_open_db(config), limit=args.limit)
    if args.json:
        print(json.dumps([s.to_json(config.tz) for s in stories], ensure_ascii=False, indent=2))
    else:
        print_stories(stories, config.tz)
    return 0


def cmd_sources(args: argparse.Namespace, config: Config) -> int:
    from bot.cli.output import print_source_health
    from storage.ingest import sync_sources
    from storage.queries import source_health

    if args.sources_command == "check":
        from bot.cli.source_check import check_source

        return asyncio.run(check_source(args, config))
    if args.sources_command in ("export", "import"):
        return _sources_opml(args, config)
    from storage.console import merged_sources

    db = _open_db(config)
    sync_sources(db, merged_sources(config.sources, db))
    health = source_health(db)
    if args.json:
        print(json.dumps([_health_json(h, config) for h in health], ensure_ascii=False, indent=2))
    else:
        print_source_health(health, config.tz)
    return 0


def _sources_opml(args: argparse.Namespace, config: Config) -> int:
    """``sources export --opml`` to stdout; ``sources import FILE.opml`` into the
    console's sources (ids from the URLs; ids already used are left untouched)."""
    from bot.web.opml import MAX_OPML_BYTES, OpmlError, build_opml, import_feeds, parse_opml
    from storage.console import merged_sources

    db = _open_db(config)
    if args.sources_command == "export":
        sys.stdout.write(build_opml(merged_sources(config.sources, db), "congdoan-bot"))
        return 0
    try:
        with open(args.file, "rb") as handle:
            feeds = parse_opml(handle.read(MAX_OPML_BYTES + 1))  # over the cap: named
    except OSError as exc:
        print(f"congdoan-bot: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except OpmlError as exc:
        print(f"congdoan-bot: {args.file}: {exc}; nothing imported", file=sys.stderr)
        return 2
    added, existing = import_feeds(config, db, feeds)
    for source_id in added:
        print(f"added     {source_id}")
    for source_id in existing:
        print(f"untouched {source_id} (id already used)")
    print(f"{len(added)} added, {len(existing)} already there")
    return 0


def _health_json(h, config: Config) -> dict[str, object]:  # type: ignore[no-untyped-def]
    def iso(value):  # type: ignore[no-untyped-def]
        return value.astimezone(config.tz).isoformat() if value else None

    return {
        "id": h.id,
        "name": h.name,
        "url": h.url,
        "kind": h.detected_kind or h.kind,
        "healthy": h.healthy,
        "items": h.items_total,
        "last_success": iso(h.last_success_at),
        "consecutive_failures": h.consecutive_failures,
        "last_error": h.last_error,
        "next_poll": iso(h.next_poll_at),
    }


def cmd_analyze(args: argparse.Namespace, config: Config) -> int:
    from bot.cli.analyze import run_analyze

    return run_analyze(args, config)


def cmd_reanalyze(args: argparse.Namespace, config: Config) -> int:
    from bot.runtime.ingest_round import make_analyzer
    from storage.reanalyze import reanalyze_all

    provinces = {s.id: s.province for s in config.sources}
    count = reanalyze_all(_open_db(config), make_analyzer(config), config.tz, provinces)
    print(f"Re-analyzed {count} stories.")
    return 0


def cmd_migrate(args: argparse.Namespace, config: Config) -> int:
    from storage.db import safe_url

    db = _open_db(config)  # opening applies the migrations
    current, _head = db.schema_revisions()
    print(f"Database {safe_url(db.url)} at revision {', '.join(sorted(current))}.")
    return 0


def cmd_backup(args: argparse.Namespace, config: Config) -> int:
    from bot.cli.backup import cmd_backup as backup

    return backup(args, config)


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    from bot.cli.chat_commands import cmd_run as run

    return run(args, config)


def cmd_worker(args: argparse.Namespace, config: Config) -> int:
    from bot.cli.chat_commands import cmd_worker as worker

    return worker(args, config)


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    from bot.cli.status import cmd_status as status

    return status(args, config)


def cmd_digest(args: argparse.Namespace, config: Config) -> int:
    from bot.cli.chat_commands import cmd_digest as digest

    return digest(args, config)


def cmd_send_test(args: argparse.Namespace, config: Config) -> int:
    from bot.cli.chat_commands import cmd_send_test as send_test

    return send_test(args, config)


HANDLERS: dict[str, Handler] = {
    "run": cmd_run,
    "worker": cmd_worker,
    "status": cmd_status,
    "digest": cmd_digest,
    "send-test": cmd_send_test,
    "poll": cmd_poll,
    "items": cmd_items,
    "sources": cmd_sources,
    "analyze": cmd_analyze,
    "reanalyze": cmd_reanalyze,
    "migrate": cmd_migrate,
    "backup": cmd_backup,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
