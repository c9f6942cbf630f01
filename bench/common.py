"""Shared helpers for the benchmark scripts: timing, memory, and test text built from data/."""

from __future__ import annotations

import os
import resource
import sys
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Scripts here run as `python bench/x.py`, which puts bench/ first on the import path; bench/
# holds tokenize.py (the issue names it so), which would shadow the standard library's
# `tokenize`.  Import this module first in every script: it swaps bench/ for the repo root.
_BENCH = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p not in ("", _BENCH)]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


@contextmanager
def timed(label: str, results: dict):
    start = time.perf_counter()
    yield
    results[label] = time.perf_counter() - start


def peak_rss_mb() -> float:
    """Peak resident memory of this process and its finished children, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def corpus_sentences(n: int, seed: int = 0) -> list[str]:
    """``n`` Japanese sentences from the corpus comments (normalised), cycled with light
    perturbation (half-width katakana, full-width digits, trailing emoji) when n exceeds them."""
    import numpy as np

    from vocpipe.corpus import load_comments
    from vocpipe.simulate import perturb
    from vocpipe.text import normalize_comment
    from vocpipe.text.segment import split_sentences

    base = []
    for record in load_comments():
        text = normalize_comment(record["comment"])
        base.extend(text[s:e] for s, e in split_sentences(text))
    rng = np.random.default_rng(seed)
    out = list(base[:n])
    while len(out) < n:
        out.append(normalize_comment(perturb(base[len(out) % len(base)], rng)))
    return out


def cpu_info() -> str:
    return f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
