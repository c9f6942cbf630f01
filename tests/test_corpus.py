"""The labelled corpus passes its own check script (run in CI on every change)."""

from vocpipe.corpus import check_corpus, load_clauses, main, near_duplicate_pairs, second_pass_agreement


def test_corpus_check_script_passes(capsys):
    assert main(["check"]) == 0
    assert "corpus check: OK" in capsys.readouterr().out


def test_corpus_meets_the_size_targets():
    problems, counts = check_corpus()
    assert problems == []
    assert counts["comments"] >= 2500 and counts["clauses"] >= 4500 and len(counts["industries"]) >= 12
    assert min(counts["topics"].values()) >= 80


def test_clauses_of_one_comment_never_straddle_splits():
    table = load_clauses()
    assert (table.groupby("comment_id")["split"].nunique() == 1).all()


def test_identical_comment_texts_share_a_split():
    from vocpipe.corpus import load_comments, load_splits

    splits = load_splits()
    by_text = {}
    for record in load_comments():
        by_text.setdefault(record["comment"], set()).add(splits[record["id"]])
    assert all(len(s) == 1 for s in by_text.values())


def test_near_duplicate_detection_finds_a_rephrased_copy():
    texts = ["配送がとても遅くて困りました。次は別の店にします。", "配送がとても遅くて困りました。次は別の店にします！", "店員さんが親切でした"]
    assert [(i, j) for i, j, _ in near_duplicate_pairs(texts)] == [(0, 1)]


def test_second_pass_sentiment_agreement_reaches_the_target():
    assert second_pass_agreement()["sentiment_kappa"] >= 0.8
