"""Keep track of staff reachability: who talks to the bot privately, who left the group."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, ChatMemberHandler, MessageHandler, filters

from bot.services.container import Services
from bot.telegram import membership
from bot.telegram.menus import publish_member
from handlers.common import Context, services

SEEN_KEY = "staff_private_seen"


async def remember_private_chat(update: Update, context: Context) -> None:
    """Note that a staff member wrote privately: the bot may now message them there."""
    user = update.effective_user
    if user is None:
        return
    seen: set[int] = context.bot_data.setdefault(SEEN_KEY, set())
    if user.id in seen:
        return
    seen.add(user.id)
    svc = services(context)
    if await svc.repo.mark_private_chat(user.id):
        # A staff member's first private message: their chat gets the staff commands too.
        await publish_member(context.bot, svc.renderer, svc.repo, user.id)


async def membership_changed(update: Update, context: Context) -> None:
    """Forget a member's cached group membership when Telegram says it changed."""
    change = update.chat_member
    if change is None:
        return
    cache = membership.membership_cache(context.bot_data)
    cache.forget(change.chat.id, change.new_chat_member.user.id)


def handlers(svc: Services) -> list[BaseHandler[Update, Context, None]]:
    """Return the handlers of this feature (they run beside the others, in their own group)."""
    return [
        MessageHandler(filters.ChatType.PRIVATE, remember_private_chat, block=False),
        ChatMemberHandler(membership_changed, ChatMemberHandler.CHAT_MEMBER),
    ]
