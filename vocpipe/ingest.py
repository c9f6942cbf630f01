"""Read survey exports into one typed table, and quarantine every row that cannot be trusted.

Supported sources: CSV (UTF-8, UTF-8 with BOM, CP932/Shift_JIS as Excel writes it; detected
automatically, overridable), XLSX, Parquet and JSONL.  Columns are mapped to the canonical
fields ``response_id``, ``submitted_at``, ``nps`` and ``comment``; Japanese headers such as
回答ID, 回答日時, 推奨度 and 自由記述 are recognised, and every other column becomes a segment
(チャネル, 店舗, プラン, ...).

The contract (checked in :func:`load_responses` and in the tests): every row read ends up either
in ``responses`` or in ``quarantine`` with the file, row number, column and a plain reason;
``rows_read == rows_stored + rows_quarantined``.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import itertools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from vocpipe.errors import InputError

CANONICAL_FIELDS = ("response_id", "submitted_at", "nps", "comment")
REQUIRED_FIELDS = ("response_id", "submitted_at", "nps", "comment")

# Header aliases (compared after NFKC + lower-case + removing spaces and brackets).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "response_id": ("response_id", "responseid", "id", "回答id", "回答番号", "回答no", "no", "respondentid", "レスポンスid"),
    "submitted_at": ("submitted_at", "submittedat", "回答日時", "回答日", "日時", "日付", "date", "datetime", "timestamp", "回答時刻", "送信日時", "created_at"),
    "nps": ("nps", "推奨度", "おすすめ度", "お勧め度", "推奨意向", "score", "スコア", "nps推奨度", "推奨度0-10", "推奨度(0-10)"),
    "comment": ("comment", "comments", "自由記述", "コメント", "ご意見", "ご意見・ご感想", "ご意見ご感想", "理由", "自由回答", "text", "フリーコメント", "その理由", "推奨理由"),
}

QUARANTINE_COLUMNS = ["source_file", "source_row", "column_name", "value", "reason"]


@dataclass
class LoadResult:
    """Outcome of reading one source: the good rows, the quarantined rows, and counts."""

    source_file: str
    responses: pd.DataFrame
    quarantine: pd.DataFrame
    rows_read: int
    column_mapping: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    superseded_earlier: int = 0  # rows of earlier blocks that this block's rows replace

    @property
    def rows_stored(self) -> int:
        return len(self.responses) - self.superseded_earlier

    @property
    def rows_quarantined(self) -> int:
        return len(self.quarantine)


def _header_key(name: str) -> str:
    key = unicodedata.normalize("NFKC", str(name)).strip().lower()
    return re.sub(r"[\s()\[\]「」【】_:：]", "", key).replace("ｉｄ", "id")


# --------------------------------------------------------------------------- reading

def detect_encoding(raw: bytes) -> str:
    """The encoding of the whole of ``raw``: UTF-8 (with or without BOM), UTF-16 or CP932; ""
    when no single encoding decodes all of it (CSV files are then decoded line by line)."""
    return _detect_encoding(raw[:4096], len(raw), lambda name: _bytes_decode(raw, name))


def detect_file_encoding(path: Path) -> str:
    """:func:`detect_encoding` for a file, read in pieces: a million-row export is never held
    in memory whole."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    return _detect_encoding(head, path.stat().st_size, lambda name: file_decodes(path, name))


def _bytes_decode(raw: bytes, name: str) -> bool:
    try:
        raw.decode(name)
        return True
    except UnicodeDecodeError:
        return False


def file_decodes(path: Path, name: str) -> bool:
    """Whether the whole file decodes as ``name``, checked 1 MiB at a time."""
    import codecs

    decoder = codecs.getincrementaldecoder(name)()
    try:
        with path.open("rb") as handle:
            for piece in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(piece)
        decoder.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False


def _detect_encoding(head: bytes, size: int, decodes) -> str:
    """The detection rules over the first 4 KiB (``head``), the byte count and a whole-input
    ``decodes(name)`` check.

    UTF-16 without a BOM (written by some survey tools and database exports) is recognised by
    its NUL bytes: every ASCII character has a zero high byte, so one byte position of each pair
    is mostly NUL and the other almost never is.  A UTF-8 file with a few stray NULs is not.
    """
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig" if decodes("utf-8-sig") else ""  # else: a BOM and then a broken line
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head if size % 2 == 0 else b""
    if len(sample) >= 4:
        even, odd = sample[0::2].count(0) / (len(sample) / 2), sample[1::2].count(0) / (len(sample) / 2)
        for name, nul, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
            if nul > 0.2 and other < nul / 4 and decodes(name):
                return name
    for name in ("utf-8", "cp932"):
        if decodes(name):
            return name
    return ""


_UNDECODABLE_FILE = (
    "文字コードを判別できません (UTF-8 でも CP932/Shift_JIS でもありません。UTF-8 のファイルを Excel で開いて"
    "保存し直すと、このように文字化けします: 元のファイルを使うか --encoding で指定してください)"
)
_UNDECODABLE_LINE = "文字コードを判別できない文字を含む行です (UTF-8 でも CP932/Shift_JIS でも正しく読めません。文字の途中で切れているか、文字化けしています)"


def _decode_line(line: bytes) -> tuple[str, str]:
    """One line as text and the encoding it was in ("" when it is neither UTF-8 nor CP932).

    UTF-8 is tried first: CP932 Japanese is practically never valid UTF-8 (its lead bytes are
    UTF-8 continuation bytes), while UTF-8 Japanese often does decode as CP932, into mojibake.
    So a line that is not valid UTF-8 but reads as CP932 full of mojibake (縺ゅｊ縺・…: damaged
    UTF-8, e.g. re-saved by Excel) counts as neither; three or more mojibake characters are
    required, so that a short CP932 line with a rare kanji (綺麗) is still read.
    """
    from vocpipe.text.normalize import mojibake_score

    if line.isascii():
        return line.decode("ascii"), "ascii"
    try:
        return line.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = line.decode("cp932")
    except UnicodeDecodeError:
        return line.decode("cp932", errors="replace"), ""
    wide = [c for c in text if not c.isascii()]
    score = mojibake_score("".join(wide))
    return text, "" if score > 0.3 and score * len(wide) >= 3 else "cp932"


def _decode_by_line(raw: bytes, path: Path) -> tuple[str, str, set[int]]:
    """Decode a file that is not UTF-8 as a whole one line at a time.

    Excel on Windows writes CP932, and such files get rows appended by other tools, so one file
    can hold CP932 lines and UTF-8 lines; each line is decoded in its own encoding instead of
    rejecting the file.  Returns the text, the encodings used (``cp932+utf-8`` for a mix, most
    frequent first) and the numbers of the lines that are neither (a multi-byte character cut
    in half, UTF-8 damaged into mojibake, another encoding): their records are quarantined, not
    stored with broken text.  When most lines are like that, the file is rejected.
    Line numbers count lines the way ``csv`` does (CRLF, LF or CR).
    """
    parts: list[str] = []
    used: dict[str, int] = {}
    bad: set[int] = set()
    non_ascii = 0
    for number, line in enumerate(raw.splitlines(keepends=True), start=1):
        text, name = _decode_line(line)
        parts.append(text)
        if name != "ascii":
            non_ascii += 1
        if not name:
            bad.add(number)
        elif name != "ascii":
            used[name] = used.get(name, 0) + 1
    if non_ascii and len(bad) * 2 > non_ascii:
        raise InputError(f"{path}: {_UNDECODABLE_FILE}")
    label = "+".join(sorted(used, key=lambda n: (-used[n], n))) or "cp932"
    return "".join(parts), label, bad


# Files that are not text at all but are often given a .csv name.
_BINARY_SIGNATURES = {b"PK\x03\x04": "Excel (xlsx) または ZIP", b"\xd0\xcf\x11\xe0": "Excel 97-2003 (xls)"}


def _looks_like_header(record: list[str]) -> bool:
    """A row that names at least two known fields (回答ID, 推奨度, 自由記述, ...)."""
    keys = {_header_key(c) for c in record if c}
    return sum(1 for aliases in HEADER_ALIASES.values() if keys & set(aliases)) >= 2


def _find_header(open_lines, path: Path) -> tuple[str, int | None]:
    """Delimiter and the index of the header record among the first 30 records.

    Comma unless the header row only splits into known columns at tabs (TSV, Excel's "Unicode
    text" export).  Rows above the header (a title such as "2026年11月 顧客アンケート", an export
    date, blank lines) are not responses and are skipped.  ``None``: no recognisable header,
    the first non-blank row is used (its columns may be mapped with ``--column``).
    """
    candidates = ("\t", ",") if path.suffix.lower() == ".tsv" else (",", "\t")
    for delimiter in candidates:
        with contextlib.closing(open_lines()) as lines:
            try:
                records = list(csv.reader(itertools.islice(lines, 30), delimiter=delimiter))
            except csv.Error:
                continue
        for index, record in enumerate(records):
            if _looks_like_header(record):
                return delimiter, index
    return candidates[0], None


def _clean_line(text: str) -> str:
    """NUL bytes (broken exports) and BOMs (exports concatenated with `cat`) carry no text."""
    return text.replace("\x00", "").replace("\ufeff", "")


def _iter_csv(path: Path, encoding: str | None):
    """Header, an iterator over the file's records, and the encoding used.

    The iterator yields ``(row_number, cells)`` for records and quarantine dicts for lines that
    could not be decoded, one at a time: a million-row export is never held as a list."""
    with path.open("rb") as handle:
        start = handle.read(8)
    for signature, kind in _BINARY_SIGNATURES.items():
        if start.startswith(signature):
            raise InputError(f"{path}: テキストではなく {kind} のファイルです。拡張子を正しくしてください")
    bad_lines: set[int] = set()
    chosen = encoding or detect_file_encoding(path)
    if encoding or chosen in {"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"}:
        if encoding:  # a detected encoding has already decoded the whole file
            try:
                readable = file_decodes(path, chosen)
            except LookupError:
                raise InputError(f"{path}: 文字コード {chosen} として読めません (LookupError)") from None
            if not readable:
                raise InputError(f"{path}: 文字コード {chosen} として読めません (UnicodeDecodeError)")

        def open_lines():
            """The file's lines, read as they are parsed (never the whole text at once)."""
            with path.open(encoding=chosen, newline="") as text:
                for line in text:
                    yield _clean_line(line)
    else:
        decoded, chosen, bad_lines = _decode_by_line(path.read_bytes(), path)
        decoded = _clean_line(decoded)

        def open_lines():
            return io.StringIO(decoded, newline="")
    # One comment can be longer than csv's default 128 KiB field limit; MAX_COMMENT_CHARS
    # bounds what is kept of it, and the record must still be read.
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    delimiter, header_index = _find_header(open_lines, path)
    reader = csv.reader(open_lines(), delimiter=delimiter)
    state = {"index": 0, "last_line": 0}

    def numbered():
        """(first line, last line, record) for each record of the file."""
        try:
            for record in reader:
                first_line, state["last_line"] = state["last_line"] + 1, reader.line_num
                state["index"] += 1
                yield first_line, state["last_line"], record
        except csv.Error as exc:
            raise InputError(f"{path}: CSV として読めません (行 {reader.line_num}: {exc})") from None

    records = numbered()
    header: list[str] | None = None
    for first_line, last_line, record in records:
        # A record's row number is the line it starts on (a quoted field may span lines).
        if header_index is not None and state["index"] - 1 < header_index:
            continue  # title rows above the header
        if not any(cell.strip() for cell in record):
            continue  # blank lines above the header
        if bad_lines and bad_lines & set(range(first_line, last_line + 1)):
            raise InputError(f"{path}: ヘッダー行 ({first_line} 行目): {_UNDECODABLE_FILE}")
        header = record
        break
    if header is None:
        raise InputError(f"{path}: ヘッダー行がありません (空のファイルです)")

    def body():
        for first_line, last_line, record in records:
            if not record:
                continue  # an empty line is not a record; ",,," rows are, and get quarantined
            if bad_lines and bad_lines & set(range(first_line, last_line + 1)):
                yield _q(str(path), first_line, "", delimiter.join(record)[:200], _UNDECODABLE_LINE)
                continue
            yield first_line, record

    return header, body(), chosen


def _read_xlsx(path: Path, sheet: str | int | None) -> tuple[list[str], list[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    try:
        # Not read-only: merged ranges are only known on a fully loaded sheet.
        book = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise InputError(f"{path}: Excel ファイルとして読めません ({exc.__class__.__name__}: {exc})") from None
    try:
        worksheet = book[sheet] if isinstance(sheet, str) else book.worksheets[sheet or 0]
    except (KeyError, IndexError):
        raise InputError(f"{path}: シート '{sheet}' がありません。シート: {', '.join(book.sheetnames)}") from None
    grid = [list(row) for row in worksheet.iter_rows(values_only=True)]  # grid[i] is sheet row i + 1
    # A merged range keeps its value in the top-left cell only, but Excel shows it over the whole
    # range (a date merged over the responses of one day): every row gets the value it shows.
    for merged in worksheet.merged_cells.ranges:
        value = grid[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row - 1, min(merged.max_row, len(grid))):
            for c in range(merged.min_col - 1, min(merged.max_col, len(grid[r]))):
                grid[r][c] = value
    records = [[_cell_text(v) for v in row] for row in grid]
    # The header is the first row that names at least two known fields (skips title rows and
    # blank or merged banner rows that exports put above the table).
    for index, record in enumerate(records):
        if _looks_like_header(record):
            header = record
            body = [(i + 1, r) for i, r in enumerate(records) if i > index and any(c.strip() for c in r)]
            return header, body
    raise InputError(f"{path}: ヘッダー行 (回答ID・推奨度・自由記述 など) が見つかりません")


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.isoformat()
    return str(value)


def _read_jsonl(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], list[dict]]:
    header: list[str] = []
    rows: list[tuple[int, dict]] = []
    bad: list[dict] = []
    for line_no, raw_line in enumerate(path.read_bytes().splitlines(), start=1):
        line, used = _decode_line(raw_line)  # JSONL is UTF-8, but a pasted CP932 line is still read
        line = line.lstrip("\ufeff")
        if not line.strip():
            continue
        if not used:
            bad.append(_q(str(path), line_no, "", line[:200], _UNDECODABLE_LINE))
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not an object")
        except ValueError:
            bad.append(_q(str(path), line_no, "", line[:200], "JSON として読めない行です"))
            continue
        for key in obj:
            if key not in header:
                header.append(key)
        rows.append((line_no, obj))
    records = [(n, [_cell_text(o.get(k, "")) if not isinstance(o.get(k), (dict, list)) else json.dumps(o.get(k), ensure_ascii=False) for k in header]) for n, o in rows]
    return header, records, bad


def _read_parquet(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:
        raise InputError(f"{path}: Parquet ファイルとして読めません ({exc})") from None
    header = [str(c) for c in frame.columns]
    records = [(i + 1, [_cell_text(v) for v in row]) for i, row in enumerate(frame.itertuples(index=False))]
    return header, records


def iter_records(path: Path, *, encoding: str | None = None, sheet: str | int | None = None):
    """Header, an iterator of ``(row_number, cells)`` records and quarantine dicts (rows that
    could not be read), and the encoding used.

    Row numbers are what a user sees: the line in a CSV/JSONL file where the record starts
    (header = line 1 when there is no title above it) or the row in the Excel sheet.
    CSV is streamed; the other formats are read whole (they come from tools with row limits).
    """
    if not path.exists():
        raise InputError(f"{path}: ファイルが見つかりません")
    if path.is_dir():
        raise InputError(f"{path}: ファイルではなくフォルダです")
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt", ".tsv"}:
        return _iter_csv(path, encoding)
    if suffix in {".xlsx", ".xlsm"}:
        header, records = _read_xlsx(path, sheet)
        return header, iter(records), None
    if suffix in {".jsonl", ".ndjson"}:
        header, records, bad = _read_jsonl(path)
        return header, itertools.chain(bad, records), "utf-8"
    if suffix == ".parquet":
        header, records = _read_parquet(path)
        return header, iter(records), None
    raise InputError(f"{path}: 対応していない形式です ({suffix or '拡張子なし'}); csv, xlsx, parquet, jsonl が使えます")


def read_records(path: Path, *, encoding: str | None = None, sheet: str | int | None = None):
    """Header, ``(row_number, cells)`` records, rows quarantined while reading, and the encoding."""
    header, items, used = iter_records(path, encoding=encoding, sheet=sheet)
    records, bad = [], []
    for item in items:
        (bad if isinstance(item, dict) else records).append(item)
    return header, records, bad, used


# --------------------------------------------------------------------------- mapping

def map_columns(header: list[str], overrides: dict[str, str] | None, source: str) -> dict[str, int]:
    """Index of each canonical field in ``header``; raises a clear error when one is missing."""
    overrides = overrides or {}
    positions: dict[str, int] = {}
    keys = [_header_key(h) for h in header]
    for canonical in CANONICAL_FIELDS:
        wanted = overrides.get(canonical)
        if wanted:
            if wanted in header:
                positions[canonical] = header.index(wanted)
            elif _header_key(wanted) in keys:
                positions[canonical] = keys.index(_header_key(wanted))
            else:
                raise InputError(
                    f"{source}: 列 '{wanted}' ({canonical}) がありません。利用できる列: {', '.join(header)}"
                )
            continue
        for alias in HEADER_ALIASES[canonical]:
            if alias in keys and keys.index(alias) not in positions.values():
                positions[canonical] = keys.index(alias)
                break
    missing = [f for f in REQUIRED_FIELDS if f not in positions]
    if missing:
        raise InputError(
            f"{source}: 必須の列が見つかりません: {', '.join(missing)}。利用できる列: {', '.join(header)}"
            " (--column field=列名 で指定できます)"
        )
    return positions


# --------------------------------------------------------------------------- validation

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_NPS_TEXT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:点|pt|points?)?\s*$", re.IGNORECASE)


def parse_nps(value: str) -> tuple[int | None, str]:
    """An NPS score 0-10, or ``None`` and the reason it was rejected (in Japanese)."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    if not text:
        return None, "推奨度 (NPS) が空です"
    if text.rstrip("点") in _KANJI_DIGITS:
        return _KANJI_DIGITS[text.rstrip("点")], ""
    match = _NPS_TEXT.match(text)
    if not match:
        return None, f"推奨度 (NPS) '{value}' は 0〜10 の整数ではありません"
    number = float(match.group(1))
    if not number.is_integer():
        return None, f"推奨度 (NPS) '{value}' は整数ではありません"
    if not 0 <= number <= 10:
        return None, f"推奨度 (NPS) '{value}' が 0〜10 の範囲外です"
    return int(number), ""


_ERA_START = {"令和": 2018, "平成": 1988, "昭和": 1925, "R": 2018, "H": 1988}
_ERA_DATE = re.compile(r"^(令和|平成|昭和|R|H)\s*(\d{1,2}|元)\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?(.*)$")
_KANJI_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?(.*)$")
_EXCEL_EPOCH = datetime(1899, 12, 30)


_PLAIN_DATETIME = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def parse_timestamp(value: str, timezone: str) -> tuple[pd.Timestamp | None, str]:
    """A tz-aware timestamp (naive values are taken as ``timezone``), or the rejection reason.

    Accepts ISO 8601, 2026/11/24 10:00, 2026年11月24日, 令和8年11月24日 and Excel serial numbers.
    The common export form (2026/11/24 10:00, naive) takes a fast path: it is most of every
    file, and building the datetime directly is ~10x cheaper than the general parser.
    """
    plain = _PLAIN_DATETIME.fullmatch(value) if value else None
    if plain:
        try:
            parts = [int(p) if p else 0 for p in plain.groups()]
            if 1990 <= parts[0] <= 2100:
                return pd.Timestamp(datetime(*parts, tzinfo=_zone(timezone))), ""
        except ValueError:
            pass  # e.g. 2026/02/30: let the general parser word the reason
    text = unicodedata.normalize("NFKC", value or "").strip()
    if not text:
        return None, "回答日時が空です"
    era = _ERA_DATE.match(text)
    if era:
        year = 1 if era.group(2) == "元" else int(era.group(2))
        text = f"{_ERA_START[era.group(1)] + year}-{era.group(3)}-{era.group(4)}{era.group(5)}"
    kanji = _KANJI_DATE.match(text)
    if kanji:
        text = f"{kanji.group(1)}-{kanji.group(2)}-{kanji.group(3)}{kanji.group(4)}"
    text = text.replace("時", ":").replace("分", "").strip()
    if re.fullmatch(r"\d{5}(?:\.\d+)?", text):
        serial = float(text)
        if not 20000 <= serial <= 80000:
            return None, f"回答日時 '{value}' を日付として解釈できません"
        # A serial is a float: 10:00 comes back as 09:59:59.999999; Excel keeps milliseconds.
        stamp = pd.Timestamp(_EXCEL_EPOCH + timedelta(days=serial)).round("ms")
    else:
        if not re.search(r"\d{4}|\d{1,2}[/-]\d{1,2}[/-]\d{2,4}", text):
            return None, f"回答日時 '{value}' を日付として解釈できません"
        try:
            stamp = pd.Timestamp(text.replace("/", "-"))
        except (ValueError, TypeError, OverflowError):
            return None, f"回答日時 '{value}' を日付として解釈できません"
    if pd.isna(stamp):
        return None, f"回答日時 '{value}' を日付として解釈できません"
    if not 1990 <= stamp.year <= 2100:
        return None, f"回答日時 '{value}' の年 ({stamp.year}) があり得ない値です"
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(timezone)
    return stamp.tz_convert(timezone), ""


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def content_hash(comment: str, nps: int, submitted_at: pd.Timestamp, segments: str) -> str:
    """Hash of everything analysis depends on: a changed value means reprocess the response."""
    joined = "\x1f".join((comment, str(nps), submitted_at.isoformat(), segments))
    return hashlib.blake2b(joined.encode("utf-8"), digest_size=16).hexdigest()


def _q(source: str, row: int, column: str, value: str, reason: str) -> dict:
    """A quarantine record.  The offending value is kept (so a person can fix the source) but
    cut to 200 characters and PII-masked: a ragged row's value holds its whole comment."""
    from vocpipe.text.pii import mask_pii

    value = mask_pii(unicodedata.normalize("NFKC", (value or "")[:400]))[:200]
    return {"source_file": source, "source_row": row, "column_name": column, "value": value, "reason": reason}


# Comments longer than this are cut before normalisation (a pasted log or a 1 MB rant would
# otherwise dominate tokenising and the report).  The cut is recorded, not silent: the stored
# ``comment_chars`` keeps the length of the raw comment, so ``comment_chars > MAX_COMMENT_CHARS``
# marks every shortened response.
MAX_COMMENT_CHARS = 20_000
ACCEPTED_COLUMNS = ("response_id", "submitted_at", "nps", "comment", "comment_chars", "segments", "content_hash", "source_row")


def load_responses(
    path: str | Path,
    *,
    columns: dict[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    timezone: str = "Asia/Tokyo",
    mask_pii: bool = True,
) -> LoadResult:
    """Read, map and validate one source file in one piece.

    Returns the accepted rows as a DataFrame with columns ``response_id``, ``submitted_at``,
    ``nps``, ``comment`` (normalised and PII-masked), ``comment_chars`` (length of the raw
    comment), ``segments`` (JSON object of the other columns), ``content_hash``,
    ``source_file`` and ``source_row``; and the rejected rows with a reason each.

    A comment longer than :data:`MAX_COMMENT_CHARS` is stored cut to that many characters (before
    normalisation); ``comment_chars`` is then larger than ``MAX_COMMENT_CHARS`` and tells how
    much the respondent wrote.  For large files use :func:`iter_response_blocks`.
    """
    blocks = iter_response_blocks(path, columns=columns, encoding=encoding, sheet=sheet, timezone=timezone,
                                  mask_pii=mask_pii, block_rows=None)
    return next(blocks)


def iter_response_blocks(
    path: str | Path,
    *,
    columns: dict[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    timezone: str = "Asia/Tokyo",
    mask_pii: bool = True,
    block_rows: int | None = 50_000,
    workers: int = 1,
):
    """Yield :class:`LoadResult` blocks of at most ``block_rows`` records (all in one block when
    None), so memory stays flat however long the export is.

    With ``workers > 1`` and more than one block, blocks are validated by that many worker
    processes (normalising, masking and hashing is nearly all of ingest's time, and each row is
    judged on its own) while this process reads the file and stores what comes back; blocks
    are still yielded in file order.

    A response id repeated across blocks keeps the last row, as within a block: the later block
    replaces the stored row (upsert) and the earlier row is quarantined in the later block, whose
    ``rows_stored`` is one lower to keep the sum right.  Over all blocks,
    ``sum(rows_read) == sum(rows_stored) + sum(rows_quarantined)`` (checked on the last block).
    """
    path = Path(path)
    source = str(path)
    header, items, used_encoding = iter_records(path, encoding=encoding, sheet=sheet)
    positions = map_columns(header, columns, source)
    validate = BlockValidator(
        source=source, header=header, positions=positions,
        header_names={f: header[i] for f, i in positions.items()},
        segment_positions=[(i, str(name).strip()) for i, name in enumerate(header)
                           if i not in positions.values() and str(name).strip() and not str(name).startswith("Unnamed")],
        timezone=timezone, mask_pii=mask_pii)
    first_row_of: dict[str, int] = {}  # id -> source row of its accepted row in earlier blocks
    totals = {"read": 0, "stored": 0, "quarantined": 0}
    for result in _map_in_order(validate, _cut_blocks(items, block_rows), workers):
        validate.supersede_earlier(result, first_row_of)
        result.encoding = used_encoding
        for key, value in (("read", result.rows_read), ("stored", result.rows_stored), ("quarantined", result.rows_quarantined)):
            totals[key] += value
        yield result
    if totals["read"] != totals["stored"] + totals["quarantined"]:
        raise AssertionError(f"row accounting broken for {source}: {totals}")
    if totals["read"] == 0:  # an empty body still yields one (empty) result
        result = validate([])
        result.encoding = used_encoding
        yield result


def _cut_blocks(items, block_rows: int | None):
    """Lists of at most ``block_rows`` items (one list of all when None)."""
    items = iter(items)
    while block := list(itertools.islice(items, block_rows)):
        yield block


def _map_in_order(function, blocks, workers: int):
    """``map(function, blocks)``, on ``workers`` processes when there is more than one block.

    At most ``workers + 1`` blocks are in flight, so memory does not grow with the file; the
    processes only import the ingest code (no models) and stop when the last block is done.
    In a daemonic process (a Dask worker running the load task), which may not start children,
    blocks are validated in turn.
    """
    import multiprocessing
    import os

    blocks = iter(blocks)
    head = list(itertools.islice(blocks, 2))
    if workers <= 1 or len(head) < 2 or multiprocessing.current_process().daemon:
        yield from map(function, itertools.chain(head, blocks))
        return
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn" if os.name != "posix" else "forkserver")
    pool = ProcessPoolExecutor(workers, mp_context=context)
    try:
        in_flight: deque = deque()
        for block in itertools.chain(head, blocks):
            in_flight.append(pool.submit(function, block))
            if len(in_flight) > workers:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()
    finally:
        pool.shutdown(cancel_futures=True)


@dataclass
class BlockValidator:
    """The rules that turn one block of records into accepted and quarantined rows.

    Holds only what every block shares (the column layout, time zone, masking), so it pickles
    small and a block is validated the same way in any process; the one rule that needs
    earlier blocks, a response id repeated across blocks, is :meth:`supersede_earlier`, applied
    in file order by the process that reads the file.
    """

    source: str
    header: list[str]
    positions: dict[str, int]
    header_names: dict[str, str]
    segment_positions: list[tuple[int, str]]
    timezone: str
    mask_pii: bool

    def __call__(self, block: list) -> LoadResult:
        """Validate records of one block into accepted columns and quarantine rows (see the
        module docstring for the rules)."""
        from vocpipe.text.normalize import mojibake_score, normalize_comment

        source, header, positions, header_names = self.source, self.header, self.positions, self.header_names
        quarantined = [item for item in block if isinstance(item, dict)]
        records = [item for item in block if not isinstance(item, dict)]
        rows_read = len(block)
        block.clear()
        # Accepted rows go into column lists (not a dict per row) and each record is released once
        # read: a block's memory is its columns.
        accepted = {name: [] for name in ACCEPTED_COLUMNS}
        position_of: dict[str, int] = {}
        superseded: list[int] = []
        records.reverse()
        while records:
            row_number, cells = records.pop()
            if len(cells) != len(header):
                reason = f"列の数が合いません (ヘッダー {len(header)} 列、この行 {len(cells)} 列)"
                last_line = row_number + sum(c.count("\n") for c in cells)
                if len(cells) < len(header) and last_line > row_number:
                    # An opening quote that is never closed swallows the following lines into one field.
                    reason += f"。引用符 (\") が閉じられておらず {row_number}〜{last_line} 行目が 1 行として読まれた可能性があります"
                quarantined.append(_q(source, row_number, "", ",".join(cells)[:200], reason))
                continue
            if cells == header:
                quarantined.append(_q(source, row_number, "", ",".join(cells)[:200], "ヘッダー行が繰り返されています (複数のファイルを連結した可能性があります)"))
                continue
            response_id = unicodedata.normalize("NFKC", cells[positions["response_id"]]).strip()
            if not response_id:
                quarantined.append(_q(source, row_number, header_names["response_id"], "", "回答IDが空です"))
                continue
            nps, reason = parse_nps(cells[positions["nps"]])
            if nps is None:
                quarantined.append(_q(source, row_number, header_names["nps"], cells[positions["nps"]], reason))
                continue
            stamp, reason = parse_timestamp(cells[positions["submitted_at"]], self.timezone)
            if stamp is None:
                quarantined.append(_q(source, row_number, header_names["submitted_at"], cells[positions["submitted_at"]], reason))
                continue
            raw_comment = cells[positions["comment"]]
            comment = normalize_comment(raw_comment[:MAX_COMMENT_CHARS], mask=self.mask_pii)
            # Short comments are judged only by U+FFFD: a few rare kanji (綺麗) are not mojibake.
            if mojibake_score(comment) > 0.3 and (len(comment) >= 8 or "\ufffd" in comment):
                quarantined.append(_q(source, row_number, header_names["comment"], comment[:50], "自由記述が文字化けしています (文字コードの異なるファイルが混在している可能性があります)"))
                continue
            segments = json.dumps(
                {name: unicodedata.normalize("NFKC", cells[i]).strip() for i, name in self.segment_positions},
                ensure_ascii=False, sort_keys=True,
            )
            previous = position_of.get(response_id)
            if previous is not None:
                quarantined.append(_q(source, accepted["source_row"][previous], header_names["response_id"], response_id,
                                      _duplicate_reason(response_id, row_number)))
                superseded.append(previous)
            position_of[response_id] = len(accepted["response_id"])
            for name, value in (("response_id", response_id), ("submitted_at", stamp.value), ("nps", nps),
                                ("comment", comment), ("comment_chars", len(raw_comment)), ("segments", segments),
                                ("content_hash", content_hash(comment, nps, stamp, segments)), ("source_row", row_number)):
                accepted[name].append(value)
        responses = pd.DataFrame(accepted)
        if superseded:
            responses = responses.drop(index=superseded).reset_index(drop=True)
        responses["submitted_at"] = pd.to_datetime(responses["submitted_at"].astype("int64"), unit="ns", utc=True).dt.tz_convert(self.timezone)
        responses["nps"] = responses["nps"].astype("int64")
        responses.insert(7, "source_file", source)
        quarantine = pd.DataFrame(quarantined, columns=QUARANTINE_COLUMNS)
        return LoadResult(source, responses, quarantine, rows_read, header_names)

    def supersede_earlier(self, result: LoadResult, first_row_of: dict[str, int]) -> None:
        """Quarantine the earlier blocks' rows of ids this block repeats (the later row is kept,
        as within a block), and remember this block's accepted rows for the blocks after it."""
        ids, rows = result.responses["response_id"].tolist(), result.responses["source_row"].tolist()
        repeated = [(rid, row) for rid, row in zip(ids, rows) if rid in first_row_of]
        if repeated:
            earlier = pd.DataFrame([_q(self.source, first_row_of[rid], self.header_names["response_id"], rid,
                                       _duplicate_reason(rid, row)) for rid, row in repeated], columns=QUARANTINE_COLUMNS)
            result.quarantine = pd.concat([result.quarantine, earlier], ignore_index=True) if len(result.quarantine) else earlier
            result.superseded_earlier = len(repeated)
        first_row_of.update(zip(ids, rows))


def _duplicate_reason(response_id: str, kept_row: int) -> str:
    return f"回答ID '{response_id}' が {kept_row} 行目と重複しています (後の行を採用)"
