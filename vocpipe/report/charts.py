"""Inline SVG charts for the HTML report, built from the driver tables in plain Python.

Why hand-written SVG: the report must be one self-contained file that opens offline, prints,
and never runs JavaScript or fetches a CDN or a font.  Each builder takes a tidy DataFrame (its
docstring names the columns), returns one ``<svg class="chart">`` string, escapes every text
node, and draws a 「データ不足」 panel instead of failing when there is nothing finite to draw.
"""

from __future__ import annotations

import html
import math
import unicodedata

import numpy as np
import pandas as pd

FONT_STACK = '"Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", Meiryo, sans-serif'
COMPLAINT = "#d8572a"  # orange-red: complaint (不満) bars
PRAISE = "#2b74b8"  # blue: praise (評価) bars
GAIN = "#2f9e63"  # green: NPS points won back in the waterfall
TOTAL = "#4a5568"  # slate: level bars (current / potential NPS)
PROMOTER, PASSIVE, DETRACTOR = "#2f9e63", "#b9bec7", "#d64541"
INK, MUTED, GRID = "#1f2933", "#616e7c", "#e4e7eb"
SERIES = ("#d8572a", "#2b74b8", "#2f9e63", "#8e5ad6", "#b7950b")
QUADRANT_COLOURS = {"重点改善": "#d64541", "重点維持": "#2b74b8", "改善": "#d8a02a", "維持": "#7b8794"}
NOT_ENOUGH_DATA = "データ不足"


# --------------------------------------------------------------------------- SVG primitives
def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _attrs(attrs: dict) -> str:
    """``{"text_anchor": "end", "class_": "x"}`` -> ``text-anchor="end" class="x"`` (escaped)."""
    parts = []
    for key, value in attrs.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        parts.append(f'{name}="{_esc(_num(value) if isinstance(value, float) else value)}"')
    return " ".join(parts)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _el(tag: str, content: str = "", **attrs) -> str:
    body = f"<{tag} {_attrs(attrs)}"
    return f"{body}>{content}</{tag}>" if content else f"{body}/>"


def _text(x: float, y: float, text: object, *, size: int = 12, anchor: str = "start", fill: str = INK,
          weight: str | None = None) -> str:
    return _el("text", _esc(text), x=float(x), y=float(y), font_size=size, text_anchor=anchor, fill=fill,
               font_weight=weight, dominant_baseline="middle")


def _line(x1: float, y1: float, x2: float, y2: float, *, stroke: str = INK, width: float = 1.0, dash: str | None = None) -> str:
    return _el("line", x1=float(x1), y1=float(y1), x2=float(x2), y2=float(y2), stroke=stroke, stroke_width=width,
               stroke_dasharray=dash)


def _rect(x: float, y: float, w: float, h: float, fill: str, **attrs) -> str:
    return _el("rect", x=float(x), y=float(y), width=float(max(w, 0.0)), height=float(max(h, 0.0)), fill=fill, **attrs)


def _tooltip(title: str, *children: str) -> str:
    """A group whose <title> shows the full, untruncated text on hover."""
    return f"<g><title>{_esc(title)}</title>{''.join(children)}</g>"


def _svg(name: str, title: str, width: float, height: float, body: list[str]) -> str:
    head = _attrs({"xmlns": "http://www.w3.org/2000/svg", "class_": "chart", "data_chart": name, "role": "img",
                   "aria_label": title, "viewBox": f"0 0 {int(width)} {int(height)}", "width": int(width),
                   "height": int(height), "font_family": FONT_STACK})
    return f"<svg {head}><title>{_esc(title)}</title>{''.join(body)}</svg>"


def _empty(name: str, title: str, width: int = 640, height: int = 120) -> str:
    """The panel shown instead of a chart when no finite value is left to draw."""
    return _svg(name, f"{title}: {NOT_ENOUGH_DATA}", width, height, [
        _rect(1, 1, width - 2, height - 2, "#f7f8fa", stroke=GRID, stroke_dasharray="4 4"),
        _text(width / 2, height / 2, NOT_ENOUGH_DATA, size=16, anchor="middle", fill=MUTED),
    ])


# --------------------------------------------------------------------------- layout helpers
def _text_width(text: str, size: int) -> float:
    """Approximate rendered width: full-width (CJK) characters are ~1 em, others ~0.6 em."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.6 * size for ch in str(text))


def _fit(text: str, max_width: float, size: int) -> str:
    """Shorten ``text`` with an ellipsis so it fits ``max_width`` pixels."""
    text = str(text)
    if _text_width(text, size) <= max_width:
        return text
    while text and _text_width(text + "…", size) > max_width:
        text = text[:-1]
    return text + "…"


def _finite(value: object) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _finite_rows(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Rows whose ``columns`` are all finite numbers (NaN / None / inf dropped)."""
    if frame is None or frame.empty or any(c not in frame.columns for c in columns):
        return pd.DataFrame(columns=list(frame.columns) if frame is not None else [])
    values = frame[list(columns)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    return frame[np.isfinite(values).all(axis=1)]


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 2.5 or 5 times a power of ten apart)."""
    if not high > low:
        high = low + 1.0
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step + 1e-9) * step
    ticks = [start]
    while ticks[-1] < high - 1e-9:
        ticks.append(ticks[-1] + step)
    return [round(t, 10) for t in ticks]


def _scale(domain: tuple[float, float], pixels: tuple[float, float]):
    (d0, d1), (p0, p1) = domain, pixels
    span = (d1 - d0) or 1.0
    return lambda v: p0 + (float(v) - d0) / span * (p1 - p0)


def _pct(value: float, digits: int = 0) -> str:
    return f"{100 * value:.{digits}f}%"


def _signed(value: float) -> str:
    return f"{value:+.1f}"


def _legend(x: float, y: float, items: list[tuple[str, str]], *, size: int = 12) -> list[str]:
    """Colour swatches with labels laid out left to right from (x, y)."""
    parts = []
    for colour, label in items:
        parts.append(_rect(x, y - 6, 12, 12, colour, rx=2))
        parts.append(_text(x + 17, y, label, size=size, fill=MUTED))
        x += 17 + _text_width(label, size) + 18
    return parts


def _x_axis(ticks: list[float], scale, top: float, bottom: float, label) -> list[str]:
    """Vertical grid lines with tick labels under the plot."""
    parts = []
    for tick in ticks:
        x = scale(tick)
        parts.append(_line(x, top, x, bottom, stroke=GRID))
        parts.append(_text(x, bottom + 12, label(tick), size=11, anchor="middle", fill=MUTED))
    return parts


def _y_axis(ticks: list[float], scale, left: float, right: float, label) -> list[str]:
    """Horizontal grid lines with tick labels left of the plot."""
    parts = []
    for tick in ticks:
        y = scale(tick)
        parts.append(_line(left, y, right, y, stroke=GRID))
        parts.append(_text(left - 6, y, label(tick), size=11, anchor="end", fill=MUTED))
    return parts


def _whisker(x1: float, x2: float, y: float, cap: float = 4.0) -> list[str]:
    return [_line(x1, y, x2, y, stroke=INK, width=1.2), _line(x1, y - cap, x1, y + cap, stroke=INK, width=1.2),
            _line(x2, y - cap, x2, y + cap, stroke=INK, width=1.2)]


# --------------------------------------------------------------------------- (a) driver importance
def importance_chart(drivers: pd.DataFrame, *, limit: int = 12) -> str:
    """Horizontal bars of driver importance (share of R²) with 95% CI whiskers.

    ``drivers`` needs ``label``, ``polarity``, ``importance``, ``ci_low``, ``ci_high``; rows without
    a finite importance (insufficient data) are left out.  Complaints are orange-red, praise blue.
    """
    title = "ドライバー重要度 (R² に占める割合と 95% 信頼区間)"
    rows = _finite_rows(drivers, "importance").sort_values("importance", ascending=False).head(limit)
    if rows.empty:
        return _empty("importance", title)
    size, row_h, top, plot_w = 12, 28, 40, 420
    label_w = min(230.0, max(_text_width(label, size) for label in rows["label"]) + 14)
    highs = [h for h in rows["ci_high"] if _finite(h)] + list(rows["importance"])
    ticks = _nice_ticks(0.0, max(max(highs), 1e-6), 5)
    x = _scale((0.0, ticks[-1]), (label_w, label_w + plot_w))
    bottom = top + row_h * len(rows)
    width, height = label_w + plot_w + 60, bottom + 30
    body = _legend(label_w, 14, [(COMPLAINT, "不満"), (PRAISE, "評価")])
    body += _x_axis(ticks, x, top - 4, bottom, _pct)
    for i, row in enumerate(rows.itertuples(index=False)):
        centre = top + i * row_h + row_h / 2
        colour = COMPLAINT if row.polarity == "negative" else PRAISE
        parts = [_text(label_w - 8, centre, _fit(row.label, label_w - 12, size), size=size, anchor="end"),
                 _rect(label_w, centre - 8, x(row.importance) - label_w, 16, colour, rx=2)]
        end = x(row.importance)
        if _finite(row.ci_low) and _finite(row.ci_high):
            parts += _whisker(x(row.ci_low), x(row.ci_high), centre)
            end = max(end, x(row.ci_high))
        parts.append(_text(end + 6, centre, _pct(row.importance, 1), size=11, fill=MUTED))
        ci = f" (95% CI {_pct(row.ci_low, 1)}〜{_pct(row.ci_high, 1)})" if _finite(row.ci_low) and _finite(row.ci_high) else ""
        body.append(_tooltip(f"{row.label}: 重要度 {_pct(row.importance, 1)}{ci}", *parts))
    body.append(_line(label_w, top - 4, label_w, bottom, stroke=MUTED))
    return _svg("importance", title, width, height, body)


# --------------------------------------------------------------------------- (b) NPS impact waterfall
def impact_waterfall(current_nps: float, impacts: pd.DataFrame, *, limit: int = 10) -> str:
    """Horizontal waterfall: current NPS, + each complaint's ``nps_impact``, = potential NPS.

    ``impacts`` needs ``label``, ``nps_impact``, ``nps_impact_ci_low``, ``nps_impact_ci_high``; the
    largest ``limit`` finite impacts are drawn, each with its CI whisker around its own step.
    """
    title = "NPS 改善インパクト (不満を解消した場合の NPS 上昇と 95% 信頼区間)"
    steps = _finite_rows(impacts, "nps_impact").sort_values("nps_impact", ascending=False).head(limit)
    if not _finite(current_nps) or steps.empty:
        return _empty("waterfall", title)
    potential = float(current_nps) + float(steps["nps_impact"].sum())
    levels = [0.0, float(current_nps), potential]
    cumulative = float(current_nps)
    bars = [("現在の NPS", 0.0, float(current_nps), TOTAL, None)]
    for row in steps.itertuples(index=False):
        ci = (cumulative + row.nps_impact_ci_low, cumulative + row.nps_impact_ci_high) \
            if _finite(row.nps_impact_ci_low) and _finite(row.nps_impact_ci_high) else None
        bars.append((row.label, cumulative, cumulative + row.nps_impact, GAIN, ci))
        levels += [cumulative + row.nps_impact, *(ci or ())]
        cumulative += row.nps_impact
    bars.append(("改善後の NPS (可能性)", 0.0, potential, PRAISE, None))
    size, row_h, top, plot_w = 12, 28, 16, 440
    label_w = min(230.0, max(_text_width(b[0], size) for b in bars) + 14)
    ticks = _nice_ticks(min(levels), max(levels), 6)
    x = _scale((ticks[0], ticks[-1]), (label_w, label_w + plot_w))
    bottom = top + row_h * len(bars)
    body = _x_axis(ticks, x, top, bottom, lambda t: f"{t:+.0f}" if t else "0")
    body.append(_line(x(0.0), top, x(0.0), bottom, stroke=MUTED))
    for i, (label, start, end, colour, ci) in enumerate(bars):
        centre = top + i * row_h + row_h / 2
        left, right = sorted((x(start), x(end)))
        parts = [_text(label_w - 8, centre, _fit(label, label_w - 12, size), size=size, anchor="end",
                       weight="bold" if colour != GAIN else None),
                 _rect(left, centre - 9, max(right - left, 1.5), 18, colour, rx=2)]
        value = f"{end:+.1f}" if colour != GAIN else _signed(end - start)
        tip = f"{label}: {value}"
        if ci:
            parts += _whisker(x(ci[0]), x(ci[1]), centre)
            right = max(right, x(ci[1]))
            tip += f" (95% CI {_signed(ci[0] - start)}〜{_signed(ci[1] - start)})"
        parts.append(_text(right + 6, centre, value, size=11, fill=MUTED))
        if 0 < i < len(bars) - 1:
            parts.append(_line(x(end), centre + 9, x(end), centre + row_h - 9, stroke=MUTED, dash="2 2"))
        body.append(_tooltip(tip, *parts))
    return _svg("waterfall", title, label_w + plot_w + 60, bottom + 30, body)


# --------------------------------------------------------------------------- (c) priority matrix
def _label_box(x0: float, y: float, width: float, size: int) -> tuple[float, float, float, float]:
    return (x0, y - size / 2 - 1, x0 + width, y + size / 2 + 1)


def _overlaps(box: tuple[float, float, float, float], boxes: list[tuple[float, float, float, float]]) -> bool:
    return any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes)


def _place_labels(points: list[tuple[float, float, float, str]], size: int, bounds: tuple[float, float, float, float],
                  taken: list[tuple[float, float, float, float]]) -> list[tuple[float, float, str]]:
    """Label positions right of each point (left near the right edge), moved up or down by the
    smallest step that avoids labels already placed and the ``taken`` boxes.

    ``points`` are (x, y, radius, text); returns (x, y, anchor) per point.
    """
    left, top, right, bottom = bounds
    boxes, placed = list(taken), []
    offsets = [0.0] + [sign * step for step in range(3, 61, 3) for sign in (1, -1)]
    for px, py, radius, text in points:
        width = _text_width(text, size)
        anchor, tx = ("start", px + radius + 4) if px + radius + 4 + width <= right else ("end", px - radius - 4)
        x0 = tx if anchor == "start" else tx - width
        candidates = [py + dy for dy in offsets if top + size / 2 <= py + dy <= bottom - size / 2] or [py]
        ty = next((c for c in candidates if not _overlaps(_label_box(x0, c, width, size), boxes)), candidates[0])
        boxes.append(_label_box(x0, ty, width, size))
        placed.append((tx, ty, anchor))
    return placed


def priority_chart(priority: pd.DataFrame) -> str:
    """CSポートフォリオ: performance (share positive) vs importance per topic, median cross-hairs.

    ``priority`` needs ``label``, ``performance``, ``importance``, ``mentions``, ``quadrant``.  Point
    size follows mentions; quadrants: 重点改善 (top left) / 重点維持 / 改善 / 維持, tinted, with
    their names in strips along the top and bottom edges that points never enter.
    """
    title = "優先度マトリクス (CSポートフォリオ)"
    rows = _finite_rows(priority, "performance", "importance")
    if rows.empty:
        return _empty("priority", title)
    width, height, strip = 680, 480, 34
    left, top, right, bottom = 70, 10, width - 20, height - 50
    y_ticks = _nice_ticks(0.0, max(float(rows["importance"].max()) * 1.1, 1e-6), 5)
    x = _scale((0.0, 1.0), (left + 16, right - 16))
    y = _scale((0.0, y_ticks[-1]), (bottom - strip, top + strip))
    mx, my = x(float(rows["performance"].median())), y(float(rows["importance"].median()))
    body = [_rect(left, top, mx - left, my - top, "#fdeeec"), _rect(mx, top, right - mx, my - top, "#ebf2fa"),
            _rect(left, my, mx - left, bottom - my, "#fdf6e8"), _rect(mx, my, right - mx, bottom - my, "#f3f4f6")]
    body += _y_axis(y_ticks, y, left, right, _pct)
    body += _x_axis([0, 0.25, 0.5, 0.75, 1.0], x, top, bottom, _pct)
    body += [_rect(left, top, right - left, bottom - top, "none", stroke=MUTED),
             _line(mx, top, mx, bottom, stroke=MUTED, dash="5 4"), _line(left, my, right, my, stroke=MUTED, dash="5 4"),
             _text((left + right) / 2, bottom + 32, "パフォーマンス (評価の割合 = 評価 ÷ (評価 + 不満))", size=12, anchor="middle", fill=MUTED),
             _el("text", _esc("重要度 (R² に占める割合)"), x=16.0, y=float((top + bottom) / 2), font_size=12, fill=MUTED,
                 text_anchor="middle", dominant_baseline="middle", transform=f"rotate(-90 16 {(top + bottom) / 2:.0f})")]
    taken = []
    for name, (qx, qy, anchor) in {"重点改善": (left + 8, top + 12, "start"), "重点維持": (right - 8, top + 12, "end"),
                                   "改善": (left + 8, bottom - 12, "start"), "維持": (right - 8, bottom - 12, "end")}.items():
        body.append(_text(qx, qy, name, size=14, anchor=anchor, fill=QUADRANT_COLOURS[name], weight="bold"))
        label_w = _text_width(name, 14)
        taken.append(_label_box(qx if anchor == "start" else qx - label_w, qy, label_w, 16))
    mentions = pd.to_numeric(rows["mentions"], errors="coerce").fillna(0).to_numpy(dtype=float)
    radii = 4 + 10 * np.sqrt(mentions / mentions.max()) if mentions.max() > 0 else np.full(len(rows), 6.0)
    points = [(x(r.performance), y(r.importance), float(radius), str(r.label)) for r, radius in zip(rows.itertuples(index=False), radii)]
    labels = _place_labels(points, 11, (left, top, right, bottom), taken)
    for row, (px, py, radius, text), (tx, ty, anchor) in zip(rows.itertuples(index=False), points, labels):
        colour = QUADRANT_COLOURS.get(row.quadrant, MUTED)
        tip = f"{row.label}: 重要度 {_pct(row.importance, 1)}, 評価の割合 {_pct(row.performance)}, 言及 {int(row.mentions)} 件 ({row.quadrant})"
        body.append(_tooltip(tip, _el("circle", cx=float(px), cy=float(py), r=float(radius), fill=colour, fill_opacity="0.8",
                                      stroke="#ffffff", stroke_width=1.0),
                             _text(tx, ty, text, size=11, anchor=anchor)))
    return _svg("priority", title, width, height, body)


# --------------------------------------------------------------------------- (d) weekly trends
def _period_positions(periods: list[str], left: float, right: float) -> list[float]:
    if len(periods) == 1:
        return [(left + right) / 2]
    step = (right - left) / (len(periods) - 1)
    return [left + i * step for i in range(len(periods))]


def _period_ticks(periods: list[str], xs: list[float], bottom: float) -> list[str]:
    """Period labels under the plot ('2026-11-23' -> '11/23'), thinned to at most ~10."""
    every = max(1, math.ceil(len(periods) / 10))
    parts = []
    for i, (period, px) in enumerate(zip(periods, xs)):
        if i % every == 0 or i == len(periods) - 1:
            pieces = str(period).split("-")
            label = f"{int(pieces[1])}/{int(pieces[2])}" if len(pieces) == 3 else str(period)
            parts.append(_text(px, bottom + 14, label, size=11, anchor="middle", fill=MUTED))
    return parts


def _polyline(xs: list[float], ys: list[float], colour: str, width: float = 2.0) -> str:
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys))
    return _el("polyline", points=points, fill="none", stroke=colour, stroke_width=width, stroke_linejoin="round")


def nps_trend_chart(trend: pd.DataFrame) -> str:
    """Weekly NPS line with its 95% CI band; weeks with n < 30 are drawn as hollow points.

    ``trend`` needs ``period``, ``n``, ``nps``, ``ci_low``, ``ci_high``, ``small_n``.
    """
    title = "NPS の週次推移 (帯は 95% 信頼区間、白丸は n<30 の参考値)"
    rows = _finite_rows(trend, "nps", "ci_low", "ci_high")
    if rows.empty:
        return _empty("nps_trend", title)
    rows = rows.sort_values("period")
    width, height = 680, 280
    left, top, right, bottom = 56, 34, width - 20, height - 34
    low = max(-100.0, float(rows["ci_low"].min()) - 5)
    high = min(100.0, float(rows["ci_high"].max()) + 5)
    ticks = _nice_ticks(low, high, 5)
    y = _scale((ticks[0], ticks[-1]), (bottom, top))
    periods = rows["period"].astype(str).tolist()
    xs = _period_positions(periods, left + 10, right - 10)
    body = _y_axis(ticks, y, left, right, lambda t: f"{t:+.0f}" if t else "0")
    body += _legend(left, 12, [(PRAISE, "NPS"), ("#cfe0f1", "95% 信頼区間")])
    if len(xs) == 1:
        body.append(_line(xs[0], y(rows["ci_low"].iloc[0]), xs[0], y(rows["ci_high"].iloc[0]), stroke="#cfe0f1", width=8))
    else:
        band = [f"{px:.1f},{y(v):.1f}" for px, v in zip(xs, rows["ci_high"])] + \
               [f"{px:.1f},{y(v):.1f}" for px, v in zip(reversed(xs), reversed(rows["ci_low"].tolist()))]
        body.append(_el("polygon", points=" ".join(band), fill="#cfe0f1", fill_opacity="0.8", stroke="none"))
        body.append(_polyline(xs, [y(v) for v in rows["nps"]], PRAISE))
    for px, row in zip(xs, rows.itertuples(index=False)):
        hollow = bool(row.small_n)
        tip = f"{row.period}: NPS {row.nps:+.1f} (95% CI {row.ci_low:+.1f}〜{row.ci_high:+.1f}, n={int(row.n)})" + (" 参考値" if hollow else "")
        body.append(_tooltip(tip, _el("circle", cx=float(px), cy=float(y(row.nps)), r=3.5, fill="#ffffff" if hollow else PRAISE,
                                      stroke=PRAISE, stroke_width=1.5)))
    body += _period_ticks(periods, xs, bottom)
    return _svg("nps_trend", title, width, height, body)


def theme_trend_chart(trend: pd.DataFrame, series: dict[str, str]) -> str:
    """Weekly share of responses mentioning each of the top themes.

    ``trend`` needs ``period`` and the share columns named in ``series`` (column -> label).
    """
    title = "主要テーマの言及率の週次推移 (回答に占める割合)"
    columns = [c for c in series if trend is not None and c in trend.columns]
    rows = trend.sort_values("period") if columns else pd.DataFrame()
    values = rows[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float) if columns else np.empty((0, 0))
    if rows.empty or not np.isfinite(values).any():
        return _empty("theme_trend", title)
    legend_items = [(SERIES[i % len(SERIES)], series[c]) for i, c in enumerate(columns)]
    legend_rows = _legend_rows(legend_items, 640)
    width = 680
    top = 18 + 20 * len(legend_rows)
    height = top + 220
    left, right, bottom = 56, width - 20, height - 34
    ticks = _nice_ticks(0.0, max(float(np.nanmax(values)) * 1.1, 0.01), 5)
    y = _scale((0.0, ticks[-1]), (bottom, top))
    periods = rows["period"].astype(str).tolist()
    xs = _period_positions(periods, left + 10, right - 10)
    body = _y_axis(ticks, y, left, right, _pct)
    for i, items in enumerate(legend_rows):
        body += _legend(left, 12 + 20 * i, items)
    for j, column in enumerate(columns):
        colour = SERIES[j % len(SERIES)]
        finite = np.isfinite(values[:, j])
        px = [x for x, ok in zip(xs, finite) if ok]
        py = [y(v) for v in values[finite, j]]
        parts = [_polyline(px, py, colour)] if len(px) > 1 else []
        parts += [_el("circle", cx=float(a), cy=float(b), r=3.0, fill=colour) for a, b in zip(px, py)]
        body.append(_tooltip(series[column], *parts))
    body += _period_ticks(periods, xs, bottom)
    return _svg("theme_trend", title, width, height, body)


def _legend_rows(items: list[tuple[str, str]], max_width: float, size: int = 12) -> list[list[tuple[str, str]]]:
    """Split legend items into rows that fit ``max_width``."""
    rows, current, used = [], [], 0.0
    for colour, label in items:
        need = 35 + _text_width(label, size)
        if current and used + need > max_width:
            rows.append(current)
            current, used = [], 0.0
        current.append((colour, label))
        used += need
    return rows + [current] if current else rows


# --------------------------------------------------------------------------- (e) NPS mix
def nps_mix_bar(overall: dict) -> str:
    """One 100% bar of detractors / passives / promoters with shares and counts.

    ``overall`` is :func:`vocpipe.drivers.nps_summary` output (``n``, ``promoters``, ``passives``,
    ``detractors`` and their ``*_share``).
    """
    title = "推奨者・中立者・批判者の構成比"
    if not overall or not overall.get("n"):
        return _empty("mix", title, height=90)
    width, left, right, bar_top = 680, 10, 670, 10
    x = _scale((0.0, 1.0), (left, right))
    groups = [("批判者 (0-6)", overall["detractor_share"], overall["detractors"], DETRACTOR, "#ffffff"),
              ("中立者 (7-8)", overall["passive_share"], overall["passives"], PASSIVE, INK),
              ("推奨者 (9-10)", overall["promoter_share"], overall["promoters"], PROMOTER, "#ffffff")]
    body, start = [], 0.0
    for label, share, count, colour, ink in groups:
        x0, x1 = x(start), x(start + share)
        parts = [_rect(x0, bar_top, x1 - x0, 34, colour)]
        text = _pct(share)
        if x1 - x0 > _text_width(text, 13) + 8:
            parts.append(_text((x0 + x1) / 2, bar_top + 17, text, size=13, anchor="middle", fill=ink, weight="bold"))
        body.append(_tooltip(f"{label}: {_pct(share, 1)} ({count:,} 人)", *parts))
        start += share
    body += _legend(left, bar_top + 56, [(c, f"{label} {_pct(s, 1)} ({n:,} 人)") for label, s, n, c, _ in groups])
    return _svg("mix", title, width, bar_top + 72, body)
