"""The working-hours settings: read and checked at start-up, a bad value named clearly."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from aftersales.cli import main
from core.settings import Settings
from services.policy import policy_from


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No AFTERSALES_* variables and no .env file around."""
    for name in list(os.environ):
        if name.startswith("AFTERSALES_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_unset_and_blank_mean_the_24_hour_clock(clean_env: Path) -> None:
    assert policy_from(Settings(_env_file=None)).working is None
    blank = Settings(_env_file=None, working_hours=" ", holidays_file="")
    assert (blank.working_hours, blank.holidays_file) == (None, None)
    assert policy_from(blank).working is None


def test_working_hours_and_holidays_reach_the_policy(clean_env: Path) -> None:
    holidays = clean_env / "holidays.txt"
    holidays.write_text("\ufeff# 国庆\n2026-10-01\n2026-09-27 补班\n", encoding="utf-8")
    settings = Settings(
        _env_file=None, working_hours="Mon-Fri 09:00-18:00; Sat 09:00-12:00",
        holidays_file=str(holidays),
    )  # fmt: skip
    calendar = policy_from(settings).working
    assert calendar is not None
    assert calendar.week[5] == ((540, 720),) and calendar.week[6] == ()
    assert calendar.days_off == {date(2026, 10, 1)}
    assert calendar.workdays == {date(2026, 9, 27)}
    assert str(calendar.tz) == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"working_hours": "Mon-Fri 9 to 6"}, "AFTERSALES_WORKING_HOURS: '9 to 6' is not"),
        ({"working_hours": "weekdays 09:00-18:00"}, "unknown day 'weekdays'"),
        ({"working_hours": "Mon-Fri 18:00-09:00"}, "AFTERSALES_WORKING_HOURS: '18:00-09:00'"),
        ({"holidays_file": "holidays.txt"}, "AFTERSALES_HOLIDAYS_FILE needs AFTERSALES_WORK"),
        (
            {"working_hours": "Mon-Fri 09:00-18:00", "holidays_file": "missing.txt"},
            "AFTERSALES_HOLIDAYS_FILE: cannot read 'missing.txt'",
        ),
    ],
)
def test_a_bad_value_is_refused_naming_the_setting(
    clean_env: Path, values: dict[str, str], complaint: str
) -> None:
    with pytest.raises(ValidationError, match=complaint):
        Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_a_bad_holidays_line_is_refused_with_its_number(clean_env: Path) -> None:
    (clean_env / "holidays.txt").write_text("2026-10-01\n2026-10-32\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="AFTERSALES_HOLIDAYS_FILE: line 2: '2026-10-32'"):
        Settings(_env_file=None, working_hours="Mon-Fri 09:00-18:00", holidays_file="holidays.txt")


def test_the_command_refuses_to_start_with_malformed_working_hours(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AFTERSALES_DATABASE_URL", f"sqlite+aiosqlite:///{clean_env / 'x.db'}")
    monkeypatch.setenv("AFTERSALES_WORKING_HOURS", "Mon-Fri 09:00-18:00; Sat")
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "Invalid settings" in err
    assert "AFTERSALES_WORKING_HOURS: 'Sat' needs days and hours" in err
    assert not (clean_env / "x.db").exists()
