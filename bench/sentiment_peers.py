"""Clause sentiment: vocpipe vs the Japanese peers oseti and asari, F1 and speed side by side.

    bash bench/peers_env.sh && .venv/bin/python bench/sentiment_peers.py

Data: the corpus test split (clause level, held out from training and model selection) and, when
``../shared/eval/jrte-hotel-pn/pn.tsv`` exists, 5,000 real hotel-review sentences (JRTE, labels
positive/neutral/negative; read for evaluation only, never trained on nor copied).  Every system
gets the same ``normalize_comment`` text.

Prints macro-F1 and per-class F1 for each system, clauses/second, and vocpipe minus each peer in
F1 points with the speed ratio.  vocpipe's speed is measured on one core (OMP/BLAS threads = 1,
threadpoolctl, CPU affinity) over the whole set repeated for >= 2 s, twice: classification of
pre-tokenised clauses (TF-IDF features + linear model) and tokenise + classify.  The peers run
one pass on one core in their own venv (bench/.venv-peers, made by peers_env.sh) through
bench/_peer_worker.py: JSON texts on stdin, labels and seconds on stdout; their set-up (loading
dictionaries and models) is not timed.

Three-class mapping of the peers: oseti scores each sentence in [-1, 1]; the label is the sign of
the mean score (0 or no sentence -> neutral).  asari has no neutral class: its top class
(positive/negative) is the label, so its neutral F1 is 0.

Targets, on the test split: vocpipe macro-F1 >= 0.85 and >= 10 points above oseti and asari;
classification after tokenisation >= 20,000 clauses/s on one core.  Each prints PASS or FAIL (a
peer that could not run leaves its target NOT MEASURED); the exit code is 0 either way.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

from common import REPO, cpu_info  # noqa: E402  (first: takes bench/ off the import path)

import json  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

LABELS = ["negative", "neutral", "positive"]
PEERS = ("oseti", "asari")
PEER_PYTHON = REPO / "bench" / ".venv-peers" / "bin" / "python"
WORKER = REPO / "bench" / "_peer_worker.py"
HOTEL_TSV = REPO.parent / "shared" / "eval" / "jrte-hotel-pn" / "pn.tsv"
MAPPING = ("oseti: sign of the mean sentence score, 0 -> neutral; "
           "asari: top class (positive/negative), never neutral")


def scores(truth: list[str], predicted: list[str]) -> dict:
    """Macro-F1 and per-class F1 over negative/neutral/positive."""
    from sklearn.metrics import f1_score

    per_class = f1_score(truth, predicted, labels=LABELS, average=None, zero_division=0)
    return {"macro": float(per_class.mean()), **dict(zip(LABELS, map(float, per_class)))}


def per_second(fn, n: int, min_seconds: float = 2.0) -> float:
    """Items per second of ``fn`` (which handles ``n`` items), after one warm-up call, repeated
    until at least ``min_seconds`` have passed."""
    fn()
    runs, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < min_seconds or runs == 0:
        fn()
        runs += 1
    return n * runs / elapsed


def run_vocpipe(model, texts: list[str]) -> dict:
    from threadpoolctl import threadpool_limits

    from vocpipe.classify.features import as_clause_frame

    frame = as_clause_frame(texts)  # tokenised once; classification is timed on this frame
    with threadpool_limits(limits=1):
        labels = list(model.predict(frame))
        classify = per_second(lambda: model.predict(frame), len(texts))
        end_to_end = per_second(lambda: model.predict(texts), len(texts))
    return {"labels": labels, "rate": classify, "rate_end_to_end": end_to_end, "name": f"vocpipe {model.version}"}


def run_peer(peer: str, texts: list[str]) -> dict:
    """The peer's labels and speed from bench/_peer_worker.py, or ``{"error": why}``."""
    if not PEER_PYTHON.exists():
        return {"error": f"{PEER_PYTHON.relative_to(REPO)} does not exist: run bash bench/peers_env.sh"}
    proc = subprocess.run([str(PEER_PYTHON), str(WORKER)], input=json.dumps({"peer": peer, "texts": texts}),
                          capture_output=True, text=True, cwd=REPO)
    try:
        result = json.loads(proc.stdout)
    except json.JSONDecodeError:
        result = {"error": f"worker exit {proc.returncode}: " + " | ".join(proc.stderr.strip().splitlines()[-3:])}
    log = PEER_PYTHON.parent.parent / f"install-{peer}.log"
    if "error" in result and log.exists():
        result["error"] += f"; install log {log.relative_to(REPO)}: " + " | ".join(log.read_text().splitlines()[-3:])
    if "error" not in result:
        result["rate"] = len(texts) / result["seconds"]
        result["name"] = f"{peer} {result['version']}"
    return result


def compare(title: str, texts: list[str], truth: list[str], model) -> dict:
    """Run every system on one data set, print the table and the ratios; returns the results."""
    counts = ", ".join(f"{label} {truth.count(label)}" for label in LABELS)
    print(f"\n== {title}: {len(texts):,} texts ({counts}), mean {sum(map(len, texts)) / len(texts):.1f} chars")
    results = {"vocpipe": run_vocpipe(model, texts)}
    results.update({peer: run_peer(peer, texts) for peer in PEERS})
    print(f"{'system':22s} {'macro-F1':>8s} {'F1 neg':>7s} {'F1 neu':>7s} {'F1 pos':>7s} {'texts/s':>10s}")
    for key, result in results.items():
        if "error" in result:
            print(f"{key:22s} not run: {result['error']}")
            continue
        result.update(scores(truth, result["labels"]))
        note = f"  ({result['errors']} calls raised -> neutral)" if result.get("errors") else ""
        print(f"{result['name']:22s} {result['macro']:8.4f} {result['negative']:7.4f} {result['neutral']:7.4f} "
              f"{result['positive']:7.4f} {result['rate']:10,.1f}{note}")
    ours = results["vocpipe"]
    print(f"{'':22s} vocpipe texts/s: {ours['rate']:,.0f} classify (pre-tokenised, 1 core), "
          f"{ours['rate_end_to_end']:,.0f} tokenise+classify (1 core)")
    for peer in PEERS:
        theirs = results[peer]
        if "error" not in theirs:
            print(f"vocpipe vs {peer}: {100 * (ours['macro'] - theirs['macro']):+.1f} macro-F1 points; speed "
                  f"{ours['rate_end_to_end'] / theirs['rate']:,.0f}x (tokenise+classify), "
                  f"{ours['rate'] / theirs['rate']:,.0f}x (classify only)")
    return results


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    from vocpipe.classify.sentiment import SentimentModel
    from vocpipe.corpus import load_clauses
    from vocpipe.text.normalize import normalize_comment

    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, inherited by the peers
    print(f"# sentiment peers bench ({cpu_info()}; pinned to 1 core)")
    print(f"# peers mapped to 3 classes: {MAPPING}")
    model = SentimentModel.load(REPO / "models")
    test = load_clauses().query("split == 'test'")
    texts = [normalize_comment(t) for t in test["text"]]
    results = compare("corpus test split (clauses)", texts, list(test["sentiment"]), model)

    if HOTEL_TSV.exists():
        import pandas as pd

        hotel = pd.read_csv(HOTEL_TSV, sep="\t", dtype=str, keep_default_na=False, quoting=3)
        compare("JRTE hotel reviews, pn.tsv (sentences, evaluation only)",
                [normalize_comment(t) for t in hotel["text"]], list(hotel["label"]), model)
    else:
        print(f"\n== JRTE hotel reviews: skipped, {HOTEL_TSV} not found")

    print("\n== targets (corpus test split)")
    ours = results["vocpipe"]
    print(f"vocpipe macro-F1 >= 0.85: {ours['macro']:.4f} -> {verdict(ours['macro'] >= 0.85)}")
    for peer in PEERS:
        if "error" in results[peer]:
            print(f"vocpipe >= 10 points above {peer}: NOT MEASURED ({peer} did not run)")
        else:
            gap = 100 * (ours["macro"] - results[peer]["macro"])
            print(f"vocpipe >= 10 points above {peer}: {gap:+.1f} points -> {verdict(gap >= 10)}")
    print(f"vocpipe classification >= 20,000 clauses/s on 1 core after tokenisation: "
          f"{ours['rate']:,.0f}/s -> {verdict(ours['rate'] >= 20000)}")


if __name__ == "__main__":
    main()
