"""Terminal output: Rich tables when a person is watching, clean JSON or CSV when piped."""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text


def resolve_format(fmt: str | None) -> str:
    if fmt:
        return fmt
    return "table" if sys.stdout.isatty() else "json"


def _plain(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) else round(float(value), 4)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def records(frame: pd.DataFrame) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _cell(value) -> str:
    value = _plain(value)
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list):
        return "\n".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{v}" for v in value.values())
    return str(value)


def emit(frame: pd.DataFrame, fmt: str, *, title: str = "", headers: dict[str, str] | None = None) -> None:
    """Print ``frame`` as a Rich table (Japanese headers), JSON records, or CSV."""
    if fmt == "json":
        sys.stdout.write(json.dumps(records(frame), ensure_ascii=False, indent=1) + "\n")
        return
    if fmt == "csv":
        flat = frame.copy()
        for column in flat.columns:
            if flat[column].map(lambda v: isinstance(v, (list, dict))).any():
                flat[column] = flat[column].map(lambda v: json.dumps(_plain(v), ensure_ascii=False))
        flat.to_csv(sys.stdout, index=False)
        return
    headers = headers or {}
    table = Table(title=title or None, show_lines=True)
    for column in frame.columns:
        table.add_column(headers.get(column, column))
    for row in frame.itertuples(index=False):
        table.add_row(*[Text(_cell(v)) for v in row])  # Text: comments are never read as Rich markup
    Console().print(table)
