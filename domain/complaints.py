"""Complaint rules: root-cause categories, severities, what a closure needs (pure)."""

from __future__ import annotations

from enum import StrEnum

ROOT_CAUSES: tuple[str, ...] = (
    "conduct",
    "lateness",
    "workmanship",
    "product_quality",
    "communication",
    "pricing",
    "other",
)
ACTION_LIMIT = 1000
DESCRIPTION_LIMIT = 2000


class Source(StrEnum):
    """Where a complaint came from."""

    CUSTOMER = "customer"
    LOW_SCORE = "low_score"
    MONEY = "money"


class Severity(StrEnum):
    """How urgent a complaint is."""

    NORMAL = "normal"
    HIGH = "high"


def closure_problem(root_cause: str | None, corrective_action: str | None) -> str | None:
    """Why a complaint cannot be closed yet, or None when it may be."""
    if root_cause not in ROOT_CAUSES:
        return "root_cause"
    if corrective_action is None or not corrective_action.strip():
        return "corrective_action"
    return None
