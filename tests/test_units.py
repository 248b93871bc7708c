"""Union unit recognition (feeds.understand.units / feeds.understand.unit_grammar) and the taxonomy.

Sentence cases are written the way union pages write them (laodong.vn,
baonghean.vn, congdoannghean.vn, nld.com.vn...), across provinces and years;
whole-seed cases use the real pages in tests/data/seeds, cleaned of sidebars.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from feeds.understand.analyze import analyze
from feeds.understand.units import (
    Unit,
    find_units,
    place_for_url,
    province_for_url,
    slugify,
    taxonomy,
)

NA = "Nghệ An"


def names(text: str, title: str = "", source: str | None = None) -> list[str]:
    return [u.name for u in find_units(text, title=title, source_province=source)]


# (text, source province, expected canonical names in order of first mention)
CASES: list[tuple[str, str | None, list[str]]] = [
    # --- national body, titles, abbreviations ---
    ("Đồng chí Nguyễn Phi Thường - Ủy viên BCH Tổng LĐLĐ Việt Nam, Chủ tịch LĐLĐ TP Hà Nội phát biểu.", None,
     ["Tổng LĐLĐ Việt Nam", "LĐLĐ TP Hà Nội"]),
    ("Theo Quyết định số 4074/QĐ-TLĐ của Đoàn Chủ tịch Tổng Liên đoàn Lao động Việt Nam.", None,
     ["Tổng LĐLĐ Việt Nam"]),
    ("Đoàn Chủ tịch Tổng Liên đoàn đã ban hành hướng dẫn.", None, ["Tổng LĐLĐ Việt Nam"]),
    ("TLĐ vừa phân bổ 2.500 vé xe cho công nhân.", None, ["Tổng LĐLĐ Việt Nam"]),
    ("Chủ tịch Tổng LĐLĐ VN Nguyễn Đình Khang dự lễ.", None, ["Tổng LĐLĐ Việt Nam"]),
    # --- TLĐ departments ---
    ("Chiều 8/11, Ban Tuyên giáo Tổng Liên đoàn phối hợp với Liên đoàn Lao động tỉnh Nghệ An tổ chức hội nghị.",
     None, ["Ban Tuyên giáo Tổng LĐLĐ Việt Nam", "Tổng LĐLĐ Việt Nam", "LĐLĐ tỉnh Nghệ An"]),
    ("Ban Quan hệ Lao động Tổng LĐLĐ Việt Nam khảo sát tiền lương.", None,
     ["Ban Quan hệ lao động Tổng LĐLĐ Việt Nam", "Tổng LĐLĐ Việt Nam"]),
    ("Trưởng Ban Chính sách – Pháp luật Tổng Liên đoàn Lao động Việt Nam trả lời.", None,
     ["Ban Chính sách - Pháp luật Tổng LĐLĐ Việt Nam", "Tổng LĐLĐ Việt Nam"]),
    ("Ủy ban Kiểm tra Tổng LĐLĐ Việt Nam kiểm tra tài chính.", None,
     ["Ủy ban Kiểm tra Tổng LĐLĐ Việt Nam", "Tổng LĐLĐ Việt Nam"]),
    # --- central sector unions ---
    ("Công đoàn Giáo dục Việt Nam và Công đoàn Y tế Việt Nam ký kết phối hợp.", None,
     ["Công đoàn Giáo dục Việt Nam", "Công đoàn Y tế Việt Nam"]),
    ("Đại hội Công đoàn Ngân hàng Việt Nam lần thứ VIII, nhiệm kỳ 2025-2030.", None,
     ["Công đoàn Ngân hàng Việt Nam"]),
    ("Công đoàn GTVT Việt Nam trao quà cho công nhân đường sắt.", None,
     ["Công đoàn Giao thông vận tải Việt Nam"]),
    ("Công đoàn Than - Khoáng sản Việt Nam, trước là Công đoàn Than Việt Nam.", None,
     ["Công đoàn Than - Khoáng sản Việt Nam", "Công đoàn Than Việt Nam"]),
    ("Công đoàn Công an nhân dân và Công đoàn Quốc phòng tổ chức giải bóng đá.", None,
     ["Công đoàn Công an nhân dân", "Công đoàn Quốc phòng"]),
    ("Công đoàn Nông nghiệp và PTNT Việt Nam tặng quà.", None, ["Công đoàn Nông nghiệp và PTNT Việt Nam"]),
    # --- names written short: abbreviations, glued "VN", owner after "thuộc" ---
    ("Tối 19/8, Công đoàn TKV tổ chức Liên hoan Tiếng hát thợ mỏ vùng Hạ Long.", None,
     ["Công đoàn Than - Khoáng sản Việt Nam"]),
    ("Công đoàn Than - KS Việt Nam và Công đoàn Than - KSVN là một.", None,
     ["Công đoàn Than - Khoáng sản Việt Nam"]),
    ("Chủ tịch Tổng LĐLĐVN Nguyễn Đình Khang làm việc với LĐLĐ tỉnh Bình Dương.", None,
     ["Tổng LĐLĐ Việt Nam", "LĐLĐ tỉnh Bình Dương"]),
    ("Ông Trần Duy Phương, Trưởng Ban Tuyên giáo thuộc Tổng Liên đoàn cho biết.", None,
     ["Ban Tuyên giáo Tổng LĐLĐ Việt Nam", "Tổng LĐLĐ Việt Nam"]),
    ("Công nhân TKV và Công đoàn Công ty Than Hòn Gai - TKV.", None, []),
    ("Công đoàn các Khu kinh tế tỉnh Hà Tĩnh phát triển 1.676 đoàn viên.", None,
     ["Công đoàn Khu kinh tế Hà Tĩnh"]),
    # --- provincial federations, old and new provinces ---
    ("LĐLĐ Nghệ An và LĐLĐ TP Hà Nội ký kết chương trình phối hợp công tác", None,
     ["LĐLĐ tỉnh Nghệ An", "LĐLĐ TP Hà Nội"]),
    ("LĐLĐ TP.HCM và Liên đoàn Lao động Thành phố Hồ Chí Minh là một.", None, ["LĐLĐ TP Hồ Chí Minh"]),
    ("LĐLĐ TPHCM tổ chức Chợ Tết Công đoàn.", None, ["LĐLĐ TP Hồ Chí Minh"]),
    ("LĐLĐ tỉnh Quảng Bình trao 20 Mái ấm Công đoàn năm 2023.", None, ["LĐLĐ tỉnh Quảng Bình"]),
    ("LĐLĐ tỉnh Thừa Thiên Huế tổ chức Tháng Công nhân 2022.", None, ["LĐLĐ tỉnh Thừa Thiên Huế"]),
    ("Đại hội Công đoàn tỉnh Tuyên Quang lần thứ I, nhiệm kỳ 2025 - 2030.", None, ["LĐLĐ tỉnh Tuyên Quang"]),
    ("Chủ tịch LĐLĐ tỉnh Long An cho biết, LĐLĐ tỉnh Bà Rịa - Vũng Tàu cũng tham gia.", None,
     ["LĐLĐ tỉnh Long An", "LĐLĐ tỉnh Bà Rịa - Vũng Tàu"]),
    ("Công đoàn Nghệ An phấn đấu hoàn thành cao nhất các mục tiêu, nhiệm vụ", None, ["LĐLĐ tỉnh Nghệ An"]),
    ("LĐLĐ thành phố Đà Nẵng và LĐLĐ TP Cần Thơ, LĐLĐ thành phố Huế.", None,
     ["LĐLĐ TP Đà Nẵng", "LĐLĐ TP Cần Thơ", "LĐLĐ TP Huế"]),
    ("Ban Thường vụ LĐLĐ tỉnh Đắk Lắk họp phiên thường kỳ.", None, ["LĐLĐ tỉnh Đắk Lắk"]),
    ("BCH Liên đoàn Lao động tỉnh Nghệ An khóa XIX.", None, ["LĐLĐ tỉnh Nghệ An"]),
    ("Các đồng chí lãnh đạo LĐLĐ tỉnh Nghệ An, Hà Tĩnh và Quảng Bình dự hội nghị.", None,
     ["LĐLĐ tỉnh Nghệ An", "LĐLĐ tỉnh Hà Tĩnh", "LĐLĐ tỉnh Quảng Bình"]),
    # --- city, district, town unions ---
    ("Ông Thái Lê Cường - Chủ tịch LĐLĐ TP.Vinh phát biểu tại hội nghị.", None, ["LĐLĐ TP Vinh"]),
    ("LĐLĐ TP. Vinh, LĐLĐ Tp Vinh và Liên đoàn Lao động thành phố Vinh.", None, ["LĐLĐ TP Vinh"]),
    ("LĐLĐ huyện Quỳnh Lưu trao quà cho đoàn viên.", None, ["LĐLĐ huyện Quỳnh Lưu"]),
    ("LĐLĐ huyện Krông Pắc, tỉnh Đắk Lắk tặng 100 suất quà.", None, ["LĐLĐ huyện Krông Pắc"]),
    ("LĐLĐ quận Hoàng Mai tổ chức hội thao.", None, ["LĐLĐ quận Hoàng Mai"]),
    ("LĐLĐ thị xã Hoàng Mai ra mắt mô hình mới.", NA, ["LĐLĐ thị xã Hoàng Mai"]),
    ("LĐLĐ TX Thái Hòa và LĐLĐ Quận 1 trao đổi kinh nghiệm.", None,
     ["LĐLĐ thị xã Thái Hòa", "LĐLĐ quận 1"]),
    ("Chủ tịch LĐLĐ TP Buôn Ma Thuột Nguyễn Văn A chủ trì.", None, ["LĐLĐ TP Buôn Ma Thuột"]),
    ("LĐLĐ TP Thanh Hóa khác với LĐLĐ tỉnh Thanh Hóa.", None, ["LĐLĐ TP Thanh Hóa", "LĐLĐ tỉnh Thanh Hóa"]),
    ("Công đoàn huyện Cư M'gar tổ chức Đại hội.", None, ["LĐLĐ huyện Cư M'gar"]),
    # --- local sector, economic zone, Nghệ An 2025 units ---
    ("Công đoàn ngành Giáo dục Nghệ An tuyên dương nhà giáo.", None, ["Công đoàn ngành Giáo dục Nghệ An"]),
    ("Công đoàn ngành Y tế Hà Tĩnh tổ chức hội thi.", None, ["Công đoàn ngành Y tế Hà Tĩnh"]),
    ("Công đoàn ngành Giao thông vận tải tổ chức tổng kết.", NA,
     ["Công đoàn ngành Giao thông vận tải Nghệ An"]),
    ("Công đoàn Viên chức tỉnh Nghệ An và Công đoàn Viên chức Hà Tĩnh.", None,
     ["Công đoàn Viên chức tỉnh Nghệ An", "Công đoàn Viên chức tỉnh Hà Tĩnh"]),
    ("Công đoàn Khu kinh tế Đông Nam Nghệ An bàn giao CĐCS cho LĐLĐ tỉnh.", NA,
     ["Công đoàn Khu kinh tế Đông Nam Nghệ An", "LĐLĐ tỉnh Nghệ An"]),
    ("Công đoàn các KCN tỉnh Bắc Ninh phát động thi đua.", None,
     ["Công đoàn các Khu công nghiệp tỉnh Bắc Ninh"]),
    ("Công đoàn Các cơ quan Đảng tỉnh và Công đoàn UBND tỉnh Nghệ An nhiệm kỳ 2025-2028.", NA,
     ["Công đoàn Các cơ quan Đảng tỉnh Nghệ An", "Công đoàn UBND tỉnh Nghệ An"]),
    # --- commune-level unions since 1/7/2025 ---
    ("Thành lập Công đoàn xã Vụ Bản, tỉnh Ninh Bình có 8.552 đoàn viên.", None,
     ["Công đoàn xã Vụ Bản (Ninh Bình)"]),
    ("Tết sum vầy Công đoàn phường Trường Vinh thắp sáng niềm tin.", NA,
     ["Công đoàn phường Trường Vinh (Nghệ An)"]),
    ("Công đoàn phường Thái Hòa khen thưởng tập thể, cá nhân tiêu biểu năm 2025.", None,
     ["Công đoàn phường Thái Hòa (Nghệ An)"]),
    ("Công đoàn phường Tân Phú (TP.HCM) công bố quyết định thành lập.", None,
     ["Công đoàn phường Tân Phú (Hồ Chí Minh)"]),
    ("Công đoàn đặc khu Phú Quốc tổ chức đại hội lần thứ I.", "An Giang",
     ["Công đoàn đặc khu Phú Quốc (An Giang)"]),
    # --- emulation blocks, federation departments ---
    ("Làm việc với Khối thi đua số 1 và khối thi đua số 01.", NA, ["Khối thi đua số 01"]),
    ("Ban Chấp hành CĐCS Khối thi đua số 10 tham dự.", NA, ["Khối thi đua số 10"]),
    ("Cụm thi đua LĐLĐ các tỉnh Bắc Trung Bộ tổng kết năm 2024.", None,
     ["Cụm thi đua LĐLĐ các tỉnh Bắc Trung Bộ"]),
    ("Trưởng Ban Tổ chức - Kiểm tra LĐLĐ tỉnh Nghệ An công bố quyết định.", None,
     ["Ban Tổ chức - Kiểm tra LĐLĐ tỉnh Nghệ An", "LĐLĐ tỉnh Nghệ An"]),
    ("Ban Tuyên giáo - Nữ công LĐLĐ tỉnh tổ chức tọa đàm.", NA,
     ["Ban Tuyên giáo - Nữ công LĐLĐ tỉnh Nghệ An", "LĐLĐ tỉnh Nghệ An"]),
    ("Chánh Văn phòng LĐLĐ tỉnh Hà Tĩnh; Ủy ban Kiểm tra LĐLĐ tỉnh Hà Tĩnh.", None,
     ["Văn phòng LĐLĐ tỉnh Hà Tĩnh", "LĐLĐ tỉnh Hà Tĩnh", "Ủy ban Kiểm tra LĐLĐ tỉnh Hà Tĩnh"]),
    # --- bare mentions ---
    ("Sáng ngày 13/4, Liên đoàn Lao động tỉnh đã có buổi làm việc.", NA, ["LĐLĐ tỉnh Nghệ An"]),
    ("Sáng ngày 13/4, Liên đoàn Lao động tỉnh đã có buổi làm việc.", None, []),
    ("LĐLĐ tỉnh trao quà. Chủ tịch LĐLĐ tỉnh Hà Tĩnh phát biểu.", None, ["LĐLĐ tỉnh Hà Tĩnh"]),
    ("Chủ tịch LĐLĐ tỉnh Nguyễn Thiện Phú chủ trì buổi làm việc.", NA, ["LĐLĐ tỉnh Nghệ An"]),
    ("Lãnh đạo Liên đoàn Lao động thành phố Vinh dự. Liên đoàn Lao động thành phố đã làm tốt; "
     "Công đoàn thành phố đạt mục tiêu.", NA, ["LĐLĐ TP Vinh"]),
    ("Liên đoàn Lao động thành phố đã làm tốt công tác chăm lo.", NA, []),
    ("Đồng chí Nguyễn Phi Thường - Chủ tịch LĐLĐ TP; các trưởng ban LĐLĐ TP Hà Nội.", None,
     ["LĐLĐ TP Hà Nội"]),
    # --- written variants ---
    ("Liên đoàn Lao động (LĐLĐ) tỉnh Nghệ An tổ chức hội nghị.", None, ["LĐLĐ tỉnh Nghệ An"]),
    ("LIÊN ĐOÀN LAO ĐỘNG TỈNH HÀ TĨNH VÀ LĐLĐ TP VINH KÝ KẾT", None, ["LĐLĐ tỉnh Hà Tĩnh", "LĐLĐ TP Vinh"]),
    ("LĐLĐ huyện Nghi Lộc và Hưng Nguyên, Nguyễn Văn A phát biểu.", None,
     ["LĐLĐ huyện Nghi Lộc", "LĐLĐ huyện Hưng Nguyên"]),
    ("Liên hiệp Công đoàn tỉnh Xiêng Khoảng (Lào) thăm Nghệ An.", NA, []),
    ("Công đoàn phường 7, quận Gò Vấp trao quà (2019).", None, []),
    # --- coordinated lists, capitals, text without diacritics ---
    ("Công đoàn ngành Giáo dục, Y tế, Xây dựng và Công Thương tỉnh Thái Bình ký kết.", None,
     ["Công đoàn ngành Giáo dục Thái Bình", "Công đoàn ngành Y tế Thái Bình",
      "Công đoàn ngành Xây dựng Thái Bình", "Công đoàn ngành Công Thương Thái Bình"]),
    ("Lãnh đạo LĐLĐ tỉnh, huyện Vĩnh Linh trao quà.", "Quảng Trị",
     ["LĐLĐ tỉnh Quảng Trị", "LĐLĐ huyện Vĩnh Linh"]),
    ("CÔNG ĐOÀN PHƯỜNG DĨ AN TỔ CHỨC ĐẠI HỘI LẦN THỨ I", None, ["Công đoàn phường Dĩ An (Hồ Chí Minh)"]),
    ("CỤM THI ĐUA LIÊN ĐOÀN LAO ĐỘNG HUYỆN (CỤM 2) TỔNG KẾT NĂM 2023", None, []),
    ("Lien doan Lao dong tinh Thai Binh va Cong doan xa Anh Son Dong to chuc", None,
     ["LĐLĐ tỉnh Thái Bình", "Công đoàn xã Anh Sơn Đông (Nghệ An)"]),
    ("Cong doan nganh Giao duc tinh Ha Tinh, Cong doan Dau khi Viet Nam", None,
     ["Công đoàn ngành Giáo dục Hà Tĩnh", "Công đoàn Dầu khí Việt Nam"]),
    # --- wards and communes of every province (gazetteer), sectors, departments ---
    ("Công đoàn phường Dĩ An tổ chức Đại hội lần thứ I, nhiệm kỳ 2025 - 2030.", None,
     ["Công đoàn phường Dĩ An (Hồ Chí Minh)"]),
    ("Công đoàn xã Hòa Vang trao quà cho đoàn viên.", None, ["Công đoàn xã Hòa Vang (Đà Nẵng)"]),
    ("Công đoàn Viên chức tỉnh Hà Tĩnh và Công đoàn Giao thông vận tải Việt Nam ký kết.", None,
     ["Công đoàn Viên chức tỉnh Hà Tĩnh", "Công đoàn Giao thông vận tải Việt Nam"]),
    ("Công đoàn Viên chức phối hợp tổ chức hội thi.", "Đà Nẵng", ["Công đoàn Viên chức TP Đà Nẵng"]),
    ("Ông A - Phó Trưởng Ban Quan hệ Lao động, Tổng LĐLĐ Việt Nam phát biểu.", None,
     ["Ban Quan hệ lao động Tổng LĐLĐ Việt Nam", "Tổng LĐLĐ Việt Nam"]),
    # The Front's department for unions is a Front body: the contract has no form for it.
    ("Ban Công tác Công đoàn Ủy ban Trung ương MTTQ Việt Nam làm việc với LĐLĐ tỉnh Hà Tĩnh.", None,
     ["LĐLĐ tỉnh Hà Tĩnh"]),
    # District education unions are not units (HELDOUT.md), nor is their LĐLĐ huyện.
    ("Ban Nữ công Công đoàn Giáo dục huyện Vĩnh Thạnh họp mặt; LĐLĐ huyên Bù Đăng ủng hộ.", None,
     ["LĐLĐ huyện Bù Đăng"]),
    ("Cuộc thi do Công đoàn giáo dục huyện Lộc Bình phát động.", "Lạng Sơn", []),
    # A bare "LĐLĐ huyện" before its officer's name: the name is a person, not a district.
    ("LĐLĐ huyện Thạch Hà trao quyết định. Phó chủ tịch Liên đoàn lao động huyện Dương Chí"
     " Biên phát biểu.", "Hà Tĩnh", ["LĐLĐ huyện Thạch Hà"]),
    ("LĐLĐ huyện Dương Minh Châu tổ chức hội thao.", None, ["LĐLĐ huyện Dương Minh Châu"]),
    # The district list misspelt these ("Mù Căng Chải", "Ia H' Drai"); units use the
    # official names, whichever way the page types them.
    ("LĐLĐ huyện Mù Cang Chải ra đời ngày 28/7/1981.", None, ["LĐLĐ huyện Mù Cang Chải"]),
    ("LĐLĐ huyện Ia H' Drai và LĐLĐ huyện Ia H'Drai.", "Kon Tum", ["LĐLĐ huyện Ia H'Drai"]),
    # The members of a plural placed first and listed after "gồm".
    ("Ông Nhân trao quyết định cho 8 Công đoàn phường thuộc khu vực TP Dĩ An, tỉnh Bình"
     " Dương cũ, gồm 8 phường: Dĩ An, Tân Đông Hiệp, Đông Hòa.", "Hồ Chí Minh",
     ["Công đoàn phường Dĩ An (Hồ Chí Minh)", "Công đoàn phường Tân Đông Hiệp (Hồ Chí Minh)",
      "Công đoàn phường Đông Hòa (Hồ Chí Minh)"]),
    ("Ông Đạt trao quyết định cho Công đoàn các phường, xã ở khu vực TP Bến Cát, huyện Bàu"
     " Bàng, tỉnh Bình Dương cũ, gồm: Trừ Văn Thố, Bàu Bàng và Tây Nam.", "Hồ Chí Minh",
     ["Công đoàn xã Trừ Văn Thố (Hồ Chí Minh)", "Công đoàn xã Bàu Bàng (Hồ Chí Minh)",
      "Công đoàn phường Tây Nam (Hồ Chí Minh)"]),
    ("8 Công đoàn phường đã tổ chức đại hội.", "Hồ Chí Minh", []),
    # A venue the federation owns is not the federation.
    ("Chiều 19/4, Công đoàn Viên chức tỉnh tổ chức hội thao tại Nhà thi đấu Liên đoàn Lao"
     " động tỉnh.", "Thừa Thiên Huế", ["Công đoàn Viên chức tỉnh Thừa Thiên Huế"]),
    ("Các đội đến cổ vũ tại sân bóng đá Liên đoàn lao động tỉnh Hậu Giang.", None, []),
    # Provinces typed without their tone marks, and the host named last.
    ("Vận động viên đến từ LĐLĐ 6 tỉnh: Dak Nông, Gia Lai và chủ nhà Dak Lak.", None,
     ["LĐLĐ tỉnh Đắk Nông", "LĐLĐ tỉnh Gia Lai", "LĐLĐ tỉnh Đắk Lắk"]),
    # A count names the unions when they are listed with "Việt Nam".
    ("Cán bộ của 2 Công đoàn ngành Y tế và Giáo dục Việt Nam tham gia.", None,
     ["Công đoàn Y tế Việt Nam", "Công đoàn Giáo dục Việt Nam"]),
    # A regional cluster spelled out; a Youth Union's cluster is not a union's.
    ("Hội thao Cụm thi đua Liên đoàn Lao động các tỉnh Nam Trung bộ và Tây Nguyên", None,
     ["Cụm thi đua LĐLĐ các tỉnh Nam Trung Bộ và Tây Nguyên"]),
    ("Giao ban cụm thi đua Đoàn TN 4 công ty cao su trên địa bàn tỉnh.", "Gia Lai", []),
    ("Tối 4/6, Cụm thi đua số III của Thanh tra Chính phủ khai mạc hội thi.", None, []),
    ("Giải nhất toàn đoàn thuộc về các CĐCS cụm thi đua số 01.", None, []),
    ("Cụm thi đua số 3 của LĐLĐ các tỉnh Bắc Trung Bộ tổng kết.", None, ["Cụm thi đua số 3"]),
    ("Tại Cần Thơ, LĐLĐ TP tổ chức hội thi; CĐ ngành giáo dục tỉnh Bình Phước hưởng ứng.", None,
     ["LĐLĐ TP Cần Thơ", "Công đoàn ngành Giáo dục Bình Phước"]),
    ("Công đoàn KKT Đông Nam gửi văn bản; báo cáo gửi về Công đoàn Khu kinh tế trước 25/12.", NA,
     ["Công đoàn Khu kinh tế Đông Nam Nghệ An"]),
    ("Ủy viên Ban Chấp hành Tổng Công đoàn Việt Nam (khóa IV) được bầu.", None, ["Tổng LĐLĐ Việt Nam"]),
    ("Liên đoàn Lao động tỉnh tặng quà đoàn y, bác sỹ đi hỗ trợ tỉnh Bắc Giang.", "Hưng Yên",
     ["LĐLĐ tỉnh Hưng Yên"]),
    ("Lãnh đạo các ban LĐLĐ tỉnh, LĐLĐ huyện: Lâm Bình, Na Hang, Chiêm Hóa dự giải.", "Tuyên Quang",
     ["LĐLĐ tỉnh Tuyên Quang", "LĐLĐ huyện Lâm Bình", "LĐLĐ huyện Na Hang", "LĐLĐ huyện Chiêm Hóa"]),
    ("LĐLĐ các huyện, thị xã: Nghi Lộc, Hưng Nguyên và Cửa Lò tham gia.", NA,
     ["LĐLĐ huyện Nghi Lộc", "LĐLĐ huyện Hưng Nguyên", "LĐLĐ thị xã Cửa Lò"]),
    ("Công đoàn các xã, phường: Trường Vinh, Thành Vinh và Anh Sơn đã ra mắt.", NA,
     ["Công đoàn phường Trường Vinh (Nghệ An)", "Công đoàn phường Thành Vinh (Nghệ An)",
      "Công đoàn xã Anh Sơn (Nghệ An)"]),
    ("Công đoàn phường Dĩ An, phường Đông Hòa và xã Phú Giáo tổ chức đại hội.", None,
     ["Công đoàn phường Dĩ An (Hồ Chí Minh)", "Công đoàn phường Đông Hòa (Hồ Chí Minh)",
      "Công đoàn xã Phú Giáo (Hồ Chí Minh)"]),
    ("Công đoàn Viên chức thành phố và Công đoàn ngành Y tế thành phố tổ chức hội thi.", "Hà Nội",
     ["Công đoàn Viên chức TP Hà Nội", "Công đoàn ngành Y tế Hà Nội"]),
    ("LĐLĐ các tỉnh, thành phố như Hà Nội, Hải Phòng, Nghệ An tham gia.", None,
     ["LĐLĐ TP Hà Nội", "LĐLĐ TP Hải Phòng", "LĐLĐ tỉnh Nghệ An"]),
    ("LĐLĐ các tỉnh, thành phố trong cụm thi đua miền Đông Nam Bộ gồm các tỉnh: Tây Ninh, "
     "Đồng Nai và Bình Dương dự.", None,
     ["LĐLĐ tỉnh Tây Ninh", "LĐLĐ tỉnh Đồng Nai", "LĐLĐ tỉnh Bình Dương"]),
    ("Công đoàn (CĐ) Điện lực Việt Nam ngày 19-11 đã tổng kết cuộc thi viết.", None,
     ["Công đoàn Điện lực Việt Nam"]),
    ("Sáng 29.1, các cấp Công đoàn Đường sắt Việt Nam tổ chức tiệc tất niên.", None,
     ["Công đoàn Đường sắt Việt Nam"]),
    ("Tối 16/9, Công đoàn Khoa học và Công nghệ (KH&CN) Việt Nam tổ chức Lễ Tôn vinh.", None,
     ["Công đoàn Khoa học và Công nghệ Việt Nam"]),
    ("Ông Phan Mạnh Hùng – Chủ tịch Công đoàn CSVN; đại diện các Ban thuộc Công đoàn BĐVN.", None,
     ["Công đoàn Cao su Việt Nam", "Công đoàn Bưu điện Việt Nam"]),
    ("Hội thao do Công đoàn TTTT Việt Nam tổ chức.", None,
     ["Công đoàn Thông tin và Truyền thông Việt Nam"]),
    ("Công đoàn y tế Hà Nội, TP.HCM và Cần Thơ sẽ tăng cường phối hợp.", None,
     ["Công đoàn ngành Y tế Hà Nội", "Công đoàn ngành Y tế Hồ Chí Minh",
      "Công đoàn ngành Y tế Cần Thơ"]),
    ("Các Công đoàn ngành Dệt May Bình Dương, Hà Nội, TP. Hồ Chí Minh có 120 CĐCS.", None,
     ["Công đoàn ngành Dệt may Bình Dương", "Công đoàn ngành Dệt may Hà Nội",
      "Công đoàn ngành Dệt may Hồ Chí Minh"]),
    ("Các Công đoàn ngành Trung ương: Giao thông vận tải, Dầu khí và Điện lực tham gia; "
     "Công đoàn Ngân hàng, Cao su Việt Nam ký kết.", None,
     ["Công đoàn Giao thông vận tải Việt Nam", "Công đoàn Dầu khí Việt Nam",
      "Công đoàn Điện lực Việt Nam", "Công đoàn Ngân hàng Việt Nam", "Công đoàn Cao su Việt Nam"]),
    ("Liên đoàn Lao động các quận, huyện, thị xã Hoàng Mai, Gia Lâm, Sơn Tây.", "Hà Nội",
     ["LĐLĐ quận Hoàng Mai", "LĐLĐ huyện Gia Lâm", "LĐLĐ thị xã Sơn Tây"]),
    ("Thanh Hóa: Nhiều hoạt động chăm lo Tết\nLĐLĐ tỉnh đã trao 500 suất quà.", None,
     ["LĐLĐ tỉnh Thanh Hóa"]),
    ("Đại hội Công đoàn ngành Ngân hàng lần thứ VII thành công tốt đẹp.", None,
     ["Công đoàn Ngân hàng Việt Nam"]),
    ("Công đoàn Tàu thủy Việt Nam và Công đoàn Bộ Quốc phòng ký kết.", None,
     ["Công đoàn Tàu thủy Việt Nam", "Công đoàn Quốc phòng"]),
    # --- not units ---
    ("Công đoàn Ngân hàng TMCP Ngoại thương Việt Nam trao quà.", None, []),
    ("Công đoàn các xã, phường trên địa bàn tỉnh đã tổ chức đại hội.", NA, []),
    ("Nhân Tháng công nhân, các cấp Công đoàn tỉnh Hưng Yên thăm 200 doanh nghiệp.", None, []),
    ("LĐLĐ tỉnh có Ban Công tác Công đoàn và Ban Công đoàn Khu Kinh tế tỉnh.", "Hà Tĩnh",
     ["LĐLĐ tỉnh Hà Tĩnh"]),
    ("Ban Nữ công Công đoàn Giáo dục và 200 chị em đoàn viên dự.", "Cần Thơ", []),
    ("CĐCS Công ty TNHH Bắc Đẩu chăm lo cho người lao động.", NA, []),
    ("Chủ tịch Công đoàn Trường THPT Ngô Gia Tự (huyện Gò Dầu, tỉnh Tây Ninh).", None, []),
    ("Công đoàn cơ sở Bệnh viện Đa khoa tỉnh Nghệ An trao quà.", None, []),
    ("Thường trực Tỉnh ủy, UBND tỉnh, Ủy ban MTTQ tỉnh và Hội LHPN tỉnh dự.", NA, []),
    ("Đoàn đại biểu Liên đoàn Lao động Lào và Tổng Công hội Trung Quốc thăm Việt Nam.", None, []),
    ("Tổng Liên đoàn Lao động Hàn Quốc (KCTU) gửi thư.", None, []),
    ("Các cấp công đoàn, LĐLĐ các tỉnh, thành phố và công đoàn các huyện, thành, thị.", NA, []),
    ("Nghị quyết 02 về đổi mới tổ chức và hoạt động của Công đoàn Việt Nam.", None, []),
    ("Liên đoàn Lao động huyện, thành, thị, Công đoàn ngành xây dựng trụ sở Xanh - Sạch - Đẹp.", NA, []),
    ("Giảng viên Trường CĐ Y tế Nghệ An tham gia.", None, []),
    ("Liên đoàn Lao động tỉnh, thành phố trên cả nước hưởng ứng.", NA, []),
    ("Các cấp Công đoàn tỉnh Nghệ An tổ chức tiệc tất niên.", None, []),
    ("Chào mừng 95 năm Ngày thành lập Liên đoàn Lao động Việt Nam (28/7/1929 – 28/7/2024).", None,
     []),
    ("Quỹ “Tấm lòng vàng Công đoàn Cần Thơ” hỗ trợ 40 triệu đồng.", None, []),
    ("Quỹ Tấm lòng vàng Tổng LĐLĐ Việt Nam đã trao 50 suất học bổng.", None, []),
    ("Giải nhất vật tay nữ thuộc về chị Trinh (CĐCS Liên đoàn Lao động tỉnh).", "Phú Yên", []),
    ("Đại biểu có 11 doanh nghiệp dược, 5 Công đoàn ngành Y tế, 5 bệnh viện.", "Cần Thơ", []),
    ("Ngày 12/5 Công đoàn ngành Y tế tổ chức hội thao.", "Cần Thơ", ["Công đoàn ngành Y tế Cần Thơ"]),
    ("Chào mừng Đại hội XI CĐ TP và Đại hội CĐ Việt Nam lần XII.", None, []),
    ("Liên đoàn Lao động huyện: Tập huấn công tác tổ chức Đại hội.", None, []),
    ("LĐLĐ các tỉnh, thành phố trong cả nước đã tổ chức. Hội nghị gồm: Nghệ An báo cáo.", None, []),
    ("Đây là Công đoàn ngành có nhiều đoàn viên nhất.", NA, []),
]  # fmt: skip


@pytest.mark.parametrize(("text", "source", "expected"), CASES, ids=range(len(CASES)))
def test_sentences(text: str, source: str | None, expected: list[str]) -> None:
    assert names(text, source=source) == expected


def test_title_counts_and_comes_first() -> None:
    found = names(
        "Sáng nay, LĐLĐ tỉnh Hà Tĩnh tổ chức hội nghị.",
        title="Chủ tịch LĐLĐ TP.Vinh thăm công nhân",
    )
    assert found == ["LĐLĐ TP Vinh", "LĐLĐ tỉnh Hà Tĩnh"]


def test_each_unit_once_in_order_of_first_mention() -> None:
    text = "LĐLĐ tỉnh Hà Tĩnh, LĐLĐ Nghệ An, Liên đoàn Lao động tỉnh Hà Tĩnh, Công đoàn Nghệ An."
    assert names(text) == ["LĐLĐ tỉnh Hà Tĩnh", "LĐLĐ tỉnh Nghệ An"]


def test_unit_fields_parent_province_history() -> None:
    vinh, krong, na = find_units("LĐLĐ TP Vinh, LĐLĐ huyện Krông Pắc (Đắk Lắk), LĐLĐ tỉnh Nghệ An")
    assert (vinh.id, vinh.kind, vinh.parent_id, vinh.province) == (
        "ldld-tp-vinh", "district", "ldld-tinh-nghe-an", NA)  # fmt: skip
    assert vinh.historical and vinh.ancestors == ("ldld-tinh-nghe-an", "tong-ldld-viet-nam")
    assert (krong.parent_id, krong.province, krong.historical) == (
        "ldld-tinh-dak-lak",
        "Đắk Lắk",
        True,
    )
    assert (na.kind, na.parent_id, na.historical) == ("province", "tong-ldld-viet-nam", False)
    qb = find_units("LĐLĐ tỉnh Quảng Bình")[0]
    assert (
        qb.historical
        and qb.merged_into == "ldld-tinh-quang-tri"
        and qb.parent_id == "tong-ldld-viet-nam"
    )
    commune = find_units("Công đoàn xã Vụ Bản, tỉnh Ninh Bình")[0]
    assert (commune.id, commune.kind, commune.parent_id) == (
        "cong-doan-xa-vu-ban-ninh-binh", "commune", "ldld-tinh-ninh-binh")  # fmt: skip
    assert not commune.historical


def test_ids_are_slugs_of_names() -> None:
    assert slugify("LĐLĐ tỉnh Nghệ An") == "ldld-tinh-nghe-an"
    assert slugify("Ban Chính sách - Pháp luật Tổng LĐLĐ Việt Nam") == (
        "ban-chinh-sach-phap-luat-tong-ldld-viet-nam"
    )
    for unit in taxonomy().all():
        assert unit.id == slugify(unit.name)


def test_old_style_tones_and_odd_spaces_are_normalized() -> None:
    text = "LĐLĐ\u00a0tỉnh Thanh Hoá và LĐLĐ tỉnh Khánh Hoà, CĐ ngành Giáo dục tỉnh Thanh Hoá"
    assert names(text) == [
        "LĐLĐ tỉnh Thanh Hóa",
        "LĐLĐ tỉnh Khánh Hòa",
        "Công đoàn ngành Giáo dục Thanh Hóa",
    ]


# --- whole seeds ------------------------------------------------------------------

SEEDS = Path(__file__).parent / "data" / "seeds"
_SIDEBAR = re.compile(
    r"^(?:Tin mới|THÔNG BÁO|TIN TỨC MỚI NHẤT|Từ khóa:|Tin cùng chuyên mục)\s*$", re.M
)
_FURNITURE = ("Chào mừng bạn đến", "Đoàn kết, trí tuệ")


def seed_text(prefix: str) -> str:
    """A seed page without its sidebars, banner and related-article teasers."""
    paths = list(SEEDS.glob(f"{prefix}_*.txt"))
    if not paths:
        pytest.skip(f"seed {prefix} not available")
    body = _SIDEBAR.split(paths[0].read_text(encoding="utf-8"))[0]
    lines = [
        line
        for line in body.splitlines()
        if not line.startswith(_FURNITURE) and not line.rstrip().endswith("... |")
    ]
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("prefix", "source", "expected"),
    [
        ("000", "baonghean.vn", ["LĐLĐ tỉnh Nghệ An", "LĐLĐ TP Vinh"]),
        ("001", "laodongnghean.vn", ["LĐLĐ tỉnh Nghệ An", "Khối thi đua số 01"]),
        ("002", "congdoannghean.vn", ["LĐLĐ tỉnh Nghệ An"]),
        (
            "003",
            "laodongcongdoan.vn",
            ["LĐLĐ tỉnh Nghệ An", "LĐLĐ TP Hà Nội", "Tổng LĐLĐ Việt Nam"],
        ),
        ("004", "laodongnghean.vn", ["LĐLĐ tỉnh Nghệ An", "Tổng LĐLĐ Việt Nam"]),
    ],
)
def test_seed_pages(prefix: str, source: str, expected: list[str]) -> None:
    province = province_for_url(f"https://{source}/chi-tiet/x")
    assert names(seed_text(prefix), source=province) == expected


def test_speed_on_seeds() -> None:
    """Well above the 500 documents/second of 3,000 characters the brief asks for."""
    texts = [seed_text(p)[:3000] for p in ("000", "001", "002", "003", "004")]
    find_units(texts[0])
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(10):
            for text in texts:
                find_units(text, source_province=NA)
        best = max(best, 50 / (time.perf_counter() - start))
    assert best > 250, best  # leaves room for a loaded CI machine; measured in the report


# --- sources -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://baonghean.vn/lien-doan-lao-dong-tinh-10288057.html", NA),
        ("https://m.baonghean.vn/x-post43253.html", NA),
        ("http://www.laodongnghean.vn/chi-tiet/abc", NA),
        ("https://congdoannghean.vn/tin-tuc", NA),
        ("https://amp.baonghean.vn/a.html", NA),
        ("https://baohatinh.vn/a.html", "Hà Tĩnh"),
        ("https://congdoan.nghean.gov.vn/a", NA),
        ("https://laodong.vn/cong-doan/a-1.ldo", None),
        (None, None),
    ],
)
def test_province_for_url(url: str | None, expected: str | None) -> None:
    assert province_for_url(url) == expected


@pytest.mark.parametrize(
    ("url", "province", "expected"),
    [
        ("https://nghiloc.nghean.gov.vn/tin-tuc/a", NA, ("huyện", "Nghi Lộc")),
        ("https://thanhphovinh.nghean.gov.vn/a", NA, ("TP", "Vinh")),
        ("http://mgxamytai.pgddtphumy.edu.vn/tin-tuc/a.html", "Bình Định", ("huyện", "Phù Mỹ")),
        ("https://backancity.gov.vn/a", "Bắc Kạn", ("TP", "Bắc Kạn")),
        # The province's own sites: the city of the same name needs its level word.
        ("https://congdoanthanhhoa.vn/a", "Thanh Hóa", None),
        ("https://ldld.hatinh.gov.vn/a", "Hà Tĩnh", None),
        ("https://congdoannghean.vn/tin-tuc", NA, None),
        ("https://nghiloc.nghean.gov.vn/a", None, None),
    ],
)
def test_place_for_url(url: str, province: str | None, expected: tuple[str, str] | None) -> None:
    assert place_for_url(url, province) == expected


def test_a_headline_opening_on_a_district_names_the_bare_federation() -> None:
    text = "Vừa qua, Liên đoàn Lao động quận đã phát động công đoàn cơ sở tổ chức Tết Trung thu."
    title = "Ninh Kiều phát động công đoàn cơ sở tổ chức vui Tết Trung thu"
    assert names(text, title=title, source="Cần Thơ") == ["LĐLĐ quận Ninh Kiều"]
    # A headline opening on the province names no district.
    title = "Cần Thơ: công đoàn cơ sở tổ chức vui Tết Trung thu"
    assert names(text, title=title, source="Cần Thơ") == []


def test_a_district_sites_bare_federation_is_that_districts() -> None:
    text = "Sáng 27/4, các chủ tịch công đoàn tập trung về LĐLĐ huyện để dự lễ phát động."
    on_site = analyze("Hưởng ứng Tháng Công nhân", text, url="https://nghiloc.nghean.gov.vn/a")
    assert [u.name for u in on_site.units] == ["LĐLĐ huyện Nghi Lộc"]
    # The same words on the province's paper name no district.
    assert analyze("Hưởng ứng Tháng Công nhân", text, url="https://baonghean.vn/a").units == []
    # A district the text names itself still wins over the site's.
    named = text.replace("LĐLĐ huyện", "LĐLĐ huyện Hưng Nguyên")
    on_site = analyze("Hưởng ứng Tháng Công nhân", named, url="https://nghiloc.nghean.gov.vn/a")
    assert [u.name for u in on_site.units] == ["LĐLĐ huyện Hưng Nguyên"]


# --- taxonomy ------------------------------------------------------------------------


def top(query: str) -> tuple[str, float]:
    unit, score = taxonomy().search(query)[0]
    return unit.name, score


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("LĐLĐ Nghệ An", "LĐLĐ tỉnh Nghệ An"),
        ("ldld nghe an", "LĐLĐ tỉnh Nghệ An"),
        ("lien doan lao dong nghe an", "LĐLĐ tỉnh Nghệ An"),
        ("Liên đoàn Lao động tỉnh Nghệ An", "LĐLĐ tỉnh Nghệ An"),
        ("TP Vinh", "LĐLĐ TP Vinh"),
        ("ldld tp vinh", "LĐLĐ TP Vinh"),
        ("khoi thi dua 1", "Khối thi đua số 01"),
        ("Khối thi đua số 01", "Khối thi đua số 01"),
        ("cong doan giao duc nghe an", "Công đoàn ngành Giáo dục Nghệ An"),
        ("Hà Nội", "LĐLĐ TP Hà Nội"),
        ("tp hcm", "LĐLĐ TP Hồ Chí Minh"),
        ("Tổng Liên đoàn", "Tổng LĐLĐ Việt Nam"),
        ("cong doan phuong truong vinh", "Công đoàn phường Trường Vinh (Nghệ An)"),
    ],
)
def test_search_exact_hits(query: str, expected: str) -> None:
    assert top(query) == (expected, 1.0)


def test_search_generates_units_outside_the_gazetteer() -> None:
    name, score = top("LĐLĐ huyện Krông Pắc")
    assert name == "LĐLĐ huyện Krông Pắc" and score >= 0.9
    name, score = top("LĐLĐ huyện Hương Khê")  # in the gazetteer (Hà Tĩnh)
    assert (name, score) == ("LĐLĐ huyện Hương Khê", 1.0)
    name, score = top("Công đoàn ngành Y tế Thanh Hóa")
    assert name == "Công đoàn ngành Y tế Thanh Hóa" and score >= 0.9


def test_search_ambiguous_place_lists_all_candidates() -> None:
    results = taxonomy().search("Hoàng Mai")
    got = {u.name for u, s in results if s >= 0.8}
    assert {
        "LĐLĐ thị xã Hoàng Mai",
        "LĐLĐ quận Hoàng Mai",
        "Công đoàn phường Hoàng Mai (Nghệ An)",
    } <= got
    assert all(s < 1.0 for _, s in results)


def test_search_unknown_input_gives_low_scored_suggestions() -> None:
    results = taxonomy().search("lien doan nghe")
    assert results and all(s < 0.9 for _, s in results)
    assert "LĐLĐ tỉnh Nghệ An" in [u.name for u, _ in results]
    assert all(s < 0.5 for _, s in taxonomy().search("xyzzy qwerty")) or not taxonomy().search(
        "xyzzy"
    )


def test_taxonomy_tree() -> None:
    tax = taxonomy()
    na = tax.get("ldld-tinh-nghe-an")
    assert isinstance(na, Unit) and na.name == "LĐLĐ tỉnh Nghệ An"
    kids = {u.name for u in tax.children("ldld-tinh-nghe-an")}
    assert {"LĐLĐ TP Vinh", "LĐLĐ huyện Kỳ Sơn", "Công đoàn phường Trường Vinh (Nghệ An)",
            "Ban Tuyên giáo LĐLĐ tỉnh Nghệ An", "Công đoàn UBND tỉnh Nghệ An"} <= kids  # fmt: skip
    assert "LĐLĐ tỉnh Nghệ An" in {u.name for u in tax.children("tong-ldld-viet-nam")}
    assert tax.get("ldld-tp-vinh").ancestors == ("ldld-tinh-nghe-an", "tong-ldld-viet-nam")
    provinces = [u for u in tax.all() if u.kind == "province"]
    assert sum(not u.historical for u in provinces) == 34
    assert len({u.province for u in provinces} - {"Huế", "Hà Tây"}) == 63
    generated = find_units("LĐLĐ huyện Krông Bông")[0]
    assert tax.get(generated.id) == generated
