"""After an answer: a rating of 1 to 5 (and an optional comment) closes it; "belum puas" reopens it.

```mermaid
flowchart LR
    A[answer with buttons] -- fb:rate 3..5 --> R[rated, closed] --> C{comment?} -- text --> S[saved]
    C -- fb:skip --> E[end]
    A -- fb:rate 1..2 --> L[offer belum puas] -- fb:rateok --> R
    A -- fb:dispute --> Q[waiting for a reason] -- text --> O[reopened]
    L -- fb:dispute --> Q
```
"""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.domain.vocabulary import OPEN_STAGES, Stage
from bot.services import citizen
from bot.services.container import Services
from bot.services.transition import Done
from bot.telegram import callbacks
from handlers.citizen.common import (
    REASON_MAX,
    Pending,
    alert,
    button,
    can_dispute,
    dispute_until,
    own_report,
    stop_waiting,
    wait_for,
)
from handlers.common import Context, kick_outbox, language, reply, services
from storage.models import Report

FEATURE = "fb"
LOW_RATING = 2
REASON_MIN = 5


async def on_button(update: Update, context: Context) -> None:
    """Route a press on a feedback button, re-checking the presser and the report's stage."""
    query = update.callback_query
    assert query is not None
    assert update.effective_user is not None
    try:
        data = callbacks.parse(query.data, FEATURE)
        report_id = data.int_arg(0)
        rating = data.int_arg(1) if data.action in ("rate", "rateok") else 0
    except callbacks.CallbackDataError:
        await alert(update, context, "citizen_alert.stale")
        return
    if data.action in ("rate", "rateok") and not 1 <= rating <= 5:
        await alert(update, context, "citizen_alert.stale")
        return
    svc = services(context)
    report = await own_report(svc, update.effective_user.id, report_id)
    if report is None:
        await alert(update, context, "citizen_alert.not_yours")
        return
    if data.action == "skip":
        await query.answer()
        await stop_waiting(svc, update.effective_user.id)
        await _drop_buttons(update)
        return
    if _reopened(report):
        # Reopened ("belum puas"): these buttons belong to the old answer; say so, take them away.
        await alert(update, context, "feedback.reopened")
        await _drop_buttons(update)
        return
    if report.stage != Stage.ANSWERED:
        await alert(update, context, "citizen_alert.already_rated")
        return
    lang = await language(update, context)
    if data.action == "rate" and rating <= LOW_RATING and can_dispute(svc, report):
        await query.answer()
        markup = InlineKeyboardMarkup(
            [
                [button(context, lang, "feedback.dispute", "dispute", report.id, feature=FEATURE)],
                [
                    button(
                        context,
                        lang,
                        "citizen.keep_rating",
                        "rateok",
                        report.id,
                        rating,
                        feature=FEATURE,
                        rating=rating,
                    )
                ],
            ]
        )
        await reply(
            update,
            context,
            "citizen_prompt",
            lang=lang,
            what="rate_low",
            number=report.number,
            rating=rating,
            until=dispute_until(svc, report),
            reply_markup=markup,
        )
        return
    if data.action in ("rate", "rateok"):
        await _rate(update, context, report.id, report.number, rating)
    elif data.action == "dispute":
        await _ask_dispute_reason(update, context, report.id, report.number)
    else:
        await alert(update, context, "citizen_alert.stale")


async def _rate(update: Update, context: Context, report_id: int, number: str, rating: int) -> None:
    svc = services(context)
    query = update.callback_query
    assert query is not None
    assert update.effective_user is not None
    outcome = await citizen.rate(svc, report_id, rating)
    if not isinstance(outcome, Done):
        await alert(update, context, "citizen_alert.already_rated")
        return
    await query.answer()
    kick_outbox(context)
    await _drop_buttons(update)
    await wait_for(svc, update.effective_user.id, Pending("comment", report_id))
    lang = await language(update, context)
    markup = InlineKeyboardMarkup(
        [[button(context, lang, "citizen.skip", "skip", report_id, feature=FEATURE)]]
    )
    await reply(
        update,
        context,
        "citizen_prompt",
        lang=lang,
        what="rated",
        number=number,
        rating=rating,
        reply_markup=markup,
    )


async def _ask_dispute_reason(
    update: Update, context: Context, report_id: int, number: str
) -> None:
    svc = services(context)
    query = update.callback_query
    assert query is not None
    assert update.effective_user is not None
    report = await svc.repo.report(report_id)
    assert report is not None
    if not can_dispute(svc, report):
        await query.answer()
        await reply(
            update,
            context,
            "citizen_prompt",
            what="dispute_expired",
            number=number,
            until=dispute_until(svc, report),
        )
        return
    await query.answer()
    await wait_for(svc, update.effective_user.id, Pending("dispute", report_id))
    lang = await language(update, context)
    markup = InlineKeyboardMarkup([[button(context, lang, "citizen.cancel", "cancel")]])
    await reply(
        update,
        context,
        "citizen_prompt",
        lang=lang,
        what="dispute_ask",
        number=number,
        reply_markup=markup,
    )


async def receive_dispute_reason(
    update: Update, context: Context, waiting: Pending, text: str
) -> None:
    """Reopen the answered report with the reason the citizen gave."""
    svc = services(context)
    assert update.effective_user is not None
    assert waiting.report_id is not None
    reason = " ".join(text.split())
    if len(reason) < REASON_MIN or len(reason) > REASON_MAX:
        problem, limit = (
            ("too_short", REASON_MIN) if len(reason) < REASON_MIN else ("too_long", REASON_MAX)
        )
        await reply(update, context, "citizen_problem", problem=problem, limit=limit)
        return
    report = await own_report(svc, update.effective_user.id, waiting.report_id)
    await stop_waiting(svc, update.effective_user.id)
    if report is None:
        return
    if report.stage != Stage.ANSWERED:
        await reply(update, context, "citizen_prompt", what="not_open", number=report.number)
        return
    if not can_dispute(svc, report):
        await reply(
            update,
            context,
            "citizen_prompt",
            what="dispute_expired",
            number=report.number,
            until=dispute_until(svc, report),
        )
        return
    outcome = await citizen.dispute(svc, report, reason)
    if not isinstance(outcome, Done):
        await reply(update, context, "citizen_prompt", what="not_open", number=report.number)
        return
    kick_outbox(context)
    await reply(update, context, "citizen_prompt", what="disputed", number=report.number)


async def receive_comment(update: Update, context: Context, waiting: Pending, text: str) -> None:
    """Keep the comment the citizen wrote after rating."""
    svc = services(context)
    assert update.effective_user is not None
    assert waiting.report_id is not None
    comment = text.strip()
    if len(comment) > REASON_MAX:
        await reply(update, context, "citizen_problem", problem="too_long", limit=REASON_MAX)
        return
    report = await own_report(svc, update.effective_user.id, waiting.report_id)
    await stop_waiting(svc, update.effective_user.id)
    if report is None:
        return
    await citizen.comment(svc, report.id, comment)
    await reply(update, context, "citizen_prompt", what="comment_saved", number=report.number)


def _reopened(report: Report) -> bool:
    """Tell whether an answered report is being handled again ("belum puas")."""
    stage = report.stage
    return report.answered_at is not None and stage in OPEN_STAGES and stage != Stage.ANSWERED


async def _drop_buttons(update: Update) -> None:
    """Take the buttons off the pressed message, so that it cannot be pressed again."""
    query = update.callback_query
    assert query is not None
    # The message may be too old to edit, or have no buttons any more.
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(None)


def handlers(svc: Services) -> list[BaseHandler[Update, Context, None]]:
    """Return the handlers of this feature."""
    return [CallbackQueryHandler(on_button, pattern=callbacks.pattern(FEATURE))]
