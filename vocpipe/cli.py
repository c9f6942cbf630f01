"""``vocpipe`` command line: run the nightly job, classify a file, train, and query the store.

User-caused errors (a missing file, an unknown column, a bad model file) print one line in
Japanese and exit with status 2; they never show a traceback.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from vocpipe.config import load_settings
from vocpipe.errors import VocpipeError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="日本語アンケート自由記述の VoC 分析 (NPS ドライバー分析)")
train_app = typer.Typer(no_args_is_help=True, help="モデルを学習する (sentiment / topics)")
config_app = typer.Typer(no_args_is_help=True, help="設定を表示する")
app.add_typer(train_app, name="train")
app.add_typer(config_app, name="config")


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class Sentiment(str, Enum):
    negative = "negative"
    positive = "positive"
    any = "any"


class Level(str, Enum):
    comment = "comment"
    clause = "clause"


class TaskRunner(str, Enum):
    local = "local"
    dask = "dask"


def _columns(pairs: list[str] | None) -> dict[str, str] | None:
    if not pairs:
        return None
    mapping = {}
    for pair in pairs:
        if "=" not in pair:
            raise VocpipeError(f"--column は 項目=列名 の形で指定してください (例: comment=ご意見): {pair!r}")
        key, value = pair.split("=", 1)
        mapping[key.strip()] = value.strip()
    return mapping


def _scope(since: str | None, until: str | None, segment: str | None, timezone: str = "Asia/Tokyo"):
    from vocpipe.drivers import Scope, parse_segment

    for name, value in (("--since", since), ("--until", until)):
        if value:
            import pandas as pd

            try:
                pd.Timestamp(value)
            except ValueError:
                raise VocpipeError(f"{name} の日付 '{value}' を解釈できません (例: 2026-11-01)") from None
    return Scope(since, until, parse_segment(segment), timezone)


@contextmanager
def _query_store(db: Path | None):
    """Settings, taxonomy and a read-only store connection for the query commands."""
    from vocpipe import store
    from vocpipe.classify.taxonomy import load_taxonomy

    settings = load_settings(db_path=db)
    taxonomy = load_taxonomy(settings.taxonomy_path)
    with store.connect(settings.db_path, read_only=True) as con:
        yield settings, taxonomy, con


DB_OPTION = typer.Option(None, "--db", help="DuckDB ファイル (既定: vocpipe.duckdb または VOCPIPE_DB_PATH)")
SINCE_OPTION = typer.Option(None, "--since", help="開始日 (その日を含む。例: 2026-11-01)")
UNTIL_OPTION = typer.Option(None, "--until", help="終了日 (その日を含む)")
SEGMENT_OPTION = typer.Option(None, "--segment", help="列名=値 (例: チャネル=アプリ)")
FORMAT_OPTION = typer.Option(None, "--format", help="table / json / csv (既定: 端末なら table、パイプなら json)")


# --------------------------------------------------------------------------- run
@app.command()
def run(
    input: Path = typer.Option(..., "--input", "-i", help="アンケートのファイル (csv/xlsx/parquet/jsonl)"),
    db: Optional[Path] = DB_OPTION,
    full: bool = typer.Option(False, "--full", help="処理済みの回答も含めてすべて再分析する"),
    report: bool = typer.Option(True, "--report/--no-report", help="HTML/Excel レポートを書く"),
    report_dir: Optional[Path] = typer.Option(None, "--report-dir", help="レポートの出力先 (既定: reports)"),
    column: Optional[list[str]] = typer.Option(None, "--column", help="列の対応 項目=列名 (例: comment=ご意見)"),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="CSV の文字コード (既定: 自動判別 UTF-8/CP932)"),
    task_runner: TaskRunner = typer.Option(TaskRunner.local, "--task-runner", help="local または dask"),
    dask_address: Optional[str] = typer.Option(None, "--dask-address", help="既存の Dask スケジューラ tcp://HOST:PORT"),
) -> None:
    """取り込み → 節分割・分類 → 保存 → ドライバー分析 → レポート を Prefect フローで実行する。"""
    from flows.nightly import run_nightly

    settings = load_settings(db_path=db, report_dir=report_dir, columns=_columns(column))
    summary = run_nightly(str(input), settings, full=full, report=report, encoding=encoding,
                          task_runner=task_runner.value, dask_address=dask_address)
    print_run_summary(summary)


def print_run_summary(summary: dict) -> None:
    from rich.console import Console

    console = Console()
    console.print(f"[bold]実行 {summary['run_id']}[/bold]  入力: {summary['source_file']}")
    if summary.get("source_unchanged"):
        console.print("入力ファイルは前回読み込んだものと同一です: 新しい回答はありません")
    if summary.get("reused_previous_results"):
        console.print("分析対象の変更がないため、ドライバー分析とレポートは前回の結果のままです")
    console.print(
        f"読み込み {summary['rows_read']} 行 = 保存 {summary['rows_stored']} 行 + 隔離 {summary['rows_quarantined']} 行"
        f"  (新規 {summary['rows_new']} / 変更 {summary['rows_changed']} / 変更なし {summary['rows_unchanged']})"
    )
    for reason, count in (summary.get("quarantine_reasons") or {}).items():
        console.print(f"  隔離理由: {reason} … {count} 行")
    console.print(f"分析した回答 {summary['responses_processed']} 件、書き込んだ節 {summary['clauses_written']} 件")
    nps = summary.get("nps") or {}
    if nps.get("n"):
        console.print(f"NPS {nps['nps']:+.1f} (95%信頼区間 {nps['ci_low']:+.1f} 〜 {nps['ci_high']:+.1f}, n={nps['n']})")
    totals = summary.get("totals") or {}
    if totals:
        console.print(f"データベース: 回答 {totals['responses']} 件 / 節 {totals['clauses']} 件 / 隔離 {totals['quarantine']} 行")
    complaints = summary.get("top_complaints") or []
    if complaints:
        parts = [f"{c['label']} {c['mentions']}件" + ("" if c["change"] is None else f" ({c['change']:+.1f}pt)") for c in complaints]
        console.print("直近7日の不満テーマ上位: " + " / ".join(parts), markup=False)
    if summary.get("report_path"):
        console.print(f"レポート: {summary['report_path']}  Excel: {summary.get('xlsx_path')}", markup=False)


# --------------------------------------------------------------------------- classify
@app.command()
def classify(
    input: Path = typer.Argument(..., help="分類するファイル (csv/xlsx/parquet/jsonl)"),
    text_column: str = typer.Option(..., "--text-column", help="自由記述の列名"),
    output: Path = typer.Option(..., "--output", "-o", help="出力 CSV (UTF-8 BOM 付き、Excel でそのまま開けます)"),
    level: Level = typer.Option(Level.comment, "--level", help="comment (1行1回答) または clause (1行1節)"),
    encoding: Optional[str] = typer.Option(None, "--encoding"),
) -> None:
    """任意のファイルの自由記述に感情・トピック・要望を付ける。"""
    from vocpipe.classify_file import classify_file

    settings = load_settings()
    rows, clauses = classify_file(input, text_column, output, level=level.value, encoding=encoding, settings=settings)
    typer.echo(f"{input}: {rows} 行 / {clauses} 節を分類し {output} に書きました", err=True)


# --------------------------------------------------------------------------- train
@train_app.command("sentiment")
def train_sentiment(
    data: Optional[Path] = typer.Option(None, "--data", help="追加の学習データ CSV (列: text, sentiment[, request])"),
    replace: bool = typer.Option(False, "--replace", help="同梱コーパスを使わず --data だけで学習する"),
    models_dir: Optional[Path] = typer.Option(None, "--models-dir"),
) -> None:
    """感情 + 要望モデルを学習し、モデルカードを書く。"""
    from vocpipe.train import train_sentiment as train

    settings = load_settings(models_dir=models_dir)
    card = train(settings.models_dir, data, replace, seed=0)
    test = card["metrics"]["test"]
    typer.echo(f"sentiment: test macro-F1 {test['macro_f1']:.3f} (n={test['n']}), request F1 {test['request_f1']:.3f}; "
               f"{settings.models_dir}/sentiment.card.md に記録しました")


@train_app.command("topics")
def train_topics(
    taxonomy: Optional[Path] = typer.Option(None, "--taxonomy", help="タクソノミー YAML (既定: data/taxonomy.yaml)"),
    data: Optional[Path] = typer.Option(None, "--data", help="追加の学習データ CSV (列: text, topics を ; 区切り)"),
    replace: bool = typer.Option(False, "--replace"),
    models_dir: Optional[Path] = typer.Option(None, "--models-dir"),
) -> None:
    """トピックモデルを学習し、モデルカードを書く。"""
    from vocpipe.classify.taxonomy import load_taxonomy
    from vocpipe.train import train_topics as train

    settings = load_settings(models_dir=models_dir, taxonomy_path=taxonomy)
    card = train(settings.models_dir, load_taxonomy(settings.taxonomy_path), data, replace, seed=0)
    test, base = card["metrics"]["test"], card["keyword_baseline_test"]
    typer.echo(f"topics: test micro-F1 {test['micro_f1']:.3f} (keywords only {base['micro_f1']:.3f}); "
               f"{settings.models_dir}/topics.card.md に記録しました")


# --------------------------------------------------------------------------- queries
DRIVER_HEADERS = {
    "topic": "トピック", "label": "テーマ", "polarity": "極性", "importance": "重要度", "ci_low": "CI下限",
    "ci_high": "CI上限", "effect": "効果", "nps_impact": "NPS改善", "mentions": "言及", "status": "状態",
}


@app.command()
def drivers(
    db: Optional[Path] = DB_OPTION,
    since: Optional[str] = SINCE_OPTION,
    until: Optional[str] = UNTIL_OPTION,
    segment: Optional[str] = SEGMENT_OPTION,
    format: Optional[Format] = FORMAT_OPTION,
) -> None:
    """NPS を動かすドライバー (テーマ×極性) を重要度順に表示する。"""
    from vocpipe import drivers as drv
    from vocpipe.render import emit, resolve_format

    with _query_store(db) as (settings, taxonomy, con):
        analysis = drv.analyse_scope(con, taxonomy.keys, _scope(since, until, segment, settings.timezone), min_support=settings.min_support,
                                     n_boot=settings.bootstrap_resamples, seed=settings.seed, timezone=settings.timezone)
    table = analysis.drivers.copy()
    table["label"] = table["topic"].map(taxonomy.label)
    table = table[table["mentions"] > 0]
    columns = ["topic", "label", "polarity", "importance", "ci_low", "ci_high", "effect", "nps_impact", "mentions", "status"]
    fmt = resolve_format(format.value if format else None)
    if fmt == "table":
        table["polarity"] = table["polarity"].map({"negative": "不満", "positive": "評価"})
        table["status"] = table["status"].map({"ranked": "", "insufficient_data": "データ不足"})
        columns = columns[1:]
    overall = analysis.overall
    if fmt == "table" and overall["n"]:
        typer.echo(f"NPS {overall['nps']:+.1f} (95%CI {overall['ci_low']:+.1f}〜{overall['ci_high']:+.1f}, n={overall['n']}), R²={analysis.r2:.3f}")
    emit(table[columns], fmt, title="NPS ドライバー", headers=DRIVER_HEADERS)


@app.command()
def themes(
    db: Optional[Path] = DB_OPTION,
    top: int = typer.Option(10, "--top", min=1),
    sentiment: Sentiment = typer.Option(Sentiment.negative, "--sentiment"),
    since: Optional[str] = SINCE_OPTION,
    until: Optional[str] = UNTIL_OPTION,
    segment: Optional[str] = SEGMENT_OPTION,
    format: Optional[Format] = FORMAT_OPTION,
) -> None:
    """期間・セグメントの上位テーマ (既定: 不満) を例文つきで表示する。"""
    from vocpipe.queries import theme_table
    from vocpipe.render import emit, resolve_format

    with _query_store(db) as (settings, taxonomy, con):
        table = theme_table(con, taxonomy, _scope(since, until, segment, settings.timezone), sentiment=sentiment.value, top=top)
    fmt = resolve_format(format.value if format else None)
    if fmt == "table":
        table = table.assign(quotes=table["quotes"].map(lambda qs: [f"「{q['text']}」({q['response_id']}, {q['nps']}点)" for q in qs]))
    emit(table, fmt, title="テーマ", headers={
        "topic": "トピック", "label": "テーマ", "mentions": "言及回答数", "share": "回答に占める割合", "previous_mentions": "前期間の言及",
        "previous_share": "前期間の割合", "change": "割合の変化", "mean_nps": "言及者の平均スコア", "quotes": "例文"})


@app.command()
def quotes(
    topic: str = typer.Option(..., "--topic", help="トピックキー (例: delivery)"),
    db: Optional[Path] = DB_OPTION,
    sentiment: Sentiment = typer.Option(Sentiment.any, "--sentiment"),
    limit: int = typer.Option(10, "--limit", min=1),
    since: Optional[str] = SINCE_OPTION,
    until: Optional[str] = UNTIL_OPTION,
    segment: Optional[str] = SEGMENT_OPTION,
    format: Optional[Format] = FORMAT_OPTION,
) -> None:
    """トピックの代表的な原文 (節) を表示する。"""
    from vocpipe.queries import quote_table
    from vocpipe.render import emit, resolve_format

    with _query_store(db) as (settings, taxonomy, con):
        if topic not in taxonomy.keys:
            raise VocpipeError(f"トピック '{topic}' はタクソノミーにありません。使えるキー: {', '.join(taxonomy.keys)}")
        table = quote_table(con, topic, _scope(since, until, segment, settings.timezone), sentiment=sentiment.value, limit=limit)
    emit(table[["response_id", "nps", "sentiment", "text", "comment"]], resolve_format(format.value if format else None),
         title=f"{taxonomy.label(topic)} の原文", headers={"response_id": "回答ID", "nps": "スコア", "sentiment": "感情", "text": "節", "comment": "回答全文"})


@app.command()
def discover(
    db: Optional[Path] = DB_OPTION,
    since: Optional[str] = SINCE_OPTION,
    until: Optional[str] = UNTIL_OPTION,
    segment: Optional[str] = SEGMENT_OPTION,
    format: Optional[Format] = FORMAT_OPTION,
) -> None:
    """どのトピックにも当てはまらない節から新しいテーマを見つける。"""
    from vocpipe.classify.discover import emerging_themes
    from vocpipe.render import emit, resolve_format

    with _query_store(db) as (settings, taxonomy, con):
        table = emerging_themes(con, _scope(since, until, segment, settings.timezone), taxonomy, seed=settings.seed)
    fmt = resolve_format(format.value if format else None)
    if fmt == "table":
        table = table.assign(quotes=table["quotes"].map(lambda qs: [f"「{q['text']}」" for q in qs]))
    emit(table, fmt, title="新たなテーマ", headers={"theme_id": "No", "size": "節数", "top_terms": "特徴語", "quotes": "例文"})


@app.command()
def report(
    db: Optional[Path] = DB_OPTION,
    out: Path = typer.Option(Path("reports/report.html"), "--out", help="HTML の出力先"),
    xlsx: Optional[Path] = typer.Option(None, "--xlsx", help="Excel の出力先 (既定: HTML と同じ場所の .xlsx)"),
    since: Optional[str] = SINCE_OPTION,
    until: Optional[str] = UNTIL_OPTION,
    segment: Optional[str] = SEGMENT_OPTION,
) -> None:
    """ドライバー分析レポート (1ファイルの HTML と Excel) を書く。"""
    import shutil

    from vocpipe.report import write_reports

    settings = load_settings(db_path=db)
    if not Path(settings.db_path).exists():
        raise VocpipeError(f"{settings.db_path}: データベースが見つかりません (先に vocpipe run を実行してください)")
    paths = write_reports(settings, out.parent, _scope(since, until, segment, settings.timezone))
    if paths["html"] != out:
        shutil.move(paths["html"], out)
        paths["html"] = out
    if xlsx is not None and paths.get("xlsx") and paths["xlsx"] != xlsx:
        xlsx.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(paths["xlsx"], xlsx)
        paths["xlsx"] = xlsx
    typer.echo(f"レポート: {paths['html']}  Excel: {paths.get('xlsx')}")


@app.command("label-queue")
def label_queue(
    db: Optional[Path] = DB_OPTION,
    n: int = typer.Option(200, "--n", min=1, help="書き出す節の数"),
    output: Path = typer.Option(..., "--output", "-o", help="出力 CSV (ラベル付け用)"),
) -> None:
    """モデルが最も迷っている節を、重複を避けてラベル付け用 CSV に書き出す (能動学習)。"""
    from vocpipe.active import export_label_queue

    settings = load_settings(db_path=db)
    written = export_label_queue(settings, n, output)
    typer.echo(f"{written} 節を {output} に書きました。sentiment/topics/request を記入して vocpipe train ... --data {output} で再学習できます")


@app.command()
def serve(
    input: Path = typer.Option(..., "--input", "-i", help="毎晩読むファイル (新しい行だけが分析されます)"),
    db: Optional[Path] = DB_OPTION,
    cron: str = typer.Option("0 2 * * *", "--cron", help="cron 式 (タイムゾーンは --timezone)"),
    timezone: str = typer.Option("Asia/Tokyo", "--timezone"),
    name: str = typer.Option("vocpipe-nightly", "--name"),
) -> None:
    """Prefect の flow.serve で毎晩実行する (Prefect サーバーが必要: prefect server start)。"""
    from flows.deployments import serve_nightly

    settings = load_settings(db_path=db)
    serve_nightly(str(input.resolve()), str(Path(settings.db_path).resolve()), cron=cron, timezone=timezone, name=name)


@config_app.command("show")
def config_show(format: Optional[Format] = FORMAT_OPTION) -> None:
    """有効な設定 (既定値 < vocpipe.toml < VOCPIPE_* 環境変数) を表示する。"""
    import json

    from vocpipe.config import config_file_path

    settings = load_settings()
    data = {"config_file": str(config_file_path() or ""), **settings.as_dict()}
    if (format.value if format else "table") == "json":
        typer.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    for key, value in data.items():
        typer.echo(f"{key} = {value}")


def main() -> None:
    """Entry point: run the app and turn user errors into one line and exit code 2."""
    import click

    try:
        app(standalone_mode=False)
    except VocpipeError as exc:
        typer.echo(f"エラー: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        typer.echo("中断しました", err=True)
        sys.exit(130)
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("中断しました", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
