"""Presses no feature should take: garbage or forged data, and citizens' buttons out of place."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, BaseHandler, CallbackQueryHandler

from handlers.common import Context, label, language

log = logging.getLogger(__name__)


async def unknown_press(update: Update, context: Context) -> None:
    """Answer a press nobody handled with a polite alert, so the client never spins."""
    query = update.callback_query
    assert query is not None
    lang = await language(update, context)
    try:
        await query.answer(label(context, lang, "alert.unknown_button"), show_alert=True)
    except TelegramError as exc:  # a query too old to answer: nothing else to do
        log.info("could not answer an unknown press: %s", exc)


def handlers() -> list[BaseHandler[Update, Context, None]]:
    """Return the catch-all for button presses (registered last in its group)."""
    return [CallbackQueryHandler(unknown_press)]


# Buttons that only ever sit in a citizen's private chat with the bot (their reports, feedback,
# erasure, language): pressed anywhere else, the data was forged (on a staff card, say).
PRIVATE_FEATURES = ("cz", "fb", "hps", "lang")


class _OutOfPlace(CallbackQueryHandler[Context, None]):
    """Match a citizen's button pressed outside the presser's own private chat."""

    def check_update(self, update: object) -> Any:
        """Tell whether this press is a private button pressed elsewhere."""
        matched = super().check_update(update)
        if not matched or not isinstance(update, Update):
            return matched
        query = update.callback_query
        assert query is not None
        chat = query.message.chat if query.message is not None else None
        return None if chat is not None and chat.id == query.from_user.id else matched


async def out_of_place(update: Update, context: Context) -> None:
    """Refuse a citizen's button pressed outside its chat, before any feature acts on it."""
    await unknown_press(update, context)
    raise ApplicationHandlerStop


def guards() -> list[BaseHandler[Update, Context, None]]:
    """Return the guard against citizens' buttons pressed out of place (an early group)."""
    features = "|".join(PRIVATE_FEATURES)
    return [_OutOfPlace(out_of_place, pattern=rf"^({features}):")]
