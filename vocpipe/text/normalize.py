"""Comment normalisation: one canonical form for every later step.

Order matters and is fixed: drop control characters (NUL bytes from broken exports), repair
UTF-8-read-as-CP932 mojibake when it round-trips cleanly, Unicode NFKC (full-width digits and
half-width katakana become standard), PII masking, shortening of long character repeats, and
whitespace clean-up that keeps line breaks (they are sentence boundaries).  Applying it twice
gives the same result as applying it once.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

from vocpipe.text.pii import mask_pii

# Control characters except newline and tab.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Three or more of the same non-digit character -> two (すごーーーい -> すごーい, wwww -> ww).
_REPEAT = re.compile(r"(\D)\1{2,}")
_SPACES = re.compile(r"[ \t\u3000\u00a0]+")
_SPACE_AROUND_NEWLINE = re.compile(r" ?\n ?")
_BLANK_LINES = re.compile(r"\n{2,}")
# Dash look-alikes between digits (０９０−１２３４, 090ー1234 typed with the long-vowel mark).
_DIGIT_DASH = re.compile(r"(?<=\d)[\u2010-\u2015\u2212\u30fc\uff0d\uff70](?=\d)")


@lru_cache(maxsize=1)
def _mojibake_markers() -> frozenset[str]:
    """Characters typical of UTF-8 Japanese decoded as CP932 (e.g. 縺ゅｊ縺後→縺).

    Every Japanese character in UTF-8 starts with a byte E3-E9; read as CP932 that byte opens a
    rare JIS level-2 kanji (縺 繧 譁 蛟 萓 ...), so about every other character of such mojibake
    is one of these.  Real survey text has almost none (綺 in 綺麗 is the common exception: at most
    3 % of the characters of the comments in data/corpus).
    """
    markers = set()
    for lead in range(0xE3, 0xEA):
        for trail in range(0x40, 0xFD):
            try:
                markers.add(bytes((lead, trail)).decode("cp932"))
            except UnicodeDecodeError:
                continue
    return frozenset(markers)


@lru_cache(maxsize=1)
def _mojibake_pattern() -> re.Pattern[str]:
    """One character class of all markers and U+FFFD: finding them is a single C-level scan."""
    return re.compile("[" + "".join(re.escape(c) for c in sorted(_mojibake_markers())) + "\ufffd]")


def mojibake_score(text: str) -> float:
    """Share of characters that are typical UTF-8-as-CP932 mojibake or U+FFFD."""
    if not text:
        return 0.0
    return len(_mojibake_pattern().findall(text)) / len(text)


@lru_cache(maxsize=1)
def _cp932_duplicates() -> dict[str, list[bytes]]:
    """Characters CP932 can encode in more than one way (NEC / IBM duplicate rows): Python
    encodes ≡ as 0x81DF, but mojibake made from UTF-8 bytes may have come from 0x8790."""
    table: dict[str, list[bytes]] = {}
    for lead in list(range(0x81, 0xA0)) + list(range(0xE0, 0xFD)):
        for trail in range(0x40, 0xFD):
            raw = bytes((lead, trail))
            try:
                char = raw.decode("cp932")
            except UnicodeDecodeError:
                continue
            table.setdefault(char, []).append(raw)
    return {c: sorted(v, key=lambda b: b != c.encode("cp932")) for c, v in table.items() if len(v) > 1}


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as CP932, when some re-encoding decodes as UTF-8.

    Not when the text contains ・: that is how Windows tools show a byte they could not decode,
    so the original bytes are gone, and re-encoding it (0x81 0x45) can still decode as UTF-8,
    into wrong text (縺ゅｊ縺後→縺・縺斐… would become ありがとぁEござぁE…).  Such text stays as
    it is and is quarantined as mojibake by the loader.
    """
    if mojibake_score(text) < 0.15 or "・" in text:
        return text
    duplicates = _cp932_duplicates()
    try:
        parts = [duplicates.get(c) or [c.encode("cp932")] for c in text]
    except UnicodeEncodeError:
        return text
    ambiguous = [i for i, options in enumerate(parts) if len(options) > 1][:6]
    for choice in itertools.product(*[range(len(parts[i])) for i in ambiguous]):
        picked = {i: parts[i][k] for i, k in zip(ambiguous, choice)}
        raw = b"".join(picked.get(i, options[0]) for i, options in enumerate(parts))
        try:
            repaired = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if mojibake_score(repaired) < mojibake_score(text):
            return repaired
    return text


def normalize_comment(text: str | None, *, mask: bool = True) -> str:
    """Return the canonical form of a survey comment (see module docstring for the steps)."""
    if not text:
        return ""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = repair_mojibake(text)
    text = unicodedata.normalize("NFKC", text)
    text = _DIGIT_DASH.sub("-", text)
    if mask:
        text = mask_pii(text)
    text = _REPEAT.sub(r"\1\1", text)
    text = _SPACES.sub(" ", text)
    text = _SPACE_AROUND_NEWLINE.sub("\n", text)
    text = _BLANK_LINES.sub("\n", text)
    return text.strip()
