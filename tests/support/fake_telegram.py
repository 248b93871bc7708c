"""A fake Telegram Bot API server for offline end-to-end tests.

A real python-telegram-bot ``Application`` talks HTTP to this server on 127.0.0.1
exactly as it would to api.telegram.org (PTB's ``base_url``/``base_file_url``)::

    async with FakeTelegram() as tg:
        app = (ApplicationBuilder().token(tg.token).base_url(tg.base_url)
               .base_file_url(tg.base_file_url).build())
        ...
        tg.push_message(42, "/start")              # what the user types
        [reply] = await tg.wait_for_messages(42, 1)  # what the user sees

Standalone (benchmarks in another process): ``python -m tests.support.fake_telegram
--port N`` prints the base URL on its first line; rate limits are on by default there.
Out-of-process inspection and control: ``GET /_fake/stats``, ``GET /_fake/sent?chat_id=``,
``GET /_fake/webhook`` (url and secret_token of the last setWebhook) and ``POST /_fake/control`` with ``{"action": "block", "args": [42], "kwargs": {}}``
(actions: the public fault, user-side and reset methods, plus ``enforce_limits``).

Faithfulness notes (what is deliberately stricter or simpler than Telegram):

* HTML parse mode follows tdlib's parser (same error texts), except that a bare ``&``
  not forming one of the supported entities is rejected (``strict_ampersand``), as the
  Bot API documentation demands, while the real server currently lets it through.
* MarkdownV2 is checked for the most common failure only: reserved characters that
  are not escaped and unbalanced entity markers.  Legacy ``Markdown`` is passed as-is.
* Limits are sliding windows/token buckets with the documented parameters of
  :class:`Limits`; Telegram's real limiter is adaptive and undocumented.
* Any chat id is accepted unless ``strict_chats=True``; user messages never get
  automatic url/mention entities, only the ``bot_command`` one at the start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import math
import re
import signal
import subprocess
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

DEFAULT_TOKEN = "123456:TEST-TOKEN"
DEFAULT_USER_ID = 700_000_001
MAX_TEXT_UTF16 = 4096
MAX_CAPTION_UTF16 = 1024
# Ids at or below this are supergroups/channels (-100xxxxxxxxxx), above are basic groups.
SUPERGROUP_ID_BOUNDARY = -1_000_000_000_000

T = TypeVar("T")

# Fields that PTB sends as JSON strings inside form-urlencoded/multipart bodies.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "link_preview_options",
        "commands",
        "entities",
        "caption_entities",
        "scope",
        "allowed_updates",
        "reply_parameters",
        "media",
    }
)
_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
# FakeTelegram methods reachable through POST /_fake/control.
_CONTROL_ACTIONS = frozenset(
    {
        "block",
        "unblock",
        "kick",
        "chat_not_found",
        "migrate",
        "clear_fault",
        "flood",
        "fail_next",
        "set_admins",
        "push_message",
        "push_callback",
        "press",
        "push_my_chat_member",
        "push_migration",
        "reset",
    }
)
# Methods that deliver a new message and therefore count against the flood limits.
_SEND_METHODS = frozenset({"sendmessage", "sendphoto"})
_KNOWN_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


# --------------------------------------------------------------------------- errors


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description and parameters."""

    def __init__(self, status: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def _too_many(retry_after: int) -> ApiError:
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        {"retry_after": retry_after},
    )


# --------------------------------------------------------------------------- text


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class EntityParseError(ValueError):
    """The text is not valid for its parse_mode; str() is tdlib's wording."""


_HTML_SPACE = " \t\r\n\f\v"
_HTML_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_SPECIAL = re.compile("[&<]")
_NAMED_HTML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_html_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode ``&...`` at ``pos`` like tdlib: numeric refs and lt/gt/amp/quot only."""
    n = len(text)
    end = pos + 1
    if end < n and text[end] == "#":
        end += 1
        hexa = end < n and text[end] == "x"
        if hexa:
            end += 1
        digits = "0123456789abcdefABCDEF" if hexa else "0123456789"
        start = end
        while end < n and text[end] in digits:
            end += 1
        if end == start or end - pos >= 10:
            return None
        code = int(text[start:end], 16 if hexa else 10)
        if code == 0 or code >= 0x10FFFF:
            return None
        char = chr(code)
    else:
        while end < n and text[end].isascii() and text[end].isalpha():
            end += 1
        named = _NAMED_HTML_ENTITIES.get(text[pos + 1 : end])
        if named is None:
            return None
        char = named
    if end < n and text[end] == ";":
        end += 1
    return char, end


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int  # UTF-16 offset in the visible text
    expandable: bool = False


def _entity_for(tag: _OpenTag, length: int, inner_text: str) -> dict[str, Any]:
    entity: dict[str, Any] = {"type": _HTML_TAG_ENTITY[tag.name], "offset": tag.offset}
    entity["length"] = length
    if tag.name == "a":
        entity["url"] = tag.argument or inner_text
    elif tag.name == "code" and tag.argument:
        entity["language"] = tag.argument  # moved to the enclosing pre, else dropped
    elif tag.name == "tg-emoji":
        entity["custom_emoji_id"] = tag.argument
    elif tag.name == "blockquote" and tag.expandable:
        entity["type"] = "expandable_blockquote"
    return entity


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into (visible text, entities); raise :class:`EntityParseError`.

    A port of tdlib's ``parse_html`` so that error texts and offsets (UTF-8 bytes in
    errors, UTF-16 units in entities) match what the real server answers.
    """

    def at(i: int) -> str:
        return f"at byte offset {len(text[:i].encode())}"

    out: list[str] = []
    u16 = 0
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    n = len(text)
    i = 0
    while i < n:
        char = text[i]
        if char == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is not None:
                out.append(decoded[0])
                u16 += utf16_len(decoded[0])
                i = decoded[1]
                continue
            if strict_ampersand:
                word = re.match(r"&#?\w+;", text[i:])
                if word:
                    raise EntityParseError(f'Unsupported HTML entity "{word.group()}" {at(i)}')
                raise EntityParseError(f'Character "&" must be escaped as "&amp;" {at(i)}')
        if char != "<":
            # Copy the plain run up to the next markup character in one step.
            found = _HTML_SPECIAL.search(text, i + 1)
            chunk = text[i : found.start() if found else n]
            out.append(chunk)
            u16 += utf16_len(chunk)
            i += len(chunk)
            continue

        begin = i
        i += 1
        if i < n and text[i] == "/":  # end tag
            if not stack:
                raise EntityParseError(f"Unexpected end tag {at(begin)}")
            j = i + 1
            while j < n and text[j] not in _HTML_SPACE and text[j] != ">":
                j += 1
            end_name = text[i + 1 : j].lower()
            while j < n and text[j] in _HTML_SPACE:
                j += 1
            if j >= n or text[j] != ">":
                raise EntityParseError(f"Unclosed end tag {at(begin)}")
            i = j + 1
            tag = stack.pop()
            if end_name and end_name != tag.name:
                raise EntityParseError(
                    f'Unmatched end tag {at(begin)}, expected "</{tag.name}>", '
                    f'found "</{end_name}>"'
                )
            length = u16 - tag.offset
            if length > 0:
                inner = ""
                if tag.name == "a" and not tag.argument:  # the link text is the URL
                    so_far = "".join(out)
                    inner = so_far[len(so_far) - _chars_for_utf16_tail(so_far, length) :]
                entities.append(_entity_for(tag, length, inner))
            continue

        j = i
        while j < n and text[j] not in _HTML_SPACE and text[j] != ">":
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag {at(begin)}")
        name = text[i:j].lower()
        if name not in _HTML_TAG_ENTITY:
            raise EntityParseError(f'Unsupported start tag "{name}" {at(begin)}')
        i = j
        tag = _OpenTag(name, "", u16)
        i = _parse_html_attributes(text, i, begin, tag, at)
        if name == "span" and tag.argument != "spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" {at(begin)}')
        stack.append(tag)

    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return "".join(out), _merge_pre_code(entities)


def _parse_html_attributes(
    text: str, i: int, begin: int, tag: _OpenTag, at: Callable[[int], str]
) -> int:
    """Read attributes up to and including ``>``; return the index after it."""
    n = len(text)
    while True:
        while i < n and text[i] in _HTML_SPACE:
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag {at(begin)}")
        if text[i] == ">":
            return i + 1
        attr_start = i
        while i < n and text[i] not in _HTML_SPACE and text[i] not in "=>":
            i += 1
        attr = text[attr_start:i].lower()
        if not attr:
            raise EntityParseError(f'Empty attribute name in the tag "{tag.name}" {at(begin)}')
        while i < n and text[i] in _HTML_SPACE:
            i += 1
        if i >= n or text[i] != "=":
            if tag.name == "blockquote" and attr == "expandable":
                tag.expandable = True
                continue
            raise EntityParseError(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{tag.name}" {at(begin)}'
            )
        i += 1
        while i < n and text[i] in _HTML_SPACE:
            i += 1
        if i >= n:
            raise EntityParseError(f'Unclosed start tag "{tag.name}" {at(begin)}')
        if text[i] not in "'\"":
            # An unquoted name token: letters, digits, periods and hyphens.
            token_start = i
            while i < n and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
                i += 1
            value = text[token_start:i].lower()
            if i >= n or (text[i] not in _HTML_SPACE and text[i] != ">"):
                raise EntityParseError(f"Unexpected end of name token {at(token_start)}")
        else:
            quote = text[i]
            i += 1
            chars: list[str] = []
            while i < n and text[i] != quote:
                if text[i] == "&" and (decoded := _decode_html_entity(text, i)):
                    chars.append(decoded[0])
                    i = decoded[1]
                    continue
                chars.append(text[i])
                i += 1
            if i < n:
                i += 1
            value = "".join(chars)
        if i >= n:
            raise EntityParseError(f"Unclosed start tag {at(begin)}")
        if tag.name == "a" and attr == "href":
            tag.argument = value
        elif tag.name == "code" and attr == "class" and value.startswith("language-"):
            tag.argument = value[len("language-") :]
        elif tag.name == "span" and attr == "class" and value.startswith("tg-"):
            tag.argument = value[len("tg-") :]
        elif tag.name == "tg-emoji" and attr == "emoji-id":
            tag.argument = value


def _chars_for_utf16_tail(text: str, units: int) -> int:
    """How many trailing characters of ``text`` make up ``units`` UTF-16 units."""
    count = 0
    for ch in reversed(text):
        if units <= 0:
            break
        units -= 2 if ord(ch) > 0xFFFF else 1
        count += 1
    return count


def _merge_pre_code(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``<pre><code class="language-x">`` is one pre entity with a language, as in tdlib."""
    spans = {(e["offset"], e["length"]): e for e in entities if e["type"] == "pre"}
    merged = []
    for entity in entities:
        if entity["type"] == "code":
            language = entity.pop("language", None)
            pre = spans.get((entity["offset"], entity["length"]))
            if pre is not None:
                if language:
                    pre["language"] = language
                continue  # the code tag only carried the language
        merged.append(entity)
    return sorted(merged, key=lambda e: (e["offset"], -e["length"]))


_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"


def check_markdown_v2(text: str) -> str:
    """Return the visible text of MarkdownV2, raising on unescaped reserved characters.

    Simplified: entities are recognised by their markers only (no nesting rules).
    """
    out: list[str] = []
    open_marks: list[tuple[str, int]] = []
    i, n = 0, len(text)

    def at(k: int) -> str:
        return f"at byte offset {len(text[:k].encode())}"

    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and 0 < ord(text[i + 1]) < 127:
            out.append(text[i + 1])
            i += 2
            continue
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise EntityParseError(f"Can't find end of Pre entity {at(i)}")
            body = text[i + 3 : end]
            body = body.split("\n", 1)[1] if "\n" in body else body
            out.append(re.sub(r"\\([`\\])", r"\1", body))
            i = end + 3
            continue
        if ch == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise EntityParseError(f"Can't find end of Code entity {at(i)}")
            out.append(re.sub(r"\\([`\\])", r"\1", text[i + 1 : end]))
            i = end + 1
            continue
        if ch == "]" and open_marks and open_marks[-1][0] == "[":
            open_marks.pop()
            if i + 1 < n and text[i + 1] == "(":
                end = text.find(")", i + 2)
                while end > 0 and text[end - 1] == "\\":
                    end = text.find(")", end + 1)
                if end < 0:
                    raise EntityParseError(f"Can't find end of a URL {at(i + 1)}")
                i = end + 1
            else:
                i += 1
            continue
        mark = next((m for m in ("||", "__", "*", "_", "~", "[") if text.startswith(m, i)), None)
        if mark is not None:
            if mark != "[" and open_marks and open_marks[-1][0] == mark:
                open_marks.pop()
            else:
                open_marks.append((mark, i))
            i += len(mark)
            continue
        if ch == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1  # a blockquote line marker
            continue
        if ch in _MDV2_RESERVED:
            raise EntityParseError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        out.append(ch)
        i += 1
    if open_marks:
        mark, pos = open_marks[-1]
        kind = {"*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough"}.get(
            mark, "Spoiler" if mark == "||" else "TextUrl"
        )
        raise EntityParseError(f"Can't find end of {kind} entity {at(pos)}")
    return "".join(out)


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip surrounding whitespace like Telegram does, shifting/clipping entities."""
    stripped = text.strip(_HTML_SPACE)
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip(_HTML_SPACE))])
    total = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


# --------------------------------------------------------------------------- limits


@dataclass(frozen=True)
class Limits:
    """Flood rules enforced per bot token when limits are on.

    * overall: at most ``global_per_second`` sends in any sliding 1-second window;
    * private chat: a token bucket of ``private_burst`` sends refilled at
      ``private_per_second`` (Telegram tolerates short bursts, then ~1 msg/s);
    * group/supergroup (negative id): at most ``group_per_minute`` sends in any sliding
      60-second window.
    A refused send returns 429 with ``retry_after`` = whole seconds until it would pass
    (at least 1) and is not counted as sent.
    """

    global_per_second: int = 30
    private_burst: int = 3
    private_per_second: float = 1.0
    group_per_minute: int = 20


class _RateLimiter:
    """Sliding windows and token buckets implementing :class:`Limits`."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._global: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}
        self._buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, at)
        self.refused_by = ""  # the limit behind the last refusal: global, group or chat

    def admit(self, chat_id: int, now: float) -> int | None:
        """Record a send and return None, or return retry_after seconds (nothing recorded)."""
        lim = self.limits
        _expire(self._global, now - 1.0)
        waits: list[tuple[float, str]] = []
        if len(self._global) >= lim.global_per_second:
            waits.append((self._global[0] + 1.0 - now, "global"))
        tokens = 0.0
        if chat_id < 0:
            window = self._groups.setdefault(chat_id, deque())
            _expire(window, now - 60.0)
            if len(window) >= lim.group_per_minute:
                waits.append((window[0] + 60.0 - now, "group"))
        else:
            tokens, last = self._buckets.get(chat_id, (float(lim.private_burst), now))
            tokens = min(float(lim.private_burst), tokens + (now - last) * lim.private_per_second)
            if tokens < 1.0:
                waits.append(((1.0 - tokens) / lim.private_per_second, "chat"))
        if waits:
            wait, self.refused_by = max(waits)
            return max(1, math.ceil(wait))
        self._global.append(now)
        if chat_id < 0:
            self._groups[chat_id].append(now)
        else:
            self._buckets[chat_id] = (tokens - 1.0, now)
        return None


def _expire(window: deque[float], before: float) -> None:
    while window and window[0] <= before:
        window.popleft()


# --------------------------------------------------------------------------- records


@dataclass
class SentMessage:
    """A message the bot sent, as the user sees it now (edits update it in place)."""

    chat_id: int
    message_id: int
    text: str  # raw text as sent (with markup)
    visible_text: str  # after entity parsing and trimming: what the user reads
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    disable_notification: bool
    link_preview_options: dict[str, Any] | None
    time: float  # time.monotonic() of the send
    method: str = "sendMessage"
    reply_to_message_id: int | None = None
    photo: str | None = None
    edits: list[str] = field(default_factory=list)  # previous visible texts
    deleted: bool = False

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Inline keyboard buttons, row by row, flattened."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def button(self, text: str) -> dict[str, Any]:
        """The inline button whose label equals ``text``."""
        for candidate in self.buttons:
            if candidate.get("text") == text:
                return candidate
        labels = [b.get("text") for b in self.buttons]
        raise LookupError(f"no button {text!r} in message {self.message_id}: {labels}")


@dataclass
class Call:
    """One request the server received."""

    method: str
    params: dict[str, Any]
    time: float
    status: int = 0


@dataclass
class Stats:
    """Counters for benchmarks and limit tests."""

    requests: int = 0
    sent: int = 0
    too_many_requests: int = 0
    forbidden: int = 0
    bad_request: int = 0
    per_second: Counter[int] = field(default_factory=Counter)  # second since start -> sends
    errors: Counter[str] = field(default_factory=Counter)  # description -> count
    # Sends the flood limits refused: (time.monotonic(), chat id, which limit), to
    # tell a sender's burst from a chat's or a group's limit.
    refused: list[tuple[float, int, str]] = field(default_factory=list)

    @property
    def max_per_second(self) -> int:
        return max(self.per_second.values(), default=0)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (asdict would mangle the Counters)."""
        return {
            "requests": self.requests,
            "sent": self.sent,
            "too_many_requests": self.too_many_requests,
            "forbidden": self.forbidden,
            "bad_request": self.bad_request,
            "per_second": {str(k): v for k, v in sorted(self.per_second.items())},
            "max_per_second": self.max_per_second,
            "errors": dict(self.errors),
            "refused": [list(r) for r in self.refused],
        }


@dataclass
class _Chat:
    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    username: str | None = None
    last_message_id: int = 0

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.first_name or "Đoàn viên"
        else:
            data["title"] = self.title or "Nhóm thử nghiệm"
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class _Flood:
    chat_id: int | None
    retry_after: int
    remaining: int


@dataclass
class _Failure:
    remaining: int
    status: int
    methods: frozenset[str] | None


def _chat_type_for(chat_id: int) -> str:
    if chat_id > 0:
        return "private"
    return "supergroup" if chat_id <= SUPERGROUP_ID_BOUNDARY else "group"


# --------------------------------------------------------------------------- params


def _load_json_fields(params: dict[str, Any]) -> dict[str, Any]:
    for key in _JSON_FIELDS & params.keys():
        value = params[key]
        if isinstance(value, str):
            try:
                params[key] = json.loads(value)
            except ValueError as exc:
                what = "reply keyboard markup" if key == "reply_markup" else key
                raise _bad_request(f"can't parse {what} JSON object") from exc
    return params


@dataclass(frozen=True)
class UploadedFile:
    """A multipart file part."""

    filename: str | None
    content_type: str
    data: bytes


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Merge query string and body (form, multipart or JSON) into one dict."""
    params: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return _load_json_fields(params)
    ctype = request.content_type
    if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                params[key] = UploadedFile(value.filename, value.content_type, value.file.read())
            else:
                params[key] = value
    else:
        raw = await request.read()
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError as exc:
                raise _bad_request("can't parse JSON object") from exc
            if isinstance(body, dict):
                params.update(body)
    return _load_json_fields(params)


def _check_markup(markup: Any) -> dict[str, Any] | None:
    """Validate an inline keyboard like Telegram; other markups pass through."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    for button in (b for row in rows for b in row):
        if not isinstance(button, dict) or not str(button.get("text") or "").strip():
            raise _bad_request("text buttons are unallowed in the inline keyboard")
        actions = _BUTTON_ACTIONS & button.keys()
        if not actions:
            raise _bad_request("text buttons are unallowed in the inline keyboard")
        data = button.get("callback_data")
        # 1-64 bytes of UTF-8: Vietnamese letters take 2-3 bytes each.
        if "callback_data" in button and not 1 <= len(str(data).encode()) <= 64:
            raise _bad_request("BUTTON_DATA_INVALID")
        url = button.get("url")
        if "url" in button and not re.match(r"(?i)(https?|tg)://\S", str(url)):
            raise _bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
    return markup


def _opt_int(params: dict[str, Any], key: str) -> int | None:
    value = params.get(key)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise _bad_request(f"invalid {key} specified") from exc


def _req_int(params: dict[str, Any], key: str, empty_message: str) -> int:
    value = _opt_int(params, key)
    if value is None:
        raise _bad_request(empty_message)
    return value


def _flag(params: dict[str, Any], key: str) -> bool:
    value = params.get(key)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


# --------------------------------------------------------------------------- server


class FakeTelegram:
    """An aiohttp Bot API server on 127.0.0.1 with faults, limits and inspection."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        enforce_limits: bool = False,
        limits: Limits | None = None,
        bot_username: str = "congdoan_test_bot",
        bot_name: str = "Công đoàn (thử nghiệm)",
        strict_chats: bool = False,
        strict_ampersand: bool = True,
        max_calls: int | None = None,
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.enforce_limits = enforce_limits
        self.limits = limits or Limits()
        self.strict_chats = strict_chats
        self.strict_ampersand = strict_ampersand
        # Long benchmarks would otherwise keep every request's params in memory.
        self.max_calls = max_calls
        head = token.split(":", 1)[0]
        self.bot_user: dict[str, Any] = {
            "id": int(head) if head.isdigit() else 123456,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self.calls: list[Call] = []
        self.stats = Stats()
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.webhook_url = ""
        self.webhook_secret = ""  # setWebhook's secret_token (Telegram never reveals it)
        self._limiter = _RateLimiter(self.limits)
        self._chats: dict[int, _Chat] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._sent: list[SentMessage] = []
        self._sent_index: dict[tuple[int, int], SentMessage] = {}
        self._faults: dict[int, ApiError] = {}
        self._floods: list[_Flood] = []
        self._failures: list[_Failure] = []
        self._admins: dict[int, tuple[list[int], int | None]] = {}
        self._files: dict[str, tuple[str, bytes]] = {}
        self._updates: list[dict[str, Any]] = []
        self._allowed_updates: frozenset[str] | None = None
        self._pending_callbacks: set[str] = set()
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(4_000_000_000_000_000_001)
        self._poll_generation = 0
        self._changed = asyncio.Event()
        self._closing = False
        self._started_at = time.monotonic()
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, Callable[[dict[str, Any]], Any]] = {
            name.lower(): getattr(self, f"_api_{name}")
            for name in [
                "getMe",
                "deleteWebhook",
                "setWebhook",
                "getWebhookInfo",
                "getUpdates",
                "sendMessage",
                "sendPhoto",
                "editMessageText",
                "editMessageReplyMarkup",
                "deleteMessage",
                "answerCallbackQuery",
                "setMyCommands",
                "getMyCommands",
                "deleteMyCommands",
                "getChat",
                "getChatMember",
                "getChatAdministrators",
                "sendChatAction",
                "getFile",
                "close",
                "logOut",
            ]
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeTelegram:
        """Bind and serve on the running loop."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_get("/_fake/stats", self._handle_stats)
        app.router.add_get("/_fake/sent", self._handle_sent)
        app.router.add_get("/_fake/webhook", self._handle_webhook)
        app.router.add_post("/_fake/control", self._handle_control)
        # Pending long polls are woken on close, so a short grace period is enough.
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._closing = False
        self._started_at = time.monotonic()
        return self

    async def stop(self) -> None:
        """Wake pending long polls, then close the server."""
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """PTB ``base_url``: the token is appended to it."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # ------------------------------------------------------------------ faults

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: sends to ``chat_id`` get 403."""
        self._faults[chat_id] = ApiError(403, "Forbidden: bot was blocked by the user")

    def kick(self, chat_id: int) -> None:
        """The bot was removed from the group: sends get 403."""
        kind = "supergroup" if _chat_type_for(chat_id) == "supergroup" else "group"
        self._faults[chat_id] = ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")

    def chat_not_found(self, chat_id: int) -> None:
        self._faults[chat_id] = _bad_request("chat not found")

    def migrate(self, chat_id: int, new_id: int) -> None:
        """The group became supergroup ``new_id``: the old id answers 400 + migrate_to_chat_id."""
        self._faults[chat_id] = ApiError(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": new_id},
        )
        self._faults.pop(new_id, None)
        old = self._chats.get(chat_id)
        self._chats.setdefault(
            new_id, _Chat(new_id, "supergroup", title=old.title if old else None)
        )

    def clear_fault(self, chat_id: int) -> None:
        """Undo block/kick/chat_not_found/migrate for ``chat_id``."""
        self._faults.pop(chat_id, None)

    unblock = clear_fault

    def flood(self, chat_id: int | None = None, retry_after: int = 5, count: int = 1) -> None:
        """The next ``count`` sends (to ``chat_id``, or to any chat if None) answer 429."""
        self._floods.append(_Flood(chat_id, retry_after, count))

    def fail_next(
        self, n: int = 1, status: int = 502, *, methods: Iterable[str] | None = None
    ) -> None:
        """The next ``n`` requests fail with ``status`` (transient server trouble).

        ``methods`` limits it to those methods; by default every method but
        getUpdates, so that polling keeps running.
        """
        chosen = frozenset(m.lower() for m in methods) if methods is not None else None
        self._failures.append(_Failure(n, status, chosen))

    def set_admins(
        self, chat_id: int, admin_ids: Iterable[int], *, creator_id: int | None = None
    ) -> None:
        """Configure the administrators of group ``chat_id`` (``creator_id`` is the owner)."""
        self._admins[chat_id] = (list(admin_ids), creator_id)

    def add_file(self, data: bytes, *, file_path: str | None = None) -> str:
        """Make a file downloadable via getFile + the file URL; returns its file_id."""
        file_id = f"FILE{len(self._files) + 1:06d}"
        self._files[file_id] = (file_path or f"documents/{file_id}.bin", data)
        return file_id

    # ------------------------------------------------------------------ user side

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update (``update_id`` is assigned here); returns its id."""
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **update})
        self._notify()
        return update_id

    def push_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        language_code: str | None = "vi",
        first_name: str = "Đoàn viên",
        last_name: str | None = None,
        username: str | None = None,
        chat_title: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> int:
        """A user types ``text`` in ``chat_id``; returns the update id.

        ``chat_type`` defaults from the id (positive: private, -100…: supergroup,
        other negative: group).  A leading ``/command`` gets its bot_command entity.
        """
        chat = self._chat(chat_id, chat_type, title=chat_title, first_name=first_name)
        user = self._user(
            user_id if user_id is not None else self._default_user(chat_id),
            first_name,
            last_name,
            username,
            language_code,
        )
        message = self._new_message(chat, user, text=text)
        command = re.match(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)", text)
        if command:
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}
            ]
        if reply_to_message_id is not None:
            replied = self._messages.get((chat_id, reply_to_message_id))
            if replied is not None:
                message["reply_to_message"] = replied
        return self.push_update({"message": message})

    def push_callback(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        first_name: str = "Đoàn viên",
        language_code: str | None = "vi",
    ) -> int:
        """A user presses an inline button with ``data`` under a bot message."""
        user = self._user(
            user_id if user_id is not None else self._default_user(chat_id),
            first_name,
            None,
            None,
            language_code,
        )
        message = self._messages.get((chat_id, message_id))
        if message is None or self._is_deleted(chat_id, message_id):
            chat = self._chat(chat_id)
            # Telegram sends an InaccessibleMessage (date 0) for deleted/unknown messages.
            message = {"chat": chat.as_dict(), "message_id": message_id, "date": 0}
        query_id = str(next(self._callback_ids))
        self._pending_callbacks.add(query_id)
        return self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "chat_instance": str(abs(chat_id) * 7919 % 10**19),
                    "message": message,
                    "data": data,
                }
            }
        )

    def press(self, chat_id: int, message_id: int, button_text: str, **kwargs: Any) -> int:
        """Press the inline button labelled ``button_text`` (LookupError if absent)."""
        sent = self._sent_index.get((chat_id, message_id))
        if sent is None:
            raise LookupError(f"the bot sent no message {message_id} to chat {chat_id}")
        data = sent.button(button_text).get("callback_data")
        if data is None:
            raise LookupError(f"button {button_text!r} is not a callback button")
        return self.push_callback(chat_id, message_id, data, **kwargs)

    def push_my_chat_member(
        self,
        chat_id: int,
        *,
        new_status: str = "member",
        old_status: str = "left",
        user_id: int | None = None,
        chat_type: str | None = None,
        chat_title: str | None = None,
        first_name: str = "Đoàn viên",
    ) -> int:
        """The bot's own membership changed (added to / removed from a group, or a
        private user blocked/unblocked it).  Later sends follow the new status."""
        chat = self._chat(chat_id, chat_type, title=chat_title)
        user = self._user(
            user_id if user_id is not None else self._default_user(chat_id),
            first_name,
            None,
            None,
            "vi",
        )
        if new_status in ("left", "kicked"):
            if chat.type == "private":
                self.block(chat_id)
            else:
                self.kick(chat_id)
        elif new_status in ("member", "administrator", "creator"):
            self.clear_fault(chat_id)
        update = {
            "chat": chat.as_dict(),
            "from": user,
            "date": int(time.time()),
            "old_chat_member": self._member(self.bot_user, old_status),
            "new_chat_member": self._member(self.bot_user, new_status),
        }
        return self.push_update({"my_chat_member": update})

    def push_migration(self, old_id: int, new_id: int, *, user_id: int | None = None) -> list[int]:
        """Group ``old_id`` became supergroup ``new_id``: both service messages."""
        old = self._chat(old_id, "group")
        user = self._user(
            user_id if user_id is not None else DEFAULT_USER_ID, "Đoàn viên", None, None, "vi"
        )
        self.migrate(old_id, new_id)
        new = self._chat(new_id, "supergroup", title=old.title)
        first = self._new_message(old, user, migrate_to_chat_id=new_id)
        second = self._new_message(new, user, migrate_from_chat_id=old_id)
        return [self.push_update({"message": first}), self.push_update({"message": second})]

    # ------------------------------------------------------------------ inspection

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        """Messages the bot sent (to ``chat_id``), in order; deleted ones are flagged."""
        return [m for m in self._sent if chat_id is None or m.chat_id == chat_id]

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by a getUpdates offset."""
        return list(self._updates)

    async def wait_for(
        self, predicate: Callable[[], T | None], timeout: float = 5.0, what: str = ""
    ) -> T:
        """Wait until ``predicate()`` is truthy and return it (deadline-based)."""
        deadline = time.monotonic() + timeout
        while True:
            changed = self._changed
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what or predicate}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    async def wait_for_messages(
        self, chat_id: int, count: int = 1, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Wait until the bot has sent ``count`` messages to ``chat_id``; return them all."""

        def enough() -> list[SentMessage] | None:
            messages = self.sent(chat_id)
            return messages if len(messages) >= count else None

        try:
            return await self.wait_for(enough, timeout)
        except TimeoutError:
            got = [m.visible_text[:60] for m in self.sent(chat_id)]
            raise TimeoutError(
                f"expected {count} message(s) to chat {chat_id} within {timeout}s, got {got}"
            ) from None

    async def wait_for_call(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ``method`` has been called ``count`` times; return those calls."""

        def enough() -> list[Call] | None:
            calls = self.calls_to(method)
            return calls if len(calls) >= count else None

        return await self.wait_for(enough, timeout, f"{count} {method} call(s)")

    def reset(self) -> None:
        """Forget calls, sent messages, stats and faults (chats and commands stay)."""
        self.calls.clear()
        self._sent.clear()
        self._sent_index.clear()
        self.stats = Stats()
        self._faults.clear()
        self._floods.clear()
        self._failures.clear()
        self._limiter = _RateLimiter(self.limits)
        self._started_at = time.monotonic()

    # ------------------------------------------------------------------ HTTP layer

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        call = Call(method, {}, time.monotonic())
        self.calls.append(call)
        if self.max_calls is not None and len(self.calls) > 2 * self.max_calls:
            del self.calls[: -self.max_calls]  # trimmed in chunks: amortised O(1)
        self.stats.requests += 1
        try:
            call.params = await _read_params(request)
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            handler = self._methods.get(method.lower())
            if handler is None:
                raise ApiError(404, "Not Found")
            self._inject_failure(method.lower())
            result = handler(call.params)
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as error:
            call.status = error.status
            self._count_error(error)
            self._notify()
            return web.json_response(error.payload(), status=error.status)
        call.status = 200
        self._notify()
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        wanted = request.match_info["path"]
        for path, data in self._files.values():
            if path == wanted:
                return web.Response(body=data, content_type="application/octet-stream")
        return web.json_response(ApiError(404, "Not Found").payload(), status=404)

    async def _handle_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats.as_dict())

    async def _handle_sent(self, request: web.Request) -> web.Response:
        chat = request.query.get("chat_id")
        messages = self.sent(int(chat) if chat else None)
        return web.json_response([asdict(m) for m in messages])

    async def _handle_webhook(self, request: web.Request) -> web.Response:
        """The webhook as set, secret included (for a test in another process)."""
        return web.json_response({"url": self.webhook_url, "secret_token": self.webhook_secret})

    async def _handle_control(self, request: web.Request) -> web.Response:
        body = await request.json()
        action = str(body.get("action"))
        args, kwargs = body.get("args") or [], body.get("kwargs") or {}
        if action == "enforce_limits":
            self.enforce_limits = bool(args[0]) if args else True
            return web.json_response({"ok": True, "result": self.enforce_limits})
        if action not in _CONTROL_ACTIONS:
            return web.json_response(
                {"ok": False, "description": f"unknown action {action}"}, status=400
            )
        try:
            result = getattr(self, action)(*args, **kwargs)
        except (TypeError, ValueError, LookupError) as exc:
            return web.json_response({"ok": False, "description": str(exc)}, status=400)
        return web.json_response({"ok": True, "result": result})

    def _count_error(self, error: ApiError) -> None:
        self.stats.errors[error.description] += 1
        if error.status == 429:
            self.stats.too_many_requests += 1
        elif error.status == 403:
            self.stats.forbidden += 1
        elif error.status == 400:
            self.stats.bad_request += 1

    def _inject_failure(self, method: str) -> None:
        for failure in self._failures:
            applies = (
                method != "getupdates" if failure.methods is None else method in failure.methods
            )
            if applies and failure.remaining > 0:
                failure.remaining -= 1
                if failure.remaining == 0:
                    self._failures.remove(failure)
                raise ApiError(failure.status, HTTPStatus(failure.status).phrase)

    def _notify(self) -> None:
        """Wake every waiter (long polls, wait_for); each re-checks its condition."""
        self._changed.set()
        self._changed = asyncio.Event()

    # ------------------------------------------------------------------ model helpers

    def _chat(
        self,
        chat_id: int,
        chat_type: str | None = None,
        *,
        title: str | None = None,
        first_name: str | None = None,
    ) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = _Chat(chat_id, chat_type or _chat_type_for(chat_id))
            self._chats[chat_id] = chat
        elif chat_type:
            chat.type = chat_type
        chat.title = title or chat.title
        chat.first_name = first_name if chat.type == "private" and first_name else chat.first_name
        return chat

    @staticmethod
    def _default_user(chat_id: int) -> int:
        return chat_id if chat_id > 0 else DEFAULT_USER_ID

    @staticmethod
    def _user(
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        for key, value in (
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
        ):
            if value:
                user[key] = value
        return user

    def _member(self, user: dict[str, Any], status: str) -> dict[str, Any]:
        if status == "administrator":
            rights = [
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
                "can_pin_messages",
            ]
            return {
                "status": status,
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_promote_members": False,
                **dict.fromkeys(rights, True),
            }
        if status == "creator":
            return {"status": status, "user": user, "is_anonymous": False}
        if status == "kicked":
            return {"status": status, "user": user, "until_date": 0}
        if status in ("member", "left"):
            return {"status": status, "user": user}
        raise ValueError(f"unsupported chat member status {status!r}")

    def _new_message(self, chat: _Chat, sender: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat.last_message_id += 1
        message = {
            "message_id": chat.last_message_id,
            "date": int(time.time()),
            "chat": chat.as_dict(),
            "from": sender,
            **content,
        }
        self._messages[(chat.id, chat.last_message_id)] = message
        return message

    def _is_deleted(self, chat_id: int, message_id: int) -> bool:
        sent = self._sent_index.get((chat_id, message_id))
        return bool(sent and sent.deleted) or (chat_id, message_id) not in self._messages

    def _target(self, params: dict[str, Any], *, delivering: bool) -> _Chat:
        """Resolve ``chat_id`` and apply the chat's faults.

        block/kick only affect delivery (send, edit, delete, chat action): Telegram
        still answers getChat for a user who blocked the bot.
        """
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _bad_request("chat_id is empty")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise _bad_request("chat not found") from None  # @username chats are unknown here
        fault = self._faults.get(chat_id)
        if fault is not None and (delivering or fault.status != 403):
            raise fault
        if self.strict_chats and chat_id not in self._chats:
            raise _bad_request("chat not found")
        return self._chat(chat_id)

    def _admit(self, chat_id: int) -> None:
        """Injected floods first, then the flood limits; record the send."""
        for flood in self._floods:
            if flood.chat_id in (None, chat_id) and flood.remaining > 0:
                flood.remaining -= 1
                if flood.remaining == 0:
                    self._floods.remove(flood)
                raise _too_many(flood.retry_after)
        now = time.monotonic()
        if self.enforce_limits:
            if self._limiter.limits is not self.limits:  # a test swapped the rules
                self._limiter = _RateLimiter(self.limits)
            retry_after = self._limiter.admit(chat_id, now)
            if retry_after is not None:
                self.stats.refused.append((now, chat_id, self._limiter.refused_by))
                raise _too_many(retry_after)
        self.stats.sent += 1
        self.stats.per_second[int(now - self._started_at)] += 1

    def _render(
        self, params: dict[str, Any], text_key: str, limit: int, too_long: str
    ) -> tuple[str, str, list[dict[str, Any]]]:
        """Validate text/caption + parse_mode/entities; return (raw, visible, entities)."""
        raw = params.get(text_key)
        raw = "" if raw is None else str(raw)
        parse_mode = params.get("parse_mode") or None
        entities = params.get("entities" if text_key == "text" else "caption_entities")
        visible = raw
        if entities:
            entities = list(entities)  # explicit entities win over parse_mode
        elif parse_mode is None:
            entities = []
        else:
            mode = str(parse_mode).lower()
            try:
                if mode == "html":
                    visible, entities = parse_html(raw, strict_ampersand=self.strict_ampersand)
                elif mode == "markdownv2":
                    visible, entities = check_markdown_v2(raw), []
                elif mode == "markdown":
                    entities = []
                else:
                    raise _bad_request("unsupported parse_mode")
            except EntityParseError as exc:
                raise _bad_request(f"can't parse entities: {exc}") from None
        visible, entities = _trim(visible, entities)
        if text_key == "text" and not visible:
            raise _bad_request("message text is empty")
        if utf16_len(visible) > limit:
            raise _bad_request(too_long)
        return raw, visible, entities

    def _record_sent(
        self,
        chat: _Chat,
        params: dict[str, Any],
        raw: str,
        visible: str,
        entities: list[dict[str, Any]],
        **content: Any,
    ) -> dict[str, Any]:
        markup = _check_markup(params.get("reply_markup"))
        preview = params.get("link_preview_options")
        reply_to = _opt_int(params, "reply_to_message_id")
        if isinstance(params.get("reply_parameters"), dict):
            reply_to = _opt_int(params["reply_parameters"], "message_id")
        replied = self._messages.get((chat.id, reply_to)) if reply_to else None
        allow_missing = _flag(params, "allow_sending_without_reply") or (
            isinstance(params.get("reply_parameters"), dict)
            and _flag(params["reply_parameters"], "allow_sending_without_reply")
        )
        if reply_to and replied is None and not allow_missing:
            raise _bad_request("message to be replied not found")
        self._admit(chat.id)
        message = self._new_message(chat, self.bot_user, **content)
        if entities:
            message["entities" if "text" in content else "caption_entities"] = entities
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # Telegram echoes inline keyboards only
        if isinstance(preview, dict):
            message["link_preview_options"] = preview
        if replied is not None:
            message["reply_to_message"] = replied
        record = SentMessage(
            chat_id=chat.id,
            message_id=message["message_id"],
            text=raw,
            visible_text=visible,
            parse_mode=params.get("parse_mode") or None,
            entities=entities,
            reply_markup=markup if isinstance(markup, dict) else None,
            disable_notification=_flag(params, "disable_notification"),
            link_preview_options=preview if isinstance(preview, dict) else None,
            time=time.monotonic(),
            reply_to_message_id=replied["message_id"] if replied else None,
        )
        self._sent.append(record)
        self._sent_index[(chat.id, record.message_id)] = record
        return message

    # ------------------------------------------------------------------ Bot API methods

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = ""
        self.webhook_secret = ""
        if _flag(params, "drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = str(params.get("secret_token") or "")
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise _bad_request("secret token contains unallowed characters")
        self.webhook_url = url
        self.webhook_secret = secret if url else ""
        if _flag(params, "drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _opt_int(params, "offset")
        limit = min(max(_opt_int(params, "limit") or 100, 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if "allowed_updates" in params:
            allowed = params["allowed_updates"] or []
            self._allowed_updates = frozenset(allowed) if allowed else None
        if offset is not None and offset < 0:
            del self._updates[: max(len(self._updates) + offset, 0)]
        elif offset:
            # Confirming: every update with a smaller id is forgotten for good.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an older long poll is terminated by this one (409)
        deadline = time.monotonic() + timeout
        while True:
            changed = self._changed
            ready = [u for u in self._updates if self._is_allowed(u)][:limit]
            if ready or self._closing:
                return ready
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        kinds = update.keys() - {"update_id"}
        if self._allowed_updates is None:
            return not kinds & {"chat_member", "message_reaction", "message_reaction_count"}
        return bool(kinds & self._allowed_updates)

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._target(params, delivering=True)
        raw, visible, entities = self._render(params, "text", MAX_TEXT_UTF16, "message is too long")
        return self._record_sent(chat, params, raw, visible, entities, text=visible)

    def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._target(params, delivering=True)
        photo = params.get("photo")
        if not photo:
            raise _bad_request("there is no photo in the request")
        raw, visible, entities = self._render(
            params, "caption", MAX_CAPTION_UTF16, "message caption is too long"
        )
        sizes = [
            {"file_id": f"PHOTO{n}", "file_unique_id": f"U{n}", "width": w, "height": w * 3 // 4}
            for n, w in enumerate((90, 320, 800))
        ]
        content: dict[str, Any] = {"photo": sizes}
        if visible:
            content["caption"] = visible
        message = self._record_sent(chat, params, raw, visible, entities, **content)
        record = self._sent[-1]
        record.method = "sendPhoto"
        record.photo = photo if isinstance(photo, str) else getattr(photo, "filename", "upload")
        return message

    def _editable(self, params: dict[str, Any]) -> tuple[_Chat, dict[str, Any], SentMessage]:
        chat = self._target(params, delivering=True)
        message_id = _req_int(params, "message_id", "message identifier is not specified")
        message = self._messages.get((chat.id, message_id))
        record = self._sent_index.get((chat.id, message_id))
        if message is None or (record is not None and record.deleted):
            raise _bad_request("message to edit not found")
        if record is None:
            raise _bad_request("message can't be edited")
        return chat, message, record

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            return True
        _chat, message, record = self._editable(params)
        raw, visible, entities = self._render(params, "text", MAX_TEXT_UTF16, "message is too long")
        markup = _check_markup(params.get("reply_markup"))
        new_markup = markup if isinstance(markup, dict) else None
        if (
            visible == record.visible_text
            and entities == record.entities
            and new_markup == record.reply_markup
        ):
            raise _bad_request(
                "message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message"
            )
        record.edits.append(record.visible_text)
        record.text, record.visible_text, record.entities = raw, visible, entities
        record.parse_mode = params.get("parse_mode") or None
        record.reply_markup = new_markup
        message["text"] = visible
        message.pop("entities", None)
        message.pop("reply_markup", None)
        if entities:
            message["entities"] = entities
        if new_markup and "inline_keyboard" in new_markup:
            message["reply_markup"] = new_markup
        message["edit_date"] = int(time.time())
        return message

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            return True
        _chat, message, record = self._editable(params)
        markup = _check_markup(params.get("reply_markup"))
        new_markup = markup if isinstance(markup, dict) and markup.get("inline_keyboard") else None
        if new_markup == (record.reply_markup or None):
            raise _bad_request(
                "message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message"
            )
        record.reply_markup = new_markup
        message.pop("reply_markup", None)
        if new_markup:
            message["reply_markup"] = new_markup
        message["edit_date"] = int(time.time())
        return message

    def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        chat = self._target(params, delivering=True)
        message_id = _req_int(params, "message_id", "message identifier is not specified")
        if self._is_deleted(chat.id, message_id):
            raise _bad_request("message to delete not found")
        record = self._sent_index.get((chat.id, message_id))
        if record is not None:
            record.deleted = True
        self._messages.pop((chat.id, message_id), None)
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._pending_callbacks:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._pending_callbacks.discard(query_id)
        self.callback_answers[query_id] = {
            "text": params.get("text"),
            "show_alert": _flag(params, "show_alert"),
            "url": params.get("url"),
        }
        return True

    @staticmethod
    def _scope_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise _bad_request("can't parse BotCommandScope JSON object")
        key = str(scope["type"])
        for part in ("chat_id", "user_id"):
            if part in scope:
                key += f":{scope[part]}"
        return key, str(params.get("language_code") or "")

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad_request("too many commands specified")
        cleaned = []
        for command in commands:
            name = str(command.get("command", "")).lstrip("/")
            description = str(command.get("description", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description.strip()) <= 256:
                raise _bad_request("command description is empty")
            cleaned.append({"command": name, "description": description})
        key = self._scope_key(params)
        if cleaned:
            self.commands[key] = cleaned
        else:
            self.commands.pop(key, None)
        return True

    def _api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        return list(self.commands.get(self._scope_key(params), []))

    def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        self.commands.pop(self._scope_key(params), None)
        return True

    def _api_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._target(params, delivering=False)
        return {
            **chat.as_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(
                [
                    "unlimited_gifts",
                    "limited_gifts",
                    "unique_gifts",
                    "premium_subscription",
                    "gifts_from_channels",
                ],
                False,
            ),
        }

    def _api_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._target(params, delivering=False)
        user_id = _req_int(params, "user_id", "user not found")
        admins, creator = self._admins.get(chat.id, ([], None))
        if user_id == self.bot_user["id"]:
            user = self.bot_user
        else:
            user = self._user(user_id, "Đoàn viên", None, None, None)
        if user_id == creator:
            return self._member(user, "creator")
        if user_id in admins:
            return self._member(user, "administrator")
        return self._member(user, "member")

    def _api_getChatAdministrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat = self._target(params, delivering=False)
        if chat.type == "private":
            raise _bad_request("there are no administrators in the private chat")
        admins, creator = self._admins.get(chat.id, ([], None))
        result = []
        if creator is not None:
            result.append(
                self._member(self._user(creator, "Chủ tịch", None, None, None), "creator")
            )
        for admin in admins:
            if admin != creator:
                user = self._user(admin, "Quản trị", None, None, None)
                result.append(self._member(user, "administrator"))
        return result

    def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        self._target(params, delivering=True)
        if params.get("action") not in _KNOWN_CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id") or "")
        if file_id not in self._files:
            raise _bad_request("invalid file_id")
        path, data = self._files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"U{file_id}",
            "file_size": len(data),
            "file_path": path,
        }

    def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    def _api_logOut(self, params: dict[str, Any]) -> bool:
        return True


# --------------------------------------------------------------------------- standalone


@contextlib.contextmanager
def standalone(*, limits: bool, token: str | None = None) -> Iterator[str]:
    """This fake as a separate process (for ``congdoan-bot run``/``worker``
    subprocesses and benchmarks); yields its base URL, ``http://127.0.0.1:N/bot``."""
    command = [sys.executable, "-m", "tests.support.fake_telegram"]
    command.append("--enforce-limits" if limits else "--no-enforce-limits")
    if token:
        command += ["--token", token]
    root = Path(__file__).resolve().parents[2]
    fake = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=root)
    try:
        yield fake.stdout.readline().strip()  # type: ignore[union-attr]
    finally:
        fake.send_signal(signal.SIGTERM)
        fake.wait(timeout=30)


async def _serve(args: argparse.Namespace) -> None:
    server = FakeTelegram(
        args.token,
        host=args.host,
        port=args.port,
        enforce_limits=args.enforce_limits,
        max_calls=10_000,
    )
    await server.start()
    # The fake stamps each request when its handler runs: a long full GC pass here
    # would bunch the stamps of requests that arrived spaced, a 429 the bot did not
    # cause.  Startup objects are frozen out of the collector's sight, as in the bot.
    gc.collect()
    gc.freeze()
    print(server.base_url, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop()
    print(json.dumps(server.stats.as_dict(), ensure_ascii=False), flush=True)


def main(argv: list[str] | None = None) -> None:
    """Run the fake standalone; print its base URL, and its stats on SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument(
        "--enforce-limits",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="answer 429 past the flood limits (default: on)",
    )
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
