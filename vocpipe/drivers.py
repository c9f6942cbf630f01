"""NPS, key drivers, NPS impact, priority matrix, trends and representative verbatims.

Everything returns tidy DataFrames (one row per driver, period or segment) that the CLI, the
HTML/Excel report and the Prefect artifact only render.

Method, in short:

* NPS = %promoters (9-10) - %detractors (0-6), 95% CI from the trinomial variance
  SE = 100 * sqrt((pP + pD - (pP - pD)^2) / n); groups with n < 30 are flagged ``small_n``.
* Indicators: for each response and topic, ``<topic>_negative`` / ``<topic>_positive`` is 1 when
  any of its clauses has that topic with that sentiment.
* Effect: ordinary least squares of the 0-10 score on all indicators together (so overlapping
  themes are not double counted); importance: Johnson's relative weights (each indicator's share
  of R²).  Both with seeded bootstrap 95% percentile CIs (resampling responses).  Indicators
  with fewer than ``min_support`` mentions are reported as ``insufficient_data``, not ranked.
* NPS impact of a complaint: remove its effect from the responses that mention it
  (score - effect) and recompute NPS, with a linear ramp between categories for fractional
  scores (7 -> 9 counts as passive -> promoter).  Bootstrap CI from the same resamples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from vocpipe.config import Settings
from vocpipe.diversity import pick_diverse

POLARITIES = ("negative", "positive")
SMALL_N = 30


# --------------------------------------------------------------------------- NPS
def nps_summary(scores) -> dict:
    """NPS with its 95% CI for an array of 0-10 scores."""
    scores = np.asarray(scores)
    return nps_from_counts(int((scores >= 9).sum()), int((scores <= 6).sum()), int(len(scores)))


def nps_from_counts(promoters: int, detractors: int, n: int) -> dict:
    """``nps_summary`` from the counts of promoters, detractors and all responses, as a GROUP BY
    in the store returns them."""
    if n == 0:
        return {"n": 0, "nps": float("nan"), "se": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"),
                "promoters": 0, "passives": 0, "detractors": 0, "promoter_share": float("nan"),
                "passive_share": float("nan"), "detractor_share": float("nan"), "small_n": True}
    p_p, p_d = promoters / n, detractors / n
    nps = 100.0 * (p_p - p_d)
    se = 100.0 * float(np.sqrt(max(p_p + p_d - (p_p - p_d) ** 2, 0.0) / n))
    return {"n": n, "nps": nps, "se": se, "ci_low": nps - 1.96 * se, "ci_high": nps + 1.96 * se,
            "promoters": promoters, "passives": n - promoters - detractors, "detractors": detractors,
            "promoter_share": p_p, "passive_share": 1 - p_p - p_d, "detractor_share": p_d, "small_n": n < SMALL_N}


def nps_by(responses: pd.DataFrame, by: str | pd.Series) -> pd.DataFrame:
    """NPS per group; ``responses`` needs ``nps``; ``by`` is a column name or aligned Series."""
    keys = responses[by] if isinstance(by, str) else by
    rows = []
    for key, scores in responses["nps"].groupby(keys, sort=True):
        rows.append({"group": key, **nps_summary(scores.to_numpy())})
    return pd.DataFrame(rows)


def period_key(timestamps: pd.Series, freq: str) -> pd.Series:
    """Week (Monday start) or month label for tz-aware timestamps: '2026-11-23' / '2026-11'.

    Each distinct day is labelled once and the labels are shared (a million responses span a
    few hundred days; a string per response cost ~100 MB)."""
    local = timestamps.dt.tz_localize(None) if timestamps.dt.tz is not None else timestamps
    codes, days = pd.factorize(local.dt.normalize())
    if freq == "month":
        labels = days.strftime("%Y-%m")
    else:
        labels = (days - pd.to_timedelta(days.day_of_week, unit="D")).strftime("%Y-%m-%d")
    # code -1 (a missing time) picks the appended NaN, as strftime gives for NaT
    return pd.Series(np.append(np.asarray(labels, dtype=object), np.nan)[codes], index=timestamps.index)


# --------------------------------------------------------------------------- indicators
def indicator_matrix(responses: pd.DataFrame, clauses: pd.DataFrame, topics: list[str]) -> pd.DataFrame:
    """0/1 indicators ``<topic>_<polarity>`` per response (index = ``response_id``).

    ``clauses`` needs ``response_id``, ``sentiment`` and ``topics`` (list of keys).
    """
    columns = [f"{t}_{p}" for t in topics for p in POLARITIES]
    matrix = pd.DataFrame(0, index=pd.Index(responses["response_id"], name="response_id"), columns=columns, dtype=np.int8)
    if clauses.empty:
        return matrix
    polar = clauses[clauses["sentiment"].isin(POLARITIES)][["response_id", "sentiment", "topics"]].explode("topics")
    polar = polar[polar["topics"].isin(topics)]
    if polar.empty:
        return matrix
    names = (polar["topics"] + "_" + polar["sentiment"]).to_numpy()
    rows = matrix.index.get_indexer(polar["response_id"])
    cols = pd.Index(columns).get_indexer(names)
    values = np.zeros(matrix.shape, dtype=np.int8)
    values[rows, cols] = 1
    return pd.DataFrame(values, index=matrix.index, columns=columns)


def indicator_stats(indicators: pd.DataFrame, scores: np.ndarray) -> pd.DataFrame:
    """Per indicator: mentions, share among promoters/passives/detractors, mean score and NPS
    of mentioners vs non-mentioners."""
    scores = np.asarray(scores)
    groups = {"promoters": scores >= 9, "passives": (scores >= 7) & (scores <= 8), "detractors": scores <= 6}
    rows = []
    for name in indicators.columns:
        mask = indicators[name].to_numpy() == 1
        row = {"indicator": name, "mentions": int(mask.sum())}
        for group, in_group in groups.items():
            row[f"share_{group}"] = float(mask[in_group].mean()) if in_group.any() else float("nan")
        row["mean_score_with"] = float(scores[mask].mean()) if mask.any() else float("nan")
        row["mean_score_without"] = float(scores[~mask].mean()) if (~mask).any() else float("nan")
        row["nps_with"] = nps_summary(scores[mask])["nps"]
        row["nps_without"] = nps_summary(scores[~mask])["nps"]
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- regression
def _weighted_fit(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """OLS coefficients (without intercept), Johnson's relative weights and R² for weights ``w``."""
    total = w.sum()
    mean_x = (w @ X) / total
    mean_y = (w @ y) / total
    Xc = X - mean_x
    yc = y - mean_y
    Xw = Xc * w[:, None]
    cov_xx = (Xw.T @ Xc) / total
    cov_xy = (Xw.T @ yc) / total
    var_y = (w @ (yc * yc)) / total
    ridge = 1e-9 * np.eye(X.shape[1])
    coef = np.linalg.solve(cov_xx + ridge, cov_xy)
    sd_x = np.sqrt(np.clip(np.diag(cov_xx), 1e-12, None))
    corr_xx = cov_xx / np.outer(sd_x, sd_x)
    corr_xy = cov_xy / (sd_x * np.sqrt(max(var_y, 1e-12)))
    eigval, eigvec = np.linalg.eigh(corr_xx + ridge)
    delta = eigvec @ np.diag(np.sqrt(np.clip(eigval, 0, None))) @ eigvec.T
    beta = np.linalg.lstsq(delta, corr_xy, rcond=None)[0]
    weights = (delta ** 2) @ (beta ** 2)
    r2 = float(coef @ cov_xy / var_y) if var_y > 0 else 0.0
    return coef, weights, r2


@dataclass
class DriverResult:
    table: pd.DataFrame  # one row per indicator
    r2: float
    n: int


def driver_table(indicators: pd.DataFrame, scores, *, min_support: int = 30, n_boot: int = 200, seed: int = 0) -> DriverResult:
    """Ranked drivers with effect, relative importance, NPS impact and bootstrap 95% CIs.

    Columns: ``indicator``, ``topic``, ``polarity``, ``mentions``, ``status`` (``ranked`` or
    ``insufficient_data``), ``effect``, ``effect_ci_low``/``high``, ``importance`` (share of
    R²), ``ci_low``/``ci_high`` (importance CI), ``nps_impact`` (+ CI, complaints only), ``rank``.
    """
    scores = np.asarray(scores, dtype=float)
    n = len(scores)
    mentions = indicators.sum(axis=0)
    supported = [c for c in indicators.columns if mentions[c] >= min_support and mentions[c] <= n - min_support]
    base = pd.DataFrame({"indicator": indicators.columns, "mentions": mentions.to_numpy().astype(int)})
    base["topic"] = base["indicator"].str.rsplit("_", n=1).str[0]
    base["polarity"] = base["indicator"].str.rsplit("_", n=1).str[1]
    base["status"] = np.where(base["indicator"].isin(supported), "ranked", "insufficient_data")
    for column in ("effect", "effect_ci_low", "effect_ci_high", "importance", "ci_low", "ci_high",
                   "nps_impact", "nps_impact_ci_low", "nps_impact_ci_high"):
        base[column] = np.nan
    if not supported or n < 2 * min_support:
        base["rank"] = np.nan
        return DriverResult(base, float("nan"), n)
    # Compress: responses with the same indicators and score are interchangeable, so the fit and
    # every bootstrap resample run on the distinct (indicators, score) rows with counts as
    # weights.  Resampling responses with Poisson(1) weights is exactly resampling the distinct
    # rows with Poisson(count) weights (multinomial likewise), so results are unchanged while
    # the work no longer grows with n (a few thousand distinct rows even at 1M responses).
    distinct, counts = np.unique(np.column_stack([indicators[supported].to_numpy(dtype=np.int8), scores.astype(np.int8)]),
                                 axis=0, return_counts=True)
    X = distinct[:, :-1].astype(float)
    y = distinct[:, -1].astype(float)
    counts = counts.astype(float)
    coef, weights, r2 = _weighted_fit(X, y, counts)
    masks = X.astype(bool)

    def impacts(c: np.ndarray, w: np.ndarray) -> np.ndarray:
        out = np.empty(len(supported))
        reference = _ramp_nps_weighted(y, w)
        for j in range(len(supported)):
            shifted = np.where(masks[:, j], np.clip(y - c[j], 0, 10), y)
            out[j] = _ramp_nps_weighted(shifted, w) - reference
        return out

    impact = impacts(coef, counts)
    rng = np.random.default_rng(seed)
    boot_coef = np.empty((n_boot, len(supported)))
    boot_weight = np.empty((n_boot, len(supported)))
    boot_impact = np.empty((n_boot, len(supported)))
    for b in range(n_boot):
        w = rng.multinomial(n, counts / n).astype(float) if n <= 20000 else rng.poisson(counts).astype(float)
        c, rw, r2_b = _weighted_fit(X, y, w)
        boot_coef[b] = c
        boot_weight[b] = rw / r2_b if r2_b > 0 else 0.0
        boot_impact[b] = impacts(c, w)
    share = weights / r2 if r2 > 0 else np.zeros_like(weights)
    index = base.set_index("indicator").index
    rows = index.get_indexer(supported)
    base.loc[rows, "effect"] = coef
    base.loc[rows, "effect_ci_low"] = np.percentile(boot_coef, 2.5, axis=0)
    base.loc[rows, "effect_ci_high"] = np.percentile(boot_coef, 97.5, axis=0)
    base.loc[rows, "importance"] = share
    base.loc[rows, "ci_low"] = np.percentile(boot_weight, 2.5, axis=0)
    base.loc[rows, "ci_high"] = np.percentile(boot_weight, 97.5, axis=0)
    complaint = base.loc[rows, "polarity"].to_numpy() == "negative"
    base.loc[rows, "nps_impact"] = np.where(complaint, impact, np.nan)
    base.loc[rows, "nps_impact_ci_low"] = np.where(complaint, np.percentile(boot_impact, 2.5, axis=0), np.nan)
    base.loc[rows, "nps_impact_ci_high"] = np.where(complaint, np.percentile(boot_impact, 97.5, axis=0), np.nan)
    base["_ranked"] = base["status"] == "ranked"
    base = base.sort_values(["_ranked", "importance", "mentions"], ascending=[False, False, False], na_position="last")
    base = base.drop(columns="_ranked").reset_index(drop=True)
    base["rank"] = np.where(base["status"] == "ranked", np.arange(1, len(base) + 1), np.nan)
    return DriverResult(base, r2, n)


def _ramp_nps_weighted(scores: np.ndarray, w: np.ndarray) -> float:
    """Weighted NPS of continuous scores: promoter share ramps 8->9, detractor share 7->6, so an
    integer score counts exactly as NPS does and a shifted score moves smoothly between groups."""
    promoter = np.clip(scores - 8.0, 0.0, 1.0)
    detractor = np.clip(7.0 - scores, 0.0, 1.0)
    return 100.0 * float(w @ (promoter - detractor) / w.sum())


# --------------------------------------------------------------------------- matrix & trends
QUADRANTS = {
    (True, False): "重点改善",  # important, performing poorly: fix first
    (True, True): "重点維持",  # important, performing well: protect
    (False, False): "改善",  # less important, poor: improve when possible
    (False, True): "維持",  # less important, good: keep
}


def priority_matrix(drivers: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """CSポートフォリオ: per topic, importance (sum of its indicators' importance) vs performance
    (share of positive among its polar mentions), split at the medians into quadrants."""
    rows = []
    for topic, group in drivers.groupby("topic"):
        pos = int(indicators.get(f"{topic}_positive", pd.Series(dtype=int)).sum())
        neg = int(indicators.get(f"{topic}_negative", pd.Series(dtype=int)).sum())
        if pos + neg == 0:
            continue
        rows.append({"topic": topic, "importance": float(group["importance"].fillna(0).sum()),
                     "performance": pos / (pos + neg), "mentions": pos + neg})
    matrix = pd.DataFrame(rows, columns=["topic", "importance", "performance", "mentions"])
    if matrix.empty:
        matrix["quadrant"] = []
        return matrix
    imp_cut, perf_cut = matrix["importance"].median(), matrix["performance"].median()
    matrix["quadrant"] = [QUADRANTS[(i >= imp_cut, p >= perf_cut)] for i, p in zip(matrix["importance"], matrix["performance"])]
    return matrix.sort_values("importance", ascending=False).reset_index(drop=True)


def two_proportion_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test."""
    if n1 == 0 or n2 == 0:
        return float("nan")
    pooled = (x1 + x2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / se
    return float(2 * stats.norm.sf(abs(z)))


def trends(responses: pd.DataFrame, indicators: pd.DataFrame, *, freq: str = "week", alpha: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per period NPS (+CI) and each indicator's share of responses; and alerts for significant
    changes versus the previous period (two-proportion test on shares; z-test on NPS)."""
    codes, periods = pd.factorize(period_key(responses["submitted_at"], freq), sort=True)
    rows, alerts = [], []
    previous = None
    for code, period in enumerate(periods):
        mask = codes == code
        summary = nps_summary(responses["nps"].to_numpy()[mask])
        counts = indicators.to_numpy()[mask].sum(axis=0)
        row = {"period": period, **{k: summary[k] for k in ("n", "nps", "ci_low", "ci_high", "small_n")}}
        row.update({f"share_{c}": counts[j] / summary["n"] for j, c in enumerate(indicators.columns)})
        rows.append(row)
        if previous is not None:
            prev_summary, prev_counts = previous
            se = np.hypot(summary["se"], prev_summary["se"])
            if se > 0:
                p = float(2 * stats.norm.sf(abs(summary["nps"] - prev_summary["nps"]) / se))
                if p < alpha:
                    alerts.append({"period": period, "metric": "NPS", "previous": prev_summary["nps"], "current": summary["nps"], "p_value": p})
            for j, column in enumerate(indicators.columns):
                if counts[j] + prev_counts[j] < 10:
                    continue
                p = two_proportion_p(int(counts[j]), summary["n"], int(prev_counts[j]), prev_summary["n"])
                if p < alpha:
                    alerts.append({"period": period, "metric": column, "previous": prev_counts[j] / prev_summary["n"],
                                   "current": counts[j] / summary["n"], "p_value": p})
        previous = (summary, counts)
    return pd.DataFrame(rows), pd.DataFrame(alerts, columns=["period", "metric", "previous", "current", "p_value"])


# --------------------------------------------------------------------------- verbatims
QUOTE_COLUMNS = ["response_id", "nps", "text", "confidence", "sentiment"]


def choose_quotes(candidates: pd.DataFrame, polarity: str | None, limit: int) -> pd.DataFrame:
    """The clearest, diverse quotes among ``candidates`` (the clauses of one topic, in clause
    order, with ``response_id``, ``nps``, ``text``, ``confidence``, ``sentiment``): detractors
    first for complaints and promoters first for praise, then clauses of readable length, then
    highest classifier confidence, skipping clauses that repeat one already chosen.
    ``store_quotes`` ranks clauses in DuckDB in exactly this order."""
    if candidates.empty:
        return candidates.reindex(columns=QUOTE_COLUMNS)
    if polarity == "negative":
        preferred = candidates["nps"] <= 6
    elif polarity == "positive":
        preferred = candidates["nps"] >= 9
    else:
        preferred = True
    ranked = candidates.assign(preferred=preferred, length_ok=candidates["text"].str.len().between(8, 120))
    ranked = ranked.sort_values(["preferred", "length_ok", "confidence", "response_id"], ascending=[False, False, False, True])
    chosen = pick_diverse(ranked, limit, max_similarity=0.5, unique_by="response_id")
    return chosen[QUOTE_COLUMNS].reset_index(drop=True)


def representative_quotes(clauses: pd.DataFrame, responses: pd.DataFrame, topic: str, polarity: str | None, *, limit: int = 3) -> pd.DataFrame:
    """``choose_quotes`` among the ``clauses`` with ``topic`` (and sentiment ``polarity``).
    ``clauses`` needs ``response_id``, ``text``, ``sentiment``, ``confidence`` and ``topics``
    (list of keys); ``responses`` needs ``response_id`` and ``nps``."""
    mask = np.array([isinstance(keys, (list, tuple, np.ndarray)) and topic in keys for keys in clauses["topics"]], dtype=bool)
    if polarity in POLARITIES:
        mask &= (clauses["sentiment"] == polarity).to_numpy()
    subset = clauses[mask].merge(responses[["response_id", "nps"]], on="response_id", how="left")
    return choose_quotes(subset, polarity, limit)


# --------------------------------------------------------------------------- from the store
@dataclass
class Scope:
    """Which responses an analysis covers; all values are bound as SQL parameters.

    ``since`` and ``until`` are inclusive dates (or times) in ``timezone``: 「11月」 for a team
    in Tokyo means Tokyo's November, whatever the database session's zone."""

    since: str | None = None
    until: str | None = None
    segment: tuple[str, str] | None = None
    timezone: str = "Asia/Tokyo"

    def where(self, alias: str = "r") -> tuple[str, list]:
        clauses, params = ["TRUE"], []
        if self.since:
            clauses.append(f"{alias}.submitted_at >= timezone(?, CAST(? AS TIMESTAMP))")
            params.extend([self.timezone, self.since])
        if self.until:
            clauses.append(f"{alias}.submitted_at < timezone(?, CAST(? AS TIMESTAMP)) + INTERVAL 1 DAY")
            params.extend([self.timezone, self.until])
        if self.segment:
            clauses.append(f"EXISTS (SELECT 1 FROM response_segments s WHERE s.response_id = {alias}.response_id AND s.name = ? AND s.value = ?)")
            params.extend(self.segment)
        return " AND ".join(clauses), params


def parse_segment(text: str | None) -> tuple[str, str] | None:
    """'チャネル=アプリ' -> ('チャネル', 'アプリ')."""
    if not text:
        return None
    from vocpipe.errors import VocpipeError

    if "=" not in text:
        raise VocpipeError(f"--segment は 列名=値 の形で指定してください (例: チャネル=アプリ): {text!r}")
    name, value = text.split("=", 1)
    return name.strip(), value.strip()


# A million responses have over two million clauses, and as pandas rows (texts, topic lists)
# they took more memory than the rest of a nightly run together.  So the functions below let
# DuckDB do the per-clause work (unnesting topics, de-duplicating, counting, ranking quotes) and
# bring back only what the analyses use: one score, time and row of 0/1 indicators per
# response, counts per group, and a bounded number of quote candidates.


def response_count(con, scope: Scope) -> int:
    """How many responses ``scope`` holds."""
    where, params = scope.where("r")
    return int(con.execute(f"SELECT count(*) FROM responses r WHERE {where}", params).fetchone()[0])


def clause_count(con, scope: Scope) -> int:
    """How many clauses the responses in ``scope`` have."""
    where, params = scope.where("r")
    return int(con.execute(f"SELECT count(*) FROM clauses c JOIN responses r USING (response_id) WHERE {where}", params).fetchone()[0])


def load_indicators(con, scope: Scope, topics: list[str], timezone: str = "Asia/Tokyo") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Responses in ``scope`` (``submitted_at`` in ``timezone``, ``nps``; in ``response_id``
    order) and, row for row, their ``indicator_matrix``, computed in DuckDB: each response comes
    back with its indicators as bits of one or more unsigned 64-bit words."""
    where, params = scope.where("r")
    columns = [f"{t}_{p}" for t in topics for p in POLARITIES]
    words = max(1, -(-len(columns) // 64))
    column = "(list_position(?, topic) - 1) * 2 + CASE sentiment WHEN 'positive' THEN 1 ELSE 0 END"
    bits = ", ".join(f"bit_or(CASE WHEN col // 64 = {w} THEN 1::UBIGINT << (col % 64) ELSE 0::UBIGINT END) AS bits{w}" for w in range(words))
    frame = con.execute(
        f"""WITH mentions AS (
                SELECT response_id, {column} AS col
                FROM (SELECT response_id, sentiment, UNNEST(topics) AS topic FROM clauses WHERE sentiment IN ('negative', 'positive'))
                WHERE list_contains(?, topic)
            ), indicators AS (SELECT response_id, {bits} FROM mentions GROUP BY response_id)
            SELECT r.submitted_at, r.nps, {", ".join(f"coalesce(i.bits{w}, 0) AS bits{w}" for w in range(words))}
            FROM responses r LEFT JOIN indicators i USING (response_id) WHERE {where} ORDER BY r.response_id""",
        [topics, topics, *params],
    ).df()
    values = np.zeros((len(frame), len(columns)), dtype=np.int8)
    for j in range(len(columns)):
        word = frame[f"bits{j // 64}"].to_numpy(dtype=np.uint64)
        values[:, j] = (word >> np.uint64(j % 64)) & np.uint64(1)
    responses = frame[["submitted_at", "nps"]].copy()
    if len(responses):
        responses["submitted_at"] = pd.to_datetime(responses["submitted_at"], utc=True).dt.tz_convert(timezone)
    return responses, pd.DataFrame(values, columns=columns)


QUOTE_CANDIDATES = 50


def store_quotes(con, scope: Scope, topics: list[str], polarity: str | None, *, limit: int, requests_only: bool = False,
                 candidates: int = QUOTE_CANDIDATES) -> dict[str, pd.DataFrame]:
    """``representative_quotes`` for each of ``topics`` over the clauses in ``scope`` (only
    request clauses with ``requests_only``), without loading the clauses: DuckDB ranks each
    topic's clauses in ``choose_quotes``' order and returns the first ``candidates``; a topic
    whose candidates run out before ``limit`` diverse quotes are found is asked again for more,
    so the quotes are exactly those chosen from all of its clauses."""
    quotes: dict[str, pd.DataFrame] = {}
    pending, size = list(dict.fromkeys(topics)), candidates
    if limit <= 0:
        return {topic: pd.DataFrame(columns=QUOTE_COLUMNS) for topic in pending}
    while pending:
        ranked = _quote_candidates(con, scope, pending, polarity, requests_only, size)
        groups = dict(tuple(ranked.groupby("topic", sort=False)))
        exhausted = []
        for topic in pending:
            group = groups.get(topic, ranked.iloc[:0]).drop(columns="topic")
            chosen = choose_quotes(group, polarity, limit)
            if len(chosen) < limit and len(group) == size:
                exhausted.append(topic)
            else:
                quotes[topic] = chosen
        pending, size = exhausted, size * 8
    return {topic: quotes[topic] for topic in dict.fromkeys(topics)}


def _quote_candidates(con, scope: Scope, topics: list[str], polarity: str | None, requests_only: bool, size: int) -> pd.DataFrame:
    """The first ``size`` clauses per topic in ``choose_quotes``' order (``topic`` + ``QUOTE_COLUMNS``).
    ``min_by(..., size)`` keeps only that many per topic while scanning, where a sort of every
    clause by topic took a few hundred MB at a million responses; its key is the ranking as one
    struct compared field by field (booleans negated and confidence negated, so smaller is better;
    missing confidence last)."""
    where, params = scope.where("r")
    filters, filter_params = ["TRUE"], []
    if polarity in POLARITIES:
        filters.append("c.sentiment = ?")
        filter_params.append(polarity)
    if requests_only:
        filters.append("coalesce(c.request, FALSE)")
    preferred = {"negative": "nps <= 6", "positive": "nps >= 9"}.get(polarity, "TRUE")
    return con.execute(
        f"""WITH mentions AS (
                SELECT c.response_id, c.clause_index, r.nps, c.text, c.confidence, c.sentiment,
                       UNNEST(list_distinct(c.topics)) AS topic
                FROM clauses c JOIN responses r USING (response_id) WHERE {where} AND {" AND ".join(filters)}
            ), best AS (
                SELECT topic, min_by({{{", ".join(f"'{c}': {c}" for c in QUOTE_COLUMNS)}}},
                                     {{'preferred': NOT ({preferred}), 'length_ok': NOT (length(text) BETWEEN 8 AND 120),
                                      'confidence': CASE WHEN confidence IS NULL OR isnan(confidence) THEN 'inf'::DOUBLE ELSE -confidence END,
                                      'response_id': response_id, 'clause_index': clause_index}}, ?) AS best
                FROM mentions WHERE list_contains(?, topic) GROUP BY topic
            )
            SELECT topic, {", ".join(f"quote.{c} AS {c}" for c in QUOTE_COLUMNS)}
            FROM (SELECT topic, UNNEST(best) AS quote, UNNEST(range(len(best))) AS position FROM best)
            ORDER BY topic, position""",
        [*params, *filter_params, size, topics],
    ).df()


def unclaimed_clauses(con, scope: Scope, topics: list[str] | None, *, min_chars: int = 1, max_clauses: int | None = None,
                      seed: int = 0) -> pd.DataFrame:
    """``response_id`` and ``text`` of the clauses in ``scope`` with at least ``min_chars``
    characters that carry none of ``topics`` (no topic at all when ``topics`` is None), in clause
    order.  Above ``max_clauses`` a seeded sample: the rows ``DataFrame.sample(max_clauses,
    random_state=seed)`` picks, drawn from the count so that only they are fetched."""
    where, params = scope.where("r")
    claimed = "len(coalesce(c.topics, [])) > 0" if topics is None else "list_has_any(coalesce(c.topics, []), ?)"
    pool = (f"SELECT c.response_id, c.text, row_number() OVER (ORDER BY c.response_id, c.clause_index) - 1 AS position "
            f"FROM clauses c JOIN responses r USING (response_id) WHERE {where} AND length(c.text) >= ? AND NOT {claimed}")
    pool_params = [*params, min_chars] + ([] if topics is None else [list(topics)])
    size = con.execute(f"SELECT count(*) FROM ({pool})", pool_params).fetchall()[0][0]
    if max_clauses is None or size <= max_clauses:
        return con.execute(f"SELECT response_id, text FROM ({pool}) ORDER BY position", pool_params).df()
    positions = np.sort(np.random.RandomState(seed).choice(size, size=max_clauses, replace=False))
    con.register("sampled_positions", pd.DataFrame({"position": positions}))
    try:
        return con.execute(f"SELECT response_id, text FROM ({pool}) JOIN sampled_positions USING (position) ORDER BY position",
                           pool_params).df()
    finally:
        con.unregister("sampled_positions")


def headline(con, settings: Settings, scope: Scope | None = None) -> dict:
    """Overall NPS with CI for the store (or scope), for run summaries."""
    where, params = (scope or Scope()).where("r")
    scores = con.execute(f"SELECT nps FROM responses r WHERE {where}", params).fetchnumpy()["nps"]
    return nps_summary(scores)


# --------------------------------------------------------------------------- one call for all
@dataclass
class DriverAnalysis:
    """All tables of a driver analysis over one scope (what the report and CLI render)."""

    overall: dict
    drivers: pd.DataFrame
    r2: float
    indicator_stats: pd.DataFrame
    priority: pd.DataFrame
    trend: pd.DataFrame
    alerts: pd.DataFrame
    segments: pd.DataFrame
    quotes: dict[str, pd.DataFrame]
    requests: pd.DataFrame
    n_clauses: int


SEGMENT_COLUMNS = ["segment", "value", "n", "nps", "ci_low", "ci_high", "small_n"]


def segment_nps(con, scope: Scope) -> pd.DataFrame:
    """NPS per value of every segment column (``segment``, ``value``, NPS columns)."""
    where, params = scope.where("r")
    counts = con.execute(
        f"""SELECT s.name, s.value, count_if(r.nps >= 9) AS promoters, count_if(r.nps <= 6) AS detractors, count(*) AS n
            FROM response_segments s JOIN responses r USING (response_id) WHERE {where}
            GROUP BY s.name, s.value ORDER BY s.name, s.value""", params).fetchall()
    rows = []
    for name, value, promoters, detractors, n in counts:
        summary = nps_from_counts(promoters, detractors, n)
        rows.append({"segment": name, "value": value, **{k: summary[k] for k in SEGMENT_COLUMNS[2:]}})
    return pd.DataFrame(rows, columns=SEGMENT_COLUMNS)


NO_TOPIC = "(なし)"


def request_table(con, scope: Scope, topics: list[str]) -> pd.DataFrame:
    """Requests (要望) ranked by topic: ``topic`` (``(なし)`` for requests without one),
    ``requests`` (clauses), ``responses``, ``quotes``."""
    where, params = scope.where("r")
    counts = con.execute(
        f"""WITH requested AS (
                SELECT c.response_id, UNNEST(CASE WHEN len(coalesce(c.topics, [])) = 0 THEN [?] ELSE c.topics END) AS topic
                FROM clauses c JOIN responses r USING (response_id) WHERE {where} AND coalesce(c.request, FALSE)
            )
            SELECT coalesce(topic, ?) AS topic, count(*) AS requests, count(DISTINCT response_id) AS responses
            FROM requested GROUP BY ALL ORDER BY topic""", [NO_TOPIC, *params, NO_TOPIC]).fetchall()
    counts = [row for row in counts if row[0] == NO_TOPIC or row[0] in topics]
    quotes = store_quotes(con, scope, [t for t, _, _ in counts if t != NO_TOPIC], None, limit=3, requests_only=True)
    rows = [{"topic": topic, "requests": requests, "responses": responders,
             "quotes": quotes[topic][["response_id", "nps", "text"]].to_dict("records") if topic in quotes else []}
            for topic, requests, responders in counts]
    return pd.DataFrame(rows, columns=["topic", "requests", "responses", "quotes"]).sort_values("requests", ascending=False).reset_index(drop=True)


def analyse_scope(con, topics: list[str], scope: Scope | None = None, *, min_support: int = 30, n_boot: int = 200,
                  seed: int = 0, freq: str = "week", timezone: str = "Asia/Tokyo") -> DriverAnalysis:
    """Run every driver analysis on the responses in ``scope``."""
    scope = scope or Scope()
    responses, indicators = load_indicators(con, scope, topics, timezone)
    scores = responses["nps"].to_numpy()
    result = driver_table(indicators, scores, min_support=min_support, n_boot=n_boot, seed=seed)
    stats_table = indicator_stats(indicators, scores) if len(responses) else pd.DataFrame()
    table = result.table.merge(stats_table, on=["indicator", "mentions"], how="left") if len(stats_table) else result.table
    mentioned = table[table["mentions"] > 0]
    by_polarity = {polarity: store_quotes(con, scope, list(mentioned.loc[mentioned["polarity"] == polarity, "topic"]), polarity, limit=3)
                   for polarity in POLARITIES}
    quotes = {row.indicator: by_polarity[row.polarity][row.topic] for row in mentioned.itertuples(index=False)}
    trend, alerts = trends(responses, indicators, freq=freq) if len(responses) else (pd.DataFrame(), pd.DataFrame())
    return DriverAnalysis(
        overall=nps_summary(scores), drivers=table, r2=result.r2, indicator_stats=stats_table,
        priority=priority_matrix(result.table, indicators), trend=trend, alerts=alerts,
        segments=segment_nps(con, scope), quotes=quotes,
        requests=request_table(con, scope, topics), n_clauses=clause_count(con, scope),
    )


DRIVER_RESULT_SCHEMA = """
CREATE TABLE IF NOT EXISTS driver_results (
    computed_at TIMESTAMPTZ, run_id VARCHAR, indicator VARCHAR, topic VARCHAR, polarity VARCHAR,
    status VARCHAR, mentions INTEGER, effect DOUBLE, effect_ci_low DOUBLE, effect_ci_high DOUBLE,
    importance DOUBLE, ci_low DOUBLE, ci_high DOUBLE, nps_impact DOUBLE, nps_impact_ci_low DOUBLE,
    nps_impact_ci_high DOUBLE, rank DOUBLE
)
"""


def save_driver_results(con, driver_rows: pd.DataFrame, run_id: str) -> None:
    """Replace the stored driver table with this run's (``driver_table`` columns; the history
    of NPS stays in the responses)."""
    from vocpipe.store import now_utc

    con.execute(DRIVER_RESULT_SCHEMA)
    columns = ["indicator", "topic", "polarity", "status", "mentions", "effect", "effect_ci_low", "effect_ci_high",
               "importance", "ci_low", "ci_high", "nps_impact", "nps_impact_ci_low", "nps_impact_ci_high", "rank"]
    rows = driver_rows[columns].assign(computed_at=now_utc(), run_id=run_id)
    con.register("driver_rows", rows)
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM driver_results")
        con.execute(f"INSERT INTO driver_results SELECT computed_at, run_id, {', '.join(columns)} FROM driver_rows")
        con.execute("COMMIT")
    finally:
        con.unregister("driver_rows")
