"""The unit grammar: find union bodies in Vietnamese text and name them canonically.

A unit mention is a *head* (LĐLĐ / Liên đoàn Lao động, Công đoàn / CĐ, Tổng
LĐLĐ, Ban X, Ủy ban Kiểm tra, Khối/Cụm thi đua) followed by a *level* (tỉnh,
thành phố/TP, huyện, quận, thị xã, xã, phường, đặc khu, ngành, Khu kinh tế...)
and a *place* (a gazetteer province, district or commune, else 1-3 capitalized
syllables).  The parser (:mod:`feeds.understand.unit_parser`) records what each
mention says; mentions that need the article's context ("LĐLĐ tỉnh" without a
province, "Công đoàn thành phố", "Công đoàn ngành Y tế") are resolved here
after the whole text is scanned, from the provinces the text names and the
source's province.

Everything runs on :func:`feeds.vntext.normalize`-d text (lines in capitals
recased, :mod:`feeds.understand.unit_recase`), so offsets give the order of
first mention.  The grammar names units; :func:`feeds.understand.units.find_units`
turns the names into taxonomy units.
"""

from __future__ import annotations

import re
import unicodedata

from feeds.understand import unit_lexicon as lx
from feeds.understand.gazetteer import NATIONAL_NAME, slugify
from feeds.understand.unit_parser import Parser
from feeds.understand.unit_recase import recase
from feeds.understand.unit_specs import Context, Deferred, Dept, Named, Spec
from feeds.vntext import normalize

__all__ = ["Named", "recognize"]


# Characters or old-style tone marks (hoà, thuỷ in open syllables) that
# normalize() would change; most texts have none, and normalize() is the
# costliest step here, so it only runs when needed.
_NEEDS_NORMALIZE = re.compile(
    "[Ðð\u00a0\u2000-\u200d\u202f\u205f\u3000\t\f\v\u2060\ufeff\u00ad]"
    "|[oO][àáảãạèéẻẽẹÀÁẢÃẠÈÉẺẼẸ](?!\\w)|(?<![qQ])[uU][ỳýỷỹỵỲÝỶỸỴ](?!\\w)"
)


# "Ia H' Drai", "Đắk R' Lấp": a highland name typed with a space after its apostrophe.
_SPACED_APOSTROPHE = re.compile(r"(?<![^\W\d_])([A-ZĐ])(['’])\s+(?=[A-ZĐ])")


def _normalized(text: str) -> str:
    if "' " in text or "’ " in text:
        text = _SPACED_APOSTROPHE.sub(r"\1\2", text)
    if unicodedata.is_normalized("NFC", text) and not _NEEDS_NORMALIZE.search(text):
        return text
    return normalize(text)


def recognize(
    text: str,
    *,
    title: str = "",
    source_province: str | None = None,
    source_place: tuple[str, str] | None = None,
) -> list[Named]:
    """Units named in ``title`` then ``text``, in order of first mention, each once."""
    doc = recase(_normalized(f"{title}\n{text}" if title else text))
    specs = Parser(doc).run()
    fixed = [(pos, s) for pos, s in specs if isinstance(s, Named)]
    fixed += [
        (pos, s.inner) for pos, s in specs if isinstance(s, Dept) and isinstance(s.inner, Named)
    ]
    ctx = Context(doc, sorted(fixed, key=lambda x: x[0]), source_province, source_place)
    # Deferred district/commune/city mentions with their own place name are
    # context for the bare ones ("Liên đoàn Lao động thành phố" -> TP Vinh).
    named: list[tuple[int, Named]] = []
    for pos, s in specs:
        if isinstance(s, Deferred) and s.build.__name__ == "build":
            named += [(pos, f) for f in s.build(ctx)]
    ctx.fixed = sorted(ctx.fixed + named, key=lambda x: x[0])
    # Their provinces now count too: "LĐLĐ TP. Nha Trang ... Liên đoàn Lao động tỉnh"
    # is Khánh Hòa's, which only the gazetteer says.
    ctx.forget_mentions()

    out: list[tuple[int, int, Named]] = []
    for order, (pos, spec) in enumerate(specs):
        for f in _resolve(spec, ctx):
            out.append((pos, order, f))
    out.sort(key=lambda x: (x[0], x[1]))
    names: dict[str, Named] = {}
    for _pos, _order, f in out:
        names.setdefault(slugify(f.name), f)
    return list(names.values())


def _resolve(spec: Spec, ctx: Context) -> list[Named]:
    if isinstance(spec, Named):
        return [spec]
    if isinstance(spec, Deferred):
        return spec.build(ctx)
    inner = _resolve(spec.inner, ctx)
    if not inner:
        return []
    head = inner[0]
    # A department outside the contract's lists counts only for its owner.
    if head.kind == "national" and spec.dept in lx.TLD_DEPARTMENTS:
        dept = Named(
            f"{spec.dept} {NATIONAL_NAME}", "national_department", NATIONAL_NAME, None, False
        )
        return [dept, *inner]
    if head.kind == "province" and spec.dept in lx.FEDERATION_DEPARTMENTS:
        name = f"{spec.dept} {head.name}"
        return [
            Named(name, "province_department", head.name, head.province, head.historical),
            *inner,
        ]
    return inner
