"""Choosing a technician: candidates ranked by region, skill and load, with the reasons."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """A technician as the ranking sees them."""

    staff_id: int
    name: str
    regions: tuple[str, ...]
    skills: tuple[str, ...]
    open_jobs: int
    max_open_jobs: int


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

    def code(self) -> str:
        """A short stored form of the reasons (kept on the assignment)."""
        parts = [
            "region" if self.region_match else "-region",
            "skill" if self.skill_match else "-skill",
            f"load {self.candidate.open_jobs}/{self.candidate.max_open_jobs}",
        ]
        return ", ".join(parts)


def _norm(value: str | None) -> str:
    """Compares names without case or surrounding blanks."""
    return (value or "").strip().casefold()


def rank(candidates: list[Candidate], *, region: str | None, category: str | None) -> list[Ranked]:
    """Best first: region match, then skill match, then lighter load; full technicians last."""
    ranked: list[Ranked] = []
    for c in candidates:
        region_match = bool(region) and _norm(region) in {_norm(r) for r in c.regions}
        skill_match = bool(category) and _norm(category) in {_norm(s) for s in c.skills}
        full = c.open_jobs >= c.max_open_jobs
        score = (0 if full else 1000) + (100 if region_match else 0) + (50 if skill_match else 0)
        score -= min(c.open_jobs, 49)
        reasons = (
            Reason("desk.reason.region_yes" if region_match else "desk.reason.region_no"),
            Reason("desk.reason.skill_yes" if skill_match else "desk.reason.skill_no"),
            Reason(
                "desk.reason.full" if full else "desk.reason.load",
                (("open", c.open_jobs), ("max", c.max_open_jobs)),
            ),
        )
        ranked.append(Ranked(c, score, region_match, skill_match, full, reasons))
    ranked.sort(key=lambda r: (-r.score, r.candidate.name, r.candidate.staff_id))
    return ranked


def auto_pick(ranked: list[Ranked]) -> Ranked | None:
    """The technician an auto-assign policy may choose: free, same region and skilled."""
    for item in ranked:
        if not item.full and item.region_match and item.skill_match:
            return item
    return None
