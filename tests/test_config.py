"""bot_config.toml validation: one clear message naming the wrong key."""

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_config

GOOD = """
[bot]
timezone = "Asia/Ho_Chi_Minh"

[[sources]]
id = "cdna"
name = "Công đoàn Nghệ An"
url = "http://congdoannghean.vn/"
kind = "html"
poll_interval = 600
province = "Nghệ An"
[sources.listing]
item = "div.news-item"
link = "a.title"
date = "span.time"
[sources.article]
content = "div.detail"
drop = [".related", ".tags"]
"""


def parse(text: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return parse_config(text, Path("bot_config.toml"), env or {})


def test_the_shipped_config_is_valid() -> None:
    config = load_config(Path(__file__).parents[1] / "bot_config.toml", env={})
    assert config.timezone == "Asia/Ho_Chi_Minh"
    assert {s.id for s in config.sources} >= {"congdoannghean", "baonghean"}


def test_good_config() -> None:
    config = parse(GOOD)
    source = config.sources[0]
    assert source.listing is not None and source.listing.item == "div.news-item"
    assert source.article is not None and source.article.drop == (".related", ".tags")
    assert source.poll_interval == 600
    assert config.database_url == "sqlite:///data/congdoan.db"


def test_environment_overrides_database_url() -> None:
    config = parse(GOOD, {"DATABASE_URL": "postgresql+psycopg://u@h/db"})
    assert config.database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("poll_interval = 600", "poll_intervall = 600"),
            "unknown key 'poll_intervall' (did you mean 'poll_interval'?)",
        ),
        (("poll_interval = 600", 'poll_interval = "10 phút"'), "'poll_interval' must be int"),
        (("poll_interval = 600", "poll_interval = 5"), "at least 60 seconds"),
        (
            ('url = "http://congdoannghean.vn/"', 'url = "congdoannghean.vn"'),
            "'url' must be an http/https URL",
        ),
        (('kind = "html"', 'kind = "web"'), "'kind' must be"),
        (('item = "div.news-item"', 'itme = "div.news-item"'), "unknown key 'itme'"),
        (
            ('timezone = "Asia/Ho_Chi_Minh"', 'timezone = "Asia/Hanoi_City"'),
            "not a known time zone",
        ),
        (
            ('drop = [".related", ".tags"]', "drop = [1, 2]"),
            "'drop' must be a list of CSS selectors",
        ),
        (("[bot]", "[bott]"), "unknown key 'bott'"),
        (('id = "cdna"', 'id = "Công đoàn"'), "'id' must be lowercase"),
    ],
)
def test_bad_settings_name_the_key(change: tuple[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse(GOOD.replace(*change))
    assert message in str(info.value)


def test_html_source_needs_selectors() -> None:
    text = GOOD.split("[sources.listing]")[0]
    with pytest.raises(ConfigError, match=r"\[sources.listing\]"):
        parse(text)


def test_duplicate_source_ids() -> None:
    with pytest.raises(ConfigError, match="used twice"):
        parse(GOOD + GOOD.split("[bot]")[1].split('timezone = "Asia/Ho_Chi_Minh"')[1])


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse("[bot\n")
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
