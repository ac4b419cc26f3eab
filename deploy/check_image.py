"""Builds the Docker image and checks it against the sandbox Bot API: `make image-check`.

Needs a Docker engine and the base image (python:3.11-slim) reachable; not part of
`make test`, which must run where there is neither. What it checks, as an operator would:
the image builds, `aftersales run` migrates its SQLite volume and answers a customer, runs as
the unprivileged user, reports healthy, stops cleanly on SIGTERM and comes back from the
volume with its dialogs.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from bench.common import CountingServer
from sandbox.users import SandboxUser

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "aftersales:check"
CONTAINER = "aftersales-check"
VOLUME = "aftersales-check-data"
API_PORT = 18081
HTTP_PORT = 18080
TOKEN = "123456:TEST"


def docker(*args: str, check: bool = True) -> str:
    """Runs a docker command; its output."""
    done = subprocess.run(["docker", *args], capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


async def run(*args: str, check: bool = True) -> str:
    """A docker command off the event loop, which keeps serving the container's Bot API calls."""
    return await asyncio.to_thread(docker, *args, check=check)


def health_after_start(name: str, timeout: float = 90.0) -> str:
    """The container's health once it is no longer starting."""
    deadline = time.monotonic() + timeout
    health = "starting"
    while health == "starting" and time.monotonic() < deadline:
        time.sleep(1)
        health = docker("inspect", "-f", "{{.State.Health.Status}}", name)
    return health


def check(what: str, ok: bool, detail: object = "") -> None:
    """Prints one check; stops at the first that fails."""
    print(f"{'ok  ' if ok else 'FAIL'} {what}{f': {detail}' if detail != '' else ''}")
    if not ok:
        raise SystemExit(1)


async def main() -> None:
    await run("build", "-f", str(ROOT / "deploy" / "Dockerfile"), "-t", IMAGE, str(ROOT))
    check("image built", True, IMAGE)
    server = CountingServer(token=TOKEN)
    await server.start(host="0.0.0.0", port=API_PORT)  # the container connects from its bridge
    await run("rm", "-f", CONTAINER, check=False)
    await run("volume", "rm", "-f", VOLUME, check=False)
    user = SandboxUser(server, 4242, "Wang")
    try:
        await run(
            "run", "-d", "--name", CONTAINER,
            "--add-host", "host.docker.internal:host-gateway",
            "-e", f"AFTERSALES_BOT_TOKEN={TOKEN}",
            "-e", f"AFTERSALES_TELEGRAM_BASE_URL=http://host.docker.internal:{API_PORT}",
            "-p", f"127.0.0.1:{HTTP_PORT}:8080",
            "-v", f"{VOLUME}:/var/lib/aftersales",
            IMAGE,
        )  # fmt: skip
        user.send_text("/start")
        await server.wait_sent(user.chat_id, 1)
        check("answers /start", "Please choose your language" in user.texts()[-1])
        user.press("English")
        await server.wait_sent(user.chat_id, 2)
        asked = user.texts()[-1]
        check("registration goes on in English", "What is your name?" in asked, asked[:60])
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{HTTP_PORT}/healthz") as response,
        ):
            check("/healthz", response.status == 200, await response.text())
        check("runs as", "uid=10001(aftersales)" in await run("exec", CONTAINER, "id"))
        files = await run("exec", CONTAINER, "ls", "/var/lib/aftersales")
        check("database in the volume", "aftersales.db" in files.split())
        health = await asyncio.to_thread(health_after_start, CONTAINER)
        check("health check", health == "healthy", health)
        await run("stop", CONTAINER)
        code = await run("inspect", "-f", "{{.State.ExitCode}}", CONTAINER)
        check("stops cleanly on SIGTERM", code == "0", f"exit code {code}")
        await run("start", CONTAINER)
        sent = server.sent[user.chat_id]
        user.send_text("/cancel")
        await server.wait_sent(user.chat_id, sent + 1)
        check("after a restart the dialog is there to cancel", "Cancelled" in user.texts()[-1])
    finally:
        print(await run("logs", "--tail", "20", CONTAINER, check=False), file=sys.stderr)
        await run("rm", "-f", CONTAINER, check=False)
        await run("volume", "rm", "-f", VOLUME, check=False)
        await server.stop()


if __name__ == "__main__":
    asyncio.run(main())
