"""Report wording in Vietnamese (first) and English. Indicator labels come from the catalogue."""

from __future__ import annotations

from .errors import ParameterError
from .fmt import LANGS

TEXT: dict[str, dict[str, str]] = {
    "report_kind": {"vi": "Báo cáo đánh giá chuyển đổi số", "en": "Digital transformation evaluation report"},
    "title": {"vi": "{kind_name} — năm {period}", "en": "{kind_name} — {period}"},
    "meta": {"vi": "{place} · Mã đơn vị {code} · Lập ngày {date}",
             "en": "{place} · Unit code {code} · Generated {date}"},
    "district": {"vi": "huyện {name}", "en": "{name} district"},
    "province": {"vi": "tỉnh {name}", "en": "{name} province"},
    "synthetic_banner": {
        "vi": "Lưu ý: một phần số liệu của đơn vị này là số liệu tổng hợp (synthetic) dùng để minh hoạ, "
              "không phải số liệu thật.",
        "en": "Note: some of this unit's figures are synthetic, for illustration, not real data."},
    # sections
    "summary": {"vi": "Tóm tắt", "en": "Summary"},
    "institutions": {"vi": "Thể chế số: kế hoạch, quyết định và chỉ đạo", "en": "Plans and direction"},
    "awareness": {"vi": "Tuyên truyền, nâng cao nhận thức", "en": "Outreach and awareness"},
    "human_resources": {"vi": "Nhân lực số: tập huấn và Tổ công nghệ số cộng đồng",
                        "en": "Human resources: training and Community Digital Technology Teams"},
    "digital_government": {"vi": "Chính quyền số và an toàn thông tin",
                           "en": "Digital government and cybersecurity"},
    "economy_society": {"vi": "Hạ tầng, kinh tế số và xã hội số", "en": "Infrastructure, digital economy and society"},
    "trends": {"vi": "Xu hướng qua các năm", "en": "Trends over the years"},
    "peers": {"vi": "So sánh với các đơn vị cùng {group}", "en": "Among the units of {group}"},
    "quality": {"vi": "Chất lượng số liệu", "en": "Data quality"},
    "recommendations": {"vi": "Khó khăn, giải pháp và kiến nghị", "en": "Challenges, next steps and recommendations"},
    "provenance": {"vi": "Nguồn gốc báo cáo", "en": "Provenance"},
    # summary narrative
    "summary_score": {
        "vi": "Năm {period}, {unit} đạt <b>{earned}</b> trên {max} điểm, chỉ số chuyển đổi số chung "
              "<b>{score}</b> (thang 0–1){rank_text}.",
        "en": "In {period}, {unit} earned <b>{earned}</b> of {max} points, an overall digital transformation "
              "index of <b>{score}</b> (on 0–1){rank_text}."},
    "rank_text": {"vi": ", xếp thứ <b>{rank}/{n}</b> đơn vị của {group} (trung vị {median})",
                  "en": ", ranking <b>{rank} of {n}</b> units of {group} (median {median})"},
    "summary_change": {"vi": "So với năm {previous}, chỉ số chung {direction} {change}.",
                       "en": "Since {previous}, the overall index {direction} {change}."},
    "up": {"vi": "tăng", "en": "rose by"},
    "down": {"vi": "giảm", "en": "fell by"},
    "flat": {"vi": "không đổi", "en": "was unchanged"},
    "summary_coverage": {
        "vi": "Số liệu có minh chứng cho <b>{coverage}</b> tổng số điểm tối đa; trên phần có số liệu, đơn vị đạt "
              "<b>{on_covered}</b> số điểm. Chỉ tiêu không có số liệu thì không được tính điểm (như cách tính DTI), "
              "nên điểm thấp do thiếu số liệu không có nghĩa là kết quả kém.",
        "en": "Evidence backs <b>{coverage}</b> of the maximum points; on the indicators with data the unit earned "
              "<b>{on_covered}</b> of the points. Indicators without data earn no points (as in the DTI), so a low "
              "score caused by missing data does not mean poor performance."},
    "coverage_change": {
        "vi": "Lưu ý: độ phủ số liệu thay đổi từ {before} (năm {previous}) sang {now}, nên hai năm không hoàn toàn "
              "so sánh được.",
        "en": "Note: data coverage changed from {before} ({previous}) to {now}, so the two years are not fully "
              "comparable."},
    "summary_targets": {"vi": "Chỉ tiêu quốc gia: đạt {met}, chưa đạt {not_met}, chưa có số liệu {no_data}.",
                        "en": "National targets: {met} met, {not_met} not met, {no_data} without data."},
    "strongest": {"vi": "Điểm mạnh nhất", "en": "Strongest"},
    "weakest": {"vi": "Cần cải thiện nhất", "en": "Weakest"},
    "pillar_chart_title": {"vi": "Chỉ số theo trụ cột (thang 0–1)", "en": "Index by pillar (0–1)"},
    "median_label": {"vi": "Trung vị {group}", "en": "Median of {group}"},
    "targets_table": {"vi": "Chỉ tiêu quốc gia", "en": "National targets"},
    # columns
    "col_pillar": {"vi": "Trụ cột", "en": "Pillar"},
    "col_points": {"vi": "Điểm", "en": "Points"},
    "col_index": {"vi": "Chỉ số", "en": "Index"},
    "col_coverage": {"vi": "Có số liệu", "en": "Data coverage"},
    "col_median": {"vi": "Trung vị", "en": "Median"},
    "col_change": {"vi": "Thay đổi so với {previous}", "en": "Change since {previous}"},
    "col_indicator": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "col_value": {"vi": "Giá trị", "en": "Value"},
    "col_target": {"vi": "Mục tiêu", "en": "Target"},
    "col_source": {"vi": "Văn bản", "en": "Document"},
    "col_status": {"vi": "Kết quả", "en": "Status"},
    "col_rank": {"vi": "Hạng", "en": "Rank"},
    "col_unit": {"vi": "Đơn vị", "en": "Unit"},
    "col_score": {"vi": "Chỉ số chung", "en": "Overall index"},
    "col_targets_met": {"vi": "Đạt chỉ tiêu", "en": "Targets met"},
    "col_period": {"vi": "Năm", "en": "Year"},
    "col_issue": {"vi": "Vấn đề", "en": "Issue"},
    "col_detail": {"vi": "Chi tiết", "en": "Detail"},
    "col_parameter": {"vi": "Tham số", "en": "Parameter"},
    "col_file": {"vi": "Tệp", "en": "File"},
    "target_text": {"vi": "≥ {value} đến năm {year}", "en": "≥ {value} by {year}"},
    "met": {"vi": "Đạt", "en": "Met"},
    "not_met": {"vi": "Chưa đạt", "en": "Not met"},
    "no_data": {"vi": "Chưa có số liệu", "en": "No data"},
    "lower_bound": {"vi": "ít nhất {value}", "en": "at least {value}"},
    "estimate": {"vi": "ước tính", "en": "estimate"},
    # pillar sections
    "pillar_line": {
        "vi": "{pillar}: <b>{earned}/{max}</b> điểm, chỉ số {index} (trung vị {group}: {median}); "
              "số liệu có cho {coverage} điểm tối đa.",
        "en": "{pillar}: <b>{earned}/{max}</b> points, index {index} (median of {group}: {median}); "
              "data backs {coverage} of the maximum."},
    "values_line": {"vi": "Kết quả năm {period}: {items}.", "en": "Results in {period}: {items}."},
    "missing_line": {"vi": "Chưa có số liệu: {items}.", "en": "No data: {items}."},
    "attainment_title": {"vi": "Mức đạt điểm từng chỉ tiêu (% điểm tối đa)",
                         "en": "Points earned per indicator (% of maximum)"},
    "this_unit": {"vi": "{unit}", "en": "{unit}"},
    # trends
    "trend_line": {"vi": "Từ năm {first} đến năm {last}, chỉ số chung của {unit} đi từ {start} đến {end}.",
                   "en": "From {first} to {last}, the overall index of {unit} went from {start} to {end}."},
    "trend_single": {"vi": "Mới có số liệu năm {period}; chưa so sánh được xu hướng.",
                     "en": "Only {period} has data; no trend can be drawn yet."},
    "trend_chart_title": {"vi": "Chỉ số chung và chỉ số trụ cột qua các năm",
                          "en": "Overall and pillar indices over the years"},
    "overall": {"vi": "Chỉ số chung", "en": "Overall index"},
    # peers
    "peers_line": {
        "vi": "{unit} xếp thứ {rank}/{n} trong {group} năm {period}; chỉ số chung {score} so với trung vị {median}.",
        "en": "{unit} ranks {rank} of {n} in {group} in {period}; overall index {score} against a median of {median}."},
    "peers_chart_title": {"vi": "Chỉ số chung của các đơn vị", "en": "Overall index of the units"},
    # quality
    "quality_line": {
        "vi": "{missing} chỉ tiêu chưa có số liệu; {estimates} số liệu là ước tính hoặc giá trị tối thiểu; "
              "{implausible} giá trị cần kiểm tra lại.",
        "en": "{missing} indicators have no data; {estimates} figures are estimates or lower bounds; "
              "{implausible} values need checking."},
    "quality_ok": {"vi": "Không phát hiện vấn đề về chất lượng số liệu.", "en": "No data-quality issue found."},
    "estimated_fields": {"vi": "Các số liệu nền sau của đơn vị là ước tính: {fields}.",
                         "en": "These base figures of the unit are estimates: {fields}."},
    "field_population": {"vi": "dân số", "en": "population"},
    "field_adult_population": {"vi": "dân số trưởng thành", "en": "adult population"},
    "field_households": {"vi": "số hộ", "en": "households"},
    "field_hamlets": {"vi": "số ấp", "en": "hamlets"},
    "flag_no_data": {"vi": "Chưa có số liệu", "en": "No data"},
    "flag_estimate": {"vi": "Số liệu ước tính", "en": "Estimate"},
    "flag_lower_bound": {"vi": "Giá trị tối thiểu (“hơn …”)", "en": "Lower bound (“more than …”)"},
    "flag_share_above_100": {"vi": "Tỷ lệ tính ra vượt 100%", "en": "Derived share above 100%"},
    "flag_rate_drop": {"vi": "Tỷ lệ giảm mạnh so với kỳ trước", "en": "Rate fell sharply since the previous period"},
    "flag_count_outlier": {"vi": "Cao bất thường so với trung vị", "en": "Far above the peers' median"},
    "detail_value": {"vi": "giá trị {value}", "en": "value {value}"},
    "detail_median": {"vi": "trung vị {group} {median}", "en": "median of {group} {median}"},
    "detail_change": {"vi": "thay đổi {change} so với {previous}", "en": "change {change} since {previous}"},
    "detail_denominator": {"vi": "thiếu {field} của đơn vị trong units.csv",
                           "en": "the unit's {field} is missing in units.csv"},
    "field_count": {"vi": "chỉ tiêu {name}", "en": "indicator {name}"},
    "flag_denominator_unknown": {"vi": "Thiếu mẫu số (dân số, số hộ hoặc số ấp)",
                                 "en": "Denominator unknown (population, households or hamlets)"},
    # recommendations
    "strengths": {"vi": "Điểm mạnh", "en": "Strengths"},
    "challenges": {"vi": "Khó khăn, hạn chế", "en": "Challenges"},
    "next_steps": {"vi": "Giải pháp, nhiệm vụ thời gian tới", "en": "Next steps"},
    "advice": {"vi": "Kiến nghị của Tổ tư vấn", "en": "Recommendations"},
    "no_notes": {"vi": "Chưa có ghi nhận.", "en": "None recorded."},
    "rec_target": {
        "vi": "Nâng {name} từ {value} lên tối thiểu {target} (mục tiêu năm {year}, {source}).",
        "en": "Raise {name} from {value} to at least {target} (target for {year}, {source})."},
    "rec_points": {"vi": "Cải thiện {name}: hiện đạt {points}/{max} điểm ({value}).",
                   "en": "Improve {name}: {points} of {max} points at present ({value})."},
    "rec_none": {"vi": "Các chỉ tiêu có số liệu đều đạt mục tiêu quốc gia.",
                 "en": "Every indicator with data meets its national target."},
    "rec_missing": {"vi": "Bổ sung minh chứng cho {n} chỉ tiêu chưa có số liệu để được tính điểm.",
                    "en": "Collect evidence for the {n} indicators without data so that they earn points."},
    # provenance
    "generated_by": {"vi": "Tạo bởi dxnb {version} lúc {time}.", "en": "Generated by dxnb {version} at {time}."},
    "prov_note": {"vi": "Mỗi tệp dữ liệu kèm mã SHA-256 để kiểm chứng báo cáo được lập từ đúng bộ dữ liệu.",
                  "en": "Each data file is listed with its SHA-256 so the report can be traced to its exact inputs."},
}  # fmt: skip

KIND_NAMES = {
    "vi": {"xã": "xã {name}", "phường": "phường {name}", "thị trấn": "thị trấn {name}", "đặc khu": "đặc khu {name}"},
    "en": {"xã": "{name} commune", "phường": "{name} ward", "thị trấn": "{name} township",
           "đặc khu": "{name} special zone"},
}  # fmt: skip


def check_lang(lang: object) -> str:
    """Return ``lang`` if it is a report language, else raise :class:`ParameterError`."""
    if lang not in LANGS:
        raise ParameterError(f"lang must be one of {', '.join(LANGS)} (got {lang!r}); use lang='vi' or lang='en'.")
    return str(lang)


def t(key: str, lang: str, **values: object) -> str:
    """Return the text ``key`` in ``lang``, with ``values`` filled in."""
    text = TEXT[key][lang]
    return text.format(**values) if values else text


def unit_name(name: str, kind: str, lang: str, *, capital: bool = False) -> str:
    """Return "xã Vĩnh Hòa" / "Vĩnh Hòa commune" for a unit."""
    pattern = KIND_NAMES[lang].get(kind, "{name}")
    text = pattern.format(name=name)
    return text[:1].upper() + text[1:] if capital else text
