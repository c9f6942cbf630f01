"""Pretrained Japanese word vectors, so topics generalise beyond the words seen in labels.

Why: a clause about 「唐揚げ」 or 「カツ丼」 is about the food (product_quality) even if no labelled
clause ever said 唐揚げ.  TF-IDF features only know words from the training labels; word
vectors learnt from a large Japanese corpus place 唐揚げ next to 料理, 味, 美味しい.

Source: the static word2vec table of the ``ja-ginza`` package on PyPI (chiVe vectors by
Works Applications, pruned by GiNZA to 20,000 distinct 300-d vectors shared by ~480,000 strings;
MIT / Apache-2.0).  :func:`build_from_ginza` derives the shipped ``models/word_vectors.*`` from
that wheel once (``make vectors``), keeping only strings that vocpipe's tokenizer produces as a
content-word token, so the runtime needs neither spaCy nor GiNZA and loads plain arrays (no
pickle) verified against the card's SHA-256 like every other model file.

At prediction time a clause's vector is the L2-normalised mean of the vectors of its known
tokens (negation suffix stripped: 使いやすい_NEG is still about usability), computed for a whole
batch as one sparse x dense product.
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from vocpipe.classify.modelio import load_model, save_model
from vocpipe.text.tokenize import NEG_SUFFIX, tokenize_batch

MODEL_NAME = "word_vectors"

_M64 = 0xC6A4A7935BD1E995
_MASK64 = (1 << 64) - 1


def murmurhash64a(data: bytes, seed: int = 1) -> int:
    """MurmurHash64A, the hash spaCy uses (seed 1) to key its vector table by string."""
    h = (seed ^ (len(data) * _M64)) & _MASK64
    end = len(data) - len(data) % 8
    for i in range(0, end, 8):
        k = (int.from_bytes(data[i : i + 8], "little") * _M64) & _MASK64
        k ^= k >> 47
        h ^= (k * _M64) & _MASK64
        h = (h * _M64) & _MASK64
    if end < len(data):
        h ^= int.from_bytes(data[end:], "little")
        h = (h * _M64) & _MASK64
    h ^= h >> 47
    h = (h * _M64) & _MASK64
    return h ^ (h >> 47)


_LENGTH_MIX = np.uint64(0x9E3779B97F4A7C15)


def string_keys(strings: Sequence[str]) -> np.ndarray:
    """A 64-bit key per string: Python's own ``hash`` (cached on each str, so nearly free for
    tokens) mixed with the length.  Why the length: CPython hashes a string's stored bytes, and
    a 1-byte-per-character string can store the same bytes as a shorter 2-byte one ('AX' and
    '塁' share a hash); 91 of the 228k shipped words collided that way.  Keys only compare within
    one process (``hash`` is salted per process), which is how they are used."""
    hashes = np.fromiter(map(hash, strings), dtype=np.int64, count=len(strings)).view(np.uint64)
    lengths = np.fromiter(map(len, strings), dtype=np.uint64, count=len(strings))
    return hashes ^ (lengths * _LENGTH_MIX)


class WordVectors:
    """Token string -> vector lookup; many words may share one row (GiNZA's pruning)."""

    def __init__(self, words: Sequence[str], rows: np.ndarray, matrix: np.ndarray, source: dict | None = None,
                 *, keep_words: bool = True):
        """``keep_words=False`` (how the runtime loads the table) keeps only the words' hashes:
        the 228k strings and a hash index over them cost ~40 MB in every analysis process."""
        rows = np.asarray(rows, dtype=np.int32)
        self.words = list(words) if keep_words else None
        self.rows = rows if keep_words else None
        self.n_words = len(words)
        self.source = dict(source or {})
        # float16 as shipped (half the memory); the rows a batch uses are widened to float32.
        self.matrix = np.asarray(matrix, dtype=np.float16)
        # Lookup by a 64-bit key per string (see string_keys), sorted for np.searchsorted.  A token
        # that is not in the table finds a word with the same key with probability ~1e-14; of
        # words sharing a key (~1e-9 per table) the first wins.
        keys = string_keys(words)
        order = np.argsort(keys, kind="stable")
        keys, first = np.unique(keys[order], return_index=True)
        self._keys = keys
        self._key_rows = rows[order][first]

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    def _lookup(self, token_strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(clause index, vector row) of every known token of the batch."""
        counts = np.fromiter((s.count(" ") + 1 if s else 0 for s in token_strings), dtype=np.int64, count=len(token_strings))
        tokens = " ".join(s for s in token_strings if s).replace(NEG_SUFFIX, "").split(" ") if counts.any() else []
        owner = np.repeat(np.arange(len(token_strings)), counts)
        if not tokens or not len(self._keys):
            return owner[:0], np.zeros(0, dtype=np.int32)
        wanted = string_keys(tokens)
        position = np.minimum(np.searchsorted(self._keys, wanted), len(self._keys) - 1)
        known = self._keys[position] == wanted
        return owner[known], self._key_rows[position[known]]

    def mean_vectors(self, token_strings: Sequence[str]) -> np.ndarray:
        """(n, dim) float32: L2-normalised mean vector of each token string; zeros if none known.

        Vectorised: all tokens of the batch are looked up in one call and summed by one sparse x
        dense product over the vector rows the batch uses (a per-token Python loop cost as much
        as the TF-IDF)."""
        token_strings = list(token_strings)
        owner, rows = self._lookup(token_strings)
        used, columns = np.unique(rows, return_inverse=True)
        membership = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (owner, columns.reshape(-1))),
                                   shape=(len(token_strings), len(used)))
        sums = np.asarray(membership @ self.matrix[used].astype(np.float32), dtype=np.float32).reshape(len(token_strings), self.dim)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)

    def coverage(self, token_strings: Sequence[str]) -> float:
        """Share of tokens that have a vector (for the card and the bench)."""
        token_strings = list(token_strings)
        total = sum(len(s.split()) for s in token_strings)
        return len(self._lookup(token_strings)[1]) / total if total else 0.0

    # -- persistence ------------------------------------------------------------------------
    def save(self, models_dir: Path) -> Path:
        if self.words is None:
            raise ValueError("word vectors loaded with keep_words=False cannot be saved")
        meta = {"kind": MODEL_NAME, "words": self.words, "source": self.source}
        arrays = {"rows": self.rows, "matrix": self.matrix}
        card = {"name": MODEL_NAME, "words": len(self.words), "vectors": int(len(self.matrix)), "dim": self.dim,
                "source": self.source}
        markdown = "\n".join([
            "# Word vectors (pretrained, not trained by vocpipe)", "",
            f"- {len(self.words):,} token strings sharing {len(self.matrix):,} vectors of {self.dim} dimensions (float16)",
            f"- source: {self.source.get('package', '?')} {self.source.get('version', '?')} "
            f"(sha256 {str(self.source.get('sha256', '?'))[:16]}…), license: {self.source.get('license', '?')}",
            "- vocabulary: strings that vocpipe's tokenizer emits as a content-word token",
            "- rebuild: `make vectors` (downloads the wheel from PyPI once; nothing is downloaded at run time)", "",
        ])
        return save_model(Path(models_dir), MODEL_NAME, meta, arrays, card, markdown)

    @classmethod
    def load(cls, models_dir: Path) -> "WordVectors":
        meta, arrays, card = load_model(Path(models_dir), MODEL_NAME)
        vectors = cls(meta["words"], arrays["rows"], arrays["matrix"], meta.get("source"), keep_words=False)
        vectors.sha256 = card["files"][f"{MODEL_NAME}.npz"]
        return vectors


def _read_ginza(path: Path) -> tuple[np.ndarray, dict[int, int], list[str], dict]:
    """Vector matrix, key->row map, string table and package facts from a ja_ginza wheel."""
    import hashlib
    import io

    import msgpack

    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
        meta_name = next(n for n in names if n.count("/") == 1 and n.endswith("/meta.json") and n.startswith("ja_ginza/"))
        meta = json.loads(wheel.read(meta_name))
        vocab = next(n.rsplit("vocab/", 1)[0] + "vocab/" for n in names if n.endswith("vocab/vectors"))
        matrix = np.load(io.BytesIO(wheel.read(vocab + "vectors")), allow_pickle=False)
        key2row = msgpack.unpackb(wheel.read(vocab + "key2row"), strict_map_key=False)
        strings = json.loads(wheel.read(vocab + "strings.json"))
    source = {"package": "ja-ginza", "version": meta.get("version"), "license": meta.get("license"),
              "vectors": meta.get("vectors", {}).get("name"), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    return matrix, key2row, strings, source


def build_from_ginza(path: Path) -> WordVectors:
    """Derive the shipped table from a ``ja_ginza-*.whl``: keep each string that has a vector and
    that vocpipe's tokenizer turns into exactly that one content token (its own lemma)."""
    matrix, key2row, strings, source = _read_ginza(Path(path))
    candidates = []
    for text in strings:
        if not text or len(text) > 16 or any(ch.isspace() for ch in text):
            continue
        row = key2row.get(murmurhash64a(text.encode("utf-8")))
        if row is not None:
            candidates.append((text, row))
    tokens = tokenize_batch([text for text, _ in candidates], content_only=True)
    kept = [(text, row) for (text, row), toks in zip(candidates, tokens) if toks == [text]]
    used = np.array(sorted({row for _, row in kept}), dtype=np.int32)
    remap = np.full(len(matrix), -1, dtype=np.int32)
    remap[used] = np.arange(len(used), dtype=np.int32)
    vectors = matrix[used]
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-6)
    return WordVectors([t for t, _ in kept], remap[[r for _, r in kept]], vectors, source)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vocpipe.classify.wordvectors",
                                     description="Build models/word_vectors.* from a ja_ginza wheel")
    parser.add_argument("wheel", type=Path, help="path to ja_ginza-*.whl (pip download ja-ginza --no-deps)")
    parser.add_argument("--out", type=Path, default=Path("models"))
    args = parser.parse_args(argv)
    vectors = build_from_ginza(args.wheel)
    vectors.save(args.out)
    print(f"{len(vectors.words):,} words, {len(vectors.matrix):,} vectors x {vectors.dim} -> {args.out}/{MODEL_NAME}.*")
    return 0


if __name__ == "__main__":
    sys.exit(main())
