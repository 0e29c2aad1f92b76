"""Questions of the report conversation: the text and the keyboard of each step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from telegram import ReplyKeyboardMarkup, Update

from bot.domain import intake
from bot.domain.intake import (
    CONVERSATION,
    DESCRIPTION_MIN,
    EDITABLE,
    MAX_FILES,
    TITLE_MAX,
    TITLE_MIN,
    Invalid,
    ReportDraft,
    Step,
    applies,
    is_required,
    previous_step,
)
from bot.services.container import Services
from handlers.common import (
    Button,
    Context,
    bare_label,
    language,
    message_of,
    remember_draft,
    reporter_of,
    services,
)
from handlers.common import keyboard as reply_keyboard
from storage.models import Reporter


@dataclass(frozen=True, slots=True)
class Option:
    """A choice on a keyboard: the value it stands for and its label."""

    value: str
    label: str


def has_identity(reporter: Reporter | None) -> bool:
    """Tell whether the reporter gave their identity before (it can be offered again)."""
    return reporter is not None and bool(reporter.name)


def options(svc: Services, step: Step, draft: ReportDraft, lang: str) -> list[Option]:
    """Return the choices a step offers (empty for free-text steps)."""
    profile = svc.profile
    label = svc.renderer.label
    match step:
        case Step.CHECKLIST:
            return [Option("agree", label(lang, "intake.agree"))]
        case Step.PRIVACY_ANON:
            return [
                Option("yes", label(lang, "intake.anon_yes")),
                Option("no", label(lang, "intake.anon_no")),
            ]
        case Step.PRIVACY_CONF:
            return [
                Option("yes", label(lang, "intake.conf_yes")),
                Option("no", label(lang, "intake.conf_no")),
            ]
        case Step.TYPE:
            return [Option(t.code.value, t.name.get(lang)) for t in profile.offered_types()]
        case Step.CATEGORY:
            return [Option(c.code, c.name.get(lang)) for c in profile.categories]
        case Step.SUBCATEGORY:
            category = profile.category(draft.category or "")
            subs = category.subcategories if category else ()
            return [Option(s.code, s.name.get(lang)) for s in subs]
        case Step.EVENT_DATE:
            return [
                Option("today", label(lang, "intake.today")),
                Option("yesterday", label(lang, "intake.yesterday")),
            ]
        case Step.LOCATION:
            return [Option("skip", label(lang, "intake.skip"))]
        case Step.EVIDENCE:
            key = "intake.done" if draft.attachments else "intake.skip"
            return [Option("done", label(lang, key))]
        case Step.CONSENT:
            allowed = [Option("yes", label(lang, "intake.consent_yes"))]
            if profile.identity.allow_anonymous:
                allowed.append(Option("anonymous", label(lang, "intake.make_anonymous")))
            return allowed
        case Step.IDENTITY_REUSE:
            return [
                Option("yes", label(lang, "intake.reuse_yes")),
                Option("no", label(lang, "intake.reuse_no")),
            ]
        case Step.NAME | Step.PHONE | Step.ADDRESS | Step.EMAIL | Step.ID_PHOTO:
            return (
                [] if is_required(profile, step) else [Option("skip", label(lang, "intake.skip"))]
            )
        case Step.SUMMARY:
            return [
                Option("submit", label(lang, "intake.submit")),
                Option("edit", label(lang, "intake.edit")),
            ]
        case Step.EDIT:
            return [
                Option(s.name, label(lang, f"edit_field.{s.name}"))
                for s in EDITABLE
                if applies(s, profile, draft, has_identity=False)
            ]
        case Step.RESUME:
            return [
                Option("resume", label(lang, "intake.resume")),
                Option("restart", label(lang, "intake.restart")),
            ]
    return []


def match_option(text: str, choices: list[Option]) -> str | None:
    """Return the value of the choice a person pressed or typed (label, name or number).

    A label's first words before its comma also count when no other choice starts the same
    way: "Selesai" picks "✅ Selesai, lanjut", "ya" picks "🙈 Ya, anonim".
    """
    typed = " ".join(text.split()).casefold()
    for number, option in enumerate(choices, start=1):
        bare = bare_label(option.label)
        if typed in (option.label.casefold(), bare, option.value.casefold(), str(number)):
            return option.value
    bare_typed = bare_label(text)
    heads = [
        o for o in choices if "," in o.label and bare_label(o.label.split(",")[0]) == bare_typed
    ]
    return heads[0].value if len(heads) == 1 and bare_typed else None


def keyboard(
    svc: Services, step: Step, draft: ReportDraft, lang: str, *, first: bool
) -> ReplyKeyboardMarkup:
    """Return the step's reply keyboard: its choices, then Back and Cancel."""
    label = svc.renderer.label
    rows: list[list[Button]] = []
    if step is Step.LOCATION:
        rows.append([(label(lang, "intake.share_location"), "location")])
    if step is Step.PHONE:
        rows.append([(label(lang, "intake.share_contact"), "contact")])
    choices = [o.label for o in options(svc, step, draft, lang)]
    width = 2 if step in (Step.EDIT, Step.EVENT_DATE) else 1
    rows += [list(choices[i : i + width]) for i in range(0, len(choices), width)]
    nav = [] if first or step in (Step.RESUME, Step.CHECKLIST) else [label(lang, "intake.back")]
    if step is not Step.RESUME:
        nav.append(label(lang, "intake.cancel"))
    if nav:
        rows.append(list(nav))
    return reply_keyboard(rows)


def prompt_values(
    svc: Services, step: Step, draft: ReportDraft, lang: str, reporter: Reporter | None
) -> dict[str, Any]:
    """Return what the step's template needs."""
    profile = svc.profile
    values: dict[str, Any] = {"step": step.name, "office": profile.office_name(lang)}
    if step is Step.CHECKLIST:
        values["items"] = [p.text.get(lang) for p in profile.prerequisites]
    elif step is Step.TYPE:
        values["items"] = [
            {"name": t.name.get(lang), "description": t.description.get(lang)}
            for t in profile.offered_types()
        ]
    elif step is Step.TITLE:
        values.update(min=TITLE_MIN, max=TITLE_MAX)
    elif step is Step.DESCRIPTION:
        values.update(
            min=DESCRIPTION_MIN,
            earlier=draft.flags.get("quick_text"),
            report_type=intake.chosen_type(profile, draft).value,
        )
    elif step is Step.EVIDENCE:
        values.update(max=MAX_FILES, anonymous=draft.anonymous, count=len(draft.attachments))
    elif step is Step.IDENTITY_REUSE:
        values["known"] = {
            "name": reporter.name if reporter else None,
            "phone": reporter.phone if reporter else None,
            "address": reporter.address if reporter else None,
        }
    elif step in (Step.NAME, Step.PHONE, Step.ADDRESS, Step.EMAIL, Step.ID_PHOTO):
        values["optional"] = not is_required(profile, step)
    elif step is Step.RESUME:
        values["title"] = draft.title
    return values


def summary_values(
    svc: Services, draft: ReportDraft, lang: str, reporter: Reporter | None
) -> dict[str, Any]:
    """Return what the summary template needs."""
    profile = svc.profile
    report_type = profile.report_type(intake.chosen_type(profile, draft))
    category = profile.category(draft.category or "")
    sub = category.subcategory(draft.subcategory or "") if category else None
    known = reporter if draft.reuse_identity else None
    return {
        "draft": draft,
        "type_name": report_type.name.get(lang) if report_type else "-",
        "category_name": category.name.get(lang) if category else None,
        "subcategory_name": sub.name.get(lang) if sub else None,
        "event_date": date.fromisoformat(draft.event_date) if draft.event_date else None,
        "identity": {
            "name": draft.name or (known.name if known else None),
            "phone": draft.phone or (known.phone if known else None),
            "address": draft.address or (known.address if known else None),
            "email": draft.email or (known.email if known else None),
        },
        "flagged": any(k.startswith("screen_") for k in draft.flags),
    }


async def ask(update: Update, context: Context, step: Step, draft: ReportDraft) -> Step:
    """Save the draft at `step` and ask its question; return the conversation state."""
    svc = services(context)
    user = update.effective_user
    assert user is not None
    lang = await language(update, context)
    saved = await svc.repo.save_draft(user.id, CONVERSATION, step.name, draft.to_json())
    remember_draft(context, CONVERSATION, saved)
    reporter = await reporter_of(update, context)
    if step is Step.SUMMARY:
        text = svc.renderer.render(
            lang, "intake_summary", **summary_values(svc, draft, lang, reporter)
        )
    else:
        text = svc.renderer.render(
            lang, "intake_step", **prompt_values(svc, step, draft, lang, reporter)
        )
    first = previous_step(svc.profile, draft, step, has_identity=has_identity(reporter)) is None
    markup = keyboard(svc, step, draft, lang, first=first)
    await message_of(update).reply_text(text, reply_markup=markup)
    return step


async def advance(update: Update, context: Context, draft: ReportDraft, step: Step) -> Step:
    """Mark `step` answered and ask the next open question (or the summary)."""
    svc = services(context)
    draft.mark(step)
    reporter = await reporter_of(update, context)
    # Only unanswered steps come next, so after an edit the summary follows unless the change
    # opened new questions (a report made non-anonymous needs the identity).
    nxt = intake.next_step(svc.profile, draft, has_identity=has_identity(reporter), after=step)
    if nxt is Step.SUMMARY:
        draft.editing = False
    return await ask(update, context, nxt, draft)


async def invalid(
    update: Update, context: Context, step: Step, draft: ReportDraft, problem: Invalid | str
) -> Step:
    """Explain why an answer cannot be used; stay on the same question."""
    svc = services(context)
    lang = await language(update, context)
    found = problem if isinstance(problem, Invalid) else None
    text = svc.renderer.render(
        lang,
        "intake_invalid",
        problem=found.problem if found else problem,
        limit=found.limit if found else None,
        has_files=bool(draft.attachments),
    )
    await message_of(update).reply_text(text)
    return step


async def notice(
    update: Update, context: Context, kind: str, *, reply_markup: Any = None, **values: Any
) -> None:
    """Send one of the conversation's short notices."""
    svc = services(context)
    lang = await language(update, context)
    text = svc.renderer.render(lang, "intake_notice", kind=kind, **values)
    await message_of(update).reply_text(text, reply_markup=reply_markup)


async def choice(update: Update, context: Context, step: Step, draft: ReportDraft) -> str | None:
    """Return the option the message picked, or None (after telling the citizen)."""
    message = message_of(update)
    lang = await language(update, context)
    picked = match_option(message.text or "", options(services(context), step, draft, lang))
    if picked is None:
        await invalid(update, context, step, draft, "choice" if message.text else "not_text")
    return picked
