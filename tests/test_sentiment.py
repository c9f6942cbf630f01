"""Sentiment model: negation, contrast, requests, odd input, and safe loading."""

import shutil

import pytest

from vocpipe.classify.sentiment import SentimentModel, comment_sentiment
from vocpipe.config import REPO_ROOT
from vocpipe.errors import ModelError
from vocpipe.text import normalize_comment, split_clauses

MODELS = REPO_ROOT / "models"


@pytest.fixture(scope="module")
def model():
    return SentimentModel.load(MODELS)


def labels(model, texts):
    return list(model.predict([normalize_comment(t) for t in texts]))


def test_negation_flips_sentiment(model):
    assert labels(model, ["料理が美味しかった", "料理が美味しくなかった"]) == ["positive", "negative"]


def test_double_negative_reads_as_praise(model):
    assert labels(model, ["接客は悪くない"]) == ["positive"]


def test_contrast_gives_two_clauses_with_opposite_labels(model):
    comment = normalize_comment("スタッフの対応はとても丁寧でしたが、配送が遅すぎて困りました。")
    clauses = [c.text for c in split_clauses(comment)]
    assert len(clauses) == 2
    assert labels(model, clauses) == ["positive", "negative"]


def test_requests_are_flagged(model):
    analysed = model.analyse([normalize_comment(t) for t in ["ポイント還元があると嬉しいです", "アプリにダークモードを追加してほしい", "店員さんが親切でした"]])
    assert list(analysed["request"]) == [True, True, False]


def test_empty_and_emoji_only_input_does_not_crash(model):
    analysed = model.analyse(["", "😊😊"])
    assert analysed.loc[0, "sentiment"] == "neutral" and analysed.loc[0, "sentiment_score"] == 0.0
    assert analysed.loc[1, "sentiment"] in {"positive", "neutral", "negative"}


def test_probabilities_sum_to_one_and_score_is_in_range(model):
    analysed = model.analyse(["最高でした", "普通", "最悪"])
    total = analysed[["p_negative", "p_neutral", "p_positive"]].sum(axis=1)
    assert ((total - 1).abs() < 1e-6).all()
    assert analysed["sentiment_score"].between(-1, 1).all()


def test_comment_sentiment_averages_clause_probabilities():
    negative_but_unsure = [[0.53, 0.04, 0.43]]
    assert comment_sentiment(negative_but_unsure, [20]) == ("negative", pytest.approx(-0.10))
    assert comment_sentiment([[0.1, 0.2, 0.7], [0.1, 0.6, 0.3]], [30, 10]) == ("positive", pytest.approx(0.5))


def test_clear_praise_and_clear_complaint_make_a_mixed_comment():
    assert comment_sentiment([[0.05, 0.05, 0.9], [0.8, 0.1, 0.1]], [10, 10])[0] == "mixed"


def test_comment_without_clauses_is_neutral():
    assert comment_sentiment([], []) == ("neutral", 0.0)


def test_model_file_with_wrong_hash_refuses_to_load(tmp_path):
    for path in MODELS.glob("sentiment.*"):
        shutil.copy(path, tmp_path / path.name)
    with open(tmp_path / "sentiment.npz", "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ModelError, match="ハッシュがモデルカードと一致しません"):
        SentimentModel.load(tmp_path)


def test_missing_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="モデルファイルがありません"):
        SentimentModel.load(tmp_path)


def test_saved_model_predicts_exactly_like_the_trained_one(tmp_path):
    from vocpipe.classify.modelio import save_model

    texts = ["配送が早い", "配送が遅い", "普通です", "店員が親切", "店員が失礼", "特になし"] * 4
    trained = SentimentModel.fit(texts, ["positive", "negative", "neutral", "positive", "negative", "neutral"] * 4, [0, 1] * 12)
    meta, arrays = trained.to_state()
    save_model(tmp_path, "sentiment", meta, arrays, {"version": "t"}, "card")
    loaded = SentimentModel.load(tmp_path)
    assert (abs(loaded.predict_proba(texts) - trained.predict_proba(texts)) < 1e-5).all()


def test_negated_praise_is_not_read_as_praise(model):
    # The character n-grams of 美味しく / 良く are positive; in a negated clause they are marked.
    assert all(label != "positive" for label in labels(model, ["あまり美味しくなかったです", "対応が良くなかった"]))


def test_analysis_shared_with_a_pool_process_gives_the_same_clauses_in_order():
    import pandas as pd

    from vocpipe.analyze import Models, analyse_comments, shutdown_pool
    from vocpipe.config import REPO_ROOT

    comments = pd.DataFrame({"response_id": [f"R{i:03d}" for i in range(60)],
                             "comment": [f"{i}回目の来店です。店員さんは親切でしたが、レジの待ち時間が長すぎます。" if i % 2 else
                                         f"アプリの{i}番目の機能が使いにくいので改善してほしい。" for i in range(60)]})
    models = Models.load(REPO_ROOT / "models")
    alone = analyse_comments(comments, models)
    try:
        shared = analyse_comments(comments, models, models_dir=REPO_ROOT / "models", workers=2, min_rows_per_worker=10)
    finally:
        shutdown_pool()
    pd.testing.assert_frame_equal(alone, shared)
    assert shared["response_id"].tolist() == sorted(shared["response_id"].tolist())
