"""Fault report: by when the technician should be on site (quick choices, a picked day and hour,
or a typed moment)."""

from __future__ import annotations

from datetime import datetime

from telegram import Update

from bot.common import edit_or_reply, language_of, mark_chosen, pressed, reply, retire_prompts
from bot.context import AppContext
from bot.dialogs.fault_steps.common import PICK_HOURS, State, fault_draft
from bot.dialogs.fault_steps.summary import show_summary
from bot.dialogs.shared import deadline_example
from bot.keyboards import Row, inline
from core.callbacks import DeadlineDay, DeadlineHour, QuickDeadline
from domain.parsing import parse_day
from domain.sla import DeadlinePolicy, OnsiteChoice, parse_local_datetime


def deadlines(context: AppContext) -> DeadlinePolicy:
    """The deadline rules from the service policy."""
    policy = context.services.policy
    return DeadlinePolicy(
        tz=policy.tz,
        urgent_hours=policy.urgent_onsite_hours,
        day_end_hour=policy.day_end_hour,
        max_days=policy.max_onsite_days,
    )


async def ask_deadline(update: Update, context: AppContext) -> int:
    """Offers the quick deadline choices."""
    language = await language_of(update, context)
    texts = context.services.texts
    policy = context.services.policy
    now = context.services.clock.now()
    rows: list[Row] = [
        [
            (
                texts.get(language, "report.btn_urgent", hours=policy.urgent_onsite_hours),
                QuickDeadline("urgent"),
            )
        ]
    ]
    if deadlines(context).quick_deadline(OnsiteChoice.TODAY, now) is not None:
        label = texts.get(language, "report.btn_today", hour=policy.day_end_hour)
        rows.append([(label, QuickDeadline("today"))])
    label = texts.get(language, "report.btn_tomorrow", hour=policy.day_end_hour)
    rows.append([(label, QuickDeadline("tomorrow"))])
    rows.append([(texts.get(language, "report.btn_pick"), QuickDeadline("pick"))])
    await reply(update, context, "report.ask_deadline", inline(rows))
    return State.DEADLINE


async def choose_quick_deadline(update: Update, context: AppContext) -> int | None:
    """Turns a quick choice into a deadline."""
    query = update.callback_query
    button = await pressed(update, context, QuickDeadline)
    if query is None or button is None:
        return None
    await query.answer()
    if button.choice == "pick":
        return await _ask_day(update, context)
    option = OnsiteChoice(button.choice)
    deadline = deadlines(context).quick_deadline(option, context.services.clock.now())
    if deadline is None:
        await reply(update, context, "report.deadline_gone")
        return await ask_deadline(update, context)
    await mark_chosen(update, context)
    return await set_deadline(update, context, deadline)


async def _ask_day(update: Update, context: AppContext) -> int:
    """Offers the next days as buttons."""
    days = deadlines(context).selectable_days(context.services.clock.now())
    rows = [
        [(f"{d:%m-%d %a}", DeadlineDay(d)) for d in days[i : i + 4]]
        for i in range(0, len(days), 4)
    ]
    await edit_or_reply(
        update, context, "report.pick_day", inline(rows), example=deadline_example(context)
    )
    return State.DEADLINE


async def choose_day(update: Update, context: AppContext) -> int | None:
    """Offers the hours of the chosen day."""
    query = update.callback_query
    button = await pressed(update, context, DeadlineDay)
    if query is None or button is None:
        return None
    await query.answer()
    day = parse_day(button.day.isoformat())
    if day is None:  # a forged button: no day anyone can pick
        return None
    rows = [[(f"{hour:02d}:00", DeadlineHour(day, hour)) for hour in PICK_HOURS]]
    await edit_or_reply(update, context, "report.pick_hour", inline(rows), day=day.isoformat())
    return None


async def choose_hour(update: Update, context: AppContext) -> int | None:
    """Sets the deadline from a picked day and hour."""
    query = update.callback_query
    button = await pressed(update, context, DeadlineHour)
    if query is None or button is None:
        return None
    await query.answer()
    day = parse_day(button.day.isoformat())
    if day is None or button.hour not in PICK_HOURS:
        return None  # a forged button: no day or hour anyone can pick
    deadline = deadlines(context).at_local(day, button.hour)
    await mark_chosen(update, context)
    return await set_deadline(update, context, deadline)


async def type_deadline(update: Update, context: AppContext) -> int | None:
    """Reads a typed date and time."""
    assert update.message is not None
    deadline = parse_local_datetime(
        update.message.text or "", context.services.clock.now(), context.services.policy.tz
    )
    if deadline is None:
        await reply(
            update, context, "report.deadline_unreadable", example=deadline_example(context)
        )
        return None
    return await set_deadline(update, context, deadline)


async def set_deadline(update: Update, context: AppContext, deadline: datetime) -> int | None:
    """Checks and stores the deadline, then shows the summary."""
    problem = deadlines(context).check(deadline, context.services.clock.now())
    if problem is not None:  # the buttons stay usable; typing again works too
        await reply(
            update,
            context,
            f"report.deadline_{problem}",
            days=context.services.policy.max_onsite_days,
        )
        return None
    fault_draft(context)["deadline"] = deadline.isoformat()
    await retire_prompts(update, context, QuickDeadline, DeadlineDay, DeadlineHour)
    return await show_summary(update, context)
