"""Add what the citizen was writing to their own similar open report instead of a new one."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ConversationHandler

from bot.domain.intake import CONVERSATION, ReportDraft, Step
from bot.services import citizen
from handlers.common import (
    Context,
    kick_outbox,
    language,
    remember_draft,
    reporter_of,
    services,
)
from handlers.report.prompt import advance, notice
from handlers.start import main_menu
from storage.models import NewAttachment


async def add_to_existing(
    update: Update, context: Context, draft: ReportDraft, report_id: int
) -> int:
    """Attach the description (and files) to the reporter's similar open report instead."""
    svc = services(context)
    report = await svc.repo.report(report_id)
    user = update.effective_user
    assert user is not None
    reporter = await reporter_of(update, context)
    if report is None or reporter is None or report.reporter_id != reporter.id:
        return await advance(update, context, draft, Step.DESCRIPTION)
    text = draft.description or ""
    files = [NewAttachment(**a) for a in draft.attachments]
    await citizen.add_from_draft(svc, report.id, text, files)
    await svc.repo.drop_draft(user.id, CONVERSATION)
    remember_draft(context, CONVERSATION, None)
    kick_outbox(context)
    lang = await language(update, context)
    await notice(
        update,
        context,
        "added_to_existing",
        number=report.number,
        reply_markup=main_menu(context, lang),
    )
    return ConversationHandler.END
