"""The unit parser: finds heads left to right and reads each mention.

One anchor regex (:data:`feeds.understand.unit_lexicon.ANCHOR`) finds heads
(LĐLĐ, Công đoàn, Tổng LĐLĐ, departments, Khối/Cụm thi đua); a method per
head reads the level and place that follow and records a spec.
"""

from __future__ import annotations

import re

from feeds.understand import unit_lexicon as lx
from feeds.understand.unit_heads_cd import CdHeads
from feeds.understand.unit_specs import (
    Context,
    Deferred,
    Dept,
    Named,
    Spec,
    district_unit,
    fed_name,
    maybe,
    national,
    province_unit,
)


class Parser(CdHeads):
    """Every head of the grammar; :meth:`run` returns the specs in text order."""

    # -- scanning --

    def run(self) -> list[tuple[int, Spec]]:
        pos = 0
        text = self.text
        while True:
            m = lx.ANCHOR.search(text, pos)
            if not m:
                break
            mark = len(self.specs)
            end = self.dispatch(m, m.start())
            if len(self.specs) > mark and not lx.COMMUNE_LEVEL.search(text, m.start(), end):
                end = self.elided_districts(end)  # (after a ward, ", Huyện X" is its address)
            pos = end if end > m.start() else m.end()
        return self.specs

    def elided_districts(self, pos: int) -> int:
        """ "LĐLĐ Thành phố, Công đoàn Viên chức Thành phố, Quận 5, 6, 7": a list of
        unions whose last items drop the head.  Only a capitalised level word right
        after a unit counts ("..., quận 5" in running text is a place)."""
        m = lx.ELIDED_DISTRICT.match(self.text, pos)
        if not m:
            return pos
        word = _level_word(m.group("word"))
        place = self.place(m.end(), numbers=word == "quận")
        if not place or (word, place[0]) not in lx.TABLES.district_province:
            return pos
        at = m.start("word")
        self.add_district(at, word, *place)
        return self.after_explicit(self.more_places(at, (word,), place[1]))

    def dispatch(self, m: re.Match[str], at: int) -> int:
        """Parse the mention whose head ``m`` matched; record specs at ``at``; return its end."""
        if m.group("mttq"):  # the Front's department: skipped whole, no unit
            return lx.MTTQ_TAIL.match(self.text, m.end()).end()
        if m.group("dept"):
            return self.parse_dept(m, at)
        if m.group("tld") or m.group("ldld"):
            before = self.text[max(0, at - 48) : at]
            if (
                lx.FUND_BEFORE.search(before)
                or lx.GRASSROOTS_BEFORE.search(before)
                or lx.VENUE_BEFORE.search(before)
            ):
                return m.end()  # "Quỹ Tấm lòng vàng Tổng LĐLĐ": a fund's, office's, venue's name
        if m.group("tld"):
            return self.parse_tld(m, at)
        if m.group("ldld"):
            return self.parse_ldld(m, at)
        if m.group("cd"):
            return self.parse_cd(m, at)
        if m.group("khoi"):
            return self.parse_khoi(m, at)
        return self.parse_cum(m, at)

    # -- heads --

    def parse_dept(self, m: re.Match[str], at: int) -> int:
        written = m.group("dept")
        dept = next(name for name, pat in lx.DEPARTMENTS if pat.match(written))
        inner_anchor = lx.ANCHOR.match(self.text, m.end())
        if not inner_anchor or inner_anchor.group("dept"):
            return m.end()
        mark = len(self.specs)
        end = self.dispatch(inner_anchor, at)
        inner = self.specs[mark:]
        if inner:
            first_at, first = inner[0]
            if isinstance(first, Named | Deferred):
                self.specs[mark] = (first_at, Dept(dept, first))
        return end

    def parse_tld(self, m: re.Match[str], at: int) -> int:
        end = m.end()
        vn = lx.VN.match(self.text, end)
        if vn:
            end = vn.end()
        elif lx.FOREIGN.match(self.text, end):
            return end
        self.add(at, national())
        return end

    def parse_ldld(self, m: re.Match[str], at: int) -> int:
        text = self.text
        end = m.end()
        if paren := lx.ABBR_PAREN.match(text, end):  # "Liên đoàn Lao động (LĐLĐ) tỉnh"
            end = paren.end()
        if lx.CAC.match(text, end):
            if (stop := self.level_list(at, end)) is not None:
                return stop
            listed = lx.CAC_PROVINCES.match(text, end)
            if listed:
                first = self.province_here(listed.end(), need_capital=True)
                if not first and (ahead := lx.MEMBERS_AHEAD.match(text, listed.end())):
                    first = self.province_here(ahead.end(), need_capital=True)
                if first:
                    self.add(at, province_unit(first[0]))
                    more, stop = self.province_list(first[2])
                    for p in more:
                        self.add(at, province_unit(p))
                    return stop
            return end
        vn = lx.VN.match(text, end)
        if vn:
            if not text[max(0, at - 10) : at].casefold().endswith("thành lập "):
                self.add(at, national())  # not "Ngày thành lập LĐLĐ Việt Nam", an occasion
            return vn.end()
        if (stop := self.level_list(at, end)) is not None:  # "LĐLĐ 3 huyện A, B và C"
            return stop
        return self.parse_level_place(at, end, head="ldld")

    def parse_level_place(self, at: int, end: int, head: str) -> int:
        """After LĐLĐ/Công đoàn: tỉnh X, TP X, huyện X..., a bare level, or a province."""
        text = self.text
        lvl = lx.LEVEL.match(text, end)
        if not lvl:
            prov = self.province_here(end, need_capital=True)
            if not prov:
                return end
            self.add(at, province_unit(prov[0]))
            more, stop = self.province_list(prov[2])
            for p in more:
                self.add(at, province_unit(p))
            return stop
        level = lvl.lastgroup
        after = lvl.end()
        if level == "tinh":
            prov = self.province_here(after, need_capital=False)
            if prov and not prov[1]:
                self.add(at, province_unit(prov[0]))
                more, stop = self.province_list(prov[2])
                for p in more:
                    self.add(at, province_unit(p))
                return stop
            return self.bare(at, after, "tinh")
        if level == "tp":
            return self.parse_city(at, after)
        if level in ("huyen", "quan", "tx"):
            word = {"huyen": "huyện", "quan": "quận", "tx": "thị xã"}[level]
            if colon := lx.LIST_COLON.match(text, after):  # "LĐLĐ huyện: Lâm Bình, Na Hang"
                if not lx.known_place(text, colon.end()):
                    return self.bare(at, after, word)  # "LĐLĐ huyện: Tập huấn…", a title
                after = colon.end()
            place = self.place(after, numbers=level == "quan")
            if place and _person(place[0]) and not lx.known_place(text, after):
                place = None  # "Phó Chủ tịch LĐLĐ huyện Dương Chí Biên": a person's name
            if not place:
                return self.bare(at, after, word)
            self.add_district(at, word, *place)
            return self.after_explicit(self.more_places(at, (word,), place[1]))
        if head == "cd" and level in ("xa", "phuong", "dk"):
            word = {"xa": "xã", "phuong": "phường", "dk": "đặc khu"}[level]
            if colon := lx.LIST_COLON.match(text, after):
                after = colon.end()
            place = self.place(after)
            if not place:
                return self.bare_commune(at, after, word)
            group: list[set[str]] = []
            self.add_commune(at, word, *place, group=group)
            return self.after_explicit(self.more_places(at, (word,), place[1], group=group))
        return after

    def more_places(
        self,
        at: int,
        levels: tuple[str, ...],
        stop: int,
        group: list[set[str]] | None = None,
    ) -> int:
        """Further known places of a list, each maybe with its own level word.

        "LĐLĐ huyện Nghi Lộc và Hưng Nguyên", "Công đoàn phường Dĩ An, phường Đông
        Hòa và xã Tân Đông Hiệp": only gazetteer names of the list's levels, so a
        list of anything else ends it.  ``group`` collects the provinces each ward of
        the list may be in (see :meth:`add_commune`).
        """
        text = self.text
        family = levels[0] in lx.COMMUNE_WORDS
        while sep := lx.LIST_NEXT.match(text, stop):
            pos, candidates = sep.end() - 1, levels
            if own := lx.PLACE_LEVEL.match(text, pos):
                word = _level_word(own.group("word"))
                if (word in lx.COMMUNE_WORDS) != family:
                    break
                pos, candidates = own.end(), (word,)
            nxt = lx.known_place(text, pos)
            if not nxt:
                break
            word = next((w for w in candidates if (w, nxt[0]) in lx.places_of(w)), None)
            if word is None:
                break
            if family:
                self.add_commune(at, candidates, *nxt, group=group)
            else:
                self.add_district(at, candidates, *nxt)
            stop = nxt[1]
        return stop

    def level_list(self, at: int, pos: int) -> int | None:
        """ "các huyện, thị xã: A, B và C", "Công đoàn 3 xã A, B", "Công đoàn phường, xã
        trên địa bàn, gồm: A, B": the places listed, or None when none follows."""
        text = self.text
        m = lx.CAC_LEVELS.match(text, pos)
        if not m:
            return None
        written = m.group("levels") or m.group("several")
        words = tuple(_level_word(x) for x in lx.LEVEL_WORD.findall(written))
        start = m.end()
        if colon := lx.LIST_COLON.match(text, start):
            start = colon.end()
        stop = self.listed_places(at, start, words)
        if stop is None and (ahead := lx.LEVEL_MEMBERS_AHEAD.match(text, m.end())):
            stop = self.listed_places(at, ahead.end(), words)
        return stop  # None: "các huyện, thị xã" means every one of them, not a list

    def listed_places(self, at: int, start: int, words: tuple[str, ...]) -> int | None:
        """The known places of the levels ``words`` listed from ``start``, if any."""
        text = self.text
        candidates = words
        if (own := lx.PLACE_LEVEL.match(text, start)) and _level_word(own.group("word")) in words:
            candidates, start = (_level_word(own.group("word")),), own.end()  # "gồm: phường A"
        first = lx.known_place(text, start)
        word = first and next((w for w in candidates if (w, first[0]) in lx.places_of(w)), None)
        if not first or word is None:
            return None
        group: list[set[str]] = []
        if word in lx.COMMUNE_WORDS:
            self.add_commune(at, candidates, *first, group=group)
        else:
            self.add_district(at, candidates, *first)
        return self.more_places(at, words, first[1], group=group)

    def parse_city(self, at: int, after: int) -> int:
        """After "TP"/"thành phố": a central city, a provincial city, or bare."""
        prov = self.province_here(after, need_capital=False)
        if prov and not prov[1] and lx.TABLES.provinces[prov[0]]["kind"] == "tp":
            self.add(at, province_unit(prov[0]))
            more, stop = self.province_list(prov[2])
            for p in more:
                self.add(at, province_unit(p))
            return stop
        place = self.place(after)
        if place and place[0].split()[0] in lx.SURNAMES and place[0] not in lx.TABLES.city_province:
            place = None  # "Chủ tịch LĐLĐ TP Nguyễn Văn A": a person, not a city
        if not place:
            return self.bare(at, after, "TP")
        self.add_district(at, "TP", *place)
        return self.after_explicit(place[1])

    def bare(self, at: int, pos: int, level: str) -> int:
        """A level word with no place: resolved from context unless it is generic."""
        text = self.text
        if tail := lx.GENERIC_TAIL.match(text, pos):
            # "LĐLĐ tỉnh, huyện Vĩnh Linh": two units; "LĐLĐ tỉnh, huyện" alone: generic.
            nxt_level = tail.end() - len(tail.group("level")) - 1
            lvl = lx.LEVEL.match(text, nxt_level)
            place = lvl and lx.TOKEN.match(text, lvl.end())
            if not (place and place.group(1)[0].isupper()):
                return pos
            self.add_bare(at, level)
            return self.parse_level_place(nxt_level + 1, nxt_level, head="ldld")
        nxt = lx.TOKEN.match(text, pos)
        if nxt and nxt.group(1)[0].isupper() and nxt.group(1) not in lx.SURNAMES:
            return pos  # an unknown place (foreign province, region): not ours
        if level == "tinh" and lx.FOREIGN_PAREN.match(text, pos):
            return pos
        self.add_bare(at, level)
        return pos

    def add_bare(self, at: int, level: str) -> None:
        """Record a level without a place, named from the article's context."""
        if level == "tinh":
            self.add(at, Deferred(lambda ctx: maybe(ctx.province("tinh"), province_unit)))
        elif level == "TP":

            def city(ctx: Context, at: int = at) -> list[Named]:
                found = ctx.nearest(at, lambda f: f.name.startswith("LĐLĐ TP "))
                if found:
                    return [found]
                src = ctx.source
                if src and lx.TABLES.provinces[src]["kind"] == "tp":
                    return [province_unit(src)]
                if ctx.source_place and ctx.source_place[0] == "TP":  # the city's own site
                    return [district_unit("TP", ctx.source_place[1], src, ctx)]
                if city := ctx.central_city():
                    return [province_unit(city)]
                # "Công đoàn phường Bến Thành ... LĐLĐ thành phố": the ward's city.
                p = ctx.province()
                return [province_unit(p)] if p and lx.TABLES.provinces[p]["kind"] == "tp" else []

            self.add(at, Deferred(city))
        else:
            prefix = f"LĐLĐ {level} "

            def district(ctx: Context, at: int = at) -> list[Named]:
                found = ctx.nearest(at, lambda f: f.name.startswith(prefix))
                return [found] if found else ctx.district_named(level)

            self.add(at, Deferred(district))

    def bare_commune(self, at: int, pos: int, level: str) -> int:
        """ "Công đoàn phường" alone: the ward the text names, unless it is a plural
        ("các Công đoàn xã", "Công đoàn xã, phường", "8 Công đoàn phường"), whose members
        may be listed further on ("..., gồm 8 phường: A, B")."""
        before = self.text[max(0, at - 6) : at].casefold().split()
        plural = before and (before[-1] in ("các", "những") or before[-1].isdigit())
        if plural and (ahead := lx.LEVEL_MEMBERS_AHEAD.match(self.text, pos)):
            stop = self.listed_places(at, ahead.end(), (level,))
            if stop is not None:
                return stop
        if lx.GENERIC_TAIL.match(self.text, pos) or plural:
            return pos
        self.add(at, Deferred(lambda ctx: ctx.commune_named(at, level)))
        return pos

    def add_district(self, at: int, level: str | tuple[str, ...], place: str, end: int) -> None:
        """ "LĐLĐ huyện X"; ``level`` may list the levels a list allows."""
        explicit = self.explicit_province(end)
        levels = (level,) if isinstance(level, str) else level

        def build(ctx: Context) -> list[Named]:
            prov = explicit[0] if explicit else ctx.province()
            # "các quận, huyện, thị xã: ..., Sơn Tây": the level the gazetteer has there.
            word = next(
                (w for w in levels if prov in lx.TABLES.district_province.get((w, place), ())),
                next((w for w in levels if (w, place) in lx.TABLES.district_province), levels[0]),
            )
            return [district_unit(word, place, explicit[0] if explicit else None, ctx)]

        self.add(at, Deferred(build))

    def add_commune(
        self,
        at: int,
        level: str | tuple[str, ...],
        place: str,
        end: int,
        group: list[set[str]] | None = None,
    ) -> None:
        """ "Công đoàn xã X (province)"; ``level`` may list the levels a list allows.

        The wards of one list are in one province: ``group`` (shared by the list's
        items) holds where each may be, so "phường An Khê và Thanh Khê" is Đà Nẵng's
        An Khê, not Gia Lai's, and a province written after the last item counts for all.
        """
        levels = (level,) if isinstance(level, str) else level
        explicit = self.explicit_province(end)
        known = {p for w in levels for p in lx.TABLES.commune_province.get((w, place), ())}
        if explicit and known and explicit[0] not in known:
            # Wards exist since 1/7/2025: "xã X, tỉnh Hà Giang (cũ)" is Tuyên Quang's X,
            # and a province the gazetteer does not have X in is not X's.
            merged = lx.TABLES.provinces[explicit[0]].get("merged_into")
            explicit = (merged, explicit[1]) if merged in known else None
        if group is not None:
            group.append({explicit[0]} if explicit else known)

        def build(ctx: Context) -> list[Named]:
            prov = explicit[0] if explicit else ctx.province()
            # "các xã, phường: A, B": the level under which the gazetteer has A there.
            level = next(
                (w for w in levels if prov in lx.TABLES.commune_province.get((w, place), ())),
                next((w for w in levels if (w, place) in lx.TABLES.commune_province), levels[0]),
            )
            gz = lx.TABLES.commune_province.get((level, place), [])
            if not gz:
                # Commune and ward unions exist since 1/7/2025, for the wards the 2025
                # list has; "Công đoàn xã Tượng Sơn, huyện Thạch Hà" was a grassroots
                # union, and "phường Khương" a headline cut short.
                return []
            shared = _shared_province(group, gz) if not explicit and prov not in gz else None
            if shared:
                prov = shared
            elif not explicit and prov not in gz and (len(gz) == 1 or not prov):
                prov = gz[0]  # the gazetteer knows better than the article's other provinces
            name = f"Công đoàn {level} {place}" + (f" ({prov})" if prov else "")
            return [Named(name, "commune", fed_name(prov), prov, False)]

        self.add(at, Deferred(build))

    def parse_khoi(self, m: re.Match[str], at: int) -> int:
        num = lx.KHOI_NUM.match(self.text, m.end())
        if not num or int(num.group("n")) == 0:
            return m.end()
        name = f"Khối thi đua số {int(num.group('n')):02d}"
        self.add(at, Named(name, "emulation_block", None, None, False))
        return num.end()

    def parse_cum(self, m: re.Match[str], at: int) -> int:
        text = self.text
        if text[max(0, at - 4) : at].casefold().strip() == "các":
            return m.end()
        if lx.GRASSROOTS_BEFORE.search(text, max(0, at - 24), at):
            return m.end()  # "các CĐCS cụm thi đua số 01"
        tokens: list[str] = []
        end = m.end()
        keep_end = end
        keep = 0
        if lx.NOT_UNION_CLUSTER.match(text, end):
            return end  # "cụm thi đua Đoàn TN 4 công ty": the Youth Union's
        while len(tokens) < 12:
            t = lx.CUM_LDLD.match(text, end) or lx.TOKEN.match(text, end)
            if not t:
                break
            # "Liên đoàn Lao động" spelled out is written "LĐLĐ", as in the contract's form.
            tok = "LĐLĐ" if t.re is lx.CUM_LDLD else t.group(1)
            if tok == "bộ" and tokens and tokens[-1] in lx.REGION_WORDS:
                tok = "Bộ"  # "Nam Trung bộ": the region's name
            strong = tok[0].isupper() or tok.isdigit()
            if not strong and tok.casefold() not in lx.CUM_WORDS:
                break
            if tok.isdigit() and not tokens:
                # "Cụm thi đua 5 LĐLĐ các tỉnh" is cluster number 5; "Cụm thi đua 5 thành
                # phố trực thuộc Trung ương" counts its members and names no cluster.
                following = lx.TOKEN.match(text, t.end())
                if following and following.group(1)[0].islower():
                    return m.end()
                if not lx.OWNER_NOT_UNION.match(text, t.end()):
                    name = f"Cụm thi đua số {int(tok)}"
                    self.add(at, Named(name, "emulation_block", None, None, False))
                return t.end()
            tokens.append(tok)
            end = t.end()
            if strong:
                keep, keep_end = len(tokens), end
            if tok.isdigit() and len(tokens) >= 2 and tokens[-2].casefold() == "số":
                break  # "Cụm thi đua số 2 LĐLĐ các huyện": the number ends the name
        if keep and _UNION_WORD_TAIL.match(text, keep_end) and tokens[keep - 1] in ("Công", "Liên"):
            # "Cụm thi đua Công đoàn khối doanh nghiệp": named by its members, not a
            # cluster's own name; "Cụm thi đua Công" would be a unit nobody has.
            keep -= 1
        if tokens[:keep] == ["LĐLĐ"]:
            keep = 0  # "Cụm thi đua Liên đoàn Lao động huyện (Cụm 2)": its members, no name
        if not keep:
            return m.end()
        if lx.OWNER_NOT_UNION.match(text, keep_end):
            return keep_end
        name = "Cụm thi đua " + " ".join(tokens[:keep])
        self.add(at, Named(name, "emulation_block", None, None, False))
        return keep_end


_UNION_WORD_TAIL = re.compile(r"\s+đoàn(?!\w)")


def _person(written: str) -> bool:
    """Three syllables or more after a surname: how people, not districts, are named."""
    words = written.split()
    return len(words) >= 3 and words[0] in lx.SURNAMES


def _level_word(written: str) -> str:
    """A level word as the names write it: "Thành  phố" -> "TP", "Xã" -> "xã"."""
    word = " ".join(written.split()).casefold().rstrip(".")
    return "TP" if word in ("tp", "thành phố") else word


def _shared_province(group: list[set[str]] | None, options: list[str]) -> str | None:
    """Of ``options``, the province most items of the list may be in (if any shares it)."""
    if not group or not options:
        return None
    best = max(options, key=lambda p: sum(p in where for where in group))
    return best if sum(best in where for where in group) > 1 else None
