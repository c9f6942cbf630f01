"""PII masking: e-mail addresses, URLs, Japanese phone numbers, postal codes and card numbers.

Runs on NFKC-normalised text (full-width digits already folded to ASCII), before anything is
stored or shown.  Each match becomes a typed placeholder such as ``<PHONE>`` so a reader still
sees that the respondent left a phone number.  The patterns are deliberately strict about
look-alikes: dates (2026-11-24), prices (12,800円), order numbers (注文番号 1234567890) and
times must survive.
"""

from __future__ import annotations

import re

PLACEHOLDERS = ("<EMAIL>", "<URL>", "<PHONE>", "<POSTAL>", "<CARD>")

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
# Hyphenated or bracketed numbers starting with 0 (03-1234-5678, 090-1234-5678, 0120-123-456,
# 03(1234)5678), +81 international form, and bare 11-digit mobiles (09012345678).
_PHONE = re.compile(
    r"(?<![\d\-])(?:"
    r"\+81[\-\s]?\(?0?\d{1,4}\)?[\-\s]?\d{1,4}[\-\s]?\d{3,4}"
    r"|0\d{1,4}-\d{1,4}-\d{3,4}"
    r"|0\d{1,4}\(\d{1,4}\)\d{3,4}"
    r"|0[5789]0\d{8}"
    r")(?![\d\-])"
)
# A bare 10-digit landline counts only when a phone word stands just before it.
_PHONE_CONTEXT = re.compile(r"(?:電話|TEL|Tel|tel|携帯|☎|連絡先)[^\d\n]{0,6}(0\d{9})(?!\d)")
_POSTAL = re.compile(r"(?:〒\s?|郵便番号[::]?\s?)\d{3}-?\d{4}(?!\d)|(?<![\d\-])\d{3}-\d{4}(?![\d\-])")
_CARD_GROUPED = re.compile(r"(?<![\d\-])\d{4}[\-\s]\d{4}[\-\s]\d{4}[\-\s]\d{2,4}(?![\d\-])")
_LONG_DIGITS = re.compile(r"(?<!\d)\d{13,19}(?!\d)")


_MAYBE_PII = re.compile(r"[0-9@]|http|www")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card_if_luhn(match: re.Match[str]) -> str:
    return "<CARD>" if _luhn_ok(match.group(0)) else match.group(0)


def _phone_in_context(match: re.Match[str]) -> str:
    start, end = match.span(1)
    text = match.group(0)
    offset = match.start(0)
    return text[: start - offset] + "<PHONE>" + text[end - offset :]


def mask_pii(text: str) -> str:
    """Replace personal data in ``text`` with typed placeholders (idempotent)."""
    if not text or not _MAYBE_PII.search(text):
        return text
    text = _EMAIL.sub("<EMAIL>", text)
    text = _URL.sub("<URL>", text)
    text = _CARD_GROUPED.sub("<CARD>", text)
    text = _LONG_DIGITS.sub(_card_if_luhn, text)
    text = _PHONE.sub("<PHONE>", text)
    text = _PHONE_CONTEXT.sub(_phone_in_context, text)
    text = _POSTAL.sub("<POSTAL>", text)
    return text
