"""/kotakkeluar: supervisors see the messages Telegram refused or that are stuck retrying."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.domain.vocabulary import Role
from bot.services.container import Services
from handlers.common import Context, message_of, services
from handlers.staff.common import STAFF_LANG, StaffChat, acting_member, alert_text

SHOWN = 10


async def outbox_command(update: Update, context: Context) -> None:
    """Show failed and stuck outbox messages, oldest first, and how to retry them."""
    member = await acting_member(update, context)
    svc = services(context)
    if isinstance(member, str) or member.role != Role.SUPERVISOR:
        key = member if isinstance(member, str) else "role"
        await message_of(update).reply_text(alert_text(svc, key))
        return
    stuck_after = svc.settings.outbox_max_attempts
    items = await svc.repo.outbox_trouble(stuck_after=stuck_after, limit=SHOWN + 1)
    text = svc.renderer.render(
        STAFF_LANG, "staff_outbox", items=items[:SHOWN], more=len(items) > SHOWN
    )
    await message_of(update).reply_text(text)


def handlers(svc: Services) -> list[BaseHandler[Update, Context, None]]:
    """Return the handler of this feature (in the staff group or a private chat)."""
    where = StaffChat(svc) | filters.ChatType.PRIVATE
    return [CommandHandler("kotakkeluar", outbox_command, filters=where)]
