"""Money as people read it. Amounts are kept in integer cents; this is the one place they are
turned into currency text (catalog arguments, dashboard, exports, reports, the CLI)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any


def format_money(cents: float) -> str:
    """An amount in cents (a mean may be fractional) as currency: 9100 -> "91.00"."""
    amount = (Decimal(str(cents)) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{amount:.2f}"


def part_lines(parts: list[dict[str, Any]]) -> str:
    """Parts as text lines: name × quantity @ unit price."""
    if not parts:
        return "-"
    return "\n".join(
        f"• {p['name']} × {p['qty']} @ {format_money(int(p['unit_cents']))}" for p in parts
    )
