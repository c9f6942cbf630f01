"""DuckDB store: responses, clauses, quarantine, runs and driver results in one file.

Why DuckDB: an embedded, columnar database that a CX team can copy, open from Python, R or
its CLI, and query with SQL; no server to run.  Every write here is idempotent:

* responses are upserted by ``response_id``; a changed ``content_hash`` (new comment text, score,
  date or segments) marks the response for reprocessing (``processed_hash`` no longer matches);
* clauses of a response are replaced together with its ``processed_hash`` in one transaction, so
  a run killed at any point leaves each response either fully processed or still pending;
* quarantine rows are keyed by file, row and column, so loading a file twice records them once.

All filters take bound parameters; no SQL is built from user values.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from vocpipe.columns import CLAUSE_COLUMNS

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    response_id VARCHAR PRIMARY KEY,
    submitted_at TIMESTAMPTZ NOT NULL,
    nps INTEGER NOT NULL CHECK (nps BETWEEN 0 AND 10),
    comment VARCHAR NOT NULL,
    comment_chars INTEGER,
    segments VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    processed_hash VARCHAR,
    source_file VARCHAR,
    source_row INTEGER,
    run_id VARCHAR,
    loaded_at TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS response_segments (
    response_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    PRIMARY KEY (response_id, name)
);
CREATE TABLE IF NOT EXISTS clauses (
    response_id VARCHAR NOT NULL,
    clause_index INTEGER NOT NULL,
    start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL,
    text VARCHAR NOT NULL,
    sentiment VARCHAR,
    sentiment_score DOUBLE,
    confidence DOUBLE,
    request BOOLEAN,
    topics VARCHAR[],
    topic_sources VARCHAR[],
    PRIMARY KEY (response_id, clause_index)
);
CREATE TABLE IF NOT EXISTS quarantine (
    source_file VARCHAR NOT NULL,
    source_row INTEGER NOT NULL,
    column_name VARCHAR NOT NULL,
    value VARCHAR,
    reason VARCHAR NOT NULL,
    run_id VARCHAR,
    quarantined_at TIMESTAMPTZ,
    PRIMARY KEY (source_file, source_row, column_name)
);
CREATE TABLE IF NOT EXISTS sources (
    fingerprint VARCHAR PRIMARY KEY,
    source_file VARCHAR NOT NULL,
    rows_read INTEGER,
    loaded_at TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    flow VARCHAR,
    source_file VARCHAR,
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    status VARCHAR,
    rows_read INTEGER,
    rows_stored INTEGER,
    rows_new INTEGER,
    rows_changed INTEGER,
    rows_unchanged INTEGER,
    rows_quarantined INTEGER,
    responses_processed INTEGER,
    clauses_written INTEGER,
    models VARCHAR,
    report_path VARCHAR
);
"""


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


@contextmanager
def connect(db_path: str | Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the store (creating the schema on first use) and close it afterwards."""
    db_path = Path(db_path)
    if read_only and not db_path.exists():
        from vocpipe.errors import InputError

        raise InputError(f"{db_path}: データベースが見つかりません (先に vocpipe run を実行してください)")
    created = not read_only and not db_path.exists()
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path), read_only=read_only)
    if created:
        # The store holds survey comments: readable by its owner only (see SECURITY.md).
        db_path.chmod(0o600)
    try:
        if not read_only:
            con.execute(SCHEMA)
        yield con
    finally:
        con.close()


@contextmanager
def kept_open(db_path: str | Path) -> Iterator[None]:
    """Hold the store open while a loop makes many short :func:`connect` calls.

    Why: DuckDB shares one database instance between the connections of a process, and closing
    the last one checkpoints the write-ahead log into the file; the analysis loop opens a
    connection per chunk fetch and per chunk write, so without this every chunk re-opened the
    database and checkpointed it (fetch + write 0.19 s per chunk at 100k responses, 0.09 s kept
    open).  Each write still commits on its own, so a run killed mid-loop loses nothing that was
    committed (the log is replayed on the next open)."""
    with connect(db_path):
        yield


def upsert_responses(con: duckdb.DuckDBPyConnection, responses: pd.DataFrame, run_id: str) -> dict[str, int]:
    """Insert new responses and replace changed ones; returns new/changed/unchanged counts.

    ``responses`` needs the columns produced by :func:`vocpipe.ingest.load_responses`.
    """
    if responses.empty:
        return {"new": 0, "changed": 0, "unchanged": 0}
    incoming = responses.assign(run_id=run_id, loaded_at=now_utc())
    con.register("incoming", incoming)
    try:
        status = con.execute(
            """
            SELECT i.response_id,
                   CASE WHEN r.response_id IS NULL THEN 'new'
                        WHEN r.content_hash = i.content_hash THEN 'unchanged'
                        ELSE 'changed' END AS status
            FROM incoming i LEFT JOIN responses r USING (response_id)
            """
        ).df()
        counts = status["status"].value_counts().to_dict()
        to_write = status.loc[status["status"] != "unchanged", "response_id"]
        if len(to_write):
            con.register("to_write", pd.DataFrame({"response_id": to_write}))
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute("DELETE FROM responses WHERE response_id IN (SELECT response_id FROM to_write)")
                con.execute("DELETE FROM response_segments WHERE response_id IN (SELECT response_id FROM to_write)")
                con.execute(
                    """
                    INSERT INTO responses
                    SELECT response_id, submitted_at, nps, comment, comment_chars, segments,
                           content_hash, NULL, source_file, source_row, run_id, loaded_at
                    FROM incoming WHERE response_id IN (SELECT response_id FROM to_write)
                    """
                )
                # Segment rows are unpacked from the JSON by DuckDB: a Python loop over every
                # row's json.loads was half the upsert's time on a million-row export.
                con.execute(
                    """
                    INSERT INTO response_segments
                    SELECT i.response_id, s.key, s.value ->> '$'
                    FROM incoming i, json_each(i.segments) s
                    WHERE i.response_id IN (SELECT response_id FROM to_write)
                    """
                )
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
            con.unregister("to_write")
    finally:
        con.unregister("incoming")
    return {k: int(counts.get(k, 0)) for k in ("new", "changed", "unchanged")}


def record_quarantine(con: duckdb.DuckDBPyConnection, quarantine: pd.DataFrame, run_id: str) -> None:
    """Store quarantined rows; the same file row is recorded once however often it is loaded."""
    if quarantine.empty:
        return
    rows = quarantine.assign(run_id=run_id, quarantined_at=now_utc())
    rows = rows.drop_duplicates(["source_file", "source_row", "column_name"], keep="last")
    con.register("q_rows", rows)
    try:
        con.execute(
            """
            INSERT OR REPLACE INTO quarantine
            SELECT source_file, source_row, column_name, value, reason, run_id, quarantined_at FROM q_rows
            """
        )
    finally:
        con.unregister("q_rows")


def source_seen(con: duckdb.DuckDBPyConnection, fingerprint: str) -> bool:
    """True when a file with exactly this content (and load settings) was fully loaded before."""
    return con.execute("SELECT count(*) FROM sources WHERE fingerprint = ?", [fingerprint]).fetchone()[0] > 0


def remember_source(con: duckdb.DuckDBPyConnection, fingerprint: str, source_file: str, rows_read: int) -> None:
    con.execute("INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?)", [fingerprint, source_file, rows_read, now_utc()])


def mark_for_reprocessing(con: duckdb.DuckDBPyConnection, where: str, params: list) -> int:
    """Make the responses matching ``where`` (SQL over alias ``r``, values bound in ``params``,
    e.g. from ``drivers.Scope.where``) pending again; returns how many.  Used by backfills after
    a model or taxonomy change."""
    marked = con.execute(f"SELECT count(*) FROM responses r WHERE {where}", params).fetchone()[0]
    con.execute(f"UPDATE responses r SET processed_hash = NULL WHERE {where}", params)
    return int(marked)


PENDING = "(processed_hash IS NULL OR processed_hash <> content_hash)"


def pending_ids(con: duckdb.DuckDBPyConnection, *, full: bool = False) -> list[str]:
    """Ids of responses whose clauses are missing or stale (all ids with ``full``)."""
    where = "" if full else f"WHERE {PENDING}"
    return [row[0] for row in con.execute(f"SELECT response_id FROM responses {where} ORDER BY response_id").fetchall()]


def pending_ranges(con: duckdb.DuckDBPyConnection, chunk_size: int, *, full: bool = False) -> list[tuple[str, str, int]]:
    """(first id, last id, count) of each run of ``chunk_size`` pending responses in id order.

    Why bounds and not the ids: the flow holds its work list for the whole analysis, and a
    million ids as Python strings are ~65 MB of it."""
    where = "" if full else f"WHERE {PENDING}"
    return [tuple(row) for row in con.execute(
        f"""SELECT min(response_id), max(response_id), count(*) FROM (
                SELECT response_id, (row_number() OVER (ORDER BY response_id) - 1) // ? AS chunk
                FROM responses {where}) GROUP BY chunk ORDER BY chunk""", [max(1, int(chunk_size))]).fetchall()]


def pending_between(con: duckdb.DuckDBPyConnection, first_id: str, last_id: str, *, full: bool = False) -> pd.DataFrame:
    """``response_id``, ``comment``, ``content_hash`` of the pending responses (all with ``full``)
    whose ids lie in [``first_id``, ``last_id``], in id order."""
    where = "" if full else f"AND {PENDING}"
    return con.execute(
        f"SELECT response_id, comment, content_hash FROM responses WHERE response_id BETWEEN ? AND ? {where} "
        "ORDER BY response_id", [first_id, last_id]).df()


def responses_by_id(con: duckdb.DuckDBPyConnection, ids: list[str]) -> pd.DataFrame:
    """``response_id``, ``comment``, ``content_hash`` for ``ids`` (in id order)."""
    con.register("wanted_ids", pd.DataFrame({"response_id": list(ids)}))
    try:
        return con.execute(
            "SELECT r.response_id, r.comment, r.content_hash FROM responses r "
            "JOIN wanted_ids USING (response_id) ORDER BY r.response_id"
        ).df()
    finally:
        con.unregister("wanted_ids")


def replace_clauses(con: duckdb.DuckDBPyConnection, clauses: pd.DataFrame, processed: pd.DataFrame) -> int:
    """Atomically replace the clauses of ``processed`` responses and mark them processed.

    ``processed`` has ``response_id`` and ``content_hash``; ``clauses`` has ``CLAUSE_COLUMNS``.
    """
    con.register("done_ids", processed[["response_id", "content_hash"]])
    con.register("new_clauses", clauses[CLAUSE_COLUMNS])
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM clauses WHERE response_id IN (SELECT response_id FROM done_ids)")
            con.execute(f"INSERT INTO clauses SELECT {', '.join(CLAUSE_COLUMNS)} FROM new_clauses")
            con.execute(
                "UPDATE responses SET processed_hash = d.content_hash FROM done_ids d "
                "WHERE responses.response_id = d.response_id"
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    finally:
        con.unregister("done_ids")
        con.unregister("new_clauses")
    return len(clauses)


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, flow: str, source_file: str | None) -> None:
    con.execute(
        "INSERT OR REPLACE INTO runs (run_id, flow, source_file, started_at, status) VALUES (?, ?, ?, ?, 'running')",
        [run_id, flow, source_file, now_utc()],
    )


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, **counts: object) -> None:
    allowed = {
        "rows_read", "rows_stored", "rows_new", "rows_changed", "rows_unchanged", "rows_quarantined",
        "responses_processed", "clauses_written", "models", "report_path",
    }
    sets = ["finished_at = ?", "status = ?"]
    params: list[object] = [now_utc(), status]
    for key, value in counts.items():
        if key not in allowed:
            raise KeyError(key)
        sets.append(f"{key} = ?")
        params.append(value)
    con.execute(f"UPDATE runs SET {', '.join(sets)} WHERE run_id = ?", [*params, run_id])


def last_report_path(con: duckdb.DuckDBPyConnection) -> str | None:
    """Where the newest completed run wrote its report, if any did."""
    row = con.execute(
        "SELECT report_path FROM runs WHERE status = 'completed' AND report_path IS NOT NULL "
        "ORDER BY finished_at DESC LIMIT 1").fetchone()
    return row[0] if row else None


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {
        name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        for name in ("responses", "clauses", "quarantine", "runs")
    }
