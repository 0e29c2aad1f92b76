"""The staff group became a supergroup: the running bot follows at once, not after a restart."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from handlers.common import Context, message_of, services


async def follow_migration(update: Update, context: Context) -> None:
    """Move the staff group's id, its pending messages and its cards' links to the supergroup."""
    message = message_of(update)
    if message.migrate_to_chat_id is not None:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    svc = services(context)
    if svc.staff_chat_id != old:
        return
    await svc.repo.retarget_chat(old, new)
    svc.staff_chat_id = new


def handlers() -> list[BaseHandler[Update, Context, None]]:
    """Return the handler for the service messages of a group's migration."""
    return [MessageHandler(filters.StatusUpdate.MIGRATE, follow_migration)]
