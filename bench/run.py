"""Runs the benchmarks and writes bench/results/latest.json and latest.md.

    python -m bench.run [--size tiny|full] [--only NAME] [--inline] [--out DIR] [--sqlite-stock]

Each measurement runs in its own Python process (so its peak RSS is its own) unless
--inline is given (the smoke test does that). PostgreSQL runs are included when
AFTERSALES_BENCH_DATABASE_URL (or AFTERSALES_TEST_DATABASE_URL) is set.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import SQLITE_STOCK, pg_url
from bench.report import render_markdown

logger = logging.getLogger(__name__)

RESULTS = Path(__file__).resolve().parent / "results"
NAMES = ("throughput", "pacing", "history", "memory")
Job = dict[str, Any]


def plan(name: str, size: str, backends: Sequence[str]) -> list[Job]:
    """The measurements one benchmark consists of at a size."""
    full = size == "full"
    if name == "throughput":
        crowd = (100, 500) if full else (3,)
        jobs: list[Job] = []
        for customers in crowd:
            jobs.append({"bench": name, "bot": "echo", "customers": customers})
            jobs.extend(
                {"bench": name, "bot": "aftersales", "backend": b, "customers": customers}
                for b in backends
            )
        # Latency under a realistic load: people pause about a second between steps. A run's
        # p99 rests on its slowest eight steps, which a moment of the machine's other load can
        # make, so it is run three times and the median run reported (each run beside it).
        think = 1.0 if full else 0.05
        repeat = 3 if full else 1
        jobs.append(
            {"bench": name, "bot": "echo", "customers": crowd[0], "think": think, "repeat": repeat}
        )
        jobs.extend(
            {
                "bench": name,
                "bot": "aftersales",
                "backend": b,
                "customers": crowd[0],
                "think": think,
                "repeat": repeat,
            }
            for b in backends
        )
        # Before/after of per-chat concurrency: one chat at a time vs the default.
        jobs.extend(
            {
                "bench": name,
                "bot": "aftersales",
                "backend": b,
                "customers": crowd[0],
                "max_concurrent_chats": 1,
            }
            for b in backends
        )
        return jobs
    if name == "pacing":
        if full:
            return [{"bench": name, "customers": 1000, "group_messages": 60}]
        return [{"bench": name, "customers": 20, "group_messages": 3}]
    if name == "history":
        sizes = (10_000, 1_000_000) if full else (200, 2_000)
        return [
            {"bench": name, "backend": b, "history": sizes, "due": 100 if full else 10}
            for b in backends
        ]
    if name == "memory":
        if full:
            return [{"bench": name, "backend": "sqlite", "cases": 100_000, "dialogs": 1000}]
        return [{"bench": name, "backend": "sqlite", "cases": 300, "dialogs": 5}]
    raise ValueError(f"unknown benchmark {name!r}; expected one of {NAMES}")


async def run_job(job: Job) -> dict[str, Any]:
    """Runs one measurement in this process."""
    bench = job["bench"]
    if bench == "throughput":
        from bench import throughput
        from bot.pump import MAX_CONCURRENT_CHATS

        if job["bot"] == "echo":
            return await throughput.run_echo(job["customers"], think=job.get("think", 0.0))
        return await throughput.run_bot(
            job["backend"],
            job["customers"],
            max_concurrent_chats=job.get("max_concurrent_chats", MAX_CONCURRENT_CHATS),
            think=job.get("think", 0.0),
            expected=job.get("expected"),
        )
    if bench == "pacing":
        from bench import pacing

        return await pacing.run(job["customers"], job["group_messages"])
    if bench == "history":
        from bench import history

        return await history.run(job["backend"], tuple(job["history"]), job["due"])
    if bench == "memory":
        from bench import memory

        return await memory.run(job["backend"], job["cases"], job["dialogs"])
    raise ValueError(f"unknown job {job}")


def run_isolated(job: Job, timeout: float) -> dict[str, Any]:
    """Runs one measurement in a fresh interpreter and reads its JSON result."""
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.run", "--job", json.dumps(job)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {**job, "error": f"timed out after {timeout:.0f} s"}
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-15:]
        return {**job, "error": "\n".join(tail) or f"exit {done.returncode}"}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = round(time.perf_counter() - started, 1)
    return result


def run_repeated(job: Job, inline: bool) -> dict[str, Any]:
    """Runs a measurement `repeat` times (each in its own process); the median run by p99."""
    times = int(job.get("repeat", 1))
    single = {key: value for key, value in job.items() if key != "repeat"}
    runs = [
        asyncio.run(run_job(single)) if inline else run_isolated(single, timeout=900)
        for _ in range(times)
    ]
    failed = [run for run in runs if "error" in run]
    if times == 1 or failed:
        return failed[0] if failed else runs[0]
    median = sorted(runs, key=lambda run: run["p99_ms"])[times // 2]
    return {**median, "p99_ms_runs": [run["p99_ms"] for run in runs]}


def _merged(previous: Path, document: dict[str, Any]) -> dict[str, Any]:
    """With --only: the earlier run's other benchmarks (same size) kept beside the new ones."""
    if not previous.exists():
        return document
    earlier = json.loads(previous.read_text())
    if earlier.get("size") != document["size"]:
        return document
    results = {**earlier.get("results", {}), **document["results"]}
    ordered = {name: results[name] for name in NAMES if name in results}
    return {**document, "results": ordered}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--size", choices=("tiny", "full"), default="full")
    parser.add_argument("--only", choices=NAMES, action="append")
    parser.add_argument("--inline", action="store_true", help="run in this process")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    parser.add_argument(
        "--sqlite-stock",
        action="store_true",
        help=f"also run SQLite on SQLAlchemy's stock aiosqlite driver (backend {SQLITE_STOCK})",
    )
    parser.add_argument("--job", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.job:
        print(json.dumps(asyncio.run(run_job(json.loads(args.job)))))
        return 0
    backends = ["sqlite"] + ([SQLITE_STOCK] if args.sqlite_stock else [])
    backends += [] if args.no_pg or pg_url() is None else ["postgresql"]
    results: dict[str, list[dict[str, Any]]] = {}
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    # The bot's replies to the script, calibrated by its first run (a 0.25 s quiet wait a
    # step), are handed to its later runs.
    calibrated: list[int] | None = None
    for name in args.only or NAMES:
        results[name] = []
        for job in plan(name, args.size, backends):
            if job.get("bot") == "aftersales" and calibrated is not None:
                job = {**job, "expected": calibrated}
            print(f"[bench] {json.dumps(job)}", file=sys.stderr, flush=True)
            outcome = run_repeated(job, args.inline)
            calibrated = outcome.get("replies_per_report", calibrated)
            print(f"[bench]   -> {json.dumps(outcome)}", file=sys.stderr, flush=True)
            results[name].append(outcome)
    document = {
        "size": args.size,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_at_start": load_at_start,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "backends": backends,
        "results": results,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    document = _merged(args.out / "latest.json", document) if args.only else document
    (args.out / "latest.json").write_text(json.dumps(document, indent=2) + "\n")
    (args.out / "latest.md").write_text(render_markdown(document))
    print(f"[bench] wrote {args.out / 'latest.json'} and latest.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
