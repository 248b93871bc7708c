"""Load and validate ``bot_config.toml``.

The file is read once at start.  Any wrong key, type or URL stops the program
with one :class:`ConfigError` naming the key, so an operator never runs with a
setting silently ignored.  Secrets (bot tokens) never live in the file: they
come from the environment (see :mod:`bot.secrets`).
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feeds.documents.collect import DocumentLimits
from feeds.sources import ArticleHints, ListingSelectors, SourceConfig

DEFAULT_CONFIG_PATH = "bot_config.toml"
DEFAULT_DATABASE_URL = "sqlite:///data/congdoan.db"


class ConfigError(Exception):
    """A setting is wrong; the message names it and says what is expected."""


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str | None = None  # None: the fetcher's default, naming the bot
    timeout: float = 15.0
    max_body_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    max_concurrency: int = 16
    per_host_concurrency: int = 2
    per_host_delay: float = 1.0
    max_backoff: int = 6 * 3600  # seconds; cap of a failing source's back-off


@dataclass(frozen=True)
class TelegramSettings:
    base_url: str | None = None  # python-telegram-bot form, e.g. http://127.0.0.1:8081/bot
    base_file_url: str | None = None
    mode: str = "polling"  # or "webhook" (secret from env TELEGRAM_WEBHOOK_SECRET)
    webhook_url: str | None = None  # the public https URL Telegram POSTs updates to
    webhook_listen: str = "127.0.0.1"  # where our server listens (behind a reverse proxy)
    webhook_port: int = 8443
    webhook_secret: str | None = None  # from the environment, never from the file


@dataclass(frozen=True)
class ZaloSettings:
    base_url: str = "https://bot-api.zaloplatforms.com"
    rate_per_second: float = 5.0
    monthly_quota: int = 3000
    mode: str = "polling"  # or "webhook" (secret from env ZALO_WEBHOOK_SECRET)
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8444
    quota_pause: float = 1800.0  # s before sending again after "Quota exceeded"
    operators: tuple[str, ...] = ()  # Zalo user ids allowed to change a group's subscriptions
    webhook_secret: str | None = None  # from the environment, never from the file


@dataclass(frozen=True)
class WebSettings:
    """``[web]``: the bot's own web pages (calendar feeds), off unless ``listen`` is set."""

    listen: str | None = None  # "127.0.0.1:8080": where `run` serves (behind a reverse proxy)
    public_url: str | None = None  # "https://bot.example.vn": links sent in chat are built on it

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = (self.listen or "").rpartition(":")
        return host.strip("[]") or "127.0.0.1", int(port)

    def url(self, path: str) -> str | None:
        """The public address of ``path``, or None when the web part is off."""
        if not (self.listen and self.public_url):
            return None
        return self.public_url.rstrip("/") + path


@dataclass(frozen=True)
class ScaleSettings:
    lease_seconds: float = 15.0  # a dead scheduler is replaced within this time
    run_sender: bool = True  # `run` also delivers; false: leave delivery to `worker`s


@dataclass(frozen=True)
class DeliverySettings:
    push_cap_per_day: int = 10
    digest_time: str = "07:00"  # default for a chat that turns the digest on
    remind_days: tuple[int, ...] = (3, 1, 0)
    reminder_time: str = "07:30"
    global_rate: float = 25.0  # messages/s for the whole bot, below Telegram's 30
    private_chat_interval: float = 1.0  # seconds between two messages to one chat
    group_per_minute: int = 20


@dataclass(frozen=True)
class Config:
    path: Path
    timezone: str = "Asia/Ho_Chi_Minh"
    database_url: str = DEFAULT_DATABASE_URL
    language: str = "vi"
    operators: tuple[int, ...] = ()
    # A source failing this many polls in a row is announced to the operators.
    alert_after_failures: int = 3
    fetch: FetchSettings = field(default_factory=FetchSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    zalo: ZaloSettings = field(default_factory=ZaloSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    scale: ScaleSettings = field(default_factory=ScaleSettings)
    topics: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: tuple[SourceConfig, ...] = ()
    documents: DocumentLimits = field(default_factory=DocumentLimits)
    web: WebSettings = field(default_factory=WebSettings)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def source(self, source_id: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.id == source_id), None)


# --- validation helpers ---------------------------------------------------


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            hint = difflib.get_close_matches(key, sorted(allowed), n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise ConfigError(f"{where}: unknown key '{key}'{suggestion}")


def _typed(
    table: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str, default: Any
) -> Any:
    if key not in table:
        return default
    value = table[key]
    # bool is an int in Python; a flag written as 1 or a number written as true is an error.
    is_bool = isinstance(value, bool)
    wants_bool = kind is bool or (isinstance(kind, tuple) and bool in kind)
    if not isinstance(value, kind) or (is_bool and not wants_bool):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"{where}: '{key}' must be {names}, not {value!r}")
    return value


def _url(value: str, where: str, key: str, *, schemes: tuple[str, ...] = ("http", "https")) -> str:
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        raise ConfigError(f"{where}: '{key}' must be an {'/'.join(schemes)} URL, not {value!r}")
    return value


def _positive(value: float, where: str, key: str) -> float:
    if value <= 0:
        raise ConfigError(f"{where}: '{key}' must be greater than 0, not {value!r}")
    return value


_CLOCK = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")


def _clock(value: str, where: str, key: str) -> str:
    if not _CLOCK.match(value):
        raise ConfigError(f"{where}: '{key}' must be a time HH:MM, not {value!r}")
    return value


# --- sections -------------------------------------------------------------

_SOURCE_KEYS = {
    "id", "name", "url", "kind", "poll_interval", "province", "listing", "article", "enabled",
}  # fmt: skip
_SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def _source(table: Any, index: int) -> SourceConfig:
    where = f"[[sources]] #{index + 1}"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: must be a table")
    if "id" in table and isinstance(table["id"], str):
        where = f"[[sources]] '{table['id']}'"
    _check_keys(table, _SOURCE_KEYS, where)
    for required in ("id", "url"):
        if required not in table:
            raise ConfigError(f"{where}: '{required}' is required")
    source_id = _typed(table, "id", str, where, None)
    if not _SOURCE_ID.match(source_id):
        raise ConfigError(
            f"{where}: 'id' must be lowercase letters, digits, '-' or '_' (got {source_id!r})"
        )
    url = _url(_typed(table, "url", str, where, None), where, "url")
    kind = _typed(table, "kind", str, where, "auto")
    if kind not in ("rss", "html", "auto"):
        raise ConfigError(f'{where}: \'kind\' must be "rss", "html" or "auto", not {kind!r}')
    interval = _typed(table, "poll_interval", int, where, 900)
    if interval < 60:
        raise ConfigError(f"{where}: 'poll_interval' must be at least 60 seconds, not {interval}")

    listing = None
    if "listing" in table:
        lw = f"{where} [sources.listing]"
        lt = _typed(table, "listing", dict, where, None)
        _check_keys(lt, {"item", "link", "title", "date"}, lw)
        if "item" not in lt:
            raise ConfigError(f"{lw}: 'item' is required (a CSS selector matching one entry)")
        listing = ListingSelectors(
            item=_typed(lt, "item", str, lw, None),
            link=_typed(lt, "link", str, lw, "a"),
            title=_typed(lt, "title", str, lw, None),
            date=_typed(lt, "date", str, lw, None),
        )
    if kind == "html" and listing is None:
        raise ConfigError(f"{where}: kind \"html\" needs a [sources.listing] table with 'item'")

    article = None
    if "article" in table:
        aw = f"{where} [sources.article]"
        at = _typed(table, "article", dict, where, None)
        _check_keys(at, {"content", "drop", "date"}, aw)
        drop = _typed(at, "drop", list, aw, [])
        if not all(isinstance(d, str) for d in drop):
            raise ConfigError(f"{aw}: 'drop' must be a list of CSS selectors (strings)")
        article = ArticleHints(
            content=_typed(at, "content", str, aw, None),
            drop=tuple(drop),
            date=_typed(at, "date", str, aw, None),
        )
    return SourceConfig(
        id=source_id,
        name=_typed(table, "name", str, where, source_id),
        url=url,
        kind=kind,
        poll_interval=interval,
        province=_typed(table, "province", str, where, None),
        listing=listing,
        article=article,
        enabled=_typed(table, "enabled", bool, where, True),
    )


# Telegram's setWebhook: secret_token is 1-256 of these; the public URL must be
# https on one of these ports (https://core.telegram.org/bots/api#setwebhook).
_TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)


def _telegram_webhook(telegram: Mapping[str, Any]) -> None:
    """What Telegram would refuse, or what would leave the webhook open to anyone."""
    where = "[telegram]"
    url = telegram["webhook_url"]
    if not url:
        raise ConfigError(f"{where}: mode \"webhook\" needs 'webhook_url'")
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise ConfigError(
            f"{where}: 'webhook_url' must be an https URL in webhook mode "
            f"(Telegram sends updates only over HTTPS), not {url!r}"
        )
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"{where}: 'webhook_url' has an invalid port: {url!r}") from exc
    if port is not None and port not in _TELEGRAM_WEBHOOK_PORTS:
        raise ConfigError(
            f"{where}: 'webhook_url' port {port} is refused by Telegram "
            "(use 443, 80, 88 or 8443; 'webhook_port' is the local port behind the proxy)"
        )
    if not 1 <= telegram["webhook_port"] <= 65535:
        raise ConfigError(
            f"{where}: 'webhook_port' must be from 1 to 65535, not {telegram['webhook_port']}"
        )
    secret = telegram["webhook_secret"]
    if not secret:
        raise ConfigError(
            f'{where}: mode "webhook" needs the environment variable TELEGRAM_WEBHOOK_SECRET '
            "(1 to 256 characters A-Z, a-z, 0-9, _ or -; Telegram sends it back with every "
            "update, so that no one else can post fake updates to the bot)"
        )
    if not _TELEGRAM_SECRET.match(secret):
        raise ConfigError(
            f"{where}: TELEGRAM_WEBHOOK_SECRET must be 1 to 256 characters A-Z, a-z, 0-9, "
            f"_ or - (Telegram refuses others); it has {len(secret)} characters"
            + ("" if len(secret) > 256 else ", some of them not allowed")
        )


def _section(
    data: Mapping[str, Any], name: str, spec: Mapping[str, tuple[type | tuple[type, ...], Any]]
) -> dict[str, Any]:
    table = _typed(data, name, dict, "bot_config.toml", {})
    where = f"[{name}]"
    _check_keys(table, set(spec), where)
    return {key: _typed(table, key, kind, where, default) for key, (kind, default) in spec.items()}


_LISTEN = re.compile(r"^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$")


_SECTIONS = (
    "bot", "fetch", "documents", "web", "telegram", "zalo", "delivery", "scale", "topics",
    "sources",
)  # fmt: skip


def _web(data: Mapping[str, Any]) -> WebSettings:
    """[web]: listen "host:port" and the public https URL in front of it."""
    table = _section(data, "web", {"listen": (str, None), "public_url": (str, None)})
    listen, public = table["listen"], table["public_url"]
    if listen is not None:
        match = _LISTEN.match(listen)
        if not match or not 0 < int(match.group(2)) < 65536:
            raise ConfigError(
                f"[web]: 'listen' must be host:port, e.g. \"127.0.0.1:8080\", not {listen!r}"
            )
        if public is None:
            raise ConfigError(
                "[web]: 'public_url' is needed with 'listen' (the address officers open, "
                'e.g. "https://bot.example.vn")'
            )
    if public is not None:
        _url(public, "[web]", "public_url")
    return WebSettings(listen=listen, public_url=public)


def _documents(data: Mapping[str, Any]) -> DocumentLimits:
    """[documents]: reading the PDF/Word/Excel files notices attach."""
    default = DocumentLimits()
    table = _section(
        data,
        "documents",
        {
            "enabled": (bool, default.enabled),
            "max_bytes": (int, default.max_bytes),
            "per_item": (int, default.per_item),
            "ocr": (bool, default.ocr),
            "ocr_max_pages": (int, default.ocr_max_pages),
            "ocr_seconds": ((int, float), default.ocr_seconds),
        },
    )
    for key in ("max_bytes", "per_item", "ocr_max_pages", "ocr_seconds"):
        _positive(table[key], "[documents]", key)
    return DocumentLimits(**table)


def _topics(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    table = _typed(data, "topics", dict, "bot_config.toml", {})
    topics: dict[str, dict[str, Any]] = {}
    for topic_id, spec in table.items():
        where = f"[topics.{topic_id}]"
        if not re.match(r"^[a-z][a-z0-9_]{1,63}$", topic_id):
            raise ConfigError(f"{where}: a topic id is lowercase ASCII with '_' (got {topic_id!r})")
        if not isinstance(spec, dict):
            raise ConfigError(f"{where}: must be a table")
        _check_keys(spec, {"name", "name_en", "keywords"}, where)
        keywords = _typed(spec, "keywords", list, where, [])
        if not all(isinstance(k, str) and k.strip() for k in keywords):
            raise ConfigError(f"{where}: 'keywords' must be a list of non-empty strings")
        topics[topic_id] = {
            "name": _typed(spec, "name", str, where, None),
            "name_en": _typed(spec, "name_en", str, where, None),
            "keywords": keywords,
        }
    return topics


def parse_config(text: str, path: Path, env: Mapping[str, str] | None = None) -> Config:
    """Validate the TOML text; environment variables override where documented."""
    env = os.environ if env is None else env
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    _check_keys(
        data,
        set(_SECTIONS),
        str(path),
    )
    # Checked in this order, so the first wrong setting of the file is the one named.
    bot = _bot(data, env)
    fetch, telegram, zalo = _fetch(data), _telegram(data, env), _zalo(data, env)
    scale, delivery, sources = _scale(data), _delivery(data), _sources(data)
    return Config(
        path=path,
        timezone=bot["timezone"],
        database_url=bot["database_url"],
        language=bot["language"],
        operators=tuple(bot["operators"]),
        alert_after_failures=bot["alert_after_failures"],
        fetch=FetchSettings(**fetch),
        telegram=TelegramSettings(**telegram),
        zalo=ZaloSettings(**zalo),
        delivery=DeliverySettings(**delivery),
        scale=ScaleSettings(**scale),
        topics=_topics(data),
        sources=sources,
        documents=_documents(data),
        web=_web(data),
    )


def _bot(data: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """[bot]; ``DATABASE_URL`` overrides its database URL."""
    bot = _section(
        data,
        "bot",
        {
            "timezone": (str, "Asia/Ho_Chi_Minh"),
            "database_url": (str, DEFAULT_DATABASE_URL),
            "language": (str, "vi"),
            "operators": (list, []),
            "alert_after_failures": (int, 3),
        },
    )
    try:
        ZoneInfo(bot["timezone"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"[bot]: 'timezone' {bot['timezone']!r} is not a known time zone"
        ) from exc
    if bot["language"] not in ("vi", "en"):
        raise ConfigError(f'[bot]: \'language\' must be "vi" or "en", not {bot["language"]!r}')
    if not all(isinstance(o, int) and not isinstance(o, bool) for o in bot["operators"]):
        raise ConfigError("[bot]: 'operators' must be a list of Telegram user ids (integers)")
    if not 1 <= bot["alert_after_failures"] <= 1000:
        raise ConfigError(
            "[bot]: 'alert_after_failures' must be a number of failed polls in a row "
            f"from 1 to 1000, not {bot['alert_after_failures']!r}"
        )
    bot["database_url"] = env.get("DATABASE_URL") or bot["database_url"]
    if "://" not in bot["database_url"]:
        raise ConfigError(
            f"[bot]: 'database_url' must be a database URL, not {bot['database_url']!r}"
        )
    return bot


def _fetch(data: Mapping[str, Any]) -> dict[str, Any]:
    fetch = _section(
        data,
        "fetch",
        {
            "user_agent": (str, None),
            "timeout": ((int, float), 15.0),
            "max_body_bytes": (int, 5 * 1024 * 1024),
            "max_redirects": (int, 5),
            "max_concurrency": (int, 16),
            "per_host_concurrency": (int, 2),
            "per_host_delay": ((int, float), 1.0),
            "max_backoff": (int, 6 * 3600),
        },
    )
    for key in ("timeout", "max_body_bytes", "max_concurrency", "per_host_concurrency"):
        _positive(fetch[key], "[fetch]", key)
    return fetch


def _telegram(data: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """[telegram]; the webhook secret only from the environment."""
    if isinstance(data.get("telegram"), dict) and "webhook_secret" in data["telegram"]:
        raise ConfigError(
            "[telegram]: 'webhook_secret' does not belong in the file (it would be read by "
            "anyone who sees the configuration): set the environment variable "
            "TELEGRAM_WEBHOOK_SECRET instead"
        )
    telegram = _section(
        data,
        "telegram",
        {
            "base_url": (str, None),
            "base_file_url": (str, None),
            "mode": (str, "polling"),
            "webhook_url": (str, None),
            "webhook_listen": (str, "127.0.0.1"),
            "webhook_port": (int, 8443),
        },
    )
    telegram["base_url"] = env.get("TELEGRAM_API_BASE_URL") or telegram["base_url"]
    for key in ("base_url", "base_file_url", "webhook_url"):
        if telegram[key]:
            _url(telegram[key], "[telegram]", key)
    if telegram["mode"] not in ("polling", "webhook"):
        raise ConfigError(
            f'[telegram]: \'mode\' must be "polling" or "webhook", not {telegram["mode"]!r}'
        )
    telegram["webhook_secret"] = env.get("TELEGRAM_WEBHOOK_SECRET") or None
    if telegram["mode"] == "webhook":
        _telegram_webhook(telegram)
    return telegram


def _zalo(data: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """[zalo]; the webhook secret only from the environment."""
    zalo = _section(
        data,
        "zalo",
        {
            "base_url": (str, "https://bot-api.zaloplatforms.com"),
            "rate_per_second": ((int, float), 5.0),
            "monthly_quota": (int, 3000),
            "mode": (str, "polling"),
            "webhook_url": (str, None),
            "webhook_listen": (str, "127.0.0.1"),
            "webhook_port": (int, 8444),
            "quota_pause": ((int, float), 1800.0),
            "operators": (list, []),
        },
    )
    zalo["base_url"] = env.get("ZALO_API_BASE_URL") or zalo["base_url"]
    _url(zalo["base_url"], "[zalo]", "base_url")
    if zalo["mode"] not in ("polling", "webhook"):
        raise ConfigError(f'[zalo]: \'mode\' must be "polling" or "webhook", not {zalo["mode"]!r}')
    if zalo["webhook_url"]:
        _url(zalo["webhook_url"], "[zalo]", "webhook_url", schemes=("https", "http"))
    _positive(zalo["quota_pause"], "[zalo]", "quota_pause")
    if not all(isinstance(o, str | int) and not isinstance(o, bool) for o in zalo["operators"]):
        raise ConfigError("[zalo]: 'operators' must be a list of Zalo user ids (strings)")
    zalo["operators"] = tuple(str(o) for o in zalo["operators"])
    zalo["webhook_secret"] = env.get("ZALO_WEBHOOK_SECRET") or None
    if zalo["mode"] == "webhook":
        _zalo_webhook(zalo)
    return zalo


def _zalo_webhook(zalo: Mapping[str, Any]) -> None:
    if not zalo["webhook_url"]:
        raise ConfigError("[zalo]: mode \"webhook\" needs 'webhook_url'")
    secret = zalo["webhook_secret"] or ""
    if not 8 <= len(secret) <= 256:
        raise ConfigError(
            '[zalo]: mode "webhook" needs the environment variable ZALO_WEBHOOK_SECRET '
            "(8 to 256 characters; Zalo sends it back with every update)"
        )


def _scale(data: Mapping[str, Any]) -> dict[str, Any]:
    scale = _section(
        data, "scale", {"lease_seconds": ((int, float), 15.0), "run_sender": (bool, True)}
    )
    if not 2 <= scale["lease_seconds"] <= 600:
        raise ConfigError(
            f"[scale]: 'lease_seconds' must be from 2 to 600 seconds, not {scale['lease_seconds']!r}"
        )
    return scale


def _delivery(data: Mapping[str, Any]) -> dict[str, Any]:
    delivery = _section(
        data,
        "delivery",
        {
            "push_cap_per_day": (int, 10),
            "digest_time": (str, "07:00"),
            "remind_days": (list, [3, 1, 0]),
            "reminder_time": (str, "07:30"),
            "global_rate": ((int, float), 25.0),
            "private_chat_interval": ((int, float), 1.0),
            "group_per_minute": (int, 20),
        },
    )
    _clock(delivery["digest_time"], "[delivery]", "digest_time")
    _clock(delivery["reminder_time"], "[delivery]", "reminder_time")
    if not all(isinstance(d, int) and 0 <= d <= 30 for d in delivery["remind_days"]):
        raise ConfigError("[delivery]: 'remind_days' must be a list of whole days from 0 to 30")
    if not 0 < delivery["global_rate"] <= 30:
        raise ConfigError(
            "[delivery]: 'global_rate' must be above 0 and at most 30 (Telegram's limit)"
        )
    delivery["remind_days"] = tuple(delivery["remind_days"])
    return delivery


def _sources(data: Mapping[str, Any]) -> tuple[SourceConfig, ...]:
    raw_sources = _typed(data, "sources", list, "bot_config.toml", [])
    sources = tuple(_source(t, i) for i, t in enumerate(raw_sources))
    seen: set[str] = set()
    for source in sources:
        if source.id in seen:
            raise ConfigError(f"[[sources]]: id '{source.id}' is used twice")
        seen.add(source.id)
    return sources


def resolve_config_path(cli_value: str | None, env: Mapping[str, str] | None = None) -> Path:
    """--config, else $CONGDOAN_CONFIG, else ./bot_config.toml."""
    env = os.environ if env is None else env
    return Path(cli_value or env.get("CONGDOAN_CONFIG") or DEFAULT_CONFIG_PATH)


def load_config(path: Path, env: Mapping[str, str] | None = None) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"configuration file {path} not found (use --config PATH)") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text") from exc
    return parse_config(text, path, env)


def with_sources(config: Config, sources: tuple[SourceConfig, ...]) -> Config:
    """A copy of ``config`` polling other sources (the demo and `sources check`)."""
    return replace(config, sources=sources)
