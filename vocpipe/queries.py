"""Questions product teams ask of the store, as tidy DataFrames: top themes, quotes, drivers.

The CLI and the report only render these tables.  Every filter is a bound SQL parameter.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from vocpipe import drivers, store
from vocpipe.classify.taxonomy import Taxonomy
from vocpipe.drivers import Scope


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


def _mentions(con, scope: Scope, sentiment: str) -> pd.DataFrame:
    """Per topic of the clauses in ``scope`` with ``sentiment`` (any with ``"any"``): ``topic``,
    ``mentions`` (responses) and ``mean_nps`` (their mean 0-10 score), counted in DuckDB."""
    where, params = scope.where("r")
    polar = "" if sentiment == "any" else "WHERE c.sentiment = ?"
    return con.execute(
        f"""WITH scoped AS (SELECT response_id, nps FROM responses r WHERE {where}),
            mentions AS (
                SELECT DISTINCT response_id, topic
                FROM (SELECT c.response_id, UNNEST(c.topics) AS topic FROM clauses c JOIN scoped USING (response_id) {polar})
                WHERE topic IS NOT NULL
            )
            SELECT m.topic, count(*) AS mentions, avg(s.nps) AS mean_nps
            FROM mentions m JOIN scoped s USING (response_id) GROUP BY m.topic ORDER BY m.topic""",
        [*params, *([] if sentiment == "any" else [sentiment])],
    ).df()


def theme_table(con, taxonomy: Taxonomy, scope: Scope, *, sentiment: str = "negative", top: int = 10,
                quotes: int = 2) -> pd.DataFrame:
    """Top themes in ``scope``: ``topic``, ``label``, ``mentions`` (responses), ``share``,
    ``previous_mentions``/``previous_share``/``change`` (share points vs the previous period of
    equal length), ``mean_nps`` (mean 0-10 score of mentioners) and ``quotes``."""
    columns = ["topic", "label", "mentions", "share", "previous_mentions", "previous_share", "change", "mean_nps", "quotes"]
    n_responses = drivers.response_count(con, scope)
    if n_responses == 0:
        return pd.DataFrame(columns=columns)
    table = _mentions(con, scope, sentiment)
    table = table[table["topic"].isin(taxonomy.keys)].reset_index(drop=True)
    table["share"] = table["mentions"] / n_responses
    prev = previous_scope(con, scope)
    if prev is not None:
        prev_responses = drivers.response_count(con, prev)
        prev_mentions = _mentions(con, prev, sentiment).set_index("topic")["mentions"]
        table["previous_mentions"] = table["topic"].map(prev_mentions).fillna(0).astype(int)
        table["previous_share"] = table["previous_mentions"] / prev_responses if prev_responses else np.nan
        table["change"] = table["share"] - table["previous_share"]
    else:
        table["previous_mentions"] = np.nan
        table["previous_share"] = np.nan
        table["change"] = np.nan
    table = table.sort_values(["mentions", "topic"], ascending=[False, True]).head(top).reset_index(drop=True)
    table["label"] = table["topic"].map(taxonomy.label)
    polarity = None if sentiment == "any" else sentiment
    chosen = drivers.store_quotes(con, scope, list(table["topic"]), polarity, limit=quotes)
    table["quotes"] = [chosen[topic][["response_id", "nps", "text"]].to_dict("records") for topic in table["topic"]]
    return table[columns]


def quote_table(con, topic: str, scope: Scope, *, sentiment: str = "any", limit: int = 10) -> pd.DataFrame:
    """Verbatim clauses for ``topic`` with their response id, score and full comment."""
    polarity = None if sentiment == "any" else sentiment
    quotes = drivers.store_quotes(con, scope, [topic], polarity, limit=limit)[topic]
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
    return theme_table(con, taxonomy, scope, sentiment="negative", top=top, quotes=0)
