"""Text + classification stage: responses in, classified clauses out.

:func:`analyse_comments` is the pure function the flow, the CLI and the benchmarks call.  It
splits each (already normalised and masked) comment into clauses, tokenises every clause once,
and runs the sentiment and topic models on the batch.  With ``workers > 1`` the batch is cut
into slices handled by a process pool (one fugashi Tagger and one copy of the models per
process), which is how both cores are used on a laptop; the pool is kept for the life of the
process so its start-up is paid once.
"""

from __future__ import annotations

import atexit
import os
from itertools import chain
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from vocpipe.classify.sentiment import SentimentModel
from vocpipe.classify.taxonomy import Taxonomy, load_taxonomy
from vocpipe.classify.topics import TopicModel
from vocpipe.columns import CLAUSE_COLUMNS
from vocpipe.memory import release_freed_memory
from vocpipe.text.gcpause import gc_paused
from vocpipe.text.segment import clause_spans
from vocpipe.text.tokenize import tokenize_joined


@dataclass
class Models:
    """The models one analysis uses, loaded once per process."""

    sentiment: SentimentModel
    topics: TopicModel

    def __post_init__(self) -> None:
        # Both shipped models are trained on the same clauses with the same featurizer settings;
        # when their fitted featurizers are identical, features are computed once per batch.
        sentiment_features = self.sentiment.featurizer
        self.shared_features = self.topics.featurizer is not None and (
            sentiment_features.fingerprint() == self.topics.featurizer.fingerprint())
        if self.shared_features:
            self.topics.featurizer = sentiment_features  # one copy of the vocabularies per process

    @classmethod
    def load(cls, models_dir: Path, taxonomy: Taxonomy | None = None) -> "Models":
        return cls(SentimentModel.load(models_dir), TopicModel.load(models_dir, taxonomy))

    def versions(self) -> dict[str, str]:
        return {"sentiment": self.sentiment.version, "topics": self.topics.version}


def explode_clauses(comments: pd.DataFrame) -> pd.DataFrame:
    """One row per clause: ``response_id``, ``clause_index``, ``start_char``, ``end_char``, ``text``.

    ``comments`` needs ``response_id`` and ``comment``.  An empty or missing (None/NaN) comment
    has no clause.  Built
    column-wise from the clause spans (no per-clause tuple or row), as this runs on every
    comment before tokenisation.
    """
    texts = [comment if isinstance(comment, str) else "" for comment in comments["comment"].tolist()]
    with gc_paused():
        spans = [clause_spans(text) for text in texts]
    counts = np.fromiter(map(len, spans), dtype=np.int64, count=len(spans))
    total = int(counts.sum())
    flat = np.fromiter(chain.from_iterable(chain.from_iterable(spans)), dtype=np.int32, count=2 * total).reshape(total, 2)
    firsts = np.repeat(np.cumsum(counts) - counts, counts)
    return pd.DataFrame({"response_id": np.repeat(comments["response_id"].to_numpy(), counts).tolist(),
                         "clause_index": (np.arange(total) - firsts).astype(np.int32),
                         "start_char": flat[:, 0], "end_char": flat[:, 1],
                         "text": [text[start:end] for text, parts in zip(texts, spans) for start, end in parts]})


def classify_clauses(clauses: pd.DataFrame, models: Models) -> pd.DataFrame:
    """Add ``sentiment``, ``sentiment_score``, ``confidence``, ``request``, ``topics``,
    ``topic_sources`` and ``topic_confidence`` to a clause table with a ``text`` column."""
    if clauses.empty:
        return clauses.reindex(columns=[*CLAUSE_COLUMNS, "topic_confidence"])
    frame = pd.DataFrame({"text": clauses["text"].to_numpy(),
                          "tokens": tokenize_joined(clauses["text"].tolist())})
    groups = clauses["response_id"].to_numpy() if "response_id" in clauses.columns else None
    if models.shared_features:
        features = models.sentiment.features(frame)
        sentiment = models.sentiment.analyse(frame, features=features)
        topics = models.topics.predict(frame, features=features, groups=groups)
    else:
        sentiment = models.sentiment.analyse(frame)
        topics = models.topics.predict(frame, groups=groups)
    out = clauses.reset_index(drop=True).copy()
    out["sentiment"] = sentiment["sentiment"].to_numpy()
    out["sentiment_score"] = sentiment["sentiment_score"].to_numpy().astype(float)
    out["confidence"] = sentiment["confidence"].to_numpy().astype(float)
    for label in ("negative", "neutral", "positive"):
        out[f"p_{label}"] = sentiment[f"p_{label}"].to_numpy().astype(float)
    out["request"] = sentiment["request"].to_numpy().astype(bool)
    out["topics"] = topics["topics"].to_numpy()
    out["topic_sources"] = topics["topic_sources"].to_numpy()
    out["topic_confidence"] = topics["topic_confidence"].to_numpy()
    return out


# -- process pool ----------------------------------------------------------------------------
_worker_models: Models | None = None
_pool: ProcessPoolExecutor | None = None
_pool_key: tuple | None = None


def _init_worker(models_dir: str, taxonomy_path: str | None) -> None:
    global _worker_models
    taxonomy = load_taxonomy(taxonomy_path) if taxonomy_path else None
    _worker_models = Models.load(Path(models_dir), taxonomy)


def _analyse_in_worker(comments: pd.DataFrame) -> pd.DataFrame:
    result = classify_clauses(explode_clauses(comments), _worker_models)
    release_freed_memory()
    return result


def _get_pool(workers: int, models_dir: Path, taxonomy_path: Path | None) -> ProcessPoolExecutor:
    global _pool, _pool_key
    key = (workers, str(models_dir), str(taxonomy_path))
    if _pool is None or _pool_key != key:
        shutdown_pool()
        import multiprocessing

        context = multiprocessing.get_context("spawn" if os.name != "posix" else "forkserver")
        _pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                                    initargs=(str(models_dir), str(taxonomy_path) if taxonomy_path else None))
        _pool_key = key
    return _pool


def shutdown_pool() -> None:
    global _pool, _pool_key
    if _pool is not None:
        _pool.shutdown(cancel_futures=True)
    _pool, _pool_key = None, None


atexit.register(shutdown_pool)


def analyse_comments(comments: pd.DataFrame, models: Models | None = None, *, models_dir: Path | None = None,
                     taxonomy_path: Path | None = None, workers: int = 1, min_rows_per_worker: int = 2000) -> pd.DataFrame:
    """Clauses of ``comments`` (``response_id``, ``comment``) with sentiment and topics.

    With ``workers > 1`` and a batch large enough to be worth it, the batch is cut into
    ``workers`` slices: this process analyses one with ``models`` while ``workers - 1`` pool
    processes (which load the models from ``models_dir``) analyse the others, so two cores cost
    one extra process, not two.
    """
    if models is None:
        if models_dir is None:
            raise ValueError("analyse_comments needs models or models_dir")
        models = Models.load(models_dir, load_taxonomy(taxonomy_path) if taxonomy_path else None)
    if workers > 1 and len(comments) >= 2 * min_rows_per_worker and models_dir is not None:
        pool = _get_pool(workers - 1, models_dir, taxonomy_path)
        slices = [comments.iloc[s] for s in np.array_split(np.arange(len(comments)), workers)]
        futures = [pool.submit(_analyse_in_worker, part) for part in slices[1:]]
        own = classify_clauses(explode_clauses(slices[0]), models)
        release_freed_memory()
        return pd.concat([own, *[f.result() for f in futures]], ignore_index=True)
    return classify_clauses(explode_clauses(comments), models)
