"""PII masking quality on the labelled set tests/data/pii/pii_cases.tsv, plus masking speed.

    .venv/bin/python bench/pii.py [--cases tests/data/pii/pii_cases.tsv] [--quiet]

Each line of the set is a survey comment (``text``), the exact output ``normalize_comment`` should
give (``expected``, with typed placeholders) and the PII kinds it holds (``kinds``, empty for
look-alikes such as dates, prices and order numbers that must survive untouched).

Scoring is per placeholder.  Both the expected and the actual output are aligned with the
unmasked normal form (``normalize_comment(text, mask=False)``), which gives every placeholder the
character span it replaced.  A predicted placeholder is a true positive when the expected output
has the same type over exactly the same span; a placeholder with the wrong type or a span cut too
short / too long counts as one false positive plus one false negative; any placeholder on a
look-alike line is a false positive.  Prints precision / recall / F1 per kind and overall, the
lines per kind, every failing line, and the time ``mask_pii`` takes per comment.
"""

from __future__ import annotations

if __name__ == "__main__":  # run as a script: swap bench/ for the repo root on sys.path
    import common  # noqa: F401

import argparse
import csv
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("EMAIL", "URL", "PHONE", "POSTAL", "CARD")
CASES = Path(__file__).resolve().parent.parent / "tests" / "data" / "pii" / "pii_cases.tsv"
_PLACEHOLDER = re.compile(r"<(EMAIL|URL|PHONE|POSTAL|CARD)>")


@dataclass
class Case:
    text: str
    expected: str
    kinds: list[str]


@dataclass
class Result:
    tp: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    fp: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    fn: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    failures: list[tuple[Case, str, str]] = field(default_factory=list)  # case, actual, why
    lookalikes_masked: list[tuple[Case, str]] = field(default_factory=list)

    def scores(self, kind: str | None = None) -> tuple[float, float, float]:
        kinds = KINDS if kind is None else (kind,)
        tp = sum(self.tp[k] for k in kinds)
        fp = sum(self.fp[k] for k in kinds)
        fn = sum(self.fn[k] for k in kinds)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1


def load_cases(path: Path = CASES) -> list[Case]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            Case(row["text"], row["expected"], [k for k in (row["kinds"] or "").split(";") if k])
            for row in reader
        ]


def placeholder_spans(masked: str, plain: str) -> list[tuple[str, int, int]] | None:
    """(kind, start, end) in ``plain`` of every placeholder in ``masked``; None if the text
    outside the placeholders does not match ``plain`` (the masker changed something else)."""
    parts = _PLACEHOLDER.split(masked)  # literal, kind, literal, kind, ..., literal
    pattern = "".join(re.escape(p) if i % 2 == 0 else "(.+?)" for i, p in enumerate(parts))
    match = re.fullmatch(pattern, plain, re.DOTALL)
    if match is None:
        return None
    kinds = parts[1::2]
    return [(kind, match.start(i + 1), match.end(i + 1)) for i, kind in enumerate(kinds)]


def evaluate(cases: list[Case]) -> Result:
    from vocpipe.text.normalize import normalize_comment

    result = Result()
    for case in cases:
        plain = normalize_comment(case.text, mask=False)
        actual = normalize_comment(case.text)
        gold = placeholder_spans(case.expected, plain)
        if gold is None:
            raise ValueError(f"expected output does not fit its text: {case.text!r}")
        predicted = placeholder_spans(actual, plain)
        why = []
        if predicted is None:  # text outside placeholders changed: nothing predicted is right
            predicted_set: set[tuple[str, int, int]] = set()
            for kind in _PLACEHOLDER.findall(actual):
                result.fp[kind] += 1
            why.append("text outside placeholders changed")
        else:
            predicted_set = set(predicted)
            for kind, start, end in predicted_set - set(gold):
                result.fp[kind] += 1
                why.append(f"FP {kind} {plain[start:end]!r}")
        for kind, start, end in gold:
            if (kind, start, end) in predicted_set:
                result.tp[kind] += 1
            else:
                result.fn[kind] += 1
                why.append(f"FN {kind} {plain[start:end]!r}")
        if actual != case.expected:
            result.failures.append((case, actual, "; ".join(why)))
            if not case.kinds:
                result.lookalikes_masked.append((case, actual))
    return result


def time_masking(cases: list[Case], repeat: int = 50) -> tuple[float, float]:
    """Microseconds per comment for mask_pii on the set's (normalised, unmasked) comments, and on
    comments without digits, "@" or links (the pre-check path)."""
    from vocpipe.text.normalize import normalize_comment
    from vocpipe.text.pii import mask_pii

    texts = [normalize_comment(c.text, mask=False) for c in cases]
    plain = ["店員さんの対応がとても丁寧で、また来たいと思いました。"] * len(texts)
    timings = []
    for batch in (texts, plain):
        start = time.perf_counter()
        for _ in range(repeat):
            for text in batch:
                mask_pii(text)
        timings.append((time.perf_counter() - start) / (repeat * len(batch)) * 1e6)
    return timings[0], timings[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--quiet", action="store_true", help="do not list the failing lines")
    args = parser.parse_args()

    cases = load_cases(args.cases)
    result = evaluate(cases)

    lookalikes = sum(1 for c in cases if not c.kinds)
    print(f"{len(cases)} lines: {len(cases) - lookalikes} with PII, {lookalikes} look-alikes")
    print(f"{'kind':<8}{'lines':>6}{'gold':>6}{'TP':>5}{'FP':>5}{'FN':>5}{'precision':>11}{'recall':>8}{'F1':>8}")
    for kind in (*KINDS, None):
        p, r, f = result.scores(kind)
        name = kind or "overall"
        kinds = KINDS if kind is None else (kind,)
        lines = sum(1 for c in cases if set(c.kinds) & set(kinds))
        gold = sum(result.tp[k] + result.fn[k] for k in kinds)
        tp, fp, fn = (sum(d[k] for k in kinds) for d in (result.tp, result.fp, result.fn))
        print(f"{name:<8}{lines:>6}{gold:>6}{tp:>5}{fp:>5}{fn:>5}{p:>11.3f}{r:>8.3f}{f:>8.3f}")
    print(f"look-alike lines masked: {len(result.lookalikes_masked)} / {lookalikes}")

    per_comment, precheck = time_masking(cases)
    print(f"mask_pii: {per_comment:.1f} µs per comment of this set, {precheck:.2f} µs without digits/@/links")

    if result.failures and not args.quiet:
        print(f"\nfailures ({len(result.failures)}):")
        for case, actual, why in result.failures:
            print(f"- text:     {case.text}\n  expected: {case.expected}\n  actual:   {actual}\n  {why}")


if __name__ == "__main__":
    main()
