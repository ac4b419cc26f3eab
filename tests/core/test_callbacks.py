"""The callback-data codec: every kind packs and parses back, anything else parses to None."""

from __future__ import annotations

import dataclasses
import re
import typing
from datetime import date

import pytest

from core import callbacks
from core.callbacks import (
    LIMIT,
    MAX_INT,
    AssignAnyone,
    AssignCase,
    Callback,
    DeadlineHour,
    FaultProduct,
    Invite,
    JobButton,
    OtherProduct,
    ProductChoice,
    SurveyAnswer,
    parse,
    parse_as,
)

SAMPLES: dict[type, object] = {int: 2**31 - 1, bool: True, str: "zh_CN", date: date(2026, 12, 4)}


def _example(kind: type[Callback]) -> Callback:
    """A button of the kind with a typical value in every field."""
    hints = typing.get_type_hints(kind)
    values: dict[str, object] = {}
    for field in dataclasses.fields(kind):
        hint = hints[field.name]
        literal = typing.get_origin(hint) is typing.Literal
        values[field.name] = typing.get_args(hint)[-1] if literal else SAMPLES[hint]
    if kind is DeadlineHour:
        values["hour"] = 23
    return kind(**values)


KINDS = callbacks.kinds()


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.prefix)
def test_every_kind_packs_and_parses_back(kind: type[Callback]) -> None:
    button = _example(kind)
    data = button.pack()
    assert len(data.encode()) <= LIMIT
    assert data.split(":")[0] == kind.prefix.split(":")[0]
    assert parse(data) == button
    assert type(parse(data)) is kind


def test_the_wire_format_of_queued_buttons_is_kept() -> None:
    # Outbox rows already queued hold these strings: they must parse to the same buttons.
    assert parse("tk:a:12") == callbacks.AcceptJob(12)
    assert parse("tj:rep:5") == callbacks.StartReport(5)
    assert parse("as:7") == AssignCase(7)
    assert parse("asgo:7") == AssignAnyone(7)
    assert parse("rsg:7:3") == callbacks.ReassignTo(7, 3)
    assert parse("qt:no:4") == callbacks.DeclineQuote(4)
    assert parse("cf:ok:9") == callbacks.ConfirmReport(9)
    assert parse("cph:2:0") == callbacks.HandlingVerdict(2, False)
    assert parse("sv:8:np:10") == SurveyAnswer(8, "np", "10")
    assert parse("sv:8:cm:skip") == SurveyAnswer(8, "cm", "skip")
    assert parse("rf:h:2026-12-04:14") == DeadlineHour(date(2026, 12, 4), 14)
    assert parse("lang:zh_CN") == callbacks.Language("zh_CN")


def test_a_longer_prefix_is_a_kind_of_its_own() -> None:
    assert parse("rf:p:other") == OtherProduct()
    assert parse("rf:p:3") == FaultProduct(3)
    assert parse_as("rf:p:other", ProductChoice) == OtherProduct()


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        ":",
        "nope",
        "nope:1",
        "tk:a",  # a field missing
        "tk:a:1:2",  # one too many
        "tk:a:",  # empty
        "tk:a:abc",
        "tk:a:-1",
        "tk:a:+1",
        "tk:a:01",  # not how an id is written
        "tk:a: 1",
        "tk:a:١٢",  # digits of another script
        f"tk:a:{MAX_INT + 1}",  # no stored id is that large
        "tk:a:99999999999999999999",
        "cph:1:2",  # a bool is 0 or 1
        "cph:1:yes",
        "rf:d:soon",  # not one of the choices
        "rf:e:zz",
        "rf:day:2026-02-30",
        "rf:day:noon",
        "rf:h:2026-12-04:24",  # out of the day
        "rf:h:99",
        "lang:",
        "lang:e n",
        "inv:a/b",
        "sr:k:☑",
        "case:1" + "0" * 70,  # over 64 bytes
    ],
)
def test_garbage_parses_to_none(data: str | None) -> None:
    assert parse(data) is None


def test_parse_as_refuses_another_kind() -> None:
    assert parse_as("tj:in:4", JobButton) == callbacks.CheckIn(4)
    assert parse_as("tk:a:4", JobButton) is None
    assert parse_as("as:4", AssignCase) == AssignCase(4)
    assert parse_as("asgo:4", AssignCase) == AssignAnyone(4)
    assert parse_as("asgo:4", AssignAnyone) == AssignAnyone(4)
    assert parse_as("as:4", AssignAnyone) is None


def test_pack_refuses_over_64_bytes() -> None:
    with pytest.raises(AssertionError, match="64 bytes"):
        Invite("r" * 70).pack()


def test_pack_refuses_a_separator_in_a_field() -> None:
    with pytest.raises(AssertionError):
        Invite("a:b").pack()


def test_a_pattern_routes_a_kind_and_its_sub_kinds_only() -> None:
    assert re.match(AssignCase.pattern(), "as:1")
    assert re.match(AssignCase.pattern(), "asgo:1")
    assert not re.match(AssignCase.pattern(), "asg:1:2")
    assert re.match(ProductChoice.pattern(), "rf:p:other")
    assert not re.match(callbacks.QuickDeadline.pattern(), "rf:day:2026-12-04")
