"""What Prefect costs: the nightly flow vs the same library calls without Prefect.

    .venv/bin/python bench/flow_overhead.py [--sizes 10000 100000]

For each size, builds a survey file from the corpus (``vocpipe.simulate``, perturbed), then in
one process (a Prefect server already started by a warm-up flow, as in a long-lived worker):
1. the library path: load (read + store) -> chunks -> analyse -> write clauses -> drivers (no report);
2. the same through ``nightly_voc_analysis`` (report off),
each into a fresh DuckDB, best of two alternating rounds, and prints both wall times and their
ratio (target <= 1.15 at 100k).
Then times a no-op nightly rerun (nothing new) in a fresh process, including Prefect's start-up
(target <= 10 s): once with Prefect's temporary server (what `vocpipe run` does with no
PREFECT_API_URL) and once against a running `prefect server` (what a scheduled deployment does).
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
    pipeline.load_source(source, settings, run_id)
    for bounds in pipeline.pending_chunks(settings, False):
        chunk = pipeline.fetch_chunk(settings, bounds)
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
        # Best of two alternating rounds, each into a fresh database: the machine's other core
        # is noisy, and the first round also warms the process pool.
        library = flowed = float("inf")
        for round_ in range(2):
            lib_settings = load_settings(db_path=work / f"lib_{n}_{round_}.duckdb", report_dir=work / "reports")
            start = time.perf_counter()
            library_run(source, lib_settings)
            library = min(library, time.perf_counter() - start)
            flow_settings = load_settings(db_path=work / f"flow_{n}_{round_}.duckdb", report_dir=work / "reports")
            start = time.perf_counter()
            run_nightly(str(source), flow_settings, report=False)
            flowed = min(flowed, time.perf_counter() - start)
        verdict = "" if n < 100000 else f" -> {'PASS' if flowed / library <= 1.15 else 'FAIL'} (target <= 1.15)"
        print(f"{n:>9,} comments: library {library:6.1f} s, flow {flowed:6.1f} s, ratio {flowed / library:.2f}{verdict}")
    n = args.sizes[-1]
    command = [sys.executable, "-m", "vocpipe.cli", "run", "--input", str(work / f"survey_{n}.csv"),
               "--db", str(work / f"flow_{n}_1.duckdb"), "--no-report"]
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    report_noop(command, env, f"no-op nightly rerun of {n:,} comments, fresh process, temporary Prefect server")
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/api/health")
        report_noop(command, {**env, "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"},
                    f"no-op nightly rerun of {n:,} comments, fresh process, running Prefect server")
    finally:
        server.terminate()
        server.wait(timeout=30)


def report_noop(command: list[str], env: dict, label: str) -> None:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    status = "ok" if result.returncode == 0 else f"exit {result.returncode}: {result.stderr[-300:]}"
    print(f"{label}: {elapsed:.1f} s -> {'PASS' if elapsed <= 10 else 'FAIL'} (target <= 10 s) [{status}]")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(url)

if __name__ == "__main__":
    main()
