"""Write the corpus of nasty survey exports in this folder (and its README table).

Run from anywhere: ``python tests/data/bad_inputs/make_bad_inputs.py``.  The output is
byte-for-byte deterministic (fixed timestamps inside the xlsx zips), and the generated files are
committed, so ``tests/test_bad_inputs.py`` never needs to run this script.  What each file must
produce is asserted there; ``CASES`` below is the human-readable summary of the same.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = ["回答ID", "回答日時", "推奨度", "自由記述", "チャネル"]
FIXED_TIME = (2026, 12, 1, 9, 0, 0)

# Windows tools show an undecodable byte as the middle dot; the mojibake seen in the wild.
codecs.register_error("nakaguro", lambda error: ("・", error.start + 1))


def csv_text(rows: list[list[str]], *, header: list[str] = HEADER, delimiter: str = ",") -> str:
    """CSV the way Excel writes it: CRLF line ends, quotes only where needed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def line(cells: list[str], ending: str = "\r\n") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=ending).writerow(cells)
    return buffer.getvalue()


def utf8_as_cp932(text: str) -> str:
    """UTF-8 bytes opened as CP932 (lossy bytes become ・, as Notepad/Excel show them)."""
    return text.encode("utf-8").decode("cp932", errors="nakaguro")


def resaved_by_excel(data: bytes) -> bytes:
    """UTF-8 bytes opened in Excel as CP932 and saved again as CP932 (lost bytes become ・)."""
    return data.decode("cp932", errors="nakaguro").encode("cp932")


def cp932_as_utf8(text: str) -> str:
    """CP932 bytes opened as UTF-8: what is left is mostly U+FFFD."""
    return text.encode("cp932").decode("utf-8", errors="replace")


def deterministic_xlsx(book) -> bytes:
    """Save an openpyxl workbook with fixed timestamps (zip entries and docProps/core.xml)."""
    raw = io.BytesIO()
    book.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>2026-12-01T00:00:00Z", data)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, data)
    return out.getvalue()


# --------------------------------------------------------------------------- the files

def mojibake_utf8_read_as_cp932() -> bytes:
    rows = [
        ["M001", "2026/11/24 10:00", "9", "スタッフの方がとても親切でした。", "店舗"],
        ["M002", "2026/11/24 10:05", "8", utf8_as_cp932("説明が丁寧で助かりました"), "店舗"],   # lossless: repairable
        ["M003", "2026/11/24 10:10", "7", utf8_as_cp932("便利"), "アプリ"],                        # short, lossless
        ["M004", "2026/11/24 10:15", "4", utf8_as_cp932("値段が高い"), "Web"],                     # lossless
        ["M005", "2026/11/24 10:20", "10", utf8_as_cp932("ありがとうございました"), "店舗"],       # lossy (・)
        ["M006", "2026/11/24 10:25", "9", utf8_as_cp932("店員さんの対応が良かったです"), "店舗"],  # lossy (・)
        ["M007", "2026/11/24 10:30", "9", "お店が綺麗で、蕎麦も美味しかった", "店舗"],             # rare kanji, not mojibake
        ["M008", "2026/11/24 10:35", "10", "綺麗", "店舗"],
    ]
    return csv_text(rows).encode("utf-8")


def mojibake_cp932_read_as_utf8() -> bytes:
    rows = [
        ["R001", "2026/11/24 11:00", "8", "レジの待ち時間が短くなりました", "店舗"],
        ["R002", "2026/11/24 11:05", "3", cp932_as_utf8("接客がとても丁寧で満足です"), "店舗"],
        ["R003", "2026/11/24 11:10", "0", cp932_as_utf8("最悪"), "Web"],
    ]
    return csv_text(rows).encode("utf-8")


def mixed_cp932_with_one_utf8_line() -> bytes:
    excel = csv_text([
        ["C101", "2026/11/24 09:00", "9", "接客が丁寧でした", "店舗"],
        ["C102", "2026/11/24 09:10", "6", "品揃えは普通です", "店舗"],
    ]).encode("cp932")
    # Appended later by a script on a Mac: UTF-8 and LF.
    appended = line(["C103", "2026/11/25 09:30", "8", "アプリから予約できて便利でした", "アプリ"], "\n").encode("utf-8")
    more = line(["C104", "2026/11/25 10:00", "10", "①駐車場が広い ②店員さんが親切", "店舗"]).encode("cp932")
    # A tool cut the comment at a byte limit, in the middle of い (0x82 0xA2).
    cut = "C105,2026/11/25 10:30,5,接客は丁寧でしたが待ち時間が長".encode("cp932") + b"\x82,\x93X\x95\xdc\r\n"
    last = line(["C106", "2026/11/25 11:00", "7", "また来ます", "Web"]).encode("cp932")
    rare_kanji = line(["C107", "2026/11/25 11:30", "9", "綺麗", "Web"]).encode("cp932")  # CP932, not mojibake
    return excel + appended + more + cut + last + rare_kanji


def utf8_with_damaged_lines() -> bytes:
    good = csv_text([
        ["W001", "2026/11/24 10:00", "9", "説明が丁寧で助かりました", "店舗"],
        ["W002", "2026/11/24 10:05", "3", "配送が遅い", "Web"],
    ]).encode("utf-8-sig")  # Excel's「CSV UTF-8」writes a BOM
    # One row went through Excel (opened as CP932, saved): 良い,店舗 -> 濶ｯ縺・,蠎苓・・ in CP932 bytes.
    resaved = resaved_by_excel(line(["W003", "2026/11/24 10:10", "7", "良い", "店舗"]).encode("utf-8"))
    # A tool cut the comment at a byte limit in the middle of く (E3 81 8F).
    cut = "W004,2026/11/24 10:15,4,ポイントカードの使い方がわかりに".encode("utf-8") + "く".encode("utf-8")[:2] + ",店舗\r\n".encode("utf-8")
    last = line(["W005", "2026/11/24 10:20", "8", "便利", "アプリ"]).encode("utf-8")
    return good + resaved + cut + last


def utf8_resaved_as_cp932_by_excel() -> bytes:
    return resaved_by_excel(csv_text([
        ["W001", "2026/11/24 10:00", "9", "説明が丁寧で助かりました", "店舗"],
        ["W002", "2026/11/24 10:05", "3", "配送が遅い", "Web"],
        ["W003", "2026/11/24 10:10", "8", "便利", "アプリ"],
        ["W004", "2026/11/24 10:15", "10", "ありがとうございました", "店舗"],
    ]).encode("utf-8"))


def nul_bytes() -> bytes:
    text = csv_text([
        ["N001", "2026/11/24 12:00", "8", "配送\x00が早かったです", "Web"],
        ["N\x00002", "2026/11/24 12:05", "7", "梱包が丁寧", "Web"],
    ])
    text += "\x00\x00\x00\x00\r\n"  # a line of NULs
    text += line(["N003", "2026/11/24 12:10", "9", "また頼みます", "アプリ"])
    return text.encode("utf-8") + b"\x00" * 512  # NUL padding after the last line


def utf8_bom_two_exports_concatenated() -> bytes:
    first = csv_text([
        ["B001", "2026/11/24 13:00", "9", "スタッフが親切", "店舗"],
        ["B002", "2026/11/24 13:05", "5", "普通", "Web"],
    ])
    second = csv_text([
        ["B003", "2026/11/25 13:00", "8", "清潔感がある", "店舗"],
        ["B004", "2026/11/25 13:05", "2", "電話がつながらない", "電話"],
    ])
    return first.encode("utf-8-sig") + second.encode("utf-8-sig")  # `copy /b a.csv+b.csv`


def ragged_rows() -> bytes:
    text = csv_text([["G001", "2026/11/24 14:00", "8", "良かったです", "店舗"]])
    text += "G002,2026/11/24 14:05,7,チャネルの列がない\r\n"
    text += "G003,2026/11/24 14:10,6,区切りの,が多い,Web\r\n"
    text += "G004,2026/11/24 14:15,9,末尾にカンマ,店舗,\r\n"
    text += ",,,,\r\n"
    text += "G005,2026/11/24 14:20,10,最高でした,アプリ\r\n"
    return text.encode("utf-8")


def quotes_and_newlines() -> bytes:
    text = csv_text([
        ["Q001", "2026/11/24 15:00", "8", "価格は安い、でも「送料」が高い, と思う", "Web"],
        ["Q002", "2026/11/24 15:05", "9", '店員さんに "また来てね" と言われて嬉しかった', "店舗"],
        ["Q003", "2026/11/24 15:10", "4", "良い点：接客\r\n悪い点：待ち時間\r\n要望：予約制にしてほしい", "店舗"],
        ["Q004", "2026/11/24 15:15", "7", "", "Web"],
    ])
    text += 'Q005,2026/11/24 15:20,8,サイズが5"で思ったより小さい,Web\r\n'  # stray quote inside a field
    text += 'Q006,2026/11/24 15:25,3,"閉じ引用符がないまま終わる,店舗\r\n'      # never closed
    text += "Q007,2026/11/24 15:30,9,この行は前の行に飲み込まれる,Web\r\n"
    return text.encode("utf-8")


def excel_workbook() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "回答一覧"
    sheet["A1"] = "2026年11月 顧客満足度アンケート 回答一覧"
    sheet.merge_cells("A1:E1")
    sheet["A2"] = "出力日時: 2026/12/01 09:00"
    for col, name in enumerate(HEADER, start=1):
        sheet.cell(row=4, column=col, value=name)
    rows = {
        5: ["X001", datetime(2026, 11, 24, 10, 0), 10, "接客が丁寧でした", "店舗"],
        6: ["X002", None, 7.5, "普通", None],
        7: ["X003", None, "１０", "駐車場が広くて停めやすい", None],
        9: ["X004", 46350, 8, "品揃えが豊富", "アプリ"],
        10: ["X005", 46350 + 10 / 24, "十", "スタッフの笑顔が素敵でした", "店舗"],
        11: ["X006", "令和8年11月24日", "#N/A", "値段が高い", "Web"],
        12: ["X007", "2026/11/24", 11, "また来ます", "店舗"],
        14: ["回答数", 7, None, None, None],
    }
    for row, values in rows.items():
        for col, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(row=row, column=col, value=value)
    sheet["B5"].number_format = "yyyy/mm/dd hh:mm"
    sheet.merge_cells("B5:B7")  # one date for the responses of that morning
    sheet.merge_cells("E5:E7")  # one channel
    return deterministic_xlsx(book)


def csv_title_rows_above_header() -> bytes:
    text = "2026年11月 顧客満足度アンケート 回答一覧,,,,\r\n出力日時: 2026/12/01 09:00,,,,\r\n,,,,\r\n"
    text += csv_text([
        ["T001", "2026/11/24 16:00", "8", "対応が早い", "店舗"],
        ["T002", "2026/11/24 16:05", "N/A", "特になし", "Web"],
    ])
    return text.encode("cp932")


def duplicate_ids() -> bytes:
    rows = [
        ["A001", "2026/11/24 17:00", "3", "配送が遅い", "Web"],
        ["Ａ００１", "2026/11/24 17:01", "4", "配送が遅い（再送）", "Web"],   # full-width, same id after NFKC
        [" A001 ", "2026/11/24 17:02", "5", "配送が遅い（最終）", "Web"],     # spaces around
        ["A002", "2026/11/24 17:05", "9", "丁寧でした", "店舗"],
        ["A002", "2026/11/24 17:06", "N/A", "丁寧でした", "店舗"],           # later copy is bad
    ]
    return csv_text(rows).encode("utf-8")


def nps_variants() -> bytes:
    values = ["１０", "10点", "十", "N/A", "7.5", "11", "０", "", "-1"]
    rows = [[f"P{i:03d}", "2026/11/24 18:00", v, f"推奨度「{v}」の回答です", "Web"] for i, v in enumerate(values, start=1)]
    return csv_text(rows).encode("utf-8")


def date_variants() -> bytes:
    values = [
        "2026/11/24", "2026/11/24 10:00", "令和8年11月24日", "46350", "46350.4166666667",
        "2026-11-24T10:00:00+09:00", "2026-11-24T01:00:00Z", "R8.11.24", "2026年11月24日 10時00分",
        "2026/02/30", "来週", "1900/01/01", "12345",
    ]
    rows = [[f"D{i:03d}", v, "8", "日付の書き方のテスト", "店舗"] for i, v in enumerate(values, start=1)]
    return csv_text(rows).encode("utf-8")


HUGE_SENTENCE = "商品はとても良かったのですが、配送に時間がかかりすぎて困りました。"


def huge_comment_1mb() -> bytes:
    huge = HUGE_SENTENCE * (1_000_000 // len(HUGE_SENTENCE.encode("utf-8")))
    return csv_text([
        ["L001", "2026/11/24 19:00", "2", huge, "Web"],
        ["L002", "2026/11/24 19:05", "8", "短いコメント", "店舗"],
    ]).encode("utf-8")


HTML_AND_SQL = [
    ["H001", "2026/11/24 20:00", "5", "<script>alert(1)</script>", "Web"],
    ["H002", "2026/11/24 20:05", "1", "'; DROP TABLE responses; --", "Web"],
    ["H003", "2026/11/24 20:10", "6", "Robert'); DROP TABLE responses;-- 店員さんは親切", "店舗"],
    ["H004", "2026/11/24 20:15", "7", '<img src=x onerror="alert(\'xss\')">画像が表示されない', "アプリ"],
    ["H005' OR '1'='1", "2026/11/24 20:20", "8", "=cmd|' /C calc'!A0", "Web'); DELETE FROM quarantine; --"],
    ["H006", "2026/11/24 20:25", "9", "=1+1 と @SUM(A1) は数式ではなく文字です", "<b>店舗</b>"],
]


def html_and_sql_in_comments() -> bytes:
    return csv_text(HTML_AND_SQL).encode("utf-8")


def emoji_only_comments() -> bytes:
    rows = [
        ["E001", "2026/11/24 21:00", "10", "👍", "アプリ"],
        ["E002", "2026/11/24 21:05", "9", "😀😀😀😀", "アプリ"],
        ["E003", "2026/11/24 21:10", "8", "🙇\u200d♀️🙏", "Web"],
        ["E004", "2026/11/24 21:15", "10", "🇯🇵❤️", "店舗"],
        ["E005", "2026/11/24 21:20", "2", "😡💢", "電話"],
        ["E006", "2026/11/24 21:25", "7", "🈁", "店舗"],
    ]
    return csv_text(rows).encode("utf-8")


def tab_separated() -> bytes:
    return csv_text([
        ["S001", "2026/11/24 22:00", "8", "安い, 早い, うまい", "店舗"],
        ["S002", "2026/11/24 22:05", "5", "普通", "Web"],
        ["S003", "2026/11/24 22:10", "9", "タブ区切りでも読める", "アプリ"],
    ], delimiter="\t").encode("utf-8")


def broken_lines_jsonl() -> bytes:
    lines = [
        '{"response_id": "J001", "submitted_at": "2026-11-24T10:00:00+09:00", "nps": 9, "comment": "レジの対応が早くて助かりました", "channel": "店舗"}'.encode(),
        '{"response_id": "J002", "submitted_at": "2026/11/24", "nps": "１０", "comment": null, "channel": "アプリ"}'.encode(),
        '{"response_id": "J003", "submitted_at": "2026-11-24", "nps": 3, "comment": "配送が遅く'.encode(),  # cut off
        b"",
        '["J004", "2026-11-24", 8, "配列になっている行"]'.encode(),
        '{"response_id": "J005", "submitted_at": "2026-11-25", "nps": 8, "comment": "店員さんが親切でした", "channel": "店舗"}'.encode("cp932"),
        b'{"response_id": "J006", "submitted_at": "2026-11-25", "nps": 6, "comment": "\x82", "channel": "Web"}',
        '{"response_id": "J007", "submitted_at": "2026-11-25", "nps": 7.5, "comment": "まあまあ", "channel": "Web"}'.encode(),
    ]
    return b"\n".join(lines) + b"\n"


UTF16_ROWS = [
    ["U001", "2026/11/24 23:00", "9", "アプリが使いやすい", "アプリ"],
    ["U002", "2026/11/24 23:05", "6", "量は多いけど\r\n味が薄い", "店舗"],
    ["U003", "2026/11/24 23:10", "１０", "最高です！", "Web"],
]


def utf16le_bom_excel_unicode_text() -> bytes:
    return b"\xff\xfe" + csv_text(UTF16_ROWS, delimiter="\t").encode("utf-16-le")  # Excel「Unicode テキスト」


def utf16le_no_bom() -> bytes:
    return csv_text(UTF16_ROWS).encode("utf-16-le")


def header_only() -> bytes:
    return csv_text([]).encode("utf-8")


def csv_renamed_to_xlsx() -> bytes:
    return csv_text([["Z001", "2026/11/24", "8", "拡張子だけ xlsx", "Web"]]).encode("cp932")


# file name -> (bytes factory, what is nasty, what must happen)
CASES: dict[str, tuple] = {
    "mojibake_utf8_read_as_cp932.csv": (
        mojibake_utf8_read_as_cp932,
        "UTF-8 file whose comments were pasted from text that had been opened as CP932 (縺ゅｊ縺後→…); some round-trip, some lost bytes (・)",
        "6 stored (M002–M004 repaired to the original Japanese, M007/M008 with 綺/蕎 untouched); M005, M006 quarantined「文字化け」",
    ),
    "mojibake_cp932_read_as_utf8.csv": (
        mojibake_cp932_read_as_utf8,
        "CP932 comments that went through a UTF-8 decoder: U+FFFD replacement characters, one only 3 characters long",
        "R001 stored; R002 and R003 (short) quarantined「文字化け」",
    ),
    "mixed_cp932_with_one_utf8_line.csv": (
        mixed_cp932_with_one_utf8_line,
        "Excel CP932 file with one UTF-8 line (LF) appended by another tool, NEC ① characters, and a line cut in the middle of a CP932 character",
        "C101–C104, C106, C107 (綺麗, a rare kanji, is not mojibake) stored with correct text (encoding `cp932+utf-8`); C105 quarantined「文字コードを判別できない」 at line 6",
    ),
    "utf8_with_damaged_lines.csv": (
        utf8_with_damaged_lines,
        "UTF-8-with-BOM file with one row that went through Excel's CP932 save (decodes as CP932 mojibake 濶ｯ縺・,蠎苓・・) and one comment cut in the middle of a UTF-8 character",
        "W001, W002, W005 stored; W003 (line 4) and W004 (line 5) quarantined「文字コードを判別できない」, not stored as mojibake",
    ),
    "utf8_resaved_as_cp932_by_excel.csv": (
        utf8_resaved_as_cp932_by_excel,
        "a UTF-8 export opened in Excel as CP932 and saved: header and most rows are mojibake with lost bytes (蝗樒ｭ疲律譎・)",
        "InputError naming the file「必須の列が見つかりません」: the lost bytes turned 回答日時 into valid UTF-8 回答日晁E, which the error lists",
    ),
    "nul_bytes.csv": (
        nul_bytes,
        "NUL bytes inside a comment and an id, a line of NULs, 512 NULs of padding at the end",
        "3 stored (N001–N003) with the NULs removed; nothing quarantined; not mistaken for UTF-16",
    ),
    "utf8_bom_two_exports_concatenated.csv": (
        utf8_bom_two_exports_concatenated,
        "two UTF-8-with-BOM exports joined with `copy /b`: a BOM and the header again in the middle",
        "B001–B004 stored; the repeated header (line 4) quarantined「ヘッダー行が繰り返されています」",
    ),
    "ragged_rows.csv": (
        ragged_rows,
        "rows with too few fields, too many fields, a trailing comma, and an all-empty `,,,,` row",
        "G001, G005 stored; G002, G003, G004 quarantined「列の数が合いません」; `,,,,` quarantined「回答IDが空です」",
    ),
    "quotes_and_newlines.csv": (
        quotes_and_newlines,
        "quoted commas, doubled quotes, CRLF inside a quoted comment, an empty comment, a stray quote, and a quote that is never closed",
        "Q001–Q005 stored verbatim (line breaks kept); Q006 quarantined at its first line「引用符」, with Q007 inside it",
    ),
    "excel_title_merged_blank_rows.xlsx": (
        excel_workbook,
        "title merged over A1:E1, export-date row, blank rows, header on row 4, a date and a channel merged down three rows, serial dates as numbers, 7.5, 「１０」, 「十」, #N/A, a count row at the bottom",
        "X001, X003 (date and channel from the merged cells), X004, X005 (serials → 2026-11-24 00:00 / 10:00) stored; rows 6 (7.5), 11 (#N/A), 12 (11) and the 回答数 row 14 (empty 推奨度) quarantined",
    ),
    "csv_title_rows_above_header.csv": (
        csv_title_rows_above_header,
        "CP932 CSV with a title, an export date and a `,,,,` line above the header",
        "header found on line 4; T001 stored; T002 quarantined (N/A) at line 6",
    ),
    "duplicate_ids.csv": (
        duplicate_ids,
        "the same id as A001, Ａ００１ and ' A001 '; A002 twice, the later copy with a bad score",
        "A001 (last copy, line 4) and A002 (line 5) stored; lines 2, 3 quarantined「重複」; line 6 quarantined (N/A)",
    ),
    "nps_variants.csv": (
        nps_variants,
        "推奨度 written as １０, 10点, 十, N/A, 7.5, 11, ０, empty, -1",
        "P001–P003 stored as 10, P007 as 0; N/A, 7.5 「整数ではありません」, 11, -1「範囲外」, empty「空です」",
    ),
    "date_variants.csv": (
        date_variants,
        "回答日時 as 2026/11/24, 令和8年11月24日, R8.11.24, Excel serials as text (46350, 46350.4166…), ISO with +09:00 and Z, 年月日時分, 2026/02/30, 来週, 1900/01/01, 12345",
        "D001–D009 stored (all 2026-11-24 in Asia/Tokyo); D010, D011, D013「日付として解釈できません」, D012「あり得ない値」",
    ),
    "huge_comment_1mb.csv": (
        huge_comment_1mb,
        "one comment of 1 MB (≈ 330,000 characters), over csv's 128 KiB field limit",
        "both rows stored; the comment cut to MAX_COMMENT_CHARS, `comment_chars` keeps the original length",
    ),
    "html_and_sql_in_comments.csv": (
        html_and_sql_in_comments,
        "`<script>`, `onerror=`, `'; DROP TABLE responses; --`, spreadsheet formulas (`=cmd`, `@SUM`) in comments; SQL in an id and in a channel",
        "all 6 stored verbatim (text only); the store's tables are intact",
    ),
    "emoji_only_comments.csv": (
        emoji_only_comments,
        "comments that are only emoji: ZWJ sequences, flags, variation selectors, 🈁",
        "all 6 stored; 😀😀😀😀 → 😀😀 (repeat rule), 🈁 → ココ (NFKC), the rest unchanged",
    ),
    "empty.csv": (lambda: b"", "zero bytes", "InputError naming the file「空のファイル」"),
    "bom_only.csv": (lambda: b"\xef\xbb\xbf", "only a UTF-8 BOM (Excel saving an empty sheet)", "InputError naming the file「空のファイル」"),
    "header_only.csv": (header_only, "a header and no rows", "0 read, 0 stored, 0 quarantined, no error"),
    "tab_separated.tsv": (tab_separated, "tab-separated, a comment with commas", "S001–S003 stored, commas kept in the comment"),
    "broken_lines.jsonl": (
        broken_lines_jsonl,
        "JSONL with a cut-off line, a blank line, an array line, a CP932 line, a line with an undecodable byte, nps 7.5, null comment",
        "J001, J002 (nps「１０」, empty comment), J005 (decoded as CP932) stored; J003, J004「JSON として読めない」, J006「文字コード」, J007「整数ではありません」 quarantined",
    ),
    "utf16le_bom_excel_unicode_text.txt": (
        utf16le_bom_excel_unicode_text,
        "Excel「Unicode テキスト」: UTF-16LE with BOM, tab-separated, a quoted line break",
        "U001–U003 stored",
    ),
    "utf16le_no_bom.csv": (utf16le_no_bom, "UTF-16LE without a BOM, comma-separated (database/BI exports)", "U001–U003 stored"),
    "excel_saved_with_csv_extension.csv": (
        excel_workbook,
        "an .xlsx workbook renamed to .csv",
        "InputError naming the file「Excel (xlsx)」",
    ),
    "csv_renamed_to.xlsx": (csv_renamed_to_xlsx, "a CP932 CSV renamed to .xlsx", "InputError naming the file「Excel ファイルとして読めません」"),
}


README_HEAD = """# Nasty survey exports

Generated by `make_bad_inputs.py` (deterministic; the files are committed so the tests do not
run it).  `tests/test_bad_inputs.py` asserts, for every file, exactly which rows are stored and
which are quarantined with which reason, that `rows_read == rows_stored + rows_quarantined`, and
that unreadable files raise `InputError` naming the file.  Row numbers are the line where a CSV
record starts (the Excel row for xlsx); rows above the header (titles, blank lines) are not
responses and are not counted.

| File | What is nasty | What must happen |
|---|---|---|
"""


def main() -> None:
    rows = []
    for name, (make, nasty, expected) in CASES.items():
        (HERE / name).write_bytes(make())
        rows.append(f"| `{name}` | {nasty} | {expected} |")
    (HERE / "README.md").write_text(README_HEAD + "\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
