"""INSERT ... ON CONFLICT for both backends, so idempotent writes stay one statement."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Insert, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base


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


async def insert_ignore(
    session: AsyncSession, model: type[Base], values: dict[str, Any], conflict: list[str]
) -> bool:
    """Inserts a row unless one with the same conflict columns exists; True if inserted."""
    shape = (session.get_bind().dialect.name, model, tuple(values), tuple(conflict))
    statement = _IGNORING.get(shape)
    if statement is None:  # built once per shape: its cache key is then computed once too
        table = model.__table__
        statement = (
            dialect_insert(session, model)
            .values({name: bindparam(name, type_=table.c[name].type) for name in values})
            .on_conflict_do_nothing(index_elements=conflict)
            .returning(table.c.id)
        )
        _IGNORING[shape] = statement
    result = await session.execute(statement, values)
    return result.first() is not None


_IGNORING: dict[tuple[str, type[Base], tuple[str, ...], tuple[str, ...]], Insert] = {}
