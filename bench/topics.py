"""Topic classification on the held-out test split: trained model vs keywords-only baseline.

    .venv/bin/python bench/topics.py

Loads the shipped topic model (models/topics.*) and the default taxonomy, and prints micro/macro
F1 and per-topic precision / recall / F1 for both in one run, plus the targets (model micro-F1
>= 0.80, no topic below 0.60) and the human ceiling from the second labelling pass.
"""

from __future__ import annotations

from pathlib import Path

import sys  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent))  # for `common` (it then tidies the path)
from common import REPO  # noqa: E402


def main() -> None:
    from vocpipe.classify.taxonomy import load_taxonomy
    from vocpipe.classify.topics import TopicModel, keyword_baseline
    from vocpipe.corpus import load_clauses, second_pass_agreement
    from vocpipe.text.normalize import normalize_comment
    from vocpipe.train import comment_groups, topic_metrics

    taxonomy = load_taxonomy(REPO / "data" / "taxonomy.yaml")
    model = TopicModel.load(Path(REPO / "models"), taxonomy)
    test = load_clauses().query("split == 'test'")
    texts = test["text"].map(normalize_comment).tolist()
    truth = test["topics"].tolist()
    # Clauses see their whole comment (grouped by comment id), exactly as the flow groups by response id.
    trained = topic_metrics(taxonomy, truth, model.predict(texts, groups=comment_groups(test))["topics"].tolist())
    keywords = topic_metrics(taxonomy, truth, keyword_baseline(taxonomy, texts))
    print(f"# topics bench: test split, {len(texts)} clauses, {len(taxonomy.keys)} topics")
    print(f"{'':18s} {'model P':>8s} {'R':>6s} {'F1':>6s} | {'keyword P':>9s} {'R':>6s} {'F1':>6s} | support")
    for key in taxonomy.keys:
        m, k = trained["per_topic"][key], keywords["per_topic"][key]
        print(f"{key:18s} {m['precision']:8.3f} {m['recall']:6.3f} {m['f1']:6.3f} | {k['precision']:9.3f} {k['recall']:6.3f} {k['f1']:6.3f} | {m['support']}")
    print(f"micro-F1: model {trained['micro_f1']:.3f}  keywords {keywords['micro_f1']:.3f}  (+{100 * (trained['micro_f1'] - keywords['micro_f1']):.1f} points)")
    print(f"macro-F1: model {trained['macro_f1']:.3f}  keywords {keywords['macro_f1']:.3f}")
    agreement = second_pass_agreement()
    print(f"human ceiling (second annotator vs first, 10% sample): topic micro-F1 {agreement['topic_micro_f1']:.3f}")
    worst = min(trained["per_topic"].items(), key=lambda kv: kv[1]["f1"])
    print(f"target micro-F1 >= 0.80: {trained['micro_f1']:.3f} -> {'PASS' if trained['micro_f1'] >= 0.8 else 'FAIL'}")
    print(f"target every topic F1 >= 0.60: lowest {worst[0]} {worst[1]['f1']:.3f} -> {'PASS' if worst[1]['f1'] >= 0.6 else 'FAIL'}")


if __name__ == "__main__":
    main()
