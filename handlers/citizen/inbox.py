"""A plain message outside a conversation is never lost; information a citizen adds to a report.

```mermaid
flowchart TD
    M[plain message] --> D{report draft?} -- yes, not offered by us --> P[point to /lapor]
    D -- no --> W{bot waiting for an answer?}
    W -- status / withdraw / dispute / comment --> F[that feature]
    W -- info for a report --> A[attach to the report, tell staff]
    W -- no --> N{reports in needs_info?}
    N -- one --> I[provide_info + attach]
    N -- several --> C[keep it, ask which: cz:ans] --> I
    N -- none --> O[keep it, offer: new report / add to cz:addto / my reports cz:mine]
```

Registered last in group 0: the report conversation (earlier in the same group) takes every
message of a citizen who is in it, and in one group only the first matching handler runs, so
this handler only sees messages nobody else handled.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.domain import intake
from bot.domain.tracking import normalize_number
from bot.domain.vocabulary import Stage
from bot.render import LANGUAGES
from bot.services import citizen, submit
from bot.services.container import Services
from bot.telegram import callbacks
from handlers.citizen import feedback as citizen_feedback
from handlers.citizen import reports as citizen_reports
from handlers.citizen import status as citizen_status
from handlers.citizen.common import (
    FEATURE,
    OPEN,
    REASON_MAX,
    Pending,
    Unusable,
    alert,
    button,
    content_of,
    drop_offered_draft,
    file_from_json,
    file_to_json,
    is_open,
    offered_by_us,
    own_report,
    pending,
    stop_waiting,
    wait_for,
)
from handlers.common import (
    Context,
    MenuButton,
    kick_outbox,
    label,
    language,
    message_of,
    reply,
    reporter_of,
    saved_draft,
    services,
)
from storage.models import NewAttachment, Report

# Reports offered as "add to" buttons under a kept message.
OFFERED_REPORTS = 5
_TEXT_ANSWERS = {"status", "withdraw", "withdraw_confirm", "dispute", "comment"}


async def on_message(update: Update, context: Context) -> None:
    """Route a plain message no conversation or command took."""
    svc = services(context)
    message = message_of(update)
    user = update.effective_user
    assert user is not None
    waiting = await pending(svc, user.id)
    draft = await saved_draft(update, context, intake.CONVERSATION)
    if draft is not None and not offered_by_us(waiting, draft.updated_at):
        await reply(update, context, "citizen_prompt", what="draft_pending")
        return
    if waiting is not None and waiting.data.get("offered_draft") and draft is None:
        # The citizen took "new report": the conversation used the kept text and is over.
        await stop_waiting(svc, user.id)
        waiting = None
    if waiting is not None and waiting.kind == "status" and _not_a_number(message.text):
        await stop_waiting(svc, user.id)  # a message, not the number asked for: keep it below
        waiting = None
    if waiting is not None and message.text is not None and waiting.kind in _TEXT_ANSWERS:
        await _answer_question(update, context, waiting, message.text)
        return
    content = content_of(message)
    if isinstance(content, Unusable):
        await reply(
            update, context, "citizen_problem", problem=content.problem, limit=content.limit
        )
        return
    text, file = content
    files = [file] if file is not None else []
    if waiting is not None and waiting.kind == "info" and waiting.report_id is not None:
        await _more_information(update, context, waiting, text, files)
        return
    if waiting is not None and waiting.kind == "held":
        await _keep_more(update, context, waiting, text, file)
        return
    reporter = await reporter_of(update, context)
    asked = (
        await svc.repo.reports_of(reporter.id, stages=[Stage.NEEDS_INFO.value])
        if reporter is not None
        else []
    )
    if len(asked) == 1:
        await answer_request(update, context, asked[0], text, files)
        return
    await _keep(update, context, text, file, asked)


async def _answer_question(update: Update, context: Context, waiting: Pending, text: str) -> None:
    """Pass a typed answer to the feature that asked the question."""
    if waiting.kind == "status":
        await stop_waiting(services(context), _user_id(update))
        await citizen_status.show_status(update, context, text)
    elif waiting.kind == "dispute":
        await citizen_feedback.receive_dispute_reason(update, context, waiting, text)
    elif waiting.kind == "comment":
        await citizen_feedback.receive_comment(update, context, waiting, text)
    elif waiting.report_id is not None:  # a withdrawal reason (typed again: replaces it)
        reason = " ".join(text.split())
        if len(reason) > REASON_MAX:
            await reply(update, context, "citizen_problem", problem="too_long", limit=REASON_MAX)
            return
        await citizen_reports.confirm_withdraw(update, context, waiting.report_id, reason)


def _not_a_number(text: str | None) -> bool:
    """Tell whether a text is clearly a message rather than a mistyped tracking number."""
    return text is not None and normalize_number(text) is None and len(text.split()) > 3


def _user_id(update: Update) -> int:
    user = update.effective_user
    assert user is not None
    return user.id


# --- information for a report ------------------------------------------------------------


async def answer_request(
    update: Update,
    context: Context,
    report: Report,
    text: str | None,
    files: Sequence[NewAttachment],
    *,
    media_group: str | None = None,
) -> None:
    """Answer the staff's request for information with this content, and tell staff."""
    svc = services(context)
    answered = await citizen.answer_request(svc, report.id, text, files)
    if answered is None:
        await reply(update, context, "citizen_prompt", what="not_open", number=report.number)
        return
    after, what = answered[0], "info_answered" if answered[1] else "info_added"
    kick_outbox(context)
    group = media_group or _media_group(update)
    await wait_for(svc, _user_id(update), Pending("info", report.id, {"media_group": group}))
    lang = await language(update, context)
    await reply(
        update,
        context,
        "citizen_prompt",
        lang=lang,
        what=what,
        number=after.number,
        files=len(files),
        stage_name=svc.renderer.label(lang, f"stage.{after.stage}"),
        reply_markup=_done_keyboard(context, lang),
    )


def _media_group(update: Update) -> str | None:
    message = update.effective_message
    return message.media_group_id if message is not None else None


def _done_keyboard(context: Context, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(context, lang, "citizen.done", "done")]])


async def _more_information(
    update: Update,
    context: Context,
    waiting: Pending,
    text: str | None,
    files: list[NewAttachment],
) -> None:
    """Attach one more message to the report the citizen is adding information to."""
    svc = services(context)
    assert waiting.report_id is not None
    report = await own_report(svc, _user_id(update), waiting.report_id)
    if report is None or not is_open(report):
        await stop_waiting(svc, _user_id(update))
        number = report.number if report is not None else ""
        await reply(update, context, "citizen_prompt", what="not_open", number=number)
        return
    group = _media_group(update)
    if report.stage == Stage.NEEDS_INFO:
        await answer_request(update, context, report, text, files, media_group=group)
        return
    added = await citizen.add_information(svc, report.id, text, files)
    if added is None:
        await reply(update, context, "citizen_prompt", what="not_open", number=report.number)
        return
    kick_outbox(context)
    same_album = group is not None and waiting.data.get("media_group") == group
    await wait_for(svc, _user_id(update), Pending("info", report.id, {"media_group": group}))
    if same_album:
        return  # one confirmation per album, not one per photo
    await _info_added(update, context, report, len(files))


# --- a message kept until the citizen says where it goes ------------------------------------


def _item(text: str | None, file: NewAttachment | None) -> dict[str, Any]:
    return {"text": text, "file": file_to_json(file) if file is not None else None}


def _held(waiting: Pending) -> tuple[str | None, list[NewAttachment]]:
    items: list[dict[str, Any]] = waiting.data.get("items", [])
    texts = [i["text"] for i in items if i.get("text")]
    files = [file_from_json(i["file"]) for i in items if i.get("file")]
    return ("\n\n".join(texts) if texts else None), files


async def _keep(
    update: Update,
    context: Context,
    text: str | None,
    file: NewAttachment | None,
    asked: list[Report],
) -> None:
    """Keep the message and ask where it goes (which request, or what to do with it)."""
    svc = services(context)
    user_id = _user_id(update)
    held = Pending(
        "held",
        None,
        {
            "items": [_item(text, file)],
            "media_group": _media_group(update),
            "asked": [r.id for r in asked],
        },
    )
    await wait_for(svc, user_id, held)
    await _offer(update, context, held)


async def _keep_more(
    update: Update,
    context: Context,
    waiting: Pending,
    text: str | None,
    file: NewAttachment | None,
) -> None:
    """Add a further message to those kept, and offer the choice again."""
    svc = services(context)
    items = [*waiting.data.get("items", []), _item(text, file)]
    group = _media_group(update)
    same_album = group is not None and waiting.data.get("media_group") == group
    waiting.data.update(items=items, media_group=group)
    await wait_for(svc, _user_id(update), waiting)
    if same_album:
        return
    if waiting.data.get("asked"):
        await _offer(update, context, waiting)
        return
    if (text or file) and waiting.data.get("offered_draft"):
        await _offer_draft(svc, _user_id(update), waiting)
    lang = await language(update, context)
    await reply(update, context, "citizen_prompt", lang=lang, what="held_more", count=len(items))


async def _offer(update: Update, context: Context, held: Pending) -> None:
    """Show the choices for a kept message."""
    svc = services(context)
    lang = await language(update, context)
    user_id = _user_id(update)
    asked_ids: list[int] = held.data.get("asked", [])
    rows: list[list[InlineKeyboardButton]] = []
    if len(asked_ids) > 1:
        for report_id in asked_ids:
            report = await svc.repo.report(report_id)
            if report is None:
                continue
            rows.append(
                [
                    button(
                        context,
                        lang,
                        "citizen.answer_for",
                        "ans",
                        report.id,
                        number=report.number,
                        title=report.title[:30],
                    )
                ]
            )
        await reply(
            update,
            context,
            "citizen_prompt",
            lang=lang,
            what="choose_waiting",
            reply_markup=InlineKeyboardMarkup(rows),
        )
        return
    text, _files = _held(held)
    if text and await _offer_draft(svc, user_id, held):
        rows.append(
            [
                InlineKeyboardButton(
                    label(context, lang, "citizen.new_report"), callback_data=NEW_REPORT
                )
            ]
        )
    reporter = await svc.repo.reporter_by_telegram(user_id)
    open_reports = (
        await svc.repo.reports_of(reporter.id, stages=OPEN, limit=OFFERED_REPORTS)
        if reporter is not None
        else []
    )
    for report in open_reports:
        rows.append(
            [button(context, lang, "citizen.add_to", "addto", report.id, number=report.number)]
        )
    if reporter is not None and (open_reports or await svc.repo.count_reports_of(reporter.id)):
        rows.append([button(context, lang, "citizen.my_reports", "mine")])
    rows.append([button(context, lang, "citizen.cancel", "cancel")])
    await reply(
        update,
        context,
        "citizen_prompt",
        lang=lang,
        what="offer",
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def _offer_draft(svc: Services, user_id: int, held: Pending) -> bool:
    """Save (or refresh) the report draft that "new report" opens, from every kept text.

    Only when the citizen has no draft of their own: False then, and no button is offered.
    """
    draft = await svc.repo.draft(user_id, intake.CONVERSATION)
    if draft is not None and not offered_by_us(held, draft.updated_at):
        return False
    text, files = _held(held)
    if not text:
        return False
    await submit.start_draft_from_text(svc, user_id, text, [file_to_json(f) for f in files])
    saved = await svc.repo.draft(user_id, intake.CONVERSATION)
    if saved is not None:
        held.data["offered_draft"] = saved.updated_at.isoformat()
        await wait_for(svc, user_id, held)
    return True


# The report conversation's entry point (handlers/report.py) for "start a report with this".
NEW_REPORT = "intake:from_text"


async def on_button(update: Update, context: Context) -> None:
    """Send the kept message where the citizen chose: a request, or an open report."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    user_id = _user_id(update)
    try:
        data = callbacks.parse(query.data, FEATURE)
        report_id = data.int_arg()
    except callbacks.CallbackDataError:
        await alert(update, context, "citizen_alert.stale")
        return
    report = await own_report(svc, user_id, report_id)
    if report is None:
        await alert(update, context, "citizen_alert.not_yours")
        return
    waiting = await pending(svc, user_id)
    if waiting is None or waiting.kind != "held":
        await alert(update, context, "citizen_alert.nothing_held")
        return
    if not is_open(report):
        await alert(update, context, "citizen_alert.not_open")
        return
    await query.answer()
    await drop_offered_draft(svc, user_id, waiting)
    await stop_waiting(svc, user_id)
    with contextlib.suppress(BadRequest):  # the buttons going away is a nicety
        await query.edit_message_reply_markup(None)
    text, files = _held(waiting)
    if data.action == "ans" and report.stage == Stage.NEEDS_INFO:
        await answer_request(update, context, report, text, files)
        return
    added = await citizen.add_information(svc, report.id, text, files)
    if added is None:
        await reply(update, context, "citizen_prompt", what="not_open", number=report.number)
        return
    kick_outbox(context)
    await wait_for(svc, user_id, Pending("info", report.id))
    await _info_added(update, context, report, len(files))


async def _info_added(update: Update, context: Context, report: Report, files: int) -> None:
    """Confirm what the citizen added, with the button that ends adding."""
    lang = await language(update, context)
    await reply(
        update,
        context,
        "citizen_prompt",
        lang=lang,
        what="info_added",
        number=report.number,
        files=files,
        reply_markup=_done_keyboard(context, lang),
    )


def _menu_keys(svc: Services) -> list[str]:
    """Return every main-menu label key (the buttons belong to their features)."""
    return sorted(
        {
            key
            for lang in LANGUAGES
            for key in svc.renderer.labels(lang)
            if key.startswith(("menu.", "menu_"))
        }
    )


def handlers(svc: Services) -> list[BaseHandler[Update, Context, None]]:
    """Return the button handlers of kept messages (register after the conversations)."""
    return [CallbackQueryHandler(on_button, pattern=rf"^{FEATURE}:(ans|addto):")]


def catch_all(svc: Services) -> list[BaseHandler[Update, Context, None]]:
    """Return the plain-message handler; register it last in group 0."""
    plain = (
        filters.ChatType.PRIVATE
        & filters.UpdateType.MESSAGE
        & ~filters.COMMAND
        & ~MenuButton(svc.renderer, *_menu_keys(svc))
    )
    return [MessageHandler(plain, on_message)]
