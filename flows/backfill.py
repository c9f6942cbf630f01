"""Backfill: re-analyse a date range (after a model or taxonomy change), optionally loading a
historical export first, then refresh drivers and the report.

    from flows.backfill import backfill_voc_analysis
    backfill_voc_analysis(since="2026-09-01", until="2026-09-30", db="vocpipe.duckdb")
"""

from __future__ import annotations

import uuid

from vocpipe.prefect_env import apply_prefect_defaults

apply_prefect_defaults()

from prefect import flow, task  # noqa: E402

from flows.nightly import IO_TASK, analyse_pending, drivers_and_report, ingest_source  # noqa: E402
from vocpipe import pipeline, store  # noqa: E402
from vocpipe.config import load_settings  # noqa: E402


@task(name="mark-date-range", **IO_TASK)
def mark_date_range(settings, since: str, until: str) -> int:
    from vocpipe.drivers import Scope

    where, params = Scope(since, until, timezone=settings.timezone).where("r")
    with store.connect(settings.db_path) as con:
        return store.mark_for_reprocessing(con, where, params)


@flow(name="backfill-voc-analysis", log_prints=False)
def backfill_voc_analysis(since: str, until: str, db: str | None = None, source: str | None = None,
                          report: bool = True, chunk_size: int | None = None, report_dir: str | None = None,
                          encoding: str | None = None, distributed: bool = False) -> dict:
    """Reprocess responses submitted from ``since`` to ``until`` (inclusive dates, local time)."""
    settings = load_settings(db_path=db, chunk_size=chunk_size, report_dir=report_dir)
    run_id = uuid.uuid4().hex[:12]
    pipeline.begin_run(settings, run_id, "backfill", source)
    try:
        counts = ingest_source(source, settings, run_id, encoding, False) if source else pipeline.unchanged_source_summary(None)
        marked = mark_date_range(settings, since, until)
        processed, clauses_written = analyse_pending(settings, False, distributed)
        summary = {**counts, "run_id": run_id, "range": [since, until], "responses_marked": marked,
                   "responses_processed": processed, "clauses_written": clauses_written}
        pipeline.end_run(settings, run_id, "completed", summary)
        summary.update(drivers_and_report(settings, run_id, report))
        return summary
    except Exception:
        pipeline.end_run(settings, run_id, "failed", {})
        raise
