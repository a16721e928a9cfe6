"""The pages' message catalogue: each key with its Vietnamese and English text, side by side.

Fields in braces (``{year}``) are filled by :func:`chitieu.web.i18n.message` on the server or by
the page's script for chart texts (:data:`CHART_KEYS`).
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # frame
    "app_name": ("Chỉ tiêu", "Chitieu"),
    "nav_dashboard": ("Tổng quan", "Dashboard"),
    "nav_entry": ("Nhập báo cáo", "Data entry"),
    "nav_plans": ("Kế hoạch", "Plans"),
    "language": ("Ngôn ngữ", "Language"),
    "role_entry": ("nhập liệu", "data entry"),
    "role_analyst": ("phân tích", "analyst"),
    "role_admin": ("quản trị", "administrator"),
    "sign_out": ("Đăng xuất", "Sign out"),
    "footer": (
        "Chỉ tiêu — theo dõi chỉ tiêu y tế và dân số. Mọi con số kèm khoảng tin cậy 95 %.",
        "Chitieu — health and population targets. Every figure comes with its 95 % interval.",
    ),
    # sign-in
    "sign_in": ("Đăng nhập", "Sign in"),
    "sign_in_intro": (
        "Dùng tài khoản được cấp cho đơn vị của bạn.",
        "Use the account issued to your unit.",
    ),
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "login_csrf": (
        "Phiên đăng nhập đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng thử lại.",
        "The sign-in form expired or is not valid. Please try again.",
    ),
    "login_missing": ("Hãy nhập tên đăng nhập và mật khẩu.", "Enter your username and password."),
    "login_too_many": (
        "Đăng nhập sai quá nhiều lần. Vui lòng đợi vài phút rồi thử lại.",
        "Too many failed sign-ins. Please wait a few minutes and try again.",
    ),
    "login_wrong": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
    # errors
    "error_401": ("Cần đăng nhập", "Sign-in needed"),
    "error_403": ("Không có quyền truy cập", "Not allowed"),
    "error_404": ("Không tìm thấy", "Not found"),
    "error_409": ("Xung đột dữ liệu", "Conflict"),
    "error_other": ("Yêu cầu không hợp lệ", "Invalid request"),
    "back_dashboard": ("Về trang tổng quan", "Back to the dashboard"),
    # dashboard frame
    "year": ("Năm", "Year"),
    "unit": ("Đơn vị", "Unit"),
    "synthetic_badge": ("Dữ liệu mô phỏng", "Synthetic data"),
    "synthetic_note": (
        "Số liệu trên trang này là dữ liệu mô phỏng dùng để trình diễn, không phải số liệu thật.",
        "The figures on this page are synthetic demonstration data, not real figures.",
    ),
    "pick_unit": ("Chọn đơn vị", "Choose a unit"),
    "pick_unit_below": ("— Xem đơn vị trực thuộc —", "— Open a unit below —"),
    "show": ("Xem", "Show"),
    "headline": ("Số liệu chính", "Headline figures"),
    "kpi_srb": ("Tỷ số giới tính khi sinh năm {year}", "Sex ratio at birth, {year}"),
    "kpi_srb_note": ("số bé trai/100 bé gái", "boys per 100 girls"),
    "kpi_prob": ("Khả năng đạt mục tiêu", "Chance of meeting the target"),
    "kpi_missing": ("Trẻ gái thiếu hụt khi sinh năm {year}", "Missing female births, {year}"),
    "kpi_reporting": ("Báo cáo tháng của xã, phường", "Communes' monthly reports"),
    "loading": ("Đang tải…", "Loading…"),
    "sec_scorecard": ("Chỉ tiêu kế hoạch", "Plan targets"),
    "how_status": ("Cách xác định trạng thái", "How the status is decided"),
    "sec_trend": (
        "Tỷ số giới tính khi sinh (số bé trai/100 bé gái) qua các năm",
        "Sex ratio at birth (boys per 100 girls) over the years",
    ),
    "trend_explain": (
        "Chấm: số liệu từng năm, vạch dọc là khoảng tin cậy 95 %. Đường xanh: ước tính đã làm "
        "trơn, dải mờ là khoảng tin cậy 95 %. Nét đứt cam: dự báo đến năm mục tiêu. Nét đứt "
        "đỏ: mục tiêu.",
        "Dots: each year's figure, with its 95 % interval as a vertical line. Green line: the "
        "smoothed estimate with its 95 % band. Dashed orange: the projection to the target "
        "year. Dashed red: the target.",
    ),
    "sec_orders": (
        "Tỷ số giới tính khi sinh theo lần sinh",
        "Sex ratio at birth by birth order",
    ),
    "orders_explain": (
        "Ưa thích con trai thể hiện rõ nhất ở lần sinh thứ ba, nhất là khi gia đình đã có hai "
        "con gái. Đường ngang là khoảng tin cậy 95 %; mức tự nhiên khoảng 106 (106,3).",
        "Son preference shows most at third births, above all after two girls. Horizontal lines "
        "are 95 % intervals; the natural level is about 106 (106.3).",
    ),
    "sec_missing": ("Trẻ gái thiếu hụt khi sinh", "Missing female births"),
    "missing_explain": (
        "Số bé gái lẽ ra được sinh ra nếu tỷ số giới tính khi sinh ở mức tự nhiên (106,3), trừ "
        "số bé gái thực tế được sinh ra; vạch dọc là khoảng tin cậy 95 %.",
        "Girls who would have been born at the natural sex ratio (106.3), minus the girls born; "
        "vertical lines are 95 % intervals.",
    ),
    "sec_communes_province": ("So sánh các xã, phường", "Communes compared"),
    "sec_communes_country": ("So sánh các tỉnh, thành phố", "Provinces compared"),
    "communes_explain": (
        "Đơn vị nhỏ có tỷ số dao động mạnh do ngẫu nhiên, vì vậy xếp hạng theo mức độ bằng chứng "
        "vượt trội (z, gộp nhiều năm), không theo tỷ số thô. Điểm nằm ngoài đường giới hạn của "
        "biểu đồ phễu là khác biệt khó giải thích bằng ngẫu nhiên.",
        "Small units swing widely by chance, so the ranking is by the evidence of an excess "
        "(z, pooled over years), not by the raw ratio. Points outside the funnel's limits differ "
        "more than chance explains.",
    ),
    "funnel_title": ("Biểu đồ phễu", "Funnel plot"),
    "sec_capacity": ("Năng lực và độ bao phủ y tế", "Health capacity and coverage"),
    "sec_reporting": (
        "Tính đầy đủ và đúng hạn của báo cáo tháng",
        "Completeness and timeliness of monthly reports",
    ),
    # data entry
    "entry_title": ("Báo cáo tháng của xã, phường", "Commune monthly report"),
    "entry_list_title": ("Báo cáo tháng — {unit}", "Monthly reports — {unit}"),
    "status_empty": ("Chưa nhập", "Not started"),
    "status_draft": ("Bản nháp", "Draft"),
    "status_submitted": ("Đã gửi", "Submitted"),
    "status_locked": ("Đã khóa", "Locked"),
    "prev_month": ("Tháng trước", "Previous month"),
    "next_month": ("Tháng sau", "Next month"),
    "month_year": ("Tháng {month}/{year}", "{month}/{year}"),
    "deadline_note": (
        "Hạn gửi: hết ngày {day} của tháng sau.",
        "Due by the end of day {day} of the following month.",
    ),
    "submitted_at": ("gửi lúc {at}", "submitted {at}"),
    "notice_closed": (
        "Báo cáo đã gửi nên không sửa được nữa. Nếu cần sửa, đề nghị tuyến tỉnh mở lại.",
        "The report has been submitted and can no longer be changed. Ask the province to "
        "reopen it if it needs a correction.",
    ),
    "notice_saved": ("Đã lưu bản nháp.", "Draft saved."),
    "notice_submitted": ("Đã gửi báo cáo. Cảm ơn!", "Report submitted. Thank you!"),
    "notice_reopen": ("Đã mở lại báo cáo để xã, phường sửa.", "Report reopened for correction."),
    "notice_lock": ("Đã khóa báo cáo.", "Report locked."),
    "form_has_errors": ("Biểu mẫu còn lỗi:", "The form has problems:"),
    "nothing_saved": ("Chưa có gì được lưu.", "Nothing was saved."),
    "births_heading": ("Số trẻ đẻ ra sống", "Live births"),
    "birth_order": ("Lần sinh", "Birth order"),
    "boys": ("Trai", "Boys"),
    "girls": ("Gái", "Girls"),
    "row_total": ("Cộng", "Total"),
    "order_O1": ("Con thứ nhất", "First child"),
    "order_O2": ("Con thứ hai", "Second child"),
    "order_O3P": ("Con thứ ba trở lên", "Third child or later"),
    "all_orders": ("Tổng cộng", "All births"),
    "total_births": ("Tổng số trẻ đẻ ra sống (để đối chiếu)", "Total live births (as a check)"),
    "total_hint": (
        "nhập lại tổng số theo sổ, phải bằng trai + gái",
        "type the total from the register; it must equal boys + girls",
    ),
    "activities_heading": ("Hoạt động trong tháng", "Activities this month"),
    "act_ACT_COMM_SESSIONS": (
        "Số buổi truyền thông, nói chuyện chuyên đề về mất cân bằng giới tính khi sinh",
        "Communication sessions and talks on the sex imbalance at birth",
    ),
    "act_ACT_PEOPLE_REACHED": (
        "Số lượt người được truyền thông, tư vấn",
        "People reached by communication and counselling",
    ),
    "act_ACT_FACILITY_COMMITMENTS": (
        "Số cơ sở ký cam kết không lựa chọn giới tính thai nhi",
        "Facilities signing a commitment not to select fetal sex",
    ),
    "act_ACT_INSPECTIONS": (
        "Số cuộc kiểm tra cơ sở cung cấp dịch vụ liên quan",
        "Inspections of facilities offering related services",
    ),
    "confirm_label": (
        "Tôi đã kiểm tra lại và xác nhận số liệu là đúng",
        "I have checked the figures and confirm they are correct",
    ),
    "save_draft": ("Lưu nháp", "Save draft"),
    "submit_report": ("Gửi báo cáo", "Submit report"),
    "closed_submitted": (
        "Báo cáo đã gửi. Cần sửa thì đề nghị tuyến tỉnh mở lại.",
        "Submitted. Ask the province to reopen it for a correction.",
    ),
    "closed_locked": ("Báo cáo đã khóa.", "The report is locked."),
    "reopen": ("Mở lại để sửa", "Reopen for correction"),
    "lock": ("Khóa báo cáo", "Lock report"),
    "rules_heading": ("Quy tắc kiểm tra số liệu", "How the figures are checked"),
    "rule_text_integer": (
        "Mỗi ô là số nguyên, không âm (không nhập số thập phân, chữ).",
        "Each figure is a whole number, zero or more (no decimals, no letters).",
    ),
    "rule_text_total": (
        "Tổng số trẻ đẻ ra sống phải bằng số trẻ trai cộng số trẻ gái.",
        "Total live births must equal boys plus girls.",
    ),
    "rule_text_srb": (
        "Khi có trên {min} trẻ mà tỷ số giới tính khi sinh ngoài khoảng {low}–{high} trẻ trai/100 "
        "trẻ gái, cần xác nhận lại số liệu trước khi lưu.",
        "With more than {min} births, a sex ratio outside {low}–{high} boys per 100 girls must "
        "be confirmed before saving.",
    ),
    "rule_text_submit": (
        "Lưu nháp được khi còn ô trống; gửi báo cáo cần đủ tất cả các ô (không có thì ghi 0).",
        "A draft may have empty fields; submitting needs every field (write 0 for none).",
    ),
    "srb_live": (
        "Tỷ số giới tính khi sinh: {srb} trẻ trai/100 trẻ gái ({births} trẻ)",
        "Sex ratio at birth: {srb} boys per 100 girls ({births} births)",
    ),
    "rule_srb_confirm": (
        "Tỷ số giới tính khi sinh là {srb} trẻ trai/100 trẻ gái trên {births} trẻ, ngoài khoảng "
        "thường gặp {low}–{high}. Hãy kiểm tra lại các ô trai, gái; nếu số liệu đúng, đánh dấu "
        "xác nhận rồi lưu lại.",
        "The sex ratio at birth is {srb} boys per 100 girls over {births} births, outside the "
        "usual {low}–{high}. Check the boys and girls figures; if they are right, tick the "
        "confirmation and save again.",
    ),
    "rule_srb_no_girls": (
        "Có {births} trẻ nhưng không có trẻ gái nào. Hãy kiểm tra lại; nếu đúng, đánh dấu xác "
        "nhận rồi lưu lại.",
        "{births} births and not one girl. Check the figures; if they are right, tick the "
        "confirmation and save again.",
    ),
    "total_ok": ("Tổng số khớp với trai + gái.", "The total matches boys + girls."),
    "rule_total": (
        "Tổng số trẻ đẻ ra sống ({total}) không bằng trai + gái ({boys} + {girls} = {sum}).",
        "Total live births ({total}) is not boys + girls ({boys} + {girls} = {sum}).",
    ),
    "rule_not_integer": (
        "“{value}” không phải số nguyên: chỉ nhập chữ số 0–9.",
        "“{value}” is not a whole number: use the digits 0–9 only.",
    ),
    "rule_negative": ("Số liệu không được âm ({value}).", "A figure cannot be negative ({value})."),
    "rule_too_large": (
        "{value} lớn bất thường (tối đa {max}).",
        "{value} is implausibly large (at most {max}).",
    ),
    "rule_required": (
        "Cần nhập ô này trước khi gửi (không có thì ghi 0).",
        "Fill this in before submitting (write 0 for none).",
    ),
    "pick_province": ("Chọn tỉnh, thành phố:", "Choose a province:"),
    "sent_count": ("{sent}/{total} xã, phường đã gửi", "{sent} of {total} communes submitted"),
    "col_status": ("Trạng thái", "Status"),
    "col_submitted": ("Ngày gửi", "Submitted"),
    "late": ("muộn", "late"),
    "open_report": ("Mở báo cáo", "Open report"),
    # chart texts (sent to the browser, filled there)
    "section_failed": (
        "Chưa tải được phần này. Vui lòng tải lại trang.",
        "This part could not be loaded. Please reload the page.",
    ),
    "interval95": ("khoảng tin cậy 95 %: {iv}", "95 % interval: {iv}"),
    "ci95": ("KTC 95 %", "95 % CI"),
    "no_targets": ("Không có chỉ tiêu nào áp dụng cho đơn vị này.", "No target covers this unit."),
    "prob_met": ("Khả năng đạt", "Chance of meeting it"),
    "change_needed": (
        "Cần thay đổi {need}/năm (xu hướng hiện tại {seen}/năm)",
        "Needs {need} a year (current trend {seen} a year)",
    ),
    "goal": ("Mục tiêu", "Target"),
    "kpi_prob_target": (
        "Khả năng tỷ số ≤ {value} vào năm {year}",
        "Chance the ratio is ≤ {value} in {year}",
    ),
    "kpi_prob_note": ("theo dự báo có khoảng tin cậy", "from the projection with its uncertainty"),
    "no_target_line": ("Chưa có mục tiêu cho đơn vị này", "No target for this unit"),
    "band_smoothed": ("Khoảng tin cậy 95 % (làm trơn)", "95 % band (smoothed)"),
    "band_projection": ("Khoảng dự báo 95 %", "95 % projection band"),
    "projection": ("Dự báo", "Projection"),
    "observed_interval": ("Khoảng tin cậy từng năm", "Each year's interval"),
    "observed": ("Số liệu từng năm", "Yearly figure"),
    "smoothed": ("Ước tính làm trơn", "Smoothed estimate"),
    "target_line": ("Mục tiêu", "Target"),
    "target_label": ("Mục tiêu ≤ {value} ({year})", "Target ≤ {value} ({year})"),
    "srb_axis": ("trai/100 gái", "boys/100 girls"),
    "srb_short": ("Tỷ số giới tính khi sinh", "Sex ratio at birth"),
    "kpi_srb_detail": ("KTC 95 %: {iv} · {births} trẻ", "95 % CI: {iv} · {births} births"),
    "no_data": ("Chưa có số liệu", "No data yet"),
    "all_births": ("Tất cả các lần sinh", "All births"),
    "lbl_SRB_O1": ("Con thứ nhất", "First births"),
    "lbl_SRB_O2": ("Con thứ hai", "Second births"),
    "lbl_SRB_O3P": ("Con thứ ba trở lên", "Third or later"),
    "lbl_SRB_O3_AFTER_2G": ("Con thứ ba, đã có 2 gái", "Third, after two girls"),
    "births_n": ("{n} trẻ", "{n} births"),
    "in_year": ("Năm {year}", "In {year}"),
    "pooled_years": ("Gộp {period}", "Pooled {period}"),
    "natural_level": ("tự nhiên 106,3", "natural 106.3"),
    "girls_axis": ("trẻ gái", "girls"),
    "flag_none": ("Trong giới hạn", "Within limits"),
    "flag_high": ("Cao bất thường", "Unusually high"),
    "flag_low": ("Thấp bất thường", "Unusually low"),
    "limit95": ("Giới hạn 95 %", "95 % limits"),
    "limit998": ("Giới hạn 99,8 %", "99.8 % limits"),
    "centre": ("Mức chung", "Overall level"),
    "births_axis": ("Số trẻ sinh năm {year}", "Births in {year}"),
    "ranking_note": (
        "Xếp theo z (bằng chứng vượt trội, gộp {period}); SRB và khoảng tin cậy gộp cùng "
        "giai đoạn.",
        "Ranked by z (evidence of excess, pooled {period}); SRB and interval pooled likewise.",
    ),
    "col_unit": ("Đơn vị", "Unit"),
    "col_z": ("z", "z"),
    "col_srb": ("SRB (KTC 95 %)", "SRB (95 % CI)"),
    "col_births": ("Số trẻ", "Births"),
    "col_inspected": ("Kiểm tra gần nhất", "Last inspected"),
    "flag_high_short": ("cao", "high"),
    "priority": ("ưu tiên kiểm tra", "inspect first"),
    "never": ("chưa kiểm tra", "never"),
    "show_all": ("Xem tất cả ({n})", "Show all ({n})"),
    "capacity_group": ("Nhân lực và giường bệnh", "Staff and beds"),
    "coverage_group": ("Độ bao phủ", "Coverage"),
    "kpi_reporting_note": (
        "đã gửi báo cáo tháng {month}; {on_time} % đúng hạn",
        "sent the report for month {month}; {on_time} % on time",
    ),
    "month_short": ("T{m}", "M{m}"),
    "completeness": ("Đầy đủ", "Complete"),
    "timeliness": ("Đúng hạn", "On time"),
    "cell_T": ("đúng hạn", "on time"),
    "cell_L": ("muộn", "late"),
    "cell_D": ("bản nháp", "draft"),
    "cell_missing": ("chưa gửi", "missing"),
    "cell_N": ("chưa đến hạn", "not yet due"),
}

#: Keys the dashboard's script needs (sent with the page, in its language).
CHART_KEYS = (
    "section_failed",
    "interval95",
    "ci95",
    "no_targets",
    "prob_met",
    "change_needed",
    "goal",
    "kpi_prob_target",
    "kpi_prob_note",
    "no_target_line",
    "band_smoothed",
    "band_projection",
    "projection",
    "observed_interval",
    "observed",
    "smoothed",
    "target_line",
    "target_label",
    "srb_axis",
    "srb_short",
    "kpi_srb_detail",
    "no_data",
    "all_births",
    "lbl_SRB_O1",
    "lbl_SRB_O2",
    "lbl_SRB_O3P",
    "lbl_SRB_O3_AFTER_2G",
    "births_n",
    "in_year",
    "pooled_years",
    "natural_level",
    "girls_axis",
    "flag_none",
    "flag_high",
    "flag_low",
    "limit95",
    "limit998",
    "centre",
    "births_axis",
    "ranking_note",
    "col_unit",
    "col_z",
    "col_srb",
    "col_births",
    "col_inspected",
    "flag_high_short",
    "priority",
    "never",
    "show_all",
    "capacity_group",
    "coverage_group",
    "kpi_reporting_note",
    "month_short",
    "completeness",
    "timeliness",
    "cell_T",
    "cell_L",
    "cell_D",
    "cell_missing",
    "cell_N",
)
