"""Clause segmentation with offsets that point back into the normalised comment."""

from vocpipe.text import normalize_comment, split_clauses


def texts(comment):
    return [c.text for c in split_clauses(normalize_comment(comment))]


def test_contrast_with_ga_splits_praise_from_complaint():
    assert texts("接客は良いが、配送が遅い。") == ["接客は良いが、", "配送が遅い。"]


def test_subject_marker_ga_is_not_a_split_point():
    assert texts("配送が、とにかく遅い") == ["配送が、とにかく遅い"]


def test_kedo_and_noni_split():
    assert texts("味は悪くないけど、値段が高い") == ["味は悪くないけど、", "値段が高い"]
    assert texts("高いのに、品質が悪い") == ["高いのに、", "品質が悪い"]


def test_sentence_initial_connective_starts_a_new_clause():
    assert texts("良かったです。ただ、駐車場が狭い。") == ["良かったです。", "ただ、駐車場が狭い。"]


def test_emoji_and_kaomoji_end_sentences():
    assert texts("スタッフさんが親切でした😊でも待ち時間が長い") == ["スタッフさんが親切でした😊", "でも待ち時間が長い"]
    assert texts("値段が高いです(´・ω・`)また来ます") == ["値段が高いです( ́・ω・`)", "また来ます"]


def test_line_breaks_are_sentence_boundaries():
    assert texts("アプリが使いにくい\nポイントはうれしい") == ["アプリが使いにくい", "ポイントはうれしい"]


def test_offsets_reproduce_the_clause_text():
    comment = normalize_comment("ｽﾀｯﾌは最高！！！でも、料金が高すぎ。。。二度と使わない")
    clauses = split_clauses(comment)
    assert len(clauses) >= 3
    for clause in clauses:
        assert comment[clause.start:clause.end] == clause.text


def test_empty_comment_has_no_clauses():
    assert split_clauses("") == []


def test_emoji_only_comment_is_one_clause():
    assert texts("😊😊") == ["😊😊"]


def test_huge_comment_is_split_without_crashing():
    comment = normalize_comment("配送が遅いが、店員は親切。" * 8000)
    clauses = split_clauses(comment)
    assert len(clauses) == 16000
    assert clauses[-1].end == len(comment)
