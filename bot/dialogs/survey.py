"""The satisfaction survey: one question per message, answered by buttons and edited in place.

Answer buttons are stateless (`sv:<survey>:<question>:<value>`): what is answered lives in the
survey_answers table, so a survey resumes from any of its messages, after a restart too. Only
the last question (free text) needs the dialog state COMMENT, to take the customer's next text.
"""

from __future__ import annotations

import logging
from enum import IntEnum

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.common import answer, language_of, reply
from bot.context import AppContext
from bot.dialogs.shared import clean_or_complain, conversation, unsupported_input
from core.callbacks import SurveyAnswer, parse_as
from core.messages import Message
from domain.survey import (
    BY_CODE,
    COMMENT_LIMIT,
    Question,
    Trigger,
    valid_value,
)
from services import feedback
from services.feedback import AnswerOutcome, SurveyStatus
from services.survey_questions import question_message
from storage.models import Case, Survey
from storage.repos import cases as case_rows
from storage.repos import people
from storage.repos import surveys as survey_rows

logger = logging.getLogger(__name__)

END = ConversationHandler.END
PENDING = "survey_comment"


class State(IntEnum):
    """The one step that takes typed text."""

    COMMENT = 1


async def _show(update: Update, context: AppContext, message: Message) -> None:
    """Replaces the pressed message with another (text and buttons), or sends it anew."""
    language = await language_of(update, context)
    body, markup = context.services.texts.render(message, language)
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_text(body, reply_markup=markup)  # too old: sent anew
        return
    if update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, body, reply_markup=markup)


async def _own_survey(update: Update, context: AppContext, survey_id: int) -> Survey | None:
    """The survey if it belongs to the user (else the user is told and None is returned)."""
    user = update.effective_user
    survey = await survey_rows.get_survey(context.session, survey_id=survey_id)
    customer = await people.get_customer(context.session, telegram_id=user.id) if user else None
    if survey is None or customer is None or survey.customer_id != customer.id:
        logger.warning("survey %s pressed by a user it does not belong to", survey_id)
        await answer(update, context, "common.stale_button")
        return None
    return survey


async def _refuse_if_closed(update: Update, context: AppContext, survey: Survey) -> bool:
    """Tells the customer a finished or expired survey takes no more answers."""
    now = context.services.clock.now()
    if survey.status == SurveyStatus.COMPLETED:
        await answer(update, context)
        await _show(update, context, Message("survey.already_done"))
        return True
    if feedback.is_closed_for_answers(survey, now):
        await answer(update, context)
        await _show(update, context, Message("survey.expired"))
        return True
    return False


async def press_answer(update: Update, context: AppContext) -> int | None:
    """Stores a button answer (once) and shows the next question in the same message."""
    query = update.callback_query
    assert query is not None
    button = parse_as(query.data, SurveyAnswer)
    parsed = _parse(button) if button is not None else None
    if parsed is None:
        await answer(update, context, "common.stale_button")
        return END
    survey_id, question, value = parsed
    survey = await _own_survey(update, context, survey_id)
    if survey is None or await _refuse_if_closed(update, context, survey):
        _forget(context, survey_id)
        return END
    if question is Question.COMMENT:
        return await _store_comment(update, context, survey, None)
    assert isinstance(value, int)
    outcome = await feedback.record_answer(
        context.session,
        survey=survey,
        question=question,
        value=value,
        now=context.services.clock.now(),
        policy=context.services.policy,
        desk_chat_id=context.services.settings.desk_chat_id,
    )
    if outcome.recorded:
        await answer(update, context)
    else:
        await answer(update, context, "survey.already_answered")
    return await _after(update, context, survey, outcome)


def _parse(button: SurveyAnswer) -> tuple[int, Question, int | str] | None:
    """(survey id, question, value) of an answer button, or None if no such answer exists."""
    question = BY_CODE.get(button.code)
    survey_id = button.survey_id
    if question is None:
        return None
    if question is Question.COMMENT:
        return (survey_id, question, "skip") if button.value == "skip" else None
    try:
        value = int(button.value)
    except ValueError:
        return None
    return (survey_id, question, value) if valid_value(question, value) else None


async def _after(
    update: Update, context: AppContext, survey: Survey, outcome: AnswerOutcome
) -> int | None:
    """Shows what comes after an answer: the next question, or the thanks."""
    case = await case_rows.get_case(context.session, case_id=survey.case_id)
    assert case is not None
    if outcome.trigger is Trigger.REOPEN:
        if context.services.policy.working is None:
            await reply(update, context, "survey.reopened", number=case.number)
        else:  # "within 24 hours" would not hold over a weekend: the real moment instead
            await reply(update, context, "working_hours.survey_reopened", number=case.number,
                        response_due=case.response_due_at)  # fmt: skip
    elif outcome.trigger is Trigger.MONEY_COMPLAINT:
        await reply(update, context, "survey.money_reported")
    if outcome.next_question is None:
        await _show(update, context, Message("survey.thanks", {"number": case.number}))
        _forget(context, survey.id)
        return END
    await _show(update, context, question_message(survey.id, outcome.next_question, case.number))
    if outcome.next_question is Question.COMMENT:
        assert context.user_data is not None
        context.user_data[PENDING] = survey.id
        return State.COMMENT
    return END


async def take_comment(update: Update, context: AppContext) -> int | None:
    """Stores the customer's closing remark and ends the survey."""
    assert context.user_data is not None
    survey_id = context.user_data.get(PENDING)
    message = update.effective_message
    if not isinstance(survey_id, int) or message is None:
        return END
    survey = await _own_survey(update, context, survey_id)
    if survey is None:
        _forget(context, survey_id)
        return END
    now = context.services.clock.now()
    if survey.status == SurveyStatus.COMPLETED or feedback.is_closed_for_answers(survey, now):
        _forget(context, survey_id)
        await reply(
            update,
            context,
            "survey.already_done" if survey.status == SurveyStatus.COMPLETED else "survey.expired",
        )
        return END
    comment = await clean_or_complain(update, context, message.text, limit=COMMENT_LIMIT)
    if comment is None:
        return None
    return await _store_comment(update, context, survey, comment)


async def _store_comment(
    update: Update, context: AppContext, survey: Survey, comment: str | None
) -> int | None:
    """Records the last answer (a remark, or None when skipped) and thanks the customer."""
    outcome = await feedback.record_answer(
        context.session,
        survey=survey,
        question=Question.COMMENT,
        value=None,
        text=comment,
        now=context.services.clock.now(),
        policy=context.services.policy,
        desk_chat_id=context.services.settings.desk_chat_id,
    )
    _forget(context, survey.id)
    case: Case | None = await case_rows.get_case(context.session, case_id=survey.case_id)
    assert case is not None
    if update.callback_query is not None:
        await answer(update, context)
        return await _after(update, context, survey, outcome)
    await reply(update, context, "survey.thanks", number=case.number)
    return END


def _forget(context: AppContext, survey_id: int) -> None:
    """Drops the pending-comment mark of this survey."""
    if context.user_data is not None and context.user_data.get(PENDING) == survey_id:
        context.user_data.pop(PENDING, None)


async def leave(update: Update, context: AppContext) -> int:
    """Leaves the last question unanswered for now; the answers given stay, the survey open."""
    if context.user_data is not None:
        context.user_data.pop(PENDING, None)
    await reply(update, context, "survey.paused")
    return END


def build() -> ConversationHandler[AppContext]:
    """The survey conversation: stateless buttons, plus the free-text last question."""
    return conversation(
        entry_points=[CallbackQueryHandler(press_answer, pattern=SurveyAnswer.pattern())],
        states={
            State.COMMENT: [MessageHandler(filters.TEXT & ~filters.COMMAND, take_comment)],
        },
        fallbacks=[CommandHandler("cancel", leave), unsupported_input()],
        name="survey",
    )
