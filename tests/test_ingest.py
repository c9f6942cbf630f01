"""Ingestion: encodings, Japanese headers, validation rules and the row-accounting invariant."""

import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from vocpipe.errors import InputError
from vocpipe.ingest import load_responses, parse_nps, parse_timestamp


def test_cp932_file_from_excel_is_detected_and_read(survey_csv):
    path = survey_csv([["A1", "2026/11/24 10:00", "9", "接客が丁寧でした", "店舗"]], encoding="cp932")
    result = load_responses(path)
    assert result.encoding == "cp932"
    assert result.responses.loc[0, "comment"] == "接客が丁寧でした"


def test_utf8_with_bom_is_read(survey_csv):
    path = survey_csv([["A1", "2026-11-24", "3", "配送が遅い", "Web"]], encoding="utf-8-sig")
    result = load_responses(path)
    assert result.encoding == "utf-8-sig"
    assert list(result.responses["response_id"]) == ["A1"]


def test_extra_columns_become_segments(survey_csv):
    result = load_responses(survey_csv([["A1", "2026-11-24", "8", "普通", "アプリ"]]))
    assert json.loads(result.responses.loc[0, "segments"]) == {"チャネル": "アプリ"}


def test_timestamps_are_tz_aware_in_tokyo(survey_csv):
    result = load_responses(survey_csv([["A1", "2026/11/24 10:00", "8", "普通", "Web"]]))
    stamp = result.responses.loc[0, "submitted_at"]
    assert str(stamp.tz) == "Asia/Tokyo" and stamp.hour == 10


@pytest.mark.parametrize("value, expected", [("10", 10), ("１０", 10), ("10点", 10), ("０", 0), ("7", 7), ("十", 10), ("10.0", 10)])
def test_valid_nps_values(value, expected):
    assert parse_nps(value) == (expected, "")


@pytest.mark.parametrize("value, reason_part", [("11", "範囲外"), ("-1", "範囲外"), ("N/A", "整数ではありません"), ("7.5", "整数ではありません"), ("", "空です")])
def test_invalid_nps_values_are_rejected_with_a_reason(value, reason_part):
    score, reason = parse_nps(value)
    assert score is None and reason_part in reason


@pytest.mark.parametrize("value, date", [
    ("2026/11/24", "2026-11-24"), ("2026-11-24T10:00:00+09:00", "2026-11-24"), ("令和8年11月24日", "2026-11-24"),
    ("2026年11月24日 10時30分", "2026-11-24"), ("46350", "2026-11-24"),
])
def test_date_formats_from_survey_tools(value, date):
    stamp, reason = parse_timestamp(value, "Asia/Tokyo")
    assert reason == "" and str(stamp.date()) == date


def test_unparseable_date_is_rejected():
    stamp, reason = parse_timestamp("来週", "Asia/Tokyo")
    assert stamp is None and "日付として解釈できません" in reason


def test_bad_rows_are_quarantined_with_file_row_column_and_reason(survey_csv):
    path = survey_csv([
        ["A1", "2026/11/24", "9", "満足です", "店舗"],
        ["A2", "2026/11/24", "N/A", "わからない", "店舗"],
        ["", "2026/11/24", "5", "IDなし", "Web"],
        ["A3", "いつか", "5", "日付なし", "Web"],
    ])
    result = load_responses(path)
    q = result.quarantine.set_index("source_row")
    assert list(result.responses["response_id"]) == ["A1"]
    assert q.loc[3, "column_name"] == "推奨度" and "N/A" in q.loc[3, "reason"]
    assert q.loc[4, "reason"] == "回答IDが空です"
    assert q.loc[5, "column_name"] == "回答日時"
    assert set(q["source_file"]) == {str(path)}


def test_duplicate_ids_keep_the_last_row_and_quarantine_the_earlier(survey_csv):
    result = load_responses(survey_csv([
        ["A1", "2026/11/24", "3", "遅い", "Web"],
        ["A1", "2026/11/25", "6", "やっぱり遅い", "Web"],
    ]))
    assert result.responses.loc[0, "comment"] == "やっぱり遅い"
    assert result.quarantine.loc[0, "source_row"] == 2
    assert "重複" in result.quarantine.loc[0, "reason"]


def test_ragged_row_is_quarantined_not_dropped(survey_csv):
    result = load_responses(survey_csv([["A1", "2026/11/24", "9", "良い", "Web", "余分な列"], ["A2", "2026/11/24", "9", "良い", "Web"]]))
    assert result.rows_read == 2 and result.rows_stored == 1
    assert "列の数が合いません" in result.quarantine.loc[0, "reason"]


def test_empty_comment_is_kept(survey_csv):
    result = load_responses(survey_csv([["A1", "2026/11/24", "8", "", "Web"]]))
    assert result.responses.loc[0, "comment"] == ""


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="ファイルが見つかりません"):
        load_responses(tmp_path / "nothing.csv")


def test_unknown_mapped_column_names_the_file_and_column(survey_csv):
    path = survey_csv([["A1", "2026/11/24", "8", "普通", "Web"]])
    with pytest.raises(InputError, match="列 'ご感想'"):
        load_responses(path, columns={"comment": "ご感想"})


def test_missing_required_column_lists_available_columns(survey_csv):
    path = survey_csv([["A1", "2026/11/24", "8"]], header=["回答ID", "回答日時", "推奨度"])
    with pytest.raises(InputError, match="comment"):
        load_responses(path)


def test_undecodable_bytes_are_a_clear_error(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(b"\x81\x00\xff\xfe\xfd" * 10 + "回答ID".encode("utf-16-le"))
    with pytest.raises(InputError, match="broken.csv"):
        load_responses(path, encoding="ascii")


def test_column_mapping_override_uses_other_headers(survey_csv):
    path = survey_csv([["X9", "2026/11/24", "4", "高い", "Web"]], header=["番号", "日時", "評価", "感想", "チャネル"])
    result = load_responses(path, columns={"response_id": "番号", "nps": "評価", "comment": "感想"})
    assert result.responses.loc[0, "nps"] == 4


def test_xlsx_with_a_title_row_above_the_header(tmp_path):
    path = tmp_path / "export.xlsx"
    frame = pd.DataFrame([["2026年11月 顧客アンケート", None, None, None], [None, None, None, None],
                          ["回答ID", "回答日時", "推奨度", "自由記述"], ["A1", "2026/11/24", 10, "最高です"]])
    frame.to_excel(path, header=False, index=False)
    result = load_responses(path)
    assert result.rows_stored == 1 and result.responses.loc[0, "nps"] == 10


def test_jsonl_and_parquet_sources(tmp_path):
    rows = [{"response_id": "J1", "submitted_at": "2026-11-24", "nps": 9, "comment": "良い"}]
    jsonl = tmp_path / "s.jsonl"
    jsonl.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{broken\n", encoding="utf-8")
    result = load_responses(jsonl)
    assert result.rows_stored == 1 and result.rows_quarantined == 1
    parquet = tmp_path / "s.parquet"
    pd.DataFrame(rows).to_parquet(parquet)
    assert load_responses(parquet).rows_stored == 1


cell = st.one_of(st.text(max_size=12), st.sampled_from(["10", "１０", "N/A", "7.5", "11", "2026/11/24", "A1", "", "令和8年11月24日"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cell, min_size=3, max_size=6), max_size=15))
def test_rows_read_always_equal_rows_stored_plus_quarantined(survey_csv, rows):
    clean = [[c.replace("\x00", "").replace("\r", "") for c in r] for r in rows]
    result = load_responses(survey_csv(clean, name="random.csv"))
    assert result.rows_read == result.rows_stored + result.rows_quarantined


def test_quarantined_values_are_pii_masked(survey_csv):
    result = load_responses(survey_csv([["A1", "2026/11/24", "9", "電話は090-1234-5678です", "Web", "余分"]]))
    assert "<PHONE>" in result.quarantine.loc[0, "value"] and "5678" not in result.quarantine.loc[0, "value"]


def test_reading_in_blocks_stores_the_same_rows_and_keeps_the_last_duplicate(survey_csv):
    from vocpipe.ingest import iter_response_blocks

    rows = [[f"A{i}", "2026/11/24", str(i % 11), f"コメント{i}", "Web"] for i in range(7)]
    rows.append(["A1", "2026/11/25", "2", "やっぱり遅い", "Web"])  # repeats an id from the first block
    rows.append(["A9", "2026/11/24", "N/A", "不明", "Web"])
    path = survey_csv(rows)
    whole = load_responses(path)
    blocks = list(iter_response_blocks(path, block_rows=3))
    streamed = pd.concat([b.responses for b in blocks]).drop_duplicates("response_id", keep="last")
    assert sorted(streamed["response_id"]) == sorted(whole.responses["response_id"])
    assert streamed.set_index("response_id").loc["A1", "comment"] == "やっぱり遅い"
    assert sum(b.rows_read for b in blocks) == 9
    assert sum(b.rows_stored for b in blocks) == whole.rows_stored == 7
    assert sum(b.rows_quarantined for b in blocks) == whole.rows_quarantined == 2


def test_blocks_validated_in_two_processes_match_one_process(survey_csv):
    from vocpipe.ingest import iter_response_blocks

    rows = [[f"A{i}", "2026/11/24 10:00", str(i % 11), f"{i}番目: 店員さんの対応が丁寧でした", "店舗"] for i in range(10)]
    rows.insert(4, ["A1", "2026/11/25", "３", "やっぱり待ち時間が長い", "アプリ"])  # repeats A1 from the first block
    rows.insert(8, ["A99", "2026/11/24", "十点", "", "Web"])
    rows.insert(9, ["A98", "昨日", "8", "普通", "Web"])  # quarantined: not a date
    path = survey_csv(rows)
    one = list(iter_response_blocks(path, block_rows=3, workers=1))
    two = list(iter_response_blocks(path, block_rows=3, workers=2))
    assert len(one) == len(two) == 5
    for a, b in zip(one, two):
        pd.testing.assert_frame_equal(a.responses, b.responses)
        pd.testing.assert_frame_equal(a.quarantine, b.quarantine)
        assert (a.rows_read, a.rows_stored, a.rows_quarantined) == (b.rows_read, b.rows_stored, b.rows_quarantined)
    assert sum(b.rows_stored for b in two) == 11 and sum(b.rows_quarantined for b in two) == 2
    assert "A1" in two[1].quarantine["value"].tolist()  # the first block's A1 is superseded by the second's


def test_an_id_repeated_in_three_blocks_supersedes_the_latest_earlier_row(survey_csv):
    from vocpipe.ingest import iter_response_blocks

    rows = [["A1", "2026/11/24", "9", "良い", "Web"], ["A2", "2026/11/24", "8", "普通", "Web"],
            ["A1", "2026/11/25", "5", "少し遅い", "Web"], ["A3", "2026/11/25", "7", "普通", "店舗"],
            ["A1", "2026/11/26", "2", "とても遅い", "Web"]]
    blocks = list(iter_response_blocks(survey_csv(rows), block_rows=2))
    # Header is line 1, so the three A1 rows are lines 2, 4 and 6.
    assert [q.source_row.tolist() for q in (b.quarantine for b in blocks)] == [[], [2], [4]]
    assert "6 行目" in blocks[2].quarantine.loc[0, "reason"]
    assert [b.rows_stored for b in blocks] == [2, 1, 0]
