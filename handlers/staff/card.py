"""The card's buttons in the staff group: check who presses, then pick, ask for text, or act.

```mermaid
flowchart LR
    P[press rpt:action:id:version] --> V{staff? member? role? unit? version?}
    V -- no --> A[alert; stale: card redrawn]
    V -- yes --> C{needs a choice?}
    C -- yes --> K[picker on the card] --> P
    C -- no --> T{needs text?}
    T -- yes --> F[ForceReply prompt: group, or privately for rahasia]
    T -- no --> D[perform; card redrawn through the outbox]
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, ForceReply, InlineKeyboardMarkup, ReplyParameters, Update
from telegram.error import Forbidden
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.domain import access
from bot.domain.actions import SPECS
from bot.domain.vocabulary import Action
from bot.services.container import Services
from bot.services.staff_actions import Invalid, carry_out, private_detail
from bot.services.transition import Done, Stale
from bot.telegram import callbacks, cards, edits
from handlers.common import Context, kick_outbox, services
from handlers.staff.common import STAFF_LANG, acting_member, alert, refresh_card, vet
from storage.models import Report, StaffMember


@dataclass(frozen=True, slots=True)
class Press:
    """A parsed card button: what, on which report version, with which choice."""

    action: str
    report_id: int
    version: int
    choice: str | None


def parse_press(data: str | None) -> Press | None:
    """Parse `rpt:<action>:<report_id>:<version>[:<choice>]`, or None when it is not ours."""
    try:
        cb = callbacks.parse(data, cards.FEATURE)
        return Press(
            cb.action, cb.int_arg(0), cb.int_arg(1), cb.args[2] if len(cb.args) > 2 else None
        )
    except callbacks.CallbackDataError:
        return None


async def pressed(update: Update, context: Context) -> None:
    """Check the presser and the report, then show a picker, ask for text, or act."""
    query = update.callback_query
    assert query is not None
    press = parse_press(query.data)
    if press is None:
        await alert(query, context, "stale")
        return
    if press.action in (cards.VIEW, cards.BACK):
        await _card_only(update, context, query, press)
        return
    try:
        action = Action(press.action)
    except ValueError:
        await alert(query, context, "stale")
        return
    vetted = await vet(update, context, press.report_id, action, press.version)
    if isinstance(vetted, str):
        await alert(query, context, vetted)
        if vetted == "stale":
            await refresh_card(context, press.report_id)
        return
    member, report = vetted
    svc = services(context)
    spec = SPECS[action]  # vetted: a staff action (the reporter's own are refused above)
    if spec.needs_picker(press.choice):
        keyboard = await cards.picker_keyboard(svc, report, action)
        await query.answer(svc.renderer.label(STAFF_LANG, "staff_alert.choose"))
        await edits.edit_markup(query, _markup(keyboard, context))
        return
    # A forged choice (a type this office does not take) is refused like any other.
    if press.choice is not None and not spec.valid_choice(press.choice, svc.profile):
        await alert(query, context, "invalid")
        return
    if spec.needs_text(press.choice, svc.profile):
        await _ask_for_text(context, query, member, report, action, press.choice)
        return
    await _act(context, query, member, report, action, press.choice)


async def _act(
    context: Context,
    query: CallbackQuery,
    member: StaffMember,
    report: Report,
    action: Action,
    choice: str | None,
) -> None:
    svc = services(context)
    outcome = await carry_out(svc, report, action, member, version=report.version, choice=choice)
    if isinstance(outcome, Done):
        await query.answer(svc.renderer.label(STAFF_LANG, "staff_alert.done"))
    elif isinstance(outcome, Invalid):
        await alert(query, context, "invalid")
    elif isinstance(outcome, Stale):
        await alert(query, context, "stale")
        await refresh_card(context, report.id)
    else:
        await alert(query, context, outcome.reason.value)
    kick_outbox(context)


async def _ask_for_text(
    context: Context,
    query: CallbackQuery,
    member: StaffMember,
    report: Report,
    action: Action,
    choice: str | None,
) -> None:
    """Ask the presser to type: in the group under the card, or privately for `rahasia`."""
    svc = services(context)
    spec = SPECS[action]
    text = cards.prompt_text(
        svc.renderer,
        spec,
        choice,
        STAFF_LANG,
        number=report.number,
        staff_name=member.display_name,
        username=query.from_user.username,
        reply=spec.reply_in(svc.profile),
    )
    card = query.message
    private = report.confidential or card is None
    asked = await svc.repo.open_prompt(
        chat_id=member.telegram_user_id if private or card is None else card.chat.id,
        staff_id=member.id,
        report_id=report.id,
        action=action.value,
        version=report.version,
    )
    if asked is not None:
        # Pressed again (the first answer was slow, say): the prompt above still stands.
        await query.answer(svc.renderer.label(STAFF_LANG, "staff_alert.write"))
        return
    try:
        if private:
            sent = await context.bot.send_message(
                member.telegram_user_id, text, reply_markup=ForceReply()
            )
        else:
            assert card is not None
            sent = await context.bot.send_message(
                card.chat.id,
                text,
                reply_markup=ForceReply(selective=True),
                reply_parameters=ReplyParameters(card.message_id, allow_sending_without_reply=True),
            )
    except Forbidden:
        await alert(query, context, "dm_needed")
        return
    await svc.repo.add_prompt(
        chat_id=sent.chat_id,
        message_id=sent.message_id,
        staff_id=member.id,
        report_id=report.id,
        action=action.value,
        version=report.version,
        data={"choice": choice} if choice is not None else None,
    )
    await query.answer(svc.renderer.label(STAFF_LANG, "staff_alert.write"))
    if choice is not None:  # the picker served its purpose: put the card's buttons back
        await edits.edit_markup(
            query, _markup(cards.card_keyboard(svc, report, STAFF_LANG), context)
        )


async def _card_only(update: Update, context: Context, query: CallbackQuery, press: Press) -> None:
    """Handle the card's own buttons: the private detail view, and back from a picker."""
    member = await acting_member(update, context)
    if isinstance(member, str):
        await alert(query, context, member)
        return
    svc = services(context)
    report = await svc.repo.report(press.report_id)
    if report is None:
        await alert(query, context, "stale")
        return
    if press.action == cards.BACK:
        await query.answer()
        await edits.edit_markup(
            query, _markup(cards.card_keyboard(svc, report, STAFF_LANG), context)
        )
        return
    await _send_detail(context, query, svc, member, report)


async def _send_detail(
    context: Context, query: CallbackQuery, svc: Services, member: StaffMember, report: Report
) -> None:
    if not access.may_read(member, report):
        await alert(query, context, "unit")
        return
    if member.private_chat_at is None:
        await alert(query, context, "dm_needed")
        return
    await svc.repo.enqueue(await private_detail(svc, report, member.telegram_user_id))
    await query.answer(svc.renderer.label(STAFF_LANG, "staff_alert.sent_private"))
    kick_outbox(context)


def _markup(keyboard: dict[str, Any], context: Context) -> InlineKeyboardMarkup | None:
    return InlineKeyboardMarkup.de_json(keyboard, context.bot)


def handlers(svc: Services) -> list[BaseHandler[Update, Context, None]]:
    """Return the handlers of this feature."""
    return [CallbackQueryHandler(pressed, pattern=callbacks.pattern(cards.FEATURE))]
