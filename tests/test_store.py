"""DuckDB store: idempotent loads, reprocessing of changed comments, atomic clause writes."""

import pandas as pd

from vocpipe import store
from vocpipe.ingest import load_responses


def pending(con):
    return store.responses_by_id(con, store.pending_ids(con))


def load_into(db, path, run_id="run1"):
    result = load_responses(path)
    with store.connect(db) as con:
        counts = store.upsert_responses(con, result.responses, run_id)
        store.record_quarantine(con, result.quarantine, run_id)
        return counts, store.table_counts(con)


def test_loading_the_same_file_twice_duplicates_nothing(tmp_path, survey_csv):
    path = survey_csv([["A1", "2026/11/24", "9", "満足", "店舗"], ["A2", "2026/11/24", "N/A", "不明", "店舗"]])
    first, totals_first = load_into(tmp_path / "v.duckdb", path)
    second, totals_second = load_into(tmp_path / "v.duckdb", path, "run2")
    assert first == {"new": 1, "changed": 0, "unchanged": 0}
    assert second == {"new": 0, "changed": 0, "unchanged": 1}
    assert totals_first == totals_second == {"responses": 1, "clauses": 0, "quarantine": 1, "runs": 0}


def test_changed_comment_replaces_the_old_one_and_is_marked_for_reprocessing(tmp_path, survey_csv):
    db = tmp_path / "v.duckdb"
    load_into(db, survey_csv([["A1", "2026/11/24", "3", "配送が遅い", "Web"]], name="a.csv"))
    with store.connect(db) as con:
        to_process = pending(con)
        clauses = pd.DataFrame([{"response_id": "A1", "clause_index": 0, "start_char": 0, "end_char": 5, "text": "配送が遅い",
                                 "sentiment": "negative", "sentiment_score": -0.9, "confidence": 0.9, "request": False,
                                 "topics": ["delivery"], "topic_sources": ["model"]}])
        store.replace_clauses(con, clauses, to_process)
        assert pending(con).empty
    counts, _ = load_into(db, survey_csv([["A1", "2026/11/24", "3", "配送がとても遅い", "Web"]], name="b.csv"))
    assert counts == {"new": 0, "changed": 1, "unchanged": 0}
    with store.connect(db) as con:
        assert con.execute("SELECT comment FROM responses").fetchone()[0] == "配送がとても遅い"
        assert list(pending(con)["response_id"]) == ["A1"]


def test_replacing_clauses_removes_the_old_ones(tmp_path, survey_csv):
    db = tmp_path / "v.duckdb"
    load_into(db, survey_csv([["A1", "2026/11/24", "3", "遅い", "Web"]]))
    row = {"response_id": "A1", "start_char": 0, "end_char": 2, "text": "遅い", "sentiment": "negative",
           "sentiment_score": -0.8, "confidence": 0.8, "request": False, "topics": [], "topic_sources": []}
    with store.connect(db) as con:
        to_process = pending(con)
        store.replace_clauses(con, pd.DataFrame([{**row, "clause_index": 0}, {**row, "clause_index": 1}]), to_process)
        store.replace_clauses(con, pd.DataFrame([{**row, "clause_index": 0}]), to_process)
        assert con.execute("SELECT count(*) FROM clauses").fetchone()[0] == 1


def test_segments_are_stored_as_rows_for_filtering(tmp_path, survey_csv):
    db = tmp_path / "v.duckdb"
    load_into(db, survey_csv([["A1", "2026/11/24", "3", "遅い", "アプリ"]]))
    with store.connect(db) as con:
        assert con.execute("SELECT name, value FROM response_segments").fetchall() == [("チャネル", "アプリ")]


def test_new_database_file_is_private_to_its_owner(tmp_path):
    with store.connect(tmp_path / "private.duckdb"):
        pass
    assert (tmp_path / "private.duckdb").stat().st_mode & 0o777 == 0o600


def test_loading_a_file_in_blocks_gives_the_same_store_as_one_block(tmp_path, survey_csv):
    from vocpipe.config import Settings
    from vocpipe.pipeline import load_source

    rows = [[f"A{i}", "2026/11/24", "5", f"コメント{i}", "Web"] for i in range(5)] + [["A0", "2026/11/25", "9", "最新", "Web"]]
    path = survey_csv(rows)
    summary = load_source(path, Settings(db_path=tmp_path / "blocks.duckdb"), "r1", block_rows=2)
    assert (summary["rows_read"], summary["rows_stored"], summary["rows_quarantined"]) == (6, 5, 1)
    with store.connect(tmp_path / "blocks.duckdb", read_only=True) as con:
        assert con.execute("SELECT count(*) FROM responses").fetchone()[0] == 5
        assert con.execute("SELECT comment FROM responses WHERE response_id = 'A0'").fetchone()[0] == "最新"
        assert con.execute("SELECT source_row FROM quarantine").fetchall() == [(2,)]


def test_pending_responses_are_cut_into_id_ranges_that_cover_each_one_once(tmp_path, survey_csv):
    db = tmp_path / "v.duckdb"
    rows = [[f"A{i:02d}", "2026/11/24", "8", f"接客が丁寧でした{i}", "店舗"] for i in range(7)]
    load_into(db, survey_csv(rows))
    with store.connect(db) as con:
        ranges = store.pending_ranges(con, 3)
        fetched = [store.pending_between(con, first, last)["response_id"].tolist() for first, last, _ in ranges]
    assert ranges == [("A00", "A02", 3), ("A03", "A05", 3), ("A06", "A06", 1)]
    assert sum(fetched, []) == [f"A{i:02d}" for i in range(7)]


def test_a_range_fetches_only_responses_still_pending_unless_full(tmp_path, survey_csv):
    db = tmp_path / "v.duckdb"
    load_into(db, survey_csv([["A1", "2026/11/24", "3", "遅い", "Web"], ["A2", "2026/11/24", "9", "早い", "Web"]]))
    with store.connect(db) as con:
        first = pending(con).iloc[:1]
        store.replace_clauses(con, pd.DataFrame(columns=store.CLAUSE_COLUMNS), first)
        assert store.pending_between(con, "A1", "A2")["response_id"].tolist() == ["A2"]
        assert store.pending_between(con, "A1", "A2", full=True)["response_id"].tolist() == ["A1", "A2"]
        assert store.pending_ranges(con, 10) == [("A2", "A2", 1)]


def test_writes_made_while_the_store_is_kept_open_are_committed_and_the_file_released(tmp_path, survey_csv):
    db = tmp_path / "v.duckdb"
    load_into(db, survey_csv([["A1", "2026/11/24", "3", "遅い", "Web"]]))
    row = {"response_id": "A1", "clause_index": 0, "start_char": 0, "end_char": 2, "text": "遅い", "sentiment": "negative",
           "sentiment_score": -0.8, "confidence": 0.8, "request": False, "topics": ["delivery"], "topic_sources": ["model"]}
    with store.kept_open(db):
        with store.connect(db) as con:
            store.replace_clauses(con, pd.DataFrame([row]), pending(con))
        with store.connect(db) as con:
            assert pending(con).empty
    with store.connect(db, read_only=True) as con:  # a different configuration: only possible once released
        assert con.execute("SELECT count(*) FROM clauses").fetchone()[0] == 1
