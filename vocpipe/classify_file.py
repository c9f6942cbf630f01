"""``vocpipe classify``: sentiment, topics and requests for the text column of any file.

Unlike ``vocpipe run`` this needs no NPS, id or date: an analyst points it at a spreadsheet
and gets the same file back with the labels added (comment level), or one row per clause.
Output is UTF-8 with BOM so Excel opens the Japanese text correctly.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vocpipe.analyze import classify_clauses, explode_clauses
from vocpipe.classify.sentiment import comment_sentiment
from vocpipe.config import Settings
from vocpipe.errors import InputError
from vocpipe.ingest import read_records
from vocpipe.pipeline import cached_models
from vocpipe.text.normalize import normalize_comment


def classify_file(path: Path, text_column: str, output: Path, *, level: str, encoding: str | None, settings: Settings) -> tuple[int, int]:
    """Classify ``text_column`` of ``path`` and write ``output``; returns (rows, clauses)."""
    header, records, bad, _ = read_records(Path(path), encoding=encoding)
    if text_column not in header:
        raise InputError(f"{path}: 列 '{text_column}' がありません。利用できる列: {', '.join(header)}")
    if bad:
        raise InputError(f"{path}: {bad[0]['source_row']} 行目: {bad[0]['reason']}")
    width = len(header)
    table = pd.DataFrame([(cells + [""] * width)[:width] for _, cells in records], columns=header)
    table.insert(0, "row", [n for n, _ in records])
    comments = pd.DataFrame({
        "response_id": table["row"].astype(str),
        "comment": [normalize_comment(t, mask=settings.mask_pii) for t in table[text_column]],
    })
    models = cached_models(str(settings.models_dir), str(settings.taxonomy_path))
    clauses = classify_clauses(explode_clauses(comments), models)
    output.parent.mkdir(parents=True, exist_ok=True)
    if level == "clause":
        out = pd.DataFrame({
            "row": clauses["response_id"].astype(int), "clause_index": clauses["clause_index"], "clause": clauses["text"],
            "start": clauses["start_char"], "end": clauses["end_char"], "sentiment": clauses["sentiment"],
            "sentiment_score": clauses["sentiment_score"].round(4), "topics": clauses["topics"].map(";".join),
            "request": clauses["request"].astype(int),
        })
    else:
        out = table.drop(columns=["row"]).copy()
        labels, scores, topics, requests = [], [], [], []
        grouped = dict(tuple(clauses.groupby("response_id"))) if len(clauses) else {}
        for response_id in comments["response_id"]:
            group = grouped.get(response_id)
            if group is None:
                labels.append("neutral"), scores.append(0.0), topics.append(""), requests.append(0)
                continue
            label, score = comment_sentiment(group[["p_negative", "p_neutral", "p_positive"]].to_numpy(), group["text"].str.len().to_numpy())
            labels.append(label)
            scores.append(round(score, 4))
            topics.append(";".join(dict.fromkeys(t for ts in group["topics"] for t in ts)))
            requests.append(int(group["request"].any()))
        out["sentiment"], out["sentiment_score"], out["topics"], out["request"] = labels, scores, topics, requests
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(excel_safe)
    out.to_csv(output, index=False, encoding="utf-8-sig")
    return len(table), len(clauses)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def excel_safe(value):
    """Prefix text that Excel would run as a formula (=, +, -, @) with an apostrophe, the
    standard defence against CSV injection; numbers such as -1 stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value
