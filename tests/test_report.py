"""The driver report: HTML + Excel from a small, realistic store.

The store is filled directly (responses, segments, clauses, a run and quarantined rows) with a
seeded RNG so that delivery complaints really lower the 0-10 score and staff praise raises it.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from datetime import datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest

from vocpipe import store
from vocpipe.config import Settings
from vocpipe.ingest import content_hash
from vocpipe.report import build_report_data, charts, quarantine_reason_pattern, write_reports
from vocpipe.report.excel import SHEETS

# indicator -> (clause texts, topics, sentiment, request, mention rate, effect on the 0-10 score)
SAMPLE_CLAUSES = {
    "delivery_negative": (["配送が遅い", "注文から届くまで一週間もかかった", "梱包が雑で箱が潰れていた"], ["delivery"], "negative", False, 0.30, -3.0),
    "staff_positive": (["店員さんの対応が丁寧でした", "スタッフの笑顔が素敵でした"], ["staff"], "positive", False, 0.30, 1.5),
    "price_negative": (["月額料金が高い", "他社より価格が割高です"], ["price"], "negative", False, 0.20, -1.0),
    "usability_negative": (["アプリが使いにくい", "画面がわかりにくい"], ["usability"], "negative", False, 0.15, -0.5),
    "rewards_positive": (["ポイントが貯まりやすくて嬉しい"], ["rewards"], "positive", False, 0.12, 0.5),
    "support_negative": (["問い合わせの返信が遅い"], ["support"], "negative", False, 0.04, -1.0),
    "delivery_positive": (["配送が早くて助かりました"], ["delivery"], "positive", False, 0.08, 1.0),
    "staff_negative": (["店員の態度が悪い"], ["staff"], "negative", False, 0.06, -1.5),
    "price_positive": (["価格が手頃で続けやすい"], ["price"], "positive", False, 0.08, 0.5),
    "usability_positive": (["アプリが使いやすい"], ["usability"], "positive", False, 0.10, 0.5),
    "delivery_request": (["置き配を選べるようにしてほしい", "配達時間を細かく指定できるようにしてほしい"], ["delivery"], "neutral", True, 0.10, 0.0),
    "untopiced": (["新しいサブスク機能の更新日が分かりづらい", "サブスク機能の更新通知が欲しい", "サブスクの更新日を忘れてしまう"], [], "negative", False, 0.10, -0.5),
}
CHANNELS = (["アプリ", "Web", "店舗", "電話"], [0.45, 0.37, 0.13, 0.05])
XSS_COMMENT = "<script>alert(1)</script>配送が遅い"
FORMULA_COMMENT = "=料金が高い="
FIRST_MONDAY = pd.Timestamp("2026-09-07", tz="Asia/Tokyo")


def _comment_rows(response_id: str, clauses: list[tuple[str, list[str], str, bool]], rng) -> tuple[str, list[dict]]:
    """The comment text (clauses joined by 。) and its clause rows with character offsets."""
    rows, comment = [], ""
    for index, (text, topics, sentiment, request) in enumerate(clauses):
        start = len(comment)
        comment += text + "。"
        rows.append({"response_id": response_id, "clause_index": index, "start_char": start, "end_char": start + len(text),
                     "text": text, "sentiment": sentiment, "sentiment_score": {"negative": -0.8, "positive": 0.8}.get(sentiment, 0.0),
                     "confidence": float(rng.uniform(0.6, 0.95)), "request": request, "topics": topics,
                     "topic_sources": ["model"] * len(topics)})
    return comment, rows


def sample_frames(n: int = 360, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Responses (shaped like ingest output) and clauses (store.CLAUSE_COLUMNS) over 8 weeks."""
    rng = np.random.default_rng(seed)
    responses, clauses = [], []
    for i in range(n):
        response_id = f"R{i:04d}"
        latent, picked = 7.6 + rng.normal(0, 1.2), []
        for texts, topics, sentiment, request, rate, effect in SAMPLE_CLAUSES.values():
            if rng.random() < rate:
                picked.append((str(rng.choice(texts)), topics, sentiment, request))
                latent += effect
        score = int(np.clip(np.rint(latent), 0, 10))
        if i == 0:  # a detractor whose comment carries markup: it must show as text
            picked, score = [(XSS_COMMENT, ["delivery"], "negative", False)], 1
        if i == 1:  # a comment that Excel would take for a formula
            picked, score = [(FORMULA_COMMENT, ["price"], "negative", False)], 0
        comment, rows = _comment_rows(response_id, picked or [("特にありません", [], "neutral", False)], rng)
        if i < 2:
            rows[0]["confidence"] = 0.99
        submitted = FIRST_MONDAY + pd.Timedelta(days=float(rng.uniform(0, 56)))
        segments = json.dumps({"チャネル": str(rng.choice(CHANNELS[0], p=CHANNELS[1]))}, ensure_ascii=False, sort_keys=True)
        responses.append({"response_id": response_id, "submitted_at": submitted, "nps": score, "comment": comment,
                          "comment_chars": len(comment), "segments": segments,
                          "content_hash": content_hash(comment, score, submitted, segments),
                          "source_file": "survey_2026q3.csv", "source_row": i + 2})
        clauses.extend(rows)
    return pd.DataFrame(responses), pd.DataFrame(clauses, columns=store.CLAUSE_COLUMNS)


def build_sample_store(db_path, n: int = 360) -> None:
    """A store with ``n`` analysed responses, one finished run and three quarantined rows."""
    responses, clauses = sample_frames(n)
    quarantine = pd.DataFrame([
        ("survey_2026q3.csv", 40, "推奨度", "11", "推奨度 (NPS) '11' が 0〜10 の範囲外です"),
        ("survey_2026q3.csv", 41, "推奨度", "12", "推奨度 (NPS) '12' が 0〜10 の範囲外です"),
        ("survey_2026q3.csv", 42, "回答日時", "あした", "回答日時 'あした' を日付として解釈できません"),
    ], columns=["source_file", "source_row", "column_name", "value", "reason"])
    with store.connect(db_path) as con:
        store.start_run(con, "run-0001", "nightly", "survey_2026q3.csv")
        store.upsert_responses(con, responses, "run-0001")
        store.record_quarantine(con, quarantine, "run-0001")
        store.replace_clauses(con, clauses, responses[["response_id", "content_hash"]])
        store.finish_run(con, "run-0001", "completed", rows_read=n + 3, rows_stored=n, rows_quarantined=3,
                         responses_processed=n, clauses_written=len(clauses))


def sample_settings(root) -> Settings:
    return Settings(db_path=root / "voc.duckdb", report_dir=root / "reports", bootstrap_resamples=50)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The sample store's report, written once for every test in this module."""
    root = tmp_path_factory.mktemp("report")
    settings = sample_settings(root)
    build_sample_store(settings.db_path)
    paths = write_reports(settings, settings.report_dir / "2026-11")
    return {"settings": settings, "paths": paths, "html": paths["html"].read_text(encoding="utf-8"),
            "workbook": openpyxl.load_workbook(paths["xlsx"])}


# --------------------------------------------------------------------------- HTML
def test_write_reports_creates_both_files_in_a_new_directory(report):
    paths = report["paths"]
    assert set(paths) == {"html", "xlsx"}
    assert paths["html"].name == "report.html" and paths["html"].exists()
    assert paths["xlsx"].name == "report.xlsx" and paths["xlsx"].exists()


def test_html_is_japanese_and_has_every_section(report):
    html = report["html"]
    assert '<html lang="ja">' in html
    for title in ("サマリー", "主要ドライバー", "NPS改善インパクト", "優先度マトリクス", "不満の多いテーマ", "評価の高いテーマ",
                  "要望", "新たなテーマ", "推移", "セグメント別 NPS", "データ品質", "モデル", "分析方法"):
        assert f"<h2>{title}</h2>" in html


def test_html_draws_every_chart_as_inline_svg_without_external_resources(report):
    html = report["html"]
    for chart in ("mix", "importance", "waterfall", "priority", "nps_trend", "theme_trend"):
        assert f'data-chart="{chart}"' in html
    assert "<script" not in html
    assert "https://" not in html and 'src="' not in html


def test_comment_markup_is_shown_as_text(report):
    html = report["html"]
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;配送が遅い" in html


def test_delivery_complaint_leads_the_drivers_table(report):
    rows = list(report["workbook"]["ドライバー"].iter_rows(min_row=1, max_row=2, values_only=True))
    top = dict(zip(rows[0], rows[1]))
    assert top["順位"] == 1
    assert top["テーマ"] == "配送・納期・梱包 不満"
    assert top["効果 95%CI 上限"] < 0
    assert top["NPSインパクト"] > 0


def test_rarely_mentioned_theme_is_listed_as_insufficient_data(report):
    html = report["html"]
    insufficient = html.split("<h3>データ不足</h3>", 1)[1].split("</section>", 1)[0]
    assert "問い合わせ・サポート対応 不満" in insufficient


def test_small_segment_is_flagged_not_hidden(report):
    segments = report["html"].split('<section id="segments">', 1)[1].split("</section>", 1)[0]
    phone_row = segments.split("<td>電話</td>", 1)[1].split("</tr>", 1)[0]
    assert "参考値 (n&lt;30)" in phone_row


def test_quarantine_reasons_are_grouped_without_the_rejected_values(report):
    quality = report["html"].split('<section id="quality">', 1)[1].split("</section>", 1)[0]
    assert "<td>推奨度 (NPS) &#39;…&#39; が 0〜10 の範囲外です</td><td class=\"n\">2</td>" in quality


def test_quarantine_reason_pattern_removes_values_and_row_numbers():
    assert quarantine_reason_pattern("回答ID 'A-17' が 12 行目と重複しています (後の行を採用)") == \
        "回答ID '…' が … 行目と重複しています (後の行を採用)"
    assert quarantine_reason_pattern("列の数が合いません (ヘッダー 5 列、この行 3 列)") == "列の数が合いません (…)"


def test_html_size_does_not_grow_with_the_number_of_responses(report, tmp_path):
    settings = sample_settings(tmp_path)
    build_sample_store(settings.db_path, n=1440)
    html = write_reports(settings, tmp_path / "out", xlsx=False)["html"]
    assert len(html.read_text(encoding="utf-8")) < 1.2 * len(report["html"])


def test_missing_discovery_module_is_noted_instead_of_failing(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "vocpipe.classify.discover", None)  # makes the import fail
    settings = sample_settings(tmp_path)
    build_sample_store(settings.db_path)
    with store.connect(settings.db_path) as con:
        data = build_report_data(con, settings)
    assert data.emerging.empty
    assert "利用できません" in data.emerging_note


def test_empty_store_renders_both_files(tmp_path):
    settings = sample_settings(tmp_path)
    paths = write_reports(settings, tmp_path / "out")
    html = paths["html"].read_text(encoding="utf-8")
    assert "データ不足" in html
    assert openpyxl.load_workbook(paths["xlsx"]).sheetnames == list(SHEETS)


# --------------------------------------------------------------------------- Excel
def test_workbook_has_one_sheet_per_table_with_japanese_headers(report):
    workbook = report["workbook"]
    assert workbook.sheetnames == list(SHEETS)
    headers = {name: [c.value for c in next(workbook[name].iter_rows(max_row=1))] for name in SHEETS}
    assert headers["サマリー"] == ["項目", "値"]
    assert headers["ドライバー"][:5] == ["順位", "テーマ", "区分", "状態", "言及数"]
    assert headers["不満テーマ"][:4] == ["順位", "テーマ", "言及数", "言及率"]
    assert headers["セグメント"] == ["セグメント", "値", "回答数", "NPS", "NPS 95%CI 下限", "NPS 95%CI 上限", "参考値"]


def test_workbook_flattens_quotes_into_readable_lines(report):
    sheet = report["workbook"]["不満テーマ"]
    header = [c.value for c in sheet[1]]
    delivery = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if row[1] == "配送・納期・梱包")
    quotes = delivery[header.index("代表的な声")].split("\n")
    assert len(quotes) == 3
    assert quotes[0] == f"[回答ID R0000 / 推奨度 1] {XSS_COMMENT}"


def test_workbook_keeps_a_comment_starting_with_equals_as_text(report):
    sheet = report["workbook"]["不満テーマ"]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str) and FORMULA_COMMENT in c.value]
    assert cells and all(c.data_type == "s" for c in cells)
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_workbook_writes_run_times_in_local_time_without_timezone(report):
    sheet = report["workbook"]["データ品質"]
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(rows) if row[0] == "実行ID")
    run = dict(zip(rows[header_at], rows[header_at + 1]))
    assert isinstance(run["開始"], datetime) and run["開始"].tzinfo is None
    assert abs(pd.Timestamp(run["開始"]) - pd.Timestamp.now(tz="Asia/Tokyo").tz_localize(None)) < pd.Timedelta(minutes=10)
    assert (run["読込行"], run["保存行"], run["隔離行"]) == (363, 360, 3)


# --------------------------------------------------------------------------- charts
def test_chart_text_is_xml_escaped():
    drivers = pd.DataFrame({"label": ["<b>送料 & 手数料</b> 不満"], "polarity": ["negative"], "importance": [0.4],
                            "ci_low": [0.3], "ci_high": [0.5]})
    svg = charts.importance_chart(drivers)
    assert "&lt;b&gt;送料 &amp; 手数料&lt;/b&gt; 不満" in svg
    assert ET.fromstring(svg).tag.endswith("svg")


def test_charts_without_finite_values_say_not_enough_data():
    nan = float("nan")
    empty_drivers = pd.DataFrame({"label": ["配送・納期・梱包 不満"], "polarity": ["negative"], "importance": [nan], "ci_low": [nan],
                                  "ci_high": [nan], "nps_impact": [nan], "nps_impact_ci_low": [nan], "nps_impact_ci_high": [nan]})
    svgs = [
        charts.importance_chart(empty_drivers),
        charts.impact_waterfall(nan, empty_drivers),
        charts.priority_chart(pd.DataFrame(columns=["label", "performance", "importance", "mentions", "quadrant"])),
        charts.nps_trend_chart(pd.DataFrame()),
        charts.theme_trend_chart(pd.DataFrame(), {"share_delivery_negative": "配送・納期・梱包 不満"}),
        charts.nps_mix_bar({"n": 0}),
    ]
    for svg in svgs:
        assert "データ不足" in svg
        ET.fromstring(svg)
