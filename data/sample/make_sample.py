"""Rebuild the bundled sample survey files from the labelled corpus (deterministic).

    .venv/bin/python data/sample/make_sample.py

Writes, next to this script:
* survey_responses.csv: the first 16 weeks of 2,000 simulated responses (UTF-8), with planted
  NPS effects;
* survey_responses_new_cp932.csv: the 17th week, as Excel writes CP932 (emoji become ?), the
  file a nightly run picks up as new;
* bad_rows.csv: good and bad rows mixed, used by the demo and the tests.
See data/README.md for what is synthetic and which effects are planted.
"""

from __future__ import annotations

from pathlib import Path

from vocpipe.simulate import simulate_survey

HERE = Path(__file__).resolve().parent


def main() -> None:
    responses = simulate_survey(2000, seed=7, start="2026-08-03", weeks=17, id_prefix="R")
    is_new = responses["回答日時"] >= "2026/11/23"
    responses[~is_new].to_csv(HERE / "survey_responses.csv", index=False, encoding="utf-8")
    newer = responses[is_new]
    (HERE / "survey_responses_new_cp932.csv").write_bytes(
        newer.to_csv(index=False, lineterminator="\r\n").encode("cp932", errors="replace")
    )
    bad = (
        "回答ID,回答日時,推奨度,自由記述,チャネル,プラン\r\n"
        "B001,2026/11/24 09:12,９,スタッフの方がとても親切でした。,店舗,ライト\r\n"
        "B002,2026/11/24 09:40,N/A,アプリの使い方がわからない,アプリ,スタンダード\r\n"
        "B003,2026/11/24 10:05,11,最高！！,Web,プレミアム\r\n"
        "B004,2026/11/24 10:30,7.5,普通です,電話,ライト\r\n"
        ",2026/11/24 11:00,3,配送が遅すぎる。二度と頼まない,Web,ライト\r\n"
        "B005,来週,5,料金が高い,店舗,スタンダード\r\n"
        "B006,2026/11/24 12:00,10点,\"いつも丁寧な対応で満足しています。\r\nまた利用します\",店舗,プレミアム\r\n"
        "B007,令和8年11月24日,2,ログインできない状態が三日続いています,アプリ,スタンダード\r\n"
        "B008,2026/11/24 13:00,6,連絡先は 090-1234-5678 です。折り返しください,電話,ライト\r\n"
        "B007,2026/11/24 14:00,3,ログインできない状態がまだ続いています。早く直してほしい,アプリ,スタンダード\r\n"
        "B009,2026/11/24 15:00,8,待ち時間が長い,店舗\r\n"
        "B010,46350,-1,レジが混んでいた,店舗,ライト\r\n"
        "B011,2026/11/24 16:00,０,<script>alert(1)</script> 解約させてもらえない,Web,プレミアム\r\n"
        "B012,2026/11/24 17:00,7,,Web,ライト\r\n"
    )
    (HERE / "bad_rows.csv").write_bytes(bad.encode("utf-8"))


if __name__ == "__main__":
    main()
