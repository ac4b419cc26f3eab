"""Money as people read it. Amounts are kept in integer cents; this is the one place they are
turned into currency text (catalog arguments, dashboard, exports, reports, the CLI)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

Currency = Literal["CNY", "USD", "EUR"]
DEFAULT_CURRENCY: Currency = "CNY"
SYMBOLS: dict[str, str] = {"CNY": "¥", "USD": "$", "EUR": "€"}


def format_money(cents: float, currency: str = DEFAULT_CURRENCY) -> str:
    """An amount in cents (a mean may be fractional) as currency: 9100 -> "¥91.00"."""
    amount = (Decimal(str(cents)) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}{SYMBOLS.get(currency, currency)}{abs(amount):.2f}"


def part_lines(parts: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Parts as a catalog argument, shown as lines in the reader's currency at render time."""
    return {"$parts": parts}


def format_part_lines(parts: list[dict[str, Any]], currency: str = DEFAULT_CURRENCY) -> str:
    """Parts as text lines: name × quantity @ unit price."""
    if not parts:
        return "-"
    return "\n".join(
        f"• {p['name']} × {p['qty']} @ {format_money(int(p['unit_cents']), currency)}"
        for p in parts
    )
