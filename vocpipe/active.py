"""Active learning: export the clauses the models are least sure of, for an analyst to label.

Uncertainty = 1 - max(sentiment probability) combined with how close any topic probability is
to its threshold; near-duplicates (same text, or character-trigram Jaccard > 0.6 with a clause
already chosen) are skipped so the queue covers more ground.  The CSV has the corpus's columns
(``text``, ``sentiment``, ``topics``, ``request``) left empty to fill in, plus the model's guess,
and feeds ``vocpipe train sentiment|topics --data FILE`` directly.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vocpipe import store
from vocpipe.analyze import classify_clauses
from vocpipe.config import Settings
from vocpipe.diversity import pick_diverse
from vocpipe.pipeline import cached_models


def label_queue(clauses: pd.DataFrame, n: int) -> pd.DataFrame:
    """Pick ``n`` uncertain, diverse clauses; ``clauses`` needs ``text``, ``confidence`` and
    ``topic_confidence`` (as produced by :func:`vocpipe.analyze.classify_clauses`)."""
    scored = clauses.assign(uncertainty=(1 - clauses["confidence"]) + (1 - clauses["topic_confidence"].clip(0, 1)))
    scored = scored[scored["text"].str.len() >= 4].sort_values(["uncertainty", "response_id"], ascending=[False, True])
    return pick_diverse(scored, n, max_similarity=0.6).reset_index(drop=True)


def export_label_queue(settings: Settings, n: int, output: Path, *, max_clauses: int = 50000) -> int:
    """Write the queue CSV (UTF-8 BOM) and return how many clauses it holds."""
    with store.connect(settings.db_path, read_only=True) as con:
        clauses = con.execute(
            "SELECT response_id, clause_index, text FROM clauses ORDER BY hash(response_id || clause_index) LIMIT ?", [max_clauses]
        ).df()
    models = cached_models(str(settings.models_dir), str(settings.taxonomy_path))
    classified = classify_clauses(clauses, models)
    queue = label_queue(classified, n)
    out = pd.DataFrame({
        "text": queue["text"] if len(queue) else [],
        "sentiment": "", "topics": "", "request": "",
        "model_sentiment": queue["sentiment"] if len(queue) else [],
        "model_topics": queue["topics"].map(";".join) if len(queue) else [],
        "uncertainty": queue["uncertainty"].round(3) if len(queue) else [],
        "response_id": queue["response_id"] if len(queue) else [],
    })
    output.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(output, index=False, encoding="utf-8-sig")
    return len(out)
