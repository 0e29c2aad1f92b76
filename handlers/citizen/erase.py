"""/hapus_data: a reporter erases their personal data (UU 27/2022), after a confirmation.

```mermaid
flowchart LR
    H[/hapus_data/] --> A[what goes, what stays] -- hps:ok --> E[erased; staff told]
    A -- hps:no --> N[nothing changed]
```
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.services import privacy
from bot.telegram import callbacks, edits
from handlers.citizen.common import alert, button
from handlers.common import Context, kick_outbox, label, language, reply, services
from storage.models import Reporter

FEATURE = "hps"
# The reporter's fields, in the order the question names them, and their labels' keys.
FIELDS = ("name", "phone", "address", "email", "id_photo_file_id")


def held(reporter: Reporter | None) -> list[str]:
    """Return which personal fields the bot holds of a reporter (label keys)."""
    if reporter is None:
        return []
    return [f.removesuffix("_file_id") for f in FIELDS if getattr(reporter, f) is not None]


async def erase_command(update: Update, context: Context) -> None:
    """Say what erasure removes and keeps, and ask to confirm."""
    svc = services(context)
    user = update.effective_user
    assert user is not None
    lang = await language(update, context)
    reporter = await svc.repo.reporter_by_telegram(user.id)
    fields = held(reporter)
    if reporter is None or not fields:
        await reply(update, context, "citizen_erase", lang=lang, what="none")
        return
    reports = len(await svc.repo.reports_of_reporter(reporter.id))
    markup = InlineKeyboardMarkup(
        [
            [
                button(context, lang, "citizen.erase_yes", "ok", feature=FEATURE),
                button(context, lang, "citizen.erase_no", "no", feature=FEATURE),
            ]
        ]
    )
    names = [label(context, lang, f"catat.field.{f}") for f in fields]
    await reply(
        update,
        context,
        "citizen_erase",
        lang=lang,
        what="ask",
        fields=names,
        reports=reports,
        reply_markup=markup,
    )


async def pressed(update: Update, context: Context) -> None:
    """Erase on "yes", leave everything on "no"; the question's buttons go away."""
    query = update.callback_query
    assert query is not None
    user = update.effective_user
    assert user is not None
    try:
        choice = callbacks.parse(query.data, FEATURE).action
    except callbacks.CallbackDataError:
        await alert(update, context, "citizen_alert.stale")
        return
    # Only the question in the reporter's own chat: a forged press elsewhere (on a staff card)
    # must neither erase anything nor edit that message.
    chat = query.message.chat if query.message is not None else None
    if choice not in ("ok", "no") or chat is None or chat.id != user.id:
        await alert(update, context, "citizen_alert.stale")
        return
    svc = services(context)
    lang = await language(update, context)
    await query.answer()
    if choice == "no":
        text = svc.renderer.render(lang, "citizen_erase", what="cancelled")
        await edits.edit_text(query, text)
        return
    reporter = await svc.repo.reporter_by_telegram(user.id)
    if not held(reporter):  # a second press, or erased meanwhile: nothing left to erase
        await edits.edit_text(query, svc.renderer.render(lang, "citizen_erase", what="none"))
        return
    erasure = await privacy.erase(svc, user.id)
    reports = len(erasure.reports) if erasure is not None else 0
    text = svc.renderer.render(lang, "citizen_erase", what="done", reports=reports)
    await edits.edit_text(query, text)
    kick_outbox(context)


def handlers() -> list[BaseHandler[Update, Context, None]]:
    """Return the handlers of this feature (private chats only)."""
    return [
        CommandHandler("hapus_data", erase_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(pressed, pattern=callbacks.pattern(FEATURE)),
    ]
