"""Normalisation: one canonical form for survey text, applied twice = once."""

from hypothesis import given, strategies as st

from vocpipe.text.normalize import normalize_comment


def test_full_width_digits_and_half_width_katakana_become_standard():
    assert normalize_comment("ｱﾌﾟﾘで３日待ちました") == "アプリで3日待ちました"


def test_long_repeats_are_shortened():
    assert normalize_comment("すごーーーーい！！！！wwww") == "すごーーい!!ww"


def test_digit_runs_are_never_shortened():
    assert normalize_comment("10000円でした") == "10000円でした"


def test_line_breaks_are_kept_and_blank_lines_collapsed():
    assert normalize_comment("店員さんが親切。\r\n\r\n\r\n  また来ます  ") == "店員さんが親切。\nまた来ます"


def test_nul_bytes_and_control_characters_are_removed():
    assert normalize_comment("配送\x00が早い\x07") == "配送が早い"


def test_utf8_read_as_cp932_mojibake_is_repaired():
    broken = "料金が高すぎる".encode("utf-8").decode("cp932")  # 譁咎≡縺碁ｫ倥☆縺弱ｋ
    assert normalize_comment(broken) == "料金が高すぎる"


def test_empty_and_none_comments_become_empty_string():
    assert normalize_comment("") == ""
    assert normalize_comment(None) == ""


def test_pii_masking_can_be_turned_off():
    assert normalize_comment("電話は090-1234-5678です", mask=False) == "電話は090-1234-5678です"


@given(st.text(alphabet=st.sampled_from(list("あいうアイウｱｲｳ１２３123ーー！!?？。、 \n\t😊@.-abcw〒")), max_size=60))
def test_normalising_twice_equals_normalising_once(text):
    once = normalize_comment(text)
    assert normalize_comment(once) == once
