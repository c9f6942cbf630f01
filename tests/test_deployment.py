"""Scheduling: the deployment definitions say 02:00 Asia/Tokyo, and a served flow really runs."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml

from conftest import REPO, SAMPLE


def test_prefect_yaml_schedules_the_nightly_flow_at_two_am_tokyo():
    spec = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    deployment = spec["deployments"][0]
    assert deployment["entrypoint"] == "flows/nightly.py:nightly_voc_analysis"
    assert deployment["schedules"] == [{"cron": "0 2 * * *", "timezone": "Asia/Tokyo"}]
    assert deployment["work_pool"]["name"] == "vocpipe"


def test_prefect_yaml_entrypoint_is_the_real_flow():
    from flows.nightly import nightly_voc_analysis

    assert nightly_voc_analysis.name == "nightly-voc-analysis"


def test_serve_deployment_carries_the_timezone():
    from flows.deployments import nightly_schedule
    from flows.nightly import nightly_voc_analysis

    deployment = nightly_voc_analysis.to_deployment(name="vocpipe-nightly", schedules=[nightly_schedule()],
                                                    parameters={"source": "s.csv", "db": "v.duckdb"})
    schedule = deployment.schedules[0].schedule
    assert (schedule.cron, schedule.timezone) == ("0 2 * * *", "Asia/Tokyo")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(url)


@pytest.mark.slow
def test_served_deployment_runs_to_completion_on_a_local_server(tmp_path):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_API_URL": api,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING", "PYTHONPATH": str(REPO),
           "VOCPIPE_REPORT_DIR": str(tmp_path / "reports")}
    bin_dir = os.path.dirname(sys.executable)
    server_env = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
    server = subprocess.Popen([os.path.join(bin_dir, "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=server_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    serve = None
    try:
        _wait_for(f"{api}/health", 120)
        db = tmp_path / "served.duckdb"
        serve = subprocess.Popen([sys.executable, "-m", "vocpipe.cli", "serve", "--input", str(SAMPLE / "bad_rows.csv"),
                                  "--db", str(db)], env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while True:
            result = subprocess.run([os.path.join(bin_dir, "prefect"), "deployment", "run", "nightly-voc-analysis/vocpipe-nightly",
                                     "--watch", "--watch-timeout", "240"], env=env, capture_output=True, text=True, timeout=300)
            if result.returncode == 0 or time.monotonic() > deadline or "not found" not in (result.stdout + result.stderr).lower():
                break
            time.sleep(2)  # the deployment is registered a few seconds after serve starts
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Completed" in result.stdout + result.stderr
        from vocpipe import store

        with store.connect(db, read_only=True) as con:
            assert store.table_counts(con)["responses"] == 6
    finally:
        for process in (serve, server):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
