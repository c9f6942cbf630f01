"""Tokenisation with fugashi + unidic-lite, built for batches.

One MeCab ``Tagger`` per process, plus a second one for words seen for the first time, shared
by all threads under one lock.  Why not one per thread: fugashi never releases the GIL, so
threads gain nothing from their own Taggers, and each Tagger maps the ~260 MB dictionary
again; Prefect runs submitted tasks on a pool of threads, and with a Tagger pair per thread the
flow process held four to six mappings (RSS counts every one) and one key memo per thread.

The batch API reads MeCab's raw text output (``Tagger.parse``) instead of building a
Python ``Node`` object per token, and asks MeCab for a short *key* per token instead of its
features (the ``vocpipe_key`` format in ``vocpipe/text/mecabrc``: surface, known/unknown, left
and right context ids, word cost).  Formatting each token's features is about a third of a
plain ``Tagger.parse``; the lattice search is the rest.  What a key means to the featuriser (a
code and the lemma) is memoised, so the per-token Python work is one dictionary lookup for the
words a survey repeats every day; a text with a key not seen before is parsed once more by the
second Tagger, which prints surface, lemma and POS (``vocpipe_features``), and its keys are
learnt from that.

Why a key always means the same lemma and POS: MeCab's best path depends on a token only
through its context ids and word cost (connection costs are looked up by context id), so of
several dictionary entries with the same surface, ids and cost the path always takes the same
one, whatever surrounds it.  Known and unknown words are kept apart by the status field, as
MeCab proposes unknown words only in some contexts.  (Checked on 2.4 million tokens of corpus
text and random recombinations of it: even surface and ids alone never met two lemmas.)

Most clauses have no negation; their tokens are the memoised lemmas in order, taken without the
per-token state machine.

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
from pathlib import Path
from typing import NamedTuple

import fugashi

from vocpipe.text.gcpause import gc_paused

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


# MeCab resource file with vocpipe's two output formats (key per token; surface, lemma, POS).
MECABRC = Path(__file__).with_name("mecabrc")

# The Taggers and the key memo are used by one thread at a time (see module docstring).
_lock = threading.RLock()
_taggers: dict[str, fugashi.Tagger] = {}


def _tagger(output_format: str) -> fugashi.Tagger:
    tagger = _taggers.get(output_format)
    if tagger is None:
        with _lock:
            tagger = _taggers.get(output_format) or fugashi.Tagger(f'-r "{MECABRC}" -O {output_format}')
            _taggers[output_format] = tagger
    return tagger


def get_tagger() -> fugashi.Tagger:
    """The process's Tagger, created on first use.  Its ``parse`` prints one key line per token
    (see module docstring); calling it gives fugashi nodes as usual.  A thread that uses it
    directly holds ``_lock`` while it does (MeCab's nodes live until the next parse)."""
    return _tagger("vocpipe_key")


def _feature_tagger() -> fugashi.Tagger:
    """The Tagger that prints surface, lemma and POS per token; used only for texts with a key
    not seen before (it maps the same dictionary again, but touches few of its pages)."""
    return _tagger("vocpipe_features")


def _classify_line(line: str) -> tuple[int, str]:
    """(code, lemma) of one ``vocpipe_features`` line: ``surface\tlemma\tpos``."""
    fields = line.split("\t")
    if len(fields) < 3:
        return (_SKIP, "") if not fields[0].strip() else (_CONTENT, fields[0])
    surface, lemma, pos = fields[0], fields[1] or fields[0], fields[2]
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


_UNSEEN = (_SKIP, "")


class _KeyMemo(dict):
    """Memo of key line -> (code, lemma), plus the keys whose meaning depends on the tokens
    before them: ``negating`` (negation) and ``stateful`` (negation or a 非自立可能 verb).  A
    lookup of an unseen key answers ``_UNSEEN`` and counts a miss; :meth:`learn` fills the memo
    for a text.  :meth:`bound` empties all three together once ``limit`` keys are held.

    One per process, used under ``_lock`` like the Taggers: the fast path relies on the sets
    covering every key of the memo, which another thread learning or emptying it at the same
    moment could break."""

    limit = 500_000

    def __init__(self) -> None:
        super().__init__()
        self.misses = 0
        self.negating: set[str] = set()
        self.stateful: set[str] = set()
        self.joined = _JoinedTokens(self)

    def __missing__(self, key: str) -> tuple[int, str]:
        self.misses += 1
        return _UNSEEN

    def learn(self, keys: list[str], text: str) -> list[tuple[int, str]]:
        """(code, lemma) per token of ``text``, whose key lines are ``keys``, from a parse with
        the feature format; remembered for every key."""
        entries = [_classify_line(line) for line in _feature_tagger().parse(text).split("\n")]
        if len(entries) != len(keys):  # cannot happen with one dictionary; do not guess
            return entries
        for key, entry in zip(keys, entries):
            self[key] = entry
            self.joined[key] = "" if entry[0] == _SKIP else entry[1] + " "
            if entry[0] == _NEGATION:
                self.negating.add(key)
                self.stateful.add(key)
            elif entry[0] == _VERB_AFTER_TE:
                self.stateful.add(key)
        return entries

    def bound(self) -> None:
        """Forget everything once the memo holds ``limit`` keys (checked between batches)."""
        if len(self) >= self.limit:
            self.clear()
            self.negating.clear()
            self.stateful.clear()
            self.joined.clear()


class _JoinedTokens(dict):
    """Key line -> its token followed by a space ("" for punctuation and whitespace), for
    :func:`tokenize_joined`; an unseen key answers "" and counts a miss on the memo."""

    def __init__(self, memo: _KeyMemo) -> None:
        super().__init__()
        self.memo = memo

    def __missing__(self, key: str) -> str:
        self.memo.misses += 1
        return ""


_memo: _KeyMemo | None = None


def _key_memo() -> _KeyMemo:
    """The process's key memo (call with ``_lock`` held)."""
    global _memo
    if _memo is None:
        _memo = _KeyMemo()
    return _memo


def _features(memo: _KeyMemo, parsed: str, text: str, content_only: bool) -> list[str]:
    """Tokens of ``text`` from its key lines ``parsed``."""
    keys = parsed.split("\n")
    misses = memo.misses
    # Fast path: without negation, every word is its own token (without negation or a 非自立可能
    # verb, for content_only).  The sets know only keys seen before: if the text has an unseen
    # one, the miss count moves and the text takes the general path.
    if (memo.stateful if content_only else memo.negating).isdisjoint(keys):
        if content_only:
            tokens = [lemma for code, lemma in map(memo.__getitem__, keys)
                      if code == _CONTENT and lemma not in _LIGHT_LEMMAS]
        else:
            tokens = [lemma for code, lemma in map(memo.__getitem__, keys) if code != _SKIP]
        if memo.misses == misses:
            return tokens
    entries = list(map(memo.__getitem__, keys))
    if memo.misses != misses:
        entries = memo.learn(keys, text)
    return _tokens(entries, content_only)


def _tokens(entries: Iterable[tuple[int, str]], content_only: bool) -> list[str]:
    """Tokens from the (code, lemma) of each morpheme in order: negation folding, filtering."""
    tokens: list[str] = []
    last_content = -1
    after_te = False
    for code, lemma in entries:
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
    """Feature tokens for each text (see module docstring); one MeCab call per text (two for a
    text with a token not seen before)."""
    with _lock, gc_paused():
        memo = _key_memo()
        memo.bound()
        parse = get_tagger().parse
        return [_features(memo, parse(text), text, content_only) if text else [] for text in texts]


def tokenize_joined(texts: Iterable[str]) -> list[str]:
    """``join_tokens(tokenize_batch(texts))``, the space-joined token strings the models read,
    built without a token list per text: a clause without negation is one ``str.join`` over
    its memoised key lines, which is what every analysis worker runs on every clause."""
    with _lock, gc_paused():
        memo = _key_memo()
        memo.bound()
        parse = get_tagger().parse
        return [_joined(memo, parse(text), text) if text else "" for text in texts]


def _joined(memo: _KeyMemo, parsed: str, text: str) -> str:
    keys = parsed.split("\n")
    if memo.negating.isdisjoint(keys):
        misses = memo.misses
        joined = "".join(map(memo.joined.__getitem__, keys))
        if memo.misses == misses:
            return joined[:-1]  # the last token's trailing space
    return " ".join(_features(memo, parsed, text, False))


def tokenize(text: str) -> list[Token]:
    """Morphemes of ``text`` with surface, lemma and UniDic POS, for inspection and tests."""
    out = []
    with _lock:
        for word in get_tagger()(text):
            feature = word.feature
            pos = "-".join(p for p in (feature.pos1, feature.pos2, feature.pos3) if p and p != "*")
            out.append(Token(word.surface, feature.lemma or word.surface, pos))
    return out


def join_tokens(token_lists: Sequence[list[str]]) -> list[str]:
    """Space-joined token strings, the form the scikit-learn featurisers consume."""
    return [" ".join(tokens) for tokens in token_lists]
