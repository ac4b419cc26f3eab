"""INSERT ... ON CONFLICT for both backends, so idempotent writes stay one statement."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base

T = TypeVar("T")


def dialect_insert(session: AsyncSession, model: type[Base]) -> Any:
    """The dialect's own insert() (with on_conflict_* methods) for a model's table.

    A plain Core insert of the table, not an ORM-enabled one: these statements never need the
    ORM's bulk machinery, which costs more CPU than the statement itself (bench: throughput).
    """
    name = session.get_bind().dialect.name
    table = model.__table__
    assert isinstance(table, Table)
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database: {name}")


def built_once(session: AsyncSession, key: Hashable, build: Callable[[], T]) -> T:
    """A statement built once per database dialect and key, then reused with new parameters.

    A statement built afresh on every call costs its construction and its cache-key walk each
    time (bench: throughput); one shape per key also keeps SQLAlchemy's compiled cache small.
    """
    where = (session.get_bind().dialect.name, key)
    statement = _BUILT.get(where)
    if statement is None:
        statement = _BUILT[where] = build()
    return cast(T, statement)


_BUILT: dict[tuple[str, Hashable], Any] = {}


async def insert_ignore(
    session: AsyncSession, model: type[Base], values: dict[str, Any], conflict: list[str]
) -> bool:
    """Inserts a row unless one with the same conflict columns exists; True if inserted."""
    statement = _insert_ignore(session, model, tuple(values), tuple(conflict), returning=True)
    result = await session.execute(statement, values)
    return result.first() is not None


async def insert_ignore_many(
    session: AsyncSession, model: type[Base], rows: list[dict[str, Any]], conflict: list[str]
) -> None:
    """Inserts rows (all with the same keys) in one statement, skipping conflicting ones."""
    if not rows:
        return
    names, keys = tuple(rows[0]), tuple(conflict)
    await session.execute(_insert_ignore(session, model, names, keys, returning=False), rows)


def _insert_ignore(
    session: AsyncSession,
    model: type[Base],
    names: tuple[str, ...],
    conflict: tuple[str, ...],
    *,
    returning: bool,
) -> Any:
    table = model.__table__

    def build() -> Any:
        statement = (
            dialect_insert(session, model)
            .values({name: bindparam(name, type_=table.c[name].type) for name in names})
            .on_conflict_do_nothing(index_elements=list(conflict))
        )
        return statement.returning(table.c.id) if returning else statement

    return built_once(session, ("insert_ignore", model, names, conflict, returning), build)
