"""Ranking technicians and reading money and part lines."""

from __future__ import annotations

from datetime import date

import pytest

from domain.costs import parse_hours, parse_money, parse_part
from domain.dispatch import Candidate, auto_pick, rank
from domain.validation import InputError


def tech(staff_id: int, name: str, regions: tuple[str, ...], skills: tuple[str, ...],
         load: int = 0, cap: int = 5) -> Candidate:  # fmt: skip
    return Candidate(staff_id, name, regions, skills, load, cap)


def test_region_then_skill_then_load() -> None:
    ranked = rank(
        [
            tech(1, "Skill only", ("Minhang",), ("hvac",)),
            tech(2, "Region busy", ("Pudong",), ("hvac",), load=3),
            tech(3, "Region free", ("pudong ",), ("HVAC",), load=1),
            tech(4, "Region no skill", ("Pudong",), ("boilers",)),
        ],
        region="Pudong",
        category="hvac",
    )
    assert [r.candidate.name for r in ranked] == [
        "Region free", "Region busy", "Region no skill", "Skill only",
    ]  # fmt: skip
    top = ranked[0]
    assert top.region_match and top.skill_match and not top.full
    assert [r.key for r in top.reasons] == [
        "desk.reason.region_yes", "desk.reason.skill_yes", "desk.reason.load",
    ]  # fmt: skip
    assert dict(top.reasons[2].args) == {"open": 1, "max": 5}
    assert top.code() == "region, skill, load 1/5"


def test_full_technicians_go_last_and_are_never_auto_picked() -> None:
    ranked = rank(
        [tech(1, "Full", ("Pudong",), ("hvac",), load=5), tech(2, "Far", ("Minhang",), ())],
        region="Pudong",
        category="hvac",
    )
    assert [r.candidate.name for r in ranked] == ["Far", "Full"]
    assert ranked[1].reasons[2].key == "desk.reason.full"
    assert auto_pick(ranked, region="Pudong", category="hvac") is None


def test_auto_pick_needs_the_region_and_prefers_the_skill() -> None:
    ranked = rank(
        [
            tech(2, "Elsewhere", ("Minhang",), ("hvac",)),
            tech(1, "Good", ("Pudong",), ("hvac",), load=1),
            tech(3, "Unskilled", ("Pudong",), ()),
        ],
        region="Pudong",
        category="hvac",
    )
    picked = auto_pick(ranked, region="Pudong", category="hvac")
    assert picked is not None and picked.candidate.name == "Good"
    only_unskilled = [r for r in ranked if r.candidate.name == "Unskilled"]
    picked = auto_pick(only_unskilled, region="Pudong", category="hvac")
    assert picked is not None and picked.candidate.name == "Unskilled"
    elsewhere = [r for r in ranked if r.candidate.name == "Elsewhere"]
    assert auto_pick(elsewhere, region="Pudong", category="hvac") is None
    assert rank([], region=None, category=None) == []


def test_auto_pick_without_region_or_category_takes_the_lightest_load() -> None:
    ranked = rank(
        [tech(1, "Busy", (), (), load=2), tech(2, "Idle", (), ())], region=None, category=None
    )
    picked = auto_pick(ranked, region=None, category=None)
    assert picked is not None and picked.candidate.name == "Idle"


def test_nearest_first_when_the_case_has_a_location() -> None:
    site = (31.2304, 121.4737)  # People's Square, Shanghai
    near = Candidate(1, "Near", (), (), 2, 5, position=(31.2397, 121.4998))  # Lujiazui, ~2.7 km
    far = Candidate(2, "Far", ("Pudong",), (), 0, 5, position=(31.1443, 121.8083))  # ~33 km
    unknown = Candidate(3, "Unknown", (), (), 0, 5)
    ranked = rank([far, unknown, near], region="Pudong", category=None, site=site)
    assert [r.candidate.name for r in ranked] == ["Near", "Far", "Unknown"]
    top = ranked[0]
    assert top.distance_km is not None and 2 < top.distance_km < 4
    assert top.reasons[0].key == "desk.reason.distance"
    assert top.code().startswith(f"{top.distance_km:.1f} km, ")
    assert ranked[2].distance_km is None


def test_unknown_region_and_category_match_nobody() -> None:
    [only] = rank([tech(1, "A", ("Pudong",), ("hvac",))], region=None, category=None)
    assert not only.region_match and not only.skill_match


@pytest.mark.parametrize(
    ("text", "cents"),
    [("35", 3500), ("35.5", 3550), ("¥1,200.00", 120000), (" 0 ", 0), ("12.05元", 1205)],
)
def test_money(text: str, cents: int) -> None:
    assert parse_money(text) == cents


@pytest.mark.parametrize("text", ["", "-5", "1.234", "abc", "99999999999"])
def test_bad_money(text: str) -> None:
    with pytest.raises(InputError):
        parse_money(text)


def test_part_lines() -> None:
    part = parse_part("Start relay, 2, 35.50")
    assert (part.name, part.quantity, part.unit_cents, part.total_cents) == (
        "Start relay", 2, 3550, 7100,
    )  # fmt: skip
    assert parse_part("继电器，1，20").unit_cents == 2000
    for bad in ("relay", "relay, two, 5", "relay, 0, 5", ", 1, 5", "relay, 1, x"):
        with pytest.raises(InputError):
            parse_part(bad)


def test_hours() -> None:
    assert parse_hours("1.5") == 1.5
    for bad in ("-1", "x", "101"):
        with pytest.raises(InputError):
            parse_hours(bad)


def test_auto_pick_never_chooses_an_uncertified_or_expired_technician() -> None:
    """Only trained technicians may repair: without a valid certificate the desk decides."""
    today = date(2026, 12, 4)
    ranked = rank(
        [
            Candidate(
                1, "Expired", ("Pudong",), ("hvac",), 0, 5, certified_until=date(2026, 1, 1)
            ),
            Candidate(2, "None", ("Pudong",), ("hvac",), 0, 5),
        ],
        region="Pudong",
        category="hvac",
        today=today,
    )
    assert {r.certification for r in ranked} == {"expired", "none"}
    assert auto_pick(ranked, region="Pudong", category="hvac") is None
    valid = Candidate(3, "Valid", ("Pudong",), ("hvac",), 4, 5, certified_until=today)
    ranked = rank([*(r.candidate for r in ranked), valid], region="Pudong", category="hvac",
                  today=today)  # fmt: skip
    picked = auto_pick(ranked, region="Pudong", category="hvac")
    assert picked is not None and picked.candidate.name == "Valid"
