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

import weakref
from contextlib import contextmanager
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
    n = int(len(scores))
    if n == 0:
        return {"n": 0, "nps": float("nan"), "se": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"),
                "promoters": 0, "passives": 0, "detractors": 0, "promoter_share": float("nan"),
                "passive_share": float("nan"), "detractor_share": float("nan"), "small_n": True}
    promoters = int((scores >= 9).sum())
    detractors = int((scores <= 6).sum())
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
    """Week (Monday start) or month label for tz-aware timestamps: '2026-11-23' / '2026-11'."""
    local = timestamps.dt.tz_localize(None) if timestamps.dt.tz is not None else timestamps
    if freq == "month":
        return local.dt.strftime("%Y-%m")
    start = local.dt.normalize() - pd.to_timedelta(local.dt.day_of_week, unit="D")
    return start.dt.strftime("%Y-%m-%d")


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
    periods = period_key(responses["submitted_at"], freq).to_numpy()
    rows, alerts = [], []
    previous = None
    for period in sorted(set(periods)):
        mask = periods == period
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
_TOPIC_ROWS: dict[int, dict[str, np.ndarray]] = {}
QUOTE_COLUMNS = ["response_id", "nps", "text", "confidence", "sentiment"]


def topic_rows(clauses: pd.DataFrame) -> dict[str, np.ndarray]:
    """Positions of the clauses carrying each topic, computed once per clause table because
    quotes are looked up for every driver and theme.  The memo entry dies with the table."""
    key = id(clauses)
    if key not in _TOPIC_ROWS:
        exploded = clauses["topics"].reset_index(drop=True).explode().dropna()
        _TOPIC_ROWS[key] = {t: rows.to_numpy() for t, rows in exploded.index.to_series().groupby(exploded.to_numpy())}
        weakref.finalize(clauses, _TOPIC_ROWS.pop, key, None)
    return _TOPIC_ROWS[key]


def representative_quotes(clauses: pd.DataFrame, responses: pd.DataFrame, topic: str, polarity: str | None, *, limit: int = 3) -> pd.DataFrame:
    """The clearest, diverse clauses for a topic (and sentiment): highest classifier confidence
    first, detractors first for complaints and promoters first for praise, skipping clauses
    that repeat one already chosen.  Columns: ``response_id``, ``nps``, ``text``, ``confidence``,
    ``sentiment`` (``responses`` needs ``response_id`` and ``nps``)."""
    mask = np.zeros(len(clauses), dtype=bool)
    mask[topic_rows(clauses).get(topic, [])] = True
    if polarity in POLARITIES:
        mask &= clauses["sentiment"] == polarity
    subset = clauses[mask].merge(responses[["response_id", "nps"]], on="response_id", how="left")
    if subset.empty:
        return subset.reindex(columns=QUOTE_COLUMNS)
    if polarity == "negative":
        subset["preferred"] = subset["nps"] <= 6
    elif polarity == "positive":
        subset["preferred"] = subset["nps"] >= 9
    else:
        subset["preferred"] = True
    subset["length_ok"] = subset["text"].str.len().between(8, 120)
    subset = subset.sort_values(["preferred", "length_ok", "confidence", "response_id"], ascending=[False, False, False, True])
    chosen = pick_diverse(subset, limit, max_similarity=0.5, unique_by="response_id")
    return chosen[QUOTE_COLUMNS].reset_index(drop=True)


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


_scope_cache: dict | None = None


@contextmanager
def cached_scopes():
    """Within this block, ``load_scope`` reads each scope from the store once: a report asks for
    the same responses from several tables.  Frames returned while caching are shared: treat
    them as read-only."""
    global _scope_cache
    previous, _scope_cache = _scope_cache, {}
    try:
        yield
    finally:
        _scope_cache = previous


def shared_topic_tuples(joined: pd.Series) -> list[tuple[str, ...]]:
    """'price|staff' strings -> topic tuples, one shared tuple per distinct combination.

    A million clauses hold a few hundred distinct topic sets; sharing them instead of building a
    list per clause keeps the clause table at a few bytes per row for this column (topic keys
    are letters, digits and _, so '|' cannot occur in them)."""
    shared: dict[str | None, tuple[str, ...]] = {}
    out = []
    for value in joined:
        topics = shared.get(value)
        if topics is None:
            topics = shared[value] = tuple(value.split("|")) if isinstance(value, str) and value else ()
        out.append(topics)
    return out


def load_scope(con, scope: Scope, timezone: str = "Asia/Tokyo") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Responses (``response_id``, ``submitted_at``, ``nps``) and their clauses (``response_id``,
    ``clause_index``, ``text``, ``sentiment``, ``confidence``, ``request``, ``topics``) within
    ``scope``: only what the analyses use, so a million responses fit in memory (full comments
    are fetched by id for the few quotes shown)."""
    key = (scope.since, scope.until, scope.segment, timezone)
    if _scope_cache is not None and key in _scope_cache:
        return _scope_cache[key]
    where, params = scope.where("r")
    responses = con.execute(
        f"SELECT response_id, submitted_at, nps FROM responses r WHERE {where} ORDER BY response_id", params
    ).df()
    clauses = con.execute(
        f"""SELECT c.response_id, c.clause_index, c.text, c.sentiment, c.confidence, c.request,
                   array_to_string(c.topics, '|') AS topics
            FROM clauses c JOIN responses r USING (response_id) WHERE {where} ORDER BY c.response_id, c.clause_index""",
        params,
    ).df()
    clauses["topics"] = shared_topic_tuples(clauses["topics"])
    if len(responses):
        responses["submitted_at"] = pd.to_datetime(responses["submitted_at"], utc=True).dt.tz_convert(timezone)
    if _scope_cache is not None:
        _scope_cache[key] = (responses, clauses)
    return responses, clauses


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


def segment_nps(con, scope: Scope, responses: pd.DataFrame) -> pd.DataFrame:
    """NPS per value of every segment column (``segment``, ``value``, NPS columns)."""
    if responses.empty:
        return pd.DataFrame(columns=["segment", "value", "n", "nps", "ci_low", "ci_high", "small_n"])
    where, params = scope.where("r")
    segs = con.execute(
        f"SELECT s.response_id, s.name, s.value FROM response_segments s JOIN responses r USING (response_id) WHERE {where}", params
    ).df().merge(responses[["response_id", "nps"]], on="response_id")
    rows = []
    for (name, value), group in segs.groupby(["name", "value"], sort=True):
        summary = nps_summary(group["nps"].to_numpy())
        rows.append({"segment": name, "value": value, **{k: summary[k] for k in ("n", "nps", "ci_low", "ci_high", "small_n")}})
    return pd.DataFrame(rows, columns=["segment", "value", "n", "nps", "ci_low", "ci_high", "small_n"])


def request_table(clauses: pd.DataFrame, responses: pd.DataFrame, topics: list[str]) -> pd.DataFrame:
    """Requests (要望) ranked by topic: ``topic``, ``requests`` (clauses), ``responses``, ``quotes``."""
    requested = clauses[clauses["request"].fillna(False).astype(bool)]
    exploded = requested.explode("topics")
    exploded["topics"] = exploded["topics"].fillna("(なし)")
    rows = []
    for topic, group in exploded.groupby("topics"):
        if topic != "(なし)" and topic not in topics:
            continue
        quotes = representative_quotes(requested, responses, topic, None, limit=3) if topic != "(なし)" else pd.DataFrame()
        rows.append({"topic": topic, "requests": len(group), "responses": group["response_id"].nunique(),
                     "quotes": quotes[["response_id", "nps", "text"]].to_dict("records") if len(quotes) else []})
    return pd.DataFrame(rows, columns=["topic", "requests", "responses", "quotes"]).sort_values("requests", ascending=False).reset_index(drop=True)


def analyse_scope(con, topics: list[str], scope: Scope | None = None, *, min_support: int = 30, n_boot: int = 200,
                  seed: int = 0, freq: str = "week", timezone: str = "Asia/Tokyo") -> DriverAnalysis:
    """Run every driver analysis on the responses in ``scope``."""
    scope = scope or Scope()
    responses, clauses = load_scope(con, scope, timezone)
    indicators = indicator_matrix(responses, clauses, topics)
    scores = responses["nps"].to_numpy()
    result = driver_table(indicators, scores, min_support=min_support, n_boot=n_boot, seed=seed)
    stats_table = indicator_stats(indicators, scores) if len(responses) else pd.DataFrame()
    table = result.table.merge(stats_table, on=["indicator", "mentions"], how="left") if len(stats_table) else result.table
    quotes = {}
    for row in table.itertuples(index=False):
        if row.mentions > 0:
            quotes[row.indicator] = representative_quotes(clauses, responses, row.topic, row.polarity, limit=3)
    trend, alerts = trends(responses, indicators, freq=freq) if len(responses) else (pd.DataFrame(), pd.DataFrame())
    return DriverAnalysis(
        overall=nps_summary(scores), drivers=table, r2=result.r2, indicator_stats=stats_table,
        priority=priority_matrix(result.table, indicators), trend=trend, alerts=alerts,
        segments=segment_nps(con, scope, responses), quotes=quotes,
        requests=request_table(clauses, responses, topics), n_clauses=len(clauses),
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
