"""The codec behind core.callbacks: the Callback base, `pack`, `parse` and `parse_as`."""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Literal, TypeVar

LIMIT = 64
MAX_INT = 2**31 - 1
_TOKEN = re.compile(r"[A-Za-z0-9_.-]+")
_NUMBER = re.compile(r"0|[1-9][0-9]*")

C = TypeVar("C", bound="Callback")

_KINDS: dict[str, type[Callback]] = {}
_FIELDS: dict[type[Callback], tuple[tuple[str, Any], ...]] = {}


@dataclass(frozen=True)
class Callback:
    """A kind of button: subclasses set `prefix` and declare their typed fields."""

    prefix: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        prefix = cls.__dict__.get("prefix")
        if prefix is None:
            return  # a shared base of several kinds, not a kind itself
        assert prefix not in _KINDS, f"callback prefix {prefix!r} used twice"
        _KINDS[prefix] = cls

    def pack(self) -> str:
        """The callback data on the wire."""
        parts = [self.prefix, *(_encode(getattr(self, name)) for name, _ in _fields(type(self)))]
        data = ":".join(parts)
        assert len(data.encode()) <= LIMIT, f"callback data over {LIMIT} bytes: {data!r}"
        return data

    def valid(self) -> bool:
        """Whether the field values make sense beyond their types (a kind may narrow them)."""
        return True

    @classmethod
    def pattern(cls) -> str:
        """A regex for a CallbackQueryHandler: the prefixes of this kind and its sub-kinds.

        It only routes; the handler still reads the fields with `parse`.
        """
        prefixes = sorted(p for p, kind in _KINDS.items() if issubclass(kind, cls))
        assert prefixes, f"{cls.__name__} has no prefix"
        return "^(" + "|".join(re.escape(p) for p in prefixes) + ")(:|$)"


def _fields(kind: type[Callback]) -> tuple[tuple[str, Any], ...]:
    """A kind's fields and their resolved types, in declaration order."""
    if kind not in _FIELDS:
        hints = typing.get_type_hints(kind)
        _FIELDS[kind] = tuple((f.name, hints[f.name]) for f in dataclasses.fields(kind))
    return _FIELDS[kind]


def _encode(value: object) -> str:
    """One field on the wire."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    assert ":" not in text and text, f"callback field {text!r} cannot be packed"
    return text


def _decode(raw: str, kind: Any) -> object:
    """One field from the wire; raises ValueError when it is not of the type."""
    if kind is bool:
        if raw not in ("0", "1"):
            raise ValueError(raw)
        return raw == "1"
    if kind is int:
        if not _NUMBER.fullmatch(raw) or int(raw) > MAX_INT:
            raise ValueError(raw)
        return int(raw)
    if kind is date:
        return date.fromisoformat(raw)
    if kind is str:
        if not _TOKEN.fullmatch(raw):
            raise ValueError(raw)
        return raw
    if typing.get_origin(kind) is Literal:
        if raw not in typing.get_args(kind):
            raise ValueError(raw)
        return raw
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        raise TypeError(f"callback fields cannot be optional: {kind}")
    raise TypeError(f"unsupported callback field type: {kind}")


def parse(data: str | None) -> Callback | None:
    """The typed button behind callback data, or None if it is malformed or unknown."""
    if not data or len(data.encode()) > LIMIT:
        return None
    parts = data.split(":")
    # The longest prefix first: `rf:p:other` is a kind of its own beside `rf:p:<id>`.
    for cut in range(len(parts), 0, -1):
        kind = _KINDS.get(":".join(parts[:cut]))
        if kind is None:
            continue
        fields = _fields(kind)
        raw = parts[cut:]
        if len(raw) != len(fields):
            continue
        try:
            values = {
                name: _decode(value, t) for (name, t), value in zip(fields, raw, strict=True)
            }
        except ValueError:
            continue
        button = kind(**values)
        if button.valid():
            return button
    return None


def kinds() -> list[type[Callback]]:
    """Every kind of button, by prefix."""
    return [_KINDS[prefix] for prefix in sorted(_KINDS)]


def parse_as(data: str | None, kind: type[C]) -> C | None:
    """The button if the data parses as that kind (or a subclass of it), else None."""
    button = parse(data)
    return button if isinstance(button, kind) else None
