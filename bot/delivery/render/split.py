"""Message lengths and splitting: parts that fit a channel's limit, valid HTML each.

Telegram's limit is 4096 *visible* characters (counted in UTF-16 units after
entity parsing); Zalo's and the plain-text fallback's is 2000 characters.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass

from bot.commands.inbound import utf16_len, visible_length, visible_text

TELEGRAM_MAX = 4096
PLAIN_MAX = 2000

_TOKEN = re.compile(r"<[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[^<&]+|[<&]")
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][\w-]*)")


@dataclass
class _Atom:
    raw: str
    size: int  # visible UTF-16 units (0 for a tag)
    tag: str | None = None  # tag name, for tags
    closing: bool = False


def _atoms(text: str, html_mode: bool) -> list[_Atom]:
    if not html_mode:
        return [_Atom(ch, 2 if ord(ch) > 0xFFFF else 1) for ch in text]
    atoms: list[_Atom] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token.startswith("<") and len(token) > 1:
            tag = _TAG.match(token)
            if tag:
                atoms.append(_Atom(token, 0, tag.group(2).lower(), bool(tag.group(1))))
                continue
        if token.startswith("&") and len(token) > 1:
            atoms.append(_Atom(token, utf16_len(htmllib.unescape(token))))
            continue
        atoms += [_Atom(ch, 2 if ord(ch) > 0xFFFF else 1) for ch in token]
    return atoms


# Break preference: paragraph, line, sentence end, word boundary.
_PARAGRAPH, _LINE, _SENTENCE, _SPACE = 4, 3, 2, 1


def _break_rank(atoms: list[_Atom], i: int) -> int:
    """Rank of breaking *after* atom i (0: not a boundary)."""
    raw = atoms[i].raw
    nxt = atoms[i + 1].raw if i + 1 < len(atoms) else ""
    if raw == "\n":
        return _PARAGRAPH if nxt == "\n" or (i > 0 and atoms[i - 1].raw == "\n") else _LINE
    if raw == " " and i > 0 and atoms[i - 1].raw in (".", "!", "?", "…", ";"):
        return _SENTENCE
    if raw in (" ", "\t"):
        return _SPACE
    return 0


def split_message(text: str, limit: int, *, html: bool) -> list[str]:
    """Split into parts of at most ``limit`` visible characters.

    Breaks at a paragraph, else a line, a sentence end, a space (in the last
    half of the part), else anywhere; never inside a tag or an entity.  Tags
    open at a break are closed at the end of the part and reopened at the
    start of the next, so every part is valid HTML on its own.
    """
    if visible_length(text, markup=html) <= limit:
        return [text] if text.strip() else []
    atoms = _atoms(text, html)
    parts: list[str] = []
    start = 0
    stack: list[_Atom] = []  # open tags at ``start``
    while start < len(atoms):
        size, best, best_rank, i = 0, -1, 0, start
        open_tags = list(stack)
        stacks: dict[int, list[_Atom]] = {}
        while i < len(atoms) and size + atoms[i].size <= limit:
            atom = atoms[i]
            size += atom.size
            if atom.tag:
                if atom.closing:
                    if open_tags and open_tags[-1].tag == atom.tag:
                        open_tags.pop()
                else:
                    open_tags.append(atom)
            rank = _break_rank(atoms, i)
            # Inside a link, a break would cut the link in two: prefer other places.
            if rank and any(t.tag == "a" for t in open_tags):
                rank = 0
            if rank and rank >= best_rank and size >= limit // 2:
                best, best_rank = i, rank
                stacks[i] = list(open_tags)
            i += 1
        if i >= len(atoms):
            end, end_stack = len(atoms), open_tags
        elif best >= 0:
            end, end_stack = best + 1, stacks[best]
        else:
            end = max(i, start + 1)  # no boundary at all: cut hard
            end_stack = open_tags
        # Closing tags that immediately follow belong to this part.
        while end < len(atoms) and atoms[end].tag and atoms[end].closing:
            if end_stack and end_stack[-1].tag == atoms[end].tag:
                end_stack = end_stack[:-1]
            end += 1
        body = "".join(a.raw for a in stack) + "".join(a.raw for a in atoms[start:end])
        body += "".join(f"</{t.tag}>" for t in reversed(end_stack))
        if visible_text(body).strip() if html else body.strip():
            parts.append(body.strip())
        stack = end_stack
        start = end
        # The next part does not start with the whitespace we broke at.
        while start < len(atoms) and atoms[start].raw in (" ", "\n", "\t"):
            start += 1
    return parts
