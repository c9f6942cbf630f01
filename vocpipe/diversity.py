"""Pick a few rows that do not repeat each other: for quotes in reports and the labelling queue."""

from __future__ import annotations

import pandas as pd


def trigrams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(max(1, len(text) - 2))}


def pick_diverse(ranked: pd.DataFrame, limit: int, *, max_similarity: float, unique_by: str = "text") -> pd.DataFrame:
    """The first ``limit`` rows of ``ranked`` (already in order of preference) that share no
    ``unique_by`` value with a chosen row and whose ``text`` has character-trigram Jaccard
    similarity <= ``max_similarity`` with every chosen text."""
    chosen, chosen_grams, seen = [], [], set()
    if limit <= 0:
        return ranked.iloc[[]]
    for position, (key, text) in enumerate(zip(ranked[unique_by], ranked["text"])):
        if key in seen:
            continue
        grams = trigrams(text)
        if any(len(grams & other) / max(1, len(grams | other)) > max_similarity for other in chosen_grams):
            continue
        chosen.append(position)
        chosen_grams.append(grams)
        seen.add(key)
        if len(chosen) >= limit:
            break
    return ranked.iloc[chosen]
