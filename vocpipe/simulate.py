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


# --------------------------------------------------------------------------- survey files
DEMO_EFFECTS = {
    "wait_time_negative": -3.0,
    "system_trouble_negative": -2.5,
    "price_negative": -1.5,
    "staff_positive": 1.5,
    "product_quality_positive": 1.0,
}
OTHER_NEGATIVE_EFFECT = -0.5
OTHER_POSITIVE_EFFECT = 0.3
DEMO_SEGMENTS = {"チャネル": ["アプリ", "Web", "店舗", "電話"], "プラン": ["ライト", "スタンダード", "プレミアム"]}


def comment_indicators(record: dict) -> set[str]:
    """Gold ``<topic>_<polarity>`` indicators of a corpus comment, from its clause labels."""
    return {f"{t}_{c['sentiment']}" for c in record["clauses"] if c["sentiment"] != "neutral" for t in c.get("topics", [])}


def planted_score(indicators: set[str], rng: np.random.Generator, *, base: float = 7.6, noise: float = 1.2,
                  effects: dict[str, float] = DEMO_EFFECTS) -> int:
    latent = base + rng.normal(0, noise)
    for name in indicators:
        if name in effects:
            latent += effects[name]
        elif name.endswith("_negative"):
            latent += OTHER_NEGATIVE_EFFECT
        else:
            latent += OTHER_POSITIVE_EFFECT
    return int(np.clip(np.rint(latent), 0, 10))


_HALF_WIDTH = str.maketrans({"ア": "ｱ", "イ": "ｲ", "ウ": "ｳ", "カ": "ｶ", "サ": "ｻ", "ト": "ﾄ", "プ": "ﾌﾟ", "リ": "ﾘ", "ー": "ｰ"})
_DIGITS_FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def perturb(comment: str, rng: np.random.Generator) -> str:
    """Realistic noise on a corpus comment: half-width katakana, full-width digits, trailing
    emoji or ！！, doubled punctuation.  Used only for synthetic volume (benchmarks)."""
    roll = rng.random()
    if roll < 0.15:
        comment = comment.translate(_HALF_WIDTH)
    elif roll < 0.3:
        comment = comment.translate(_DIGITS_FULL)
    tail = rng.random()
    if tail < 0.1:
        comment += rng.choice(["😊", "😡", "🙏", "！！", "。。。", "(^^)"])
    return comment


def simulate_survey(n: int, *, seed: int = 0, start: str = "2026-08-03", weeks: int = 16, perturbed: bool = False,
                    id_prefix: str = "R", complaint_weight: float = 4.0) -> pd.DataFrame:
    """Survey rows built from corpus comments with planted NPS effects (see ``DEMO_EFFECTS``).

    Columns use the Japanese headers a survey tool exports: 回答ID, 回答日時, 推奨度, 自由記述,
    チャネル, プラン.  Comments carrying a planted complaint are drawn ``complaint_weight`` times
    as often, so the planted complaints are also the most mentioned ones.
    """
    from vocpipe.corpus import load_comments

    rng = np.random.default_rng(seed)
    records = load_comments()
    indicator_sets = [comment_indicators(r) for r in records]
    planted_complaints = {k for k, v in DEMO_EFFECTS.items() if v < 0}
    weights = np.array([complaint_weight if s & planted_complaints else 1.0 for s in indicator_sets])
    picks = rng.choice(len(records), size=n, replace=n > len(records), p=weights / weights.sum())
    start_ts = pd.Timestamp(start)
    seconds = rng.integers(0, weeks * 7 * 86400, size=n)
    rows = []
    for i, (pick, offset) in enumerate(zip(picks, np.sort(seconds))):
        record = records[pick]
        comment = perturb(record["comment"], rng) if perturbed else record["comment"]
        rows.append({
            "回答ID": f"{id_prefix}{i + 1:07d}",
            "回答日時": (start_ts + pd.Timedelta(seconds=int(offset))).strftime("%Y/%m/%d %H:%M"),
            "推奨度": planted_score(indicator_sets[pick], rng),
            "自由記述": comment,
            "チャネル": DEMO_SEGMENTS["チャネル"][rng.integers(0, 4)],
            "プラン": DEMO_SEGMENTS["プラン"][rng.integers(0, 3)],
        })
    return pd.DataFrame(rows)
