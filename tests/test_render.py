"""What officers read: escaping, dates in Vietnam time, lengths, splitting, both languages.

HTML is checked with the fake Bot API's port of Telegram's own parser
(``tests.support.fake_telegram.parse_html``): what it accepts, Telegram accepts,
and its visible text is what the officer reads.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.render import (
    html_to_plain,
    render_cap_notice,
    render_digest,
    render_push,
    render_reminder,
    render_story_html,
    render_story_plain,
    split_message,
    visible_length,
)
from storage.queries import EventView, Link, StoryView
from tests.support.fake_telegram import parse_html, utf16_len

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = date(2026, 11, 20)
HOSTILE = 'Hội thi <script>alert("x")</script> & "Nữ công" <b>giỏi</b>'


def story(
    n: int = 1,
    *,
    title: str = HOSTILE,
    topics: tuple[str, ...] = ("thi_dua_khen_thuong",),
    summary: str | None = "LĐLĐ tỉnh phát động Hội thi. Hạn nộp bài là 30/11/2026.",
    events: tuple[EventView, ...] = (
        EventView(date(2026, 11, 30), None, "deadline", "Hạn cuối nộp bài dự thi"),
    ),
    published: datetime | None = datetime(2026, 11, 19, 17, 5, tzinfo=UTC),  # 00:05 on the 20th
) -> StoryView:
    url = f'https://congdoannghean.vn/tin/{n}?a=1&b="2"'
    return StoryView(
        id=n,
        title=title,
        url=url,
        source_id="cdna",
        source_name="Công đoàn Nghệ An",
        published=published,
        first_seen=datetime(2026, 11, 20, 1, 0, tzinfo=UTC),
        text="Nội dung bài viết. " * 50,
        description=None,
        summary=summary,
        links=(
            Link("cdna", "Công đoàn Nghệ An", url),
            Link("bna", "Báo Nghệ An <online>", "https://baonghean.vn/tin-1.html"),
        ),
        units=(("ldld-tinh-nghe-an", "LĐLĐ tỉnh Nghệ An"),),
        topics=topics,
        events=events,
        baseline=False,
    )


def visible(html: str) -> str:
    text, _entities = parse_html(html)
    return text


def test_push_escapes_hostile_feed_strings() -> None:
    html = render_story_html(story(), "vi", TZ, today=TODAY)
    shown = visible(html)  # raises if Telegram would refuse it
    assert shown.startswith(HOSTILE)
    assert "<script>" not in html and "&lt;script&gt;" in html
    _text, entities = parse_html(html)
    links = [e["url"] for e in entities if e["type"] == "text_link"]
    assert links == ['https://congdoannghean.vn/tin/1?a=1&b="2"', "https://baonghean.vn/tin-1.html"]
    assert "Cũng đăng trên: Báo Nghệ An <online>" in shown


def test_push_shows_source_date_summary_deadline_and_hashtags() -> None:
    shown = visible(
        render_story_html(story(), "vi", TZ, matched=["LĐLĐ tỉnh Nghệ An"], today=TODAY)
    )
    lines = shown.split("\n")
    assert lines[1] == "Công đoàn Nghệ An · 20/11/2026 00:05"  # UTC 17:05 is 00:05 in Vietnam
    assert "LĐLĐ tỉnh phát động Hội thi." in shown
    assert "⏰ Hạn cuối: 30/11/2026 — nộp bài dự thi" in shown
    assert lines[-1] == "#LĐLĐ_Nghệ_An #thi_đua"


def test_past_events_are_not_shown_and_hashtags_are_at_most_four() -> None:
    many = story(
        topics=("thi_dua_khen_thuong", "nu_cong", "atvsld", "chuyen_doi_so", "van_hoa_the_thao"),
        events=(EventView(date(2026, 11, 1), None, "deadline", "đã qua"),),
    )
    shown = visible(render_story_html(many, "vi", TZ, today=TODAY))
    assert "⏰" not in shown and "đã qua" not in shown
    assert len(re.findall(r"#\w+", shown)) == 4


def test_english_push_has_no_vietnamese_ui_words() -> None:
    shown = visible(render_story_html(story(), "en", TZ, today=TODAY))
    assert "⏰ Deadline: 30/11/2026" in shown and "Also published by: Báo Nghệ An" in shown
    assert "Hạn cuối:" not in shown and "Cũng đăng trên" not in shown


def test_vietnamese_push_has_no_english_ui_words() -> None:
    shown = visible(render_story_html(story(), "vi", TZ, today=TODAY))
    for english in ("Deadline", "Also published", "Source", "Reminder"):
        assert english not in shown


def test_plain_push_has_bare_urls_and_fits_zalo() -> None:
    long = story(summary="Một câu rất dài về công đoàn. " * 200)
    plain = render_story_plain(long, "vi", TZ, today=TODAY)
    assert plain.startswith(HOSTILE)  # plain text: nothing escaped
    assert 'https://congdoannghean.vn/tin/1?a=1&b="2"' in plain
    [message] = render_push([long], "vi", TZ, today=TODAY)
    assert len(message.plain) <= 2000 and visible_length(message.html) <= 4096


def test_one_message_per_story_in_order() -> None:
    rendered = render_push([story(1, title="Tin A"), story(2, title="Tin B")], "vi", TZ)
    assert [visible(r.html).split("\n")[0] for r in rendered] == ["Tin A", "Tin B"]


def test_missing_date_and_summary_are_left_out() -> None:
    bare = story(summary=None, published=None, events=())
    shown = visible(render_story_html(bare, "vi", TZ, today=TODAY))
    assert "Công đoàn Nghệ An · 20/11/2026 08:00" in shown  # first seen, in Vietnam time
    assert "Nội dung bài viết." in shown  # the text stands in for a summary


def test_twenty_story_digest_splits_cleanly() -> None:
    topics = ("thi_dua_khen_thuong", "nu_cong", "atvsld", "", "chuyen_doi_so")
    stories = [
        story(
            i,
            title=f"Tin {i:02d}: {HOSTILE}",
            topics=(topics[i % 5],) if topics[i % 5] else (),
            summary="Hoạt động công đoàn sôi nổi & thiết thực. " * 8,
        )
        for i in range(20)
    ]
    parts = render_digest(TODAY, stories, "vi", TZ, today=TODAY)
    htmls = [p.html for p in parts if p.html]
    plains = [p.plain for p in parts if p.plain]
    assert len(htmls) >= 2
    shown = [visible(h) for h in htmls]
    assert all(utf16_len(s) <= 4096 for s in shown)
    assert all(len(p) <= 2000 for p in plains)
    assert shown[0].startswith("📰 Bản tin công đoàn ngày 20/11/2026")
    everything = "\n".join(shown)
    for i in range(20):
        assert everything.count(f"Tin {i:02d}: ") == 1  # each once, never cut in two
        assert "\n".join(plains).count(f"Tin {i:02d}: ") == 1
    headings = ["Thi đua, khen thưởng", "Nữ công", "An toàn, vệ sinh lao động", "Chuyển đổi số"]
    for heading in headings:
        assert heading in everything
    assert everything.index("Tin khác") > max(everything.index(h) for h in headings)


def test_empty_digest_is_nothing() -> None:
    assert render_digest(TODAY, [], "vi", TZ) == []


def test_reminder_wording_and_weekday() -> None:
    event = EventView(date(2026, 11, 30), time(8, 0), "deadline", "Hạn cuối nộp bài dự thi")
    vi = render_reminder(event, story(), 3, "vi", TZ)
    shown = visible(vi.html)
    assert shown.startswith(
        "⏰ Nhắc việc: còn 3 ngày — Hạn cuối: nộp bài dự thi (30/11/2026 08:00)"
    )
    assert "🗓 Thứ Hai, 30/11/2026 lúc 08:00" in shown
    assert visible(render_reminder(event, story(), 0, "vi", TZ).html).startswith(
        "⏰ Nhắc việc: hôm nay"
    )
    en = visible(render_reminder(event, story(), 1, "en", TZ).html)
    assert en.startswith("⏰ Reminder: 1 day left — Deadline: nộp bài dự thi")
    assert "Monday, 30/11/2026 at 08:00" in en
    assert "Sunday" in visible(
        render_reminder(EventView(date(2026, 11, 29), None, "event", ""), story(), 0, "en", TZ).html
    )


def test_cap_notice() -> None:
    notice = render_cap_notice(10, time(7, 0), "vi")
    assert visible(notice.html) == (
        "ℹ️ Đồng chí đã nhận đủ 10 tin hôm nay; các tin tiếp theo sẽ có trong bản tin "
        "tổng hợp lúc 07:00."
    )


# --- splitting ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(25))
def test_split_html_never_breaks_a_tag_or_entity(seed: int) -> None:
    rng = random.Random(seed)
    pieces = []
    for _ in range(rng.randint(50, 300)):
        word = rng.choice(["công", "đoàn", "A&amp;B", "&lt;x&gt;", "😀", "Nghệ", "An."])
        roll = rng.random()
        if roll < 0.1:
            word = f"<b>{word} <i>{word}</i></b>"
        elif roll < 0.15:
            word = f'<a href="https://x.vn/?a=1&amp;b=2">{word} {word}</a>'
        pieces.append(word)
        pieces.append(rng.choice([" ", " ", " ", "\n", "\n\n"]))
    text = "".join(pieces)
    limit = rng.randint(40, 400)
    parts = split_message(text, limit, html=True)
    whole = re.sub(r"\s+", " ", visible(text)).strip()
    joined = re.sub(r"\s+", " ", " ".join(visible(p) for p in parts)).strip()
    assert joined == whole  # nothing lost, nothing added
    for part in parts:
        assert utf16_len(visible(part)) <= limit  # and each part is valid Telegram HTML


def test_split_prefers_paragraphs_then_sentences() -> None:
    text = "Đoạn một câu một. Câu hai.\n\nĐoạn hai dài hơn một chút. Câu cuối."
    assert split_message(text, 40, html=False) == [
        "Đoạn một câu một. Câu hai.",
        "Đoạn hai dài hơn một chút. Câu cuối.",
    ]
    sentences = "Câu thứ nhất khá dài. Câu thứ hai cũng dài. Câu thứ ba."
    assert (
        split_message(sentences, 45, html=False)[0] == "Câu thứ nhất khá dài. Câu thứ hai cũng dài."
    )


def test_split_closes_and_reopens_tags() -> None:
    text = "<b>" + "chữ đậm " * 20 + "</b>"
    parts = split_message(text, 50, html=True)
    assert len(parts) >= 3
    assert all(p.startswith("<b>") and p.endswith("</b>") for p in parts)


def test_short_text_is_one_part_and_blank_is_none() -> None:
    assert split_message("<b>ngắn</b>", 10, html=True) == ["<b>ngắn</b>"]
    assert split_message("   ", 10, html=False) == []


def test_html_to_plain_keeps_link_targets() -> None:
    html = '<b>Tin &amp; ảnh</b> <a href="https://x.vn/a?b=1&amp;c=2">xem</a>'
    assert html_to_plain(html) == "Tin & ảnh xem (https://x.vn/a?b=1&c=2)"
