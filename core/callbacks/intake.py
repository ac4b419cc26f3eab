"""Buttons of the desk's /new dialog (a request by phone, letter, e-mail or visit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.callbacks.codec import Callback


@dataclass(frozen=True)
class NewSkip(Callback):
    """Skip an optional answer (company, serial)."""

    prefix = "nw:s"


@dataclass(frozen=True)
class NewKind(Callback):
    """The kind of request."""

    prefix = "nw:k"
    kind: Literal["fault", "installation"]


@dataclass(frozen=True)
class NewDeadline(Callback):
    """A ready-made on-site deadline."""

    prefix = "nw:d"
    choice: Literal["urgent", "today", "tomorrow"]


@dataclass(frozen=True)
class NewChannel(Callback):
    """How the request came in."""

    prefix = "nw:c"
    channel: Literal["phone", "letter", "email", "visit"]


@dataclass(frozen=True)
class NewConfirm(Callback):
    """Register the request as summarised."""

    prefix = "nw:ok"
