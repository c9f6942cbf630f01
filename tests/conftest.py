"""Shared test set-up: an isolated Prefect home, quiet logging, and small file factories."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_PREFECT_HOME = tempfile.mkdtemp(prefix="vocpipe-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.pop("PREFECT_API_URL", None)
for name in list(os.environ):
    if name.startswith("VOCPIPE_"):
        del os.environ[name]

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect server for every flow test of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    """Write a CSV the way survey tools export it (quoted fields, CRLF like Excel)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


HEADER = ["回答ID", "回答日時", "推奨度", "自由記述", "チャネル"]


@pytest.fixture
def survey_csv(tmp_path):
    """Factory: survey_csv(rows, name=..., encoding=...) -> Path with the Japanese header."""

    def make(rows, name="survey.csv", encoding="utf-8", header=HEADER):
        return write_csv(tmp_path / name, header, rows, encoding)

    return make
