"""/status <nomor>: anyone with the number sees the stage and dates; the reporter sees it all."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.domain.tracking import format_number, normalize_number
from bot.services.container import Services
from handlers.citizen.common import Pending, report_actions, report_view, stop_waiting, wait_for
from handlers.common import Context, language, reply, reporter_of, services
from handlers.start import menu_filter


def example_number(svc: Services) -> str:
    """Return a tracking number in this office's format, to show how one looks."""
    return format_number(svc.profile.prefix, svc.clock().astimezone(svc.profile.zone).year, 123)


async def status_command(update: Update, context: Context) -> None:
    """Show the report named in the command, or ask for its number."""
    svc = services(context)
    user = update.effective_user
    assert user is not None
    await stop_waiting(svc, user.id)
    text = " ".join(context.args or [])
    if not text.strip():
        await ask_number(update, context)
        return
    await show_status(update, context, text)


async def ask_number(update: Update, context: Context) -> None:
    """Ask the citizen to type a tracking number."""
    svc = services(context)
    user = update.effective_user
    assert user is not None
    await wait_for(svc, user.id, Pending("status"))
    await reply(update, context, "citizen_prompt", what="status_ask", example=example_number(svc))


async def show_status(update: Update, context: Context, text: str) -> None:
    """Show a report's stage and dates, and everything when the asker filed it."""
    svc = services(context)
    lang = await language(update, context)
    user = update.effective_user
    assert user is not None
    number = normalize_number(text)
    reporter = await reporter_of(update, context)
    found = (
        await svc.repo.report_status(number, reporter.id if reporter is not None else None)
        if number is not None
        else None
    )
    if found is None:
        await reply(
            update,
            context,
            "citizen_prompt",
            lang=lang,
            what="status_not_found",
            text=text.strip()[:40],
            example=example_number(svc),
        )
        return
    report = found.report
    details = (found.unit, found.events) if found.events is not None else None
    values = await report_view(svc, lang, report, full=found.own, details=details)
    markup = report_actions(context, svc, lang, report) if found.own else None
    await reply(update, context, "citizen_status", lang=lang, reply_markup=markup, **values)


def handlers(svc: Services) -> list[BaseHandler[Update, Context, None]]:
    """Return the handlers of this feature."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("status", status_command, filters=private),
        MessageHandler(menu_filter(svc.renderer, "menu.check_status"), status_command),
    ]
