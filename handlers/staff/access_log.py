"""/log_akses [nomor]: supervisors read who was shown reporters' identities, and when."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.domain.tracking import normalize_number
from bot.domain.vocabulary import Role
from handlers.common import Context, message_of, services
from handlers.staff.common import STAFF_LANG, acting_member, alert_text

# Views listed in one answer: each line is short, so this stays far below 4096 characters.
SHOWN = 30


async def access_log(update: Update, context: Context) -> None:
    """List the newest identity views, of every report or of the one named."""
    svc = services(context)
    member = await acting_member(update, context)
    if isinstance(member, str) or member.role != Role.SUPERVISOR:
        key = member if isinstance(member, str) else "role"
        await message_of(update).reply_text(alert_text(svc, key))
        return
    text = " ".join(context.args or []).strip()
    report = None
    if text:
        number = normalize_number(text)
        report = await svc.repo.report_by_number(number) if number is not None else None
        if report is None:
            reply = svc.renderer.render(
                STAFF_LANG, "staff_access_log", what="unknown", text=text[:40]
            )
            await message_of(update).reply_text(reply)
            return
    views = await svc.repo.identity_views(
        report_id=report.id if report is not None else None, limit=SHOWN
    )
    reply = svc.renderer.render(
        STAFF_LANG,
        "staff_access_log",
        what="list",
        views=views,
        number=report.number if report is not None else None,
        shown=SHOWN,
    )
    await message_of(update).reply_text(reply)


def handlers() -> list[BaseHandler[Update, Context, None]]:
    """Return the handlers of this feature (private chat only: the log is not for the group)."""
    return [CommandHandler("log_akses", access_log, filters=filters.ChatType.PRIVATE)]
