"""The report as a reader sees it: rendered by headless Chromium through Playwright.

Needs Debian's Chromium (/usr/bin/chromium).  Without it the tests skip on a developer's machine
and fail in CI (CI=true), which installs it.
"""

from __future__ import annotations

import os

import pytest

from test_report import build_sample_store, sample_settings  # the same sample store as the HTML/Excel tests
from vocpipe.report import write_reports
from vocpipe.report.screenshot import VIEWPORT, chromium_path, screenshot

CHARTS = {"mix", "importance", "waterfall", "priority", "nps_trend", "theme_trend"}


@pytest.fixture(scope="module", autouse=True)
def require_chromium():
    if chromium_path() is None:
        reason = "Chromium is not installed (apt-get install chromium); browser rendering not checked"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, but CI must check it")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The sample report opened in Chromium once: the check results and the PNG path."""
    root = tmp_path_factory.mktemp("browser")
    settings = sample_settings(root)
    build_sample_store(settings.db_path)
    html = write_reports(settings, settings.report_dir, xlsx=False)["html"]
    return screenshot(html, root / "report.png")


def test_page_logs_no_console_messages_or_errors(rendered):
    assert rendered["console"] == []
    assert rendered["page_errors"] == []


def test_page_requests_nothing_outside_the_file(rendered):
    assert rendered["external_requests"] == []


def test_every_chart_is_drawn_with_a_visible_size(rendered):
    charts = {chart["chart"]: chart for chart in rendered["charts"]}
    assert set(charts) == CHARTS
    for chart in charts.values():
        assert chart["width"] > 100 and chart["height"] > 40, chart
        assert chart["shapes"] > 0, chart


def test_full_page_screenshot_is_saved(rendered):
    with open(rendered["png"], "rb") as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.path.getsize(rendered["png"]) > 50_000


def test_empty_report_renders_without_errors(tmp_path):
    settings = sample_settings(tmp_path)
    html = write_reports(settings, settings.report_dir, xlsx=False)["html"]
    result = screenshot(html, tmp_path / "empty.png")
    assert result["console"] == [] and result["page_errors"] == []
    assert {chart["chart"] for chart in result["charts"]} == CHARTS
    assert all(chart["shapes"] > 0 and chart["width"] <= VIEWPORT["width"] for chart in result["charts"])
