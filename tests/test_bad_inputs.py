"""The nasty-input corpus (tests/data/bad_inputs): every row is stored or quarantined with a reason.

Each file is described in tests/data/bad_inputs/README.md and written by make_bad_inputs.py.
Reasons are matched on a stable part of the Japanese text; row numbers are the line where a CSV
record starts (the sheet row for xlsx).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest

from vocpipe import store
from vocpipe.errors import InputError
from vocpipe.ingest import MAX_COMMENT_CHARS, LoadResult, load_responses
from vocpipe.text.normalize import normalize_comment

BAD = Path(__file__).resolve().parent / "data" / "bad_inputs"

READABLE = [
    "mojibake_utf8_read_as_cp932.csv", "mojibake_cp932_read_as_utf8.csv", "mixed_cp932_with_one_utf8_line.csv",
    "utf8_with_damaged_lines.csv",
    "nul_bytes.csv", "utf8_bom_two_exports_concatenated.csv", "ragged_rows.csv", "quotes_and_newlines.csv",
    "excel_title_merged_blank_rows.xlsx", "csv_title_rows_above_header.csv", "duplicate_ids.csv", "nps_variants.csv",
    "date_variants.csv", "huge_comment_1mb.csv", "html_and_sql_in_comments.csv", "emoji_only_comments.csv",
    "header_only.csv", "tab_separated.tsv", "broken_lines.jsonl", "utf16le_bom_excel_unicode_text.txt", "utf16le_no_bom.csv",
]
UNREADABLE = {
    "empty.csv": "空のファイル",
    "bom_only.csv": "空のファイル",
    "excel_saved_with_csv_extension.csv": "Excel (xlsx)",
    "csv_renamed_to.xlsx": "Excel ファイルとして読めません",
    # Excel's re-save turns 回答日時 into 回答日晁E (lost bytes that happen to be valid UTF-8 again).
    "utf8_resaved_as_cp932_by_excel.csv": "必須の列が見つかりません: submitted_at",
}

MOJIBAKE = "文字化けしています"
UNDECODABLE = "文字コードを判別できない"
RAGGED = "列の数が合いません"
NOT_INTEGER = "整数ではありません"
OUT_OF_RANGE = "範囲外です"
NOT_A_DATE = "日付として解釈できません"


def load(name: str) -> LoadResult:
    return load_responses(BAD / name)


def stored(result: LoadResult) -> dict[str, int]:
    """response_id -> source row of every stored response."""
    return dict(zip(result.responses["response_id"], result.responses["source_row"]))


def comments(result: LoadResult) -> dict[str, str]:
    return dict(zip(result.responses["response_id"], result.responses["comment"]))


def assert_quarantined(result: LoadResult, expected: dict[int, tuple[str, str]]) -> None:
    """Exactly these rows are quarantined: row -> (column, stable part of the reason)."""
    got = {q.source_row: (q.column_name, q.reason) for q in result.quarantine.itertuples()}
    assert sorted(got) == sorted(expected), got
    for row, (column, part) in expected.items():
        assert got[row][0] == column, (row, got[row])
        assert part in got[row][1], (row, got[row])


def tokyo(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="Asia/Tokyo")


# --------------------------------------------------------------------------- whole corpus

def test_every_corpus_file_is_covered_by_these_tests():
    on_disk = {p.name for p in BAD.iterdir()} - {"make_bad_inputs.py", "README.md", "__pycache__"}
    assert on_disk == set(READABLE) | set(UNREADABLE)


@pytest.mark.parametrize("name", READABLE)
def test_every_row_read_is_stored_or_quarantined_with_file_row_and_reason(name):
    result = load(name)
    assert result.rows_read == result.rows_stored + result.rows_quarantined
    assert set(result.quarantine["source_file"]) <= {str(BAD / name)}
    assert all(reason.strip() for reason in result.quarantine["reason"])
    assert all(row >= 1 for row in result.quarantine["source_row"])
    assert result.responses["response_id"].is_unique


@pytest.mark.parametrize("name, message", UNREADABLE.items())
def test_files_that_cannot_be_read_raise_input_error_naming_the_file(name, message):
    with pytest.raises(InputError) as caught:
        load(name)
    text = str(caught.value)
    assert name in text and message in text and "\n" not in text


def test_committed_corpus_matches_its_generator():
    spec = importlib.util.spec_from_file_location("make_bad_inputs", BAD / "make_bad_inputs.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    for name, (make, _nasty, _expected) in generator.CASES.items():
        if name.endswith(".xlsx") or name == "excel_saved_with_csv_extension.csv":
            continue  # zip bytes depend on the zlib build; the workbook content is tested below
        assert (BAD / name).read_bytes() == make(), name
    assert set(generator.CASES) == set(READABLE) | set(UNREADABLE)


# --------------------------------------------------------------------------- encodings

def test_repairable_mojibake_is_stored_repaired_and_lossy_mojibake_is_quarantined():
    result = load("mojibake_utf8_read_as_cp932.csv")
    assert comments(result) == {
        "M001": "スタッフの方がとても親切でした。",
        "M002": "説明が丁寧で助かりました",
        "M003": "便利",
        "M004": "値段が高い",
        "M007": "お店が綺麗で、蕎麦も美味しかった",
        "M008": "綺麗",
    }
    # 縺ゅｊ縺後→縺・… lost bytes: re-encoding would give ありがとぁEござぁE…, so it is not "repaired".
    assert_quarantined(result, {6: ("自由記述", MOJIBAKE), 7: ("自由記述", MOJIBAKE)})


def test_comments_of_replacement_characters_are_quarantined_even_when_short():
    result = load("mojibake_cp932_read_as_utf8.csv")
    assert list(stored(result)) == ["R001"]
    assert_quarantined(result, {3: ("自由記述", MOJIBAKE), 4: ("自由記述", MOJIBAKE)})  # 4: 最悪 -> 3 characters


def test_cp932_file_with_an_appended_utf8_line_is_decoded_line_by_line():
    result = load("mixed_cp932_with_one_utf8_line.csv")
    assert result.encoding == "cp932+utf-8"
    assert comments(result) == {
        "C101": "接客が丁寧でした",
        "C102": "品揃えは普通です",
        "C103": "アプリから予約できて便利でした",
        "C104": "1駐車場が広い 2店員さんが親切",
        "C106": "また来ます",
        "C107": "綺麗",  # a CP932 line with a rare kanji is not taken for mojibake
    }
    segments = dict(zip(result.responses["response_id"], result.responses["segments"]))
    assert json.loads(segments["C103"]) == {"チャネル": "アプリ"}


def test_a_line_cut_in_the_middle_of_a_character_is_quarantined_not_the_whole_file():
    result = load("mixed_cp932_with_one_utf8_line.csv")
    assert_quarantined(result, {6: ("", UNDECODABLE)})
    assert "C105" in result.quarantine.loc[0, "value"]


def test_utf8_lines_damaged_into_cp932_mojibake_are_quarantined_not_stored():
    result = load("utf8_with_damaged_lines.csv")
    assert result.encoding == "utf-8"  # a BOM, then broken lines: decoded line by line, not rejected
    assert result.column_mapping["response_id"] == "回答ID"
    assert comments(result) == {"W001": "説明が丁寧で助かりました", "W002": "配送が遅い", "W005": "便利"}
    # W003 (良い,店舗 re-saved by Excel) reads as CP932 濶ｯ縺・,蠎苓・・; W004 is cut inside く.
    assert_quarantined(result, {4: ("", UNDECODABLE), 5: ("", UNDECODABLE)})


def test_nul_bytes_are_dropped_and_the_file_is_not_taken_for_utf16():
    result = load("nul_bytes.csv")
    assert result.encoding == "utf-8"
    assert comments(result) == {"N001": "配送が早かったです", "N002": "梱包が丁寧", "N003": "また頼みます"}
    assert result.rows_quarantined == 0


def test_concatenated_bom_exports_quarantine_the_repeated_header():
    result = load("utf8_bom_two_exports_concatenated.csv")
    assert result.encoding == "utf-8-sig"
    assert stored(result) == {"B001": 2, "B002": 3, "B003": 5, "B004": 6}
    assert_quarantined(result, {4: ("", "ヘッダー行が繰り返されています")})


@pytest.mark.parametrize("name, encoding", [("utf16le_bom_excel_unicode_text.txt", "utf-16"), ("utf16le_no_bom.csv", "utf-16-le")])
def test_utf16_exports_are_read_with_or_without_bom(name, encoding):
    result = load(name)
    assert result.encoding == encoding
    assert comments(result) == {"U001": "アプリが使いやすい", "U002": "量は多いけど\n味が薄い", "U003": "最高です!"}
    assert stored(result) == {"U001": 2, "U002": 3, "U003": 5}
    assert list(result.responses["nps"]) == [9, 6, 10]


def test_tab_separated_file_is_split_at_tabs_and_keeps_commas_in_comments():
    result = load("tab_separated.tsv")
    assert comments(result) == {"S001": "安い, 早い, うまい", "S002": "普通", "S003": "タブ区切りでも読める"}


# --------------------------------------------------------------------------- CSV structure

def test_ragged_rows_are_quarantined_with_both_column_counts():
    result = load("ragged_rows.csv")
    assert stored(result) == {"G001": 2, "G005": 7}
    assert_quarantined(result, {
        3: ("", "ヘッダー 5 列、この行 4 列"),
        4: ("", "ヘッダー 5 列、この行 6 列"),
        5: ("", RAGGED),  # a trailing comma is one field too many
        6: ("回答ID", "回答IDが空です"),  # ,,,, is a row, not a blank line
    })


def test_quoted_commas_quotes_and_line_breaks_survive():
    result = load("quotes_and_newlines.csv")
    assert comments(result) == {
        "Q001": "価格は安い、でも「送料」が高い, と思う",
        "Q002": '店員さんに "また来てね" と言われて嬉しかった',
        "Q003": "良い点:接客\n悪い点:待ち時間\n要望:予約制にしてほしい",
        "Q004": "",
        "Q005": 'サイズが5"で思ったより小さい',
    }
    assert stored(result)["Q003"] == 4 and stored(result)["Q004"] == 7  # rows are the line a record starts on


def test_unclosed_quote_is_quarantined_at_its_first_line_with_the_lines_it_swallowed():
    result = load("quotes_and_newlines.csv")
    assert_quarantined(result, {9: ("", "引用符 (\") が閉じられておらず 9〜11 行目")})
    assert "Q007" in result.quarantine.loc[0, "value"]


def test_title_rows_above_a_csv_header_are_skipped():
    result = load("csv_title_rows_above_header.csv")
    assert result.encoding == "cp932"
    assert result.column_mapping["comment"] == "自由記述"
    assert stored(result) == {"T001": 5}
    assert_quarantined(result, {6: ("推奨度", "'N/A'")})


def test_header_only_file_loads_nothing_without_error():
    result = load("header_only.csv")
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (0, 0, 0)


def test_jsonl_broken_lines_are_quarantined_and_a_cp932_line_is_still_read():
    result = load("broken_lines.jsonl")
    assert comments(result) == {"J001": "レジの対応が早くて助かりました", "J002": "", "J005": "店員さんが親切でした"}
    assert stored(result)["J002"] == 2 and result.responses.set_index("response_id").loc["J002", "nps"] == 10
    assert_quarantined(result, {
        3: ("", "JSON として読めない行です"),
        5: ("", "JSON として読めない行です"),
        7: ("", UNDECODABLE),
        8: ("nps", NOT_INTEGER),
    })


# --------------------------------------------------------------------------- Excel

def test_excel_with_title_blank_rows_and_merged_cells_uses_what_excel_shows():
    result = load("excel_title_merged_blank_rows.xlsx")
    assert stored(result) == {"X001": 5, "X003": 7, "X004": 9, "X005": 10}
    by_id = result.responses.set_index("response_id")
    # X003's date and channel are the merged cells B5:B7 and E5:E7.
    assert by_id.loc["X003", "submitted_at"] == tokyo("2026-11-24 10:00")
    assert json.loads(by_id.loc["X003", "segments"]) == {"チャネル": "店舗"}
    assert list(by_id["nps"]) == [10, 10, 8, 10]
    assert_quarantined(result, {
        6: ("推奨度", NOT_INTEGER),        # 7.5
        11: ("推奨度", "'#N/A'"),          # a failed VLOOKUP, not an empty cell
        12: ("推奨度", OUT_OF_RANGE),      # 11
        14: ("推奨度", "推奨度 (NPS) が空です"),  # the 回答数 count row under the table
    })


def test_excel_serial_numbers_stored_as_numbers_are_dates():
    by_id = load("excel_title_merged_blank_rows.xlsx").responses.set_index("response_id")
    assert by_id.loc["X004", "submitted_at"] == tokyo("2026-11-24 00:00")
    assert by_id.loc["X005", "submitted_at"] == tokyo("2026-11-24 10:00")  # 46350.41666… is exactly 10:00


# --------------------------------------------------------------------------- values

def test_duplicate_ids_keep_the_last_valid_row_and_quarantine_the_earlier_ones():
    result = load("duplicate_ids.csv")
    assert stored(result) == {"A001": 4, "A002": 5}  # Ａ００１ and " A001 " are A001; A002's later copy is bad
    assert comments(result)["A001"] == "配送が遅い(最終)"
    assert_quarantined(result, {
        2: ("回答ID", "3 行目と重複"),
        3: ("回答ID", "4 行目と重複"),
        6: ("推奨度", "'N/A'"),
    })


def test_nps_spellings_from_japanese_exports():
    result = load("nps_variants.csv")
    assert dict(zip(result.responses["response_id"], result.responses["nps"])) == {"P001": 10, "P002": 10, "P003": 10, "P007": 0}
    assert_quarantined(result, {
        5: ("推奨度", "'N/A' は 0〜10 の整数ではありません"),
        6: ("推奨度", "'7.5' は" + NOT_INTEGER),
        7: ("推奨度", "'11' が 0〜10 の" + OUT_OF_RANGE),
        9: ("推奨度", "推奨度 (NPS) が空です"),
        10: ("推奨度", "'-1' が 0〜10 の" + OUT_OF_RANGE),
    })


def test_date_spellings_from_japanese_exports():
    result = load("date_variants.csv")
    expected = {
        "D001": "2026-11-24 00:00", "D002": "2026-11-24 10:00", "D003": "2026-11-24 00:00",
        "D004": "2026-11-24 00:00", "D005": "2026-11-24 10:00", "D006": "2026-11-24 10:00",
        "D007": "2026-11-24 10:00", "D008": "2026-11-24 00:00", "D009": "2026-11-24 10:00",
    }
    assert dict(zip(result.responses["response_id"], result.responses["submitted_at"])) == {k: tokyo(v) for k, v in expected.items()}
    assert_quarantined(result, {
        11: ("回答日時", "'2026/02/30' を" + NOT_A_DATE),
        12: ("回答日時", "'来週' を" + NOT_A_DATE),
        13: ("回答日時", "の年 (1900) があり得ない値です"),
        14: ("回答日時", "'12345' を" + NOT_A_DATE),
    })


def test_one_megabyte_comment_is_cut_and_its_original_length_recorded():
    result = load("huge_comment_1mb.csv")
    by_id = result.responses.set_index("response_id")
    raw_length = len((BAD / "huge_comment_1mb.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[3])
    assert raw_length > 300_000
    assert by_id.loc["L001", "comment_chars"] == raw_length
    assert len(by_id.loc["L001", "comment"]) <= MAX_COMMENT_CHARS
    assert by_id.loc["L001", "comment"].startswith("商品はとても良かったのですが、配送に時間がかかりすぎて困りました。")
    assert by_id.loc["L002", "comment"] == "短いコメント"


def test_emoji_only_comments_are_kept():
    assert comments(load("emoji_only_comments.csv")) == {
        "E001": "👍",
        "E002": "😀😀",  # repeats of one character are shortened to two
        "E003": "🙇\u200d♀️🙏",
        "E004": "🇯🇵❤️",
        "E005": "😡💢",
        "E006": "ココ",  # 🈁 is a compatibility character: NFKC spells it out
    }


def test_html_and_sql_in_comments_are_text_not_markup_or_statements():
    result = load("html_and_sql_in_comments.csv")
    assert result.rows_quarantined == 0
    assert comments(result) == {
        "H001": "<script>alert(1)</script>",
        "H002": "'; DROP TABLE responses; --",
        "H003": "Robert'); DROP TABLE responses;-- 店員さんは親切",
        "H004": '<img src=x onerror="alert(\'xss\')">画像が表示されない',
        "H005' OR '1'='1": "=cmd|' /C calc'!A0",
        "H006": "=1+1 と @SUM(A1) は数式ではなく文字です",
    }


# --------------------------------------------------------------------------- through the store

def load_into_store(db: Path, name: str, run_id: str = "run-1") -> LoadResult:
    result = load(name)
    with store.connect(db) as con:
        store.upsert_responses(con, result.responses, run_id)
        store.record_quarantine(con, result.quarantine, run_id)
    return result


def test_html_and_sql_are_stored_verbatim_and_every_table_survives(tmp_path):
    db = tmp_path / "voc.duckdb"
    result = load_into_store(db, "html_and_sql_in_comments.csv")
    with store.connect(db) as con:
        tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert {"responses", "quarantine", "response_segments", "clauses", "runs"} <= tables
        rows = dict(con.execute("SELECT response_id, comment FROM responses").fetchall())
        segment = con.execute(
            "SELECT value FROM response_segments WHERE response_id = ? AND name = 'チャネル'", ["H005' OR '1'='1"]
        ).fetchone()[0]
    assert rows == comments(result)
    assert rows["H002"] == "'; DROP TABLE responses; --"
    assert segment == "Web'); DELETE FROM quarantine; --"


def test_truncated_comment_keeps_its_original_length_in_the_store(tmp_path):
    db = tmp_path / "voc.duckdb"
    load_into_store(db, "huge_comment_1mb.csv")
    with store.connect(db) as con:
        chars, stored_length = con.execute(
            "SELECT comment_chars, length(comment) FROM responses WHERE response_id = 'L001'"
        ).fetchone()
    assert chars > MAX_COMMENT_CHARS >= stored_length


@pytest.mark.parametrize("name", ["mixed_cp932_with_one_utf8_line.csv", "duplicate_ids.csv", "quotes_and_newlines.csv", "broken_lines.jsonl"])
def test_store_holds_every_row_once_even_when_the_file_is_loaded_twice(tmp_path, name):
    db = tmp_path / "voc.duckdb"
    result = load_into_store(db, name, "run-1")
    load_into_store(db, name, "run-2")
    with store.connect(db) as con:
        responses = con.execute("SELECT count(*) FROM responses").fetchone()[0]
        quarantine = con.execute("SELECT source_row, reason FROM quarantine ORDER BY source_row").fetchall()
    assert responses == result.rows_stored
    assert quarantine == sorted(zip(result.quarantine["source_row"], result.quarantine["reason"]))
    assert responses + len(quarantine) == result.rows_read


def test_normalisation_of_stored_comments_is_stable():
    for name in READABLE:
        for comment in load(name).responses["comment"]:
            assert normalize_comment(comment) == comment, (name, comment[:40])
