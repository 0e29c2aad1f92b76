"""Any button press no feature took (forged, garbage, or from a message of an older version)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler

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
