"""Heads that start with "Công đoàn" / "CĐ": sectors, zones, special bodies, places.

"Công đoàn ngành Giáo dục, Y tế tỉnh X", "Công đoàn Khu kinh tế X", "Công đoàn
Dầu khí Việt Nam", "Công đoàn Công an nhân dân", "Công đoàn UBND tỉnh"; what
is none of these is read like an LĐLĐ ("Công đoàn huyện X" = LĐLĐ huyện X).
"""

from __future__ import annotations

import re

from feeds.understand import unit_lexicon as lx
from feeds.understand.gazetteer import NATIONAL_NAME
from feeds.understand.unit_lexicon import exact_key
from feeds.understand.unit_parse_base import ParserBase
from feeds.understand.unit_specs import (
    Context,
    Deferred,
    Named,
    fed_name,
    sector_unit,
    zone,
)


class CdHeads(ParserBase):
    """The "Công đoàn" head; LĐLĐ-like tails are handed to the main parser."""

    def parse_ldld(self, m: re.Match[str], at: int) -> int:
        raise NotImplementedError  # provided by unit_parser.Parser

    def parse_level_place(self, at: int, end: int, head: str) -> int:
        raise NotImplementedError  # provided by unit_parser.Parser

    def level_list(self, at: int, pos: int) -> int | None:
        raise NotImplementedError  # provided by unit_parser.Parser

    def parse_cd(self, m: re.Match[str], at: int) -> int:
        text = self.text
        end = m.end()
        if paren := lx.ABBR_PAREN.match(text, end):  # "Công đoàn (CĐ) Điện lực Việt Nam"
            end = paren.end()
        if m.group("cd") == "CĐ":
            before = text[max(0, at - 12) : at].split()
            if before and before[-1].casefold() in {"trường", "hệ", "bậc", "đẳng", "học"}:
                return end  # "Trường CĐ Y tế Nghệ An" is a college
        if lx.FUND_BEFORE.search(text, max(0, at - 48), at):
            return end  # "Quỹ Xã hội Công đoàn Hà Tĩnh": a fund, not the federation
        if lx.COUNT_BEFORE.search(text, max(0, at - 8), at) and self.counted_only(end):
            return end  # "5 Công đoàn ngành Y tế": a count, no union named
        if text[max(0, at - 8) : at].casefold().endswith("các cấp "):
            # "các cấp Công đoàn tỉnh X": every level, not one unit; "các cấp Công đoàn
            # ngành Y tế tỉnh": the levels of one sector union, which is named.
            # "các cấp Công đoàn Đường sắt Việt Nam": the levels of a central union.
            sector = lx.SECTOR.match(text, end)
            if not (sector and (sector.group("nganh") or self.national_after(sector.end()))):
                return end
        if m.group("cd") == "CĐVC":  # "CĐVC tỉnh Cao Bằng": Công đoàn Viên chức
            stop = self.cd_sector(at, end, abbreviated="Viên chức")
            return end if stop is None else stop
        if m.group("cd").casefold().startswith("ban"):
            qp = lx.QP.match(text, end)
            self.add(
                at, Named("Công đoàn Quốc phòng", "central_sector", NATIONAL_NAME, None, False)
            )
            return qp.end() if qp else end
        for parse in (
            self.cd_special,
            self.cd_zone,
            self.cd_central_list,
            self.cd_sector,
            self.cd_central,
        ):
            stop = parse(at, end)
            if stop is not None:
                return stop
        if lx.CAC.match(text, end):
            if (stop := self.level_list(at, end)) is not None:
                return stop
            listed = lx.CAC_PROVINCES.match(text, end)
            if listed and self.province_here(listed.end(), need_capital=True):
                return self.parse_ldld(m, at)
            return end
        if (stop := self.level_list(at, end)) is not None:  # "Công đoàn 3 xã A, B và C"
            return stop
        return self.parse_level_place(at, end, head="cd")

    def cd_special(self, at: int, end: int) -> int | None:
        text = self.text
        if cand := lx.CAND.match(text, end):
            self.add(
                at,
                Named("Công đoàn Công an nhân dân", "central_sector", NATIONAL_NAME, None, False),
            )
            return cand.end()
        if qp := lx.QP.match(text, end):
            self.add(
                at, Named("Công đoàn Quốc phòng", "central_sector", NATIONAL_NAME, None, False)
            )
            return qp.end()
        for pattern, label in ((lx.PARTY, "Các cơ quan Đảng"), (lx.UBND, "UBND")):
            hit = pattern.match(text, end)
            if not hit:
                continue
            is_tp = bool(hit.group("tp"))
            prov = self.province_here(hit.end(), need_capital=False)
            explicit = prov[0] if prov and not prov[1] else None

            def build(ctx: Context, explicit=explicit, label=label, is_tp=is_tp) -> list[Named]:
                p = explicit or ctx.province("any" if is_tp else "tinh")
                if not p:
                    return []
                level = "TP" if lx.TABLES.provinces[p]["kind"] == "tp" else "tỉnh"
                return [Named(f"Công đoàn {label} {level} {p}", "other", fed_name(p), p, False)]

            self.add(at, Deferred(build))
            return prov[2] if explicit and prov else hit.end()
        return None

    def cd_zone(self, at: int, end: int) -> int | None:
        text = self.text
        if kz := lx.KZ.match(text, end):
            prov = self.province_here(kz.end(), need_capital=False)
            if prov:  # "Công đoàn (các) Khu kinh tế tỉnh Hà Tĩnh" -> "... Khu kinh tế Hà Tĩnh"
                p = prov[0]
                name = f"Công đoàn Khu kinh tế {p}"
                self.add(at, Named(name, "economic_zone", fed_name(p), p, True))
                return prov[2]
            place = self.place(kz.end(), max_tokens=4)
            if not place:
                return self.bare_zone(at, kz)
            written = f"Công đoàn Khu kinh tế {place[0]}"
            known = lx.NAMED_UNITS.get(exact_key(written)) or lx.NAMED_UNITS.get(
                exact_key(f"Công đoàn KKT {place[0]}")
            )
            if known:
                province = lx.FEDERATION_PROVINCE.get(known.get("parent", ""))
                historical = bool(known.get("valid_to"))
                self.add(at, Named(known["name"], known["kind"], None, province, historical))
            else:
                self.add(at, Deferred(lambda ctx, n=written: zone(n, ctx.province())))
            return place[1]
        if kcn := lx.KCN.match(text, end):
            prov = self.province_here(kcn.end(), need_capital=False)
            has_cac = "các" in kcn.group(0).casefold()
            if not prov and not has_cac:
                return kcn.end()  # "Công đoàn KCN Bắc Vinh": one park, not the provincial body

            def build(ctx: Context, prov=prov) -> list[Named]:
                p = prov[0] if prov else ctx.province()
                # The contract names the provinces' body only; a centrally-run city's
                # "Công đoàn các KCX-KCN TP" has no canonical form: read, not a unit.
                if not p or lx.TABLES.provinces[p]["kind"] == "tp":
                    return []
                name = f"Công đoàn các Khu công nghiệp tỉnh {p}"
                return [Named(name, "economic_zone", fed_name(p), p, False)]

            self.add(at, Deferred(build))
            return prov[2] if prov else kcn.end()
        return None

    def bare_zone(self, at: int, kz: re.Match[str]) -> int:
        """ "Công đoàn Khu kinh tế (tỉnh)" without a name: the article's province's."""
        if "các" in kz.group(0).casefold() or self.text[max(0, at - 4) : at].casefold() == "ban ":
            return (
                kz.end()
            )  # "công đoàn các khu kinh tế": generic; "Ban Công đoàn KKT": a department
        stop = kz.end()
        if (lvl := lx.LEVEL.match(self.text, stop)) and lvl.lastgroup == "tinh":
            stop = lvl.end()

        def build(ctx: Context) -> list[Named]:
            named = ctx.nearest(at, lambda f: f.kind == "economic_zone")
            if named:  # the zone the article already named ("Công đoàn KKT Đông Nam")
                return [named]
            p = ctx.province("tinh")
            return zone(f"Công đoàn Khu kinh tế {p}", p) if p else []

        self.add(at, Deferred(build))
        return stop

    def cd_sector(self, at: int, end: int, abbreviated: str | None = None) -> int | None:
        """ "Công đoàn [ngành] <Ngành> ..." (``abbreviated``: the sector a head such as
        "CĐVC" already names, read from ``end`` on)."""
        text = self.text
        if abbreviated:
            written, nganh, sm_end = abbreviated, False, end
        else:
            sm = lx.SECTOR.match(text, end)
            if not sm:
                return None
            written, nganh, sm_end = sm.group("sector"), bool(sm.group("nganh")), sm.end()
        sector = lx.SECTOR_ALIASES[exact_key(written)]
        info = lx.TABLES.sectors[sector]
        capital = written[0].isupper()
        listed, list_end = self.sector_list(sm_end, central=True) if capital else ([], 0)
        vn = self.national_after(list_end if listed else sm_end)
        # "Công đoàn TKV" names the central union without "Việt Nam".
        if vn or exact_key(written) in lx.NATIONAL_SECTOR:
            stop = vn.end() if vn else sm_end
            # "Công đoàn Dầu khí, Điện lực Việt Nam": every sector of the list.
            for name in [sector, *(listed if vn else [])]:
                self.add_central(at, name)
            return stop
        # "Công đoàn Dệt may tỉnh": a sector organised nationally, but the level word says
        # it is the province's, where provinces had one (units.toml: provincial).  Not a
        # bare province name: "Công đoàn Dệt may Nam Định" may be a company's.
        lvl = lx.LEVEL.match(text, sm_end)
        provincial = bool(
            info.get("provincial") and lvl and lvl.lastgroup in ("tinh", "tp") and capital
        )
        if not (nganh or info.get("local") or provincial):
            return None
        if (
            not info.get("local")
            and not provincial
            and not self.province_here(sm_end, need_capital=True)
        ):
            # "Công đoàn ngành Ngân hàng": a sector organised nationally only.
            self.add_central(at, sector)
            return sm_end
        sectors, after = [sector], sm_end
        if capital:
            more, after = self.sector_list(after)
            sectors += more
        prov = self.province_here(after, need_capital=True)
        stop = after
        provinces: list[str] = []
        if prov:
            explicit: str | None = prov[0]
            # "Công đoàn ngành Dệt May Bình Dương, Hà Nội, TP. Hồ Chí Minh": each province's.
            provinces, stop = self.province_list(prov[2])
        else:
            explicit = None
            bare_tinh = lx.LEVEL.match(text, after)
            if bare_tinh and bare_tinh.lastgroup == "tp" and not self.place(bare_tinh.end()):
                # "Công đoàn Viên chức thành phố" alone: the central city's sector union.
                def city_sector(ctx: Context) -> list[Named]:
                    p = ctx.province()
                    return [sector_unit(s, p) for s in sectors] if p else []

                self.add(at, Deferred(city_sector))
                return bare_tinh.end()
            if bare_tinh and bare_tinh.lastgroup in ("huyen", "quan", "tx", "tp"):
                # "Công đoàn Giáo dục huyện X": a district's sector union, which the
                # contract does not count (nor its LĐLĐ huyện, unless named itself).
                place = self.place(bare_tinh.end(), numbers=bare_tinh.lastgroup == "quan")
                return place[1] if place else bare_tinh.end()
            if bare_tinh and bare_tinh.lastgroup == "tinh":
                stop = bare_tinh.end()
            elif nganh and not capital and sector in lx.VERB_SECTORS:
                return stop  # "Công đoàn ngành xây dựng trụ sở"
            elif not nganh and not (capital and sector in lx.PROVINCIAL_ONLY_SECTORS):
                return None  # "Công đoàn Giáo dục" alone may be a district's

        def build(ctx: Context) -> list[Named]:
            p = explicit or ctx.province()
            if not p:
                return []
            return [sector_unit(s, q) for q in (p, *provinces) for s in sectors]

        self.add(at, Deferred(build))
        return stop

    def counted_only(self, end: int) -> bool:
        """After a count ("5 Công đoàn ngành Y tế"), a sector that names no union: no
        "Việt Nam" ("2 Công đoàn ngành Y tế và Giáo dục Việt Nam") nor province after it."""
        sector = lx.SECTOR.match(self.text, end)
        if not sector:
            return False
        listed, stop = self.sector_list(sector.end(), central=True)
        after = stop if listed else sector.end()
        return not (self.national_after(after) or self.province_here(after, need_capital=True))

    def national_after(self, pos: int) -> re.Match[str] | None:
        """ "Việt Nam" at ``pos``, maybe after the name's acronym: " (KH&CN) Việt Nam"."""
        if acronym := lx.ACRONYM_PAREN.match(self.text, pos):
            pos = acronym.end()
        return lx.VN.match(self.text, pos)

    def sector_list(self, pos: int, *, central: bool = False) -> tuple[list[str], int]:
        """Further sectors after ", " / " và ", each written with a capital.

        Local sectors by default ("ngành Giáo dục, Y tế tỉnh X"); central ones
        for "Công đoàn Dầu khí, Điện lực Việt Nam".
        """
        found: list[str] = []
        kind = "central" if central else "local"
        while m := lx.SECTOR_NEXT.match(self.text, pos):
            sector = lx.SECTOR_ALIASES[exact_key(m.group("sector"))]
            if not lx.TABLES.sectors[sector].get(kind):
                break
            if not central and lx.VN.match(self.text, m.end()):
                break
            found.append(sector)
            pos = m.end()
        return found, pos

    def add_central(self, at: int, sector: str) -> None:
        """ "Công đoàn <Ngành> Việt Nam" for a sector that has (or had) one."""
        info = lx.TABLES.sectors[sector]
        if info.get("central"):
            name = f"Công đoàn {sector} Việt Nam"
            historical = bool(info.get("historical"))
            self.add(at, Named(name, "central_sector", NATIONAL_NAME, None, historical))

    def cd_central_list(self, at: int, end: int) -> int | None:
        """ "các Công đoàn ngành Trung ương: Giao thông vận tải, Dầu khí và Điện lực"."""
        m = lx.CENTRAL_LIST.match(self.text, end)
        first = m and lx.SECTOR.match(self.text, m.end())
        if not m or not first:
            return None
        sector = lx.SECTOR_ALIASES[exact_key(first.group("sector"))]
        more, stop = self.sector_list(first.end(), central=True)
        for name in (sector, *more):
            self.add_central(at, name)
        return stop

    def cd_central(self, at: int, end: int) -> int | None:
        """ "Công đoàn <Ngành> Việt Nam" for a sector the gazetteer does not know
        ("Công đoàn Than Việt Nam", a predecessor of Than - Khoáng sản)."""
        text = self.text
        words: list[str] = []
        pos = end
        while len(words) < 6:
            t = lx.SECTOR_WORD.match(text, pos)
            vn = self.national_after(pos)
            if not (t or vn):
                break
            if vn and words:
                written = " ".join(words)
                if words[-1] in ("và", "-") or lx.GRASSROOTS.search(written):
                    return None  # "Công đoàn Ngân hàng TMCP Ngoại thương Việt Nam": a company's
                if any(written.startswith(x) for x in lx.NOT_SECTOR):
                    return None
                if words[0] in lx.STOP_WORDS - {"Công"}:
                    return None
                sector = lx.SECTOR.match(text, end)
                if sector and sector.end() < vn.start():
                    return None  # "Công đoàn Ngân hàng Nhà nước Việt Nam": an agency's
                name = f"Công đoàn {' '.join(words)} Việt Nam"
                self.add(at, Named(name, "central_sector", NATIONAL_NAME, None, False))
                return vn.end()
            if not t:
                break
            word = t.group(1)
            # The name starts with a capital; sector names go on in lowercase ("Tàu thủy").
            if not words and not word[0].isupper():
                return None
            if len(word) > 1 and word.isupper():
                return None  # "CĐ TP và Đại hội CĐ Việt Nam": another mention, not a name
            words.append("-" if word in ("-", "–") else word)
            pos = t.end()
        return None
