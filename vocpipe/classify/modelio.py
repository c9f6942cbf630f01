"""Model files without pickle: JSON for structure and vocabularies, ``.npz`` for weights.

A model ``models/<name>`` is three files:

* ``<name>.json``: kind, parameters, vocabularies, label names (plain JSON);
* ``<name>.npz``: numeric arrays, read with ``allow_pickle=False``;
* ``<name>.card.json`` (+ ``<name>.card.md`` for people): data hash, sizes, library versions,
  metrics and the SHA-256 of the two files above.

Loading never executes code from the files, and refuses files whose hash differs from the card
(a truncated copy, or a model swapped without its card), with a message that says which file.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np

from vocpipe.errors import ModelError

FORMAT_VERSION = 1


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(directory: Path, name: str, meta: dict, arrays: dict[str, np.ndarray], card: dict, card_markdown: str) -> Path:
    """Write the model files and its card (with the files' hashes); returns the card path."""
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / f"{name}.json"
    npz_path = directory / f"{name}.npz"
    json_path.write_text(json.dumps({"format_version": FORMAT_VERSION, **meta}, ensure_ascii=False), encoding="utf-8")
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    npz_path.write_bytes(buffer.getvalue())
    card = {**card, "files": {json_path.name: sha256_file(json_path), npz_path.name: sha256_file(npz_path)}}
    card_path = directory / f"{name}.card.json"
    card_path.write_text(json.dumps(card, ensure_ascii=False, indent=1), encoding="utf-8")
    (directory / f"{name}.card.md").write_text(card_markdown, encoding="utf-8")
    return card_path


def load_model(directory: Path, name: str) -> tuple[dict, dict[str, np.ndarray], dict]:
    """Read and verify a model; returns (meta, arrays, card)."""
    card_path = directory / f"{name}.card.json"
    json_path = directory / f"{name}.json"
    npz_path = directory / f"{name}.npz"
    for path in (card_path, json_path, npz_path):
        if not path.exists():
            raise ModelError(f"モデルファイルがありません: {path} (vocpipe train {name} で作成できます)")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
        expected = card["files"]
    except (ValueError, KeyError):
        raise ModelError(f"モデルカード {card_path} が読めません") from None
    for path in (json_path, npz_path):
        actual = sha256_file(path)
        if expected.get(path.name) != actual:
            raise ModelError(
                f"モデルファイル {path} のハッシュがモデルカードと一致しません"
                f" (期待 {str(expected.get(path.name))[:12]}…, 実際 {actual[:12]}…)。"
                " ファイルが壊れているか差し替えられています。読み込みを中止しました"
            )
    meta = json.loads(json_path.read_text(encoding="utf-8"))
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{json_path}: 対応していないモデル形式です (format_version={meta.get('format_version')})")
    with np.load(npz_path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    return meta, arrays, card
