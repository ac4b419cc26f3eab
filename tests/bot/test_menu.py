"""The command menu is published in both languages at start."""

from __future__ import annotations

from tests.harness import Harness


async def test_menu_in_english_and_chinese(harness: Harness) -> None:
    calls = harness.server.calls_to("setMyCommands")
    by_language = {call.params.get("language_code"): call.params["commands"] for call in calls}
    english = {c["command"]: c["description"] for c in by_language[None]}
    chinese = {c["command"]: c["description"] for c in by_language["zh"]}
    assert english["report"] == "Report a fault" and chinese["report"] == "报修故障"
    assert set(english) == set(chinese) >= {"report", "cases", "products", "help"}
