"""The nightly Prefect flow: incremental, idempotent, crash-safe, same results on Dask."""

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from vocpipe import store
from vocpipe.config import Settings

from conftest import REPO, SAMPLE

SUBSET_ROWS = 300


@pytest.fixture(scope="module")
def small_survey(tmp_path_factory):
    """The first rows of the demo survey, as a separate file."""
    path = tmp_path_factory.mktemp("survey") / "survey.csv"
    pd.read_csv(SAMPLE / "survey_responses.csv", dtype=str).head(SUBSET_ROWS).to_csv(path, index=False)
    return path


def snapshot(db):
    """Everything a rerun must leave unchanged (no run ids or load times)."""
    with store.connect(db, read_only=True) as con:
        responses = con.execute("SELECT response_id, submitted_at, nps, comment, segments, content_hash, processed_hash "
                                "FROM responses ORDER BY response_id").df()
        clauses = con.execute("SELECT * FROM clauses ORDER BY response_id, clause_index").df()
        quarantine = con.execute("SELECT source_file, source_row, column_name, reason FROM quarantine ORDER BY ALL").df()
    clauses["sentiment_score"] = clauses["sentiment_score"].round(6)
    clauses["confidence"] = clauses["confidence"].round(6)
    return responses, clauses, quarantine


def assert_same_store(a, b):
    for left, right in zip(snapshot(a), snapshot(b)):
        pd.testing.assert_frame_equal(left, right)


def run(source, db, **kwargs):
    from flows.nightly import run_nightly

    return run_nightly(str(source), Settings(db_path=db, chunk_size=kwargs.pop("chunk_size", 100), workers=1), **kwargs)


def test_first_run_stores_every_response_with_clauses(prefect_server, small_survey, tmp_path):
    summary = run(small_survey, tmp_path / "v.duckdb", report=False)
    assert summary["rows_read"] == SUBSET_ROWS == summary["rows_stored"] + summary["rows_quarantined"]
    assert summary["responses_processed"] == SUBSET_ROWS and summary["clauses_written"] > SUBSET_ROWS
    with store.connect(tmp_path / "v.duckdb", read_only=True) as con:
        offsets_ok = con.execute(
            "SELECT bool_and(substr(r.comment, c.start_char + 1, c.end_char - c.start_char) = c.text) "
            "FROM clauses c JOIN responses r USING (response_id)").fetchone()[0]
    assert offsets_ok


def test_rerun_with_the_same_input_changes_nothing(prefect_server, small_survey, tmp_path):
    db = tmp_path / "v.duckdb"
    run(small_survey, db, report=False)
    before = snapshot(db)
    summary = run(small_survey, db, report=False)
    assert summary["source_unchanged"] and summary["responses_processed"] == 0
    for left, right in zip(before, snapshot(db)):
        pd.testing.assert_frame_equal(left, right)


def test_re_export_with_one_new_row_stores_only_that_row(prefect_server, small_survey, tmp_path):
    db = tmp_path / "v.duckdb"
    run(small_survey, db, report=False)
    frame = pd.read_csv(small_survey, dtype=str)
    grown = tmp_path / "grown.csv"
    pd.concat([frame, frame.iloc[[0]].assign(回答ID="NEW-2")]).to_csv(grown, index=False)
    summary = run(grown, db, report=False)
    assert (summary["rows_read"], summary["rows_unchanged"], summary["rows_new"]) == (SUBSET_ROWS + 1, SUBSET_ROWS, 1)
    assert summary["responses_processed"] == 1


def test_only_new_and_changed_responses_are_processed(prefect_server, small_survey, tmp_path):
    db = tmp_path / "v.duckdb"
    run(small_survey, db, report=False)
    frame = pd.read_csv(small_survey, dtype=str)
    frame.loc[0, "自由記述"] = "配送が三日も遅れました。"
    extra = frame.iloc[[1]].assign(回答ID="NEW-1", 自由記述="アプリが使いやすくなった")
    changed = tmp_path / "changed.csv"
    pd.concat([frame, extra]).to_csv(changed, index=False)
    summary = run(changed, db, report=False)
    assert (summary["rows_new"], summary["rows_changed"], summary["responses_processed"]) == (1, 1, 2)
    with store.connect(db, read_only=True) as con:
        texts = con.execute("SELECT text FROM clauses WHERE response_id = ?", [frame.loc[0, "回答ID"]]).fetchall()
    assert texts == [("配送が三日も遅れました。",)]


def test_bad_input_fails_the_flow_without_retrying(prefect_server, tmp_path):
    from vocpipe.errors import InputError

    started = time.monotonic()
    with pytest.raises(InputError, match="ファイルが見つかりません"):
        run(tmp_path / "missing.csv", tmp_path / "v.duckdb", report=False)
    assert time.monotonic() - started < 10  # retries would wait 2 + 10 + 30 s


def test_full_run_writes_report_and_artifact(prefect_server, small_survey, tmp_path):
    from prefect.artifacts import Artifact

    summary = run(small_survey, tmp_path / "v.duckdb", report=True)
    assert (tmp_path / "reports" / "report.html").exists() or os.path.exists(summary["report_path"])
    artifact = Artifact.get("voc-run-summary")
    assert artifact is not None and f"rows read | {SUBSET_ROWS}" in artifact.data
    assert "Top complaint themes" in artifact.data and len(summary["top_complaints"]) == 5
    with store.connect(tmp_path / "v.duckdb", read_only=True) as con:
        ranked = con.execute("SELECT count(*) FROM driver_results WHERE status = 'ranked' AND run_id = ?",
                             [summary["run_id"]]).fetchone()[0]
    assert ranked > 0


@pytest.mark.slow
def test_dask_runner_stores_exactly_the_same_results(prefect_server, small_survey, tmp_path):
    run(small_survey, tmp_path / "local.duckdb", report=False)
    run(small_survey, tmp_path / "dask.duckdb", report=False, task_runner="dask")
    assert_same_store(tmp_path / "local.duckdb", tmp_path / "dask.duckdb")


CHILD = """
import sys
from flows.nightly import run_nightly
from vocpipe.config import Settings
run_nightly(sys.argv[1], Settings(db_path=sys.argv[2], chunk_size=60, workers=1), report=False)
"""


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_minus_nine_mid_run_then_rerun_gives_the_clean_result(prefect_server, small_survey, tmp_path, seed):
    import random

    clean = tmp_path / "clean.duckdb"
    run(small_survey, clean, report=False, chunk_size=60)
    killed = tmp_path / "killed.duckdb"
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # the child starts its own temporary Prefect server
    # Its own session, so kill -9 takes its temporary Prefect server down with it (as a crash of
    # a scheduled run's machine would) instead of leaving it running.
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(small_survey), str(killed)], env=env, cwd=REPO,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    # Wait until the child has started writing, then kill it at a seeded random moment.
    deadline = time.monotonic() + 60
    while not killed.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(random.Random(seed).uniform(0.0, 3.0))
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    with store.connect(killed) as con:
        print("state at kill:", store.table_counts(con))  # shown with -s: where the kill landed
    run(small_survey, killed, report=False, chunk_size=60)
    assert_same_store(clean, killed)


def test_backfill_reanalyses_only_the_date_range(prefect_server, small_survey, tmp_path):
    from flows.backfill import backfill_voc_analysis

    db = tmp_path / "v.duckdb"
    run(small_survey, db, report=False)
    with store.connect(db, read_only=True) as con:
        in_range = con.execute("SELECT count(*) FROM responses WHERE submitted_at >= TIMESTAMPTZ '2026-08-03 00:00:00+09' "
                               "AND submitted_at < TIMESTAMPTZ '2026-08-10 00:00:00+09'").fetchone()[0]
    summary = backfill_voc_analysis(since="2026-08-03", until="2026-08-09", db=str(db), report=False)
    assert 0 < in_range < SUBSET_ROWS
    assert summary["responses_marked"] == summary["responses_processed"] == in_range
    with store.connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM responses WHERE processed_hash IS DISTINCT FROM content_hash").fetchone()[0] == 0


@pytest.mark.slow
def test_train_models_flow_writes_loadable_models_with_cards_including_user_labels(prefect_server, tmp_path):
    from flows.training import train_models
    from vocpipe.analyze import Models

    user = tmp_path / "my_labels.csv"
    pd.DataFrame({"text": ["QRコード決済が使えて便利", "QRコード決済が遅すぎる", "セルフレジの画面が見づらい"],
                  "sentiment": ["positive", "ネガティブ", "negative"], "request": [0, 0, 0]}).to_csv(user, index=False)
    cards = train_models(models_dir=str(tmp_path / "models"), sentiment_data=str(user))
    from vocpipe.corpus import load_clauses

    assert sum(cards["sentiment"]["sizes"].values()) == len(load_clauses()) + 3  # corpus + the user's rows
    assert cards["sentiment"]["metrics"]["test"]["macro_f1"] > 0.8
    assert cards["topics"]["metrics"]["test"]["micro_f1"] > cards["topics"]["keyword_baseline_test"]["micro_f1"]
    models = Models.load(tmp_path / "models")
    assert list(models.sentiment.predict(["最高でした"])) == ["positive"]
    assert (tmp_path / "models" / "sentiment.card.md").read_text(encoding="utf-8").startswith("# Model card")
