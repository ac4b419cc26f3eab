"""Developer helpers that are not part of the running product."""

from __future__ import annotations

from alembic import command
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.migrate import alembic_config


async def regenerate(engine: AsyncEngine) -> None:
    """Autogenerates the initial migration against an empty database."""
    async with engine.begin() as conn:
        await conn.run_sync(
            lambda sync: command.revision(
                alembic_config(sync), message="initial schema", autogenerate=True, rev_id="0001"
            )
        )
    await engine.dispose()


def setting_rows() -> list[tuple[str, str, str]]:
    """(environment variable, default, meaning) for every setting."""
    from core.setting_docs import SETTING_DOCS
    from core.settings import Settings

    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
        if isinstance(default, list):
            shown = ",".join(str(v) for v in default)
        elif default is None:
            shown = ""
        elif isinstance(default, bool):
            shown = str(default).lower()
        else:
            shown = str(default)
        rows.append((f"AFTERSALES_{name.upper()}", shown, SETTING_DOCS.get(name, "")))
    return rows


def env_example() -> str:
    """The text of .env.example: every setting with its meaning and default."""
    lines = ["# aftersales settings; every one is optional except the bot token for `run`.", ""]
    for variable, default, meaning in setting_rows():
        lines.append(f"# {meaning}")
        lines.append(f"{variable}={default}")
    return "\n".join(lines) + "\n"


def settings_table() -> str:
    """The README's settings table."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for variable, default, meaning in setting_rows():
        lines.append(f"| `{variable}` | {f'`{default}`' if default else '—'} | {meaning} |")
    return "\n".join(lines)


def write_docs() -> None:
    """Rewrites .env.example and the settings table in README.md from the Settings class."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    (root / ".env.example").write_text(env_example(), encoding="utf-8")
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    table = settings_table()
    pattern = re.compile(r"<!-- settings -->.*<!-- /settings -->", re.S)
    block = f"<!-- settings -->\n{table}\n<!-- /settings -->"
    text = (
        pattern.sub(lambda _: block, text)
        if pattern.search(text)
        else text.replace("SETTINGS_TABLE", block)
    )
    readme.write_text(text, encoding="utf-8")
