"""The report PDF embeds a lean copy of the CJK font, and the full font whenever it must.

services/report_font.py: a report embeds the smallest copy of the font that holds its text, one
cut down to Latin and punctuation or one that also keeps GB 2312 (each built once, kept in the
user's cache folder); a report holding any other character embeds the full font, so nothing a
customer typed goes missing.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from pypdf import PdfReader

from sandbox.users import SandboxUser
from tests.bot.customer_steps import press, register, report_fault
from tests.bot.dispatch_steps import (
    CUSTOMER,
    assign_to,
    check_in,
    file_report,
    harness,
    staff_team,
)
from tests.conftest import USE_PG
from tests.factories import make_product
from tests.harness import Harness
from tests.world import world_of

__all__ = ["harness"]  # the admin-from-settings bot of the dispatch tests

# Which font a report embeds does not depend on the database: the SQLite pass decides it.
pytestmark = pytest.mark.skipif(USE_PG, reason="the font choice is the same on both databases")


async def _report_pdf(harness: Harness, name: str, address: str) -> str:
    """A customer of that name and address has a fault repaired and confirms: the PDF's text."""
    async with harness.session() as session, session.begin():
        await make_product(session, serial="SN-1001", now=harness.clock.now())
    desk, tech, _ = await staff_team(harness)
    customer: SandboxUser = await register(harness, CUSTOMER, name=name)
    assert "registered as" in await report_fault(harness, customer, address=address)
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech, "Accept")
    await check_in(harness, tech)
    assert "filed" in await file_report(harness, tech, parts=("Start relay, 1, 35.50",))
    await press(harness, customer, "Confirm")
    copy = customer.last()
    stored = harness.server.files.get(copy.document_file_id or "")
    assert stored is not None, "no PDF copy after the confirmation"
    return _text(stored.data)


def _text(data: bytes) -> str:
    """The text of every page of a PDF."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _size(path: Path) -> int:
    """A file's size in bytes."""
    return path.stat().st_size


@pytest.mark.long
async def test_an_everyday_report_embeds_the_smallest_copy_built_once(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cache = tmp_path / "aftersales"
    text = await _report_pdf(harness, "Wang Wei", "88 Century Ave, Pudong, Shanghai")
    assert "Wang Wei" in text and "88 Century Ave" in text and "Start relay" in text
    # An English report: the Latin copy, a small fraction of the font.
    [latin] = cache.glob("report-font-*.ttf")
    assert latin.name.startswith("report-font-latin-")
    assert _size(latin) < _size(Path(harness.settings().report_font)) / 50
    assert not list(cache.glob("*.part"))  # nothing half-written left

    latin.unlink()  # the cache folder is cleaned while the bot runs: the next report builds it
    out = tmp_path / "again.pdf"
    world = await world_of(harness)
    await world.command("case", "pdf", "SR-20261123-0001", "--out", str(out))
    assert "Wang Wei" in _text(out.read_bytes())
    assert latin.is_file()

    # The same report in Chinese needs GB 2312: the copy that keeps it, built beside the other.
    await world.command(
        "case", "pdf", "SR-20261123-0001", "--out", str(out), "--language", "zh_CN"
    )
    chinese = _text(out.read_bytes())
    assert "Wang Wei" in chinese and "售后服务报告单" in chinese
    [common] = cache.glob("report-font-common-*.ttf")
    assert _size(latin) < _size(common) < _size(Path(harness.settings().report_font)) / 2
    assert sorted(cache.iterdir()) == sorted([latin, common])


async def test_a_rare_character_in_a_name_is_drawn_from_the_full_font(harness: Harness) -> None:
    # 堃 (kūn, common in given names) and 喆 are in the font but not in GB 2312.
    text = await _report_pdf(harness, "王堃", "浦东新区世纪大道88号 喆园")
    assert "王堃" in text and "喆园" in text


async def test_without_a_cache_folder_the_full_font_is_used(
    harness: Harness,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    with caplog.at_level(logging.WARNING, logger="services.report_font"):
        text = await _report_pdf(harness, "李明", "浦东新区世纪大道88号")
    assert "李明" in text and "世纪大道88号" in text
    assert any("the full font is used" in r.getMessage() for r in caplog.records)
