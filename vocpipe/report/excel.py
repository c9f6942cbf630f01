"""Excel export of the report: the tables of :class:`vocpipe.report.ReportData`, one sheet each.

Why a workbook next to the HTML: CX teams filter, sort and paste these tables into their own
decks.  Headers are Japanese, quotes are flattened into readable lines, timestamps are written in
the report's timezone without tz (Excel cannot store one), proportions carry a % number format,
and no cell is ever written as a formula (a comment starting with "=" stays text).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from vocpipe.drivers import SMALL_N

if TYPE_CHECKING:
    from vocpipe.report import ReportData

SHEETS = ("サマリー", "ドライバー", "NPSインパクト", "優先度マトリクス", "不満テーマ", "評価テーマ", "要望",
          "新たなテーマ", "推移", "セグメント", "データ品質")
PERCENT_HEADERS = {"重要度", "重要度 95%CI 下限", "重要度 95%CI 上限", "パフォーマンス (評価の割合)", "言及率の変化"}
WRAP_HEADERS = {"代表的な声", "特徴語", "理由", "備考"}
STATUS_LABELS = {"ranked": "分析対象", "insufficient_data": "データ不足"}
Block = tuple[str | None, pd.DataFrame]


# --------------------------------------------------------------------------- cell values
def quotes_text(quotes: object) -> str:
    """Quotes (list of dicts with ``response_id``, ``text`` and maybe ``nps``) as one line each."""
    if not isinstance(quotes, list | tuple):
        return ""
    lines = []
    for quote in quotes:
        score = quote.get("nps")
        source = f"回答ID {quote.get('response_id')}" + (f" / 推奨度 {int(score)}" if pd.notna(score) else "")
        lines.append(f"[{source}] {quote.get('text', '')}")
    return "\n".join(lines)


def _small_n_flag(flag: object) -> str:
    return f"参考値 (n<{SMALL_N})" if bool(flag) else ""


def excel_ready(frame: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Copy of ``frame`` with tz-aware datetime columns as local, tz-naive times."""
    frame = frame.copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].dt.tz_convert(timezone).dt.tz_localize(None)
    return frame


def _local_time(value: object, timezone: str) -> object:
    if value is None or pd.isna(value):
        return ""
    stamp = pd.Timestamp(value)
    return (stamp.tz_convert(timezone) if stamp.tzinfo else stamp).tz_localize(None).to_pydatetime()


# --------------------------------------------------------------------------- one table per sheet
def summary_table(data: ReportData) -> pd.DataFrame:
    """項目 / 値 pairs: the headline NPS, its CI, the mix, the comparison and the context."""
    o, tz = data.overall, data.method.get("timezone", "Asia/Tokyo")
    previous = data.previous or {}
    rows = [
        ("対象", data.scope_label),
        ("回答日時 (最初)", _local_time(data.first_response, tz)),
        ("回答日時 (最後)", _local_time(data.last_response, tz)),
        ("回答数 (n)", o["n"]),
        ("NPS", o["nps"]),
        ("NPS 95%CI 下限", o["ci_low"]),
        ("NPS 95%CI 上限", o["ci_high"]),
        (f"参考値 (n<{SMALL_N})", "はい" if o["small_n"] else "いいえ"),
        ("推奨者数 (9-10)", o["promoters"]),
        ("中立者数 (7-8)", o["passives"]),
        ("批判者数 (0-6)", o["detractors"]),
        ("推奨者の割合 (%)", 100 * o["promoter_share"]),
        ("中立者の割合 (%)", 100 * o["passive_share"]),
        ("批判者の割合 (%)", 100 * o["detractor_share"]),
        ("前期間の NPS", previous.get("nps", "")),
        ("前期間の回答数", previous.get("n", "")),
        ("前期間との差", data.nps_change if pd.notna(data.nps_change) else ""),
        ("回帰の R²", data.r2),
        ("作成日時", _local_time(data.generated_at, tz)),
    ]
    return pd.DataFrame(rows, columns=["項目", "値"])


def driver_sheet_table(data: ReportData) -> pd.DataFrame:
    """Every indicator, ranked ones first, with effect, importance and NPS impact and their CIs."""
    columns = {
        "rank": "順位", "label": "テーマ", "polarity_label": "区分", "status": "状態", "mentions": "言及数",
        "effect": "効果 (点)", "effect_ci_low": "効果 95%CI 下限", "effect_ci_high": "効果 95%CI 上限",
        "importance": "重要度", "ci_low": "重要度 95%CI 下限", "ci_high": "重要度 95%CI 上限",
        "nps_impact": "NPSインパクト", "nps_impact_ci_low": "NPSインパクト 95%CI 下限",
        "nps_impact_ci_high": "NPSインパクト 95%CI 上限", "nps_with": "言及者の NPS", "nps_without": "非言及者の NPS",
        "indicator": "指標キー",
    }
    table = data.drivers.reindex(columns=list(columns)).copy()
    table["status"] = table["status"].map(STATUS_LABELS)
    return table.rename(columns=columns)


def impact_table(data: ReportData) -> pd.DataFrame:
    """The waterfall as rows: current NPS, each complaint's impact, the potential NPS."""
    rows = [{"項目": "現在の NPS", "NPSインパクト": None, "95%CI 下限": None, "95%CI 上限": None, "累積 NPS": data.overall["nps"]}]
    cumulative = data.overall["nps"]
    for row in data.impacts.itertuples(index=False):
        cumulative += row.nps_impact
        rows.append({"項目": row.label, "NPSインパクト": row.nps_impact, "95%CI 下限": row.nps_impact_ci_low,
                     "95%CI 上限": row.nps_impact_ci_high, "累積 NPS": cumulative})
    rows.append({"項目": "改善後の NPS (可能性)", "NPSインパクト": None, "95%CI 下限": None, "95%CI 上限": None,
                 "累積 NPS": data.potential_nps})
    return pd.DataFrame(rows)


def priority_sheet_table(data: ReportData) -> pd.DataFrame:
    columns = {"label": "テーマ", "quadrant": "象限", "importance": "重要度", "performance": "パフォーマンス (評価の割合)",
               "mentions": "言及数", "topic": "トピックキー"}
    return data.priority.reindex(columns=list(columns)).rename(columns=columns)


def theme_sheet_table(themes: pd.DataFrame) -> pd.DataFrame:
    """A :func:`vocpipe.queries.theme_table` result with Japanese headers and flattened quotes."""
    table = pd.DataFrame({
        "順位": range(1, len(themes) + 1), "テーマ": themes["label"], "言及数": themes["mentions"],
        "言及率": themes["share"], "前期間の言及数": themes["previous_mentions"], "前期間の言及率": themes["previous_share"],
        "言及率の変化": themes["change"], "言及者の平均推奨度": themes["mean_nps"],
        "代表的な声": themes["quotes"].map(quotes_text), "トピックキー": themes["topic"],
    })
    return table


def request_sheet_table(data: ReportData) -> pd.DataFrame:
    requests = data.requests
    return pd.DataFrame({"テーマ": requests["label"], "要望数 (節)": requests["requests"], "回答数": requests["responses"],
                         "代表的な声": requests["quotes"].map(quotes_text), "トピックキー": requests["topic"]})


def emerging_sheet_table(data: ReportData) -> pd.DataFrame:
    if data.emerging.empty:
        return pd.DataFrame({"備考": [data.emerging_note or "データ不足"]})
    themes = data.emerging
    return pd.DataFrame({"テーマID": themes["theme_id"], "件数": themes["size"],
                         "特徴語": themes["top_terms"].map(lambda terms: "、".join(map(str, terms)) if isinstance(terms, list | tuple) else ""),
                         "代表的な声": themes["quotes"].map(quotes_text)})


def trend_blocks(data: ReportData) -> list[Block]:
    """Weekly NPS with every mentioned indicator's share, then the alerts."""
    labels = dict(zip("share_" + data.drivers["indicator"], data.drivers["label"]))
    trend = data.trend
    if trend.empty:
        weekly = pd.DataFrame({"備考": ["データ不足"]})
    else:
        weekly = pd.DataFrame({"週 (開始日)": trend["period"], "回答数": trend["n"], "NPS": trend["nps"],
                               "NPS 95%CI 下限": trend["ci_low"], "NPS 95%CI 上限": trend["ci_high"],
                               "参考値": trend["small_n"].map(_small_n_flag)})
        for column in (c for c in trend.columns if c in labels and trend[c].sum() > 0):
            weekly[f"{labels[column]} 言及率"] = trend[column]
    alerts = data.alerts
    alert_table = pd.DataFrame({
        "週 (開始日)": alerts["period"], "指標": alerts["label"],
        "単位": ["NPS (pt)" if k == "nps" else "言及率 (%)" for k in alerts["kind"]],
        "前週": [v if k == "nps" else 100 * v for v, k in zip(alerts["previous"], alerts["kind"])],
        "今週": [v if k == "nps" else 100 * v for v, k in zip(alerts["current"], alerts["kind"])],
        "p値": alerts["p_value"],
    })
    return [("週次推移", weekly), ("アラート (前週からの有意な変化, p < 0.05)", alert_table)]


def segment_sheet_table(data: ReportData) -> pd.DataFrame:
    s = data.segments
    return pd.DataFrame({"セグメント": s["segment"], "値": s["value"], "回答数": s["n"], "NPS": s["nps"],
                         "NPS 95%CI 下限": s["ci_low"], "NPS 95%CI 上限": s["ci_high"], "参考値": s["small_n"].map(_small_n_flag)})


def quality_blocks(data: ReportData) -> list[Block]:
    """Store counts, the latest runs' row accounting, the main quarantine reasons, model versions."""
    tz = data.method.get("timezone", "Asia/Tokyo")
    totals = pd.DataFrame({"テーブル": ["回答", "節", "隔離行", "実行"],
                           "件数": [data.totals.get(k, 0) for k in ("responses", "clauses", "quarantine", "runs")]})
    runs = excel_ready(data.runs, tz).rename(columns={
        "run_id": "実行ID", "flow": "フロー", "source_file": "ファイル", "started_at": "開始", "finished_at": "終了",
        "status": "状態", "rows_read": "読込行", "rows_stored": "保存行", "rows_quarantined": "隔離行",
        "responses_processed": "分析した回答"})
    reasons = data.quarantine_reasons.rename(columns={"reason": "理由", "rows": "行数"})
    models = pd.DataFrame({"モデル": list(data.models), "バージョン": list(data.models.values())})
    return [("件数", totals), ("最近の実行", runs), ("主な隔離理由", reasons), ("モデル", models)]


def workbook_tables(data: ReportData) -> dict[str, list[Block]]:
    """Sheet name -> its tables (a title per table when a sheet holds several)."""
    return {
        "サマリー": [(None, summary_table(data))],
        "ドライバー": [(None, driver_sheet_table(data))],
        "NPSインパクト": [(None, impact_table(data))],
        "優先度マトリクス": [(None, priority_sheet_table(data))],
        "不満テーマ": [(None, theme_sheet_table(data.complaints))],
        "評価テーマ": [(None, theme_sheet_table(data.praise))],
        "要望": [(None, request_sheet_table(data))],
        "新たなテーマ": [(None, emerging_sheet_table(data))],
        "推移": trend_blocks(data),
        "セグメント": [(None, segment_sheet_table(data))],
        "データ品質": quality_blocks(data),
    }


# --------------------------------------------------------------------------- writing
def _display_width(value: object) -> int:
    text = str(value).split("\n")[0] if value is not None else ""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _format_table(sheet, table: pd.DataFrame, header_row: int) -> None:
    """Bold headers, % formats for proportions, two decimals for other fractional numbers, wrapped
    quote cells and column widths that fit the text."""
    for j, header in enumerate(table.columns, start=1):
        letter = get_column_letter(j)
        sheet.cell(row=header_row, column=j).font = Font(bold=True)
        cells = [sheet.cell(row=header_row + 1 + i, column=j) for i in range(len(table))]
        for cell in cells:
            if header in PERCENT_HEADERS or header.endswith("言及率"):
                cell.number_format = "0.0%"
            elif isinstance(cell.value, float):
                cell.number_format = "0.00"
            elif header in WRAP_HEADERS:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        widest = max([_display_width(header)] + [_display_width(v) for v in table[header].head(200)])
        width = min(80 if header in WRAP_HEADERS else 40, widest + 2)
        sheet.column_dimensions[letter].width = max(sheet.column_dimensions[letter].width or 0, width)


def _never_formulas(sheet) -> None:
    """openpyxl stores any string starting with '=' as a formula; our cells are always data."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def _write_blocks(writer: pd.ExcelWriter, name: str, blocks: list[Block], timezone: str) -> None:
    row = 0
    for title, table in blocks:
        table = excel_ready(table, timezone)
        start = row + (1 if title is not None else 0)
        table.to_excel(writer, sheet_name=name, startrow=start, index=False)
        if title is not None:
            writer.sheets[name].cell(row=row + 1, column=1, value=title).font = Font(bold=True, size=12)
        _format_table(writer.sheets[name], table, start + 1)
        row = start + len(table) + 3
    sheet = writer.sheets[name]
    if len(blocks) == 1:
        sheet.freeze_panes = "A2"
    _never_formulas(sheet)


def write_workbook(data: ReportData, path: Path) -> Path:
    """Write every report table to ``path`` (.xlsx), one sheet each, in :data:`SHEETS` order."""
    timezone = data.method.get("timezone", "Asia/Tokyo")
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        tables = workbook_tables(data)
        for name in SHEETS:
            _write_blocks(writer, name, tables[name], timezone)
    return Path(path)
