"""Edits of the pressed message that tolerate a second press of the same button.

Pressing a button twice (a double tap, a slow network) asks Telegram to set the message to what
it already shows; Telegram refuses that with "message is not modified". The message then shows
exactly what was wanted, so the refusal is success, not an error.
"""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup
from telegram.error import BadRequest

NOT_MODIFIED = "message is not modified"


def is_not_modified(exc: BadRequest) -> bool:
    """Tell whether Telegram refused an edit only because nothing would change."""
    return NOT_MODIFIED in exc.message.lower()


async def edit_text(
    query: CallbackQuery, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the pressed message's text and buttons (already so: nothing to do)."""
    try:
        await query.edit_message_text(text, reply_markup=reply_markup)
    except BadRequest as exc:
        if not is_not_modified(exc):
            raise


async def edit_markup(query: CallbackQuery, reply_markup: InlineKeyboardMarkup | None) -> None:
    """Replace the pressed message's buttons (already so: nothing to do)."""
    try:
        await query.edit_message_reply_markup(reply_markup=reply_markup)
    except BadRequest as exc:
        if not is_not_modified(exc):
            raise
