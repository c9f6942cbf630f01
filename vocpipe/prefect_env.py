"""Quiet, offline-friendly Prefect defaults, applied before Prefect is imported.

Measured on this class of machine (see PREFECT_NOTES): the temporary local server needs more
than the default 20 s to start, and telemetry attempts print tracebacks offline.  Users can
override any of these by setting the variable themselves.
"""

from __future__ import annotations

import os

DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    "DASK_LOGGING__DISTRIBUTED": "warning",
}


def apply_prefect_defaults(*, quiet: bool = True) -> None:
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
    if quiet:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
