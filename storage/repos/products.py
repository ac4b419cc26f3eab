"""Products: lookup, registration to a customer, bulk upsert from an import."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Product
from storage.repos.rows import add as add_row
from storage.upsert import dialect_insert


async def get_product(session: AsyncSession, *, serial: str) -> Product | None:
    """The product with this serial, if known."""
    return await session.scalar(select(Product).where(Product.serial == serial))


async def get_product_by_id(session: AsyncSession, *, product_id: int) -> Product | None:
    """A product by primary key."""
    return await session.get(Product, product_id)


async def products_of(session: AsyncSession, *, customer_id: int) -> list[Product]:
    """The products registered to a customer, newest first."""
    rows = await session.scalars(_PRODUCTS_OF, {"customer_id": customer_id})
    return list(rows)


# Asked at the start of every report: built once.
_PRODUCTS_OF = (
    select(Product)
    .where(Product.customer_id == bindparam("customer_id"))
    .order_by(Product.id.desc())
)


async def register_product(
    session: AsyncSession, *, product: Product, customer_id: int, now: datetime
) -> None:
    """Registers a known product to a customer."""
    product.customer_id = customer_id
    product.updated_at = now
    await session.flush()


async def add_unverified_product(
    session: AsyncSession,
    *,
    serial: str,
    model: str,
    purchase_date: date | None,
    customer_id: int,
    now: datetime,
) -> Product:
    """Records a serial the department does not know yet; warranty to be verified."""
    product = Product(
        serial=serial,
        model=model,
        purchase_date=purchase_date,
        customer_id=customer_id,
        verified=False,
        created_at=now,
        updated_at=now,
    )
    return await add_row(session, product)


async def upsert_products(
    session: AsyncSession, *, rows: list[dict[str, Any]], now: datetime
) -> int:
    """Inserts or updates products by serial (the import); returns how many were written."""
    if not rows:
        return 0
    statement = dialect_insert(session, Product)
    values = [{**row, "verified": True, "created_at": now, "updated_at": now} for row in rows]
    statement = statement.values(values)
    updatable = {
        name: statement.excluded[name]
        for name in (
            "model",
            "category",
            "owner_phone",
            "owner_company",
            "purchase_date",
            "installed_on",
            "warranty_end",
            "verified",
            "updated_at",
        )
    }
    await session.execute(
        statement.on_conflict_do_update(index_elements=["serial"], set_=updatable)
    )
    return len(rows)
