"""PII masking on the labelled evaluation set tests/data/pii/pii_cases.tsv (scored by bench/pii.py).

Targets: overall placeholder-level precision >= 0.98 and recall >= 0.95, and no look-alike line
(dates, prices, order numbers, ...) gets any placeholder.  Details: `.venv/bin/python bench/pii.py`.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from vocpipe.text.normalize import normalize_comment
from vocpipe.text.pii import mask_pii

REPO = Path(__file__).resolve().parent.parent


def _load_bench():
    spec = importlib.util.spec_from_file_location("vocpipe_bench_pii", REPO / "bench" / "pii.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


bench = _load_bench()
CASES = bench.load_cases()
LOOKALIKES = [case for case in CASES if not case.kinds]


def test_evaluation_set_is_well_formed():
    assert len(CASES) >= 240
    assert 0.4 <= len(LOOKALIKES) / len(CASES) <= 0.6
    for case in CASES:
        assert set(case.kinds) <= set(bench.KINDS), case.text
        in_expected = {kind for kind in bench.KINDS if f"<{kind}>" in case.expected}
        assert in_expected == set(case.kinds), case.text
        plain = normalize_comment(case.text, mask=False)
        assert bench.placeholder_spans(case.expected, plain) is not None, case.text


def test_overall_precision_and_recall_meet_targets():
    result = bench.evaluate(CASES)
    precision, recall, f1 = result.scores()
    print(f"\nPII masking: precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}")
    for kind in bench.KINDS:
        p, r, f = result.scores(kind)
        print(f"  {kind:<7} precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}")
    failures = "\n".join(f"{case.text} -> {actual} ({why})" for case, actual, why in result.failures)
    assert precision >= 0.98, failures
    assert recall >= 0.95, failures


@pytest.mark.parametrize("case", LOOKALIKES, ids=lambda case: case.text[:30])
def test_look_alike_comes_out_unmasked(case):
    assert normalize_comment(case.text) == case.expected == normalize_comment(case.text, mask=False)


def test_masking_the_set_is_idempotent():
    for case in CASES:
        once = mask_pii(normalize_comment(case.text, mask=False))
        assert mask_pii(once) == once, case.text
