"""Telegram webhook mode, end to end through ``congdoan-bot run``.

A real ``run`` subprocess in ``[telegram] mode = "webhook"`` against the
standalone fake Bot API: it registers the public URL and secret with
setWebhook, serves the URL's path on the local port (what a reverse proxy
forwards to), answers an officer's /start posted there with Telegram's secret
header, refuses posts without it, and stops cleanly on SIGTERM.  Then the
configuration checks that keep an operator from starting a webhook Telegram
would refuse, or one anyone could post fake updates to.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import ConfigError, parse_config
from tests.support.fake_telegram import standalone

OFFICER = 5002
SECRET = "Cd-Nghe_An-2025-webhook"
PUBLIC_URL = "https://bot.example.vn/tg/hook"
ROOT = Path(__file__).parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _post(url: str, update: dict[str, object], secret: str | None) -> int:
    """POST an update as Telegram does; returns the HTTP status."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    body = json.dumps(update, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code
        except urllib.error.URLError:
            # PTB calls setWebhook before its server listens; Telegram retries too.
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _private_message(update_id: int, text: str, user_id: int = OFFICER) -> dict[str, object]:
    """A private text message as Telegram posts it (a leading /command has its entity)."""
    user = {"id": user_id, "is_bot": False, "first_name": "Hoa", "language_code": "vi"}
    message: dict[str, object] = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private", "first_name": "Hoa"},
        "from": user,
        "text": text,
    }
    if text.startswith("/"):
        length = len(text.split()[0])
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": update_id, "message": message}


@pytest.fixture
def fake_api() -> Iterator[str]:
    """The standalone fake Bot API; yields its base URL (``…/bot``)."""
    with standalone(limits=False) as base:
        yield base


def _wait_until(check, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not seen within {timeout}s (last: {value!r})")
        time.sleep(0.1)


def test_run_in_webhook_mode_answers_posts_with_the_secret_only(
    tmp_path: Path, fake_api: str
) -> None:
    root = fake_api.rsplit("/bot", 1)[0]
    port = _free_port()
    config_path = tmp_path / "bot_config.toml"
    config_path.write_text(
        f'[bot]\ndatabase_url = "sqlite:///{tmp_path}/bot.db"\n'
        "[telegram]\n"
        'mode = "webhook"\n'
        f'webhook_url = "{PUBLIC_URL}"\n'
        'webhook_listen = "127.0.0.1"\n'
        f"webhook_port = {port}\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN",
        "TELEGRAM_API_BASE_URL": fake_api,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
    }
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config_path), "run"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    hook = f"http://127.0.0.1:{port}/tg/hook"
    try:
        # Telegram learns the public URL and the secret it must send back.
        webhook = _wait_until(
            lambda: (w := _get_json(f"{root}/_fake/webhook")) and w["url"] and w,  # type: ignore[index]
            timeout=10,
            what="setWebhook",
        )
        assert webhook == {"url": PUBLIC_URL, "secret_token": SECRET}

        def sent() -> list[dict[str, object]]:
            return _get_json(f"{root}/_fake/sent?chat_id={OFFICER}")  # type: ignore[return-value]

        # Someone who found the URL cannot inject updates: no secret, a wrong one.
        assert _post(hook, _private_message(1, "/start"), None) == 403
        assert _post(hook, _private_message(2, "/start"), "guessed-secret") == 403
        # The proxy forwards the public path; the server does not answer elsewhere.
        assert _post(f"http://127.0.0.1:{port}/", _private_message(3, "/start"), SECRET) == 404

        # Telegram's own POST is answered: the officer gets the Vietnamese welcome.
        assert _post(hook, _private_message(4, "/start"), SECRET) == 200
        [welcome] = _wait_until(sent, timeout=10, what="the welcome")
        assert "Kính chào" in str(welcome["text"])
        assert welcome["chat_id"] == OFFICER
        time.sleep(0.5)  # room for a wrong reply to a refused post to show up
        assert len(sent()) == 1, [str(m["text"])[:40] for m in sent()]

        started = time.monotonic()
        bot.send_signal(signal.SIGTERM)
        code = bot.wait(timeout=10)
        assert code == 0, bot.stderr.read()[-2000:]  # type: ignore[union-attr]
        assert time.monotonic() - started < 5
        # Stopped, nothing listens any more (the port is free for a standby to take).
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(hook, data=b"{}", timeout=2)
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait(timeout=5)


def test_run_refuses_webhook_mode_without_a_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli.main import main

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST-TOKEN")
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    path = tmp_path / "c.toml"
    path.write_text(
        f'[bot]\ndatabase_url = "sqlite:///{tmp_path}/x.db"\n'
        f'[telegram]\nmode = "webhook"\nwebhook_url = "{PUBLIC_URL}"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(path), "run"]) == 2
    assert "TELEGRAM_WEBHOOK_SECRET" in capsys.readouterr().err


# --- configuration ---------------------------------------------------------------------


def _webhook_config(extra: str = "", url: str = PUBLIC_URL, **env: str):  # type: ignore[no-untyped-def]
    text = f'[telegram]\nmode = "webhook"\nwebhook_url = "{url}"\n{extra}'
    return parse_config(text, Path("bot_config.toml"), env)


def test_webhook_settings_come_from_file_and_secret_from_environment() -> None:
    config = _webhook_config("webhook_port = 9000\n", TELEGRAM_WEBHOOK_SECRET=SECRET)
    tg = config.telegram
    assert (tg.mode, tg.webhook_url, tg.webhook_port, tg.webhook_secret) == (
        "webhook",
        PUBLIC_URL,
        9000,
        SECRET,
    )
    assert tg.webhook_listen == "127.0.0.1"  # behind a proxy by default, never exposed


def test_webhook_without_secret_is_refused_with_the_variable_named() -> None:
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        _webhook_config()
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        _webhook_config(TELEGRAM_WEBHOOK_SECRET="")


@pytest.mark.parametrize(
    "secret",
    ["mật-khẩu-công-đoàn", "two words", "a+b/c=", "x" * 257, "semi;colon"],
)
def test_secret_outside_telegrams_alphabet_is_refused_without_echoing_it(secret: str) -> None:
    with pytest.raises(ConfigError, match="A-Z, a-z, 0-9, _ or -") as info:
        _webhook_config(TELEGRAM_WEBHOOK_SECRET=secret)
    assert secret not in str(info.value)


@pytest.mark.parametrize("secret", ["x", "A" * 256, "abc_DEF-123"])
def test_secrets_telegram_accepts_are_accepted(secret: str) -> None:
    assert _webhook_config(TELEGRAM_WEBHOOK_SECRET=secret).telegram.webhook_secret == secret


def test_secret_in_the_file_is_refused() -> None:
    with pytest.raises(ConfigError, match="environment variable TELEGRAM_WEBHOOK_SECRET"):
        _webhook_config(f'webhook_secret = "{SECRET}"\n', TELEGRAM_WEBHOOK_SECRET=SECRET)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://bot.example.vn/tg/hook", "must be an https URL"),
        ("https://bot.example.vn:8080/tg/hook", "port 8080 is refused by Telegram"),
        ("https://bot.example.vn:99999/tg/hook", "invalid port"),
    ],
)
def test_webhook_url_telegram_would_refuse_is_refused(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _webhook_config(url=url, TELEGRAM_WEBHOOK_SECRET=SECRET)


@pytest.mark.parametrize("port", [443, 80, 88, 8443])
def test_the_four_webhook_ports_are_accepted(port: int) -> None:
    url = f"https://bot.example.vn:{port}/tg/hook"
    assert _webhook_config(url=url, TELEGRAM_WEBHOOK_SECRET=SECRET).telegram.webhook_url == url


def test_webhook_url_is_required_and_local_port_must_be_real() -> None:
    with pytest.raises(ConfigError, match="needs 'webhook_url'"):
        parse_config('[telegram]\nmode = "webhook"\n', Path("c.toml"), {})
    with pytest.raises(ConfigError, match="'webhook_port' must be from 1 to 65535"):
        _webhook_config("webhook_port = 0\n", TELEGRAM_WEBHOOK_SECRET=SECRET)


def test_polling_mode_needs_no_secret() -> None:
    config = parse_config('[telegram]\nmode = "polling"\n', Path("c.toml"), {})
    assert config.telegram.mode == "polling" and config.telegram.webhook_secret is None
