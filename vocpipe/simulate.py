"""Synthetic responses with planted driver effects, for recovery tests and benchmarks.

Each response mentions each indicator independently with a given rate; its 0-10 score is a
baseline plus the planted effects of the indicators it mentions plus noise, rounded and clipped.
Because the truth is known, the driver analysis can be checked: planted drivers must rank
first, in order, with CIs that cover their effects, and null themes' CIs must include 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DEFAULT_EFFECTS = {"delivery_negative": -3.0, "staff_positive": 2.0, "price_negative": -1.0}
DEFAULT_NULLS = ("usability_negative", "rewards_positive", "selection_negative", "support_positive", "store_facility_negative")


def simulate_indicators(n: int, effects: dict[str, float] | None = None, nulls=DEFAULT_NULLS, *, base: float = 5.5,
                        noise: float = 1.5, rate: float = 0.2, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Indicator matrix (0/1 columns) and integer scores 0-10 with planted effects.

    Scores are not rounded or clipped away from the linear model more than necessary: the
    latent score is centred at ``base`` so clipping at 0 and 10 is rare.
    """
    effects = DEFAULT_EFFECTS if effects is None else effects
    rng = np.random.default_rng(seed)
    names = list(effects) + [c for c in nulls if c not in effects]
    indicators = pd.DataFrame(
        (rng.random((n, len(names))) < rate).astype(np.int8), columns=names,
        index=pd.Index([f"sim-{i:07d}" for i in range(n)], name="response_id"),
    )
    latent = base + indicators[list(effects)].to_numpy() @ np.array(list(effects.values())) + rng.normal(0, noise, n)
    scores = np.clip(np.rint(latent), 0, 10).astype(int)
    return indicators, scores
