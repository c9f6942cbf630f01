"""Nightly VoC analysis: ingest -> clauses + classification -> store -> drivers -> report.

Incremental and idempotent: only responses whose content hash differs from the one their
clauses were computed from are analysed (``full=True`` redoes all); re-running with the same
input changes nothing, and a run killed at any point can simply be run again.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from vocpipe.prefect_env import apply_prefect_defaults

apply_prefect_defaults()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from vocpipe import pipeline  # noqa: E402
from vocpipe.config import Settings, load_settings  # noqa: E402
from vocpipe.errors import InputError, VocpipeError  # noqa: E402


def retry_unless_user_error(task, task_run, state) -> bool:
    """Retry I/O hiccups, never bad data: a VocpipeError will fail again the same way."""
    try:
        state.result()
    except VocpipeError:
        return False
    except Exception:
        return True
    return True


IO_TASK = dict(retries=3, retry_delay_seconds=[2, 10, 30], retry_condition_fn=retry_unless_user_error, cache_policy=NO_CACHE)


@task(name="load-source", **IO_TASK)
def load_source(source: str, settings: Settings, run_id: str, encoding: str | None, fingerprint: str) -> dict:
    return pipeline.load_source(Path(source), settings, run_id, encoding=encoding, fingerprint=fingerprint)


@task(name="fingerprint-source", **IO_TASK)
def fingerprint_source(source: str, settings: Settings, encoding: str | None) -> str:
    if not Path(source).is_file():
        raise InputError(f"{source}: ファイルが見つかりません")
    return pipeline.source_fingerprint(Path(source), settings, encoding)


@task(name="pending-chunks", **IO_TASK)
def pending_chunks(settings: Settings, full: bool) -> list:
    return pipeline.pending_chunks(settings, full)


@task(name="fetch-chunk", **IO_TASK)
def fetch_chunk(settings: Settings, chunk: pipeline.Chunk, full: bool):
    return pipeline.fetch_chunk(settings, chunk, full)


@task(name="analyse-chunk", cache_policy=NO_CACHE)
def analyse_chunk(comments, settings: Settings, workers: int):
    return pipeline.analyse_chunk(comments, settings, workers)


@task(name="write-clauses", **IO_TASK)
def write_clauses(clauses, comments, settings: Settings) -> int:
    return pipeline.write_clauses(clauses, comments, settings)


@task(name="drivers-and-report", **IO_TASK)
def drivers_and_report(settings: Settings, run_id: str, report: bool) -> dict:
    return pipeline.finish_analysis(settings, run_id, report=report)


def ingest_source(source: str, settings: Settings, run_id: str, encoding: str | None, full: bool) -> dict:
    """Load ``source`` into the store unless these exact bytes were loaded before (or ``full``);
    returns the row counts.  Called inside a flow (it runs tasks)."""
    fingerprint = fingerprint_source(source, settings, encoding)
    if not full and pipeline.source_unchanged(settings, fingerprint):
        return pipeline.unchanged_source_summary(source)
    return load_source(source, settings, run_id, encoding, fingerprint)


KEEP_OPEN_CHUNKS = 10


def analyse_pending(settings: Settings, full: bool, distributed: bool) -> tuple[int, int]:
    """Analyse every pending response chunk by chunk; returns (responses, clauses written).

    Chunks are id ranges; each chunk's comments are fetched when it is analysed, so memory
    does not grow with the number of pending responses.  The store stays open for runs of
    ``KEEP_OPEN_CHUNKS`` chunks (``store.kept_open``), so a chunk's fetch and write do not
    re-open and checkpoint it; it is closed between runs because an open DuckDB instance keeps
    every block it read or wrote cached (~160 MB more at the peak of a million-response run).
    Called inside a flow (it runs tasks).
    """
    workers = 1 if distributed else settings.effective_workers()
    window = 2 * settings.effective_workers() if distributed else 1
    processed = clauses_written = 0
    in_flight = []
    chunks = pending_chunks(settings, full)
    for first in range(0, len(chunks), KEEP_OPEN_CHUNKS):
        with pipeline.store_kept_open(settings):
            for chunk in chunks[first : first + KEEP_OPEN_CHUNKS]:
                comments = fetch_chunk(settings, chunk, full)
                processed += len(comments)
                in_flight.append((analyse_chunk.submit(comments, settings, workers), comments))
                if len(in_flight) >= window:
                    future, done = in_flight.pop(0)
                    clauses_written += write_clauses(future.result(), done, settings)
    for future, done in in_flight:
        clauses_written += write_clauses(future.result(), done, settings)
    pipeline.release_workers()  # the drivers and report stage needs the memory, not the pool
    return processed, clauses_written


@flow(name="nightly-voc-analysis", log_prints=False)
def nightly_voc_analysis(
    source: str,
    db: str | None = None,
    full: bool = False,
    report: bool = True,
    chunk_size: int | None = None,
    encoding: str | None = None,
    report_dir: str | None = None,
    columns: dict[str, str] | None = None,
    distributed: bool = False,
) -> dict:
    """Analyse what is new in ``source`` and refresh the store and the report.

    ``distributed=True`` (set by ``--task-runner dask``) analyses chunks in parallel tasks,
    one process each; otherwise each chunk uses a local process pool over all cores.
    """
    settings = load_settings(db_path=db, chunk_size=chunk_size, report_dir=report_dir, columns=columns)
    run_id = uuid.uuid4().hex[:12]
    logger = get_run_logger()
    stages: dict[str, float] = {}
    clock = time.perf_counter()
    pipeline.begin_run(settings, run_id, "nightly", source)
    try:
        counts = ingest_source(source, settings, run_id, encoding, full)
        stages["ingest"] = time.perf_counter() - clock
        processed, clauses_written = analyse_pending(settings, full, distributed)
        stages["analyse_and_write"] = time.perf_counter() - clock - stages["ingest"]
        summary = {**counts, "run_id": run_id, "responses_processed": processed, "clauses_written": clauses_written}
        pipeline.end_run(settings, run_id, "completed", summary)
        mark = time.perf_counter()
        if counts.get("source_unchanged") and processed == 0 and pipeline.previous_results_current(settings, report):
            # Same file, nothing pending: the stored drivers and the last report still hold.
            summary.update(pipeline.previous_results(settings))
        else:
            summary.update(drivers_and_report(settings, run_id, report))
        stages["drivers_and_report"] = time.perf_counter() - mark
        summary["stage_seconds"] = {k: round(v, 2) for k, v in stages.items()}
        pipeline.publish_artifact(summary)
        logger.info("run %s: read %s stored %s quarantined %s processed %s clauses %s", run_id,
                    summary["rows_read"], summary["rows_stored"], summary["rows_quarantined"], processed, clauses_written)
        return summary
    except Exception:
        pipeline.end_run(settings, run_id, "failed", {})
        raise


def run_nightly(source: str, settings: Settings, *, full: bool = False, report: bool = True, encoding: str | None = None,
                task_runner: str = "local", dask_address: str | None = None) -> dict:
    """Run the flow in this process (temporary Prefect server unless PREFECT_API_URL is set).

    ``task_runner="dask"`` runs the same flow on prefect-dask's DaskTaskRunner: on the cluster
    at ``dask_address``, or on a 2-process LocalCluster when no address is given.
    """
    flow_to_run = nightly_voc_analysis
    if task_runner == "dask":
        flow_to_run = nightly_voc_analysis.with_options(task_runner=dask_task_runner(dask_address))
    return flow_to_run(
        source=source, db=str(settings.db_path), full=full, report=report, chunk_size=settings.chunk_size,
        encoding=encoding, report_dir=str(settings.report_dir), columns=settings.columns or None,
        distributed=task_runner == "dask",
    )


def dask_task_runner(address: str | None = None, n_workers: int | None = None):
    """prefect-dask runner for an existing scheduler, or a LocalCluster of one process per core."""
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise VocpipeError("Dask で実行するには pip install 'vocpipe[dask]' が必要です") from None
    if address:
        return DaskTaskRunner(address=address)
    import os

    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={"n_workers": n_workers or max(1, os.cpu_count() or 1), "threads_per_worker": 1,
                        "dashboard_address": None, "processes": True},
    )
