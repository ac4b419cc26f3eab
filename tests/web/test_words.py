"""Event data and stored codes read in Chinese (the ones the guard's world misses); notes of
timeline rows written before events carried data still read as before."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from core.i18n import Texts, catalog
from domain.event_data import Why
from web import event_words, words

TEXTS = Texts(ZoneInfo("Asia/Shanghai"))


def _say(key: str, **args: object) -> str:
    return TEXTS.get("zh_CN", key, **args)


def _has(key: str) -> bool:
    return key in catalog("zh_CN")


def test_event_data_in_chinese() -> None:
    for action, data, note, shown in (
        ("check_in", {"latitude": 31.2304, "longitude": 121.4737, "distance_m": 119.6}, None,
         "位置 31.230400, 121.473700，距现场 120 米"),
        ("reassign", {"technician": "Tech Bo", "technician_id": 3}, "closer to the site",
         "派给 Tech Bo · closer to the site"),
        ("approve_quote", {"quote_id": 7}, None, "报价 #7"),
        ("quote", {"quote_id": 7, "total_cents": 19100}, None, "合计 ¥191.00"),
        ("flag", {"quote_id": 7, "why": Why.QUOTE_UNDECIDED}, None, "报价 #7 客户逾期未决定"),
        ("create", {"channel": "letter", "repeat_of": 12}, None,
         "来源：来函；重复报修，原工单 #12"),
        ("create", {"channel": "phone", "registered_by": "Desk Liu"}, None,
         "来源：来电；登记人：Desk Liu"),
        ("accept_timeout", {"why": Why.TIMEOUT}, None, "未按时接单"),
        ("unassign", {"why": Why.NO_LONGER_ON_STAFF}, None, "技术员已离职"),
        ("report_fixed", {"report_id": 2, "root_cause": "misuse"}, None,
         "报告 #2，根本原因：使用不当"),
        ("reopen", {"why": Why.DISPUTED}, "Still leaking", "客户有异议：Still leaking"),
        ("close", {"why": Why.SIGNED}, None, "客户已现场签字"),
        ("close", {"root_cause": "lateness"}, None, "迟到或未上门"),
        ("verify_warranty", {"warranty": "out_of_warranty", "warranty_end": "2026-01-31"}, None,
         "已过保修期（维修前须经客户确认报价），截止 2026-01-31"),
    ):  # fmt: skip
        assert event_words.detail(_say, _has, action, data, note) == shown, (action, data)


def test_typed_text_is_never_read_as_a_code_and_odd_data_is_left_out() -> None:
    assert event_words.detail(_say, _has, "close", {}, "satisfied") == "satisfied"
    assert event_words.detail(_say, _has, "note", {}, "to Tech An (#3)") == "to Tech An (#3)"
    assert event_words.detail(_say, _has, "check_in", {"latitude": "x"}, None) == ""
    assert event_words.detail(_say, _has, "close", {"why": "new_code"}, None) == ""


def test_notes_of_rows_written_before_event_data_in_chinese() -> None:
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
