"""Money typed by people, and part lines of quotes and reports (amounts in integer cents)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.parsing import parse_count
from domain.validation import InputError

MAX_CENTS = 100_000_000  # one million in the currency; anything above is a typo
_SEPARATORS = re.compile(r"\s*[;,，；|]\s*")


def parse_money(text: str) -> int:
    """Reads "35", "35.5" or "¥1,200.00" as cents; raises InputError("money")."""
    cleaned = re.sub(r"[¥$€元\s]", "", text or "")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d{1,2})?", cleaned):
        cleaned = cleaned.replace(",", "")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", cleaned):
        raise InputError("money")
    try:
        cents = int(Decimal(cleaned) * 100)
    except InvalidOperation as exc:
        raise InputError("money") from exc
    if cents > MAX_CENTS:
        raise InputError("money")
    return cents


def parse_hours(text: str) -> float:
    """Reads labour hours such as "1.5"; raises InputError("hours")."""
    try:
        hours = float((text or "").strip().replace("，", "."))
    except ValueError as exc:
        raise InputError("hours") from exc
    if not 0 <= hours <= 100:
        raise InputError("hours")
    return round(hours, 2)


@dataclass(frozen=True)
class PartLine:
    """One part: name, quantity and unit price in cents."""

    name: str
    quantity: int
    unit_cents: int

    @property
    def total_cents(self) -> int:
        """Quantity times unit price."""
        return self.quantity * self.unit_cents

    def to_json(self) -> dict[str, str | int]:
        """The JSON-safe form stored on quotes and reports."""
        return {"name": self.name, "qty": self.quantity, "unit_cents": self.unit_cents}


def parse_part(text: str) -> PartLine:
    """Reads "name, quantity, unit price"; raises InputError("part")."""
    pieces = _SEPARATORS.split((text or "").strip())
    if len(pieces) != 3 or not pieces[0] or len(pieces[0]) > 100:
        raise InputError("part")
    name, raw_qty, raw_price = pieces
    quantity = parse_count(raw_qty, maximum=999)
    if quantity is None:
        raise InputError("part")
    try:
        unit = parse_money(raw_price)
    except InputError as exc:
        raise InputError("part") from exc
    return PartLine(name, quantity, unit)


def parts_total(parts: list[dict[str, str | int]]) -> int:
    """The sum of stored part lines, in cents."""
    return sum(int(p["qty"]) * int(p["unit_cents"]) for p in parts)


def stored_parts(parts: list[dict[str, Any]]) -> tuple[PartLine, ...]:
    """Part lines as a quote or report stores them (see PartLine.to_json)."""
    return tuple(PartLine(str(p["name"]), int(p["qty"]), int(p["unit_cents"])) for p in parts)
