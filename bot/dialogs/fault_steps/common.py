"""What every step of the fault report shares: its states, its typed draft, its limits."""

from __future__ import annotations

from enum import IntEnum
from typing import TypedDict, cast

from telegram.ext import ConversationHandler

from bot.context import AppContext

MAX_PHOTOS = 5
DESCRIPTION_LIMIT = 2000
ADDRESS_LIMIT = 300
PICK_HOURS = (9, 11, 14, 16, 18)
END = ConversationHandler.END
DRAFT = "draft"


class State(IntEnum):
    """Steps of the report."""

    PRODUCT = 1
    SERIAL = 2
    MODEL = 3
    PURCHASE = 4
    DESCRIBE = 5
    ADDRESS = 6
    ADDRESS_DETAIL = 7
    DEADLINE = 8
    CONFIRM = 9


class FaultDraft(TypedDict, total=False):
    """The report being written; JSON-safe, it is persisted with the user's data."""

    kind: str  # a CaseKind value
    product_id: int
    serial: str  # an unknown serial, until its model and purchase date are in
    model: str
    description: str
    photos: list[list[str]]  # [file_id, file_unique_id] per photo
    address: str
    latitude: float
    longitude: float
    deadline: str  # ISO moment
    editing: bool  # a step reached from the summary goes back to it


def fault_draft(context: AppContext) -> FaultDraft:
    """The report being written, kept in the user's persisted data."""
    assert context.user_data is not None
    return cast(FaultDraft, context.user_data.setdefault(DRAFT, {}))


def new_draft(context: AppContext, draft: FaultDraft) -> None:
    """Starts a report afresh with the given draft."""
    assert context.user_data is not None
    context.user_data[DRAFT] = draft


def drop_draft(context: AppContext) -> None:
    """Forgets the report after it was sent."""
    assert context.user_data is not None
    context.user_data.pop(DRAFT, None)
