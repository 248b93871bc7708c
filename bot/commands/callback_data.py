"""Callback data of the inline buttons (≤ 64 ASCII bytes).

``m:<page>:<u|t>:<id>`` toggle in the /start menu, ``p:<page>`` menu page,
``o`` another unit, ``s:<u|t|k>:<id>`` subscribe a suggestion,
``r:<sub>:<tok>`` replace a topic subscription by keywords, ``x:<sub>``
unsubscribe, ``c:<sub>:<0|1>`` sub-units off/on, ``q:<tok>`` search,
``a:<tok>`` subscribe typed text, ``stop:y|n``.  Ids too long for 64 bytes
and keyword phrases travel as short tokens kept in memory (``#<tok>``); a
token lost in a restart answers "button expired".
"""

from __future__ import annotations

import base64
import hashlib
from collections import OrderedDict

from bot.commands.subscribe_resolver import KeywordFilter

TOKENS_KEPT = 10_000


class CallbackTokens:
    """Short tokens for payloads too long for callback data, newest kept."""

    def __init__(self) -> None:
        self._tokens: OrderedDict[str, str] = OrderedDict()

    def token(self, payload: str) -> str:
        """A short stable token for a payload too long for callback data."""
        digest = hashlib.sha1(payload.encode("utf-8")).digest()
        token = base64.b32encode(digest).decode("ascii")[:10].lower()
        self._tokens[token] = payload
        self._tokens.move_to_end(token)
        while len(self._tokens) > TOKENS_KEPT:
            self._tokens.popitem(last=False)
        return token

    def lookup(self, token: str) -> str | None:
        """The payload of a token, None once forgotten (a restart, or too many since)."""
        return self._tokens.get(token)

    def untoken(self, value: str) -> str | None:
        """A value from callback data: as is, or the payload of its ``#<tok>``."""
        if value.startswith("#"):
            return self._tokens.get(value[1:])
        return value

    def data(self, prefix: str, value: str) -> str:
        """Callback data ``prefix + value``, with the value as a token when too long."""
        data = prefix + value
        if len(data) <= 64 and data.isascii():
            return data
        return prefix + "#" + self.token(value)


def keywords_payload(flt: KeywordFilter) -> str:
    """A keyword filter as one token payload."""
    return f"{flt.value}\n{flt.exclude_value}"


def keywords_from_payload(payload: str) -> KeywordFilter:
    """The keyword filter back from :func:`keywords_payload`."""
    value, _, exclude = payload.partition("\n")
    return KeywordFilter.from_row(value, exclude)


MAX_ID = 2**63 - 1  # a database integer: a forged larger "id" would overflow the query


def number(text: str) -> int:
    """An id or page number from callback data; -1 when it is not one (or too large
    for any stored id: forged data)."""
    try:
        value = int(text)
    except ValueError:
        return -1
    return value if -MAX_ID <= value <= MAX_ID else -1
