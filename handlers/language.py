"""/bahasa: choose Indonesian or English; the choice is remembered in the database."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.render import LANGUAGES
from bot.services.container import Services
from bot.telegram import callbacks
from handlers.common import Context, label, language, remember_language, reply, services
from handlers.start import main_menu, menu_filter

FEATURE = "lang"


def language_keyboard(context: Context, lang: str) -> InlineKeyboardMarkup:
    """Return one button per language."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    label(context, lang, f"lang.{code}"),
                    callback_data=callbacks.build(FEATURE, "set", code),
                )
                for code in LANGUAGES
            ]
        ]
    )


async def choose(update: Update, context: Context) -> None:
    """Set the language given as an argument, or offer the choice."""
    wanted = (context.args or [""])[0].lower()
    if wanted in LANGUAGES:
        await _apply(update, context, wanted)
        return
    lang = await language(update, context)
    await reply(
        update, context, "language_choose", lang=lang, reply_markup=language_keyboard(context, lang)
    )


async def chosen(update: Update, context: Context) -> None:
    """Apply the language the user pressed."""
    query = update.callback_query
    assert query is not None
    try:
        code = callbacks.parse(query.data, FEATURE).args[0]
    except (callbacks.CallbackDataError, IndexError):
        code = ""
    if code not in LANGUAGES:
        lang = await language(update, context)
        await query.answer(label(context, lang, "alert.stale_button"), show_alert=True)
        return
    await query.answer()
    await _apply(update, context, code)


async def _apply(update: Update, context: Context, code: str) -> None:
    user = update.effective_user
    assert user is not None
    await services(context).repo.set_language(user.id, code)
    remember_language(context, code)
    await reply(update, context, "language_set", lang=code, reply_markup=main_menu(context, code))


def handlers(svc: Services) -> list[BaseHandler[Update, Context, None]]:
    """Return the handlers of this feature."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("bahasa", choose, filters=private),
        MessageHandler(menu_filter(svc.renderer, "menu.language"), choose),
        CallbackQueryHandler(chosen, pattern=callbacks.pattern(FEATURE)),
    ]
