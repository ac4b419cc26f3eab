"""Notes the services record in English, read in Chinese (the ones the guard's world misses)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from core.i18n import Texts, catalog
from web import words

TEXTS = Texts(ZoneInfo("Asia/Shanghai"))


def _say(key: str, **args: object) -> str:
    return TEXTS.get("zh_CN", key, **args)


def _has(key: str) -> bool:
    return key in catalog("zh_CN")


def test_recorded_notes_in_chinese() -> None:
    for recorded, shown in (
        (
            "at 31.230400,121.473700; 120 m from the site",
            "位置 31.230400, 121.473700，距现场 120 米",
        ),
        ("to Tech Bo (#3): closer to the site", "派给 Tech Bo，原因：closer to the site"),
        ("quote #7", "报价 #7"),
        ("total ¥191.00", "合计 ¥191.00"),
        ("via letter; repeat of case #12", "来源：来函；重复报修，原工单 #12"),
        ("timeout", "未按时接单"),
        ("no longer on staff", "已离职"),
        ("report #2: misuse", "报告 #2，根本原因：使用不当"),
    ):
        assert words.note(_say, _has, recorded) == shown, recorded


def test_typed_text_stays_as_typed_and_unknown_codes_are_not_guessed() -> None:
    assert words.note(_say, _has, "Customer was out; came back at 15:00") == (
        "Customer was out; came back at 15:00"
    )
    assert words.known(_say, _has, "Customer was out") is None


def test_a_money_complaint_from_a_survey() -> None:
    shown = words.description(_say, "survey of SR-20261123-0001: money or gifts asked for")
    assert shown == "来自工单 SR-20261123-0001 的回访问卷：有人索要钱款或礼品"
