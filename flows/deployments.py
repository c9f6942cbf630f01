"""Scheduling the nightly flow at 02:00 Asia/Tokyo.

Two ways, both documented in the README ("Running nightly"):

* ``prefect.yaml`` (repo root) + a process work pool: ``prefect deploy --all`` and
  ``prefect worker start --pool vocpipe``;
* ``vocpipe serve --input FILE --db DB`` which calls :func:`serve_nightly` (``flow.serve``), for
  teams without a work pool.  Both need a running Prefect server (``prefect server start``).

The cron string alone would be UTC; the schedule always carries its timezone.
"""

from __future__ import annotations

from vocpipe.prefect_env import apply_prefect_defaults

apply_prefect_defaults()

from prefect.schedules import Cron  # noqa: E402

from flows.nightly import nightly_voc_analysis  # noqa: E402

DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "Asia/Tokyo"


def nightly_schedule(cron: str = DEFAULT_CRON, timezone: str = DEFAULT_TIMEZONE) -> Cron:
    return Cron(cron, timezone=timezone)


def serve_nightly(source: str, db: str, *, cron: str = DEFAULT_CRON, timezone: str = DEFAULT_TIMEZONE,
                  name: str = "vocpipe-nightly", **kwargs) -> None:
    """Serve the nightly flow on a schedule until interrupted (blocks)."""
    nightly_voc_analysis.serve(
        name=name,
        schedules=[nightly_schedule(cron, timezone)],
        parameters={"source": source, "db": db},
        **kwargs,
    )
