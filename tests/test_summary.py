"""Summaries as a reader sees them in chat: short, whole sentences, no page furniture."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from feeds.understand.summary import summarize, textrank

SEEDS = Path(__file__).parent / "data" / "seeds"
SEED_TITLES = {
    "000_42062cfdec277463.txt": "Liên đoàn Lao động tỉnh Nghệ An làm việc với Thường trực Thành ủy Vinh",
    "001_4b0cc259ff1bd336.txt": "Ngày đầu tiên chương trình làm việc với 10 khối thi đua trực thuộc LĐLĐ tỉnh năm 2021",
    "002_c5db2657c5513135.txt": "Ban chỉ đạo phát triển đoàn viên, thành lập công đoàn cơ sở LĐLĐ tỉnh Nghệ An họp bàn giải pháp",
    "003_b5d277c22c92321f.txt": "LĐLĐ Nghệ An và LĐLĐ TP Hà Nội ký kết chương trình phối hợp công tác",
    "004_e9a1169cca8c1316.txt": "Công đoàn Nghệ An phấn đấu hoàn thành cao nhất các mục tiêu, nhiệm vụ",
}  # fmt: skip

_FURNITURE = re.compile(
    r"Ảnh\s*:|ảnh \d|Baonghean\.vn|Chào mừng|TIN TỨC|THÔNG BÁO|Tin mới|Từ khóa|"
    r"Đoàn kết, trí tuệ|Tin cùng chuyên mục|MAI LIỄU|\d{2}:\d{2} \d{2}/\d{2}/\d{4}|\./\.",
)


def sentence_count(summary: str) -> int:
    """Sentences as a reader counts them (a dot followed by a capital or digit)."""
    return len(re.findall(r"[.!?…](?:\s+(?=[A-ZÀ-ỸĐ\d\"“])|$)", summary))


@pytest.mark.parametrize("name", sorted(SEED_TITLES))
def test_seed_summaries_are_short_clean_and_whole(name: str) -> None:
    text = (SEEDS / name).read_text(encoding="utf-8")
    summary = summarize(SEED_TITLES[name], text)
    assert 40 <= len(summary) <= 300
    assert 1 <= sentence_count(summary) <= 2
    assert not _FURNITURE.search(summary), summary
    assert summary[-1] in '.…)”"'
    assert summary.strip() != SEED_TITLES[name]


def test_seed_000_drops_the_dateline_and_keeps_the_lead() -> None:
    name = "000_42062cfdec277463.txt"
    summary = summarize(SEED_TITLES[name], (SEEDS / name).read_text(encoding="utf-8"))
    assert summary.startswith("Sáng ngày 13/4, Liên đoàn Lao động tỉnh")


def test_seed_001_skips_slogans_label_title_and_timestamp() -> None:
    name = "001_4b0cc259ff1bd336.txt"
    summary = summarize(SEED_TITLES[name], (SEEDS / name).read_text(encoding="utf-8"))
    assert summary.startswith("Chiều ngày 01/03, LĐLĐ tỉnh tổ chức buổi làm việc")


def test_seed_003_skips_caption_and_attendance_list() -> None:
    name = "003_b5d277c22c92321f.txt"
    summary = summarize(SEED_TITLES[name], (SEEDS / name).read_text(encoding="utf-8"))
    assert "Tham dự" not in summary and "Về phía" not in summary
    assert "Hà Nội" in summary and "Nghệ An" in summary


def test_sapo_is_preferred_and_cut_at_a_sentence_boundary() -> None:
    sapo = (
        "(Baonghean.vn) - Sáng 26/7, Liên đoàn Lao động tỉnh Nghệ An tổ chức Hội nghị Sơ kết "
        "6 tháng đầu năm 2022 và triển khai nhiệm vụ trọng tâm 6 tháng cuối năm. Hội nghị "
        "diễn ra trong không khí phấn khởi hướng tới kỷ niệm 93 năm ngày thành lập Công đoàn "
        "Việt Nam. Tham dự có đại diện các sở, ban, ngành liên quan cùng đội ngũ cán bộ công "
        "đoàn chuyên trách trên địa bàn tỉnh."
    )
    summary = summarize("Công đoàn Nghệ An sơ kết 6 tháng", "Nội dung khác của bài.", sapo=sapo)
    assert summary.startswith("Sáng 26/7, Liên đoàn Lao động tỉnh Nghệ An")
    assert summary.endswith("Công đoàn Việt Nam.")  # two whole sentences, the third dropped
    assert len(summary) <= 300


def test_sapo_with_only_a_caption_falls_back_to_the_body() -> None:
    summary = summarize(
        "Trao quà cho công nhân",
        "Chiều 5/2, Công đoàn Khu kinh tế trao 300 suất quà cho công nhân khó khăn.",
        sapo="Ảnh: Thanh Thủy",
    )
    assert summary == "Chiều 5/2, Công đoàn Khu kinh tế trao 300 suất quà cho công nhân khó khăn."


def test_long_single_sentence_is_cut_at_a_word_with_ellipsis() -> None:
    clause = "Liên đoàn Lao động tỉnh phối hợp tổ chức hội nghị đối thoại với công nhân"
    sentence = " ".join([clause] * 8) + "."
    summary = summarize("Hội nghị", sentence, max_chars=300)
    assert len(summary) <= 300
    assert summary.endswith("…")
    body = summary[:-1]
    assert sentence.startswith(body)
    assert sentence[len(body)] == " "  # cut between words, never inside one


def test_max_chars_is_respected_with_two_sentences() -> None:
    text = (
        "Sáng 12/5, LĐLĐ tỉnh Hà Tĩnh tổ chức lễ phát động Tháng Công nhân năm 2023 tại Khu "
        "kinh tế Vũng Áng. Tháng Công nhân có chủ đề vì người lao động. Chương trình có nhiều "
        "hoạt động thiết thực."
    )
    short = summarize("Phát động Tháng Công nhân", text, max_chars=120)
    assert short == (
        "Sáng 12/5, LĐLĐ tỉnh Hà Tĩnh tổ chức lễ phát động Tháng Công nhân năm 2023 tại Khu "
        "kinh tế Vũng Áng."
    )
    both = summarize("Phát động Tháng Công nhân", text)
    assert sentence_count(both) == 2 and both.endswith("vì người lao động.")


def test_caption_lines_slogans_and_title_repeats_are_never_used() -> None:
    title = "Công đoàn Nghệ An trao Cờ thi đua cho 5 tập thể"
    text = "\n".join(
        [
            "NHIỆT LIỆT CHÀO MỪNG ĐẠI HỘI CÔNG ĐOÀN CÁC CẤP!",
            "Công đoàn Nghệ An trao Cờ thi đua cho 5 tập thể ảnh 1",
            "Công đoàn Nghệ An trao Cờ thi đua cho 5 tập thể.",
            "Quang cảnh hội nghị",
            "Trao Cờ thi đua cho các tập thể xuất sắc. Ảnh: Diệp Thanh",
            "Công nhân Việt Nam quyết tâm thực hiện thắng lợi Nghị quyết Đại hội!",
            "Chiều 26/7, LĐLĐ tỉnh trao Cờ thi đua xuất sắc cho 5 tập thể có thành tích trong "
            "phong trào thi đua lao động giỏi./.",
        ]
    )
    assert summarize(title, text) == (
        "Chiều 26/7, LĐLĐ tỉnh trao Cờ thi đua xuất sắc cho 5 tập thể có thành tích trong "
        "phong trào thi đua lao động giỏi."
    )


@pytest.mark.parametrize(
    ("prefix", "rest"),
    [
        (
            "(Baonghean.vn) - ",
            "Sáng 13/4, LĐLĐ tỉnh làm việc với Thành ủy Vinh về công tác phối hợp.",
        ),
        ("(LĐTĐ) ", "Sáng 15/1, LĐLĐ quận Hoàng Mai tổ chức chương trình Tết Sum vầy."),
        ("(NLĐO) - ", "Ngày 6-11, LĐLĐ tỉnh Thanh Hóa tổ chức hội nghị Ban Chấp hành bất thường."),
        ("LĐO - ", "Công đoàn các KCN tỉnh Bắc Ninh đã cử cán bộ đến doanh nghiệp nắm tình hình."),
        ("Nghệ An - ", "Công đoàn phường Trường Vinh ra mắt 3 công đoàn cơ sở mới thành lập."),
    ],
)
def test_datelines_are_removed(prefix: str, rest: str) -> None:
    assert summarize("Tin công đoàn", prefix + rest) == rest


def test_a_notice_heading_and_its_legal_basis_are_skipped() -> None:
    # "THÔNG BÁO" heads the notice itself (it also heads sidebars, which end the text).
    text = (
        "THÔNG BÁO\nLịch tiếp công dân của UBND xã Tân Đoàn năm 2026\n"
        "Căn cứ Luật Tiếp công dân ngày 25/11/2013;\n"
        "Căn cứ Nghị định số 64/2014/NĐ-CP ngày 26/6/2014 của Chính phủ;\n"
        "UBND xã thông báo lịch tiếp công dân năm 2026: Chủ tịch UBND xã tiếp công dân vào"
        " ngày 15 hằng tháng.\nTHÔNG BÁO\nLịch trực Tết của xã."
    )
    summary = summarize("Thông báo Lịch tiếp công dân của UBND xã Tân Đoàn năm 2026", text)
    assert summary == (
        "UBND xã thông báo lịch tiếp công dân năm 2026: Chủ tịch UBND xã tiếp công dân vào"
        " ngày 15 hằng tháng."
    )


def test_list_markers_and_a_documents_own_date_never_lead() -> None:
    text = (
        "(SGGP).- Theo Bộ LĐTB-XH, Tuần lễ quốc gia an toàn - vệ sinh lao động năm 2027 sẽ"
        " được khai mạc vào ngày 16-3.\n* Trao 63 suất học bổng cho học sinh nghèo vượt khó."
    )
    assert summarize("Tuần lễ quốc gia an toàn lao động", text) == (
        "Theo Bộ LĐTB-XH, Tuần lễ quốc gia an toàn - vệ sinh lao động năm 2027 sẽ được khai"
        " mạc vào ngày 16-3. Trao 63 suất học bổng cho học sinh nghèo vượt khó."
    )
    decision = (
        "Số: 1072/QĐ-TLĐ. Hà Nội, ngày 01 tháng 9 năm 2027.\nQUYẾT ĐỊNH VỀ VIỆC BAN HÀNH QUY"
        " CHẾ\n- Căn cứ Luật Công đoàn năm 2024; Điều lệ Công đoàn Việt Nam;\nĐiều 1. Ban hành"
        " kèm theo Quyết định này Quy chế quản lý tài chính công đoàn."
    )
    assert summarize("Quyết định 1072/QĐ-TLĐ về Quy chế tài chính", decision) == (
        "Ban hành kèm theo Quyết định này Quy chế quản lý tài chính công đoàn."
    )


def test_empty_input_gives_empty_summary() -> None:
    assert summarize("Tiêu đề", "") == ""
    assert summarize("Tiêu đề", "Ảnh: Thanh Thủy\nTIN TỨC MỚI NHẤT") == ""


def test_textrank_prefers_the_central_sentence() -> None:
    sentences = [
        "Công đoàn tỉnh trao quà Tết cho công nhân khó khăn tại khu công nghiệp.",
        "Mỗi suất quà Tết cho công nhân gồm tiền mặt và nhu yếu phẩm.",
        "Thời tiết hôm đó có mưa nhỏ.",
        "Công nhân khó khăn tại khu công nghiệp vui mừng nhận quà Tết của công đoàn.",
    ]
    ranked = textrank(sentences, bias="Trao quà Tết cho công nhân")
    assert ranked[-1] == "Thời tiết hôm đó có mưa nhỏ."
    assert set(ranked) == set(sentences)


def test_protocol_only_lead_falls_back_to_ranked_sentences() -> None:
    text = "\n".join(
        [
            "Tham dự hội nghị có đồng chí Nguyễn Văn A, Phó Chủ tịch UBND tỉnh.",
            "Về phía LĐLĐ tỉnh có đồng chí Trần Thị B, Chủ tịch LĐLĐ tỉnh.",
            "Tới dự có đại diện lãnh đạo các sở, ban, ngành của tỉnh.",
            "Dự hội nghị có 200 đại biểu là cán bộ công đoàn chủ chốt.",
            "Tham dự còn có đại diện các doanh nghiệp trên địa bàn.",
            "Về phía doanh nghiệp có lãnh đạo 30 công ty trong khu công nghiệp.",
            "Hội nghị đã thông qua chương trình phối hợp chăm lo Tết cho công nhân khu công nghiệp.",
            "Theo chương trình, công nhân khu công nghiệp được hỗ trợ vé xe về quê đón Tết.",
        ]
    )
    summary = summarize("Chăm lo Tết cho công nhân khu công nghiệp", text)
    assert "công nhân khu công nghiệp" in summary
    assert not summary.startswith(("Tham dự", "Về phía", "Tới dự", "Dự hội nghị"))
