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
    # ---- overview (dxnb.overview)
    "kicker": {"vi": "Tổng quan chuyển đổi số cấp xã", "en": "Commune digital transformation overview"},
    "ov_title": {"vi": "{scope} — năm {period}", "en": "{scope} — {period}"},
    "all_provinces": {"vi": "{n} tỉnh, thành phố", "en": "{n} provinces"},
    "ov_meta": {"vi": "{n} đơn vị, {with_data} đơn vị có số liệu năm {period} · Lập ngày {date}",
             "en": "{n} units, {with_data} with data for {period} · Generated {date}"},
    "ov_synthetic_banner": {
        "vi": "Lưu ý: một phần số liệu là số liệu tổng hợp (synthetic) dùng để minh hoạ, không phải số liệu thật.",
        "en": "Note: some figures are synthetic, for illustration, not real data."},
    "key_units": {"vi": "Đơn vị có số liệu", "en": "Units with data"},
    "key_median": {"vi": "Trung vị chỉ số chung", "en": "Median overall index"},
    "key_best": {"vi": "Cao nhất", "en": "Highest"},
    "key_lowest": {"vi": "Thấp nhất", "en": "Lowest"},
    "key_coverage": {"vi": "Trung vị độ phủ số liệu", "en": "Median data coverage"},
    # sections
    "ranking": {"vi": "Xếp hạng các đơn vị", "en": "Ranking of the units"},
    "heatmap": {"vi": "Mức đạt điểm theo chỉ tiêu", "en": "Points earned per indicator"},
    "pillars": {"vi": "Chỉ số theo trụ cột", "en": "Pillar indices"},
    "targets": {"vi": "Chỉ tiêu quốc gia", "en": "National targets"},
    # ranking
    "ranking_lead": {
        "vi": "Năm {period}, {n} đơn vị có số liệu. Chỉ số chung (thang 0–1) có trung vị <b>{median}</b>; "
              "cao nhất là {best} (<b>{best_score}</b>), thấp nhất là {worst} (<b>{worst_score}</b>).",
        "en": "In {period}, {n} units have data. The median overall index (on 0–1) is <b>{median}</b>; "
              "the highest is {best} (<b>{best_score}</b>), the lowest {worst} (<b>{worst_score}</b>)."},
    "ranking_change": {
        "vi": "So với năm {previous}, chỉ số chung tăng ở {up} đơn vị và giảm ở {down} đơn vị; "
              "trung vị đi từ {before} đến {after}.",
        "en": "Since {previous}, the overall index rose in {up} units and fell in {down}; "
              "the median went from {before} to {after}."},
    "coverage_note": {
        "vi": "Chỉ tiêu không có số liệu thì không được tính điểm (như cách tính DTI): đơn vị có độ phủ số liệu thấp "
              "có thể đứng thấp vì thiếu minh chứng, không hẳn vì kết quả kém.",
        "en": "Indicators without data earn no points (as in the DTI): a unit with low data coverage may rank low "
              "for lack of evidence rather than poor results."},
    "coverage_shift": {
        "vi": "Độ phủ số liệu thay đổi từ 10 điểm phần trăm trở lên so với năm {previous}, nên thay đổi chỉ số chung "
              "của các đơn vị sau không hoàn toàn so sánh được: {items}.",
        "en": "Data coverage changed by 10 percentage points or more since {previous}, so the change in the overall "
              "index of these units is not fully comparable: {items}."},
    "coverage_item": {"vi": "{name} ({before} → {now})", "en": "{name} ({before} → {now})"},
    "no_data_units": {"vi": "Không có số liệu năm {period}: {names}.", "en": "No data for {period}: {names}."},
    "and_more": {"vi": "{names} và {n} đơn vị khác", "en": "{names} and {n} more"},
    "scores_chart": {"vi": "Chỉ số chung của các đơn vị năm {period}", "en": "Overall index of the units, {period}"},
    "scores_histogram": {"vi": "Phân bố chỉ số chung của {n} đơn vị năm {period}",
                         "en": "Distribution of the overall index of {n} units, {period}"},
    "median": {"vi": "Trung vị", "en": "Median"},
    "col_code": {"vi": "Mã", "en": "Code"},
    "col_district": {"vi": "Huyện", "en": "District"},
    "col_province": {"vi": "Tỉnh", "en": "Province"},
    "by_level": {"vi": "Chỉ số chung theo {level}", "en": "Overall index by {level}"},
    "unit_in_group": {"vi": "{name} ({group})", "en": "{name} ({group})"},
    "col_group": {"vi": "Huyện / tỉnh", "en": "District / province"},
    "col_group_rank": {"vi": "Hạng trong huyện (tỉnh)", "en": "Rank in district (province)"},
    "col_change_short": {"vi": "Thay đổi so với {previous}", "en": "Change since {previous}"},
    "table_cut": {
        "vi": "Bảng liệt kê {head} đơn vị đầu và {tail} đơn vị cuối trong {n} đơn vị. Chọn một huyện hoặc một tỉnh "
              "(tham số district, province) để xem đầy đủ.",
        "en": "The table lists the first {head} and the last {tail} of {n} units. Choose a district or a province "
              "(parameters district, province) to see them all."},
    # heatmap
    "heatmap_lead": {
        "vi": "Mỗi ô là tỷ lệ điểm đơn vị đạt được trên điểm tối đa của chỉ tiêu (0–100%): màu càng đậm càng tốt; "
              "ô gạch chéo là chưa có số liệu. Các cột xếp theo chỉ số chung, từ cao đến thấp; các hàng theo trụ cột.",
        "en": "Each cell is the share of the indicator's maximum points the unit earned (0–100%): the darker, the "
              "better; hatched cells have no data. Columns follow the overall index, highest first; rows are "
              "grouped by pillar."},
    "heatmap_title": {"vi": "Mức đạt điểm của từng chỉ tiêu (% điểm tối đa)",
                      "en": "Points earned per indicator (% of maximum)"},
    "weakest_indicators": {"vi": "Chỉ tiêu có mức đạt trung vị thấp nhất: {items}.",
                           "en": "Indicators with the lowest median attainment: {items}."},
    "most_missing": {"vi": "Chỉ tiêu thiếu số liệu ở nhiều đơn vị nhất: {items}.",
                     "en": "Indicators most often without data: {items}."},
    "missing_count": {"vi": "{name} ({n} đơn vị)", "en": "{name} ({n} units)"},
    "no_data_zero": {"vi": "Chưa có số liệu (0 điểm)", "en": "No data (0 points)"},
    "percent_scale": {"vi": "% điểm tối đa", "en": "% of maximum points"},
    "index_scale": {"vi": "Chỉ số (thang 0–1)", "en": "Index (0–1)"},
    "edge_note": {
        "vi": "Có {n} đơn vị có số liệu: biểu đồ vẽ {edge} đơn vị cao nhất và {edge} đơn vị thấp nhất theo chỉ số "
              "chung, ngăn cách bằng vạch đậm. Chọn một huyện hoặc một tỉnh để xem từng đơn vị.",
        "en": "{n} units have data: the chart draws the {edge} highest and the {edge} lowest by overall index, "
              "separated by a thick line. Choose a district or a province to see every unit."},
    "group_heatmap_title": {"vi": "Mức đạt điểm trung vị theo {level} (% điểm tối đa)",
                            "en": "Median points earned by {level} (% of maximum)"},
    "level_district": {"vi": "huyện", "en": "district"},
    "level_province": {"vi": "tỉnh", "en": "province"},
    "group_label": {"vi": "{name} ({n})", "en": "{name} ({n})"},
    # pillars
    "pillars_lead": {
        "vi": "Chỉ số của mỗi trụ cột là điểm đạt được trên điểm tối đa của trụ cột (thang 0–1); hàng đầu là chỉ số "
              "chung; ô gạch chéo là trụ cột chưa có số liệu nào, được 0 điểm. Trụ cột có trung vị cao nhất: {best} "
              "({best_value}); thấp nhất: {worst} ({worst_value}).",
        "en": "A pillar's index is the points earned over the pillar's maximum (0–1); the first row is the overall "
              "index; hatched cells are pillars without any data, which earn 0 points. Highest median: {best} "
              "({best_value}); lowest: {worst} ({worst_value})."},
    "pillars_chart": {"vi": "Chỉ số chung và chỉ số trụ cột của các đơn vị (thang 0–1)",
                      "en": "Overall and pillar indices of the units (0–1)"},
    "col_max": {"vi": "Điểm tối đa", "en": "Maximum points"},
    "col_lowest": {"vi": "Thấp nhất", "en": "Lowest"},
    "col_highest": {"vi": "Cao nhất", "en": "Highest"},
    "value_of": {"vi": "{value} ({name})", "en": "{value} ({name})"},
    # trends
    "trends_lead": {
        "vi": "Từ năm {first} đến năm {last}, trung vị chỉ số chung đi từ {start} đến {end}; trong {n} đơn vị có số "
              "liệu cả hai năm, {up} đơn vị tăng và {down} đơn vị giảm.",
        "en": "From {first} to {last}, the median overall index went from {start} to {end}; of the {n} units with "
              "data in both years, {up} rose and {down} fell."},
    "trends_chart": {"vi": "Chỉ số chung của từng đơn vị qua các năm (đường đậm) và trung vị (nét đứt)",
                     "en": "Overall index of each unit over the years (thick line) and the median (dashed)"},
    "ov_this_unit": {"vi": "Đơn vị", "en": "Unit"},
    "other_units": {"vi": "Các đơn vị khác", "en": "Other units"},
    "middle_half": {"vi": "50% đơn vị ở giữa", "en": "Middle 50% of units"},
    "trend_edge_note": {
        "vi": "Có {n} đơn vị có số liệu: biểu đồ vẽ {edge} đơn vị cao nhất và {edge} đơn vị thấp nhất năm {period}.",
        "en": "{n} units have data: the chart draws the {edge} highest and the {edge} lowest in {period}."},
    "col_units_with_data": {"vi": "Đơn vị có số liệu", "en": "Units with data"},
    "col_median_score": {"vi": "Trung vị chỉ số chung", "en": "Median overall index"},
    "col_median_coverage": {"vi": "Trung vị độ phủ số liệu", "en": "Median data coverage"},
    # quality
    "quality_lead": {
        "vi": "Trong {n} đơn vị có số liệu: {check} đơn vị có giá trị cần kiểm tra lại; {missing} đơn vị có chỉ tiêu "
              "chưa có số liệu ({cells} ô trống); {estimates} số liệu là ước tính hoặc giá trị tối thiểu (“hơn …”).",
        "en": "Of {n} units with data: {check} have values to check; {missing} have indicators without data ({cells} "
              "empty cells); {estimates} figures are estimates or lower bounds (“more than …”)."},
    "quality_counts": {"vi": "Số vấn đề theo đơn vị", "en": "Issues per unit"},
    "quality_check": {"vi": "Giá trị cần kiểm tra lại", "en": "Values to check"},
    "quality_cut": {"vi": "Bảng liệt kê {shown} trong {n} dòng, nhiều vấn đề nhất trước.",
                    "en": "The table lists {shown} of {n} rows, most issues first."},
    "col_total": {"vi": "Tổng", "en": "Total"},
    "all_units": {"vi": "Tất cả đơn vị", "en": "All units"},
    # targets
    "targets_lead": {
        "vi": "Số đơn vị đạt, chưa đạt và chưa có số liệu cho từng mục tiêu quốc gia năm {period}, trong {n} đơn vị "
              "có số liệu.",
        "en": "Units meeting, missing or without data for each national target in {period}, of {n} units with "
              "data."},
    "targets_none": {"vi": "Danh mục chỉ tiêu không có mục tiêu quốc gia nào.",
                     "en": "The catalogue sets no national target."},
    "targets_chart": {"vi": "Số đơn vị đạt mục tiêu quốc gia", "en": "Units meeting the national targets"},
    "col_not_met_units": {"vi": "Đơn vị chưa đạt", "en": "Units below the target"},
    # ---- exploration (dxnb.explore)
    "ex_summary": {"vi": "Bộ dữ liệu", "en": "The dataset"},
    "summary_line": {
        "vi": "{units} đơn vị ({provinces} tỉnh, {districts} huyện), {indicators} chỉ tiêu trong {pillars} trụ cột, "
              "{observations} số liệu cho các năm {periods}. Thư mục: {path}.",
        "en": "{units} units ({provinces} provinces, {districts} districts), {indicators} indicators in {pillars} "
              "pillars, {observations} figures for {periods}. Folder: {path}."},
    "synthetic_share": {
        "vi": "{share} số liệu là số liệu tổng hợp (synthetic) để minh hoạ, không phải số liệu thật; cột “Nguồn” "
              "của mỗi số liệu cho biết điều đó.",
        "en": "{share} of the figures are synthetic, for illustration, not real data; each figure's source says so."},
    "warnings": {"vi": "Bộ dữ liệu có {n} cảnh báo (chạy `dxnb check` để xem).",
                 "en": "The dataset has {n} warning(s) (run `dxnb check` to see them)."},
    "col_indicators": {"vi": "Chỉ tiêu", "en": "Indicators"},
    "col_with_target": {"vi": "Có mục tiêu quốc gia", "en": "With a national target"},
    # selection
    "selection": {"vi": "Đang xem", "en": "Now looking at"},
    "selection_line": {
        "vi": "Đơn vị: <b>{unit}</b> (mã {code}, {place}) · Chỉ tiêu: <b>{indicator}</b> · Năm <b>{period}</b> · "
              "So sánh trong: {scope} ({n} đơn vị).",
        "en": "Unit: <b>{unit}</b> (code {code}, {place}) · Indicator: <b>{indicator}</b> · Year <b>{period}</b> · "
              "Compared within: {scope} ({n} units)."},
    "picker_unit": {"vi": "Đơn vị", "en": "Unit"},
    "picker_indicator": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "picker_period": {"vi": "Năm", "en": "Year"},
    "picker_hint": {
        "vi": "Chọn trong danh sách: biểu đồ so sánh bên dưới cập nhật ngay. Sau đó chạy lại các ô phía sau "
              "(menu Run → Run Selected Cell and All Below) để cập nhật các bước tiếp theo.",
        "en": "Pick from the lists: the comparison chart below updates at once. Then run the cells after this one "
              "again (Run → Run Selected Cell and All Below) to update the next steps."},
    # compare
    "compare": {"vi": "So sánh các đơn vị: {indicator}", "en": "Units compared: {indicator}"},
    "compare_line": {
        "vi": "Năm {period}, {indicator} của {unit} là <b>{value}</b>, xếp thứ <b>{rank}/{n}</b> trong {scope} "
              "(trung vị {median}).",
        "en": "In {period}, {unit} has <b>{value}</b> for {indicator}, ranking <b>{rank} of {n}</b> in {scope} "
              "(median {median})."},
    "compare_missing": {"vi": "Năm {period}, {unit} chưa có số liệu về {indicator}; trung vị của {scope} là {median}.",
                        "en": "In {period}, {unit} has no data for {indicator}; the median of {scope} is {median}."},
    "target_line": {
        "vi": "Mục tiêu quốc gia {target} ({source}): {met} đơn vị đạt, {not_met} đơn vị chưa đạt, {no_data} đơn vị "
              "chưa có số liệu.",
        "en": "National target {target} ({source}): {met} units meet it, {not_met} do not, {no_data} have no data."},
    "compare_chart": {"vi": "{indicator} năm {period}", "en": "{indicator}, {period}"},
    "target": {"vi": "Mục tiêu {value}", "en": "Target {value}"},
    "no_data_list": {"vi": "Chưa có số liệu: {names}.", "en": "No data: {names}."},
    "ex_col_status": {"vi": "Mục tiêu quốc gia", "en": "National target"},
    "ex_col_source": {"vi": "Nguồn", "en": "Source"},
    "ex_edge_note": {
        "vi": "Có {n} đơn vị: biểu đồ vẽ {edge} đơn vị cao nhất, {edge} đơn vị thấp nhất và đơn vị đang xem.",
        "en": "{n} units: the chart draws the {edge} highest, the {edge} lowest and the unit in view."},
    "ex_table_cut": {"vi": "Bảng liệt kê {shown} trong {n} đơn vị.", "en": "The table lists {shown} of {n} units."},
    # history
    "history": {"vi": "Qua các năm: {indicator}", "en": "Over the years: {indicator}"},
    "history_line": {
        "vi": "Từ năm {first} đến năm {last}, {indicator} của {unit} đi từ {start} đến {end}; trung vị của {scope} "
              "đi từ {median_start} đến {median_end}.",
        "en": "From {first} to {last}, {indicator} of {unit} went from {start} to {end}; the median of {scope} went "
              "from {median_start} to {median_end}."},
    "history_single": {"vi": "Mới có số liệu năm {period}; chưa theo dõi được qua các năm.",
                       "en": "Only {period} has data; nothing to follow over the years yet."},
    "history_change": {
        "vi": "Từ năm {previous} đến năm {period}: {up} đơn vị tăng, {down} đơn vị giảm, {same} đơn vị không đổi, "
              "{missing} đơn vị thiếu số liệu một trong hai năm.",
        "en": "From {previous} to {period}: {up} units rose, {down} fell, {same} did not change, {missing} lack data "
              "for one of the two years."},
    "history_chart": {"vi": "{indicator} của {unit} qua các năm", "en": "{indicator} of {unit} over the years"},
    "history_units": {"vi": "Các đơn vị của {scope} qua các năm", "en": "The units of {scope} over the years"},
    "ex_col_change": {"vi": "Thay đổi", "en": "Change"},
    "col_change_since": {"vi": "Thay đổi {previous}–{period}", "en": "Change {previous}–{period}"},
    # gaps
    "gaps": {"vi": "Giá trị bất thường và chỗ thiếu số liệu", "en": "Outliers and gaps"},
    "gaps_line": {
        "vi": "Năm {period}, trong {n} đơn vị có số liệu của {scope}: {cells} ô chưa có số liệu ở {indicators} chỉ "
              "tiêu; {check} giá trị cần kiểm tra lại; {estimates} số liệu là ước tính hoặc giá trị tối thiểu.",
        "en": "In {period}, of the {n} units of {scope} with data: {cells} empty cells in {indicators} indicators; "
              "{check} values to check; {estimates} figures are estimates or lower bounds."},
    "gaps_none": {"vi": "Không đơn vị nào của {scope} có số liệu năm {period}.",
                  "en": "No unit of {scope} has data for {period}."},
    "missing_title": {"vi": "Chỉ tiêu thiếu số liệu", "en": "Indicators without data"},
    "col_missing": {"vi": "Số đơn vị thiếu", "en": "Units without data"},
    "col_missing_units": {"vi": "Đơn vị thiếu", "en": "Which units"},
    "check_title": {"vi": "Giá trị cần kiểm tra lại", "en": "Values to check"},
    "check_none": {"vi": "Không có giá trị nào bị đánh dấu là bất hợp lý.",
                   "en": "No value is flagged as implausible."},
    "outliers_title": {"vi": "Giá trị bất thường của chỉ tiêu {indicator}", "en": "Outliers of {indicator}"},
    "outliers_line": {
        "vi": "Giá trị được coi là bất thường khi nằm ngoài khoảng từ {low} đến {high} (tứ phân vị thứ nhất và thứ "
              "ba, nới rộng 1,5 lần khoảng tứ phân vị).",
        "en": "A value counts as an outlier outside {low} to {high} (the first and third quartiles, widened by 1.5 "
              "times the interquartile range)."},
    "outliers_none": {"vi": "Không có giá trị bất thường.", "en": "No outlier."},
    "outliers_few": {"vi": "Cần ít nhất {n} giá trị để tìm giá trị bất thường.",
                     "en": "At least {n} values are needed to look for outliers."},
    "high": {"vi": "Cao bất thường", "en": "Unusually high"},
    "low": {"vi": "Thấp bất thường", "en": "Unusually low"},
    # export
    "export": {"vi": "Xuất bảng ra Excel và CSV", "en": "Export to Excel and CSV"},
    "export_line": {"vi": "Đã ghi {n} đơn vị ({filter}) vào hai tệp:",
                    "en": "Wrote {n} units ({filter}) to two files:"},
    "export_note": {
        "vi": "Mã đơn vị được ghi dạng văn bản (giữ số 0 ở đầu); số liệu ghi dạng số, dấu thập phân là dấu chấm "
              "trong tệp CSV. Trang “Ghi chú” của tệp Excel ghi nguồn, bộ lọc và định nghĩa các chỉ tiêu.",
        "en": "Unit codes are written as text (leading zeros kept); figures as numbers, with a decimal point in the "
              "CSV file. The Excel file's “Notes” sheet records the source, the filter and the indicators."},
    "export_fallback": {
        "vi": "Chỉ tiêu {indicator} không có mục tiêu quốc gia, nên bộ lọc dùng trung vị thay cho mục tiêu.",
        "en": "{indicator} has no national target, so the filter uses the median instead."},
    "filter_all": {"vi": "tất cả đơn vị", "en": "all units"},
    "filter_below_target": {"vi": "chưa đạt mục tiêu {indicator}", "en": "below the target for {indicator}"},
    "filter_below_median": {"vi": "dưới trung vị {indicator}", "en": "below the median of {indicator}"},
    "filter_no_data": {"vi": "chưa có số liệu {indicator}", "en": "without data for {indicator}"},
    # export headers
    "h_code": {"vi": "Mã đơn vị", "en": "Unit code"},
    "h_name": {"vi": "Đơn vị", "en": "Unit"},
    "h_kind": {"vi": "Loại đơn vị", "en": "Kind"},
    "h_district": {"vi": "Huyện", "en": "District"},
    "h_province": {"vi": "Tỉnh", "en": "Province"},
    "h_period": {"vi": "Năm", "en": "Year"},
    "h_status": {"vi": "Mục tiêu quốc gia", "en": "National target"},
    "h_qualifier": {"vi": "Ghi chú số liệu", "en": "Qualifier"},
    "h_source": {"vi": "Nguồn (tài liệu kiểm chứng)", "en": "Source (evidence)"},
    "h_score": {"vi": "Chỉ số chung (0–1)", "en": "Overall index (0–1)"},
    "h_rank": {"vi": "Hạng trong huyện (tỉnh)", "en": "Rank in district (province)"},
    "sheet_data": {"vi": "Số liệu", "en": "Data"},
    "sheet_notes": {"vi": "Ghi chú", "en": "Notes"},
    "about_dataset": {"vi": "Bộ dữ liệu", "en": "Dataset"},
    "about_fingerprint": {"vi": "Mã SHA-256 của bộ dữ liệu", "en": "Dataset SHA-256"},
    "about_scope": {"vi": "Phạm vi", "en": "Scope"},
    "about_filter": {"vi": "Bộ lọc", "en": "Filter"},
    "about_generated": {"vi": "Tạo bởi", "en": "Generated by"},
    "about_ypn": {"vi": "Chỉ tiêu có/một phần/không ghi 1 / 0,5 / 0.",
                  "en": "Yes/partly/no indicators are 1 / 0.5 / 0."},
    "about_indicators": {"vi": "Các chỉ tiêu", "en": "Indicators"},
    "col_id": {"vi": "Mã chỉ tiêu", "en": "Indicator id"},
    "col_unit_label": {"vi": "Đơn vị tính", "en": "Unit"},
    "col_document": {"vi": "Văn bản", "en": "Document"},
    "col_description": {"vi": "Mô tả", "en": "Description"},
    # --- added by registry ---
    "registry_source_current": {
        "vi": "Mã và tên: Cục Thống kê, Công văn 1027/CTK-CSCL (danh mục đơn vị hành chính cấp xã từ 1/7/2025). "
              "Dân số, hộ, số ấp/khu phố: chưa có, cần bổ sung.",
        "en": "Codes and names: Statistics Office, letter 1027/CTK-CSCL (commune-level units from 1/7/2025). "
              "Population, households, hamlets: not yet known, to be filled in.",
    },
    "registry_source_former": {
        "vi": "Mã và tên: danh mục đơn vị hành chính trước 1/7/2025 (Tổng cục Thống kê, qua dvhcvn). "
              "Dân số, hộ, số ấp/khu phố: chưa có, cần bổ sung.",
        "en": "Codes and names: list of administrative units before 1/7/2025 (Statistics Office, via dvhcvn). "
              "Population, households, hamlets: not yet known, to be filled in.",
    },
    # --- added by maps ---
    "map_no_coordinates": {"vi": "Không có tọa độ, không vẽ trên bản đồ: {names}.",
                           "en": "No coordinates, not on the map: {names}."},
    "map_inset": {"vi": "Ở xa, vẽ riêng", "en": "Far off, drawn apart"},
    "map_zoom": {"vi": "Phóng to khung nét đứt ở bản đồ trên", "en": "The dashed box of the map above, enlarged"},
    "map_labels_omitted": {"vi": "Bỏ bớt nhãn chồng nhau: {shown}/{total} đơn vị có nhãn.",
                           "en": "Overlapping labels left out: {shown} of {total} units labelled."},
    "map_source": {"vi": "Tọa độ: vietnamadminunits (MIT); chấm là vị trí đại diện của đơn vị, không phải ranh giới.",
                   "en": "Coordinates: vietnamadminunits (MIT); a dot marks a unit's location, not its boundary."},
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
