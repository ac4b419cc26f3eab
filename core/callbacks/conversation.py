"""Buttons of a case's conversation: the customer's choice of case, the technician's reply."""

from __future__ import annotations

from dataclasses import dataclass

from core.callbacks.codec import Callback
from core.callbacks.staff import JobButton


@dataclass(frozen=True)
class ThreadCase(Callback):
    """The customer picks the case their waiting messages are about."""

    prefix = "cv:case"
    case_id: int


@dataclass(frozen=True)
class WriteToCustomer(JobButton):
    """The technician writes to the job's customer."""

    prefix = "tj:msg"
