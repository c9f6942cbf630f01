"""PII masking: e-mail addresses, URLs, Japanese phone numbers, postal codes and card numbers.

Runs on NFKC-normalised text (full-width digits, ＠, （）and ideographic spaces already folded to
ASCII, and dash look-alikes between digits such as 090ー1234 already turned into "-" by
``normalize_comment``), before anything is stored or shown.  Each match becomes a typed
placeholder such as ``<PHONE>`` so a reader still sees that the respondent left a phone number.
Labels stay outside the placeholder ("電話:<PHONE>", "郵便番号<POSTAL>"); the postal mark 〒 is
part of the postal code and goes with it ("<POSTAL> 渋谷区").

What is masked
--------------
* ``<URL>``    http(s):// or www.<domain>.<tld> links; trailing punctuation and an unbalanced ")"
  are left outside (「FAQ(https://example.jp/faq)」).
* ``<EMAIL>``  local@domain.tld, including sub-addresses (taro+shop@), Japanese carrier addresses
  that break the RFC (taro..yamada.@docomo.ne.jp) and the "(at)" / "[at]" spelling.
* ``<CARD>``   14-19 digits, grouped 4-4-4-4 / 4-6-5 / 4-6-4 by spaces or hyphens or not grouped,
  starting with an issuer digit 2-6 and passing the Luhn check.
* ``<PHONE>``  Japanese numbers written with separators (hyphen, space, dot, "の"), brackets
  ((03)1234-5678, 03(1234)5678) or +81; bare digit runs only for mobile / IP / freedial prefixes
  (090..., 050..., 0120...) or, for other 10-digit runs, when a phone word stands next to them.
* ``<POSTAL>`` 〒 + 7 digits; ddd-dddd; 7 bare digits only right after 郵便番号 / 住所 / 〒.

How look-alikes survive
-----------------------
* Phone numbers must have a valid Japanese shape: start with 0 (or +81), 10 digits in total, or
  11 digits with a 0X0 prefix (070/080/090/050/0800...).  Dates (2026-11-24, 06-12-2026), times
  (10:00-18:00), 12-digit tracking numbers (0123-4567-8901) and versions fail that count.
* No pattern may start or end inside a longer digit/hyphen run, so A-1234-5678,
  250-1234567-8901234 or 123456-20261124-0012345678 are never cut into a "postal code".
* Cards need the issuer digit and the Luhn check, so most 16-digit order numbers fail; JAN
  barcodes (13 digits) are too short.
* Identifier labels: a number right after 注文番号 / 会員番号 / 予約番号 / 伝票番号 / 追跡番号 /
  お問い合わせ番号 / 品番 / 型番 / JAN / シリアル ... is an identifier, not a card, postal code or
  bare phone number (``_ID_LABEL``).
* A ddd-dddd followed directly by a unit or counter (500-1000円, 150-1500ml, 100-2000人) is a
  range, not a postal code.
* Bare 10-digit runs that are not freedial need a phone word (電話, TEL, 携帯, FAX, 連絡先, ☎)
  just before or a call verb (に電話, へ折り返し, から着信) just after.
* Context windows never look across an earlier placeholder (``<`` / ``>`` stop them), which keeps
  ``mask_pii`` idempotent: placeholders contain no digits and no "@", so a second pass finds
  nothing new.

Out of scope: personal names, street addresses, LINE/SNS IDs, bank accounts, card expiry/CVV
without the card number, member/order numbers (they are look-alikes here on purpose).
"""

from __future__ import annotations

import re

PLACEHOLDERS = ("<EMAIL>", "<URL>", "<PHONE>", "<POSTAL>", "<CARD>")

# Cheap pre-check: nothing below can match without a digit, "@", a link prefix or "(at)".
_MAYBE_PII = re.compile(r"[0-9@]|http|www|[(\[]at[)\]]", re.IGNORECASE)

# --- URLs ------------------------------------------------------------------------------------
# Scheme links, or www.<label>.<tld> not glued to an e-mail domain (taro@www.example.jp).
# "www" alone is Japanese laughter (面白かったwww), hence the look-ahead for a real domain.
_URL = re.compile(
    r"(?:https?://|(?<![A-Za-z0-9@.\-])www\.(?=[A-Za-z0-9\-]+\.[A-Za-z]))"
    r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+",
    re.IGNORECASE,
)
_URL_TRAILING = ".,;:!?'"

# --- E-mail ----------------------------------------------------------------------------------
# Local part: anything carriers accept (dots may repeat or end it); "@" or "(at)" / "[at]";
# domain with at least one dot and an alphabetic TLD.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])"  # start at the beginning of a run only: linear time on long runs
    r"[A-Za-z0-9._%+\-]+(?:@|\s?[(\[]at[)\]]\s?)"
    r"[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}",
    re.IGNORECASE,
)

# --- Identifier labels (look-alike guard) -----------------------------------------------------
# A number directly introduced by one of these is an order / member / reservation / product
# identifier.  Applied to cards, postal codes and bare (unseparated) phone-like digit runs.
_ID_LABEL = re.compile(
    r"(?:"
    r"(?:注文|受注|発注|会員|予約|受付|伝票|追跡|配送|送り状|問い?合わ?せ|お客様|顧客|管理|製造|商品"
    r"|部品|整理|申込|申し込み|契約|請求|取引|ポイントカード|ポイント|アカウント|ユーザー?|チケット"
    r"|クーポン|ギフト券?|シリアル|ロット|レシート)"
    r"(?:番号|No\.?|ID|コード)"
    r"|品番|型番|型式|JAN(?:コード)?|ISBN|シリアル|S/?N"
    r")[^\d\n<>]{0,4}$",
    re.IGNORECASE,
)


def _id_labelled(text: str, start: int) -> bool:
    return _ID_LABEL.search(text, max(0, start - 24), start) is not None


# --- Cards -----------------------------------------------------------------------------------
_CARD = re.compile(
    r"(?<![A-Za-z0-9\-])(?:"
    r"\d{4}([ \-])\d{4}\1\d{4}\1\d{2,4}"  # 4-4-4-4 (Visa, Mastercard, JCB, Discover), 4-4-4-2
    r"|\d{4}([ \-])\d{6}\2\d{4,5}"  # 4-6-5 (Amex), 4-6-4 (Diners)
    r"|\d{14,19}"  # not grouped
    r")(?![\d\-])"
)


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


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if (
        14 <= len(digits) <= 19
        and digits[0] in "23456"  # issuer (major industry) digit of payment cards
        and _luhn_ok(digits)
        and not _id_labelled(match.string, match.start())
    ):
        return "<CARD>"
    return match.group(0)


# --- Phones ----------------------------------------------------------------------------------
# One separator between digit groups: hyphen (optionally spaced), space, dot, or "の" as in
# 03の1234の5678 (how the number is read aloud).
_SEP = r"(?:\s?-\s?|[ .]|の)"
_PHONE = re.compile(
    r"(?<![0-9\-+])(?<!\d\.)(?:"
    r"\+81[ \-]?(?:\(0\)[ \-]?)?(?:\d{1,4}[ \-.]\d{1,4}[ \-.]\d{3,4}|\d{9,10})"  # +81 90-1234-5678
    r"|\(0\d{1,4}\)\s?\d{1,4}[ \-]?\d{3,4}"  # (03)1234-5678
    r"|0\d{1,4}\s?\(\d{1,4}\)\s?\d{3,4}"  # 03(1234)5678
    rf"|0\d{{1,4}}{_SEP}\d{{1,4}}{_SEP}\d{{3,4}}"  # 03-1234-5678, 090 1234 5678, 03の1234の5678
    r"|0\d{9,10}"  # bare digits: decided in _phone
    r")(?![0-9])(?![\-.]\d)"
)
_PHONE_WORD_BEFORE = re.compile(r"(?:電話|TEL|携帯|☎|連絡先|FAX|ファッ?クス)[^\d\n<>]{0,6}$", re.IGNORECASE)
_PHONE_WORD_AFTER = re.compile(
    r"\s?(?:に|へ|まで|から)?\s?(?:お?電話|TEL|かけ|折り?返|ご?連絡|SMS|ショートメール|着信)", re.IGNORECASE
)


def _national_digits(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    if number.startswith("+81"):
        digits = digits[2:]
        if not digits.startswith("0"):
            digits = "0" + digits
    return digits


def _phone_shape_ok(digits: str) -> bool:
    """Japanese numbers: 10 digits (0 + area code...), or 11 with a 0X0 prefix (mobile, IP, 0800)."""
    if len(digits) == 10:
        return digits[1] != "0"
    if len(digits) == 11:
        return digits[1] in "256789" and digits[2] == "0"
    return False


def _phone(match: re.Match[str]) -> str:
    number = match.group(0)
    digits = _national_digits(number)
    if not _phone_shape_ok(digits):
        return number
    if number.isdigit():  # no separators: an identifier is just as likely
        text, start, end = match.string, match.start(), match.end()
        if _id_labelled(text, start):
            return number
        distinctive = len(digits) == 11 or digits.startswith("0120")  # 0X0-... mobile / IP / 0800
        if not distinctive and not (
            _PHONE_WORD_BEFORE.search(text, max(0, start - 16), start)
            or _PHONE_WORD_AFTER.match(text, end)
        ):
            return number
    return "<PHONE>"


# --- Postal codes ----------------------------------------------------------------------------
_POSTAL = re.compile(
    r"〒\s?\d{3}[\-\s]?\d{4}(?![0-9])"  # 〒150-0001, 〒 1500001
    r"|(?<![A-Za-z0-9\-.,¥$])\d{3}-\d{4}(?![0-9\-]|\.\d)"  # 150-0001
    r"|(?<![A-Za-z0-9\-.,])\d{7}(?![0-9])"  # 1500001: only after a postal label (see _postal)
)
_POSTAL_LABEL_BEFORE = re.compile(r"(?:郵便番号|郵便|住所|〒|ZIP)[^\d\n<>]{0,10}$", re.IGNORECASE)
# A unit right after ddd-dddd means a range (500-1000円, 150-1500ml), not a postal code.
_UNIT_AFTER = re.compile(
    r"(?:円|人|件|回|個|点|枚|冊|杯|歳|才|倍|位|秒|分|時間|日間|か月|ヶ月|年|ポイント|pt|%|km|cm|mm|kg|mg|ml|m|g|l)",
    re.IGNORECASE,
)


def _postal(match: re.Match[str]) -> str:
    code = match.group(0)
    text, start = match.string, match.start()
    if code.startswith("〒"):
        return "<POSTAL>"
    if _id_labelled(text, start):
        return code
    if "-" in code:
        return code if _UNIT_AFTER.match(text, match.end()) else "<POSTAL>"
    if _POSTAL_LABEL_BEFORE.search(text, max(0, start - 16), start):
        return "<POSTAL>"
    return code


def _url(match: re.Match[str]) -> str:
    """Keep trailing punctuation and unbalanced closing brackets outside the link."""
    url = match.group(0)
    opened = {")": url.count("("), "]": url.count("[")}
    closed = {")": url.count(")"), "]": url.count("]")}
    cut = len(url)
    while cut:
        last = url[cut - 1]
        if last in _URL_TRAILING:
            cut -= 1
        elif last in closed and closed[last] > opened[last]:
            closed[last] -= 1
            cut -= 1
        else:
            break
    return "<URL>" + url[cut:]


def mask_pii(text: str) -> str:
    """Replace personal data in ``text`` with typed placeholders (idempotent)."""
    if not text or not _MAYBE_PII.search(text):
        return text
    # URLs first (they may contain e-mail-, phone- or card-like parts), then e-mails (old
    # Japanese mobile addresses are phone numbers: 09012345678@docomo.ne.jp), then digit kinds,
    # longest first so a phone pattern never bites into a card number.
    text = _URL.sub(_url, text)
    text = _EMAIL.sub("<EMAIL>", text)
    text = _CARD.sub(_card, text)
    text = _PHONE.sub(_phone, text)
    text = _POSTAL.sub(_postal, text)
    return text
