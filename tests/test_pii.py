"""PII masking: realistic positives are masked, look-alikes (dates, prices, order numbers) are not."""

import pytest

from vocpipe.text.normalize import normalize_comment


@pytest.mark.parametrize("text, expected", [
    ("連絡先は taro.yamada+survey@example.co.jp です", "連絡先は <EMAIL> です"),
    ("03-1234-5678に電話ください", "<PHONE>に電話ください"),
    ("携帯 090-1234-5678 まで", "携帯 <PHONE> まで"),
    ("０９０−１２３４−５６７８に折り返して", "<PHONE>に折り返して"),
    ("+81 90-1234-5678", "<PHONE>"),
    ("09012345678へ", "<PHONE>へ"),
    ("電話:0312345678", "電話:<PHONE>"),
    ("フリーダイヤル0120-123-456が繋がらない", "フリーダイヤル<PHONE>が繋がらない"),
    ("〒150-0001 渋谷区", "<POSTAL> 渋谷区"),
    ("カード番号 4111 1111 1111 1111 が使えない", "カード番号 <CARD> が使えない"),
    ("4111111111111111で決済", "<CARD>で決済"),
    ("詳しくは https://example.jp/faq?id=3 を見た", "詳しくは <URL> を見た"),
])
def test_personal_data_is_masked_with_typed_placeholders(text, expected):
    assert normalize_comment(text) == expected


@pytest.mark.parametrize("text", [
    "2026-11-24に届きました",
    "2026/11/24 10:30に来店",
    "12,800円は高い",
    "注文番号 1234567890 の件",
    "注文番号1234567890123456の商品が届かない",
    "3-4日で届いた",
    "10:00-18:00の営業時間",
    "ポイントが1500ptたまった",
    "第2-3四半期",
])
def test_look_alikes_are_not_masked(text):
    assert normalize_comment(text) == normalize_comment(text, mask=False)
