"""The one catalogue of what chat users read (bot/i18n.py): plurals, channel variants,
and no reply text written anywhere else."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.channels.zalo.channel import ZALO_CAPS
from bot.commands.inbound import TELEGRAM_CAPS, ChannelCaps
from bot.i18n import STRINGS, esc, plain, t

ROOT = Path(__file__).parents[1]
_VIETNAMESE = re.compile(
    r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I
)
# Vietnamese that is read from users, not written to them: typed command words, "off"
# words, the keyword prefix.
_INPUT_TABLES = {
    "bot/channels/zalo/text_commands.py",
    "bot/commands/settings.py",
    "bot/commands/subscribe_resolver.py",
}
# Data, not wording: example arguments of commands, the default province, the demo
# user's name, administrative words dropped from hashtags.
_DATA = {
    "bot/commands/router.py": {
        "LĐLĐ tỉnh Nghệ An",
        "10 phát triển đoàn viên",
        "phát triển đoàn viên",
    },
    "bot/commands/menus.py": {"Nghệ An"},
    "bot/commands/calendar.py": {"mới", "đổi"},  # typed words: /lich moi, /lich đổi
    "bot/channels/console/channel.py": {"Nguyễn Văn An"},
    "bot/delivery/render/story.py": {r"\b(tỉnh|thành phố|TP\.?)\s+"},
}


def test_english_plurals_and_the_general_form() -> None:
    assert t("en", "mysubs_header", n=1) == "You follow 1 item:"
    assert t("en", "mysubs_header", n=3) == "You follow 3 items:"
    assert plain("en", "remind_days_left", n=1) == "Reminder: 1 day left"
    assert plain("en", "remind_days_left", n=2) == "Reminder: 2 days left"
    assert t("vi", "mysubs_header", n=1) == "Đồng chí đang theo dõi 1 mục:"


def test_channel_variants_fall_back_to_the_general_wording() -> None:
    assert ZALO_CAPS.variants == ("typed", "no_roles")
    assert TELEGRAM_CAPS.variants == ()
    assert ChannelCaps(buttons=False).variants == ("typed",)
    typed = t("vi", "mysubs_hint", variants=ZALO_CAPS.variants)
    assert typed == "Gõ số thứ tự bên dưới để hủy theo dõi một mục."
    assert t("vi", "mysubs_hint") == "Bấm ❌ để hủy theo dõi một mục."
    # No variant for this key: every channel gets the same words.
    assert t("vi", "help", variants=ZALO_CAPS.variants) == t("vi", "help")


def test_arguments_are_escaped_and_plain_text_shows_them_as_written() -> None:
    hostile = '<b>"A & B"</b>'
    assert esc(hostile) == '&lt;b&gt;"A &amp; B"&lt;/b&gt;'
    assert esc(None) == ""
    assert "<b>&lt;b&gt;" in t("vi", "sub_exists", label=hostile)
    assert plain("vi", "sub_exists", label=hostile) == (
        'Đồng chí đã đăng ký theo dõi <b>"A & B"</b> từ trước.'
    )


def test_every_variant_and_plural_has_its_general_key() -> None:
    for key in STRINGS["vi"]:
        base = key.split(".")[0].removesuffix("_one")
        assert base in STRINGS["vi"], key


def test_no_reply_text_outside_the_catalogue() -> None:
    """What the bot says in chat is in bot/i18n.py; the other modules of the chat side
    hold Vietnamese only as input words or data."""
    found = []
    for folder in ("bot/commands", "bot/channels", "bot/delivery"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name in _INPUT_TABLES:
                continue
            allowed = _DATA.get(name, set())
            found += [(name, text) for text in _string_literals(path) if _VIETNAMESE.search(text)]
            found = [(n, text) for n, text in found if n != name or text not in allowed]
    assert found == []


def _string_literals(path: Path) -> list[str]:
    """The module's string constants, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            docstrings.add(id(body[0].value))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]
