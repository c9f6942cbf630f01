"""Split a normalised comment into sentences and contrastive clauses, with character offsets.

Why clauses: 「接客は良いが、配送が遅い」 holds one praise and one complaint; scoring the whole
comment gets both wrong.  Boundaries are found with regular expressions over the normalised
text (fast, deterministic, offsets are exact):

* sentence ends: 。 ! ? (and runs of them, ...), line breaks, an emoji or kaomoji followed by
  more text;
* contrast inside a sentence: after a predicate + が、 (良いが、/ですが、, not the subject marker
  in 配送が、), after けど/けれど/けれども/のに/ものの, and before 、しかし/でも/ただ/一方.

Every clause keeps ``start``/``end`` offsets into the normalised comment so any figure can be
traced back to its verbatim text: ``comment[start:end] == clause.text``.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Clause(NamedTuple):
    """One clause of a comment; ``text == comment[start:end]``."""

    start: int
    end: int
    text: str


_EMOJI = (
    "\U0001f300-\U0001faff"  # pictographs, emoticons, transport, supplemental symbols
    "\u2600-\u27bf"  # misc symbols and dingbats (☀ ✨ ❤)
    "\u2b50\u2b55\u3030\u303d"
)
_KAOMOJI = r"\([^()\n]{0,12}[\^´`ﾟ・ω_;Д≧≦><TｰoO・゚∀￣︶ᴗ°][^()\n]{0,12}\)"
# A sentence ends after terminal punctuation, after emoji/kaomoji/ww that are followed by
# more text, or at a line break.
_SENTENCE_END = re.compile(
    r"(?:[。!?．.…]+[)」』】\]]*"
    rf"|[{_EMOJI}\ufe0f\u200d]+(?=[^{_EMOJI}\ufe0f\u200d\s。!?])"
    rf"|{_KAOMOJI}(?=[^\s。!?])"
    r"|(?<=[^\sw])ww+(?=[^\sw!?。])"
    r"|orz"
    r")[ ]?|\n"
)
# Split points inside a sentence: the clause ends after the match.
_CONTRAST_AFTER = re.compile(
    r"(?:(?<=[いたすだるんうくね])が|けど|けれど(?:も)?|のに|ものの)(?:ね|さ)?[、,]"
)
# Split points inside a sentence: the next clause starts at the connective.
_CONTRAST_BEFORE = re.compile(r"(?<=[、,])\s?(?=(?:しかし|でも|ただ|一方で?)[、,]?)")


def _spans(text: str, pattern: re.Pattern[str], start: int, end: int, *, cut_after: bool):
    cursor = start
    for match in pattern.finditer(text, start, end):
        cut = match.end() if cut_after else match.start()
        if cut <= cursor or cut >= end:
            continue
        yield cursor, cut
        cursor = cut
    if cursor < end:
        yield cursor, end


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start] in " \n":
        start += 1
    while end > start and text[end - 1] in " \n":
        end -= 1
    return (start, end) if start < end else None


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of a normalised comment."""
    spans = []
    for start, end in _spans(text, _SENTENCE_END, 0, len(text), cut_after=True):
        trimmed = _trimmed(text, start, end)
        if trimmed:
            spans.append(trimmed)
    return spans


def split_clauses(text: str) -> list[Clause]:
    """Clauses of a normalised comment, in order, with offsets (empty list for empty text)."""
    clauses: list[Clause] = []
    for s_start, s_end in split_sentences(text):
        if _CONTRAST_AFTER.search(text, s_start, s_end) is None and _CONTRAST_BEFORE.search(text, s_start, s_end) is None:
            parts = ((s_start, s_end),)  # most sentences hold one judgement: no contrast to split
        else:
            parts = [
                (b_start, b_end)
                for a_start, a_end in _spans(text, _CONTRAST_AFTER, s_start, s_end, cut_after=True)
                for b_start, b_end in _spans(text, _CONTRAST_BEFORE, a_start, a_end, cut_after=False)
            ]
        for start, end in parts:
            trimmed = _trimmed(text, start, end)
            if not trimmed:
                continue
            if not _has_words(text, *trimmed) and clauses and clauses[-1].end <= trimmed[0]:
                # Punctuation- or emoji-only tail: attach it to the previous clause.
                last = clauses[-1]
                clauses[-1] = Clause(last.start, trimmed[1], text[last.start : trimmed[1]])
            else:
                clauses.append(Clause(trimmed[0], trimmed[1], text[trimmed[0] : trimmed[1]]))
    return clauses


_WORD_CHAR = re.compile(r"[\w\u3040-\u30ff\u4e00-\u9fff]")


def _has_words(text: str, start: int, end: int) -> bool:
    return _WORD_CHAR.search(text, start, end) is not None
