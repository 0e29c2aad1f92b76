"""The report conversation (/lapor): from the prerequisite checks to a tracking number.

```mermaid
stateDiagram-v2
    [*] --> CHECKLIST: /lapor, menu, /lapor <text>, "start a report with this"
    CHECKLIST --> PRIVACY_ANON: privacy_first offices (seed 004)
    CHECKLIST --> TYPE
    TYPE --> CATEGORY --> SUBCATEGORY --> TITLE --> DESCRIPTION --> EVENT_DATE --> LOCATION
    LOCATION --> PRIVACY_ANON --> PRIVACY_CONF --> EVIDENCE
    EVIDENCE --> CONSENT: not anonymous
    EVIDENCE --> SUMMARY: anonymous
    CONSENT --> IDENTITY_REUSE: identity given before
    CONSENT --> NAME
    IDENTITY_REUSE --> SUMMARY
    NAME --> PHONE --> ADDRESS --> EMAIL --> ID_PHOTO --> SUMMARY
    SUMMARY --> EDIT --> SUMMARY
    SUMMARY --> [*]: submit
    RESUME --> SUMMARY: /lapor with a draft (continue or start over)
```

Steps a profile does not use are skipped (bot.domain.intake.applies). Every step offers Back and
Cancel (/batal); the draft is saved after every answer, so a restart resumes the same step.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.domain import intake
from bot.domain.deadlines import tentative
from bot.domain.intake import CONVERSATION, ReportDraft, Step
from bot.domain.vocabulary import Action, Stage
from bot.services.container import Services
from bot.services.submit import DailyLimit, submit
from handlers.common import (
    Context,
    MenuButton,
    kick_outbox,
    language,
    message_of,
    remember_draft,
    remember_reporter,
    reply,
    reporter_of,
    saved_draft,
    services,
)
from handlers.report import identity
from handlers.report import steps as answers
from handlers.report.prompt import (
    ask,
    has_identity,
    invalid,
    match_option,
    notice,
    options,
)
from handlers.report.steps import StepHandler
from handlers.start import main_menu
from storage.models import Draft, OutboxMessage

FROM_TEXT = "intake:from_text"

STEP_HANDLERS: dict[Step, StepHandler] = {
    Step.CHECKLIST: answers.on_checklist,
    Step.PRIVACY_ANON: answers.on_privacy_anon,
    Step.PRIVACY_CONF: answers.on_privacy_conf,
    Step.TYPE: answers.on_type,
    Step.CATEGORY: answers.on_category,
    Step.SUBCATEGORY: answers.on_subcategory,
    Step.TITLE: answers.on_title,
    Step.DESCRIPTION: answers.on_description,
    Step.EVENT_DATE: answers.on_event_date,
    Step.LOCATION: answers.on_location,
    Step.EVIDENCE: answers.on_evidence,
    Step.CONSENT: identity.on_consent,
    Step.IDENTITY_REUSE: identity.on_identity_reuse,
    Step.NAME: identity.on_name,
    Step.PHONE: identity.on_phone,
    Step.ADDRESS: identity.on_address,
    Step.EMAIL: identity.on_email,
    Step.ID_PHOTO: identity.on_id_photo,
}


async def _saved(update: Update, context: Context) -> Draft | None:
    return await saved_draft(update, context, CONVERSATION)


async def _draft(update: Update, context: Context) -> ReportDraft | None:
    saved = await _saved(update, context)
    return ReportDraft.from_json(saved.data) if saved else None


async def _has_identity(update: Update, context: Context) -> bool:
    return has_identity(await reporter_of(update, context))


async def _begin(update: Update, context: Context, draft: ReportDraft) -> Step:
    svc = services(context)
    step = intake.first_step(svc.profile, draft, has_identity=await _has_identity(update, context))
    return await ask(update, context, step, draft)


async def start_report(update: Update, context: Context) -> Step:
    """Start a report, or ask whether to resume the one already begun."""
    saved = await _saved(update, context)
    existing = ReportDraft.from_json(saved.data) if saved else None
    if saved is not None and existing is not None and saved.last_update_id == update.update_id:
        # This very /lapor, replayed after a crash: its draft is begun, not an older one.
        return await ask(update, context, Step[saved.step], existing)
    if existing is not None:
        return await ask(update, context, Step.RESUME, existing)
    text = " ".join(context.args or [])
    draft = intake.quick_draft(services(context).profile, text) if text else ReportDraft()
    return await _begin(update, context, draft)


async def start_from_text(update: Update, context: Context) -> Step | int:
    """Start the report a plain message offered to begin (its text is already the draft)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    draft = await _draft(update, context)
    if draft is None:
        await notice(update, context, "no_draft")
        return ConversationHandler.END
    return await _begin(update, context, draft)


async def on_resume(update: Update, context: Context) -> Step | int:
    """Continue the saved draft or start over."""
    draft = await _draft(update, context)
    if draft is None:
        return await _begin(update, context, ReportDraft())
    lang = await language(update, context)
    text = message_of(update).text or ""
    picked = match_option(text, options(services(context), Step.RESUME, draft, lang))
    if picked is None:
        return await invalid(update, context, Step.RESUME, draft, "choice")
    if picked == "restart":
        return await _begin(update, context, ReportDraft())
    svc = services(context)
    step = intake.next_step(svc.profile, draft, has_identity=await _has_identity(update, context))
    return await ask(update, context, step, draft)


async def cancel(update: Update, context: Context) -> int:
    """Drop the draft and leave the conversation."""
    user = update.effective_user
    assert user is not None
    await services(context).repo.drop_draft(user.id, CONVERSATION)
    remember_draft(context, CONVERSATION, None)
    lang = await language(update, context)
    await reply(
        update, context, "intake_notice", kind="cancelled", reply_markup=main_menu(context, lang)
    )
    return ConversationHandler.END


async def back(update: Update, context: Context, step: Step, draft: ReportDraft) -> Step:
    """Go back one question (answers are kept and shown again when re-asked)."""
    svc = services(context)
    draft.pending = None
    if step is Step.EDIT:
        return await ask(update, context, Step.SUMMARY, draft)
    previous = intake.previous_step(
        svc.profile, draft, step, has_identity=await _has_identity(update, context)
    )
    if previous is None:
        return await ask(update, context, step, draft)
    draft.unmark(previous)
    return await ask(update, context, previous, draft)


def _on_step(step: Step) -> Any:
    """Return the handler for messages at `step`: Back and Cancel first, then the answer."""

    async def handle(update: Update, context: Context) -> Step | int:
        saved = await _saved(update, context)
        draft = ReportDraft.from_json(saved.data) if saved else None
        if draft is None:  # the draft was submitted or cancelled elsewhere
            await notice(update, context, "no_draft")
            return ConversationHandler.END
        if saved is not None and saved.last_update_id == update.update_id:
            # Replayed after a crash that came once this answer was saved: ask the question it
            # led to (perhaps never sent) rather than take the answer for it.
            return await ask(update, context, step, draft)
        lang = await language(update, context)
        text = message_of(update).text
        label = services(context).renderer.label
        if text == label(lang, "intake.cancel"):
            return await cancel(update, context)
        if text == label(lang, "intake.back"):
            return await back(update, context, step, draft)
        if step is Step.SUMMARY:
            return await on_summary(update, context, draft)
        if step is Step.EDIT:
            return await on_edit(update, context, draft)
        return await STEP_HANDLERS[step](update, context, draft)

    handle.__doc__ = f"Handle an answer at step {step.name}."
    return handle


async def on_summary(update: Update, context: Context, draft: ReportDraft) -> Step | int:
    """Submit the report, or pick a part to change."""
    svc = services(context)
    lang = await language(update, context)
    picked = match_option(message_of(update).text or "", options(svc, Step.SUMMARY, draft, lang))
    if picked is None:
        return await invalid(update, context, Step.SUMMARY, draft, "choice")
    if picked == "edit":
        return await ask(update, context, Step.EDIT, draft)
    user = update.effective_user
    assert user is not None
    # The sender's row as this update read it, or made now (a first contact's report).
    reporter = await reporter_of(update, context) or await svc.repo.ensure_reporter(user.id, lang)
    filed = await submit(svc, reporter, draft, limit_per_day=svc.settings.limit_reports_per_day)
    # Submitting may store the identity given in the draft: the row is read again if needed.
    remember_reporter(context, None)
    if isinstance(filed, DailyLimit):
        await notice(update, context, "limit", limit=filed.limit)
        return Step.SUMMARY
    # The tracking number goes through the outbox, queued once per report in the transaction
    # that drops the draft: a failed send is retried, and a crash anywhere here (the update runs
    # again, and submit() returns the report it filed) neither loses nor repeats it.
    receipt = svc.renderer.render(
        lang,
        "intake_submitted",
        number=filed.number,
        stage_due=filed.stage_due_at,
        final_due=filed.final_due_at,
        tentative=tentative(svc.profile, filed.stage, filed.channel),
    )
    await svc.repo.enqueue_once(
        [
            OutboxMessage(
                chat_id=user.id,
                kind="send_message",
                payload={"text": receipt, "reply_markup": main_menu(context, lang).to_dict()},
                report_id=filed.id,
                coalesce_key=f"receipt:{filed.id}",
            )
        ],
        drop_draft=(user.id, CONVERSATION),
    )
    remember_draft(context, CONVERSATION, None)
    kick_outbox(context)
    return ConversationHandler.END


async def on_edit(update: Update, context: Context, draft: ReportDraft) -> Step:
    """Jump to the part the citizen wants to change; the summary follows it."""
    svc = services(context)
    lang = await language(update, context)
    picked = match_option(message_of(update).text or "", options(svc, Step.EDIT, draft, lang))
    if picked is None:
        return await invalid(update, context, Step.EDIT, draft, "choice")
    step = Step[picked]
    draft.editing = True
    draft.unmark(step)
    if step is Step.PRIVACY_ANON:
        draft.unmark(Step.PRIVACY_CONF)
    return await ask(update, context, step, draft)


def handlers(svc: Services) -> list[BaseHandler[Update, Context, Any]]:
    """Return the report conversation."""
    private = filters.ChatType.PRIVATE
    menu = MenuButton(svc.renderer, "menu_report.new")
    answers = private & ~filters.COMMAND
    states: dict[object, list[BaseHandler[Update, Context, Any]]] = {
        step: [MessageHandler(answers, _on_step(step))] for step in Step if step is not Step.RESUME
    }
    states[Step.RESUME] = [MessageHandler(answers, on_resume)]
    entry_points: list[BaseHandler[Update, Context, Any]] = [
        CommandHandler("lapor", start_report, filters=private),
        MessageHandler(private & menu, start_report),
        CallbackQueryHandler(start_from_text, pattern=f"^{FROM_TEXT}$"),
    ]
    fallbacks: list[BaseHandler[Update, Context, Any]] = [
        CommandHandler("batal", cancel, filters=private),
        CommandHandler("lapor", start_report, filters=private),
    ]
    # PTB warns that a CallbackQueryHandler in a per-chat conversation is not tracked per
    # message. That is what we want: the "start a report with this text" button only opens the
    # chat's conversation, and every later step is a message.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)
        conversation = _conversation(states, entry_points, fallbacks)
    return [conversation]


def _conversation(
    states: dict[object, list[BaseHandler[Update, Context, Any]]],
    entry_points: list[BaseHandler[Update, Context, Any]],
    fallbacks: list[BaseHandler[Update, Context, Any]],
) -> ConversationHandler[Context]:
    return ConversationHandler(
        entry_points=entry_points,
        states=states,
        fallbacks=fallbacks,
        name=CONVERSATION,
        persistent=True,
        allow_reentry=True,
    )


__all__ = ["FROM_TEXT", "Action", "Stage", "handlers"]
