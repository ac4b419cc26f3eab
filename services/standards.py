"""The monthly service-standard report's targets, as the settings set them."""

from __future__ import annotations

from core.settings import Settings
from domain.metrics import Targets


def targets_of(settings: Settings) -> Targets:
    """The monthly report's targets."""
    return Targets(
        response_pct=settings.target_response_pct,
        onsite_pct=settings.target_onsite_pct,
        first_fix_pct=settings.target_first_fix_pct,
        survey_response_pct=settings.target_survey_response_pct,
        complaint_rate_pct=settings.target_complaint_rate_pct,
        avg_satisfaction=settings.target_avg_satisfaction,
        very_satisfied_pct=settings.target_very_satisfied_pct,
        nps=settings.target_nps,
        complaint_closure_hours=settings.target_complaint_closure_hours,
    )
