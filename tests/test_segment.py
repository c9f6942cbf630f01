"""Clause segmentation with offsets that point back into the normalised comment."""

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vocpipe.text import normalize_comment, segment, split_clauses


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


# -- the fast paths find exactly the boundaries of the plain algorithm --------------------------
# The contrast pattern as first written (look-behind first): the reference for the rewrite.
_PLAIN_CONTRAST_AFTER = re.compile(r"(?:(?<=[いたすだるんうくね])が|けど|けれど(?:も)?|のに|ものの)(?:ね|さ)?[、,]")


def _plain_spans(text, pattern, start, end, cut_after):
    cursor = start
    for match in pattern.finditer(text, start, end):
        cut = match.end() if cut_after else match.start()
        if cursor < cut < end:
            yield cursor, cut
            cursor = cut
    if cursor < end:
        yield cursor, end


def _plain_trimmed(text, start, end):
    while start < end and text[start] in " \n":
        start += 1
    while end > start and text[end - 1] in " \n":
        end -= 1
    return (start, end) if start < end else None


def plain_clauses(text):
    """Clause spans by the plain algorithm: every pattern searched everywhere, every sentence."""
    spans = []
    for sentence in _plain_spans(text, segment._SENTENCE_END, 0, len(text), True):
        sentence = _plain_trimmed(text, *sentence)
        if not sentence:
            continue
        for a in _plain_spans(text, _PLAIN_CONTRAST_AFTER, *sentence, True):
            for b in _plain_spans(text, segment._CONTRAST_BEFORE, *a, False):
                part = _plain_trimmed(text, *b)
                if not part:
                    continue
                if spans and segment._WORD_CHAR.search(text, *part) is None:
                    spans[-1] = (spans[-1][0], part[1])
                else:
                    spans.append(part)
    return spans


def test_clause_spans_equal_the_plain_algorithm_on_the_corpus():
    from vocpipe.corpus import load_comments
    from vocpipe.simulate import perturb

    rng = np.random.default_rng(0)
    comments = [normalize_comment(r["comment"]) for r in load_comments()]
    comments += [normalize_comment(perturb(c, rng)) for c in comments]
    assert [segment.clause_spans(c) for c in comments] == [plain_clauses(c) for c in comments]


_PIECES = list("。!?．.…)」』】]😊✨❤\ufe0f\u200d(^´・ω_;Дwoが、,いたすだるんうくね良い配送遅 \n") + [
    "(^^)", "( ́・ω・`)", "しかし", "でも", "ただ", "一方で", "けど", "けれども", "のに", "ものの", "ですが、", "ww", "orz"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_clause_spans_equal_the_plain_algorithm_on_boundary_characters(text):
    assert segment.clause_spans(text) == plain_clauses(text)
    assert [(c.start, c.end) for c in split_clauses(text)] == plain_clauses(text)


def test_clause_table_has_one_row_per_clause_with_offsets():
    import pandas as pd

    from vocpipe.analyze import explode_clauses

    comments = pd.DataFrame({"response_id": ["R1", "R2", "R3"], "comment": ["接客は良いが、配送が遅い。", "", "特になし"]})
    table = explode_clauses(comments)
    assert table.to_dict("list") == {
        "response_id": ["R1", "R1", "R3"], "clause_index": [0, 1, 0], "start_char": [0, 7, 0], "end_char": [7, 13, 4],
        "text": ["接客は良いが、", "配送が遅い。", "特になし"]}
    assert {table[c].dtype.name for c in ("clause_index", "start_char", "end_char")} == {"int32"}
    assert explode_clauses(comments.iloc[1:2]).empty


def test_a_missing_comment_has_no_clause_instead_of_crashing():
    import pandas as pd

    from vocpipe.analyze import explode_clauses

    comments = pd.DataFrame({"response_id": ["R1", "R2", "R3"], "comment": [float("nan"), None, "店員さんが親切"]})
    assert explode_clauses(comments)[["response_id", "text"]].to_dict("list") == {"response_id": ["R3"], "text": ["店員さんが親切"]}
