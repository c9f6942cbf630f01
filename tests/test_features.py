"""Clause features: the negation-marked character view matches scikit-learn's char analyzer."""

import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from vocpipe.classify.features import NEG_MARK, char_input, marked_char_ngrams


def test_unnegated_text_gives_exactly_sklearns_char_ngrams():
    text = "配送は早かった。  ｱﾌﾟﾘもOK"
    reference = TfidfVectorizer(analyzer="char", ngram_range=(1, 3)).build_analyzer()
    assert marked_char_ngrams(text) == reference(text)


def test_negated_clause_marks_every_ngram():
    grams = marked_char_ngrams(NEG_MARK + "美味しくない")
    assert grams and all(g.startswith("¬") for g in grams)
    assert "¬美味し" in grams and "美味し" not in grams


def test_only_clauses_with_a_negated_token_are_marked():
    frame = pd.DataFrame({"text": ["美味しかった", "美味しくなかった"], "tokens": ["美味しい た", "美味しい_NEG た"]})
    assert char_input(frame) == ["美味しかった", NEG_MARK + "美味しくなかった"]
