"""Answers to the report conversation's questions: check, store, and move on.

Each `on_<step>` reads one message and returns the next state. A wrong answer gets a polite
explanation and the same question's keyboard; nothing the citizen typed is lost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from telegram import Message, ReplyKeyboardMarkup, Update

from bot.domain import intake
from bot.domain.intake import Invalid, ReportDraft, Step
from handlers.common import Context, language, message_of, reporter_of, services
from handlers.report.dupes import offer_duplicates, resolve_duplicates
from handlers.report.existing import add_to_existing
from handlers.report.hints import show_hints
from handlers.report.prompt import (
    advance,
    ask,
    choice,
    invalid,
    keyboard,
    match_option,
    notice,
    options,
)

StepHandler = Callable[[Update, Context, ReportDraft], Awaitable[Step | int]]


# --- one handler per step ------------------------------------------------------------------


async def on_checklist(update: Update, context: Context, draft: ReportDraft) -> Step:
    """Record that the citizen confirmed the prerequisites."""
    if await choice(update, context, Step.CHECKLIST, draft) is None:
        return Step.CHECKLIST
    return await advance(update, context, draft, Step.CHECKLIST)


async def on_privacy_anon(update: Update, context: Context, draft: ReportDraft) -> Step:
    """Store whether the report is anonymous."""
    picked = await choice(update, context, Step.PRIVACY_ANON, draft)
    if picked is None:
        return Step.PRIVACY_ANON
    draft.anonymous = picked == "yes"
    if draft.anonymous:
        draft.consent = False
    return await advance(update, context, draft, Step.PRIVACY_ANON)


async def on_privacy_conf(update: Update, context: Context, draft: ReportDraft) -> Step:
    """Store whether the content is confidential."""
    picked = await choice(update, context, Step.PRIVACY_CONF, draft)
    if picked is None:
        return Step.PRIVACY_CONF
    draft.confidential = picked == "yes"
    return await advance(update, context, draft, Step.PRIVACY_CONF)


async def on_type(update: Update, context: Context, draft: ReportDraft) -> Step:
    """Store the report type."""
    picked = await choice(update, context, Step.TYPE, draft)
    if picked is None:
        return Step.TYPE
    draft.type = picked
    return await advance(update, context, draft, Step.TYPE)


async def on_category(update: Update, context: Context, draft: ReportDraft) -> Step:
    """Store the category; a new category asks its sub-category again."""
    picked = await choice(update, context, Step.CATEGORY, draft)
    if picked is None:
        return Step.CATEGORY
    if picked != draft.category:
        draft.subcategory = None
        draft.unmark(Step.SUBCATEGORY)
    draft.category = picked
    return await advance(update, context, draft, Step.CATEGORY)


async def on_subcategory(update: Update, context: Context, draft: ReportDraft) -> Step:
    """Store the sub-category."""
    picked = await choice(update, context, Step.SUBCATEGORY, draft)
    if picked is None:
        return Step.SUBCATEGORY
    draft.subcategory = picked
    return await advance(update, context, draft, Step.SUBCATEGORY)


async def _screened_text(
    update: Update, context: Context, draft: ReportDraft, step: Step, text: str
) -> str | None:
    """Return text that may be filed, or None after offering to rephrase or send it for review."""
    svc = services(context)
    lang = await language(update, context)
    pending = draft.pending if draft.pending and draft.pending.get("step") == step.name else None
    if pending and text == svc.renderer.label(lang, "intake.send_as_is"):
        draft.pending = None
        draft.flags[f"screen_{step.name.lower()}"] = pending["check"]
        return str(pending["text"])
    if pending and text == svc.renderer.label(lang, "intake.rephrase"):
        await ask(update, context, step, draft)
        return None
    check = intake.check_text(text, svc.profile)
    if check.outcome == "block":
        draft.pending = {"step": step.name, "text": text, "check": check.as_data()}
        user = update.effective_user
        assert user is not None
        await svc.repo.save_draft(user.id, intake.CONVERSATION, step.name, draft.to_json())
        markup = _two_buttons(
            svc.renderer.label(lang, "intake.rephrase"),
            svc.renderer.label(lang, "intake.send_as_is"),
        )
        await notice(update, context, "screen_block", terms=list(check.terms), reply_markup=markup)
        return None
    draft.pending = None
    if check.outcome == "flag":
        draft.flags[f"screen_{step.name.lower()}"] = check.as_data()
    else:
        draft.flags.pop(f"screen_{step.name.lower()}", None)
    return text


def _two_buttons(first: str, second: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup([[first], [second]], resize_keyboard=True, is_persistent=True)


async def on_title(update: Update, context: Context, draft: ReportDraft) -> Step:
    """Store the title after checking its length and wording."""
    text = message_of(update).text
    if text is None:
        return await invalid(update, context, Step.TITLE, draft, "not_text")
    checked = intake.check_title(text)
    if isinstance(checked, Invalid):
        if draft.pending and draft.pending.get("step") == Step.TITLE.name:
            checked = text  # a button of the screening offer; handled below
        else:
            return await invalid(update, context, Step.TITLE, draft, checked)
    screened = await _screened_text(update, context, draft, Step.TITLE, checked)
    if screened is None:
        return Step.TITLE
    draft.title = screened
    return await advance(update, context, draft, Step.TITLE)


async def on_description(update: Update, context: Context, draft: ReportDraft) -> Step | int:
    """Store the description; offer the reporter's own similar open report first."""
    svc = services(context)
    lang = await language(update, context)
    text = message_of(update).text
    if text is None:
        return await invalid(update, context, Step.DESCRIPTION, draft, "not_text")
    similar = draft.flags.get("similar_to")
    if similar and text in (
        svc.renderer.label(lang, "intake.add_to_existing"),
        svc.renderer.label(lang, "intake.new_anyway"),
    ):
        return await _resolve_similar(update, context, draft, text, similar)
    if draft.flags.get("duplicates"):
        resolved = await resolve_duplicates(update, context, draft, text)
        if resolved is not None:
            return resolved
    pending = draft.pending and draft.pending.get("step") == Step.DESCRIPTION.name
    checked = intake.check_description(text)
    if isinstance(checked, Invalid) and not pending:
        return await invalid(update, context, Step.DESCRIPTION, draft, checked)
    screened = await _screened_text(
        update, context, draft, Step.DESCRIPTION, text if pending else str(checked)
    )
    if screened is None:
        return Step.DESCRIPTION
    draft.description = screened
    draft.flags.pop("quick_text", None)
    await show_hints(update, context, draft)
    user = update.effective_user
    assert user is not None
    reporter = await reporter_of(update, context)
    own = await svc.repo.open_reports_of(reporter.id) if reporter else []
    twin = intake.similar_open_report(own, screened)
    if twin is not None and not draft.flags.get("similar_declined"):
        draft.flags["similar_to"] = {"id": twin.id, "number": twin.number}
        await svc.repo.save_draft(
            user.id, intake.CONVERSATION, Step.DESCRIPTION.name, draft.to_json()
        )
        markup = _two_buttons(
            svc.renderer.label(lang, "intake.add_to_existing"),
            svc.renderer.label(lang, "intake.new_anyway"),
        )
        await notice(
            update, context, "similar", number=twin.number, title=twin.title, reply_markup=markup
        )
        return Step.DESCRIPTION
    staying = await offer_duplicates(update, context, draft)
    if staying is not None:
        return staying
    return await advance(update, context, draft, Step.DESCRIPTION)


async def _resolve_similar(
    update: Update, context: Context, draft: ReportDraft, text: str, similar: dict[str, Any]
) -> Step | int:
    """Add the description to the similar report, or go on with a new one."""
    svc = services(context)
    lang = await language(update, context)
    draft.flags.pop("similar_to", None)
    if text == svc.renderer.label(lang, "intake.new_anyway"):
        draft.flags["similar_declined"] = True
        return await advance(update, context, draft, Step.DESCRIPTION)
    return await add_to_existing(update, context, draft, int(similar["id"]))


async def on_event_date(update: Update, context: Context, draft: ReportDraft) -> Step:
    """Store the date of the event: today, yesterday, or typed."""
    svc = services(context)
    lang = await language(update, context)
    text = message_of(update).text
    if text is None:
        return await invalid(update, context, Step.EVENT_DATE, draft, "not_text")
    today = intake.office_today(svc.clock(), svc.profile)
    picked = match_option(text, options(svc, Step.EVENT_DATE, draft, lang))
    value: date | Invalid
    if picked in ("today", "yesterday"):
        value = intake.relative_date(picked, today)  # type: ignore[arg-type]
    else:
        value = intake.check_event_date(text, today)
    if isinstance(value, Invalid):
        return await invalid(update, context, Step.EVENT_DATE, draft, value)
    draft.event_date = value.isoformat()
    return await advance(update, context, draft, Step.EVENT_DATE)


async def on_location(update: Update, context: Context, draft: ReportDraft) -> Step | int:
    """Store a shared pin or a typed place, or skip."""
    svc = services(context)
    lang = await language(update, context)
    message = message_of(update)
    if draft.flags.get("duplicates") and message.text is not None:
        resolved = await resolve_duplicates(update, context, draft, message.text)
        if resolved is not None:
            return resolved
    if message.location is not None:
        draft.latitude = message.location.latitude
        draft.longitude = message.location.longitude
        draft.location_text = None
        draft.mark(Step.LOCATION)
        staying = await offer_duplicates(update, context, draft, Step.LOCATION)
        if staying is not None:
            return staying
        return await advance(update, context, draft, Step.LOCATION)
    if message.text is None:
        return await invalid(update, context, Step.LOCATION, draft, "not_text")
    if match_option(message.text, options(svc, Step.LOCATION, draft, lang)) == "skip":
        return await advance(update, context, draft, Step.LOCATION)
    place = intake.check_place(message.text)
    if isinstance(place, Invalid):
        return await invalid(update, context, Step.LOCATION, draft, place)
    draft.location_text = place
    draft.latitude = draft.longitude = None
    return await advance(update, context, draft, Step.LOCATION)


def file_of(message: Message) -> dict[str, Any] | None:
    """Return the file a message carries as attachment fields, or None."""
    caption = message.caption
    base = {
        "caption": caption,
        "source_chat_id": message.chat_id,
        "source_message_id": message.message_id,
    }
    if message.photo:
        largest = message.photo[-1]
        return {
            "kind": "photo",
            "file_id": largest.file_id,
            "file_unique_id": largest.file_unique_id,
            "mime_type": "image/jpeg",
            "file_size": largest.file_size,
            "file_name": None,
            **base,
        }
    for kind in ("document", "video", "voice", "audio"):
        media = getattr(message, kind)
        if media is not None:
            return {
                "kind": kind,
                "file_id": media.file_id,
                "file_unique_id": media.file_unique_id,
                "mime_type": getattr(media, "mime_type", None),
                "file_size": media.file_size,
                "file_name": getattr(media, "file_name", None),
                **base,
            }
    return None


async def on_evidence(update: Update, context: Context, draft: ReportDraft) -> Step:
    """Attach a file, or finish the evidence step."""
    svc = services(context)
    lang = await language(update, context)
    message = message_of(update)
    found = file_of(message)
    if found is None:
        if message.text and match_option(message.text, options(svc, Step.EVIDENCE, draft, lang)):
            return await advance(update, context, draft, Step.EVIDENCE)
        why = "evidence_text" if message.text else "file_type"
        return await invalid(update, context, Step.EVIDENCE, draft, why)
    problem = intake.check_file(draft, found["kind"], found["mime_type"], found["file_size"])
    if problem is not None:
        return await invalid(update, context, Step.EVIDENCE, draft, problem)
    if found["caption"]:
        check = intake.check_text(found["caption"], svc.profile)
        if check.outcome != "ok":
            draft.flags[f"screen_caption_{len(draft.attachments)}"] = check.as_data()
    draft.attachments.append(found)
    user = update.effective_user
    assert user is not None
    count = len(draft.attachments)
    album = draft.flags.get("album")
    if message.media_group_id and album and album.get("id") == message.media_group_id:
        # The rest of an album updates the first photo's receipt instead of adding one each.
        await svc.repo.save_draft(user.id, intake.CONVERSATION, Step.EVIDENCE.name, draft.to_json())
        text = svc.renderer.render(
            lang, "intake_notice", kind="file_added", count=count, max=intake.MAX_FILES
        )
        await context.bot.edit_message_text(
            text, chat_id=message.chat_id, message_id=album["receipt"]
        )
        return Step.EVIDENCE
    markup = keyboard(svc, Step.EVIDENCE, draft, lang, first=False)
    text = svc.renderer.render(
        lang, "intake_notice", kind="file_added", count=count, max=intake.MAX_FILES
    )
    receipt = await message.reply_text(text, reply_markup=markup)
    draft.flags["album"] = (
        {"id": message.media_group_id, "receipt": receipt.message_id}
        if message.media_group_id
        else None
    )
    await svc.repo.save_draft(user.id, intake.CONVERSATION, Step.EVIDENCE.name, draft.to_json())
    return Step.EVIDENCE
