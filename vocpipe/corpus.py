"""The labelled corpus: loading, the fixed train/dev/test split, and the validity check.

Layout (``data/corpus/``):

* ``comments/<industry>.jsonl``: one hand-written comment per line with its NPS score and its
  clauses, each clause an exact substring of the comment with ``sentiment``, ``topics`` and
  ``request`` labels (conventions in ``LABELING.md``);
* ``splits.csv``: ``id,split`` for every comment (train/dev/test, by comment, stratified by
  industry and overall polarity), written once by ``python -m vocpipe.corpus split`` and
  never regenerated, so the test split stays unseen by modelling choices;
* ``second_pass.csv``: an independent relabelling of a random 10% of clauses, for agreement.

Batches 2-9 (records with ``"batch": 2`` … ``9``) were written after the split was fixed and are
training data only: their comments are appended to ``splits.csv`` as ``train`` (an exact twin of
a dev comment takes its twin's split; twins of test comments were dropped), so the test split is
unchanged.  The 70/15/15 shares are
checked on batch 1.

``python -m vocpipe.corpus check`` validates everything and prints the counts.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from vocpipe.config import REPO_ROOT
from vocpipe.errors import InputError

CORPUS_DIR = REPO_ROOT / "data" / "corpus"
SENTIMENTS = ("negative", "neutral", "positive")
DEFAULT_TOPICS = (
    "price", "product_quality", "staff", "support", "delivery", "usability", "system_trouble",
    "procedure", "store_facility", "selection", "wait_time", "information", "rewards",
)
SPLIT_SHARES = {"train": 0.70, "dev": 0.15, "test": 0.15}


def load_comments(corpus_dir: Path = CORPUS_DIR) -> list[dict]:
    """All comment records of the corpus, in file then line order."""
    records = []
    for path in sorted((corpus_dir / "comments").glob("*.jsonl")):
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}: 行 {line_no} が JSON として読めません ({exc.msg})") from None
                record["_file"] = path.name
                record["_line"] = line_no
                records.append(record)
    return records


def clause_table(records: list[dict], splits: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per labelled clause.

    Columns: ``comment_id``, ``industry``, ``nps``, ``clause_index``, ``text``, ``start``, ``end``,
    ``sentiment``, ``topics`` (list), ``request`` (0/1) and ``split`` when ``splits`` is given.
    """
    rows = []
    for record in records:
        cursor = 0
        for index, clause in enumerate(record["clauses"]):
            start = record["comment"].find(clause["text"], cursor)
            end = start + len(clause["text"]) if start >= 0 else -1
            cursor = max(cursor, end)
            rows.append({
                "comment_id": record["id"], "industry": record["industry"], "nps": record["nps"],
                "clause_index": index, "text": clause["text"], "start": start, "end": end,
                "sentiment": clause["sentiment"], "topics": list(clause.get("topics", [])),
                "request": int(clause.get("request", 0)),
            })
    table = pd.DataFrame(rows)
    if splits is not None:
        table["split"] = table["comment_id"].map(splits)
    return table


def load_splits(corpus_dir: Path = CORPUS_DIR) -> dict[str, str]:
    path = corpus_dir / "splits.csv"
    if not path.exists():
        raise InputError(f"{path}: 分割ファイルがありません (python -m vocpipe.corpus split)")
    frame = pd.read_csv(path, dtype=str)
    return dict(zip(frame["id"], frame["split"]))


def load_clauses(corpus_dir: Path = CORPUS_DIR) -> pd.DataFrame:
    """The clause table of the shipped corpus with its fixed split."""
    return clause_table(load_comments(corpus_dir), load_splits(corpus_dir))


def comment_polarity(record: dict) -> str:
    """Overall polarity used for stratifying: the majority clause sentiment (ties -> neutral)."""
    counts = Counter(c["sentiment"] for c in record["clauses"])
    top = counts.most_common()
    if len(top) > 1 and top[0][1] == top[1][1]:
        return "mixed"
    return top[0][0] if top else "neutral"


def make_splits(records: list[dict]) -> pd.DataFrame:
    """Deterministic stratified split by comment.

    Comments whose exact text occurs more than once (「特になし」 in several industries) all go
    to one split chosen by a hash of the text, so a test comment never has a twin in train.
    The rest: order each (industry, polarity) stratum by a hash of the id and cut it 70/15/15
    (minus what the repeated texts already took)."""
    def bucket(key: str) -> int:
        return int(hashlib.sha256(f"vocpipe-split:{key}".encode()).hexdigest()[:8], 16)

    text_counts = Counter(r["comment"] for r in records)
    rows = []
    strata: dict[tuple[str, str], list[str]] = {}
    for record in records:
        if text_counts[record["comment"]] > 1:
            b = bucket(record["comment"]) % 100
            rows.append({"id": record["id"], "split": "test" if b < 15 else "dev" if b < 30 else "train"})
        else:
            strata.setdefault((record["industry"], comment_polarity(record)), []).append(record["id"])
    taken = Counter(r["split"] for r in rows)
    n_total = len(records)
    free = n_total - len(rows)
    # Shares of the remaining comments that bring each split to its target overall.
    shares = {s: max(0.0, (SPLIT_SHARES[s] * n_total - taken[s]) / free) for s in ("test", "dev")}
    for ids in strata.values():
        ids = sorted(ids, key=bucket)
        n = len(ids)
        n_test = round(n * shares["test"])
        n_dev = round(n * shares["dev"])
        for position, comment_id in enumerate(ids):
            split = "test" if position < n_test else "dev" if position < n_test + n_dev else "train"
            rows.append({"id": comment_id, "split": split})
    return pd.DataFrame(rows).sort_values("id").reset_index(drop=True)


def char_ngrams(text: str, n: int = 5) -> set[str]:
    return {text[i : i + n] for i in range(max(1, len(text) - n + 1))}


def near_duplicate_pairs(texts: list[str], threshold: float = 0.8, n: int = 5) -> list[tuple[int, int, float]]:
    """Pairs of texts whose character n-gram Jaccard similarity exceeds ``threshold``.

    Uses an inverted index of n-grams so only texts that share a gram are compared.
    """
    grams = [char_ngrams(t, n) for t in texts]
    index: dict[str, list[int]] = {}
    for i, g in enumerate(grams):
        for gram in g:
            index.setdefault(gram, []).append(i)
    pairs = []
    for i, g in enumerate(grams):
        shared: Counter[int] = Counter()
        for gram in g:
            for j in index[gram]:
                if j > i:
                    shared[j] += 1
        for j, inter in shared.items():
            union = len(g) + len(grams[j]) - inter
            if union and inter / union > threshold:
                pairs.append((i, j, inter / union))
    return pairs


def check_corpus(corpus_dir: Path = CORPUS_DIR, *, topics: tuple[str, ...] = DEFAULT_TOPICS) -> tuple[list[str], dict]:
    """Validate the corpus; returns (problems, counts). An empty problem list means valid."""
    problems: list[str] = []
    records = load_comments(corpus_dir)
    ids = Counter(r["id"] for r in records)
    problems += [f"duplicate comment id {i}" for i, n in ids.items() if n > 1]
    for r in records:
        where = f"{r['_file']}:{r['_line']} ({r.get('id')})"
        if not isinstance(r.get("nps"), int) or not 0 <= r["nps"] <= 10:
            problems.append(f"{where}: nps must be an integer 0-10")
        if not r.get("clauses"):
            problems.append(f"{where}: no clauses")
        cursor = 0
        for c in r.get("clauses", []):
            pos = r["comment"].find(c["text"], cursor)
            if not c["text"] or pos < 0:
                problems.append(f"{where}: clause {c['text']!r} is not a substring after offset {cursor}")
            else:
                cursor = pos + len(c["text"])
            if c.get("sentiment") not in SENTIMENTS:
                problems.append(f"{where}: bad sentiment {c.get('sentiment')!r}")
            bad_topics = [t for t in c.get("topics", []) if t not in topics]
            if bad_topics:
                problems.append(f"{where}: unknown topics {bad_topics}")
            if c.get("request") not in (0, 1):
                problems.append(f"{where}: request must be 0 or 1")
    splits = load_splits(corpus_dir)
    missing = [r["id"] for r in records if r["id"] not in splits]
    if missing:
        problems.append(f"{len(missing)} comments have no split (e.g. {missing[:3]})")
    table = clause_table(records, splits)
    n_comments = len(records)
    dupes = near_duplicate_pairs([r["comment"] for r in records])
    dup_share = len({j for _, j, _ in dupes}) / max(1, n_comments)
    if dup_share >= 0.03:
        problems.append(f"near-duplicate comments {dup_share:.1%} >= 3%")
    topic_counts = Counter(t for ts in table["topics"] for t in ts)
    for topic in topics:
        if topic_counts.get(topic, 0) < 80:
            problems.append(f"topic {topic} has {topic_counts.get(topic, 0)} clauses (< 80)")
    split_counts = Counter(splits.get(r["id"]) for r in records)
    first_batch = Counter(splits.get(r["id"]) for r in records if r.get("batch", 1) == 1)
    for split, share in SPLIT_SHARES.items():
        actual = first_batch.get(split, 0) / max(1, sum(first_batch.values()))
        if abs(actual - share) > 0.03:
            problems.append(f"split {split} holds {actual:.1%} of batch-1 comments, expected ~{share:.0%}")
    first_texts = {}
    for r in records:
        if r.get("batch", 1) == 1:
            first_texts.setdefault(r["comment"], splits.get(r["id"]))
    for r in records:
        if r.get("batch", 1) != 1 and splits.get(r["id"]) != first_texts.get(r["comment"], "train"):
            problems.append(f"{r['id']}: batch-{r['batch']} comments are train-only (or share an exact twin's split)")
    counts = {
        "comments": n_comments,
        "clauses": len(table),
        "industries": dict(sorted(Counter(r["industry"] for r in records).items())),
        "sentiment": dict(Counter(table["sentiment"])),
        "topics": {t: topic_counts.get(t, 0) for t in topics},
        "no_topic_clauses": int((table["topics"].map(len) == 0).sum()),
        "requests": int(table["request"].sum()),
        "splits": dict(split_counts),
        "batches": dict(sorted(Counter(r.get("batch", 1) for r in records).items())),
        "near_duplicate_share": round(dup_share, 4),
        "nps": dict(sorted(Counter(r["nps"] for r in records).items())),
    }
    if n_comments < 2500:
        problems.append(f"only {n_comments} comments (< 2,500)")
    if len(table) < 4500:
        problems.append(f"only {len(table)} clauses (< 4,500)")
    if len(counts["industries"]) < 12:
        problems.append(f"only {len(counts['industries'])} industries (< 12)")
    # Balance is a property of the designed batch 1; batch 2 was written for topic coverage and
    # holds fewer neutral clauses (the overall shares are in the counts).
    first_ids = {r["id"] for r in records if r.get("batch", 1) == 1}
    first_sentiment = Counter(table.loc[table["comment_id"].isin(first_ids), "sentiment"])
    shares = {k: v / max(1, sum(first_sentiment.values())) for k, v in first_sentiment.items()}
    if shares and min(shares.get(s, 0) for s in SENTIMENTS) < 0.2:
        problems.append(f"batch-1 sentiment not roughly balanced: {shares}")
    return problems, counts


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else "check"
    if command == "split":
        path = CORPUS_DIR / "splits.csv"
        if path.exists() and "--force" not in argv:
            print(f"{path} exists; the split is fixed. Use --force only for a new corpus.", file=sys.stderr)
            return 2
        make_splits(load_comments()).to_csv(path, index=False)
        print(f"wrote {path}")
        return 0
    problems, counts = check_corpus()
    print(json.dumps(counts, ensure_ascii=False, indent=1))
    for problem in problems:
        print("PROBLEM:", problem)
    print("corpus check:", "OK" if not problems else f"{len(problems)} problems")
    return 0 if not problems else 1


if __name__ == "__main__":
    raise SystemExit(main())


def second_pass_agreement(corpus_dir: Path = CORPUS_DIR, topics: tuple[str, ...] = DEFAULT_TOPICS) -> dict:
    """Agreement between the corpus labels and the blind second pass (``second_pass.csv``):
    Cohen's kappa for sentiment and request, and per topic kappa and F1 of one annotator
    against the other (micro-F1 over all topics is the human ceiling for the topic model)."""
    from sklearn.metrics import cohen_kappa_score, f1_score

    second = pd.read_csv(corpus_dir / "second_pass.csv", dtype=str, keep_default_na=False)
    table = clause_table(load_comments(corpus_dir))
    table["clause_id"] = table["comment_id"] + ":" + table["clause_index"].astype(str)
    merged = second.merge(table, on="clause_id", suffixes=("_2", "_1"))
    first_topics = merged["topics_1"]
    second_topics = merged["topics_2"].map(lambda s: [t for t in s.split(";") if t])
    y1 = np.array([[t in ts for t in topics] for ts in first_topics], dtype=int)
    y2 = np.array([[t in ts for t in topics] for ts in second_topics], dtype=int)
    per_topic = {}
    for j, topic in enumerate(topics):
        per_topic[topic] = {
            "kappa": round(float(cohen_kappa_score(y1[:, j], y2[:, j])), 3) if y1[:, j].any() or y2[:, j].any() else None,
            "f1": round(float(f1_score(y1[:, j], y2[:, j], zero_division=0)), 3),
            "first": int(y1[:, j].sum()), "second": int(y2[:, j].sum()),
        }
    return {
        "clauses": int(len(merged)),
        "sentiment_kappa": round(float(cohen_kappa_score(merged["sentiment_1"], merged["sentiment_2"])), 3),
        "sentiment_agreement": round(float((merged["sentiment_1"] == merged["sentiment_2"]).mean()), 3),
        "request_kappa": round(float(cohen_kappa_score(merged["request_1"].astype(int), merged["request_2"].astype(int))), 3),
        "topic_micro_f1": round(float(f1_score(y1, y2, average="micro", zero_division=0)), 3),
        "topic_exact_match": round(float((y1 == y2).all(axis=1).mean()), 3),
        "per_topic": per_topic,
    }
