"""Topic model: multi-label output with sources, user-edited taxonomies, discovery, label queue."""

import pandas as pd
import pytest

from vocpipe.classify.discover import discover_themes
from vocpipe.classify.taxonomy import load_taxonomy, taxonomy_from_dict
from vocpipe.classify.topics import TopicModel
from vocpipe.config import REPO_ROOT
from vocpipe.errors import ConfigError

MODELS = REPO_ROOT / "models"
TAXONOMY = REPO_ROOT / "data" / "taxonomy.yaml"


@pytest.fixture(scope="module")
def model():
    return TopicModel.load(MODELS)


def topics_of(model, text):
    return model.predict([text]).loc[0, "topics"]


def test_clause_about_delivery_gets_the_delivery_topic(model):
    assert "delivery" in topics_of(model, "注文してから届くまで一週間もかかった")


def test_clause_can_have_several_topics(model):
    assert {"price", "staff"} <= set(topics_of(model, "料金は高いけど店員さんの接客が素晴らしい"))


def test_thanks_without_an_aspect_has_no_topic(model):
    assert topics_of(model, "いつもありがとうございます") == []


def test_every_topic_says_where_it_came_from(model):
    result = model.predict(["アプリにログインできない"])
    assert len(result.loc[0, "topics"]) == len(result.loc[0, "topic_sources"])
    assert set(result.loc[0, "topic_sources"]) <= {"model", "rule"}


def test_new_topic_with_only_seed_keywords_works_without_retraining(model, tmp_path):
    data = load_taxonomy(TAXONOMY).to_dict()
    data["topics"]["cashless"] = {"label": "キャッシュレス決済", "description": "QRコード決済・電子マネー",
                                  "keywords": ["QRコード決済", "PayPay", "電子マネー"]}
    custom = tmp_path / "taxonomy.yaml"
    import yaml

    custom.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    extended = TopicModel.load(MODELS, load_taxonomy(custom))
    result = extended.predict(["レジでQRコード決済が使えなくて困った", "店員さんが親切"])
    assert "cashless" in result.loc[0, "topics"]
    assert result.loc[0, "topic_sources"][result.loc[0, "topics"].index("cashless")] == "rule"
    assert "cashless" not in result.loc[1, "topics"]


def test_removed_topic_is_never_predicted(model):
    data = load_taxonomy(TAXONOMY).to_dict()
    del data["topics"]["delivery"]
    reduced = model.with_taxonomy(taxonomy_from_dict(data))
    assert "delivery" not in topics_of(reduced, "配送が遅い")


def test_renamed_label_is_used(model):
    data = load_taxonomy(TAXONOMY).to_dict()
    data["topics"]["delivery"]["label"] = "お届け"
    assert taxonomy_from_dict(data).label("delivery") == "お届け"


def test_invalid_taxonomy_is_a_clear_error(tmp_path):
    bad = tmp_path / "t.yaml"
    bad.write_text("topics: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="t.yaml"):
        load_taxonomy(bad)


def test_discovery_surfaces_a_planted_new_theme():
    background = [
        "いつもありがとうございます", "また利用したいと思います", "家族みんなで使っています", "特に不満はありません",
        "子供が喜んでいました", "友人に勧められて始めました", "週に二回くらい行きます", "引っ越してから使い始めました",
        "十年以上のお付き合いです", "職場の近くなので助かります", "母の代から利用しています", "今後も続けるつもりです",
    ] * 6
    planted = [f"QRコード決済{suffix}" for suffix in [
        "が使えるようになって便利", "でエラーが出た", "に対応してほしい", "のポイントが少ない", "の読み取りが遅い",
        "ができるのはありがたい", "の設定方法が分かりにくい", "だと会計が早い", "がたまに止まる", "を初めて使った"]] * 3
    themes = discover_themes(background + planted, seed=0)
    planted_theme = themes[themes["top_terms"].map(lambda terms: "決済" in terms)]
    assert len(planted_theme) == 1
    assert planted_theme.iloc[0]["size"] >= 25
    assert all("QRコード決済" in q["text"] for q in planted_theme.iloc[0]["quotes"])


def test_discovery_is_stable_across_runs():
    texts = ["アプリの新しい予約機能が便利", "新しい予約機能でエラー", "予約機能が分かりにくい"] * 10 + ["ありがとう", "また来ます", "満足です"] * 10
    assert discover_themes(texts).equals(discover_themes(texts))


def test_label_queue_prefers_uncertain_and_skips_near_duplicates():
    from vocpipe.active import label_queue

    clauses = pd.DataFrame({
        "response_id": ["a", "b", "c", "d"],
        "text": ["配送がちょっと微妙", "配送がちょっと微妙", "最高の接客でした", "まあまあかな"],
        "confidence": [0.4, 0.4, 0.99, 0.5],
        "topic_confidence": [0.1, 0.1, 0.9, 0.5],
    })
    queue = label_queue(clauses, 2)
    assert list(queue["response_id"]) == ["a", "d"]


def test_a_clause_reads_its_topic_from_the_rest_of_the_comment(model):
    # 「開通後は快適です」 alone says nothing about what is comfortable; in a comment about the
    # internet line it is about the service quality.
    clauses = ["光回線の速度が遅くて困っていたので乗り換えました。", "開通後は快適です"]
    alone = model.model_proba([clauses[1]])[0, model.model_topics.index("product_quality")]
    in_context = model.model_proba(clauses, groups=["r1", "r1"])[1, model.model_topics.index("product_quality")]
    assert in_context > alone


def test_keyword_matrix_marks_the_topics_whose_seed_keywords_occur():
    taxonomy = load_taxonomy(TAXONOMY)
    texts = ["ポイントの有効期限が分からない", "ｱﾌﾟﾘにﾛｸﾞｲﾝできない", "いつもありがとう"]
    matrix = taxonomy.keyword_matrix(texts)
    for row, text in zip(matrix, texts):
        assert [k for k, hit in zip(taxonomy.keys, row) if hit] == taxonomy.keyword_topics(text)
    assert matrix[0, taxonomy.keys.index("rewards")] == 1 and not matrix[2].any()


def test_keyword_features_keep_the_training_keywords_under_an_edited_taxonomy(model):
    # The model's keyword columns were learnt with the shipped keywords; an analyst who edits the
    # taxonomy (here: renames a label and drops a keyword) changes rules and labels, not what
    # the trained columns mean.
    data = load_taxonomy(TAXONOMY).to_dict()
    data["topics"]["rewards"]["label"] = "ポイント"
    data["topics"]["rewards"]["keywords"] = data["topics"]["rewards"]["keywords"][1:]
    edited = model.with_taxonomy(taxonomy_from_dict(data))
    assert edited.keyword_taxonomy is model.keyword_taxonomy is not None
    text = ["ポイントが貯まりやすいのが嬉しい"]
    assert (edited.model_proba(text) == model.model_proba(text)).all()
