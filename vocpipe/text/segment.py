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

Speed matters because every comment passes here before the tokeniser (issue #10: split +
tokenise within 0.8x of a raw MeCab parse).  Python's regex engine cannot skip ahead for
patterns that open with alternatives and look-behinds, so the sentence-end pattern is only tried
where a cheap character-class search finds a character it can start with; the contrast patterns,
which all need a 、 or a comma, run only on comments that have one, and per sentence only when
they match somewhere in the comment.  The boundaries are those of the patterns themselves.
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
# Split points inside a sentence: the clause ends after the match.  (が is checked for the
# predicate before it after it is read, so that every alternative starts with a literal
# character and the regex engine can skip ahead to the next が/け/の/も.)
_CONTRAST_AFTER = re.compile(
    r"(?:が(?<=[いたすだるんうくね]が)|けど|けれど(?:も)?|のに|ものの)(?:ね|さ)?[、,]"
)
# Split points inside a sentence: the next clause starts at the connective.
_CONTRAST_BEFORE = re.compile(r"(?<=[、,])\s?(?=(?:しかし|でも|ただ|一方で?)[、,]?)")
# Matches somewhere exactly when _CONTRAST_BEFORE does, but starts with the comma, so a search
# skips ahead (a pattern that opens with a look-behind is tried at every position).
_CONNECTIVE_AFTER_COMMA = re.compile(r"[、,]\s?(?:しかし|でも|ただ|一方)")
# A clause without any of these is punctuation or emoji only.
_WORD_CHAR = re.compile(r"[\w\u3040-\u30ff\u4e00-\u9fff]")


# Every character a _SENTENCE_END match can start with (its first consumed character).
_SENTENCE_END_START = re.compile(rf"[。!?．.…{_EMOJI}\ufe0f\u200d(wo\n]")


def _sentence_cuts(text: str) -> list[int]:
    """End offsets of the _SENTENCE_END matches, as ``finditer`` would find them, but the full
    pattern is tried only at the candidate characters _SENTENCE_END_START finds."""
    cuts = []
    candidate = _SENTENCE_END_START.search
    match = _SENTENCE_END.match
    position = 0
    while (found := candidate(text, position)) is not None:
        matched = match(text, found.start())
        if matched is None:
            position = found.start() + 1
        else:
            position = matched.end()
            cuts.append(position)
    return cuts


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
    cursor, end = 0, len(text)
    for cut in _sentence_cuts(text):
        if cut >= end:
            break
        trimmed = _trimmed(text, cursor, cut)
        if trimmed:
            spans.append(trimmed)
        cursor = cut
    if cursor < end:
        trimmed = _trimmed(text, cursor, end)
        if trimmed:
            spans.append(trimmed)
    return spans


def _may_contrast(text: str) -> bool:
    """Whether a contrast split point can be anywhere in ``text``: both patterns need 、 or ','
    and a match inside one sentence is also a match in the whole comment."""
    return ("、" in text or "," in text) and (
        _CONTRAST_AFTER.search(text) is not None or _CONNECTIVE_AFTER_COMMA.search(text) is not None)


def clause_spans(text: str) -> list[tuple[int, int]]:
    """Clause spans ``(start, end)`` of a normalised comment, in order (see :func:`split_clauses`)."""
    sentences = split_sentences(text)
    if not sentences:
        return []
    if _may_contrast(text):
        parts: list[tuple[int, int]] = []
        for s_start, s_end in sentences:
            if _CONTRAST_AFTER.search(text, s_start, s_end) is None and _CONTRAST_BEFORE.search(text, s_start, s_end) is None:
                parts.append((s_start, s_end))  # most sentences hold one judgement: no contrast to split
                continue
            for a_start, a_end in _spans(text, _CONTRAST_AFTER, s_start, s_end, cut_after=True):
                for b_start, b_end in _spans(text, _CONTRAST_BEFORE, a_start, a_end, cut_after=False):
                    trimmed = _trimmed(text, b_start, b_end)
                    if trimmed:
                        parts.append(trimmed)
    else:
        parts = sentences  # already trimmed, and no sentence has a contrast to split
    spans: list[tuple[int, int]] = []
    for start, end in parts:
        if spans and _WORD_CHAR.search(text, start, end) is None and spans[-1][1] <= start:
            # Punctuation- or emoji-only tail: attach it to the previous clause.
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def split_clauses(text: str) -> list[Clause]:
    """Clauses of a normalised comment, in order, with offsets (empty list for empty text)."""
    return [Clause(start, end, text[start:end]) for start, end in clause_spans(text)]

