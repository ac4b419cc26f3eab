"""The short markdown summary of a benchmark run, with the issue's targets next to the numbers."""

from __future__ import annotations

from typing import Any

RATIO_TARGET = 0.5
P99_TARGET_MS = 100.0
PACING_TARGET = 0.9
SWEEP_RATIO_TARGET = 1.5
REPORT_TARGET_MS = 1000.0
RSS_TARGET_MB = 200.0


def _mark(ok: bool | None) -> str:
    """A pass/fail mark ('n/a' when not measured)."""
    if ok is None:
        return "n/a"
    return "yes" if ok else "**no**"


def _error_rows(rows: list[dict[str, Any]]) -> list[str]:
    """Lines for measurements that failed to run."""
    return [
        f"- failed: `{row.get('bench')}` {row.get('error', '')}" for row in rows if "error" in row
    ]


def _throughput(rows: list[dict[str, Any]]) -> list[str]:
    """The throughput table, with the ratio to the echo bot under the same load."""

    def load(row: dict[str, Any]) -> tuple[int, float]:
        return row["customers"], row.get("think_seconds", 0.0)

    echo = {load(r): r for r in rows if r.get("bot") == "ptb-echo" and "error" not in r}
    lines = [
        "## 1. Conversation throughput (8-step fault report per customer, over HTTP)",
        "",
        "Think 0 s: customers answer at once (saturation: throughput). Think 1 s: they pause "
        "0.5-1.5 s between steps (a realistic load: latency).",
        "",
        "The sandbox Bot API server and the simulated customers run in a process of their own "
        "(bench/loadside.py), as Telegram and the customers' phones are not in the bot's "
        "process; CPU ms/step is the bot process's CPU time per conversation step, a measure "
        "less disturbed by other load on the machine than steps/s. Rows with think time are "
        "the median of three runs by p99; the p99 of each run is listed below the table. Before "
        "each PostgreSQL run the catalogs that schema creation churns are vacuumed "
        "(bench.common.CHURNED_CATALOGS).",
        "",
        "| bot | backend | customers | think s | chats at once | steps/s | ratio to echo "
        "| CPU ms/step | p50 ms | p95 ms | p99 ms | peak RSS MB | timeouts | failed updates |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    notes: list[str] = []
    for row in rows:
        if "error" in row:
            continue
        base = echo.get(load(row))
        ratio = (
            row["steps_per_second"] / base["steps_per_second"]
            if base and base["steps_per_second"] and row["bot"] != "ptb-echo"
            else None
        )
        lines.append(
            f"| {row['bot']} | {row['backend']} | {row['customers']} "
            f"| {row.get('think_seconds', 0.0)} | {row.get('max_concurrent_chats', '-')} "
            f"| {row['steps_per_second']} | {f'{ratio:.2f}' if ratio is not None else '-'} "
            f"| {_cpu_per_step(row)} | {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} "
            f"| {row['peak_rss_mb']} "
            f"| {row['errors']} | {row.get('failed_updates', '-')} |"
        )
        default_width = row.get("max_concurrent_chats") != 1
        if row["bot"] == "aftersales" and row["customers"] == 100 and default_width:
            if load(row)[1] == 0.0 and ratio is not None:
                notes.append(
                    f"- {row['backend']}, 100 customers at once: ratio {ratio:.2f} "
                    f"(target ≥ {RATIO_TARGET} → {_mark(ratio >= RATIO_TARGET)})"
                )
            if load(row)[1] > 0.0:
                runs = row.get("p99_ms_runs")
                notes.append(
                    f"- {row['backend']}, 100 customers thinking {load(row)[1]} s: p99 "
                    f"{row['p99_ms']} ms (target ≤ {P99_TARGET_MS:.0f} ms → "
                    f"{_mark(row['p99_ms'] <= P99_TARGET_MS)})"
                    + (f"; p99 of each run: {', '.join(map(str, runs))} ms" if runs else "")
                )
        elif row["bot"] == "ptb-echo" and row.get("p99_ms_runs"):
            each = ", ".join(map(str, row["p99_ms_runs"]))
            notes.append(
                f"- echo bot, {row['customers']} customers thinking {load(row)[1]} s: p99 "
                f"{row['p99_ms']} ms; p99 of each run: {each} ms"
            )
    return [*lines, "", *notes, *_error_rows(rows), ""]


def _cpu_per_step(row: dict[str, Any]) -> str:
    """CPU milliseconds the bot's process spent per conversation step."""
    value = row.get("cpu_ms_per_step")
    return f"{value:.1f}" if value is not None else "-"


def _pacing(rows: list[dict[str, Any]]) -> list[str]:
    """The outbound pacing result."""
    lines = ["## 2. Outbound pacing (sandbox enforces 30/s, 1/s per chat, 20/min per group)", ""]
    for row in rows:
        if "error" in row:
            continue
        lines += [
            f"- {row['delivered_private']}/{row['customers']} survey pushes in "
            f"{row['seconds_private']} s = **{row['private_messages_per_second']} msg/s** "
            f"({row['share_of_cap']:.0%} of the 30/s cap; target ≥ {PACING_TARGET:.0%} → "
            f"{_mark(row['share_of_cap'] >= PACING_TARGET)})",
            f"- {row['delivered_group']}/{row['group_messages']} group messages, last after "
            f"{row['seconds_group']} s (20/min allows no faster than "
            f"{max(0, (row['group_messages'] - 1) // 20) * 60} s)",
            f"- 429 responses: **{row['http_429']}** (target 0 → {_mark(row['http_429'] == 0)})",
        ]
    return [*lines, *_error_rows(rows), ""]


def _history(rows: list[dict[str, Any]]) -> list[str]:
    """Sweep and report cost at each history size."""
    lines = [
        "## 3. Sweep and monthly report cost versus history",
        "",
        "| backend | history cases | load s | sweep ms (median) | sweep ms (best) "
        "| monthly report ms |",
        "|---|---|---|---|---|---|",
    ]
    notes: list[str] = []
    for row in rows:
        if "error" in row:
            continue
        for point in row["points"]:
            report = point.get("report_ms", point.get("report", "-"))
            lines.append(
                f"| {row['backend']} | {point['history_cases']:,} | {point['load_seconds']} "
                f"| {point['sweep_ms']} | {point.get('sweep_ms_best', '-')} | {report} |"
            )
        ratio = row.get("sweep_ratio")
        method = row.get("sweep_method", "median of the timed sweeps")
        medians = row.get("sweep_ratio_median")
        notes.append(
            f"- {row['backend']}: sweep with {row.get('due_reminders')} due reminders, "
            f"ratio largest/smallest history = {ratio} ({method}"
            + (f"; ratio of the medians {medians}" if medians is not None else "")
            + f"; target ≤ {SWEEP_RATIO_TARGET} → "
            f"{_mark(ratio <= SWEEP_RATIO_TARGET if ratio is not None else None)})"
        )
        largest = row["points"][-1]
        if "report_ms" in largest:
            on_postgres = row["backend"] == "postgresql"
            met = largest["report_ms"] < REPORT_TARGET_MS if on_postgres else None
            notes.append(
                f"- {row['backend']}: monthly report over {largest['history_cases']:,} cases "
                f"= {largest['report_ms']} ms (report ratio {row.get('report_ratio')}; "
                f"target < {REPORT_TARGET_MS:.0f} ms on PostgreSQL → {_mark(met)})"
            )
    return [*lines, "", *notes, *_error_rows(rows), ""]


def _memory(rows: list[dict[str, Any]]) -> list[str]:
    """Resident size with history and dialogs in progress."""
    lines = ["## 4. Memory", ""]
    for row in rows:
        if "error" in row:
            continue
        lines.append(
            f"- {row['cases']:,} cases, {row['dialogs_in_progress']} dialogs in progress "
            f"({row['backend']}): RSS {row['rss_with_dialogs_mb']} MB for the whole process "
            f"(bot + sandbox server + simulated users; {row['rss_before_bot_mb']} MB before the "
            f"bot started), peak {row['peak_rss_mb']} MB; target ≤ {RSS_TARGET_MB:.0f} MB → "
            f"{_mark(row['rss_with_dialogs_mb'] <= RSS_TARGET_MB)}"
        )
    return [*lines, *_error_rows(rows), ""]


def render_markdown(document: dict[str, Any]) -> str:
    """The summary page of one run."""
    machine = document["machine"]
    lines = [
        f"# Benchmark results ({document['size']})",
        "",
        f"Run `python -m bench.run --size {document['size']}` (or `make bench`) at "
        f"{document['finished_at']} on Python {machine['python']}, {machine['platform']}, "
        f"{machine['cpus']} CPUs; backends: {', '.join(document['backends'])}.",
        "",
    ]
    if "load_average_at_start" in machine:
        lines += [
            f"Load average (1, 5, 15 min) at start {machine['load_average_at_start']}, at end "
            f"{machine['load_average_at_end']}.",
            "",
        ]
    sections = {
        "throughput": _throughput,
        "pacing": _pacing,
        "history": _history,
        "memory": _memory,
    }
    for name, rows in document["results"].items():
        lines += sections[name](rows)
    return "\n".join(lines).rstrip() + "\n"
