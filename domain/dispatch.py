"""Choosing a technician: certified first, then region, skill and load, with the reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Candidate:
    """A technician as the ranking sees them."""

    staff_id: int
    name: str
    regions: tuple[str, ...]
    skills: tuple[str, ...]
    open_jobs: int
    max_open_jobs: int
    # The last day of the certificate for the case's category, if one was ever recorded.
    certified_until: date | None = None


@dataclass(frozen=True)
class Reason:
    """One part of why a technician is proposed: a catalog key and its arguments."""

    key: str
    args: tuple[tuple[str, str | int], ...] = ()


@dataclass(frozen=True)
class Ranked:
    """A candidate with the score that placed them and the reasons shown to the desk."""

    candidate: Candidate
    score: int
    region_match: bool
    skill_match: bool
    full: bool
    reasons: tuple[Reason, ...]
    # valid, expired or none for the case's category; None when the case has no category.
    certification: str | None = None

    @property
    def needs_confirmation(self) -> bool:
        """Assigning an uncertified or expired technician is confirmed by the desk first."""
        return self.certification in (CERT_EXPIRED, CERT_NONE)

    def code(self) -> str:
        """A short stored form of the reasons (kept on the assignment)."""
        parts = [
            "region" if self.region_match else "-region",
            "skill" if self.skill_match else "-skill",
            f"load {self.candidate.open_jobs}/{self.candidate.max_open_jobs}",
        ]
        return ", ".join(parts)


CERT_VALID = "valid"
CERT_EXPIRED = "expired"
CERT_NONE = "none"


def certification_of(certified_until: date | None, today: date) -> str:
    """valid through its last day, expired after it, none if never certified."""
    if certified_until is None:
        return CERT_NONE
    return CERT_VALID if certified_until >= today else CERT_EXPIRED


def _cert_reason(state: str, until: date | None) -> Reason:
    """The certification part of the reasons shown to the desk."""
    if state == CERT_NONE or until is None:
        return Reason("desk.reason.not_certified")
    key = "desk.reason.certified" if state == CERT_VALID else "desk.reason.cert_expired"
    return Reason(key, (("until", until.isoformat()),))


def _norm(value: str | None) -> str:
    """Compares names without case or surrounding blanks."""
    return (value or "").strip().casefold()


def rank(
    candidates: list[Candidate],
    *,
    region: str | None,
    category: str | None,
    today: date | None = None,
) -> list[Ranked]:
    """Best first: certified for the category, region, skill, lighter load; full ones later."""
    ranked: list[Ranked] = []
    for c in candidates:
        region_match = bool(region) and _norm(region) in {_norm(r) for r in c.regions}
        skill_match = bool(category) and _norm(category) in {_norm(s) for s in c.skills}
        full = c.open_jobs >= c.max_open_jobs
        score = (0 if full else 1000) + (100 if region_match else 0) + (50 if skill_match else 0)
        score -= min(c.open_jobs, 49)
        certification = None
        if category and today is not None:
            certification = certification_of(c.certified_until, today)
            # Only trained technicians may repair: the certified rank above everyone else.
            score += 2000 if certification == CERT_VALID else 0
        reasons: tuple[Reason, ...] = (
            Reason("desk.reason.region_yes" if region_match else "desk.reason.region_no"),
            Reason("desk.reason.skill_yes" if skill_match else "desk.reason.skill_no"),
            Reason(
                "desk.reason.full" if full else "desk.reason.load",
                (("open", c.open_jobs), ("max", c.max_open_jobs)),
            ),
        )
        if certification is not None:
            reasons = (_cert_reason(certification, c.certified_until), *reasons)
        ranked.append(Ranked(c, score, region_match, skill_match, full, reasons, certification))
    ranked.sort(key=lambda r: (-r.score, r.candidate.name, r.candidate.staff_id))
    return ranked


def auto_pick(ranked: list[Ranked]) -> Ranked | None:
    """The technician an auto-assign policy may choose: free, same region and skilled."""
    for item in ranked:
        if not item.full and item.region_match and item.skill_match:
            return item
    return None
