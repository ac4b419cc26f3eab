"""Stored codes and notes in words: assignment end reasons, survey answers, a survey
complaint's origin, and the notes of timeline rows written before events carried data.

Assignments end with a code (`closed`, `timeout`) or a typed reason; timeline rows written
before `CaseEvent.data` hold short English notes (`to Tech An (#2)`, `report #1: supplier`);
staff read them here in their own language. New events are worded from their data
(`web.event_words`). What a person typed (a reason, a dispute, a note) is shown as typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from domain.survey import SCALES, Question, Scale
from storage.models import Survey, SurveyAnswer

Say = Callable[..., str]  # t(key, **args) in the viewer's language
Has = Callable[[str], bool]

QUESTIONS = frozenset(q.value for q in Question)

# Fixed notes and end reasons the services write, by their catalog key.
FIXED = {
    "confirmed by the customer": "words.note.confirmed",
    "signed by the customer on site": "words.note.signed",
    "no answer from the customer": "words.note.no_answer",
    "survey: not solved": "words.note.survey_not_solved",
    "handling: not satisfied": "words.note.handling_not_satisfied",
    "satisfied": "words.note.satisfied",
    "not satisfied": "words.note.not_satisfied",
    "late visit": "words.note.late_visit",
    "no longer on staff": "words.reason.removed",
    "closed": "words.reason.closed",
    "cancelled": "words.reason.cancelled",
    "disputed": "words.reason.disputed",
    "reassigned": "words.reason.reassigned",
    "timeout": "words.reason.timeout",
    "declined": "words.reason.declined",
}
TO = re.compile(r"^to (?P<name>.+) \(#\d+\)(?:: (?P<reason>.+))?$", re.S)
AT = re.compile(r"^at (?P<lat>-?[\d.]+),(?P<lon>-?[\d.]+)(?:; (?P<metres>\d+) m from the site)?$")
REPORT = re.compile(r"^report #(?P<id>\d+): (?P<cause>[a-z_]+)$")
TOTAL = re.compile(r"^total (?P<total>.+)$")
QUOTE = re.compile(r"^quote #(?P<id>\d+)$")
DISPUTED = re.compile(r"^disputed: (?P<text>.+)$", re.S)
VIA = re.compile(r"^via (?P<channel>[a-z_]+)$")
STAFF = re.compile(r"^staff:(?P<name>.+)$")
REPEAT = re.compile(r"^repeat of case #(?P<id>\d+)$")
SURVEY = re.compile(r"^survey of (?P<number>\S+): (?P<facts>.*)$", re.S)
FACT = re.compile(r"^(?P<question>[a-z_]+)=(?P<value>-?\d+)$")


def note(t: Say, has: Has, text: str | None) -> str | None:
    """A stored note or reason in words; typed text as typed."""
    if not text:
        return None
    return known(t, has, text) or text


def known(t: Say, has: Has, text: str) -> str | None:
    """An end reason or an old row's note the services wrote, in words; None for anything
    else (typed text)."""
    if text in FIXED:
        return t(FIXED[text])
    if has(f"complaint.cause.{text}"):
        return t(f"complaint.cause.{text}")
    if found := TO.match(text):
        if found["reason"]:
            why = reason(t, has, found["reason"])
            return t("words.note.to_because", name=found["name"], reason=why)
        return t("words.note.to", name=found["name"])
    if found := AT.match(text):
        if found["metres"]:
            return t("words.note.at_distance", lat=found["lat"], lon=found["lon"],
                     metres=found["metres"])  # fmt: skip
        return t("words.note.at", lat=found["lat"], lon=found["lon"])
    if found := REPORT.match(text):
        cause = f"tech.cause.{found['cause']}"
        named = t(cause) if has(cause) else found["cause"]
        return t("words.note.report", id=found["id"], cause=named)
    if found := TOTAL.match(text):
        return t("words.note.total", total=found["total"])
    if found := QUOTE.match(text):
        return t("words.note.quote", id=found["id"])
    if found := DISPUTED.match(text):
        return t("words.note.disputed", text=found["text"])
    if any(p.match(part) for part in text.split("; ") for p in (VIA, STAFF, REPEAT)):
        return _intake(t, has, text)
    return None


def reason(t: Say, has: Has, text: str | None) -> str:
    """An assignment's end reason (or a reassignment's) in words."""
    return note(t, has, text) or ""


def _intake(t: Say, has: Has, text: str) -> str:
    """How a request came in: channel, who registered it, the case it repeats."""
    parts = []
    for part in text.split("; "):
        if found := VIA.match(part):
            channel = f"channel.{found['channel']}"
            parts.append(t("words.note.via", channel=t(channel) if has(channel) else part))
        elif found := STAFF.match(part):
            parts.append(t("words.note.registered_by", name=found["name"]))
        elif found := REPEAT.match(part):
            parts.append(t("words.note.repeat", id=found["id"]))
        else:
            parts.append(part)
    return t("words.separator").join(parts)


@dataclass(frozen=True)
class Answer:
    """One answered survey question as a person reads it."""

    question: str
    value: str


def answers(t: Say, rows: list[SurveyAnswer]) -> list[Answer]:
    """A survey's answers with their question text."""
    return [
        Answer(
            question=_question(t, row.question),
            value=value(t, row.question, row.value_int, row.value_text),
        )
        for row in rows
    ]


def _question(t: Say, question: str) -> str:
    """A question's text (the comment's without the chat's "type it or press Skip")."""
    if question == Question.COMMENT:
        return t("words.survey.comment")
    return t(f"survey.q.{question}") if question in QUESTIONS else question


def value(t: Say, question: str, number: int | None, text: str | None) -> str:
    """An answer in words: the option's label, yes or no, the score or the text."""
    scale = SCALES.get(Question(question)) if question in QUESTIONS else None
    if number is None:
        return text or ""
    if scale in (Scale.SATISFACTION, Scale.ATTITUDE) and 1 <= number <= 5:
        return t(f"survey.opt.{scale}.{number}")
    if scale is Scale.YES_NO:
        return t("survey.opt.yes") if number else t("survey.opt.no")
    return str(number)


def survey_status(t: Say, survey: Survey) -> str:
    """A survey's status in words."""
    return t(f"survey.status.{survey.status}")


def description(t: Say, text: str) -> str:
    """A case's description; a complaint opened by a survey names the answers in words."""
    found = SURVEY.match(text)
    if found is None:
        return text
    facts, _, comment = found["facts"].partition("; ")
    if facts == "money or gifts asked for":
        said = t("words.survey.money")
    else:
        said = t("words.separator").join(_fact(t, fact) for fact in facts.split(", "))
    return t("words.survey.origin", number=found["number"], answers=said) + (
        f"\n{comment}" if comment else ""
    )


def _fact(t: Say, fact: str) -> str:
    """One `question=value` fact of a survey complaint."""
    found = FACT.match(fact)
    if found is None or found["question"] not in QUESTIONS:
        return fact
    question = found["question"]
    return t(
        "words.survey.fact",
        question=t(f"words.survey.short.{question}"),
        value=value(t, question, int(found["value"]), None),
    )
