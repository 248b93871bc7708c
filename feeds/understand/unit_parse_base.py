"""The unit parser's base: the text, the mentions found so far, and place reading.

:class:`ParserBase` reads what follows a head: a place name (gazetteer first,
else capitalized syllables), an explicit province, a list of provinces.  The
heads themselves are parsed by :mod:`feeds.understand.unit_heads_cd` (Công
đoàn ...) and :mod:`feeds.understand.unit_parser` (the others).
"""

from __future__ import annotations

from feeds.understand import unit_lexicon as lx
from feeds.understand.unit_lexicon import exact_key
from feeds.understand.unit_specs import (
    Spec,
)


class ParserBase:
    """Scanning state shared by every head parser."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.specs: list[tuple[int, Spec]] = []

    # -- places --

    def place(
        self, pos: int, *, numbers: bool = False, max_tokens: int = 3
    ) -> tuple[str, int] | None:
        """A place name at ``pos``: a gazetteer name, else 1-3 capitalized syllables."""
        text = self.text
        known = lx.known_place(text, pos)
        if known and (numbers or not known[0].isdigit()):
            return known
        tokens: list[str] = []
        end = pos
        while len(tokens) < max_tokens:
            m = lx.TOKEN.match(text, end)
            if not m:
                break
            tok = m.group(1)
            if tok.isdigit():
                if tokens or not numbers:
                    break
                tokens.append(str(int(tok)))
                end = m.end()
                break
            if not tok[0].isupper() or (len(tok) > 1 and tok.isupper()):
                break
            if tokens and (tok in lx.STOP_WORDS or (tok in lx.SURNAMES and len(tokens) >= 2)):
                break
            if tokens and lx.PROVINCE.match(text, m.start()):  # "huyện X Nghệ An"
                prov = lx.PROVINCE.match(text, m.start())
                if prov and prov.group("prov")[0].isupper():
                    break
            tokens.append(tok)
            end = m.end()
        if not tokens:
            return None
        return " ".join(tokens), end

    def explicit_province(self, pos: int) -> tuple[str, int] | None:
        """ ", tỉnh Đắk Lắk", " (Nghệ An)", " tỉnh Ninh Bình" right after a place."""
        m = lx.EXPLICIT_PROVINCE.match(self.text, pos)
        if not m:
            return None
        written = m.group("prov")
        if not m.group("level") and not written[0].isupper():
            return None  # a lowercase word that happens to spell a province
        place = None if m.group("level") else lx.known_place(self.text, m.start("prov") - 1)
        if place and place[1] > m.end("prov"):
            return None  # ", Hà Giang 1": the next ward of a list, not a province
        return lx.PROVINCE_ALIASES[exact_key(written)], m.end()

    def province_here(self, pos: int, *, need_capital: bool) -> tuple[str, str | None, int] | None:
        """(province, level word, end) for a province written at ``pos``."""
        m = lx.PROVINCE.match(self.text, pos)
        if not m:
            return None
        level = m.group("level")
        if need_capital and not level and not m.group("prov")[0].isupper():
            return None
        return lx.PROVINCE_ALIASES[exact_key(m.group("prov"))], level, m.end()

    def province_list(self, pos: int) -> tuple[list[str], int]:
        """Further provinces after ", " / " và " ("LĐLĐ tỉnh Nghệ An, Hà Tĩnh và Quảng Bình")."""
        found: list[str] = []
        while True:
            sep = lx.LIST_NEXT.match(self.text, pos)
            if not sep:
                break
            start = sep.end()
            if host := lx.HOST_WORD.match(self.text, start):  # "... và chủ nhà Đắk Lắk"
                start = host.end()
            m = lx.PROVINCE.match(self.text, start)
            if not m or not m.group("prov")[0].isupper():
                break
            province = lx.PROVINCE_ALIASES[exact_key(m.group("prov"))]
            # "LĐLĐ TP Đà Nẵng và tỉnh Quảng Nam": an item may bring its own level word,
            # the right one for that province ("..., TP Thanh Hóa" is a city, not a list).
            if m.group("level") and not _level_fits(m.group("level"), province):
                break
            found.append(province)
            pos = m.end()
        return found, pos

    def add(self, at: int, spec: Spec) -> None:
        self.specs.append((at, spec))

    def after_explicit(self, pos: int) -> int:
        exp = self.explicit_province(pos)
        return exp[1] if exp else pos


def _level_fits(level: str, province: str) -> bool:
    """ "tỉnh" before a province, "TP"/"thành phố" before a centrally-run city."""
    word = " ".join(level.strip(" .").casefold().split())
    if lx.TABLES.provinces[province]["kind"] == "tp":
        return word in ("tp", "thành phố")
    return word == "tỉnh"
