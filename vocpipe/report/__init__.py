"""The driver report: one self-contained HTML file and an Excel workbook with the same tables.

:func:`build_report_data` computes every table once from the store (driver analysis, top
themes, requests, emerging themes, trends, segments, data quality, model versions);
:func:`render_html` and :func:`vocpipe.report.excel.write_workbook` only render that one
:class:`ReportData`, so the two files can never disagree.  The HTML holds aggregates and a
handful of quotes only (never per-response rows), so it stays small for any number of responses.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
import pandas as pd

from vocpipe import drivers, queries, store
from vocpipe.classify.taxonomy import Taxonomy, load_taxonomy
from vocpipe.config import Settings
from vocpipe.drivers import Scope
from vocpipe.report import charts
from vocpipe.report.excel import write_workbook

__all__ = ["ReportData", "build_report_data", "render_html", "write_reports"]

POLARITY_LABELS = {"negative": "不満", "positive": "評価"}
NO_TOPIC = "(なし)"
TREND_THEMES = 5
SEGMENT_VALUES_IN_HTML = 30
EMERGING_THEMES = 10
LATEST_RUNS = 10
QUARANTINE_REASONS = 10


@dataclass
class ReportData:
    """Every number and quote the report shows, for one scope.

    Tables are tidy DataFrames straight from :mod:`vocpipe.drivers` and :mod:`vocpipe.queries`
    plus a Japanese ``label`` column where a topic or indicator is named.
    """

    generated_at: pd.Timestamp
    scope_label: str
    first_response: pd.Timestamp | None
    last_response: pd.Timestamp | None
    overall: dict
    previous: dict | None  # NPS summary of the period of equal length before the scope
    r2: float
    drivers: pd.DataFrame  # one row per indicator, ranked first, with ``label``, ``topic_label``, ``polarity_label``
    impacts: pd.DataFrame  # ranked complaints with a finite ``nps_impact``, largest first
    priority: pd.DataFrame
    complaints: pd.DataFrame  # queries.theme_table(sentiment="negative")
    praise: pd.DataFrame  # queries.theme_table(sentiment="positive")
    requests: pd.DataFrame
    emerging: pd.DataFrame
    emerging_note: str | None  # why emerging themes are missing, when they are
    trend: pd.DataFrame
    trend_series: dict[str, str]  # trend share column -> label, for the theme trend chart
    alerts: pd.DataFrame
    segments: pd.DataFrame
    runs: pd.DataFrame
    quarantine_reasons: pd.DataFrame
    totals: dict[str, int]
    models: dict[str, str]
    n_clauses: int  # clauses of the responses in scope
    method: dict  # the analysis settings the 分析方法 section quotes

    @property
    def ranked_drivers(self) -> pd.DataFrame:
        return self.drivers[self.drivers["status"] == "ranked"]

    @property
    def insufficient_drivers(self) -> pd.DataFrame:
        """Indicators mentioned too rarely to rank (those never mentioned are only counted)."""
        rows = self.drivers[self.drivers["status"] != "ranked"]
        return rows[rows["mentions"] > 0].sort_values("mentions", ascending=False)

    @property
    def nps_change(self) -> float:
        if not self.previous or not self.previous.get("n"):
            return float("nan")
        return self.overall["nps"] - self.previous["nps"]

    @property
    def potential_nps(self) -> float:
        """Current NPS plus the summed impacts of the complaints in the waterfall."""
        return self.overall["nps"] + float(self.impacts["nps_impact"].sum())


# --------------------------------------------------------------------------- building the data
def indicator_label(taxonomy: Taxonomy, topic: str, polarity: str) -> str:
    """'delivery', 'negative' -> '配送・納期・梱包 不満'."""
    return f"{taxonomy.label(topic)} {POLARITY_LABELS.get(polarity, polarity)}"


def _topic_label(taxonomy: Taxonomy, topic: str) -> str:
    return "(トピックなし)" if topic == NO_TOPIC else taxonomy.label(topic)


def scope_label(scope: Scope) -> str:
    """Human description of a scope, e.g. '2026-10-01 〜 2026-10-31 / チャネル=アプリ'."""
    if scope.since or scope.until:
        period = f"{scope.since or '最初'} 〜 {scope.until or '最新'}"
    else:
        period = "全期間"
    return f"{period} / {scope.segment[0]}={scope.segment[1]}" if scope.segment else period


def _ranked_first(table: pd.DataFrame) -> pd.DataFrame:
    """Ranked drivers by rank, then the unranked ones by mentions (the order both files show)."""
    ranked = table["status"] == "ranked"
    return pd.concat([table[ranked].sort_values("rank"), table[~ranked].sort_values("mentions", ascending=False, kind="stable")],
                     ignore_index=True)


def _trend_series(table: pd.DataFrame, trend: pd.DataFrame, limit: int = TREND_THEMES) -> dict[str, str]:
    """The top themes to draw over time: the most important ranked drivers, else the most mentioned.

    ``table`` needs ``indicator``, ``label``, ``status``, ``importance``, ``mentions``.
    """
    ranked = table[table["status"] == "ranked"].sort_values("importance", ascending=False)
    pool = ranked if len(ranked) else table[table["mentions"] > 0].sort_values("mentions", ascending=False)
    series = {f"share_{row.indicator}": row.label for row in pool.itertuples(index=False)}
    return dict([(column, label) for column, label in series.items() if column in trend.columns][:limit])


def _label_alerts(alerts: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Alerts with a ``label`` and a ``kind`` ('nps' in points, 'share' as a proportion)."""
    alerts = alerts.copy()
    alerts["kind"] = ["nps" if m == "NPS" else "share" for m in alerts["metric"]]
    alerts["label"] = [labels.get(m, m) for m in alerts["metric"]]
    return alerts


def _response_span(con, scope: Scope, timezone: str) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    where, params = scope.where("r")
    span = con.execute(f"SELECT min(submitted_at), max(submitted_at) FROM responses r WHERE {where}", params).fetchone()
    first, last = (pd.Timestamp(value).tz_convert(timezone) if value is not None else None for value in span)
    return first, last


def _latest_runs(con) -> pd.DataFrame:
    """Row accounting of the latest runs: read = stored + quarantined for each loaded file."""
    return con.execute(
        """SELECT run_id, flow, source_file, started_at, finished_at, status, rows_read, rows_stored,
                  rows_quarantined, responses_processed
           FROM runs ORDER BY started_at DESC NULLS LAST LIMIT ?""",
        [LATEST_RUNS],
    ).df()


def quarantine_reason_pattern(reason: str) -> str:
    """The reason with the row's own value and numbers taken out, so equal problems group together.

    "推奨度 (NPS) '11' が 0〜10 の範囲外です" -> "推奨度 (NPS) '…' が 0〜10 の範囲外です".
    """
    reason = re.sub(r"'[^']*'", "'…'", reason)
    reason = re.sub(r"\([^()]*\d[^()]*\)", "(…)", reason)
    return re.sub(r"\d+ 行目", "… 行目", reason)


def _quarantine_reasons(con) -> pd.DataFrame:
    """The most common quarantine reasons (``reason``, ``rows``) over the whole store."""
    counts = con.execute("SELECT reason, count(*) AS rows FROM quarantine GROUP BY reason").df()
    if counts.empty:
        return pd.DataFrame(columns=["reason", "rows"])
    counts["reason"] = counts["reason"].map(quarantine_reason_pattern)
    grouped = counts.groupby("reason", as_index=False)["rows"].sum()
    return grouped.sort_values(["rows", "reason"], ascending=[False, True]).head(QUARANTINE_REASONS).reset_index(drop=True)


def _emerging_themes(con, scope: Scope, taxonomy: Taxonomy) -> tuple[pd.DataFrame, str | None]:
    """Emerging themes from the optional discovery module, or an empty table and the reason."""
    columns = ["theme_id", "size", "top_terms", "quotes"]
    try:
        from vocpipe.classify.discover import emerging_themes
    except ImportError as exc:
        return pd.DataFrame(columns=columns), f"新たなテーマの抽出機能 (vocpipe.classify.discover) を利用できません: {exc}"
    themes = emerging_themes(con, scope, taxonomy)
    if themes is None or themes.empty:
        return pd.DataFrame(columns=columns), "既存のテーマに当てはまらない新しい話題は見つかりませんでした。"
    return themes.sort_values("size", ascending=False).head(EMERGING_THEMES).reset_index(drop=True), None


def build_report_data(con, settings: Settings, scope: Scope | None = None, taxonomy: Taxonomy | None = None) -> ReportData:
    """Compute every table of the report from an open store connection (the per-clause work
    runs in DuckDB; only aggregates and quote candidates come back)."""
    from vocpipe.pipeline import model_versions

    scope = scope or Scope(timezone=settings.timezone)
    taxonomy = taxonomy or load_taxonomy(settings.taxonomy_path)
    analysis = drivers.analyse_scope(con, taxonomy.keys, scope, min_support=settings.min_support,
                                     n_boot=settings.bootstrap_resamples, seed=settings.seed, timezone=settings.timezone)
    table = _ranked_first(analysis.drivers)
    table["label"] = [indicator_label(taxonomy, t, p) for t, p in zip(table["topic"], table["polarity"])]
    table["topic_label"] = [taxonomy.label(t) for t in table["topic"]]
    table["polarity_label"] = table["polarity"].map(POLARITY_LABELS)
    labels = dict(zip(table["indicator"], table["label"]))
    impacts = table[(table["status"] == "ranked") & (table["polarity"] == "negative") & table["nps_impact"].notna()]
    priority = analysis.priority.copy()
    priority["label"] = [taxonomy.label(t) for t in priority["topic"]]
    requests = analysis.requests.copy()
    requests["label"] = [_topic_label(taxonomy, t) for t in requests["topic"]]
    previous_scope = queries.previous_scope(con, scope)
    emerging, emerging_note = _emerging_themes(con, scope, taxonomy)
    first, last = _response_span(con, scope, settings.timezone)
    themes = {sentiment: queries.theme_table(con, taxonomy, scope, sentiment=sentiment, top=10, quotes=3)
              for sentiment in ("negative", "positive")}
    return ReportData(
        generated_at=pd.Timestamp.now(tz=settings.timezone), scope_label=scope_label(scope),
        first_response=first, last_response=last, overall=analysis.overall,
        previous=drivers.headline(con, settings, previous_scope) if previous_scope else None,
        r2=analysis.r2, drivers=table, impacts=impacts.sort_values("nps_impact", ascending=False).reset_index(drop=True),
        priority=priority, complaints=themes["negative"], praise=themes["positive"], requests=requests,
        emerging=emerging, emerging_note=emerging_note, trend=analysis.trend,
        trend_series=_trend_series(table, analysis.trend),
        alerts=_label_alerts(analysis.alerts, labels) if len(analysis.alerts) else pd.DataFrame(
            columns=["period", "metric", "previous", "current", "p_value", "kind", "label"]),
        segments=analysis.segments.sort_values(["segment", "n"], ascending=[True, False]).reset_index(drop=True),
        runs=_latest_runs(con), quarantine_reasons=_quarantine_reasons(con), totals=store.table_counts(con),
        models=model_versions(settings), n_clauses=analysis.n_clauses,
        method={"min_support": settings.min_support, "n_boot": settings.bootstrap_resamples, "seed": settings.seed,
                "timezone": settings.timezone},
    )


# --------------------------------------------------------------------------- HTML
def _is_number(value: object) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def fmt_number(value: object, digits: int = 1) -> str:
    """'12.3'; '—' for NaN / None so missing numbers never print as 'nan'."""
    return f"{float(value):,.{digits}f}" if _is_number(value) else "—"


def fmt_signed(value: object, digits: int = 1) -> str:
    return f"{float(value):+.{digits}f}" if _is_number(value) else "—"


def fmt_percent(value: object, digits: int = 1) -> str:
    return f"{100 * float(value):.{digits}f}%" if _is_number(value) else "—"


def fmt_count(value: object) -> str:
    return f"{int(value):,}" if _is_number(value) else "—"


def fmt_time(value: object, timezone: str = "Asia/Tokyo") -> str:
    """Local 'YYYY-MM-DD HH:MM' for a timestamp (tz-aware values shown in ``timezone``)."""
    if value is None or pd.isna(value):
        return "—"
    stamp = pd.Timestamp(value)
    return (stamp.tz_convert(timezone) if stamp.tzinfo else stamp).strftime("%Y-%m-%d %H:%M")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("vocpipe.report", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(num=fmt_number, signed=fmt_signed, pct=fmt_percent, count=fmt_count, when=fmt_time)
    env.tests["number"] = _is_number
    return env


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict("records") if frame is not None and len(frame) else []


def _segment_groups(segments: pd.DataFrame) -> list[dict]:
    """Segment rows per segment column, the largest values first, capped for the HTML."""
    groups = []
    for name, rows in segments.groupby("segment", sort=True):
        rows = rows.sort_values("n", ascending=False)
        groups.append({"name": name, "rows": _records(rows.head(SEGMENT_VALUES_IN_HTML)),
                       "hidden": max(0, len(rows) - SEGMENT_VALUES_IN_HTML)})
    return groups


def chart_svgs(data: ReportData) -> dict[str, str]:
    """Every chart of the report as inline SVG, keyed by section."""
    return {
        "mix": charts.nps_mix_bar(data.overall),
        "importance": charts.importance_chart(data.ranked_drivers),
        "waterfall": charts.impact_waterfall(data.overall["nps"], data.impacts),
        "priority": charts.priority_chart(data.priority),
        "nps_trend": charts.nps_trend_chart(data.trend),
        "theme_trend": charts.theme_trend_chart(data.trend, data.trend_series),
    }


def render_html(data: ReportData) -> str:
    """The report as one self-contained HTML document (no scripts, no external resources)."""
    template = _environment().get_template("report.html.j2")
    return template.render(
        data=data, charts=chart_svgs(data), timezone=data.method.get("timezone", "Asia/Tokyo"),
        ranked=_records(data.ranked_drivers), insufficient=_records(data.insufficient_drivers),
        never_mentioned=int((data.drivers["mentions"] == 0).sum()), impacts=_records(data.impacts),
        priority=_records(data.priority), complaints=_records(data.complaints), praise=_records(data.praise),
        requests=_records(data.requests), emerging=_records(data.emerging), alerts=_records(data.alerts),
        segments=_segment_groups(data.segments), runs=_records(data.runs),
        reasons=_records(data.quarantine_reasons), small_n=drivers.SMALL_N,
    )


# --------------------------------------------------------------------------- entry point
def write_reports(settings: Settings, out_dir: Path, scope: Scope | None = None, taxonomy: Taxonomy | None = None,
                  xlsx: bool = True) -> dict[str, Path]:
    """Write ``report.html`` (and ``report.xlsx``) into ``out_dir``; returns their paths by kind."""
    with store.connect(settings.db_path) as con:
        data = build_report_data(con, settings, scope, taxonomy)
    return save_reports(data, out_dir, xlsx=xlsx)


def save_reports(data: ReportData, out_dir: Path, *, xlsx: bool = True) -> dict[str, Path]:
    """Render already computed report data to ``report.html`` (and ``report.xlsx``)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"html": out_dir / "report.html"}
    paths["html"].write_text(render_html(data), encoding="utf-8")
    if xlsx:
        paths["xlsx"] = out_dir / "report.xlsx"
        write_workbook(data, paths["xlsx"])
    return paths
