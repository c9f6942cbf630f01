"""The command line as users meet it: one-line errors, queries, classify, injection-safe filters."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from vocpipe.cli import app

from conftest import REPO, SAMPLE

runner = CliRunner()


def cli(*args):
    """Run the real console script (as a user would) and return the completed process."""
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "vocpipe.cli", *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=300)


def test_missing_input_file_prints_one_line_and_exits_non_zero(tmp_path):
    result = cli("classify", str(tmp_path / "nothing.csv"), "--text-column", "自由記述", "-o", str(tmp_path / "o.csv"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "nothing.csv" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_text_column_names_the_file_and_column(tmp_path):
    result = cli("classify", str(SAMPLE / "bad_rows.csv"), "--text-column", "感想", "-o", str(tmp_path / "o.csv"))
    assert result.returncode == 2 and "列 '感想'" in result.stderr and "bad_rows.csv" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreadable_encoding_is_one_clear_line(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("回答ID,自由記述\n1,配送が遅い\n".encode("utf-8"))
    result = cli("classify", str(path), "--text-column", "自由記述", "-o", str(tmp_path / "o.csv"), "--encoding", "no-such-codec")
    assert result.returncode == 2 and "latin.csv" in result.stderr and "Traceback" not in result.stderr


def test_classify_comment_level_keeps_columns_and_adds_labels(tmp_path):
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(SAMPLE / "bad_rows.csv"), "--text-column", "自由記述", "-o", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(frame.columns)[-4:] == ["sentiment", "sentiment_score", "topics", "request"]
    login = frame[frame["回答ID"] == "B007"].iloc[0]
    assert login["sentiment"] == "negative" and "system_trouble" in login["topics"]


def test_classify_clause_level_writes_offsets(tmp_path):
    out = tmp_path / "clauses.csv"
    result = runner.invoke(app, ["classify", str(SAMPLE / "bad_rows.csv"), "--text-column", "自由記述", "-o", str(out), "--level", "clause"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    assert list(frame.columns) == ["row", "clause_index", "clause", "start", "end", "sentiment", "sentiment_score", "topics", "request"]
    assert (frame["end"] - frame["start"] == frame["clause"].str.len()).all()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, prefect_server):
    from flows.nightly import run_nightly
    from vocpipe.config import Settings

    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    settings = Settings(db_path=db, chunk_size=2000, report_dir=db.parent / "reports")
    run_nightly(str(SAMPLE / "survey_responses.csv"), settings, report=False)
    run_nightly(str(SAMPLE / "survey_responses_new_cp932.csv"), settings, report=False)
    return db


def invoke_json(*args):
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_themes_on_the_demo_database_put_planted_complaints_first(demo_db):
    themes = invoke_json("themes", "--db", str(demo_db), "--sentiment", "negative")
    top = [t["topic"] for t in themes[:4]]
    assert {"price", "wait_time"} <= set(top)
    assert all(len(t["quotes"]) == 2 for t in themes[:4])


def test_drivers_on_the_demo_database_rank_planted_drivers_first(demo_db):
    drivers = invoke_json("drivers", "--db", str(demo_db))
    assert [(d["topic"], d["polarity"]) for d in drivers[:2]] == [("wait_time", "negative"), ("system_trouble", "negative")]
    assert set(drivers[0]) >= {"topic", "polarity", "importance", "ci_low", "ci_high", "effect", "nps_impact", "mentions"}


def test_theme_change_compares_with_the_previous_period_of_equal_length(demo_db):
    themes = invoke_json("themes", "--db", str(demo_db), "--since", "2026-11-09", "--until", "2026-11-22")
    assert all(t["previous_mentions"] is not None for t in themes)


def test_segment_filter_is_a_bound_parameter_not_sql(demo_db):
    injected = invoke_json("themes", "--db", str(demo_db), "--segment", "チャネル=' OR 1=1 --")
    assert injected == []
    app_only = invoke_json("themes", "--db", str(demo_db), "--segment", "チャネル=アプリ", "--top", "1")
    everyone = invoke_json("themes", "--db", str(demo_db), "--top", "1")
    assert 0 < app_only[0]["mentions"] < everyone[0]["mentions"]


def test_quotes_lists_verbatims_for_a_topic(demo_db):
    quotes = invoke_json("quotes", "--db", str(demo_db), "--topic", "wait_time", "--sentiment", "negative", "--limit", "5")
    assert len(quotes) == 5 and all(q["sentiment"] == "negative" for q in quotes)


def test_unknown_topic_is_a_clear_error(demo_db):
    result = runner.invoke(app, ["quotes", "--db", str(demo_db), "--topic", "nope"])
    assert isinstance(result.exception, Exception) and "nope" in str(result.exception)


def test_csv_output_is_clean(demo_db):
    result = runner.invoke(app, ["drivers", "--db", str(demo_db), "--format", "csv"])
    assert result.stdout.splitlines()[0] == "topic,label,polarity,importance,ci_low,ci_high,effect,nps_impact,mentions,status"


def test_label_queue_exports_uncertain_clauses_in_corpus_format(demo_db, tmp_path):
    out = tmp_path / "queue.csv"
    result = runner.invoke(app, ["label-queue", "--db", str(demo_db), "--n", "50", "-o", str(out)])
    assert result.exit_code == 0, result.output
    queue = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    assert len(queue) == 50 and queue["text"].is_unique
    assert {"text", "sentiment", "topics", "request"} <= set(queue.columns)


def test_config_show_reflects_environment_overrides(monkeypatch):
    monkeypatch.setenv("VOCPIPE_CHUNK_SIZE", "1234")
    result = runner.invoke(app, ["config", "show", "--format", "json"])
    assert json.loads(result.stdout)["chunk_size"] == 1234


@pytest.mark.slow
def test_run_on_the_bad_file_stores_good_rows_and_a_rerun_changes_no_counts(tmp_path):
    db = tmp_path / "bad.duckdb"
    first = cli("run", "--input", str(SAMPLE / "bad_rows.csv"), "--db", str(db), "--no-report")
    assert first.returncode == 0, first.stderr
    assert "読み込み 14 行 = 保存 6 行 + 隔離 8 行" in first.stdout
    second = cli("run", "--input", str(SAMPLE / "bad_rows.csv"), "--db", str(db), "--no-report")
    assert "前回読み込んだものと同一です" in second.stdout
    assert "データベース: 回答 6 件 / 節" in second.stdout and "隔離 8 行" in second.stdout


def test_classify_output_cannot_inject_excel_formulas(tmp_path, survey_csv):
    source = survey_csv([["A1", "2026/11/24", "1", '=HYPERLINK("http://example.com","詳細")', "Web"]])
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(source), "--text-column", "自由記述", "-o", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert frame.loc[0, "自由記述"].startswith("'=HYPERLINK")


def test_table_output_shows_comment_markup_literally(capsys):
    from vocpipe.render import emit

    emit(pd.DataFrame({"text": ["[bold red]配送が遅い[/bold red]"]}), "table")
    assert "[bold red]配送が遅い[/bold red]" in capsys.readouterr().out


def test_discover_lists_emerging_themes_with_terms_and_quotes(demo_db):
    themes = invoke_json("discover", "--db", str(demo_db))
    assert themes and all(t["size"] >= 5 and t["top_terms"] and t["quotes"] for t in themes)
