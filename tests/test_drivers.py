"""Drivers: NPS with its CI, planted-effect recovery, support thresholds, trends, quotes, and the
indicators and quotes computed in the store matching the in-memory functions."""

import numpy as np
import pandas as pd
import pytest

from vocpipe.drivers import (Scope, driver_table, indicator_matrix, load_indicators, nps_summary, priority_matrix,
                             representative_quotes, store_quotes, trends, two_proportion_p, unclaimed_clauses)
from vocpipe.simulate import DEFAULT_EFFECTS, simulate_indicators


def test_nps_and_ci_match_a_hand_computed_example():
    scores = [10] * 50 + [8] * 30 + [3] * 20  # 50% promoters, 20% detractors, n = 100
    result = nps_summary(scores)
    # NPS = 50 - 20 = 30; SE = 100 * sqrt((0.5 + 0.2 - 0.3**2) / 100) = 100 * sqrt(0.0061) = 7.8102...
    assert result["nps"] == pytest.approx(30.0)
    assert result["se"] == pytest.approx(7.810249675906654)
    assert result["ci_low"] == pytest.approx(30 - 1.96 * 7.810249675906654)
    assert result["ci_high"] == pytest.approx(30 + 1.96 * 7.810249675906654)
    assert (result["promoters"], result["passives"], result["detractors"]) == (50, 30, 20)
    assert result["small_n"] is False


def test_small_groups_are_flagged_not_hidden():
    result = nps_summary([9, 10, 3])
    assert result["small_n"] is True and result["n"] == 3


def test_planted_drivers_are_recovered_in_order_with_covering_cis():
    indicators, scores = simulate_indicators(3000, seed=3)
    table = driver_table(indicators, scores, n_boot=200, seed=0).table.set_index("indicator")
    assert list(table.index[:3]) == ["delivery_negative", "staff_positive", "price_negative"]
    for name, effect in DEFAULT_EFFECTS.items():
        assert table.loc[name, "effect_ci_low"] <= effect <= table.loc[name, "effect_ci_high"]
    for name in table.index[3:]:
        assert table.loc[name, "effect_ci_low"] <= 0 <= table.loc[name, "effect_ci_high"]


def test_complaints_get_a_positive_nps_impact_with_ci():
    indicators, scores = simulate_indicators(3000, seed=4)
    row = driver_table(indicators, scores, n_boot=200).table.set_index("indicator").loc["delivery_negative"]
    assert row["nps_impact_ci_low"] > 0 and row["nps_impact_ci_low"] <= row["nps_impact"] <= row["nps_impact_ci_high"]


def test_rare_indicators_are_reported_as_insufficient_data():
    indicators, scores = simulate_indicators(500, seed=5)
    indicators["rewards_negative"] = 0
    indicators.iloc[:10, indicators.columns.get_loc("rewards_negative")] = 1
    table = driver_table(indicators, scores, min_support=30, n_boot=50).table.set_index("indicator")
    assert table.loc["rewards_negative", "status"] == "insufficient_data"
    assert np.isnan(table.loc["rewards_negative", "importance"]) and np.isnan(table.loc["rewards_negative", "rank"])


def test_bootstrap_is_seeded():
    indicators, scores = simulate_indicators(800, seed=6)
    a = driver_table(indicators, scores, n_boot=50, seed=1).table
    b = driver_table(indicators, scores, n_boot=50, seed=1).table
    pd.testing.assert_frame_equal(a, b)


def test_indicators_come_from_clause_topics_and_sentiment():
    responses = pd.DataFrame({"response_id": ["r1", "r2"]})
    clauses = pd.DataFrame({"response_id": ["r1", "r1", "r2"], "sentiment": ["positive", "negative", "neutral"],
                            "topics": [["staff"], ["delivery", "price"], ["delivery"]]})
    matrix = indicator_matrix(responses, clauses, ["staff", "delivery", "price"])
    assert matrix.loc["r1"].to_dict() == {"staff_negative": 0, "staff_positive": 1, "delivery_negative": 1,
                                          "delivery_positive": 0, "price_negative": 1, "price_positive": 0}
    assert matrix.loc["r2"].sum() == 0


def test_priority_matrix_puts_important_weak_topics_in_the_fix_first_quadrant():
    drivers = pd.DataFrame({"topic": ["delivery", "delivery", "staff", "staff", "price", "price"],
                            "importance": [0.5, 0.0, 0.05, 0.3, 0.01, 0.01]})
    indicators = pd.DataFrame({"delivery_negative": [1, 1, 1, 0], "delivery_positive": [0, 0, 0, 1],
                               "staff_negative": [0, 0, 0, 0], "staff_positive": [1, 1, 0, 0],
                               "price_negative": [0, 1, 0, 0], "price_positive": [0, 0, 1, 0]})
    matrix = priority_matrix(drivers, indicators).set_index("topic")
    assert matrix.loc["delivery", "quadrant"] == "重点改善"
    assert matrix.loc["staff", "quadrant"] == "重点維持"


def test_two_proportion_test_matches_the_textbook_value():
    # 30/100 vs 15/100: pooled p = 0.225, z = 2.5389..., two-sided p = 0.0111...
    assert two_proportion_p(30, 100, 15, 100) == pytest.approx(0.01112, abs=1e-4)


def test_trend_alert_fires_when_a_complaint_doubles():
    weeks = pd.to_datetime(["2026-11-02"] * 200 + ["2026-11-09"] * 200).tz_localize("Asia/Tokyo")
    responses = pd.DataFrame({"response_id": [f"r{i}" for i in range(400)], "submitted_at": weeks, "nps": [8] * 400})
    indicators = pd.DataFrame({"delivery_negative": [1] * 20 + [0] * 180 + [1] * 60 + [0] * 140}, index=responses["response_id"])
    trend, alerts = trends(responses, indicators)
    assert list(trend["period"]) == ["2026-11-02", "2026-11-09"]
    assert list(alerts["metric"]) == ["delivery_negative"]


def test_representative_quotes_prefer_confident_detractor_complaints_and_skip_repeats():
    clauses = pd.DataFrame({
        "response_id": ["a", "b", "c", "d"],
        "text": ["配送が本当に遅かった", "配送が本当に遅かった!", "届くまで二週間もかかった", "配送が少し遅い"],
        "sentiment": ["negative"] * 4, "topics": [["delivery"]] * 4, "confidence": [0.9, 0.95, 0.8, 0.99],
    })
    responses = pd.DataFrame({"response_id": list("abcd"), "nps": [2, 3, 1, 9], "comment": list("abcd")})
    quotes = representative_quotes(clauses, responses, "delivery", "negative", limit=3)
    assert list(quotes["response_id"]) == ["b", "c", "d"]


def test_scope_dates_are_local_days_in_the_configured_timezone():
    where, params = Scope("2026-11-01", "2026-11-30", timezone="Asia/Tokyo").where("r")
    assert params == ["Asia/Tokyo", "2026-11-01", "Asia/Tokyo", "2026-11-30"]
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE responses AS SELECT * FROM (VALUES ('a', TIMESTAMPTZ '2026-10-31 23:30:00+09'), "
                "('b', TIMESTAMPTZ '2026-11-01 00:30:00+09'), ('c', TIMESTAMPTZ '2026-11-30 23:59:00+09'), "
                "('d', TIMESTAMPTZ '2026-12-01 00:00:00+09')) t(response_id, submitted_at)")
    rows = con.execute(f"SELECT response_id FROM responses r WHERE {where} ORDER BY 1", params).fetchall()
    assert rows == [("b",), ("c",)]


# --------------------------------------------------------------------------- computed in the store
@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    """The report tests' realistic store (8 weeks, 360 responses) plus responses the sample
    lacks: one without clauses, topics outside the taxonomy, a repeated topic and NULL fields."""
    from test_report import build_sample_store, sample_frames

    from vocpipe import store
    from vocpipe.ingest import content_hash

    db = tmp_path_factory.mktemp("drivers") / "voc.duckdb"
    build_sample_store(db)
    responses, _ = sample_frames(4)
    responses["response_id"] = ["X1", "X2", "X3", "X4"]
    responses["content_hash"] = [content_hash(c, s, t, g) for c, s, t, g in
                                 responses[["comment", "nps", "submitted_at", "segments"]].itertuples(index=False)]
    row = {"start_char": 0, "end_char": 5, "sentiment_score": -0.8, "confidence": 0.9, "request": False, "topic_sources": []}
    clauses = pd.DataFrame([
        {**row, "response_id": "X2", "clause_index": 0, "text": "配送が遅い配送", "sentiment": "negative", "topics": ["delivery", "delivery"]},
        {**row, "response_id": "X2", "clause_index": 1, "text": "新機能が欲しい", "sentiment": "negative", "topics": ["new_feature"], "request": None},
        {**row, "response_id": "X3", "clause_index": 0, "text": "店員が親切", "sentiment": "positive", "topics": ["staff", "unknown"]},
        {**row, "response_id": "X4", "clause_index": 0, "text": "特になし", "sentiment": None, "topics": None, "confidence": None},
    ], columns=store.CLAUSE_COLUMNS)
    with store.connect(db) as con:
        store.upsert_responses(con, responses, "run-0002")
        store.replace_clauses(con, clauses, responses[["response_id", "content_hash"]])
    return db


def _frames(con, scope):
    """Responses and clauses of ``scope`` as the in-memory functions take them."""
    where, params = scope.where("r")
    responses = con.execute(f"SELECT response_id, nps FROM responses r WHERE {where} ORDER BY response_id", params).df()
    clauses = con.execute(f"SELECT c.response_id, c.clause_index, c.text, c.sentiment, c.confidence, c.request, c.topics "
                          f"FROM clauses c JOIN responses r USING (response_id) WHERE {where} "
                          f"ORDER BY c.response_id, c.clause_index", params).df()
    clauses["topics"] = [list(t) if isinstance(t, (list, np.ndarray)) else [] for t in clauses["topics"]]
    return responses, clauses


SCOPES = [Scope(), Scope("2026-09-14", "2026-10-04"), Scope(segment=("チャネル", "アプリ"))]
TOPICS = ["delivery", "staff", "price", "usability", "support", "rewards"]


@pytest.mark.parametrize("scope", SCOPES, ids=["all", "three-weeks", "segment"])
def test_indicators_computed_in_the_store_equal_indicator_matrix(sample_store, scope):
    from vocpipe import store

    with store.connect(sample_store, read_only=True) as con:
        responses, clauses = _frames(con, scope)
        scored, indicators = load_indicators(con, scope, TOPICS)
    expected = indicator_matrix(responses, clauses, TOPICS)
    assert expected.to_numpy().sum() > 100
    assert list(indicators.columns) == list(expected.columns)
    np.testing.assert_array_equal(indicators.to_numpy(), expected.to_numpy())
    np.testing.assert_array_equal(scored["nps"].to_numpy(), responses["nps"].to_numpy())


@pytest.mark.parametrize("scope", SCOPES, ids=["all", "three-weeks", "segment"])
def test_quotes_ranked_in_the_store_equal_representative_quotes(sample_store, scope):
    from vocpipe import store

    with store.connect(sample_store, read_only=True) as con:
        responses, clauses = _frames(con, scope)
        for polarity in ("negative", "positive", None):
            # One candidate per topic forces the fallback that asks again for more.
            for candidates in (1, 50):
                chosen = store_quotes(con, scope, TOPICS, polarity, limit=3, candidates=candidates)
                for topic in TOPICS:
                    expected = representative_quotes(clauses, responses, topic, polarity, limit=3)
                    pd.testing.assert_frame_equal(chosen[topic], expected, check_dtype=False)


def test_unclaimed_clauses_sample_the_rows_pandas_would(sample_store):
    from vocpipe import store

    with store.connect(sample_store, read_only=True) as con:
        _, clauses = _frames(con, Scope())
        pool = clauses[clauses["topics"].map(lambda ts: not set(ts) & set(TOPICS)) & (clauses["text"].str.len() >= 6)]
        expected = pool.sample(n=20, random_state=3).sort_index()[["response_id", "text"]].reset_index(drop=True)
        sampled = unclaimed_clauses(con, Scope(), TOPICS, min_chars=6, max_clauses=20, seed=3)
        everything = unclaimed_clauses(con, Scope(), TOPICS, min_chars=6)
    assert len(pool) > 40
    pd.testing.assert_frame_equal(sampled, expected)
    pd.testing.assert_frame_equal(everything, pool[["response_id", "text"]].reset_index(drop=True))
