"""storage/ owns all SQL: use cases (services/) and the faces (bot/, web/, scheduler/) load and
store through repositories and never build or run a statement themselves."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUARDED = ("services", "bot", "web", "scheduler")

# What builds a statement or a clause. Session and engine types (sqlalchemy.ext.asyncio) and
# errors (sqlalchemy.exc) build nothing and stay allowed.
STATEMENT_NAMES = frozenset(
    {
        "select",
        "update",
        "delete",
        "insert",
        "func",
        "and_",
        "or_",
        "not_",
        "text",
        "exists",
        "literal",
        "literal_column",
        "case",
        "bindparam",
        "union",
        "union_all",
    }
)
# Ways of running a statement on a session or connection.
RUNNERS = frozenset({"execute", "scalar", "scalars", "stream", "stream_scalars"})
# storage's statement helpers.
STORAGE_BUILDERS = ("storage.upsert",)


def sql_in(source: str) -> list[str]:
    """What in this source builds or runs SQL, as `line: what` strings."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [
                f"{node.lineno}: import {alias.name}"
                for alias in node.names
                if alias.name == "sqlalchemy" or alias.name.startswith("sqlalchemy.sql")
            ]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "sqlalchemy" or node.module.startswith("sqlalchemy."):
                found += [
                    f"{node.lineno}: from {node.module} import {alias.name}"
                    for alias in node.names
                    if alias.name in STATEMENT_NAMES or alias.name == "*"
                ]
            elif node.module in STORAGE_BUILDERS:
                found.append(f"{node.lineno}: from {node.module} import ...")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in RUNNERS
        ):
            found.append(f"{node.lineno}: .{node.func.attr}(...)")
    return found


def guarded_modules() -> list[Path]:
    """Every Python module of the layers that must not build SQL."""
    return sorted(path for layer in GUARDED for path in (ROOT / layer).rglob("*.py"))


def test_the_guarded_layers_exist() -> None:
    modules = guarded_modules()
    for layer in GUARDED:
        assert any(path.is_relative_to(ROOT / layer) for path in modules), layer


@pytest.mark.parametrize("path", guarded_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_sql_outside_storage(path: Path) -> None:
    found = sql_in(path.read_text(encoding="utf-8"))
    assert not found, (
        f"{path.relative_to(ROOT)} builds or runs SQL; move the query into storage/repos/:\n"
        + "\n".join(found)
    )


@pytest.mark.parametrize(
    "source",
    [
        "from sqlalchemy import select",
        "from sqlalchemy import func, or_",
        "from sqlalchemy.dialects.postgresql import insert",
        "import sqlalchemy as sa",
        "from storage.upsert import insert_ignore",
        "async def f(session):\n    await session.execute(statement)",
        "async def f(session):\n    return await session.scalars(statement)",
    ],
)
def test_the_check_finds_sql(source: str) -> None:
    assert sql_in(source)


def test_the_check_allows_sessions_and_errors() -> None:
    source = (
        "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker\n"
        "from sqlalchemy.exc import IntegrityError\n"
        "async def f(session: AsyncSession):\n"
        "    return await repo.get_case(session, case_id=1)\n"
    )
    assert sql_in(source) == []
