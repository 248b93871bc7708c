"""Topic classification as an officer would judge it: main subjects, not passing mentions."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from feeds.understand.topics import Topic, TopicClassifier, default_classifier

SEEDS = Path(__file__).parent / "data" / "seeds"

# (title, text, expected topic ids).  Short items as union sites write them,
# from many provinces and years; the expected sets follow the rule "a topic only
# when the item is substantially about it".
CASES: list[tuple[str, str, set[str]]] = [
    (
        "LĐLĐ huyện Yên Thành kết nạp 320 đoàn viên, thành lập 4 CĐCS",
        "Trong 6 tháng đầu năm, LĐLĐ huyện Yên Thành đã phối hợp với chính quyền vận động "
        "người lao động tại các doanh nghiệp ngoài nhà nước gia nhập tổ chức công đoàn.",
        {"phat_trien_doan_vien"},
    ),
    (
        "Ra mắt Công đoàn cơ sở Công ty TNHH May Minh Anh",
        "Sáng 12/5, Công đoàn Khu kinh tế Đông Nam tổ chức lễ công bố quyết định thành lập "
        "công đoàn cơ sở Công ty TNHH May Minh Anh với 215 đoàn viên. Ban vận động thành "
        "lập công đoàn cơ sở đã làm việc với doanh nghiệp từ tháng 3.",
        {"phat_trien_doan_vien"},
    ),
    (
        "Tháng cao điểm phát triển đoàn viên: nhiều cách làm sáng tạo",
        "Các cấp công đoàn tỉnh Bình Dương đặt chỉ tiêu phát triển đoàn viên năm 2024 là "
        "25.000 người; đến nay đã kết nạp được 18.000 đoàn viên mới.",
        {"phat_trien_doan_vien"},
    ),
    (
        "Khen thưởng 45 tập thể, cá nhân có thành tích xuất sắc trong phong trào thi đua",
        "LĐLĐ tỉnh Hà Tĩnh trao Bằng khen cho 20 tập thể và 25 cá nhân có thành tích xuất "
        "sắc trong phong trào thi đua Lao động giỏi, lao động sáng tạo năm 2023.",
        {"thi_dua_khen_thuong"},
    ),
    (
        "Tuyên dương 95 cán bộ công đoàn cơ sở tiêu biểu",
        "Nhân dịp 28/7, LĐLĐ TP Hải Phòng tuyên dương 95 chủ tịch công đoàn cơ sở tiêu "
        "biểu, trao Giấy khen cho các cán bộ có nhiều đóng góp.",
        {"thi_dua_khen_thuong"},
    ),
    (
        "Khối thi đua các doanh nghiệp ký kết giao ước thi đua năm 2025",
        "Các công đoàn cơ sở trong khối thống nhất nội dung thi đua, phấn đấu hoàn thành "
        "kế hoạch sản xuất kinh doanh.",
        {"thi_dua_khen_thuong"},
    ),
    (
        "Trao 1.200 suất quà Tết Sum vầy cho công nhân lao động khó khăn",
        "Mỗi suất quà trị giá 1 triệu đồng gồm tiền mặt và nhu yếu phẩm, được trao cho "
        "đoàn viên có hoàn cảnh khó khăn tại các khu công nghiệp.",
        {"cham_lo_doi_song"},
    ),
    (
        "Bữa cơm Công đoàn ấm áp nghĩa tình tại Công ty May Hà Quang",
        "Chương trình Bữa cơm Công đoàn được tổ chức đồng loạt tại 60 doanh nghiệp, nâng "
        "cao chất lượng bữa ăn cho người lao động.",
        {"cham_lo_doi_song"},
    ),
    (
        "Chuyến xe Công đoàn đưa 500 công nhân về quê đón Tết",
        "LĐLĐ tỉnh Đồng Nai hỗ trợ vé xe miễn phí cho công nhân có hoàn cảnh khó khăn.",
        {"cham_lo_doi_song"},
    ),
    (
        "Bàn giao nhà Mái ấm Công đoàn cho đoàn viên khó khăn về nhà ở",
        "Quỹ Mái ấm Công đoàn tỉnh hỗ trợ 60 triệu đồng xây mới căn nhà cho chị Lê Thị Hoa, "
        "công nhân Công ty CP Mía đường Sông Lam.",
        {"mai_am_cong_doan", "cham_lo_doi_song"},
    ),
    (
        "Tư vấn pháp luật miễn phí cho công nhân Khu công nghiệp Nam Cấm",
        "Các luật sư của Trung tâm Tư vấn pháp luật Công đoàn giải đáp thắc mắc về hợp "
        "đồng lao động, bảo hiểm xã hội và chế độ thai sản.",
        {"phap_luat_quan_he_lao_dong"},
    ),
    (
        "Ký kết TƯLĐTT nhóm ngành thủy sản",
        "Sau 3 tháng thương lượng tập thể, 9 doanh nghiệp thủy sản thống nhất mức lương "
        "cao hơn lương tối thiểu vùng 7%.",
        {"phap_luat_quan_he_lao_dong"},
    ),
    (
        "Hội nghị đối thoại giữa người sử dụng lao động và công nhân",
        "Tại hội nghị đối thoại định kỳ, công nhân kiến nghị về tiền ăn giữa ca và chế độ "
        "nghỉ phép; Giám đốc công ty đã giải đáp từng ý kiến.",
        {"phap_luat_quan_he_lao_dong"},
    ),
    (
        "Quán triệt Nghị quyết Đại hội XIII Công đoàn Việt Nam",
        "LĐLĐ tỉnh Quảng Trị tổ chức hội nghị học tập, quán triệt Nghị quyết cho 300 cán "
        "bộ công đoàn chủ chốt.",
        {"tuyen_truyen_giao_duc"},
    ),
    (
        "Trao giải Cuộc thi tìm hiểu pháp luật về lao động năm 2024",
        "Cuộc thi thu hút 12.000 bài dự thi của đoàn viên, người lao động toàn tỉnh.",
        {"tuyen_truyen_giao_duc"},
    ),
    (
        "Tọa đàm kỷ niệm 114 năm Ngày Quốc tế Phụ nữ 8/3",
        "Ban Nữ công LĐLĐ tỉnh tổ chức tọa đàm về bình đẳng giới và chăm sóc sức khỏe "
        "sinh sản cho lao động nữ.",
        {"nu_cong"},
    ),
    (
        "Truyền thông chăm sóc sức khỏe sinh sản cho nữ công nhân lao động",
        "Hơn 200 nữ công nhân được tư vấn về dinh dưỡng, phòng chống bạo lực gia đình.",
        {"nu_cong"},
    ),
    (
        "Khai mạc Giải bóng đá công nhân, viên chức năm 2024",
        "16 đội bóng đến từ các công đoàn cơ sở thi đấu vòng tròn tại sân vận động tỉnh.",
        {"van_hoa_the_thao"},
    ),
    (
        "Sôi nổi Hội diễn văn nghệ công nhân lao động",
        "25 tiết mục văn nghệ đặc sắc được dàn dựng công phu, ca ngợi người lao động.",
        {"van_hoa_the_thao"},
    ),
    (
        "UBKT LĐLĐ tỉnh kiểm tra việc quản lý tài chính công đoàn",
        "Đoàn kiểm tra làm việc tại 6 công đoàn cơ sở về thu, chi kinh phí công đoàn và "
        "đoàn phí công đoàn năm 2023.",
        {"tai_chinh_kiem_tra"},
    ),
    (
        "Hội nghị giao dự toán tài chính công đoàn năm 2025",
        "LĐLĐ tỉnh giao dự toán thu kinh phí công đoàn cho các đơn vị; yêu cầu đôn đốc "
        "doanh nghiệp nợ đọng kinh phí công đoàn.",
        {"tai_chinh_kiem_tra"},
    ),
    (
        "Đẩy mạnh chuyển đổi số trong hoạt động công đoàn",
        "LĐLĐ tỉnh triển khai phần mềm quản lý đoàn viên và cấp thẻ đoàn viên điện tử qua "
        "ứng dụng Công đoàn Việt Nam.",
        {"chuyen_doi_so"},
    ),
    (
        "Công bố quyết định sắp xếp tổ chức bộ máy các ban LĐLĐ tỉnh",
        "Từ ngày 1/3/2025, Ban Tổ chức và Ủy ban Kiểm tra hợp nhất thành Ban Tổ chức - "
        "Kiểm tra; các ban còn lại tiếp tục sắp xếp, tinh gọn.",
        {"to_chuc_can_bo"},
    ),
    (
        "Kết thúc hoạt động 24 công đoàn cấp huyện",
        "LĐLĐ tỉnh tổ chức hội nghị công bố quyết định giải thể, kết thúc hoạt động các "
        "LĐLĐ huyện từ ngày 1/7/2025 theo mô hình chính quyền địa phương 2 cấp.",
        {"to_chuc_can_bo"},
    ),
    (
        "Đại hội Công đoàn cơ sở Công ty Điện lực nhiệm kỳ 2023 - 2028",
        "Đại hội đã bầu Ban Chấp hành khóa mới gồm 9 đồng chí và thông qua báo cáo chính "
        "trị, phương hướng nhiệm kỳ tới.",
        {"dai_hoi_cong_doan"},
    ),
    (
        "Hội nghị đại biểu Công đoàn phường Thành Vinh lần thứ I",
        "Hơn 100 đại biểu chính thức bầu Ban Chấp hành nhiệm kỳ 2025 - 2030.",
        {"dai_hoi_cong_doan"},
    ),
    (
        "Sơ kết 3 năm thực hiện Nghị quyết 02-NQ/TW của Bộ Chính trị",
        "Hội nghị đánh giá kết quả đổi mới tổ chức và hoạt động của Công đoàn Việt Nam "
        "trong tình hình mới tại tỉnh Hà Nam.",
        {"nghi_quyet_02", "so_ket_tong_ket"},
    ),
    (
        "Tập huấn ATVSLĐ cho an toàn vệ sinh viên",
        "150 an toàn vệ sinh viên được hướng dẫn nhận diện nguy cơ tai nạn lao động và "
        "bệnh nghề nghiệp tại nơi làm việc.",
        {"atvsld"},
    ),
    (
        "Công nhân tử vong do tai nạn lao động, công đoàn thăm hỏi gia đình",
        "Vụ tai nạn lao động xảy ra tại công trường; Công đoàn ngành Xây dựng đề nghị "
        "doanh nghiệp rà soát điều kiện làm việc.",
        {"atvsld", "cham_lo_doi_song"},  # the visit to the family is in the title
    ),
    (
        "Phát động Tháng Công nhân năm 2024",
        "Tháng Công nhân năm nay có chủ đề Đoàn kết công nhân – Triển khai nghị quyết; các "
        "hoạt động diễn ra từ 1/5 đến 31/5.",
        {"thang_cong_nhan"},
    ),
    (
        "Mít tinh kỷ niệm 95 năm Ngày thành lập Công đoàn Việt Nam",
        "Lễ kỷ niệm ôn lại truyền thống vẻ vang của Công đoàn Việt Nam (28/7/1929 - 28/7/2024).",
        {"ky_niem_truyen_thong"},
    ),
    (
        "LĐLĐ tỉnh dâng hương tưởng niệm các anh hùng liệt sĩ",
        "Nhân dịp kỷ niệm 77 năm Ngày Thương binh - Liệt sĩ, đoàn đại biểu đã dâng hương tại "
        "Nghĩa trang liệt sĩ Quốc gia Đường 9.",
        {"ky_niem_truyen_thong"},
    ),
    (
        "LĐLĐ tỉnh Nghệ An tổng kết công tác công đoàn năm 2024",
        "Hội nghị tổng kết đánh giá 15/15 chỉ tiêu được giao đều hoàn thành và triển khai "
        "nhiệm vụ năm 2025.",
        {"so_ket_tong_ket"},
    ),
    (
        "Ngày hội việc làm cho công nhân mất việc",
        "Hơn 40 doanh nghiệp tuyển dụng 3.000 lao động; Trung tâm Dịch vụ việc làm tư vấn "
        "trợ cấp thất nghiệp cho người lao động.",
        {"viec_lam_thu_nhap"},
    ),
    (
        "Thưởng Tết Nguyên đán 2025: mức cao nhất 1,2 tỷ đồng",
        "Theo khảo sát của LĐLĐ tỉnh, tiền thưởng Tết bình quân 7,5 triệu đồng; tiền lương "
        "bình quân tăng 6% so với năm trước.",
        {"viec_lam_thu_nhap"},
    ),
    # --- abbreviations and text typed without diacritics ---
    (
        "Ket nap doan vien, thanh lap CDCS tai khu cong nghiep",
        "LDLD tinh da thanh lap moi 12 cong doan co so va phat trien 1.500 doan vien.",
        {"phat_trien_doan_vien"},
    ),
    (
        "Tang qua Tet Sum vay cho cong nhan kho khan",
        "Cong doan trao 300 suat qua Tet cho doan vien co hoan canh kho khan.",
        {"cham_lo_doi_song"},
    ),
    (
        "Huấn luyện AT-VSLĐ cho công nhân ngành xây dựng",
        "Lớp huấn luyện trang bị kiến thức phòng ngừa TNLĐ, BNN cho 200 công nhân.",
        {"atvsld"},
    ),
    (
        "Ký kết thỏa ước LĐ tập thể tại Công ty Giày Việt",
        "Bản TƯLĐTT có 12 điều khoản có lợi hơn cho NLĐ so với quy định của pháp luật.",
        {"phap_luat_quan_he_lao_dong"},
    ),
    # --- passing mentions must not make a topic ---
    (
        "LĐLĐ tỉnh Nghệ An làm việc với Thành ủy Vinh",
        "Buổi làm việc trao đổi về công tác phối hợp tổ chức hoạt động công đoàn. Các đại "
        "biểu đề cập nhiều nội dung như phát triển đoàn viên, thành lập CĐCS; tổ chức "
        "Tháng Công nhân; triển khai Nghị quyết số 02/NQ-TW của Bộ Chính trị.",
        set(),
    ),
    (
        "Tiếp đoàn công tác Liên đoàn Lao động tỉnh Hủa Phăn (Lào)",
        "Chiều 15/5, đồng chí Chủ tịch LĐLĐ tỉnh đã tiếp và làm việc với đoàn công tác do "
        "Chủ tịch Liên đoàn Lao động tỉnh Hủa Phăn làm trưởng đoàn. Hai bên thông tin về tình hình hoạt động công đoàn của mỗi tỉnh, trong đó có chăm "
        "lo đời sống cho đoàn viên; cuối buổi, hai đoàn trao tặng quà lưu niệm.",
        set(),
    ),
    (
        "Hội thao chào mừng kỷ niệm 41 năm Ngày Nhà giáo Việt Nam",
        "Công đoàn trường tổ chức hội thao với các môn bóng chuyền hơi, cầu lông, kéo co.",
        {"van_hoa_the_thao"},
    ),
    (
        "Trao Kỷ niệm chương Vì sự nghiệp xây dựng tổ chức Công đoàn",
        "30 cán bộ công đoàn được trao Kỷ niệm chương ghi nhận nhiều năm cống hiến.",
        {"thi_dua_khen_thuong"},
    ),
    (
        "Ông Nguyễn Văn Lương được bầu giữ chức Chủ tịch LĐLĐ tỉnh",
        "Hội nghị Ban Chấp hành bầu bổ sung Chủ tịch thay đồng chí nghỉ hưu theo Nghị định 178.",
        {"to_chuc_can_bo"},
    ),
    (
        "Những việc làm thiết thực của công đoàn Trường Tiểu học Hưng Dũng",
        "Công đoàn nhà trường luôn có những việc làm thiết thực, gần gũi với giáo viên.",
        set(),
    ),
    (
        "UBMTTQ tỉnh phát động ủng hộ đồng bào bị thiệt hại do bão",
        "Các cơ quan, đơn vị, doanh nghiệp đã ủng hộ hơn 20 tỷ đồng giúp người dân khắc "
        "phục hậu quả sau bão.",
        set(),
    ),
    # --- passing mentions: a greeting frame, a list of tasks, one sentence ---
    (
        "Khai mạc Giải bóng đá công nhân lao động tỉnh Bắc Giang",
        "Chào mừng kỷ niệm 94 năm Ngày thành lập Công đoàn Việt Nam (28/7/1929 - 28/7/2023), "
        "sáng 15/7, LĐLĐ tỉnh khai mạc Giải bóng đá công nhân lao động với 16 đội bóng.\n"
        "Các đội thi đấu vòng tròn, chọn 8 đội vào tứ kết; các trận đấu diễn ra buổi tối.",
        {"van_hoa_the_thao"},
    ),
    (
        "Tập huấn kỹ năng thương lượng tập thể cho chủ tịch công đoàn cơ sở",
        "Hướng tới Đại hội Công đoàn tỉnh lần thứ XX, LĐLĐ tỉnh Thanh Hóa tập huấn kỹ năng "
        "đối thoại, thương lượng tập thể cho 150 chủ tịch công đoàn cơ sở.\n"
        "Học viên thực hành thương lượng về tiền lương, ký kết thỏa ước lao động tập thể.",
        {"phap_luat_quan_he_lao_dong"},
    ),
    (
        "Chủ tịch LĐLĐ tỉnh làm việc với Công đoàn Than - Khoáng sản Việt Nam",
        "Sáng 6/3, Chủ tịch LĐLĐ tỉnh Quảng Ninh làm việc với Công đoàn TKV về phối hợp năm 2021.\n"
        "Hai bên thống nhất các nội dung: chăm lo đời sống, việc làm cho công nhân mỏ; tuyên "
        "truyền phòng, chống dịch; ứng dụng công nghệ thông tin trong quản lý đoàn viên; chuẩn "
        "bị đại hội công đoàn các cấp.",
        set(),
    ),
    (
        "Công đoàn Ngân hàng Việt Nam tổ chức giải chạy trực tuyến",
        "Giải chạy diễn ra trong tháng 10 dành cho đoàn viên toàn hệ thống; vận động viên ghi "
        "nhận kết quả trên điện thoại.\nMỗi km được quy đổi thành 10.000 đồng ủng hộ Quỹ xã "
        "hội công đoàn để hỗ trợ đoàn viên có hoàn cảnh khó khăn.",
        {"van_hoa_the_thao"},
    ),
    (
        "Giải bóng đá công nhân chào mừng 95 năm thành lập Công đoàn Việt Nam",
        "Sáng 20/7, LĐLĐ tỉnh khai mạc giải bóng đá với 12 đội bóng.\n"
        "Các trận đấu diễn ra trên sân vận động tỉnh đến hết ngày 27/7.",
        {"van_hoa_the_thao"},
    ),
    (
        "Sôi nổi các hoạt động chào mừng kỷ niệm 95 năm Ngày thành lập Công đoàn Việt Nam",
        "Các cấp công đoàn tổ chức mít tinh kỷ niệm 95 năm ngày thành lập Công đoàn Việt Nam.\n"
        "Nhiều đơn vị tổ chức ôn lại truyền thống, dâng hương tại khu di tích.",
        {"ky_niem_truyen_thong"},
    ),
    (
        "Hỗ trợ gia đình công nhân tử vong do tai nạn lao động",
        "Ngày 5/9, LĐLĐ tỉnh Bình Phước đến thăm hỏi, trao 20 triệu đồng hỗ trợ gia đình anh "
        "Tâm, công nhân cao su tử vong do tai nạn lao động.\nLĐLĐ tỉnh đề nghị rà soát, huấn "
        "luyện an toàn lao động cho công nhân làm việc ngoài trời trong mùa mưa bão.",
        {"cham_lo_doi_song", "atvsld"},
    ),
    (
        "Bế mạc, tổng kết Giải bóng đá công nhân viên chức lao động năm 2024",
        "Chiều 20/7, LĐLĐ tỉnh bế mạc giải bóng đá. Đội Công ty May 10 giành chức vô địch.",
        {"van_hoa_the_thao"},
    ),
    (
        "Công ty May Đức Giang tổ chức Hội nghị đại biểu người lao động năm 2024",
        "Hội nghị thông qua thỏa ước lao động tập thể và quy chế dân chủ ở cơ sở.",
        {"phap_luat_quan_he_lao_dong"},
    ),
    # --- awards written without "thi đua, khen thưởng" ---
    (
        "Những gương sáng trong lao động sản xuất ở Khu công nghiệp VSIP",
        "Chị Hằng, tổ trưởng lắp ráp, được UBND tỉnh tặng Bằng khen năm 2023.\n"
        "Anh Thành có 4 giải pháp kỹ thuật được công nhận, được LĐLĐ tỉnh tuyên dương.",
        {"thi_dua_khen_thuong"},
    ),
    (
        "LĐLĐ tỉnh Quảng Trị đón nhận Huân chương Độc lập hạng Nhất",
        "Ngày 28/7, LĐLĐ tỉnh Quảng Trị long trọng đón nhận Huân chương Độc lập hạng Nhất.\n"
        "Buổi lễ diễn ra nhân dịp kỷ niệm 85 năm Ngày thành lập Công đoàn Việt Nam.",
        {"thi_dua_khen_thuong"},
    ),
    # --- a guard hides only the shorter reading of the same words ---
    (
        "Công đoàn Viên chức tỉnh tham gia giải thể thao Khối các cơ quan tỉnh",
        "Đoàn vận động viên tham gia 3 môn thi đấu của giải: kéo co, bóng bàn, cờ tướng.\n"
        "Giải thể thao là sân chơi bổ ích cho viên chức, người lao động.",
        {"van_hoa_the_thao"},
    ),
    (
        "LĐLĐ quận Cái Răng bàn giao Mái ấm Công đoàn cho đoàn viên",
        "Cùng ngày, LĐLĐ quận Cái Răng tổ chức lễ bàn giao mái ấm Công đoàn cho gia đình anh T.\n"
        "Căn nhà mái ấm công đoàn có tổng giá trị 90 triệu đồng.",
        {"mai_am_cong_doan", "cham_lo_doi_song"},
    ),
    # --- secondary subjects: named in the lead and taken up again in the body ---
    (
        "Ban Nữ công Công đoàn Giáo dục huyện họp mặt nhân Ngày Quốc tế Phụ nữ 8/3",
        "Ban Nữ công tổ chức họp mặt kỷ niệm 105 năm ngày Quốc tế Phụ nữ 8/3 và sơ kết 5 năm "
        "công tác nữ công giai đoạn 2010 - 2014, triển khai công tác nữ công năm 2015.\n"
        "Chị em đoàn viên nữ ôn lại truyền thống ngày Quốc tế Phụ nữ, tặng hoa chúc mừng.\n"
        "Hội nghị sơ kết đã đánh giá kết quả công tác nữ công 5 năm qua.",
        {"nu_cong", "so_ket_tong_ket"},
    ),
    (
        "Ấm áp Tết sum vầy cho người lao động hoàn cảnh khó khăn",
        "Chiều 5/2, LĐLĐ tỉnh Cà Mau tổ chức Chương trình Tết sum vầy, trao quà Tết và hỗ trợ "
        "nhà Mái ấm công đoàn cho đoàn viên có hoàn cảnh khó khăn.\n"
        "Dịp này, 500 suất quà Tết được trao tận tay công nhân lao động.",
        {"cham_lo_doi_song", "mai_am_cong_doan"},
    ),
    # --- a history recounts congresses; a block's name is a unit, not emulation ---
    (
        "Các kỳ Đại hội Công đoàn tỉnh Bình Thuận",
        "Đại hội lần thứ I Công đoàn tỉnh diễn ra năm 1976, bầu Ban Chấp hành gồm 25 đồng chí.\n"
        "Đại hội lần thứ II bầu đồng chí Lê Văn Tân làm Chủ tịch; đại biểu thảo luận nghị quyết.\n"
        "Đại hội lần thứ III đã bầu Ban Chấp hành mới và đoàn đại biểu dự Đại hội cấp trên.",
        {"ky_niem_truyen_thong"},
    ),
    (
        "Khối thi đua các hội, đoàn thể tỉnh thăm, chúc mừng Liên đoàn Lao động tỉnh",
        "Nhân kỷ niệm 93 năm Ngày thành lập Công đoàn Việt Nam, Khối thi đua các hội, đoàn thể "
        "tỉnh đến thăm, chúc mừng Liên đoàn Lao động tỉnh.\n"
        "Đoàn ôn lại truyền thống vẻ vang của tổ chức Công đoàn Việt Nam.",
        {"ky_niem_truyen_thong"},
    ),
    # --- an occasion in the lead: the union's own day counts, a national one does not ---
    (
        "LĐLĐ huyện gặp mặt cán bộ công đoàn qua các thời kỳ",
        "Nhân dịp kỷ niệm 95 năm Ngày thành lập Công đoàn Việt Nam, LĐLĐ huyện tổ chức gặp mặt "
        "cán bộ công đoàn qua các thời kỳ.\n"
        "Các đại biểu ôn lại truyền thống vẻ vang của tổ chức Công đoàn Việt Nam 95 năm qua.",
        {"ky_niem_truyen_thong"},
    ),
    (
        "Kế hoạch tổ chức Giải cầu lông truyền thống CNVCLĐ lần thứ 5",
        "Nhân kỷ niệm 37 năm ngày giải phóng miền Nam và Quốc tế Lao động 1/5, Công đoàn các "
        "KCN tổ chức Giải cầu lông truyền thống CNVCLĐ lần thứ 5 năm 2012.",
        {"van_hoa_the_thao"},
    ),
]


# --- issue 11: how union texts name these topics (made-up sentences, none from the corpora) ---
RECALL_CASES: list[tuple[str, str, set[str]]] = [
    (
        "Đề cương tuyên truyền Đại hội Công đoàn tỉnh Sơn La lần thứ XV",
        "LĐLĐ tỉnh ban hành đề cương tuyên truyền gửi các công đoàn cấp trên trực tiếp cơ sở. "
        "Đề cương nêu những kết quả nổi bật của nhiệm kỳ và mục tiêu của Đại hội.",
        {"tuyen_truyen_giao_duc", "dai_hoi_cong_doan"},
    ),
    (
        "Tập huấn nghiệp vụ cho cán bộ công đoàn cơ sở năm 2026",
        "Trong hai ngày, hơn 150 chủ tịch công đoàn cơ sở được bồi dưỡng nghiệp vụ công tác "
        "công đoàn, kỹ năng tập hợp người lao động và kỹ năng tổ chức hội nghị.",
        {"tuyen_truyen_giao_duc"},
    ),
    (
        "Tập huấn an toàn, vệ sinh lao động cho an toàn vệ sinh viên",
        "Công đoàn ngành Xây dựng tổ chức lớp tập huấn về an toàn, vệ sinh lao động cho 120 "
        "an toàn vệ sinh viên; giảng viên hướng dẫn cách nhận diện nguy cơ tai nạn lao động.",
        {"atvsld"},
    ),
    (
        "Vận động công nhân nhà trọ tham gia bầu cử",
        "Công đoàn các khu công nghiệp tuyên truyền, vận động công nhân ở trọ đi bầu cử đại "
        "biểu Hội đồng nhân dân; tổ công nhân tự quản nhắc từng phòng trọ kiểm tra danh sách "
        "cử tri.",
        {"tuyen_truyen_giao_duc"},
    ),
    (
        "LĐLĐ thành phố thành lập thêm 6 Công đoàn xã",
        "Các công đoàn xã mới tập hợp đoàn viên của trường học, trạm y tế trên địa bàn; "
        "Chủ nhiệm Ủy ban Kiểm tra của mỗi công đoàn xã là cán bộ kiêm nhiệm.",
        {"to_chuc_can_bo"},
    ),
    (
        "Đại hội Công đoàn phường Tân An lần thứ I, nhiệm kỳ 2025 - 2030",
        "Đại hội đã thảo luận báo cáo chính trị, bầu 11 ủy viên Ban Chấp hành khóa I. Các "
        "đại biểu đề nghị tăng cường đối thoại tại nơi làm việc và bảo vệ quyền lợi hợp pháp "
        "của người lao động. Đồng chí Lê Văn Hải được bầu giữ chức Chủ tịch.",
        {"dai_hoi_cong_doan"},
    ),
    (
        "30 năm Công đoàn Dệt may - một chặng đường",
        "Cách đây 30 năm, Công đoàn ngành được thành lập với vài nghìn đoàn viên. Qua các thời "
        "kỳ, tổ chức công đoàn luôn đồng hành cùng người lao động ngành dệt may.",
        {"ky_niem_truyen_thong"},
    ),
    (
        "LĐLĐ huyện mít tinh kỷ niệm Ngày thành lập Công đoàn Việt Nam",
        "Nhân dịp kỷ niệm 96 năm Ngày thành lập Công đoàn Việt Nam, LĐLĐ huyện tổ chức mít "
        "tinh, ôn lại truyền thống vẻ vang của giai cấp công nhân và tổ chức công đoàn.",
        {"ky_niem_truyen_thong"},
    ),
    (
        "Giải bóng chuyền hơi công nhân lao động huyện năm 2026",
        "Nhân dịp kỷ niệm 97 năm Ngày thành lập Công đoàn Việt Nam, LĐLĐ huyện tổ chức giải "
        "bóng chuyền hơi với 18 đội tham gia. Các trận đấu diễn ra sôi nổi trong hai ngày.",
        {"van_hoa_the_thao"},
    ),
    (
        "Khai mạc giải cầu lông công nhân viên chức lao động",
        "Nhằm hưởng ứng Tháng Công nhân năm 2026, Công đoàn ngành Y tế khai mạc giải cầu "
        "lông với 96 vận động viên. Giải thi đấu ở 5 nội dung đơn và đôi.",
        {"van_hoa_the_thao"},
    ),
    (
        "Công đoàn phải là chỗ dựa, đại diện, chăm lo, bảo vệ quyền lợi người lao động",
        "Tại buổi làm việc, lãnh đạo tỉnh đề nghị công đoàn đổi mới phương thức hoạt động, "
        "tập trung đối thoại, thương lượng tập thể và giám sát việc thực hiện pháp luật lao "
        "động tại doanh nghiệp.",
        {"phap_luat_quan_he_lao_dong"},
    ),
    (
        "Công đoàn trường tọa đàm kỷ niệm ngày thành lập Hội LHPN Việt Nam",
        "Nhân ngày 20/10, Ban Nữ công công đoàn trường tổ chức tọa đàm với nữ cán bộ, giáo "
        "viên về bình đẳng giới và xây dựng gia đình hạnh phúc.",
        {"nu_cong"},
    ),
    (
        "LĐLĐ huyện ủng hộ xây Khu tưởng niệm liệt sĩ của xã",
        "Cán bộ, đoàn viên công đoàn trong huyện đã đóng góp 300 triệu đồng để xây dựng Khu "
        "tưởng niệm liệt sĩ, công trình khởi công trong tháng này.",
        set(),
    ),
    # Launching the month is its subject, even worded "phát động hưởng ứng".
    (
        "LĐLĐ huyện Nghi Lộc ra quân các hoạt động vì công nhân",
        "Sáng 28/4, LĐLĐ huyện Nghi Lộc tổ chức Lễ phát động hưởng ứng Tháng Công nhân năm "
        "2026 với chủ đề vì việc làm bền vững của người lao động.",
        {"thang_cong_nhan"},
    ),
    # A named programme the body comes back to: the activities belong to it.
    (
        "LĐLĐ huyện Tân Kỳ kết nạp 410 đoàn viên mới",
        "Từ đầu năm đến nay, LĐLĐ huyện Tân Kỳ đã kết nạp 410 đoàn viên mới và thành lập 3 "
        "công đoàn cơ sở tại các doanh nghiệp ngoài nhà nước trên địa bàn huyện.\n"
        "Trong Tháng Công nhân, các công đoàn cơ sở tổ chức gặp gỡ người lao động tại 12 "
        "doanh nghiệp.\n"
        "Tổng kết Tháng Công nhân năm 2026, LĐLĐ huyện đánh giá các hoạt động đều thiết thực.",
        {"phat_trien_doan_vien", "thang_cong_nhan"},
    ),
    (
        "LĐLĐ huyện Con Cuông kết nạp 280 đoàn viên mới",
        "Từ đầu năm đến nay, LĐLĐ huyện Con Cuông đã kết nạp 280 đoàn viên mới và thành lập "
        "2 công đoàn cơ sở tại các doanh nghiệp ngoài nhà nước trên địa bàn huyện.\n"
        "Riêng trong Tháng Công nhân, 60 người lao động được kết nạp vào công đoàn.",
        {"phat_trien_doan_vien"},
    ),
    (
        "Công đoàn ngành Y tế tổ chức hành trình về nguồn",
        "Đoàn cán bộ công đoàn thăm địa chỉ đỏ tại Tân Trào, thắp nến tri ân các anh hùng "
        "liệt sĩ và nghe kể về những năm tháng kháng chiến.",
        {"ky_niem_truyen_thong"},
    ),
    (
        "Miễn nhiệm Phó Chủ tịch LĐLĐ huyện",
        "Ban Thường vụ LĐLĐ tỉnh đã quyết định miễn nhiệm chức vụ Phó Chủ tịch đối với đồng chí "
        "Trần Văn Lộc do chuyển công tác, đồng thời giao phụ trách cho một ủy viên Ban Thường vụ.",
        {"to_chuc_can_bo"},
    ),
    (
        "Công nhận danh hiệu Lao động tiên tiến cho 320 đoàn viên",
        "Hội đồng thi đua của công ty xét và đề nghị Ban Giám đốc công nhận danh hiệu cho các "
        "cá nhân hoàn thành tốt nhiệm vụ trong năm.",
        {"thi_dua_khen_thuong"},
    ),
    # A newspaper's own day is not the union's anniversary.
    (
        "Báo tỉnh kỷ niệm 70 năm ngày ra số đầu tiên",
        "Nhân kỷ niệm 99 năm Ngày Báo chí cách mạng Việt Nam, tòa soạn gặp mặt cộng tác viên; "
        "lãnh đạo LĐLĐ tỉnh đến chúc mừng.",
        set(),
    ),
    # The same words in another organisation's congress or inspection: not the union's.
    (
        "Đại hội Đoàn TNCS Hồ Chí Minh tỉnh lần thứ XVII",
        "Đại hội đại biểu Đoàn TNCS Hồ Chí Minh tỉnh khai mạc với 300 đại biểu chính thức; "
        "báo cáo chính trị tổng kết nhiệm kỳ và bầu Ban Chấp hành khóa mới.",
        set(),
    ),
    (
        "Phát hiện nhiều sai phạm tại xưởng gỗ",
        "Đoàn kiểm tra của Sở Nội vụ chỉ ra nhiều sai phạm về kiểm tra tài chính và chế độ"
        " bảo hộ tại xưởng; đoàn kiểm tra đề nghị xử phạt chủ cơ sở.",
        set(),
    ),
    (
        "Đại hội Công đoàn phường lần thứ I",
        "Đại hội đại biểu Công đoàn phường khai mạc với 120 đại biểu chính thức; báo cáo "
        "chính trị tổng kết nhiệm kỳ và bầu Ban Chấp hành khóa mới.",
        {"dai_hoi_cong_doan"},
    ),
    # A sector's name is not its subject; an emulation "đại hội" is no union congress;
    # gifts given "hưởng ứng Tháng Công nhân" are care, the month is their occasion.
    (
        "Hội thao ngành Thông tin và Truyền thông khu vực phía Nam",
        "Công đoàn Thông tin và Truyền thông Việt Nam tổ chức hội thao với các môn bóng đá,"
        " cầu lông, kéo co; 500 vận động viên thi đấu sôi nổi trong hai ngày.",
        {"van_hoa_the_thao"},
    ),
    (
        "LĐLĐ quận tham gia Đại hội thi đua Quyết thắng của lực lượng vũ trang",
        "Đại hội thi đua Quyết thắng lực lượng vũ trang quận lần thứ V khai mạc với 200 đại"
        " biểu chính thức; Liên đoàn Lao động quận dự và tặng hoa.",
        set(),
    ),
    (
        "Trao 20 suất quà cho đoàn viên khó khăn",
        "Ngày 4/5, hưởng ứng Tháng Công nhân năm 2022, Liên đoàn Lao động tỉnh trao 20 suất"
        " quà, mỗi suất 500.000 đồng cho đoàn viên có hoàn cảnh khó khăn.",
        {"cham_lo_doi_song"},
    ),
    # The Women's Union's anniversary is its own; state emulation congresses still count.
    (
        "Hội Liên hiệp Phụ nữ tỉnh kỷ niệm 95 năm Ngày thành lập Hội",
        "Hội Liên hiệp Phụ nữ tỉnh tổ chức mít tinh kỷ niệm Ngày Phụ nữ Việt Nam 20/10; các"
        " chi hội phụ nữ trao quà cho hội viên phụ nữ nghèo.",
        set(),
    ),
    (
        "Đại hội Thi đua yêu nước ngành Xây dựng lần thứ V",
        "Đại hội biểu dương 200 tập thể, cá nhân điển hình tiên tiến trong phong trào thi đua"
        " yêu nước; Bộ trưởng trao bằng khen cho 50 tập thể xuất sắc.",
        {"thi_dua_khen_thuong"},
    ),
    # A state agency's or the Party's own sports, culture and training are not union news;
    # the same tournament run for workers is.
    (
        "Sở Nội vụ tỉnh tổ chức giải cầu lông ngành Nội vụ mở rộng năm 2015",
        "Sáng 12/5, Sở Nội vụ tỉnh khai mạc giải cầu lông ngành Nội vụ mở rộng với 80 vận động"
        " viên của 12 đội thi đấu. Giải nhằm đẩy mạnh phong trào thể dục thể thao, giao lưu"
        " giữa các cơ quan.",
        set(),
    ),
    (
        "LĐLĐ tỉnh tổ chức giải cầu lông công nhân, viên chức, lao động năm 2015",
        "Sáng 12/5, LĐLĐ tỉnh khai mạc giải cầu lông CNVCLĐ với 80 vận động viên của 12 đội"
        " thi đấu. Giải nhằm đẩy mạnh phong trào thể dục thể thao, giao lưu giữa các công"
        " đoàn cơ sở.",
        {"van_hoa_the_thao"},
    ),
    (
        "Đảng ủy Khối tổ chức lớp bồi dưỡng nhận thức về Đảng năm 2024",
        "Hơn 100 quần chúng ưu tú được quán triệt, phổ biến các nội dung cơ bản về Đảng; học"
        " viên được nâng cao nhận thức, kỹ năng.",
        set(),
    ),
    # A slowdown is a labour dispute; a school's staff meeting is workplace democracy.
    (
        "Bình Dương: hàng ngàn công nhân lãn công",
        "Sáng 5/3, hàng ngàn công nhân Công ty TNHH Vĩnh Phát lãn công, đòi tăng lương."
        " Công đoàn các khu công nghiệp đã đến nắm tình hình.",
        {"phap_luat_quan_he_lao_dong"},
    ),
    (
        "Hội nghị viên chức, người lao động năm học 2023-2024",
        "Trường THCS Lê Lợi tổ chức Hội nghị viên chức, người lao động năm học 2023-2024."
        " Hội nghị thông qua quy chế chi tiêu nội bộ và bầu Ban Thanh tra nhân dân.",
        {"phap_luat_quan_he_lao_dong"},
    ),
    # A knowledge contest on law is communication, not labour relations (CORPUS.md).
    (
        "Tổng kết Cuộc thi trực tuyến Tìm hiểu kiến thức pháp luật lao động năm 2024",
        "LĐLĐ tỉnh tổng kết Cuộc thi trực tuyến Tìm hiểu kiến thức pháp luật lao động năm 2024"
        " cho đoàn viên. Cuộc thi giúp người lao động nắm vững kiến thức pháp luật về hợp đồng"
        " lao động, phòng tránh vi phạm.",
        {"tuyen_truyen_giao_duc"},
    ),
    # The Youth Union's own festival is its news; held with the federation, it is union news.
    (
        "Huyện đoàn Trảng Bàng tổ chức Ngày hội đoàn viên năm 2016",
        "Sáng 26/3, Huyện đoàn tổ chức Ngày hội đoàn viên với các trò chơi dân gian, nhảy bao"
        " bố, kéo co và hội diễn văn nghệ. Hơn 500 đoàn viên thanh niên tham gia giao lưu văn"
        " hóa, thể dục thể thao.",
        set(),
    ),
    (
        "Huyện đoàn phối hợp LĐLĐ huyện tổ chức Ngày hội đoàn viên năm 2016",
        "Sáng 26/3, Huyện đoàn phối hợp với Liên đoàn Lao động huyện tổ chức Ngày hội đoàn viên"
        " với các trò chơi dân gian, nhảy bao bố, kéo co và hội diễn văn nghệ. Hơn 500 đoàn viên"
        " thanh niên tham gia giao lưu văn hóa, thể dục thể thao.",
        {"van_hoa_the_thao"},
    ),
    # The propaganda department runs gifts too: its name is no sign of communication work.
    (
        "Các cấp Công đoàn Đà Nẵng chăm lo Tết Trung thu cho con đoàn viên, người lao động",
        "Ban Tuyên giáo - Nữ công LĐLĐ thành phố phối hợp tổ chức chương trình Trung thu, trao"
        " 500 suất quà cho con đoàn viên có hoàn cảnh khó khăn. Trưởng Ban Tuyên giáo cho biết"
        " các công đoàn cơ sở cũng tặng quà cho các cháu.",
        {"cham_lo_doi_song"},
    ),
    # A tournament held for Tháng Công nhân and the union's anniversary is sports only
    # (HELDOUT.md), even when the body comes back to the month.
    (
        "Giải bóng chuyền hơi Công đoàn Viên chức tỉnh lần thứ IV",
        "Sáng 12/5, Công đoàn Viên chức tỉnh khai mạc Giải bóng chuyền hơi lần thứ IV với 20"
        " đội bóng. Giải là hoạt động thiết thực hưởng ứng Tháng Công nhân năm 2024, chào mừng"
        " kỷ niệm 95 năm Ngày thành lập Công đoàn Việt Nam. Trong Tháng Công nhân, các công"
        " đoàn cơ sở còn tổ chức nhiều hoạt động. Các trận đấu diễn ra sôi nổi, các vận động"
        " viên thi đấu nhiệt tình.",
        {"van_hoa_the_thao"},
    ),
    # The Party's badges and anniversary, kept by its committees, are not union news.
    (
        "44 đảng viên được tặng Huy hiệu Đảng dịp 3/2",
        "Sáng 2/2, Đảng ủy Công ty tổ chức lễ trao Huy hiệu 30 năm tuổi Đảng cho 44 đảng viên."
        " Đồng chí Bí thư chúc mừng các đảng viên được nhận huy hiệu, mong các đồng chí tiếp"
        " tục hoàn thành xuất sắc nhiệm vụ.",
        set(),
    ),
    (
        "Lễ kỷ niệm 90 năm Ngày thành lập Đảng Cộng sản Việt Nam tại Đảng bộ Công ty",
        "Đảng bộ Công ty tổ chức lễ kỷ niệm 90 năm Ngày thành lập Đảng Cộng sản Việt Nam."
        " Đồng chí Bí thư ôn lại truyền thống vẻ vang của Đảng; công nhân công ty cùng dự.",
        set(),
    ),
    # Abbreviations union sites use in headlines.
    (
        "LĐLĐ huyện gặp mặt cán bộ hưu trí nhân Ngày thành lập CĐVN",
        "Buổi gặp mặt có sự tham dự của các thế hệ cán bộ công đoàn của huyện.",
        {"ky_niem_truyen_thong"},
    ),
    # Typed without diacritics, as some district sites and operators write.
    (
        "Tap huan nghiep vu cho can bo cong doan co so nam 2026",
        "Hon 150 chu tich cong doan co so duoc boi duong nghiep vu cong tac cong doan va ky "
        "nang to chuc hoi nghi.",
        {"tuyen_truyen_giao_duc"},
    ),
]


@pytest.fixture(scope="module")
def classifier() -> TopicClassifier:
    return default_classifier()


@pytest.fixture(scope="module")
def rules() -> TopicClassifier:
    """The phrase rules alone: these cases pin them; tests/test_topic_model.py the vote."""
    return TopicClassifier(model=False)


@pytest.mark.parametrize(("title", "text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_classify(rules: TopicClassifier, title: str, text: str, expected: set[str]) -> None:
    assert {t.id for t in rules.classify(title, text)} == expected


@pytest.mark.parametrize(
    ("title", "text", "expected"), RECALL_CASES, ids=[c[0][:40] for c in RECALL_CASES]
)
def test_union_wording(rules: TopicClassifier, title: str, text: str, expected: set[str]) -> None:
    """Propaganda, training, personnel, histories and occasions as union texts word them."""
    assert {t.id for t in rules.classify(title, text)} == expected


def test_enough_cases_cover_every_topic() -> None:
    covered = set().union(*(c[2] for c in CASES))
    assert len(CASES) >= 40
    assert covered == {t.id for t in default_classifier().catalog()}


def test_best_topic_first(classifier: TopicClassifier) -> None:
    topics = classifier.classify(
        "Bàn giao 3 nhà Mái ấm Công đoàn",
        "Mỗi căn nhà được Quỹ Mái ấm Công đoàn hỗ trợ 50 triệu đồng xây mới.",
    )
    assert [t.id for t in topics][:2] == ["mai_am_cong_doan", "cham_lo_doi_song"]


def test_sapo_weighs_as_lead(classifier: TopicClassifier) -> None:
    title = "Công đoàn Công ty Sao Vàng: nhiều hoạt động ý nghĩa"
    body = "Ban Chấp hành công đoàn đã tổ chức nhiều hoạt động trong năm."
    assert classifier.classify(title, body) == []
    sapo = "Công đoàn trao 200 suất quà cho công nhân có hoàn cảnh khó khăn dịp Tết Sum vầy."
    assert [t.id for t in classifier.classify(title, body, sapo=sapo)] == ["cham_lo_doi_song"]


def test_names_are_formal_vietnamese(classifier: TopicClassifier) -> None:
    catalog = {t.id: t for t in classifier.catalog()}
    assert len(catalog) == 18
    assert catalog["phat_trien_doan_vien"].name == "Phát triển đoàn viên, thành lập CĐCS"
    assert catalog["mai_am_cong_doan"].name == "Mái ấm Công đoàn"
    assert all(t.name and t.name_en and t.name[0].isupper() for t in catalog.values())


# --- the real seed pages ------------------------------------------------------

SEED_CASES = [
    # Working session: many activities listed in passing, none is the subject.
    ("000_42062cfdec277463.txt", "Liên đoàn Lao động tỉnh Nghệ An làm việc với Thường trực Thành ủy Vinh", set()),
    (
        "002_c5db2657c5513135.txt",
        "Ban chỉ đạo phát triển đoàn viên, thành lập công đoàn cơ sở LĐLĐ tỉnh Nghệ An họp bàn giải pháp",
        {"phat_trien_doan_vien"},
    ),
    (
        "004_e9a1169cca8c1316.txt",
        "Công đoàn Nghệ An phấn đấu hoàn thành cao nhất các mục tiêu, nhiệm vụ",
        {"so_ket_tong_ket", "thi_dua_khen_thuong", "ky_niem_truyen_thong"},
    ),
]  # fmt: skip


def _seed_body(name: str) -> str:
    """The article part of a seed page (its sidebars are not the item's text)."""
    text = (SEEDS / name).read_text(encoding="utf-8")
    for marker in ("\nTin mới", "\nTHÔNG BÁO", "\nTheo Diệp Thanh", "\nTừ khóa:"):
        text = text.split(marker)[0]
    return text


@pytest.mark.parametrize(
    ("name", "title", "expected"), SEED_CASES, ids=[c[0][:3] for c in SEED_CASES]
)
def test_seed_topics(
    classifier: TopicClassifier, name: str, title: str, expected: set[str]
) -> None:
    assert {t.id for t in classifier.classify(title, _seed_body(name))} == expected


def test_classification_is_fast(classifier: TopicClassifier) -> None:
    text = _seed_body("004_e9a1169cca8c1316.txt")[:3000]
    classifier.classify("x", text)
    best = float("inf")
    for _ in range(10):  # best CPU time of 10: other processes may share the machine
        start = time.process_time()
        classifier.classify("Công đoàn Nghệ An phấn đấu hoàn thành cao nhất các mục tiêu", text)
        best = min(best, time.process_time() - start)
    assert best < 0.008, f"{best * 1000:.1f} ms per 3,000-character item"


# --- resolve (for /subscribe) -------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("phat trien doan vien", "phat_trien_doan_vien"),
        ("phát triển đoàn viên", "phat_trien_doan_vien"),
        ("đại hội", "dai_hoi_cong_doan"),
        ("dai hoi", "dai_hoi_cong_doan"),
        ("thi đua", "thi_dua_khen_thuong"),
        ("ATVSLĐ", "atvsld"),
        ("an toan lao dong", "atvsld"),
        ("mai am", "mai_am_cong_doan"),
        ("Mái ấm Công đoàn", "mai_am_cong_doan"),
        ("nữ công", "nu_cong"),
        ("Tết Sum vầy", "cham_lo_doi_song"),
        ("TƯLĐTT", "phap_luat_quan_he_lao_dong"),
        ("nghi quyet 02", "nghi_quyet_02"),
        ("chuyen doi so", "chuyen_doi_so"),
        ("bóng đá", "van_hoa_the_thao"),
        ("viec lam", "viec_lam_thu_nhap"),
        ("Workers' Month", "thang_cong_nhan"),
        ("thang_cong_nhan", "thang_cong_nhan"),
    ],
)
def test_resolve_best_candidate(classifier: TopicClassifier, query: str, expected: str) -> None:
    ranked = classifier.resolve(query)
    assert ranked, query
    assert ranked[0][0].id == expected
    assert all(0.0 < score <= 1.0 for _, score in ranked)
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)


def test_resolve_exact_name_scores_one(classifier: TopicClassifier) -> None:
    top, score = classifier.resolve("An toàn, vệ sinh lao động")[0]
    assert top.id == "atvsld" and score == 1.0


def test_resolve_nonsense_finds_nothing(classifier: TopicClassifier) -> None:
    assert classifier.resolve("xyzzy quux") == []
    assert classifier.resolve("   ") == []


# --- operator extension -------------------------------------------------------


def test_operator_defines_a_new_topic() -> None:
    extra = {
        "nha_o_xa_hoi": {
            "name": "Nhà ở xã hội cho công nhân",
            "name_en": "Social housing for workers",
            "keywords": ["nhà ở xã hội", "thiết chế công đoàn"],
        }
    }
    classifier = TopicClassifier(extra)
    assert Topic("nha_o_xa_hoi", "Nhà ở xã hội cho công nhân", "Social housing for workers") in (
        classifier.catalog()
    )
    found = classifier.classify(
        "Khởi công dự án nhà ở xã hội cho công nhân tại KCN Bắc Vinh",
        "Dự án gồm 1.000 căn hộ dành cho công nhân thuê với giá ưu đãi.",
    )
    assert "nha_o_xa_hoi" in {t.id for t in found}
    assert classifier.resolve("nha o xa hoi")[0][0].id == "nha_o_xa_hoi"
    # The built-in classifier is untouched.
    assert default_classifier().get("nha_o_xa_hoi") is None


def test_operator_adds_keywords_to_a_builtin_topic() -> None:
    title = "Công đoàn tổ chức Ngày hội Hiến máu tình nguyện"
    text = "Hơn 300 đoàn viên tham gia hiến máu tình nguyện tại Nhà Văn hóa công nhân."
    assert "cham_lo_doi_song" not in {t.id for t in default_classifier().classify(title, text)}
    classifier = TopicClassifier({"cham_lo_doi_song": {"keywords": ["hiến máu tình nguyện"]}})
    assert classifier.classify(title, text)[0].id == "cham_lo_doi_song"
    assert classifier.get("cham_lo_doi_song").name == "Chăm lo đời sống, phúc lợi"


@pytest.mark.parametrize(
    "extra",
    [
        {"Bad Id": {"name": "X", "keywords": ["x y"]}},
        {"new_topic": {"keywords": ["x y"]}},  # a new topic needs a name
        {"nu_cong": {"keywords": "nữ công"}},  # not a list
        {"nu_cong": {"keywords": [""]}},
        {"nu_cong": {"keyword": ["nữ công"]}},  # typo in the key
    ],
)
def test_bad_operator_config_is_rejected_clearly(extra: dict) -> None:
    with pytest.raises(ValueError, match=r"topics\."):
        TopicClassifier(extra)
