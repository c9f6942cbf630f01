"""Report generation at scale: HTML + Excel for 100,000 responses.

    .venv/bin/python bench/report.py [--n 100000]

Builds a store of ``n`` simulated responses from the corpus (library calls, no Prefect), then
times ``write_reports`` (drivers with 200 bootstrap resamples, themes, trends, discovery, HTML
and Excel) and prints the file sizes.  Targets: < 30 s, HTML < 5 MB.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import cpu_info  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100000)
    args = parser.parse_args()

    from vocpipe import pipeline
    from vocpipe.config import load_settings
    from vocpipe.report import write_reports
    from vocpipe.simulate import simulate_survey

    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    source = work / "survey.csv"
    simulate_survey(args.n, seed=11, perturbed=True, weeks=12).to_csv(source, index=False)
    settings = load_settings(db_path=work / "v.duckdb", report_dir=work / "reports")
    run_id = uuid.uuid4().hex[:12]
    start = time.perf_counter()
    pipeline.load_source(source, settings, run_id)
    for bounds in pipeline.pending_chunks(settings, False):
        chunk = pipeline.fetch_chunk(settings, bounds)
        pipeline.write_clauses(pipeline.analyse_chunk(chunk, settings, settings.effective_workers()), chunk, settings)
    print(f"# report bench: {args.n:,} responses ({cpu_info()}); store built in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    paths = write_reports(settings, settings.report_dir)
    elapsed = time.perf_counter() - start
    html_mb = paths["html"].stat().st_size / 1e6
    xlsx_mb = paths["xlsx"].stat().st_size / 1e6
    print(f"write_reports: {elapsed:.1f} s -> {'PASS' if elapsed < 30 else 'FAIL'} (< 30 s)")
    print(f"report.html {html_mb:.2f} MB -> {'PASS' if html_mb < 5 else 'FAIL'} (< 5 MB); report.xlsx {xlsx_mb:.2f} MB")


if __name__ == "__main__":
    main()
