"""The real `aftersales demo` command: its banner, its ports, its data folder, its language."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from aftersales.cli import main
from tests.conftest import USE_PG

pytestmark = pytest.mark.skipif(USE_PG, reason="the demo keeps its data in SQLite by design")
ROOT = Path(__file__).parent.parent


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def demo_env(tmp_path: Path) -> dict[str, str]:
    """A clean environment whose temporary directory is the test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AFTERSALES_")}
    return {**env, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}


def run_until_ready(argv: list[str], tmp_path: Path) -> tuple[subprocess.Popen[str], str]:
    """Starts `aftersales demo ...`; returns it and its banner once it says how to stop."""
    demo = subprocess.Popen(
        [sys.executable, "-m", "aftersales.cli", "demo", *argv],
        cwd=tmp_path, env=demo_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert demo.stdout is not None and demo.stderr is not None
    banner = ""
    deadline = time.monotonic() + 90
    while "Ctrl+C" not in banner and time.monotonic() < deadline:
        line = demo.stdout.readline()
        if not line and demo.poll() is not None:
            break
        banner += line
    assert "Ctrl+C" in banner, banner + (demo.stderr.read() if demo.poll() is not None else "")
    return demo, banner


def stop(demo: subprocess.Popen[str]) -> str:
    """Ctrl+C; what the demo printed on its way out."""
    demo.send_signal(signal.SIGINT)
    out, _ = demo.communicate(timeout=30)
    assert demo.returncode == 0
    return out


def test_demo_in_chinese_on_chosen_ports_removes_its_data_on_exit(tmp_path: Path) -> None:
    port, api_port = free_port(), free_port()
    demo, banner = run_until_ready(
        ["--language", "zh_CN", "--port", str(port), "--api-port", str(api_port)], tmp_path
    )
    try:
        assert f"在浏览器中打开  http://127.0.0.1:{port}/sandbox" in banner
        assert f"端口 {port}" in banner and "AFTERSALES_HTTP_PORT" in banner
        assert "五部手机并排" in banner and "Open" not in banner
        assert "“员工工作台”按钮" in banner and "/dashboard" in banner
        [folder] = tmp_path.glob("aftersales-demo-*")
        assert f"数据：{folder / 'demo.db'}（退出时删除；用 --keep 保留）" in banner
        # The sandbox's own Bot API server is on the chosen port.
        token = "100000:SANDBOX-not-a-telegram-token"
        with urllib.request.urlopen(f"http://127.0.0.1:{api_port}/bot{token}/getMe") as answer:
            assert json.loads(answer.read())["result"]["is_bot"] is True
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/sandbox") as page:
            assert "沙盒" in page.read().decode()
    finally:
        out = stop(demo)
    assert f"已删除 {folder} 中的演示数据。" in out
    assert not folder.exists()


def test_demo_keeps_its_data_when_asked_and_says_where(tmp_path: Path) -> None:
    demo, banner = run_until_ready(["--keep", "--port", str(free_port())], tmp_path)
    [folder] = tmp_path.glob("aftersales-demo-*")
    assert "(port " not in banner and "(Port " in banner
    assert f"Data: {folder / 'demo.db'}  (kept on exit)" in banner
    # Where the dashboard is, and how to be someone else there than the supervisor.
    assert 'Staff dashboard: the "Staff dashboard" button on that page' in banner
    assert "/dashboard in a staff phone" in banner
    out = stop(demo)
    assert (
        f"The demo data stays in {folder / 'demo.db'}; continue with it: "
        f"aftersales demo --db {folder / 'demo.db'}"
    ) in out
    assert (folder / "demo.db").is_file()


def test_a_busy_bot_api_port_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # read TMPDIR again
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        monkeypatch.setenv("AFTERSALES_SANDBOX_API_PORT", str(busy))
        assert main(["demo", "--port", str(free_port())]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(
        f"The sandbox's Bot API server cannot listen on 127.0.0.1:{busy} ("
    )
    assert "aftersales demo --api-port 8091 (or AFTERSALES_SANDBOX_API_PORT)" in captured.err
    assert not list(tmp_path.glob("aftersales-demo-*"))  # nothing left behind


def test_demo_help_explains_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "--language {en,zh_CN} language of the demo people, the sandbox page" in shown
    assert "--api-port API_PORT port of the sandbox's own Bot API server" in shown
    assert "--keep keep the temporary data folder on exit" in shown
