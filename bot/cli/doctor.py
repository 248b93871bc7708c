"""``congdoan-bot doctor``: is this installation ready to run, and if not, what to do.

Each check prints ✔ or ✘ with what it found, in Vietnamese then English, and a
✘ says how to fix it; "–" marks a check that does not apply here (Zalo when only
Telegram is used, disk space on PostgreSQL).  The exit status is 1 when anything
is ✘, so a deployment script or a container healthcheck can run it
(``--only config,database`` skips the network).  Nothing is written: the
database is inspected, not migrated, and sources are fetched, not stored.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

import httpx

from bot.cli.main import DOCTOR_CHECKS as CHECKS
from bot.config import Config, ConfigError, load_config, resolve_config_path
from bot.i18n import fmt_datetime
from feeds.poller import EntryRef, PollOutcome
from feeds.sources import SourceConfig

MIN_FREE_BYTES = 500 * 1024 * 1024  # below this a SQLite database may stop mid-write
MAX_CLOCK_SKEW = 60.0  # seconds; digests, reminders and quiet hours go by the clock
NETWORK_TIMEOUT = 10.0
TELEGRAM_API = "https://api.telegram.org/bot"
FIX_MIGRATE = (
    "chạy `congdoan-bot migrate` (hoặc `run`, vốn tự cập nhật khi khởi động)",
    "run `congdoan-bot migrate` (or `run`, which migrates at every start)",
)


@dataclass
class Check:
    """One line of the report: ``ok`` None means "does not apply here"."""

    name: str
    ok: bool | None
    vi: str
    en: str
    fix_vi: str | None = None
    fix_en: str | None = None


def _ok(name: str, vi: str, en: str) -> Check:
    return Check(name, True, vi, en)


def _fail(name: str, vi: str, en: str, fix: tuple[str, str]) -> Check:
    return Check(name, False, vi, en, fix[0], fix[1])


def _skip(name: str, vi: str, en: str) -> Check:
    return Check(name, None, vi, en)


# --- configuration ---------------------------------------------------------------


def check_config(path: Path) -> tuple[Check, Config | None]:
    try:
        config = load_config(path)
    except ConfigError as exc:
        return _fail(
            "config",
            f"Cấu hình không hợp lệ: {exc}",
            f"Configuration invalid: {exc}",
            (
                f"sửa mục được nêu trong {path} (hoặc chỉ tệp khác bằng --config)",
                f"correct the setting named above in {path} (or point --config at another file)",
            ),
        ), None
    enabled = sum(1 for s in config.sources if s.enabled)
    return _ok(
        "config",
        f"Cấu hình hợp lệ: {path}, {enabled} nguồn tin",
        f"Configuration valid: {path}, {enabled} sources",
    ), config


# --- database --------------------------------------------------------------------


def check_database(config: Config) -> Check:
    """Driver installed, server reachable, schema at the newest migration."""
    from storage.db import Database, DatabaseUnavailable, safe_url, sqlite_file

    url = config.database_url
    shown = safe_url(url)
    path = sqlite_file(url)
    if path is not None and not path.exists():
        return _fail(
            "database",
            f"Cơ sở dữ liệu {shown} chưa được tạo",
            f"Database {shown} does not exist yet",
            FIX_MIGRATE,
        )
    try:
        db = Database(url)
    except DatabaseUnavailable as exc:
        return _fail(
            "database",
            f"Thiếu trình điều khiển cơ sở dữ liệu: {exc}",
            f"Database driver missing: {exc}",
            (
                "pip install 'congdoan-bot[postgres]' trong môi trường của bot",
                "pip install 'congdoan-bot[postgres]' into the bot's environment",
            ),
        )
    try:
        db.check_connection()
        current, head = db.schema_revisions()
    except DatabaseUnavailable as exc:
        return _fail(
            "database",
            f"Không kết nối được cơ sở dữ liệu: {exc}",
            f"Database unreachable: {exc}",
            (
                "kiểm tra DATABASE_URL (hoặc [bot] database_url) và máy chủ PostgreSQL",
                "check DATABASE_URL (or [bot] database_url) and that PostgreSQL is running",
            ),
        )
    finally:
        db.dispose()
    if current != head:
        at = ", ".join(sorted(current)) or "trống/empty"
        return _fail(
            "database",
            f"Cơ sở dữ liệu {shown} chưa cập nhật cấu trúc (đang ở {at}, mới nhất {', '.join(head)})",
            f"Database {shown} not migrated (at {at}, newest {', '.join(head)})",
            FIX_MIGRATE,
        )
    return _ok(
        "database",
        f"Cơ sở dữ liệu kết nối được và đã cập nhật: {shown} ({', '.join(head)})",
        f"Database reachable and migrated: {shown} ({', '.join(head)})",
    )


def check_disk(config: Config) -> Check:
    from storage.db import sqlite_file as db_sqlite_file

    sqlite_file = db_sqlite_file(config.database_url)
    if sqlite_file is None:
        return _skip(
            "disk",
            "Dung lượng đĩa: do máy chủ PostgreSQL quản lý",
            "Disk space: kept by the PostgreSQL server",
        )
    folder = sqlite_file.parent.resolve()
    while not folder.exists():  # the folder is created at first start
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    size = sqlite_file.stat().st_size if sqlite_file.exists() else 0
    vi = f"{free / 2**30:.1f} GiB trống tại {folder} (cơ sở dữ liệu {size / 2**20:.1f} MiB)"
    en = f"{free / 2**30:.1f} GiB free in {folder} (database {size / 2**20:.1f} MiB)"
    if free < MIN_FREE_BYTES:
        return _fail(
            "disk",
            f"Sắp hết dung lượng đĩa: {vi}",
            f"Low disk space: {en}",
            (
                f"giải phóng ít nhất {MIN_FREE_BYTES // 2**20} MiB hoặc chuyển sang PostgreSQL",
                f"free at least {MIN_FREE_BYTES // 2**20} MiB, or move to PostgreSQL",
            ),
        )
    return _ok("disk", f"Dung lượng đĩa đủ: {vi}", f"Disk space enough: {en}")


# --- chat channels ---------------------------------------------------------------

FIX_TELEGRAM_TOKEN = (
    "mở @BotFather trong Telegram, gõ /newbot (hoặc /token), rồi "
    "export TELEGRAM_BOT_TOKEN=<mã> (Zalo: ZALO_BOT_TOKEN)",
    "open @BotFather in Telegram, send /newbot (or /token), then "
    "export TELEGRAM_BOT_TOKEN=<token> (Zalo: ZALO_BOT_TOKEN)",
)


def _redact(text: str, token: str) -> str:
    return text.replace(token, "<token>") if token else text


async def check_telegram(config: Config, env: dict[str, str]) -> list[Check]:
    """The token present and accepted (getMe), and the webhook as Telegram sees it."""
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        if env.get("ZALO_BOT_TOKEN", "").strip():
            return [_skip("telegram", "Telegram: không dùng (chưa đặt TELEGRAM_BOT_TOKEN)",
                          "Telegram: not used (TELEGRAM_BOT_TOKEN not set)")]  # fmt: skip
        return [
            _fail(
                "telegram",
                "Chưa có mã bot: TELEGRAM_BOT_TOKEN (và ZALO_BOT_TOKEN) chưa được đặt",
                "No bot token: neither TELEGRAM_BOT_TOKEN nor ZALO_BOT_TOKEN is set",
                FIX_TELEGRAM_TOKEN,
            )
        ]
    bot = Bot(token, base_url=config.telegram.base_url or TELEGRAM_API)
    try:
        await bot.initialize()  # getMe
        info = await bot.get_webhook_info()
    except InvalidToken:
        return [
            _fail(
                "telegram",
                "Telegram từ chối TELEGRAM_BOT_TOKEN (mã sai hoặc đã bị thu hồi)",
                "Telegram rejected TELEGRAM_BOT_TOKEN (wrong or revoked token)",
                FIX_TELEGRAM_TOKEN,
            )
        ]
    except TelegramError as exc:
        reason = _redact(str(exc), token)
        return [
            _fail(
                "telegram",
                f"Không liên lạc được Telegram Bot API: {reason}",
                f"Telegram Bot API unreachable: {reason}",
                (
                    "kiểm tra mạng, tường lửa, proxy (HTTPS_PROXY) và TELEGRAM_API_BASE_URL",
                    "check the network, firewall, proxy (HTTPS_PROXY) and TELEGRAM_API_BASE_URL",
                ),
            )
        ]
    finally:
        await _quietly_shutdown(bot)
    me = bot.bot
    checks = [
        _ok(
            "telegram",
            f"Telegram chấp nhận mã bot: @{me.username} (id {me.id})",
            f"Telegram accepted the bot token: @{me.username} (id {me.id})",
        )
    ]
    checks.append(_webhook_check(config, info.url, info.pending_update_count,
                                 info.last_error_message, info.last_error_date))  # fmt: skip
    return checks


async def _quietly_shutdown(bot: object) -> None:
    with contextlib.suppress(Exception):  # nothing was opened: nothing to close
        await bot.shutdown()  # type: ignore[attr-defined]


def _webhook_check(
    config: Config,
    url: str,
    pending: int,
    last_error: str | None,
    last_error_at: datetime | None,
) -> Check:
    mode = config.telegram.mode
    if mode == "webhook" and last_error:
        when = fmt_datetime(last_error_at, config.tz) if last_error_at else "?"
        return _fail(
            "telegram-webhook",
            f"Telegram không gửi được tới webhook {url} ({when}): {last_error}",
            f"Telegram cannot deliver to the webhook {url} ({when}): {last_error}",
            (
                "kiểm tra proxy HTTPS, chứng chỉ và cổng (443, 80, 88, 8443) trước `run`",
                "check the HTTPS reverse proxy, its certificate and port (443, 80, 88, 8443)",
            ),
        )
    if mode == "webhook":
        target = config.telegram.webhook_url
        vi = f"đã đăng ký {url}" if url == target else f"`run` sẽ đăng ký {target}"
        en = f"registered at {url}" if url == target else f"`run` will register {target}"
    elif url:
        vi, en = (f"đang đặt tới {url}; `run` (chế độ polling) sẽ xóa",
                  f"set to {url}; `run` (polling mode) deletes it at start")  # fmt: skip
    else:
        vi, en = "không có (chế độ polling)", "none (polling mode)"
    return _ok(
        "telegram-webhook",
        f"Webhook Telegram: {vi}; {pending} cập nhật đang chờ",
        f"Telegram webhook: {en}; {pending} updates pending",
    )


async def check_zalo(config: Config, env: dict[str, str]) -> Check:
    from bot.channels.zalo.client import InvalidToken, ZaloClient
    from bot.delivery.transport import Permanent, Transient

    token = env.get("ZALO_BOT_TOKEN", "").strip()
    if not token:
        return _skip("zalo", "Zalo: không dùng (chưa đặt ZALO_BOT_TOKEN)",
                     "Zalo: not used (ZALO_BOT_TOKEN not set)")  # fmt: skip
    try:
        async with ZaloClient(token, config.zalo.base_url, timeout=NETWORK_TIMEOUT) as client:
            me = await client.get_me()
            hook = await client.get_webhook_info() if config.zalo.mode == "webhook" else None
    except InvalidToken:
        return _fail(
            "zalo",
            "Zalo từ chối ZALO_BOT_TOKEN (mã sai hoặc đã bị thu hồi)",
            "Zalo rejected ZALO_BOT_TOKEN (wrong or revoked token)",
            (
                "lấy lại mã bot trong Zalo Bot Platform rồi export ZALO_BOT_TOKEN=<mã>",
                "copy the bot's token again from Zalo Bot Platform, export ZALO_BOT_TOKEN=<token>",
            ),
        )
    except (Transient, Permanent) as exc:
        reason = _redact(str(exc), token)
        return _fail(
            "zalo",
            f"Không liên lạc được Zalo Bot API: {reason}",
            f"Zalo Bot API unreachable: {reason}",
            (
                "kiểm tra mạng, tường lửa và ZALO_API_BASE_URL",
                "check the network, firewall and ZALO_API_BASE_URL",
            ),
        )
    name = me.get("account_name") or me.get("id")
    hook_vi = hook_en = ""
    if config.zalo.mode == "webhook":
        url = (hook or {}).get("url")
        hook_vi = f"; webhook: {url or 'chưa đăng ký, `run` sẽ đăng ký'}"
        hook_en = f"; webhook: {url or 'not registered yet, `run` registers it'}"
    return _ok(
        "zalo",
        f"Zalo chấp nhận mã bot: {name}{hook_vi}",
        f"Zalo accepted the bot token: {name}{hook_en}",
    )


# --- sources -----------------------------------------------------------------------


async def check_sources(config: Config) -> list[Check]:
    """Each enabled source fetched and parsed; its newest entry's article extracted."""
    from bot.runtime.ingest_round import new_fetcher
    from feeds.poller import SourceState, poll_source

    sources = [s for s in config.sources if s.enabled]
    if not sources:
        return [
            _fail(
                "sources",
                "Chưa có nguồn tin nào",
                "No sources configured",
                (
                    "thêm [[sources]] vào tệp cấu hình (thử trước: `congdoan-bot sources check URL`)",
                    "add [[sources]] to the configuration (try `congdoan-bot sources check URL` first)",
                ),
            )
        ]

    def first_only(refs: Sequence[EntryRef]) -> list[bool]:
        # One article page per source: enough to prove extraction, polite to the site.
        return [i == 0 for i in range(len(refs))]

    async with new_fetcher(config) as fetcher:
        outcomes = await asyncio.gather(
            *(
                poll_source(
                    fetcher, s, SourceState(), tz=config.tz, is_new=first_only, use_validators=False
                )
                for s in sources
            )
        )
    return [_source_check(s, o, config) for s, o in zip(sources, outcomes, strict=True)]


def _source_check(source: SourceConfig, outcome: PollOutcome, config: Config) -> Check:
    name = f"source:{source.id}"
    fix_check = (
        f"thử `congdoan-bot sources check {source.url}` rồi sửa url/[sources.listing]",
        f"try `congdoan-bot sources check {source.url}`, then correct url/[sources.listing]",
    )
    if outcome.error:
        return _fail(name, f"Nguồn {source.id}: lỗi: {outcome.error}",
                     f"Source {source.id}: error: {outcome.error}", fix_check)  # fmt: skip
    first = outcome.candidates[0] if outcome.candidates else None
    if first is not None and first.text_error:
        return _fail(
            name,
            f"Nguồn {source.id}: {outcome.entries_seen} mục, nhưng không trích được bài: "
            f"{first.text_error}",
            f"Source {source.id}: {outcome.entries_seen} entries, but the article page was "
            f"not extracted: {first.text_error}",
            (
                f"thử `congdoan-bot sources check {source.url}`, đặt [sources.article] content",
                f"try `congdoan-bot sources check {source.url}`, set [sources.article] content",
            ),
        )
    when = fmt_datetime(first.published, config.tz) if first and first.published else "?"
    kind = outcome.state.detected_kind or source.kind
    return _ok(
        name,
        f"Nguồn {source.id} ({kind}): {outcome.entries_seen} mục, mới nhất {when}",
        f"Source {source.id} ({kind}): {outcome.entries_seen} entries, newest {when}",
    )


# --- clock -------------------------------------------------------------------------


def _clock_reference(config: Config, env: dict[str, str]) -> str | None:
    """A server whose Date header tells the true time: the chat API in use, else a source."""
    candidates = []
    if env.get("TELEGRAM_BOT_TOKEN", "").strip():
        candidates.append(config.telegram.base_url or TELEGRAM_API)
    if env.get("ZALO_BOT_TOKEN", "").strip():
        candidates.append(config.zalo.base_url)
    candidates += [s.url for s in config.sources if s.enabled]
    for url in candidates:
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}/"
    return None


async def _clock_skew(url: str) -> float | None:
    """Seconds this machine's clock is ahead of the server's Date header (None: unknown)."""
    try:
        async with httpx.AsyncClient(timeout=NETWORK_TIMEOUT) as client:
            before = datetime.now(UTC)
            response = await client.head(url)
            after = datetime.now(UTC)
        stamp = parsedate_to_datetime(response.headers["date"])
    except (httpx.HTTPError, KeyError, TypeError, ValueError):
        return None
    # The server stamped its Date (whole seconds) somewhere between our send and receive.
    return (before + (after - before) / 2 - stamp).total_seconds()


async def check_clock(config: Config, env: dict[str, str]) -> Check:
    tz = config.tz
    now = datetime.now(UTC)
    local = now.astimezone(tz)
    offset = local.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}"
    here_vi = f"{fmt_datetime(now, tz)} giờ {config.timezone} (UTC{offset})"
    here_en = f"{fmt_datetime(now, tz)} {config.timezone} time (UTC{offset})"
    reference = _clock_reference(config, env)
    skew = await _clock_skew(reference) if reference else None
    if skew is None:
        return _ok(
            "clock",
            f"Đồng hồ: {here_vi}; không đo được độ lệch (không có máy chủ đối chiếu)",
            f"Clock: {here_en}; skew not measured (no server to compare with)",
        )
    host = urlsplit(reference).netloc
    if abs(skew) > MAX_CLOCK_SKEW:
        return _fail(
            "clock",
            f"Đồng hồ máy lệch {skew:+.0f} giây so với {host}: {here_vi}",
            f"Clock off by {skew:+.0f} s against {host}: {here_en}",
            (
                "bật đồng bộ giờ: timedatectl set-ntp true (hoặc chrony/ntpd)",
                "turn on time synchronisation: timedatectl set-ntp true (or chrony/ntpd)",
            ),
        )
    return _ok(
        "clock",
        f"Đồng hồ và múi giờ đúng: {here_vi}, lệch {skew:+.0f} giây so với {host}",
        f"Clock and time zone right: {here_en}, {skew:+.0f} s against {host}",
    )


# --- the command ---------------------------------------------------------------------


def _wanted(only: str | None) -> frozenset[str]:
    if not only:
        return frozenset(CHECKS)
    names = {n.strip() for n in only.split(",") if n.strip()}
    unknown = names - set(CHECKS)
    if unknown:
        raise ValueError(
            f"--only: unknown check {', '.join(sorted(unknown))} (choose from {', '.join(CHECKS)})"
        )
    return frozenset(names)


async def run_checks(
    config_path: Path, env: dict[str, str], wanted: frozenset[str] = frozenset(CHECKS)
) -> list[Check]:
    """Every wanted check, in the order an operator fixes things."""
    config_check, config = check_config(config_path)
    checks = [config_check] if "config" in wanted else []
    if config is None:
        if "config" not in wanted:
            checks.append(config_check)  # nothing else can be judged without it
        return checks
    if "database" in wanted:
        checks.append(await asyncio.to_thread(check_database, config))
    if "disk" in wanted:
        checks.append(check_disk(config))
    if "telegram" in wanted:
        checks += await check_telegram(config, env)
    if "zalo" in wanted:
        checks.append(await check_zalo(config, env))
    if "sources" in wanted:
        checks += await check_sources(config)
    if "clock" in wanted:
        checks.append(await check_clock(config, env))
    return checks


MARKS = {True: "✔", False: "✘", None: "–"}


def print_report(checks: list[Check], out: TextIO | None = None) -> None:
    out = out or sys.stdout
    for c in checks:
        print(f"{MARKS[c.ok]} {c.vi}", file=out)
        print(f"  {c.en}", file=out)
        if c.ok is False:
            print(f"  → Cách sửa: {c.fix_vi}", file=out)
            print(f"  → Fix: {c.fix_en}", file=out)
    failed = sum(1 for c in checks if c.ok is False)
    if failed:
        print(f"\n✘ {failed} mục cần sửa / {failed} to fix", file=out)
    else:
        print("\n✔ Sẵn sàng: `congdoan-bot run` / Ready: `congdoan-bot run`", file=out)


def cmd_doctor(args: argparse.Namespace) -> int:
    """Run the checks; 0 when every one is ✔ (or does not apply), 1 otherwise."""
    try:
        wanted = _wanted(args.only)
    except ValueError as exc:
        print(f"congdoan-bot: {exc}", file=sys.stderr)
        return 2
    checks = asyncio.run(run_checks(resolve_config_path(args.config), dict(os.environ), wanted))
    if args.json:
        print(json.dumps([asdict(c) for c in checks], ensure_ascii=False, indent=2))
    else:
        print_report(checks)
    return 1 if any(c.ok is False for c in checks) else 0
