"""Emerging-theme discovery over clauses that no taxonomy topic claims.

Why: a taxonomy only finds what someone anticipated.  When a new app feature, a price change
or an outage starts generating comments, those clauses arrive with no topic; grouping them
shows the new theme before anyone edits the taxonomy.

Method: content-word TF-IDF (lemmas from the text layer, negation folded) over the untopiced
clauses of a period, NMF with deterministic NNDSVD initialisation (same input -> same themes),
each clause assigned to its strongest component.  A theme is reported with its size, its top
terms and the clauses that load most on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer

from vocpipe.text.tokenize import tokenize_batch

COLUMNS = ["theme_id", "size", "top_terms", "quotes"]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def discover_themes(texts: list[str], response_ids: list[str] | None = None, *, n_themes: int | None = None,
                    min_size: int = 5, top_terms: int = 6, quotes: int = 3, seed: int = 0) -> pd.DataFrame:
    """Group ``texts`` into themes; returns ``theme_id``, ``size``, ``top_terms``, ``quotes``
    (largest theme first).  Themes smaller than ``min_size`` clauses are dropped."""
    response_ids = response_ids or [str(i) for i in range(len(texts))]
    tokens = tokenize_batch(texts, content_only=True)
    keep = [i for i, t in enumerate(tokens) if t]
    if len(keep) < max(2 * min_size, 10):
        return pd.DataFrame(columns=COLUMNS)
    vectorizer = TfidfVectorizer(analyzer=_identity, min_df=3, max_df=0.5, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform([tokens[i] for i in keep])
    except ValueError:  # no term survives min_df/max_df
        return pd.DataFrame(columns=COLUMNS)
    k = n_themes or int(np.clip(len(keep) // 40, 2, 12))
    k = min(k, matrix.shape[1] - 1, matrix.shape[0] - 1)
    if k < 1:
        return pd.DataFrame(columns=COLUMNS)
    model = NMF(n_components=k, init="nndsvd", random_state=seed, max_iter=400)
    weights = model.fit_transform(matrix)
    terms = vectorizer.get_feature_names_out()
    assignment = weights.argmax(axis=1)
    strength = weights.max(axis=1)
    rows = []
    for component in range(k):
        members = np.where((assignment == component) & (strength > 1e-6))[0]
        if len(members) < min_size:
            continue
        order = members[np.argsort(-strength[members], kind="stable")]
        seen, chosen = set(), []
        for m in order:
            text = texts[keep[m]]
            if text in seen:
                continue
            seen.add(text)
            chosen.append({"response_id": response_ids[keep[m]], "text": text})
            if len(chosen) >= quotes:
                break
        top = [terms[j] for j in np.argsort(-model.components_[component])[:top_terms]]
        rows.append({"size": int(len(members)), "top_terms": top, "quotes": chosen})
    rows.sort(key=lambda r: (-r["size"], r["top_terms"]))
    for i, row in enumerate(rows, start=1):
        row["theme_id"] = i
    return pd.DataFrame(rows, columns=COLUMNS)


def emerging_themes(con, scope=None, taxonomy=None, *, seed: int = 0, max_clauses: int = 20000, **kwargs) -> pd.DataFrame:
    """Themes among the clauses in ``scope`` that carry no topic of ``taxonomy`` (topics outside
    it count as unclaimed).  Above ``max_clauses`` a seeded random sample is clustered: a theme
    big enough to matter shows up in 20,000 clauses, and NMF time stays flat at 1M responses."""
    from vocpipe.drivers import Scope, unclaimed_clauses

    pool = unclaimed_clauses(con, scope or Scope(), taxonomy.keys if taxonomy is not None else None,
                             min_chars=6, max_clauses=max_clauses, seed=seed)
    if pool.empty:
        return pd.DataFrame(columns=COLUMNS)
    return discover_themes(pool["text"].tolist(), pool["response_id"].tolist(), seed=seed, **kwargs)
