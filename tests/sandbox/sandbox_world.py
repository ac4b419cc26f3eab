"""The demo sandbox (local Bot API server + the real product + demo data) for tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales.demo import Sandbox
from core.clock import ManualClock
from core.settings import Settings
from sandbox.ui import SandboxUi


def demo_settings(**overrides: Any) -> Settings:
    """Settings as a fresh clone has them (the sandbox points them at itself)."""
    values: dict[str, Any] = {
        "timezone": "Asia/Shanghai",
        "sweep_interval_seconds": 3600,
        **overrides,
    }
    return Settings(_env_file=None, **values)


@asynccontextmanager
async def running_sandbox(
    engine: AsyncEngine, clock: ManualClock, language: str = "en"
) -> AsyncIterator[Sandbox]:
    """A started sandbox on the test database."""
    sandbox = Sandbox(demo_settings(), clock, Path("unused.db"), language=language, engine=engine)
    await sandbox.start(poll_timeout=1)
    try:
        yield sandbox
    finally:
        await sandbox.stop()


def sandbox_ui(sandbox: Sandbox, **kw: Any) -> SandboxUi:
    """The sandbox page for a running sandbox."""
    return SandboxUi(
        sandbox.server,
        kw.pop("panes", None) or sandbox.panes(),
        sandbox,
        language=kw.pop("language", sandbox.language),
        tz=sandbox.settings.tz,
        **kw,
    )
