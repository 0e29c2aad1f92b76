"""/catat: staff record a report that came by another channel, in their private chat.

```mermaid
stateDiagram-v2
    [*] --> CHANNEL: /catat (operators and supervisors)
    CHANNEL --> TYPE --> CATEGORY --> SUBCATEGORY --> TITLE --> DESCRIPTION --> ANONYMOUS
    DESCRIPTION --> NAME: the channel requires identity (no anonymous)
    ANONYMOUS --> NAME: identity given
    ANONYMOUS --> SUMMARY: anonymous
    NAME --> PHONE --> ADDRESS --> ID_PHOTO: the channel requires an ID
    ADDRESS --> SUMMARY
    ID_PHOTO --> SUMMARY
    SUMMARY --> SUMMARY: mark confidential (or not)
    SUMMARY --> [*]: save (tracking number, card in the group)
```

Steps the office does not use are passed over (one type, no categories, no anonymity or
confidentiality). What the channel requires of the reporter cannot be skipped, and "anonymous"
is refused where the channel needs identity (bot/services/offline.py).
"""

from __future__ import annotations

from typing import Any

from telegram import ReplyKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.domain import intake
from bot.domain.intake import Invalid
from bot.domain.vocabulary import Role
from bot.services.container import Services
from bot.services.offline import (
    CONVERSATION,
    IDENTITY,
    Field,
    OfflineDraft,
    channel_of,
    channels,
    identity_required,
    may_skip,
    next_field,
    record,
    requirements,
)
from handlers.common import Context, kick_outbox, message_of, services
from handlers.report.prompt import Option, match_option
from handlers.staff.common import STAFF_LANG, acting_member
from handlers.start import main_menu

RECORDING_ROLES = (Role.OPERATOR, Role.SUPERVISOR)


def _options(svc: Services, step: Field, draft: OfflineDraft) -> list[Option]:
    profile, lang, label = svc.profile, STAFF_LANG, svc.renderer.label
    match step:
        case Field.CHANNEL:
            return [
                Option(c.value, option.name.get(lang))
                for c in channels(profile)
                if (option := profile.channel(c)) is not None
            ]
        case Field.TYPE:
            return [Option(t.code.value, t.name.get(lang)) for t in profile.offered_types()]
        case Field.CATEGORY:
            return [Option(c.code, c.name.get(lang)) for c in profile.categories]
        case Field.SUBCATEGORY:
            category = profile.category(draft.category or "")
            subs = category.subcategories if category else ()
            return [Option(s.code, s.name.get(lang)) for s in subs]
        case Field.ANONYMOUS:
            return [
                Option("no", label(lang, "catat.identified")),
                Option("yes", label(lang, "catat.anonymous")),
            ]
        case Field.NAME | Field.PHONE | Field.ADDRESS | Field.ID_PHOTO:
            if may_skip(profile, draft, step):
                return [Option("skip", label(lang, "intake.skip"))]
        case Field.SUMMARY:
            options = [Option("save", label(lang, "catat.save"))]
            if profile.identity.allow_confidential:
                toggle = "not_confidential" if draft.confidential else "confidential"
                options.append(Option("toggle", label(lang, f"catat.{toggle}")))
            return options
    return []


async def _ask(update: Update, context: Context, step: Field, draft: OfflineDraft) -> Field:
    """Save the draft at `step` and ask its question."""
    svc = services(context)
    user = update.effective_user
    assert user is not None
    await svc.repo.save_draft(user.id, CONVERSATION, step.name, draft.to_json())
    rows = [[o.label] for o in _options(svc, step, draft)]
    rows.append([svc.renderer.label(STAFF_LANG, "intake.cancel")])
    channel = channel_of(svc.profile, draft)
    values: dict[str, Any] = {
        "step": step.name,
        "draft": draft,
        "channel_name": channel.name.get(STAFF_LANG) if channel else draft.channel,
        # The channel's requirement in the SOP's words, with the questions about the reporter.
        "requirement": channel.note.get(STAFF_LANG) if channel and channel.note else None,
        "identity_required": identity_required(svc.profile, draft),
        "required": [] if step not in IDENTITY else _required_here(svc, draft, step),
        "optional": step in IDENTITY and may_skip(svc.profile, draft, step),
        "confidential_offered": svc.profile.identity.allow_confidential,
    }
    text = svc.renderer.render(STAFF_LANG, "catat_step", **values)
    markup = ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=False)
    await message_of(update).reply_text(text, reply_markup=markup)
    return step


def _required_here(svc: Services, draft: OfflineDraft, step: Field) -> list[str]:
    """Return the channel's requirements that this question is part of, as staff read them."""
    field = IDENTITY[step]
    return [
        " / ".join(svc.renderer.label(STAFF_LANG, f"catat.field.{f}") for f in group)
        for group in requirements(svc.profile, draft)
        if field in group
    ]


async def start(update: Update, context: Context) -> Field | int:
    """Begin recording, for operators and supervisors only."""
    member = await acting_member(update, context)
    svc = services(context)
    if isinstance(member, str) or member.role not in RECORDING_ROLES:
        text = svc.renderer.render(STAFF_LANG, "catat_done", outcome="denied")
        await message_of(update).reply_text(text)
        return ConversationHandler.END
    if not channels(svc.profile):
        # An office whose only channel is this bot has nothing to record from elsewhere.
        text = svc.renderer.render(STAFF_LANG, "catat_done", outcome="no_channels")
        await message_of(update).reply_text(text)
        return ConversationHandler.END
    draft = OfflineDraft()
    return await _ask(update, context, next_field(svc.profile, draft), draft)


async def cancel(update: Update, context: Context) -> int:
    """Drop the recording."""
    user = update.effective_user
    assert user is not None
    svc = services(context)
    await svc.repo.drop_draft(user.id, CONVERSATION)
    text = svc.renderer.render(STAFF_LANG, "catat_done", outcome="cancelled")
    # Back to the menu the staff member had before (their private chat's main menu).
    await message_of(update).reply_text(text, reply_markup=main_menu(context, STAFF_LANG))
    return ConversationHandler.END


async def _invalid(update: Update, context: Context, problem: Invalid | str) -> None:
    svc = services(context)
    found = problem if isinstance(problem, Invalid) else None
    text = svc.renderer.render(
        STAFF_LANG,
        "intake_invalid",
        problem=found.problem if found else problem,
        limit=found.limit if found else None,
    )
    await message_of(update).reply_text(text)


def _on(step: Field) -> Any:
    """Return the handler for answers at `step`."""

    async def handle(update: Update, context: Context) -> Field | int:
        svc = services(context)
        user = update.effective_user
        assert user is not None
        saved = await svc.repo.draft(user.id, CONVERSATION)
        if saved is None:
            return ConversationHandler.END
        draft = OfflineDraft.from_json(saved.data)
        message = message_of(update)
        text = message.text
        if step is Field.ID_PHOTO and (message.photo or message.document):
            found = message.photo[-1] if message.photo else message.document
            assert found is not None
            draft.id_photo = found.file_id
            return await _ask(update, context, next_field(svc.profile, draft, after=step), draft)
        if text is None:
            await _invalid(update, context, "not_text")
            return step
        if text == svc.renderer.label(STAFF_LANG, "intake.cancel"):
            return await cancel(update, context)
        choices = _options(svc, step, draft)
        picked = match_option(text, choices) if choices else None
        refusal = _refusal(svc, step, draft, text, picked)
        if refusal is not None:
            await _refuse(update, context, draft, refusal)
            return step
        if step is Field.SUMMARY:
            if picked == "toggle":  # `rahasia`: the content stays out of the shared group
                draft.confidential = not draft.confidential
                return await _ask(update, context, step, draft)
            if picked != "save":
                await _invalid(update, context, "choice")
                return step
            return await _save(update, context, draft)
        problem = _apply(step, draft, text, picked, bool(choices))
        if problem is not None:
            await _invalid(update, context, problem)
            return step
        return await _ask(update, context, next_field(svc.profile, draft, after=step), draft)

    handle.__doc__ = f"Handle an answer at {step.name}."
    return handle


def _refusal(
    svc: Services, step: Field, draft: OfflineDraft, text: str, picked: str | None
) -> str | None:
    """Return why an answer asks for what the channel does not allow, or None.

    "Anonymous" typed where the channel requires identity, "skip" where the channel requires
    this very detail, and a text where the ID's photo is asked.
    """
    if step not in IDENTITY or picked is not None:
        return None
    label = svc.renderer.label
    if identity_required(svc.profile, draft):
        anonymous = [Option("yes", label(STAFF_LANG, "catat.anonymous"))]
        if match_option(text, anonymous) or text.strip().casefold() in ANONYMOUS_WORDS:
            return "anonymous"
    if match_option(text, [Option("skip", label(STAFF_LANG, "intake.skip"))]):
        return "required"
    return "id_photo" if step is Field.ID_PHOTO else None


# What staff may type to mean "anonymous" (besides the button's label).
ANONYMOUS_WORDS = frozenset({"anonim", "anonymous", "tanpa nama"})


async def _refuse(update: Update, context: Context, draft: OfflineDraft, refusal: str) -> None:
    """Say what the channel requires instead (in the SOP's words)."""
    svc = services(context)
    channel = channel_of(svc.profile, draft)
    text = svc.renderer.render(
        STAFF_LANG,
        "catat_refused",
        refusal=refusal,
        channel_name=channel.name.get(STAFF_LANG) if channel else draft.channel,
        requirement=channel.note.get(STAFF_LANG) if channel and channel.note else None,
    )
    await message_of(update).reply_text(text)


def _apply(
    step: Field, draft: OfflineDraft, text: str, picked: str | None, has_choices: bool
) -> Invalid | str | None:
    """Store one answer in the draft; return why it cannot be used, or None."""
    choosing = (Field.CHANNEL, Field.TYPE, Field.CATEGORY, Field.SUBCATEGORY)
    if step in (*choosing, Field.ANONYMOUS):
        if picked is None:
            return "choice"
        if step is Field.ANONYMOUS:
            draft.anonymous = picked == "yes"
        else:
            setattr(draft, step.name.lower(), picked)
        return None
    if picked == "skip":
        return None
    checks = {
        Field.TITLE: intake.check_title,
        Field.DESCRIPTION: intake.check_description,
        Field.NAME: intake.check_name,
        Field.PHONE: intake.check_phone,
        Field.ADDRESS: intake.check_address,
    }
    checked = checks[step](text)
    if isinstance(checked, Invalid):
        return checked
    setattr(draft, step.name.lower(), checked)
    return None


async def _save(update: Update, context: Context, draft: OfflineDraft) -> int:
    """File the report and give the staff member its number."""
    svc = services(context)
    member = await acting_member(update, context)
    if isinstance(member, str):
        return await cancel(update, context)
    report = await record(svc, draft, member.id)
    user = update.effective_user
    assert user is not None
    await svc.repo.drop_draft(user.id, CONVERSATION)
    kick_outbox(context)
    text = svc.renderer.render(
        STAFF_LANG, "catat_done", outcome="saved", number=report.number, due=report.final_due_at
    )
    # Back to the menu the staff member had before (their private chat's main menu).
    await message_of(update).reply_text(text, reply_markup=main_menu(context, STAFF_LANG))
    return ConversationHandler.END


def handlers(svc: Services) -> list[BaseHandler[Update, Context, Any]]:
    """Return the /catat conversation (private chat with the bot)."""
    private = filters.ChatType.PRIVATE
    answers = private & ~filters.COMMAND
    return [
        ConversationHandler(
            entry_points=[CommandHandler("catat", start, filters=private)],
            states={step: [MessageHandler(answers, _on(step))] for step in Field},
            fallbacks=[CommandHandler("batal", cancel, filters=private)],
            name=CONVERSATION,
            persistent=True,
        )
    ]
