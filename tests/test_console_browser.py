"""The web console in a real browser: Debian's Chromium, headless, driven by Selenium.

An operator sends /quantri through the real command router, opens the link it
answers with, adds a source after previewing what the parser sees of a feed
served on 127.0.0.1, saves it, pauses it, and sees a failing source with its
error.  The real ``WebServer`` runs on its own event loop thread, as under
``congdoan-bot run``; one browser serves the whole module.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.commands import CommandRouter
from bot.commands.inbound import Inbound
from bot.config import Config, parse_config
from bot.runtime.ingest_round import poll_round
from bot.web.server import WebServer
from feeds.sample_site.server import load_articles
from storage import console as store
from storage.db import Database, open_database
from tests.support.http_server import LocalServer

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

# Debian's packages (scripts/test installs them): found on PATH, never downloaded.
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
OPERATOR = 777_000_001
T = TypeVar("T")
PNG = b"\x89PNG\r\n\x1a\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _feed_site(site: LocalServer) -> list[str]:
    """An RSS feed of three real union articles, each on its own page; their titles."""
    articles = [a for a in load_articles() if a.site == "congdoannghean"][:3]
    items = []
    for i, a in enumerate(articles):
        path = f"/tin/{i}.html"
        page = (
            f"<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>{a.title}</title>"
            f"</head><body><nav><a href='/'>Trang chủ</a></nav><article><h1>{a.title}</h1>"
            f"<p><b>{a.lead}</b></p>{a.body}</article><footer>Công đoàn tỉnh</footer></body></html>"
        )
        site.route(path, page)
        items.append(
            f"<item><title>{a.title.strip()}</title><link>{site.url(path)}</link>"
            f"<guid>{site.url(path)}</guid><pubDate>{format_datetime(a.published)}</pubDate>"
            f"<description>{a.lead}</description></item>"
        )
    rss = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Công đoàn Nghệ An</title><link>{site.url('/')}</link>{''.join(items)}"
        "</channel></rss>"
    )
    site.route("/rss/tin-tuc.rss", rss, content_type="application/rss+xml; charset=utf-8")
    site.route("/mat-trang", "<h1>Không tìm thấy</h1>", status=404)
    return [a.title.strip() for a in articles]


@dataclass
class Console:
    """The bot's web part on a loop thread, its database and config, the feed site."""

    config: Config
    db: Database
    site: LocalServer
    titles: list[str]
    loop: asyncio.AbstractEventLoop

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    def url(self, path: str) -> str:
        return f"{self.config.web.public_url}{path}"

    def login_link(self) -> str:
        """Send /quantri as the operator through the real router; the link it answers."""
        msg = Inbound(
            channel="telegram", chat_id=str(OPERATOR), user_id=str(OPERATOR), text="/quantri",
            message_id="1", ts=datetime.now(UTC), language_code="vi",
        )  # fmt: skip
        replies = self.run(CommandRouter(self.db, self.config).handle(msg))
        found = re.search(r"http://127\.0\.0\.1:\d+/login/[A-Za-z0-9_-]+", replies[0].html)
        assert found, replies[0].html
        return found.group(0)


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    folder = tmp_path_factory.mktemp("console")
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    with LocalServer() as site:
        titles = _feed_site(site)
        port = _free_port()
        config = parse_config(
            f"[bot]\noperators = [{OPERATOR}]\n"
            f'database_url = "sqlite:///{folder / "bot.db"}"\n'
            f'[web]\nlisten = "127.0.0.1:{port}"\npublic_url = "http://127.0.0.1:{port}"\n'
            "[fetch]\nper_host_delay = 0\n"
            f'[[sources]]\nid = "hong"\nname = "Trang hỏng"\nurl = "{site.url("/mat-trang")}"\n'
            'kind = "rss"\n',
            folder / "bot_config.toml",
            {},
        )
        db = open_database(config.database_url)
        server = WebServer(config, db)
        console = Console(config, db, site, titles, loop)
        console.run(server.start())
        try:
            yield console
        finally:
            console.run(server.stop())
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            db.dispose()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("chromium and chromium-driver are not installed (scripts/test installs them)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"):  # fmt: skip
        options.add_argument(flag)
    profile = tmp_path_factory.mktemp("chromium-profile")
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument("--window-size=1280,900")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _wait(driver: Any, element_id: str) -> Any:
    return WebDriverWait(driver, 30).until(ec.presence_of_element_located((By.ID, element_id)))


def _submit(driver: Any, button: Any) -> None:
    """Click a form's button and wait until the next page replaced this one (else a
    wait for an element could find it on the old page, on a loaded machine)."""
    page = driver.find_element(By.TAG_NAME, "html")
    button.click()
    WebDriverWait(driver, 30).until(ec.staleness_of(page))


def _row(driver: Any, source_id: str) -> Any:
    return driver.find_element(By.CSS_SELECTOR, f'#sources tr[data-source="{source_id}"]')


# --------------------------------------------------------------------------- the flow


def test_without_a_session_the_browser_is_told_how_to_log_in(
    console: Console, browser: Any
) -> None:
    browser.get(console.url("/sources"))
    message = _wait(browser, "message")
    assert message.get_attribute("data-key") == "login_needed"
    assert "/quantri" in message.text and "10 phút" in message.text


def test_operator_logs_in_from_the_chat_link(console: Console, browser: Any) -> None:
    link = console.login_link()
    browser.get(link)
    _wait(browser, "home-sources")
    assert browser.current_url == console.url("/")
    assert "Trang hỏng" in browser.find_element(By.ID, "home-sources").text
    cookie = browser.get_cookie("congdoan_console")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
    browser.get(link)  # the same link again: refused, the session stays
    assert _wait(browser, "message").get_attribute("data-key") == "link_used"
    browser.get(console.url("/"))
    _wait(browser, "home-sources")


def test_add_a_source_after_its_preview_then_pause_it(console: Console, browser: Any) -> None:
    browser.get(console.url("/sources/new"))
    _wait(browser, "source-form")
    browser.find_element(By.ID, "url").send_keys(console.site.url("/rss/tin-tuc.rss"))
    browser.find_element(By.ID, "name").send_keys("Công đoàn Nghệ An (RSS)")
    browser.find_element(By.ID, "id").send_keys("cdna")
    _submit(browser, browser.find_element(By.ID, "preview-button"))

    _wait(browser, "preview")
    assert browser.find_element(By.ID, "preview-kind").text == "rss"
    assert browser.find_element(By.ID, "preview-count").text == "3"
    entries = browser.find_element(By.ID, "preview-entries").text
    for title in console.titles:
        assert " ".join(title.split()) in entries
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", entries)  # dates as officers read them
    text = browser.find_element(By.ID, "preview-text").text
    assert len(text) > 200 and "Trang chủ" not in text  # the clean text, not the page
    assert store.console_sources(console.db) == []  # a preview stores nothing
    # What was typed is still in the form, ready to save.
    assert browser.find_element(By.ID, "name").get_attribute("value") == "Công đoàn Nghệ An (RSS)"

    _submit(browser, browser.find_element(By.ID, "save-button"))
    notice = _wait(browser, "notice")
    assert "Đã lưu nguồn tin" in notice.text and "cdna" in notice.text
    row = _row(browser, "cdna")
    assert row.get_attribute("data-state") == "new"
    assert "Công đoàn Nghệ An (RSS)" in row.text
    saved = store.console_source(console.db, "cdna")
    assert saved is not None and saved.url == console.site.url("/rss/tin-tuc.rss")

    _submit(browser, row.find_element(By.NAME, "pause"))
    assert "Đã tạm dừng" in _wait(browser, "notice").text
    row = _row(browser, "cdna")
    assert row.get_attribute("data-state") == "paused"
    assert row.find_element(By.NAME, "resume").is_displayed()
    assert store.paused_ids(console.db) == {"cdna"}


def test_a_failing_source_shows_its_error(console: Console, browser: Any) -> None:
    before = [r.path for r in console.site.requests].count("/rss/tin-tuc.rss")
    reports = console.run(poll_round(console.config, console.db, force=True))
    assert [r.source.id for r in reports] == ["hong"]  # the paused source is not polled
    assert [r.path for r in console.site.requests].count("/rss/tin-tuc.rss") == before

    browser.get(console.url("/sources"))
    row = _row(browser, "hong")
    assert row.get_attribute("data-state") == "failing"
    assert row.find_element(By.CSS_SELECTOR, ".failures").text == "1"
    assert "404" in row.find_element(By.CSS_SELECTOR, ".last-error").text
    browser.get(console.url("/"))
    home = _wait(browser, "home-sources").text
    assert "Đang lỗi" in home and "404" in home


def test_screenshots_at_phone_and_desktop_width(
    console: Console, browser: Any, tmp_path: Path
) -> None:
    shots = {}
    for name, (width, height) in {"phone": (390, 844), "desktop": (1280, 900)}.items():
        browser.set_window_size(width, height)
        browser.get(console.url("/sources"))
        _wait(browser, "sources")
        # On a phone the table is a stack of cards: no sideways scrolling.
        scroll = browser.execute_script("return document.documentElement.scrollWidth")
        assert scroll <= width, (name, scroll)
        path = tmp_path / f"console-sources-{name}.png"
        assert browser.save_screenshot(str(path))
        shots[name] = path.read_bytes()
    for name, png in shots.items():
        assert png.startswith(PNG) and len(png) > 5_000, name
    assert shots["phone"] != shots["desktop"]
