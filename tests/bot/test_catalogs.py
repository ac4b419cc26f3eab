"""Every message exists in both languages with the same placeholders, and code uses known keys."""

from __future__ import annotations

import re
from pathlib import Path

from core.i18n import LANGUAGES, catalog, placeholders

ROOT = Path(__file__).resolve().parents[2]


def test_both_catalogs_have_the_same_keys_and_placeholders() -> None:
    english, chinese = catalog("en"), catalog("zh_CN")
    assert sorted(set(english) ^ set(chinese)) == []
    mismatched = [
        key for key in english if placeholders(english[key]) != placeholders(chinese[key])
    ]
    assert mismatched == []


def test_no_catalog_entry_is_empty() -> None:
    for language in LANGUAGES:
        assert [k for k, v in catalog(language).items() if not v.strip()] == []


def test_every_literal_key_used_in_code_exists() -> None:
    used: set[str] = set()
    pattern = re.compile(
        r"""(?:reply|text|answer|edit_or_reply|Message|Button|term|\.get)\(\s*(?:update,\s*context,\s*|language,\s*|[a-z_]+,\s*)?"([a-z_]+\.[a-z0-9_.]+)\""""
    )
    for folder in ("bot", "scheduler", "storage", "web"):
        for path in (ROOT / folder).rglob("*.py"):
            used.update(pattern.findall(path.read_text(encoding="utf-8")))
    known = set(catalog("en"))
    assert sorted(k for k in used if k not in known) == []


def test_chinese_names_a_case_one_way() -> None:
    """A case is 工单 everywhere: the navigation said 工单 while pages and chat said 服务单."""
    mixed = sorted(k for k, v in catalog("zh_CN").items() if "服务单" in v)
    assert not mixed, mixed
