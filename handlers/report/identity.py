"""Identity questions of the report conversation: consent, reuse, name, phone, address."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update

from bot.domain import intake
from bot.domain.intake import Invalid, ReportDraft, Step
from handlers.common import Context, language, message_of, services
from handlers.report.prompt import advance, choice, invalid, match_option, options


async def on_consent(update: Update, context: Context, draft: ReportDraft) -> Step:
    """Record consent to data processing, or switch to an anonymous report."""
    picked = await choice(update, context, Step.CONSENT, draft)
    if picked is None:
        return Step.CONSENT
    if picked == "anonymous":
        draft.anonymous = True
        draft.mark(Step.PRIVACY_ANON)
    else:
        draft.consent = True
    return await advance(update, context, draft, Step.CONSENT)


async def on_identity_reuse(update: Update, context: Context, draft: ReportDraft) -> Step:
    """Use the identity given last time, or ask it again."""
    picked = await choice(update, context, Step.IDENTITY_REUSE, draft)
    if picked is None:
        return Step.IDENTITY_REUSE
    draft.reuse_identity = picked == "yes"
    return await advance(update, context, draft, Step.IDENTITY_REUSE)


async def _skipped(update: Update, context: Context, step: Step, draft: ReportDraft) -> bool:
    text = message_of(update).text
    if text is None:
        return False
    lang = await language(update, context)
    return match_option(text, options(services(context), step, draft, lang)) == "skip"


async def on_phone(update: Update, context: Context, draft: ReportDraft) -> Step:
    """Store the phone number from the contact button or as typed, in E.164."""
    message = message_of(update)
    if await _skipped(update, context, Step.PHONE, draft):
        return await advance(update, context, draft, Step.PHONE)
    if message.contact is not None:
        user = update.effective_user
        if user is None or message.contact.user_id not in (None, user.id):
            return await invalid(update, context, Step.PHONE, draft, "not_own_contact")
        typed = message.contact.phone_number
    elif message.text is not None:
        typed = message.text
    else:
        return await invalid(update, context, Step.PHONE, draft, "not_text")
    phone = intake.check_phone(typed)
    if isinstance(phone, Invalid):
        return await invalid(update, context, Step.PHONE, draft, phone)
    draft.phone = phone
    return await advance(update, context, draft, Step.PHONE)


# The identity answers typed as text: the check each must pass and where it is kept.
TEXT_FIELDS: dict[Step, Callable[[str], str | Invalid]] = {
    Step.NAME: intake.check_name,
    Step.ADDRESS: intake.check_address,
    Step.EMAIL: intake.check_email,
}


async def on_text_field(update: Update, context: Context, draft: ReportDraft, step: Step) -> Step:
    """Store a typed identity answer (name, address, e-mail), or skip an optional one."""
    if await _skipped(update, context, step, draft):
        return await advance(update, context, draft, step)
    text = message_of(update).text
    if text is None:
        return await invalid(update, context, step, draft, "not_text")
    checked = TEXT_FIELDS[step](text)
    if isinstance(checked, Invalid):
        return await invalid(update, context, step, draft, checked)
    setattr(draft, intake.IDENTITY_FIELDS[step], checked)
    return await advance(update, context, draft, step)


async def on_name(update: Update, context: Context, draft: ReportDraft) -> Step:
    """Store the reporter's name."""
    return await on_text_field(update, context, draft, Step.NAME)


async def on_address(update: Update, context: Context, draft: ReportDraft) -> Step:
    """Store the address."""
    return await on_text_field(update, context, draft, Step.ADDRESS)


async def on_email(update: Update, context: Context, draft: ReportDraft) -> Step:
    """Store the e-mail address."""
    return await on_text_field(update, context, draft, Step.EMAIL)


async def on_id_photo(update: Update, context: Context, draft: ReportDraft) -> Step:
    """Store the ID card photo."""
    message = message_of(update)
    if await _skipped(update, context, Step.ID_PHOTO, draft):
        return await advance(update, context, draft, Step.ID_PHOTO)
    if not message.photo:
        return await invalid(update, context, Step.ID_PHOTO, draft, "file_type")
    draft.id_photo = message.photo[-1].file_id
    return await advance(update, context, draft, Step.ID_PHOTO)
