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
    table = model.__table__

    def build() -> Any:
        return (
            dialect_insert(session, model)
            .values({name: bindparam(name, type_=table.c[name].type) for name in values})
            .on_conflict_do_nothing(index_elements=conflict)
            .returning(table.c.id)
        )

    shape = ("insert_ignore", model, tuple(values), tuple(conflict))
    result = await session.execute(built_once(session, shape, build), values)
    return result.first() is not None
