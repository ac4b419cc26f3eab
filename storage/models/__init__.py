"""All tables, importable from one place."""

from storage.models.api import ApiKey, WebhookDelivery, WebhookSubscription
from storage.models.base import Base, UTCDateTime
from storage.models.cases import Assignment, Case, CaseEvent, CasePhoto, DaySequence, Product
from storage.models.claims import SupplierClaim
from storage.models.conversation import CaseMessage
from storage.models.feedback import Survey, SurveyAnswer
from storage.models.infra import (
    InboxUpdate,
    LoginToken,
    OutboxMessage,
    PersistedState,
    Reminder,
    WebSession,
)
from storage.models.people import (
    Certification,
    Customer,
    CustomerChange,
    Staff,
    StaffAudit,
    StaffInvite,
)
from storage.models.work import Quote, ServiceReport

__all__ = [
    "ApiKey",
    "Assignment",
    "Base",
    "Case",
    "CaseEvent",
    "CaseMessage",
    "CasePhoto",
    "Certification",
    "Customer",
    "CustomerChange",
    "DaySequence",
    "InboxUpdate",
    "LoginToken",
    "OutboxMessage",
    "PersistedState",
    "Product",
    "Quote",
    "Reminder",
    "ServiceReport",
    "Staff",
    "StaffAudit",
    "StaffInvite",
    "SupplierClaim",
    "Survey",
    "SurveyAnswer",
    "UTCDateTime",
    "WebSession",
    "WebhookDelivery",
    "WebhookSubscription",
]
