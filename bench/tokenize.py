"""Tokeniser throughput: vocpipe's batch tokeniser vs raw fugashi ``Tagger.parse`` (and peers).

    .venv/bin/python bench/tokenize.py [--n 20000]

On the same sentences in the same run, prints chars/s for raw ``fugashi.Tagger().parse`` (MeCab
with unidic-lite, output string only), vocpipe's ``tokenize_batch`` (lemmas, negation folding,
POS filtering), and, when installed, janome and sudachipy (mode C) as peers; then the ratio to raw
parse, and a linearity check (10k vs 100k sentences).  Target: vocpipe >= 0.8x raw parse.
Sentences come from the corpus in data/ (cycled with light perturbation beyond its size).

vocpipe can beat the raw parse: it asks MeCab for a short key per token instead of the
formatted UniDic features, and memoises what each key means (see vocpipe.text.tokenize).  Its
rows are timed with the memo warm, as in a long run; the "cold memo" row times one pass that
starts from an empty memo, so every word is seen for the first time (two parses per sentence
until its words are known).
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file shares its name with the standard library's `tokenize`: bench.common (imported by
# path below) takes bench/ off the import path so `import tokenize` finds the real one.
sys.path[:] = [p for p in sys.path if p not in ("", str(Path(__file__).resolve().parent))]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import gc  # noqa: E402
import time  # noqa: E402

from bench.common import corpus_sentences, cpu_info  # noqa: E402


def best_of(fn, repeats: int = 3) -> float:
    """Fastest of ``repeats`` runs (seconds): the least disturbed by the other core's work."""
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    args = parser.parse_args()

    import fugashi

    from vocpipe.text.tokenize import get_tagger, tokenize_batch

    sentences = corpus_sentences(args.n)
    chars = sum(map(len, sentences))
    print(f"# tokenize bench: {len(sentences):,} sentences, {chars:,} chars ({cpu_info()})")
    raw = fugashi.Tagger()
    tokenize_batch(sentences[:200])  # warm the Tagger and the line cache as a long run would
    get_tagger()
    rows = []
    raw_time = best_of(lambda: [raw.parse(s) for s in sentences])
    rows.append(("fugashi Tagger.parse (raw)", raw_time))
    from vocpipe.text import tokenize as vocpipe_tokenize

    vocpipe_tokenize._memo = vocpipe_tokenize._KeyMemo()
    rows.append(("vocpipe tokenize_batch (cold memo)", best_of(lambda: tokenize_batch(sentences), repeats=1)))
    ours = best_of(lambda: tokenize_batch(sentences))
    rows.append(("vocpipe tokenize_batch", ours))
    rows.append(("vocpipe tokenize_batch(content_only)", best_of(lambda: tokenize_batch(sentences, content_only=True))))
    try:
        from janome.tokenizer import Tokenizer

        janome = Tokenizer()
        subset = sentences[: max(1, len(sentences) // 10)]
        t = best_of(lambda: [list(janome.tokenize(s)) for s in subset], repeats=1)
        rows.append(("janome (on 10% of the sentences, scaled)", t * len(sentences) / len(subset)))
    except ImportError as exc:
        print(f"janome not installed ({exc}); pip install janome to include it")
    try:
        from sudachipy import Dictionary, SplitMode

        dictionary = Dictionary(dict="core")
        sudachi = dictionary.tokenizer() if hasattr(dictionary, "tokenizer") else dictionary.create()
        subset = sentences[: max(1, len(sentences) // 4)]
        t = best_of(lambda: [sudachi.tokenize(s, SplitMode.C) for s in subset], repeats=1)
        rows.append(("sudachipy mode C (on 25%, scaled)", t * len(sentences) / len(subset)))
    except Exception as exc:  # ImportError or missing dictionary
        print(f"sudachipy unavailable ({exc.__class__.__name__}: {exc}); pip install sudachipy sudachidict-core")
    print(f"{'tokeniser':45s} {'chars/s':>12s} {'sent/s':>10s} {'vs raw parse':>12s}")
    for name, seconds in rows:
        print(f"{name:45s} {chars / seconds:12,.0f} {len(sentences) / seconds:10,.0f} {raw_time / seconds:11.2f}x")
    ratio = raw_time / ours
    print(f"target vocpipe >= 0.80x raw parse: {ratio:.2f}x -> {'PASS' if ratio >= 0.8 else 'FAIL'}")

    small, large = corpus_sentences(10000, seed=1), corpus_sentences(100000, seed=1)
    t_small = best_of(lambda: tokenize_batch(small), repeats=2)
    t_large = best_of(lambda: tokenize_batch(large), repeats=1)
    scale = (t_large / sum(map(len, large))) / (t_small / sum(map(len, small)))
    print(f"linearity: 10k sentences {t_small:.2f}s, 100k sentences {t_large:.2f}s; time per char 100k/10k = {scale:.2f} (1.00 = linear)")


if __name__ == "__main__":
    main()
