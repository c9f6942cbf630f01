"""What Prefect costs: the nightly flow vs the same library calls without Prefect.

    .venv/bin/python bench/flow_overhead.py [--sizes 10000 100000]

For each size, builds a survey file from the corpus (``vocpipe.simulate``, perturbed), then in
one process (a Prefect server already started by a warm-up flow, as in a long-lived worker):
1. the library path: read -> store -> chunks -> analyse -> write clauses -> drivers (no report);
2. the same through ``nightly_voc_analysis`` (report off),
each into a fresh DuckDB, and prints both wall times and their ratio (target <= 1.15 at 100k).
Then times a no-op nightly rerun (nothing new) in a fresh process, including Prefect's start-up
(target <= 10 s), the way a scheduler would start it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for `common` (it then tidies the path)
from common import REPO, cpu_info  # noqa: E402


def library_run(source: Path, settings) -> None:
    from vocpipe import pipeline

    run_id = uuid.uuid4().hex[:12]
    pipeline.begin_run(settings, run_id, "bench", str(source))
    loaded = pipeline.read_source(source, settings)
    pipeline.store_load(loaded, settings, run_id)
    for chunk in pipeline.pending_chunks(settings, False):
        clauses = pipeline.analyse_chunk(chunk, settings, settings.effective_workers())
        pipeline.write_clauses(clauses, chunk, settings)
    pipeline.finish_analysis(settings, run_id, report=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="bench-prefect-"))

    from flows.nightly import nightly_voc_analysis, run_nightly
    from vocpipe.config import load_settings
    from vocpipe.simulate import simulate_survey

    work = Path(tempfile.mkdtemp(prefix="bench-flow-"))
    print(f"# flow overhead ({cpu_info()}), work dir {work}")
    started = time.perf_counter()
    nightly_voc_analysis.fn  # noqa: B018  (import cost already paid)
    from prefect import flow

    @flow(name="warm-up")
    def warm_up() -> int:
        return 1

    warm_up()
    print(f"Prefect temporary server start-up (first flow in a process): {time.perf_counter() - started:.1f} s")
    for n in args.sizes:
        source = work / f"survey_{n}.csv"
        simulate_survey(n, seed=n, perturbed=True, weeks=8).to_csv(source, index=False)
        lib_settings = load_settings(db_path=work / f"lib_{n}.duckdb", report_dir=work / "reports")
        start = time.perf_counter()
        library_run(source, lib_settings)
        library = time.perf_counter() - start
        flow_settings = load_settings(db_path=work / f"flow_{n}.duckdb", report_dir=work / "reports")
        start = time.perf_counter()
        run_nightly(str(source), flow_settings, report=False)
        flowed = time.perf_counter() - start
        verdict = "" if n < 100000 else f" -> {'PASS' if flowed / library <= 1.15 else 'FAIL'} (target <= 1.15)"
        print(f"{n:>9,} comments: library {library:6.1f} s, flow {flowed:6.1f} s, ratio {flowed / library:.2f}{verdict}")
    n = args.sizes[-1]
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "vocpipe.cli", "run", "--input", str(work / f"survey_{n}.csv"),
               "--db", str(work / f"flow_{n}.duckdb"), "--no-report"]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    rerun = time.perf_counter() - start
    status = "ok" if result.returncode == 0 else f"exit {result.returncode}: {result.stderr[-300:]}"
    print(f"no-op nightly rerun of {n:,} comments in a fresh process (incl. Prefect start-up): {rerun:.1f} s "
          f"-> {'PASS' if rerun <= 10 else 'FAIL'} (target <= 10 s) [{status}]")


if __name__ == "__main__":
    main()
