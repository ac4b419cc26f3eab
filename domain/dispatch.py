"""Choosing a technician: certified first, then nearness (or region), skill, load; with reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.geo import haversine_m

Point = tuple[float, float]

# A technician this far from the site (or farther) gets no distance bonus; nearer ones get up
# to the weight of a region match, so a known distance takes the place of the region.
DISTANCE_HORIZON_KM = 100


@dataclass(frozen=True)
class Candidate:
    """A technician as the ranking sees them."""

    staff_id: int
    name: str
    regions: tuple[str, ...]
    skills: tuple[str, ...]
    open_jobs: int
    max_open_jobs: int
    # Where they are: the last check-in while on a job, else their base (None when unknown).
    position: Point | None = None
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
    distance_km: float | None = None
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
        if self.distance_km is not None:
            parts.insert(0, f"{self.distance_km:.1f} km")
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


def distance_km(site: Point | None, position: Point | None) -> float | None:
    """The great-circle distance in km (one decimal), None when either point is unknown."""
    if site is None or position is None:
        return None
    return round(haversine_m(*site, *position) / 1000, 1)


def _distance_reason(km: float) -> Reason:
    """The distance as the desk reads it ("3.2 km away")."""
    return Reason("desk.reason.distance", (("km", f"{km:.1f}"),))


def rank(
    candidates: list[Candidate],
    *,
    region: str | None,
    category: str | None,
    site: Point | None = None,
    today: date | None = None,
) -> list[Ranked]:
    """Best first: certified for the category, nearness (or region), skill, lighter load.

    Certification counts only when `today` is given (the department records certificates).
    """
    ranked: list[Ranked] = []
    for c in candidates:
        region_match = bool(region) and _norm(region) in {_norm(r) for r in c.regions}
        skill_match = bool(category) and _norm(category) in {_norm(s) for s in c.skills}
        full = c.open_jobs >= c.max_open_jobs
        km = distance_km(site, c.position)
        place = max(0, round(DISTANCE_HORIZON_KM - km)) if km is not None else 100 * region_match
        score = (0 if full else 1000) + place + (50 if skill_match else 0)
        score -= min(c.open_jobs, 49)
        certification = None
        if category and today is not None:
            certification = certification_of(c.certified_until, today)
            # Only trained technicians may repair: the certified rank above everyone else.
            score += 2000 if certification == CERT_VALID else 0
        reasons: tuple[Reason, ...] = (
            *((_cert_reason(certification, c.certified_until),) if certification else ()),
            *((_distance_reason(km),) if km is not None else ()),
            Reason("desk.reason.region_yes" if region_match else "desk.reason.region_no"),
            Reason("desk.reason.skill_yes" if skill_match else "desk.reason.skill_no"),
            Reason(
                "desk.reason.full" if full else "desk.reason.load",
                (("open", c.open_jobs), ("max", c.max_open_jobs)),
            ),
        )
        ranked.append(
            Ranked(c, score, region_match, skill_match, full, reasons, km, certification)
        )
    ranked.sort(key=lambda r: (-r.score, r.candidate.name, r.candidate.staff_id))
    return ranked


def auto_pick(ranked: list[Ranked], *, region: str | None, category: str | None) -> Ranked | None:
    """The technician an auto-assign policy may choose: the best free one who fits the case.

    The ranking already put the nearest first when the case has a location. A case's region
    must be served unless the distance is known (a customer who registered in chat has no
    region); its product must be known when anyone free knows it (technicians who joined by
    invite list no skills until the desk adds them). Nobody uncertified or expired for the
    case's category is chosen: the desk confirms such an assignment itself, so the case waits.
    """
    free = [
        r
        for r in ranked
        if not r.full
        and not r.needs_confirmation
        and (not region or r.region_match or r.distance_km is not None)
    ]
    skilled = [r for r in free if r.skill_match]
    pool = skilled if category and skilled else free
    return pool[0] if pool else None
