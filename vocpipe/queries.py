"""Questions product teams ask of the store, as tidy DataFrames: top themes, quotes, drivers.

The CLI and the report only render these tables.  Every filter is a bound SQL parameter.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from vocpipe import drivers, store
from vocpipe.classify.taxonomy import Taxonomy
from vocpipe.drivers import Scope, load_scope


def previous_scope(con, scope: Scope) -> Scope | None:
    """The period of equal length just before ``scope`` (None when the scope has no start)."""
    if not scope.since:
        return None
    since = pd.Timestamp(scope.since)
    if scope.until:
        until = pd.Timestamp(scope.until)
    else:
        latest = con.execute("SELECT max(submitted_at) FROM responses").fetchone()[0]
        until = pd.Timestamp(latest).tz_localize(None).normalize() if latest is not None else since
    length = (until - since) + timedelta(days=1)
    previous_until = since - timedelta(days=1)
    return Scope(str((since - length).date()), str(previous_until.date()), scope.segment, scope.timezone)


def _mentions(responses: pd.DataFrame, clauses: pd.DataFrame, sentiment: str) -> pd.DataFrame:
    polar = clauses if sentiment == "any" else clauses[clauses["sentiment"] == sentiment]
    exploded = polar[["response_id", "topics"]].explode("topics").dropna().drop_duplicates()
    return exploded.rename(columns={"topics": "topic"})


def theme_table(con, taxonomy: Taxonomy, scope: Scope, *, sentiment: str = "negative", top: int = 10,
                quotes: int = 2, timezone: str = "Asia/Tokyo") -> pd.DataFrame:
    """Top themes in ``scope``: ``topic``, ``label``, ``mentions`` (responses), ``share``,
    ``previous_mentions``/``previous_share``/``change`` (share points vs the previous period of
    equal length), ``mean_nps`` (mean 0-10 score of mentioners) and ``quotes``."""
    responses, clauses = load_scope(con, scope, timezone)
    columns = ["topic", "label", "mentions", "share", "previous_mentions", "previous_share", "change", "mean_nps", "quotes"]
    if responses.empty:
        return pd.DataFrame(columns=columns)
    mentions = _mentions(responses, clauses, sentiment).merge(responses[["response_id", "nps"]], on="response_id")
    mentions = mentions[mentions["topic"].isin(taxonomy.keys)]
    table = mentions.groupby("topic").agg(mentions=("response_id", "nunique"), mean_nps=("nps", "mean")).reset_index()
    table["share"] = table["mentions"] / len(responses)
    prev = previous_scope(con, scope)
    if prev is not None:
        prev_responses, prev_clauses = load_scope(con, prev, timezone)
        prev_mentions = _mentions(prev_responses, prev_clauses, sentiment).groupby("topic")["response_id"].nunique()
        table["previous_mentions"] = table["topic"].map(prev_mentions).fillna(0).astype(int)
        table["previous_share"] = table["previous_mentions"] / len(prev_responses) if len(prev_responses) else np.nan
        table["change"] = table["share"] - table["previous_share"]
    else:
        table["previous_mentions"] = np.nan
        table["previous_share"] = np.nan
        table["change"] = np.nan
    table = table.sort_values(["mentions", "topic"], ascending=[False, True]).head(top).reset_index(drop=True)
    table["label"] = table["topic"].map(taxonomy.label)
    polarity = None if sentiment == "any" else sentiment
    table["quotes"] = [
        drivers.representative_quotes(clauses, responses, topic, polarity, limit=quotes)[["response_id", "nps", "text"]].to_dict("records")
        for topic in table["topic"]
    ]
    return table[columns]


def quote_table(con, topic: str, scope: Scope, *, sentiment: str = "any", limit: int = 10, timezone: str = "Asia/Tokyo") -> pd.DataFrame:
    """Verbatim clauses for ``topic`` with their response id, score and full comment."""
    responses, clauses = load_scope(con, scope, timezone)
    polarity = None if sentiment == "any" else sentiment
    quotes = drivers.representative_quotes(clauses, responses, topic, polarity, limit=limit)
    comments = store.responses_by_id(con, quotes["response_id"].tolist())[["response_id", "comment"]]
    return quotes.merge(comments, on="response_id", how="left")


def recent_complaints(con, taxonomy: Taxonomy, *, days: int = 7, top: int = 5, timezone: str = "Asia/Tokyo") -> pd.DataFrame:
    """Top complaint themes of the last ``days`` days of data (ending at the newest response),
    with the change in share against the ``days`` before: what a nightly summary shows."""
    latest = con.execute("SELECT max(submitted_at) FROM responses").fetchone()[0]
    if latest is None:
        return pd.DataFrame(columns=["topic", "label", "mentions", "share", "change"])
    until = pd.Timestamp(latest).tz_convert(timezone).date()
    scope = Scope(str(until - timedelta(days=days - 1)), str(until), timezone=timezone)
    return theme_table(con, taxonomy, scope, sentiment="negative", top=top, quotes=0, timezone=timezone)
