"""Tokenisation with fugashi + unidic-lite, built for batches.

One MeCab ``Tagger`` per process (creating one costs ~50 ms and ~50 MB).  The batch API reads
MeCab's raw text output (``Tagger.parse``) instead of building a Python ``Node`` object per
token, and memoises the decision for each distinct output line (surface + features), so the
per-token Python work is one dictionary lookup for the words a survey repeats every day.

Token strings produced by :func:`tokenize_batch`:

* the UniDic lemma (``美味しく`` -> ``美味しい``; ``ｱﾌﾟﾘ`` and ``アプリ`` alike after NFKC),
* negation folded into the preceding content word: 美味しく+なかっ -> ``美味しい_NEG``,
  使わ+ない -> ``使う_NEG``, 不満+は+ない -> ``不満_NEG``, ませ+ん -> ``<verb>_NEG``,
  so a bag of words keeps polarity,
* punctuation and whitespace dropped; with ``content_only=True`` also particles, auxiliaries
  and light words (する, ある, こと, ...), which is what topic features and theme discovery want.

:func:`tokenize` returns :class:`Token` tuples (surface, lemma, pos) for inspection and tests.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import fugashi

NEG_SUFFIX = "_NEG"

_CONTENT_POS = ("名詞", "動詞", "形容詞", "形状詞", "副詞", "接尾辞-形容詞的", "感動詞")
_NEGATING_AUX = {"ない", "ず", "ぬ", "ん"}
_LIGHT_LEMMAS = {
    "為る", "する", "有る", "ある", "居る", "いる", "成る", "なる", "事", "こと", "物", "もの",
    "様", "よう", "為", "ため", "の", "ん", "方", "さん", "時", "とき", "其れ", "それ", "此れ",
    "これ", "何", "なに", "私", "僕", "自分", "今回", "又", "まあ", "思う", "感じる", "出来る",
    "できる", "れる", "られる", "せる", "てる", "ちょっと", "一寸", "少し", "とても", "迚も", "凄い",
    "行く", "来る", "仕舞う", "見る", "置く", "貰う", "呉れる", "上げる",
}

# Codes for what a MeCab output line means to the featuriser.  _VERB_AFTER_TE marks verbs that
# UniDic calls 非自立可能 (行く, 来る, いる, ある, しまう, ...): a main verb on their own
# (二度と行かない), an auxiliary after て/で (使っていない, where the negation belongs to 使う).
_SKIP, _CONTENT, _FUNCTION, _NEGATION, _VERB_AFTER_TE, _TE = 0, 1, 2, 3, 4, 5


class Token(NamedTuple):
    """One morpheme: the text as written, its dictionary form, and its UniDic POS string."""

    surface: str
    lemma: str
    pos: str


_local = threading.local()


def get_tagger() -> fugashi.Tagger:
    """The process's (thread's) single Tagger, created on first use."""
    tagger = getattr(_local, "tagger", None)
    if tagger is None:
        tagger = fugashi.Tagger()
        _local.tagger = tagger
    return tagger


def _classify_line(line: str) -> tuple[int, str]:
    fields = line.split("\t")
    if len(fields) < 5:
        return (_SKIP, "") if not fields[0].strip() else (_CONTENT, fields[0])
    surface, lemma, pos = fields[0], fields[3] or fields[0], fields[4]
    if pos.startswith(("補助記号", "空白")):
        return _SKIP, ""
    if (pos.startswith("助動詞") and lemma in _NEGATING_AUX) or (
        lemma == "無い" and pos.startswith("形容詞-非自立可能")
    ):
        return _NEGATION, "ない"
    if "-" in lemma and not lemma.startswith("-"):
        lemma = lemma.split("-", 1)[0]  # UniDic lemmas such as 'バス-bus'
    if pos.startswith("動詞-非自立可能"):
        return _VERB_AFTER_TE, lemma
    if pos.startswith(_CONTENT_POS) and not pos.startswith("名詞-数詞"):
        return _CONTENT, lemma
    if pos.startswith("助詞-接続助詞") and lemma in ("て", "で"):
        return _TE, lemma
    return _FUNCTION, lemma or surface


class _LineCache(dict):
    """Memo of line -> (code, lemma); cleared when it grows past ``limit`` entries."""

    limit = 500_000

    def __missing__(self, line: str) -> tuple[int, str]:
        if len(self) >= self.limit:
            self.clear()
        value = self[line] = _classify_line(line)
        return value


_cache = _LineCache()


def _features(parsed: str, content_only: bool) -> list[str]:
    tokens: list[str] = []
    last_content = -1
    after_te = False
    cache = _cache
    for line in parsed.split("\n"):
        if line == "EOS" or not line:
            continue
        code, lemma = cache[line]
        if code == _VERB_AFTER_TE:
            code = _FUNCTION if after_te else _CONTENT
        after_te = code == _TE
        if code == _CONTENT:
            if content_only and lemma in _LIGHT_LEMMAS:
                continue
            last_content = len(tokens)
            tokens.append(lemma)
        elif code == _NEGATION:
            if last_content >= 0 and not tokens[last_content].endswith(NEG_SUFFIX):
                tokens[last_content] += NEG_SUFFIX
                last_content = -1
            elif not content_only:
                tokens.append(lemma)
        elif code in (_FUNCTION, _TE) and not content_only:
            tokens.append(lemma)
    return tokens


def tokenize_batch(texts: Iterable[str], *, content_only: bool = False) -> list[list[str]]:
    """Feature tokens for each text (see module docstring); one MeCab call per text."""
    parse = get_tagger().parse
    return [_features(parse(text), content_only) if text else [] for text in texts]


def tokenize(text: str) -> list[Token]:
    """Morphemes of ``text`` with surface, lemma and UniDic POS, for inspection and tests."""
    out = []
    for word in get_tagger()(text):
        feature = word.feature
        pos = "-".join(p for p in (feature.pos1, feature.pos2, feature.pos3) if p and p != "*")
        out.append(Token(word.surface, feature.lemma or word.surface, pos))
    return out


def join_tokens(token_lists: Sequence[list[str]]) -> list[str]:
    """Space-joined token strings, the form the scikit-learn featurisers consume."""
    return [" ".join(tokens) for tokens in token_lists]
