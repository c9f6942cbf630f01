"""Columns of the clause table, shared by the analysis (which produces them) and the store.

A module of its own so that analysis worker processes, which never open the store, do not
import DuckDB (~13 MB of resident memory per worker).
"""

CLAUSE_COLUMNS = [
    "response_id", "clause_index", "start_char", "end_char", "text", "sentiment",
    "sentiment_score", "confidence", "request", "topics", "topic_sources",
]
