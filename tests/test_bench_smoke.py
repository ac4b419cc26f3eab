"""The benchmark code runs end to end at its tiny size (timings are not checked here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import run


@pytest.mark.long
def test_every_benchmark_runs_at_tiny_size(tmp_path: Path) -> None:
    # The benchmarks run their own event loops, as `python -m bench.run` does.
    assert run.main(["--size", "tiny", "--inline", "--no-pg", "--out", str(tmp_path)]) == 0
    document = json.loads((tmp_path / "latest.json").read_text())
    results = document["results"]
    assert set(results) == set(run.NAMES)
    failed = [row for rows in results.values() for row in rows if "error" in row]
    assert failed == []
    throughput = results["throughput"]
    assert {row["bot"] for row in throughput} == {"ptb-echo", "aftersales"}
    assert all(row["errors"] == 0 and row["steps"] > 0 for row in throughput)
    [pacing] = results["pacing"]
    assert pacing["delivered_private"] == pacing["customers"]
    assert pacing["delivered_group"] == pacing["group_messages"]
    [history] = results["history"]
    assert [p["history_cases"] for p in history["points"]] == [200, 2_000]
    [memory] = results["memory"]
    assert memory["dialogs_in_progress"] == 5 and memory["dialog_steps_failed"] == 0
    summary = (tmp_path / "latest.md").read_text()
    assert "Conversation throughput" in summary and "Memory" in summary
