"""/laporan: the reporter's reports, one report's history and actions, and withdrawing one.

```mermaid
flowchart LR
    L[/laporan/] --> P[list page] -- cz:show --> D[report + history]
    D -- cz:add --> I[waiting for information]
    D -- cz:wd --> W[waiting for a reason] -- text or cz:wdskip --> C[confirm]
    C -- cz:wdok --> X[withdrawn]
    W -- cz:cancel --> N[nothing changed]
```
"""

from __future__ import annotations

from collections.abc import Mapping
from math import ceil
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.domain.vocabulary import Action
from bot.services import citizen
from bot.services.container import Services
from bot.services.transition import Done
from bot.telegram import callbacks, edits
from handlers.citizen.common import (
    FEATURE,
    Pending,
    alert,
    button,
    drop_offered_draft,
    is_open,
    may,
    own_report,
    pending,
    report_actions,
    report_view,
    stop_waiting,
    wait_for,
)
from handlers.common import (
    Context,
    kick_outbox,
    label,
    language,
    reply,
    reporter_of,
    services,
)
from handlers.start import menu_filter
from storage.models import Report

PAGE_SIZE = 5


async def list_command(update: Update, context: Context) -> None:
    """Show the first page of the citizen's reports."""
    user = update.effective_user
    assert user is not None
    await stop_waiting(services(context), user.id)
    text, markup = await _page(update, context, 0)
    await reply_text(update, context, text, markup)


async def reply_text(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Send an already rendered text in the same chat."""
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(chat.id, text, reply_markup=markup)


async def _page(
    update: Update, context: Context, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    svc = services(context)
    lang = await language(update, context)
    user = update.effective_user
    assert user is not None
    reporter = await reporter_of(update, context)
    total = await svc.repo.count_reports_of(reporter.id) if reporter else 0
    pages = max(1, ceil(total / PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    reports = (
        await svc.repo.reports_of(reporter.id, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
        if reporter
        else []
    )
    items = [
        {
            "number": r.number,
            "title": r.title,
            "stage_name": svc.renderer.label(lang, f"stage.{r.stage}"),
            "submitted": r.submitted_at.astimezone(svc.profile.zone).date(),
        }
        for r in reports
    ]
    text = svc.renderer.render(
        lang, "citizen_reports", items=items, total=total, page=page, pages=pages
    )
    if not reports:
        return text, None
    rows = [
        [
            InlineKeyboardButton(
                label(
                    context,
                    lang,
                    "citizen.report_button",
                    number=r.number,
                    stage=svc.renderer.label(lang, f"stage.{r.stage}"),
                ),
                callback_data=callbacks.build(FEATURE, "show", r.id),
            )
        ]
        for r in reports
    ]
    nav = []
    if page > 0:
        nav.append(button(context, lang, "citizen.prev", "list", page - 1))
    if page < pages - 1:
        nav.append(button(context, lang, "citizen.next", "list", page + 1))
    if nav:
        rows.append(nav)
    return text, InlineKeyboardMarkup(rows)


async def on_button(update: Update, context: Context) -> None:
    """Route a press on one of the citizen's report buttons."""
    query = update.callback_query
    assert query is not None
    try:
        data = callbacks.parse(query.data, FEATURE)
        handler = _ROUTES[data.action]
        arg = data.int_arg() if data.action not in ("cancel", "done", "mine") else 0
    except (callbacks.CallbackDataError, KeyError):
        await alert(update, context, "citizen_alert.stale")
        return
    await handler(update, context, arg)


async def show_list(update: Update, context: Context, page: int) -> None:
    """Show a page of the citizen's reports in place of the pressed message."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    text, markup = await _page(update, context, page)
    await edits.edit_text(query, text, markup)


async def show_mine(update: Update, context: Context, _arg: int) -> None:
    """Show the first page of the citizen's reports as a new message."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    text, markup = await _page(update, context, 0)
    await reply_text(update, context, text, markup)


async def _pressed_own(
    update: Update, context: Context, report_id: int
) -> tuple[Services, CallbackQuery, Report, int] | None:
    """Return what a press on one of the citizen's reports needs (with their user id), or alert."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    assert update.effective_user is not None
    report = await own_report(svc, update.effective_user.id, report_id)
    if report is None:
        await alert(update, context, "citizen_alert.not_yours")
        return None
    return svc, query, report, update.effective_user.id


async def show_report(update: Update, context: Context, report_id: int) -> None:
    """Show one of the citizen's reports with its history and actions."""
    pressed = await _pressed_own(update, context, report_id)
    if pressed is None:
        return
    svc, query, report, _user = pressed
    await query.answer()
    lang = await language(update, context)
    values = await report_view(svc, lang, report, full=True)
    text = svc.renderer.render(lang, "citizen_status", **values)
    markup = report_actions(context, svc, lang, report)
    await edits.edit_text(query, text, markup)


async def ask_information(update: Update, context: Context, report_id: int) -> None:
    """Wait for information (text or files) the citizen adds to an open report."""
    pressed = await _pressed_own(update, context, report_id)
    if pressed is None:
        return
    svc, query, report, user_id = pressed
    if not is_open(report):
        await alert(update, context, "citizen_alert.not_open")
        return
    await query.answer()
    await wait_for(svc, user_id, Pending("info", report.id))
    lang = await language(update, context)
    markup = InlineKeyboardMarkup([[button(context, lang, "citizen.done", "done")]])
    await reply(
        update,
        context,
        "citizen_prompt",
        lang=lang,
        what="info_ask",
        number=report.number,
        # Documents keep their metadata (author, EXIF): the intake's warning, again here.
        anonymous=report.anonymous,
        reply_markup=markup,
    )


async def finish_information(update: Update, context: Context, _arg: int) -> None:
    """Stop adding information and say where it went."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    assert update.effective_user is not None
    waiting = await pending(svc, update.effective_user.id)
    await query.answer()
    await edits.edit_markup(query, None)
    if waiting is None or waiting.kind != "info" or waiting.report_id is None:
        return
    await stop_waiting(svc, update.effective_user.id)
    report = await svc.repo.report(waiting.report_id)
    if report is not None:
        await reply(update, context, "citizen_prompt", what="info_done", number=report.number)


async def ask_withdraw_reason(update: Update, context: Context, report_id: int) -> None:
    """Ask why the citizen withdraws the report (a reason is optional)."""
    pressed = await _pressed_own(update, context, report_id)
    if pressed is None:
        return
    svc, query, report, user_id = pressed
    if not may(svc, report, Action.WITHDRAW):
        await alert(update, context, "citizen_alert.not_open")
        return
    await query.answer()
    await wait_for(svc, user_id, Pending("withdraw", report.id))
    await _ask_or_cancel(
        update, context, "withdraw_ask", ("citizen.withdraw_no_reason", "wdskip"), report
    )


async def confirm_withdraw(
    update: Update, context: Context, report_id: int, reason: str | None = None
) -> None:
    """Ask for a last confirmation, keeping the reason until then."""
    svc = services(context)
    user = update.effective_user
    assert user is not None
    report = await own_report(svc, user.id, report_id)
    if report is None or not may(svc, report, Action.WITHDRAW):
        if update.callback_query is not None:
            await alert(update, context, "citizen_alert.not_open")
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    await wait_for(svc, user.id, Pending("withdraw_confirm", report.id, {"reason": reason}))
    await _ask_or_cancel(
        update,
        context,
        "withdraw_confirm",
        ("citizen.withdraw_confirm", "wdok"),
        report,
        reason=reason,
    )


async def skip_withdraw_reason(update: Update, context: Context, report_id: int) -> None:
    """Go on to the confirmation without a reason."""
    await confirm_withdraw(update, context, report_id, None)


async def withdraw(update: Update, context: Context, report_id: int) -> None:
    """Withdraw the report the citizen confirmed, and tell staff."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    assert update.effective_user is not None
    user_id = update.effective_user.id
    report = await own_report(svc, user_id, report_id)
    if report is None:
        await alert(update, context, "citizen_alert.not_yours")
        return
    waiting = await pending(svc, user_id)
    reason = None
    if (
        waiting is not None
        and waiting.kind == "withdraw_confirm"
        and waiting.report_id == report.id
    ):
        reason = waiting.data.get("reason")
    outcome = await citizen.withdraw(svc, report.id, reason)
    if not isinstance(outcome, Done):
        await alert(update, context, "citizen_alert.not_open")
        return
    await query.answer()
    await stop_waiting(svc, user_id)
    kick_outbox(context)
    await edits.edit_markup(query, None)
    await reply(update, context, "citizen_prompt", what="withdrawn", number=report.number)


async def cancel(update: Update, context: Context, _arg: int) -> None:
    """Drop the question the citizen was asked; nothing changes."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    assert update.effective_user is not None
    await query.answer()
    await drop_offered_draft(
        svc, update.effective_user.id, await pending(svc, update.effective_user.id)
    )
    await stop_waiting(svc, update.effective_user.id)
    await edits.edit_markup(query, None)
    await reply(update, context, "citizen_prompt", what="cancelled")


_ROUTES = {
    "list": show_list,
    "mine": show_mine,
    "show": show_report,
    "add": ask_information,
    "done": finish_information,
    "wd": ask_withdraw_reason,
    "wdskip": skip_withdraw_reason,
    "wdok": withdraw,
    "cancel": cancel,
}


def handlers(svc: Services) -> list[BaseHandler[Update, Context, None]]:
    """Return the handlers of this feature (the inbox module adds its own cz: actions)."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("laporan", list_command, filters=private),
        MessageHandler(menu_filter(svc.renderer, "menu.my_reports"), list_command),
        CallbackQueryHandler(on_button, pattern=routes_pattern(_ROUTES)),
    ]


def routes_pattern(routes: Mapping[str, object]) -> str:
    """Return the pattern matching this module's `cz:` actions."""
    return rf"^{FEATURE}:({'|'.join(sorted(routes))})(:|$)"


async def stale_button(update: Update, context: Context) -> None:
    """Answer a `cz:` button no module knows (forged or from an older version)."""
    await alert(update, context, "citizen_alert.stale")


def fallback_handlers() -> list[BaseHandler[Update, Context, None]]:
    """Return the handler that answers unknown `cz:` buttons; register it after the others."""
    return [CallbackQueryHandler(stale_button, pattern=callbacks.pattern(FEATURE))]


async def _ask_or_cancel(
    update: Update,
    context: Context,
    what: str,
    go_on: tuple[str, str],
    report: Report,
    **values: Any,
) -> None:
    """Ask a withdrawal question with one button to go on and one to cancel."""
    lang = await language(update, context)
    label, action = go_on
    markup = InlineKeyboardMarkup(
        [
            [button(context, lang, label, action, report.id)],
            [button(context, lang, "citizen.cancel", "cancel")],
        ]
    )
    await reply(
        update,
        context,
        "citizen_prompt",
        lang=lang,
        what=what,
        number=report.number,
        reply_markup=markup,
        **values,
    )
