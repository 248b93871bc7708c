"""The Zalo Bot API client against the fake Zalo server on 127.0.0.1."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

import pytest

from bot.channels.zalo.client import InvalidToken, ZaloClient
from bot.delivery.transport import Permanent, RateLimited, RecipientGone, Transient
from tests.support.fake_zalo import FakeZalo


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZalo]:
    async with FakeZalo() as fake:
        yield fake


@pytest.fixture
async def client(zalo: FakeZalo) -> AsyncIterator[ZaloClient]:
    async with ZaloClient(zalo.token, zalo.base_url, timeout=5.0) as c:
        yield c


async def test_get_me(client: ZaloClient) -> None:
    me = await client.get_me()
    assert me["account_name"] == "Bot Công đoàn"
    assert me["account_type"] == "BASIC"


async def test_get_update_returns_one_update(client: ZaloClient, zalo: FakeZalo) -> None:
    zalo.push_text("u1", "tin mới")
    zalo.push_text("u2", "hướng dẫn")
    first = await client.get_update(timeout=1)
    second = await client.get_update(timeout=1)
    assert first is not None and second is not None
    assert first["event_name"] == "message.text.received"
    assert (first["message"]["chat"]["id"], first["message"]["text"]) == ("u1", "tin mới")
    assert second["message"]["text"] == "hướng dẫn"


async def test_idle_408_is_none_not_an_error(client: ZaloClient, zalo: FakeZalo) -> None:
    started = time.monotonic()
    assert await client.get_update(timeout=1) is None
    assert 0.9 <= time.monotonic() - started < 3
    assert [c.status for c in zalo.calls_to("getUpdates")] == [408]


async def test_send_message_returns_id(client: ZaloClient, zalo: FakeZalo) -> None:
    message_id = await client.send_message("u1", "Kính chào đồng chí!")
    [sent] = zalo.sent("u1")
    assert sent.text == "Kính chào đồng chí!"
    assert message_id == sent.message_id != ""


async def test_send_message_2000_chars_ok_2001_refused_before_sending(
    client: ZaloClient, zalo: FakeZalo
) -> None:
    await client.send_message("u1", "đ" * 2000)
    with pytest.raises(ValueError, match="2000"):
        await client.send_message("u1", "đ" * 2001)
    with pytest.raises(ValueError):
        await client.send_message("u1", "  ")
    assert len(zalo.calls_to("sendMessage")) == 1


async def test_decomposed_vietnamese_is_counted_as_composed(
    client: ZaloClient, zalo: FakeZalo
) -> None:
    import unicodedata

    text = unicodedata.normalize("NFD", "Liên đoàn Lao động ") * 100  # 1900 NFC chars
    assert len(text) > 2000
    await client.send_message("u1", text)
    [sent] = zalo.sent("u1")
    assert sent.text == unicodedata.normalize("NFC", text)


async def test_send_photo_and_chat_action(client: ZaloClient, zalo: FakeZalo) -> None:
    await client.send_photo("u1", "https://congdoannghean.vn/a.jpg", "Đại hội Công đoàn")
    assert await client.send_chat_action("u1", "typing") is True
    [photo] = zalo.sent("u1")
    assert (photo.kind, photo.photo, photo.text) == (
        "photo",
        "https://congdoannghean.vn/a.jpg",
        "Đại hội Công đoàn",
    )
    assert zalo.actions == [("u1", "typing")]


async def test_webhook_set_info_delete(client: ZaloClient, zalo: FakeZalo) -> None:
    assert await client.get_webhook_info() is None  # 404 when none
    await client.set_webhook("https://bot.example.vn/zalo", "s3cret-token")
    info = await client.get_webhook_info()
    assert info is not None and info["url"] == "https://bot.example.vn/zalo"
    assert await client.delete_webhook() is True
    assert await client.get_webhook_info() is None
    with pytest.raises(ValueError):
        await client.set_webhook("https://bot.example.vn/zalo", "short")


async def test_bad_token_is_permanent_with_clear_message(zalo: FakeZalo) -> None:
    async with ZaloClient("999:wrong-token", zalo.base_url) as bad:
        with pytest.raises(InvalidToken, match="ZALO_BOT_TOKEN") as err:
            await bad.get_me()
    assert isinstance(err.value, Permanent)
    assert "wrong-token" not in str(err.value)


async def test_quota_exceeded_is_rate_limited(client: ZaloClient, zalo: FakeZalo) -> None:
    zalo.quota_exceeded()
    with pytest.raises(RateLimited) as err:
        await client.send_message("u1", "tin")
    assert err.value.retry_after > 0
    await client.send_message("u1", "tin")  # the next one goes through
    assert len(zalo.sent("u1")) == 1


async def test_blocked_is_recipient_gone(client: ZaloClient, zalo: FakeZalo) -> None:
    zalo.block("u9")
    with pytest.raises(RecipientGone):
        await client.send_message("u9", "tin")


async def test_server_400_is_permanent_and_5xx_transient(
    client: ZaloClient, zalo: FakeZalo
) -> None:
    zalo.fail_next(400, "Bad Request: invalid chat_id")
    with pytest.raises(Permanent, match="invalid chat_id"):
        await client.send_message("u1", "tin")
    zalo.fail_next(502, "Bad Gateway")
    with pytest.raises(Transient):
        await client.send_message("u1", "tin")


async def test_connection_refused_is_transient(zalo: FakeZalo) -> None:
    base = zalo.base_url
    await zalo.stop()
    async with ZaloClient(zalo.token, base, timeout=2.0) as c:
        with pytest.raises(Transient):
            await c.send_message("u1", "tin")


async def test_token_never_in_logs(zalo: FakeZalo, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    # The CLI quiets httpx (tests that ran main() left it at WARNING): open it up.
    caplog.set_level(logging.DEBUG, logger="httpx")
    async with ZaloClient(zalo.token, zalo.base_url, timeout=5.0) as c:
        await c.get_me()
        await c.send_message("u1", "tin")
        assert await c.get_update(timeout=0) is None
        with pytest.raises(RateLimited):
            zalo.quota_exceeded()
            await c.send_message("u1", "tin")
        assert repr(c) == f"ZaloClient(base_url={zalo.base_url!r})"
    secret = zalo.token.split(":")[1]
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "HTTP Request" in text  # httpx did log the requests...
    assert "sendMessage" in text
    assert secret not in text  # ...without the token
    assert "<token>" in text
