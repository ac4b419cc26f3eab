"""Validation of product register rows (the CSV import)."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.parsing import parse_day
from domain.validation import InputError, clean_text, normalize_phone, normalize_serial

COLUMNS = (
    "serial",
    "model",
    "category",
    "customer_phone",
    "customer_company",
    "purchase_date",
    "installation_date",
    "warranty_end",
)
REQUIRED = ("serial", "model", "warranty_end")


@dataclass(frozen=True)
class RowError:
    """Why one line of the file was refused."""

    line: int
    column: str
    problem: str


class UnreadableFile(ValueError):
    """A register file whose bytes are not text in the encodings tried; says what to do."""


def decode_register(data: bytes, encoding: str | None = None) -> str:
    """The file's text: in the named encoding, else UTF-8 (with or without BOM), else GB18030.

    Excel on Chinese Windows saves CSV in the ANSI code page, GBK, which GB18030 contains;
    bytes that are neither are refused rather than guessed.
    """
    if encoding is not None:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise UnreadableFile(f"Unknown encoding: {encoding}") from None
        try:  # a BOM is not part of the header, whatever UTF-8 was asked for
            return data.decode("utf-8-sig" if codec == "utf-8" else codec)
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"Not {encoding} text (byte {exc.start}).") from None
    for codec in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(
        "The file is neither UTF-8 nor GB18030 text; name its encoding with --encoding."
    )


# ISO dates, and the slashed ones Excel writes (2026/03/01, 2026/3/1).
_DATE = re.compile(r"([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})")


def _date(value: str, column: str, line: int) -> date | RowError | None:
    """Reads a date as YYYY-MM-DD or YYYY/MM/DD; empty means none."""
    if not value.strip():
        return None
    match = _DATE.fullmatch(value.strip())
    parsed = parse_day(f"{match[1]}-{match[2]:0>2}-{match[3]:0>2}") if match else None
    if parsed is None:
        return RowError(line, column, f"not a date (YYYY-MM-DD): {value!r}")
    return parsed


def parse_row(raw: dict[str, str | None], line: int) -> dict[str, Any] | list[RowError]:
    """Turns one CSV row into product values, or the list of what is wrong with it."""
    values = {key: (raw.get(key) or "").strip() for key in COLUMNS}
    errors = [RowError(line, c, "missing") for c in REQUIRED if not values[c]]
    if errors:
        return errors
    row: dict[str, Any] = {}
    try:
        row["serial"] = normalize_serial(values["serial"])
    except InputError:
        errors.append(RowError(line, "serial", f"invalid serial {values['serial']!r}"))
    for column, limit in (("model", 100), ("category", 60), ("customer_company", 120)):
        if values[column]:
            try:
                row[column] = clean_text(values[column], max_length=limit)
            except InputError as exc:
                errors.append(RowError(line, column, exc.reason))
    if values["customer_phone"]:
        try:
            row["owner_phone"] = normalize_phone(values["customer_phone"])
        except InputError:
            errors.append(RowError(line, "customer_phone", "invalid phone number"))
    dates: dict[str, date | None] = {}
    for column in ("purchase_date", "installation_date", "warranty_end"):
        parsed = _date(values[column], column, line)
        if isinstance(parsed, RowError):
            errors.append(parsed)
        else:
            dates[column] = parsed
    bought = dates.get("purchase_date")
    end = dates.get("warranty_end")
    if bought and end and end < bought:
        errors.append(RowError(line, "warranty_end", "ends before the purchase date"))
    if errors:
        return errors
    return {
        "serial": row["serial"],
        "model": row["model"],
        "category": row.get("category"),
        "owner_phone": row.get("owner_phone"),
        "owner_company": row.get("customer_company"),
        "purchase_date": bought,
        "installed_on": dates.get("installation_date"),
        "warranty_end": end,
    }
