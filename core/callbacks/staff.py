"""Staff buttons: invites, the desk's assignments, the technician's job, quote and report."""

from __future__ import annotations

from dataclasses import dataclass

from core.callbacks.codec import Callback

# --- staff: invites, the desk ----------------------------------------------------------------


@dataclass(frozen=True)
class Invite(Callback):
    """Create an invite for a staff role."""

    prefix = "inv"
    role: str


@dataclass(frozen=True)
class AssignCase(Callback):
    """Propose technicians for a new case (the best few)."""

    prefix = "as"
    case_id: int


@dataclass(frozen=True)
class AssignAnyone(AssignCase):
    """Propose every technician for a new case."""

    prefix = "asgo"


@dataclass(frozen=True)
class PickTechnician(Callback):
    """Assign the case to this technician."""

    prefix = "asg"
    case_id: int
    staff_id: int


@dataclass(frozen=True)
class ReassignTo(PickTechnician):
    """Reassign the case to this technician (the reason waits in the desk's data)."""

    prefix = "rsg"


@dataclass(frozen=True)
class PickAnyway(PickTechnician):
    """Assign although the technician is not (or no longer) certified: the desk confirmed."""

    prefix = "asgy"


@dataclass(frozen=True)
class ReassignAnyway(ReassignTo):
    """Reassign although the technician is not (or no longer) certified: the desk confirmed."""

    prefix = "rsgy"


# --- technician: the job ---------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentButton(Callback):
    """An answer to a dispatch notice, naming the assignment."""

    assignment_id: int


@dataclass(frozen=True)
class AcceptJob(AssignmentButton):
    """Accept the job."""

    prefix = "tk:a"


@dataclass(frozen=True)
class DeclineJob(AssignmentButton):
    """Decline the job (a reason follows)."""

    prefix = "tk:d"


@dataclass(frozen=True)
class JobButton(Callback):
    """A step of one of the technician's jobs, naming the case."""

    case_id: int


@dataclass(frozen=True)
class CheckIn(JobButton):
    """Check in on site."""

    prefix = "tj:in"


@dataclass(frozen=True)
class StartQuote(JobButton):
    """Write a quote."""

    prefix = "tj:q"


@dataclass(frozen=True)
class StartReport(JobButton):
    """File the service report."""

    prefix = "tj:rep"


@dataclass(frozen=True)
class StartNote(JobButton):
    """Add a note to the job."""

    prefix = "tj:note"


@dataclass(frozen=True)
class QuotePartsDone(Callback):
    """Quote: no more parts."""

    prefix = "qd:done"


@dataclass(frozen=True)
class QuoteSend(Callback):
    """Quote: send it to the customer."""

    prefix = "qd:send"


@dataclass(frozen=True)
class QuoteAbandon(Callback):
    """Quote: drop it."""

    prefix = "qd:x"


@dataclass(frozen=True)
class ReportPartsDone(Callback):
    """Service report: no more parts."""

    prefix = "sr:pd"


@dataclass(frozen=True)
class ReportCause(Callback):
    """Service report: the root cause."""

    prefix = "sr:c"
    cause: str


@dataclass(frozen=True)
class ReportMajor(Callback):
    """Service report: a major quality problem or not."""

    prefix = "sr:m"
    major: bool


@dataclass(frozen=True)
class ReportFixed(Callback):
    """Service report: fixed or not."""

    prefix = "sr:f"
    fixed: bool


@dataclass(frozen=True)
class ReportCheck(Callback):
    """Service report: tick a checklist item, or `done`."""

    prefix = "sr:k"
    item: str


@dataclass(frozen=True)
class ReportSend(Callback):
    """Service report: send it."""

    prefix = "sr:send"


@dataclass(frozen=True)
class ReportAbandon(Callback):
    """Service report: drop it."""

    prefix = "sr:x"


# --- lists and the admin's /staff ------------------------------------------------------------


@dataclass(frozen=True)
class ShowPage(Callback):
    """Show page `page` of the list `listing` (◀ ▶ under every paged list)."""

    prefix = "pg"
    listing: str
    page: int


@dataclass(frozen=True)
class StaffButton(Callback):
    """A button of the admin's /staff list."""


@dataclass(frozen=True)
class AskRemoval(StaffButton):
    """Ask to confirm removing this staff member."""

    prefix = "stf:ask"
    staff_id: int


@dataclass(frozen=True)
class RemoveStaff(StaffButton):
    """Remove every role of this staff member."""

    prefix = "stf:ok"
    staff_id: int


@dataclass(frozen=True)
class RemoveRole(StaffButton):
    """Remove one role of this staff member."""

    prefix = "stf:role"
    staff_id: int
    role: str


@dataclass(frozen=True)
class KeepStaff(StaffButton):
    """Leave the staff as it is."""

    prefix = "stf:no"
