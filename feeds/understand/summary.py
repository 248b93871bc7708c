"""Short Vietnamese summaries: sapo, else lead sentences, else TextRank.

A summary is at most two sentences and ``max_chars`` characters, cut at a
sentence boundary; a single sentence longer than that is cut at a word
boundary and ends with "…".  Page furniture never gets in: captions ("Ảnh:
…", "<title> ảnh 1"), datelines ("(Baonghean.vn) -"), slogans, bylines,
timestamps, sidebar headings and sentences that merely repeat the title.

Extractive only: no Vietnamese abstractive model or summarisation data set
ships on PyPI, and the sapo is the reference summary news sites write
themselves (VietNews-style data sets use it so).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from itertools import islice, pairwise

from feeds import vntext
from feeds.understand.page_date import is_document_header

MAX_SENTENCES = 2
_MIN_SENTENCE_CHARS = 25
_LEAD_WINDOW = 6  # the lead is among the first sentences or it is not a lead
_TEXTRANK_MIN_SENTENCES = 5

# Lines after which nothing belongs to the article (sidebars, related items).
_END_MARKERS = re.compile(
    r"^(?:tin mới|tin liên quan|tin cùng chuyên mục|bài liên quan|xem thêm|đọc thêm|"
    r"tin tức mới nhất|tin khác|các tin khác|tin đã đưa|từ khóa|từ khoá|tags?|thông báo|"
    r"thư viện ảnh|liên kết website|liên kêt website|số lượng truy cập|chia sẻ|bình luận)"
    r"\s*:?\s*$",
    re.IGNORECASE,
)
_FURNITURE = re.compile(
    r"^(?:chào mừng bạn đến|trang thông tin điện tử|bản quyền|copyright|©)", re.IGNORECASE
)
_CAPTION = re.compile(
    r"(?:\bẢnh\s*:|\(Ảnh\b|\bẢnh\s+minh\s+họa\b|\bNguồn\s*:|\bảnh\s+\d+\s*$|\bVideo\s*:|\|\s*$)",
    re.IGNORECASE,
)
_CREDIT = re.compile(r"^(?:Theo\s+.{2,60}[-–—]\s*\S+\.(?:vn|com|net)|Nguồn\s*:)", re.IGNORECASE)
_TIMESTAMP_LINE = re.compile(
    r"^(?:[^\d\n]{0,40}[-–|,]\s*)?(?:\d{1,2}:\d{2}\s+)?\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    r"(?:\s*[-–|,]?\s*\d{1,2}:\d{2})?(?:\s+[^\d\n]{0,40})?$"
)
_SLOGAN = re.compile(
    r"(?:đoàn kết,\s*trí tuệ|muôn năm|quyết tâm thực hiện thắng lợi nghị quyết|"
    r"nhiệt liệt chào mừng|\s{4,})",
    re.IGNORECASE,
)
# "(Baonghean.vn) -", "(LĐTĐ)", "(NLĐO) –", "LĐO -", "TPO -", "Nghệ An - ", "TP.HCM – "
_DATELINE = re.compile(
    r"^\s*(?:\([^()]{1,40}\)\s*[-–—:]?\s*"
    r"|(?:[A-ZĐÀ-Ỹ][\w.]*\s+){0,2}[A-ZĐÀ-Ỹ][\w.]*\s*[-–—]\s+(?=[A-ZĐÀ-Ỹ\d]))"
)
# Attendance lists, protocol sentences and a notice's legal basis ("Căn cứ Luật ...")
# say nothing about what happened.
_PROTOCOL = re.compile(
    r"^(?:căn cứ |tham dự|dự (?:hội nghị|buổi|lễ|chương trình|đại hội|hội thảo|tọa đàm)|tới dự|"
    r"đến dự|cùng dự|về phía|tham gia (?:hội nghị|buổi)[^,.]{0,40} có|"
    r"đồng chí [^,.]{2,40} (?:phát biểu|chủ trì)|quang cảnh|toàn cảnh)",
    re.IGNORECASE,
)
# A list item's marker or a heading's number: "- ", "* ", ".- ", "📅 ", "I. ", "2) ".
_BULLET = re.compile(r"^(?:[^\w\"“‘'(\[]+|(?:[IVX]{1,4}|\d{1,2})[.)]\s+)")
_WORD = re.compile(r"\w+")
_END_MARK = re.compile(r"\s*\.?/\.\s*$")
_VERBLESS_MAX = 120  # a line this short without final punctuation is a caption/heading
_TERMINAL = '.!?…:;"”’)»'


def summarize(title: str, text: str, *, sapo: str | None = None, max_chars: int = 300) -> str:
    """Two sentences at most, within ``max_chars``, never furniture (see module doc)."""
    title_key = vntext.exact_key(title or "")
    if sapo:
        picked = list(islice(_usable(_sentences(sapo, True), title_key), MAX_SENTENCES))
        if picked:
            return _fit(picked, max_chars)
    # Lazily: most items are done after the first few lines of a long text.
    stream = _usable(_sentences(text or "", False), title_key)
    head = list(islice(stream, _LEAD_WINDOW))
    lead = [s for s in head if not _PROTOCOL.match(s)]
    if lead:
        return _fit(lead, max_chars)
    sentences = head + list(stream)
    if not sentences:
        return ""
    if len(sentences) >= _TEXTRANK_MIN_SENTENCES:
        ranked = textrank(sentences, bias=title or "")
        # Rank over the whole text (protocol sentences still link the others),
        # but never pick an attendance list.
        ranked = [s for s in ranked if not _PROTOCOL.match(s)] or ranked
        top = sorted(ranked[:MAX_SENTENCES], key=sentences.index)
        return _fit(top, max_chars)
    return _fit(sentences, max_chars)


# --- cleaning ----------------------------------------------------------------


def _content_lines(text: str, keep_short_lines: bool) -> Iterator[str]:
    """Article lines without furniture; stops at the first sidebar heading after them
    (a notice opens with its own "THÔNG BÁO" heading)."""
    started = False
    for raw in text.splitlines():
        # NFC is enough for these checks; split_sentences does the full normalize.
        line = vntext.collapse_whitespace(unicodedata.normalize("NFC", raw))
        if not line:
            continue
        if _END_MARKERS.match(line):
            if started:
                break
            continue
        if (
            _FURNITURE.match(line)
            or _CREDIT.match(line)
            or _TIMESTAMP_LINE.match(line)
            or _SLOGAN.search(line)
            or _is_caps_label(line)
        ):
            continue
        line = _END_MARK.sub(".", line).rstrip(" |")
        if not keep_short_lines and len(line) <= _VERBLESS_MAX and line[-1] not in _TERMINAL:
            continue  # captions, headings, author names, notice titles
        started = True
        yield line


def _is_caps_label(line: str) -> bool:
    """Category labels and sidebar headings written in capitals ("TUYÊN TRUYỀN GIÁO DỤC")."""
    return len(line) < 80 and line.upper() == line and any(ch.isalpha() for ch in line)


def _sentences(text: str, keep_short_lines: bool) -> Iterator[str]:
    for line in _content_lines(text, keep_short_lines):
        # "- (SGGP).- Theo Bộ ...": a marker, the dateline, the marker after it.
        for pattern in (_BULLET, _DATELINE, _BULLET):
            line = pattern.sub("", line, count=1)
        yield from vntext.split_sentences(line)


def _usable(sentences: Iterator[str], title_key: str) -> Iterator[str]:
    """Drop captions, slogans, fragments and repeats of the title."""
    seen: set[str] = set()
    for sentence in sentences:
        sentence = _DATELINE.sub("", sentence, count=1).strip()
        key = _key(sentence)
        if (
            len(sentence) < _MIN_SENTENCE_CHARS
            or not key
            or key in seen
            or _CAPTION.search(sentence)
            or sentence.endswith("!")
            or _SLOGAN.search(sentence)
            or is_document_header(sentence)
            or _repeats_title(key, title_key)
        ):
            continue
        seen.add(key)
        yield sentence


def _key(sentence: str) -> str:
    """Exact key of an already normalized sentence (cheaper than vntext.exact_key)."""
    return " ".join(_WORD.findall(sentence.casefold()))


def _repeats_title(key: str, title_key: str) -> bool:
    if not title_key:
        return False
    if key == title_key:
        return True
    # The title plus a few words ("<title> ảnh 1", "<title>: toàn cảnh") adds nothing.
    return title_key in key and len(key) - len(title_key) < 20


# --- fitting -----------------------------------------------------------------


def _fit(sentences: list[str], max_chars: int) -> str:
    """First sentence (cut at a word if too long), plus the next if it fits."""
    first = sentences[0]
    if len(first) > max_chars:
        return _cut_words(first, max_chars)
    out = first
    for sentence in sentences[1:MAX_SENTENCES]:
        if len(out) + 1 + len(sentence) > max_chars:
            break
        out = f"{out} {sentence}"
    return out


def _cut_words(sentence: str, max_chars: int) -> str:
    """Cut at the last word boundary that leaves room for "…"."""
    room = max(1, max_chars - 1)
    cut = sentence[:room]
    if len(sentence) > room and not sentence[room].isspace() and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(' ,;:-–—("“') + "…"


# --- TextRank ----------------------------------------------------------------


def _features(sentence: str) -> Counter[str]:
    """Syllables and syllable bigrams (no word segmenter needed)."""
    words = _key(sentence).split()
    feats = Counter(w for w in words if not w.isdigit())
    feats.update(f"{a}_{b}" for a, b in pairwise(words))
    return feats


def textrank(sentences: list[str], *, bias: str = "", iterations: int = 30) -> list[str]:
    """Sentences ranked by PageRank over TF-IDF cosine similarity, best first.

    ``bias`` (usually the title) personalizes the random jump so that sentences
    about the title's subject rank higher.
    """
    n = len(sentences)
    if n <= 1:
        return list(sentences)
    feats = [_features(s) for s in sentences]
    df: Counter[str] = Counter()
    for f in feats:
        df.update(f.keys())
    idf = {term: math.log((n + 1) / (count + 0.5)) for term, count in df.items()}

    def vector(f: Counter[str]) -> dict[str, float]:
        vec = {t: (1 + math.log(c)) * idf.get(t, math.log(n + 1)) for t, c in f.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    vectors = [vector(f) for f in feats]
    sim = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            small, large = sorted((vectors[i], vectors[j]), key=len)
            s = sum(v * large.get(t, 0.0) for t, v in small.items())
            sim[i][j] = sim[j][i] = s
    row_sums = [sum(row) or 1.0 for row in sim]

    jump = [1.0 / n] * n
    if bias:
        b = vector(_features(bias))
        weights = [0.1 + sum(v * b.get(t, 0.0) for t, v in vec.items()) for vec in vectors]
        total = sum(weights)
        jump = [w / total for w in weights]

    damping = 0.85
    rank = [1.0 / n] * n
    for _ in range(iterations):
        rank = [
            (1 - damping) * jump[i]
            + damping * sum(sim[j][i] / row_sums[j] * rank[j] for j in range(n))
            for i in range(n)
        ]
    order = sorted(range(n), key=lambda i: (-rank[i], i))
    return [sentences[i] for i in order]
