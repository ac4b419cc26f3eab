"""Settings: every one documented, and .env.example / README in step with the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from aftersales.devtools import env_example, settings_table
from core.setting_docs import SETTING_DOCS
from core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented() -> None:
    assert sorted(set(Settings.model_fields) - set(SETTING_DOCS)) == []
    assert sorted(set(SETTING_DOCS) - set(Settings.model_fields)) == []


def test_env_example_and_readme_are_current() -> None:
    assert (ROOT / ".env.example").read_text(encoding="utf-8") == env_example(), "run make docs"
    assert settings_table() in (ROOT / "README.md").read_text(encoding="utf-8"), "run make docs"


def test_lists_and_time_zone_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AFTERSALES_ADMIN_IDS", "1, 2;3")
    monkeypatch.setenv("AFTERSALES_ONSITE_PING_MINUTES", "60")
    settings = Settings(_env_file=None)
    assert settings.admin_ids == [1, 2, 3]
    assert settings.onsite_ping_minutes == [60]
    monkeypatch.setenv("AFTERSALES_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValueError, match="Mars"):
        Settings(_env_file=None)
