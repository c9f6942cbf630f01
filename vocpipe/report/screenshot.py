"""Render a report in headless Chromium: a full-page PNG plus the checks a reader would notice.

Why: the report is only useful if it renders; this opens it the way a reader's browser does
(Debian's Chromium driven by Playwright, never a downloaded browser build) and returns console
messages, page errors, any request that tried to leave the file, and the drawn size of every
chart.  ``make demo`` and the browser test both call :func:`screenshot`::

    python -m vocpipe.report.screenshot reports/report.html reports/report.png
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from vocpipe.errors import VocpipeError

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}  # a laptop screen
CHART_SIZES_JS = """
() => Array.from(document.querySelectorAll('svg.chart')).map(svg => {
  const box = svg.getBoundingClientRect();
  return {chart: svg.dataset.chart, width: box.width, height: box.height,
          shapes: svg.querySelectorAll('rect, path, circle, line, polyline, polygon').length};
})
"""


def chromium_path() -> str | None:
    """Chromium to use: ``$VOCPIPE_CHROMIUM``, else ``chromium`` on PATH, else /usr/bin/chromium."""
    candidates = [os.environ.get("VOCPIPE_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"]
    return next((c for c in candidates if c and Path(c).exists()), None)


def screenshot(html_path: str | Path, png_path: str | Path) -> dict:
    """Open ``html_path`` in headless Chromium and save a full-page PNG to ``png_path``.

    Returns ``console`` (messages, any type), ``page_errors``, ``external_requests`` (anything but
    file: and data: URLs, which are blocked) and ``charts`` (``chart``, ``width``, ``height``,
    ``shapes`` per chart SVG).
    """
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise VocpipeError("Chromium が見つかりません (apt-get install chromium、または VOCPIPE_CHROMIUM にパスを指定してください)")
    html_path, png_path = Path(html_path).resolve(), Path(png_path)
    if not html_path.exists():
        raise VocpipeError(f"{html_path}: レポートが見つかりません")
    png_path.parent.mkdir(parents=True, exist_ok=True)
    result = {"console": [], "page_errors": [], "external_requests": [], "charts": [], "png": str(png_path)}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT, locale="ja-JP")
            page.on("console", lambda message: result["console"].append(f"{message.type}: {message.text}"))
            page.on("pageerror", lambda error: result["page_errors"].append(str(error)))
            page.route("**/*", lambda route: _local_only(route, result["external_requests"]))
            page.goto(html_path.as_uri(), wait_until="load")
            result["charts"] = page.evaluate(CHART_SIZES_JS)
            page.screenshot(path=str(png_path), full_page=True)
        finally:
            browser.close()
    return result


def _local_only(route, external: list[str]) -> None:
    """Let the file itself load; record and block anything that would reach the network."""
    url = route.request.url
    if url.startswith(("file:", "data:")):
        route.continue_()
    else:
        external.append(url)
        route.abort()


def main(argv: list[str] | None = None) -> int:
    """CLI: print the check results as JSON; exit 1 when the page logged or requested anything."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("使い方: python -m vocpipe.report.screenshot REPORT.html OUT.png", file=sys.stderr)
        return 2
    try:
        result = screenshot(args[0], args[1])
    except VocpipeError as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 1 if result["console"] or result["page_errors"] or result["external_requests"] else 0


if __name__ == "__main__":
    sys.exit(main())
