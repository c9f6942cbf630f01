"""The steps of a nightly run as plain functions; ``flows/`` wraps each one in a Prefect task.

Keeping the steps here (not inside the flow) means the CLI, the benchmarks and the tests run
exactly the same code with or without Prefect, and the flow reads like a table of contents.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from vocpipe import store
from vocpipe.config import Settings
from vocpipe.ingest import iter_response_blocks
from vocpipe.memory import release_freed_memory


def load_source(path: Path, settings: Settings, run_id: str, *, encoding: str | None = None,
                fingerprint: str | None = None, block_rows: int = 20_000) -> dict:
    """Read ``path`` in blocks and upsert each block as it is validated (memory stays flat for
    million-row exports; blocks are validated on all cores); returns the run's row counts.  With
    ``fingerprint`` the file is remembered as loaded once every block is stored.

    Blocks of 20,000 rows: up to four are held at once (one being cut, three in the validating
    processes), and at a million rows 20,000 peaked 0.33 GB lower than 50,000 for ~5 s more.
    Safe to repeat after a failure: upserts and quarantine records are idempotent."""
    summary = _zero_counts(str(path))
    reasons: dict[str, int] = {}
    blocks = iter_response_blocks(Path(path), columns=settings.columns or None, encoding=encoding,
                                  timezone=settings.timezone, mask_pii=settings.mask_pii, block_rows=block_rows,
                                  workers=settings.effective_workers())
    with store.connect(settings.db_path) as con:
        for block in blocks:
            counts = store.upsert_responses(con, block.responses, run_id)
            store.record_quarantine(con, block.quarantine, run_id)
            for key, value in (("rows_read", block.rows_read), ("rows_stored", block.rows_stored),
                               ("rows_quarantined", block.rows_quarantined), ("rows_new", counts["new"]),
                               ("rows_changed", counts["changed"]), ("rows_unchanged", counts["unchanged"])):
                summary[key] += value
            for reason in block.quarantine["reason"].str.replace(r"'.*?'", "…", regex=True):
                reasons[reason] = reasons.get(reason, 0) + 1
        if fingerprint:
            store.remember_source(con, fingerprint, str(path), summary["rows_read"])
    release_freed_memory()  # the analysis that follows should not start at ingest's high-water mark
    summary["quarantine_reasons"] = dict(sorted(reasons.items(), key=lambda kv: -kv[1])[:5])
    return summary


def source_fingerprint(path: Path, settings: Settings, encoding: str | None = None) -> str:
    """SHA-256 of the file's bytes plus every setting that changes what loading it produces."""
    import hashlib

    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    digest.update(json.dumps([settings.columns, settings.mask_pii, settings.timezone, encoding], sort_keys=True).encode())
    return digest.hexdigest()


def source_unchanged(settings: Settings, fingerprint: str) -> bool:
    """Whether this exact file was loaded into the store before (so a nightly rerun can skip it)."""
    if not Path(settings.db_path).exists():
        return False
    with store.connect(settings.db_path) as con:
        return store.source_seen(con, fingerprint)


def _zero_counts(source: str | None) -> dict:
    return {"source_file": source, "rows_read": 0, "rows_stored": 0, "rows_quarantined": 0,
            "rows_new": 0, "rows_changed": 0, "rows_unchanged": 0}


def unchanged_source_summary(source: str | None) -> dict:
    """Row counts of a run that skipped an already-loaded file: nothing read, nothing new."""
    return {**_zero_counts(source), "quarantine_reasons": {}, "source_unchanged": True}


def begin_run(settings: Settings, run_id: str, flow: str, source: str | None) -> None:
    with store.connect(settings.db_path) as con:
        store.start_run(con, run_id, flow, source)


def end_run(settings: Settings, run_id: str, status: str, summary: dict) -> None:
    keys = {"rows_read", "rows_stored", "rows_new", "rows_changed", "rows_unchanged", "rows_quarantined",
            "responses_processed", "clauses_written", "report_path", "models"}
    with store.connect(settings.db_path) as con:
        store.finish_run(con, run_id, status, **{k: v for k, v in summary.items() if k in keys})


class Chunk(NamedTuple):
    """A run of pending responses by id range: what the flow keeps per chunk until it is fetched."""

    first_id: str
    last_id: str
    size: int


def pending_chunks(settings: Settings, full: bool) -> list[Chunk]:
    """The responses to analyse (all with ``full``), cut into chunks of ``settings.chunk_size``."""
    with store.connect(settings.db_path) as con:
        return [Chunk(*bounds) for bounds in store.pending_ranges(con, settings.chunk_size, full=full)]


def fetch_chunk(settings: Settings, chunk: Chunk, full: bool = False) -> pd.DataFrame:
    """``response_id``, ``comment``, ``content_hash`` of the chunk's pending responses.

    Responses of the range analysed since the chunks were cut are no longer pending and are not
    fetched again; with ``full`` every response of the range is."""
    with store.connect(settings.db_path) as con:
        return store.pending_between(con, chunk.first_id, chunk.last_id, full=full)


def store_kept_open(settings: Settings):
    """Context manager holding the store open across a loop of per-chunk fetches and writes."""
    return store.kept_open(settings.db_path)


@lru_cache(maxsize=4)
def cached_models(models_dir: str, taxonomy_path: str | None):
    """The process's models (scikit-learn and MeCab load on first use, not at import, so a
    nightly run with nothing new starts quickly)."""
    from vocpipe.analyze import Models
    from vocpipe.classify.taxonomy import load_taxonomy

    return Models.load(Path(models_dir), load_taxonomy(taxonomy_path) if taxonomy_path else None)


def analyse_chunk(comments: pd.DataFrame, settings: Settings, workers: int = 1) -> pd.DataFrame:
    from vocpipe.analyze import analyse_comments

    taxonomy = str(settings.taxonomy_path) if settings.taxonomy_path else None
    return analyse_comments(comments, cached_models(str(settings.models_dir), taxonomy), models_dir=settings.models_dir,
                            taxonomy_path=settings.taxonomy_path, workers=workers)


def release_workers() -> None:
    """Stop the analysis process pool (each worker holds a tagger and a copy of the models)."""
    from vocpipe.analyze import shutdown_pool

    shutdown_pool()


def write_clauses(clauses: pd.DataFrame, comments: pd.DataFrame, settings: Settings) -> int:
    with store.connect(settings.db_path) as con:
        return store.replace_clauses(con, clauses, comments)


def model_versions(settings: Settings) -> dict:
    versions = {}
    for name in ("sentiment", "topics"):
        card = Path(settings.models_dir) / f"{name}.card.json"
        if card.exists():
            versions[name] = json.loads(card.read_text(encoding="utf-8")).get("version", "unknown")
    return versions


def finish_analysis(settings: Settings, run_id: str, *, report: bool = True) -> dict:
    """Drivers over the whole store (saved to ``driver_results``), the headline numbers and the
    latest week's top complaints, and the HTML/Excel report when ``report`` is set.  The bootstrap
    runs once for report and store alike."""
    from vocpipe import drivers, queries
    from vocpipe.classify.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(settings.taxonomy_path)
    with store.connect(settings.db_path) as con:
        if report:
            from vocpipe.report import build_report_data

            report_data = build_report_data(con, settings, None, taxonomy)
            driver_rows = report_data.drivers
        else:
            driver_rows = drivers.analyse_scope(con, taxonomy.keys, None, min_support=settings.min_support,
                                                n_boot=settings.bootstrap_resamples, seed=settings.seed,
                                                timezone=settings.timezone).drivers
        drivers.save_driver_results(con, driver_rows, run_id)
        complaints = queries.recent_complaints(con, taxonomy, timezone=settings.timezone)
        result = {"nps": drivers.headline(con, settings), "totals": store.table_counts(con), "models": model_versions(settings),
                  "top_complaints": [{"label": r.label, "mentions": int(r.mentions),
                                      "change": None if pd.isna(r.change) else round(100 * float(r.change), 1)}
                                     for r in complaints.itertuples()]}
    if report:
        from vocpipe.report import save_reports

        paths = save_reports(report_data, Path(settings.report_dir))
        result["report_path"] = str(paths["html"])
        result["xlsx_path"] = str(paths["xlsx"])
        with store.connect(settings.db_path) as con:
            store.finish_run(con, run_id, "completed", report_path=str(paths["html"]), models=json.dumps(result["models"]))
    return result


def previous_results_current(settings: Settings, report: bool) -> bool:
    """Whether the stored driver results (and, if wanted, the last report file) exist, so a run
    with nothing new can reuse them instead of recomputing the bootstrap."""
    with store.connect(settings.db_path) as con:
        has_drivers = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'driver_results'").fetchone()[0] > 0
        last_report = store.last_report_path(con)
    return has_drivers and (not report or (last_report is not None and Path(last_report).exists()))


def previous_results(settings: Settings) -> dict:
    """Headline numbers for a run that changed nothing (the report from the last run stands)."""
    from vocpipe import drivers

    with store.connect(settings.db_path) as con:
        last_report = store.last_report_path(con)
        result = {"nps": drivers.headline(con, settings), "totals": store.table_counts(con),
                  "models": model_versions(settings), "top_complaints": [], "reused_previous_results": True}
    if last_report:
        result["report_path"] = last_report
    return result


def publish_artifact(summary: dict) -> None:
    """A markdown artifact in Prefect's UI with the run's counts, NPS and top complaints."""
    from prefect.artifacts import create_markdown_artifact

    nps = summary.get("nps") or {}
    lines = [
        f"# VoC run {summary['run_id']}",
        "",
        "| | count |", "|---|---|",
        f"| rows read | {summary['rows_read']} |",
        f"| rows stored | {summary['rows_stored']} (new {summary['rows_new']}, changed {summary['rows_changed']}, unchanged {summary['rows_unchanged']}) |",
        f"| rows quarantined | {summary['rows_quarantined']} |",
        f"| responses analysed | {summary['responses_processed']} |",
        f"| clauses written | {summary['clauses_written']} |",
    ]
    if nps:
        lines += ["", f"**NPS {nps.get('nps', float('nan')):+.1f}** (95% CI {nps.get('ci_low', float('nan')):+.1f} to {nps.get('ci_high', float('nan')):+.1f}, n={nps.get('n', 0)})"]
    complaints = summary.get("top_complaints") or []
    if complaints:
        lines += ["", "## Top complaint themes (last 7 days of data)", "", "| theme | mentions | change in share vs the 7 days before (points) |", "|---|---|---|"]
        for row in complaints[:5]:
            change = "—" if row["change"] is None else f"{row['change']:+.1f}"
            lines.append(f"| {row['label']} | {row['mentions']} | {change} |")
    if summary.get("report_path"):
        lines += ["", f"Report: `{summary['report_path']}`"]
    create_markdown_artifact(markdown="\n".join(lines), key="voc-run-summary", description="vocpipe nightly run summary")
