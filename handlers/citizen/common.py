"""What the citizen's after-submission features share: ownership, pending input, files, views.

A citizen's answer to a question the bot asked outside the report conversation (a withdrawal
reason, a dispute reason, a comment, information for a report) is awaited through a row in the
drafts table (conversation `citizen`), so that a restart in between loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.domain import intake
from bot.domain.vocabulary import OPEN_STAGES, TERMINAL_STAGES, Action, ActorKind, Stage
from bot.domain.workflow import REPORTER, Plan, plan, state_of
from bot.services import notify
from bot.services.container import Services
from bot.telegram import callbacks
from handlers.common import Context, label, language, services
from storage.models import NewAttachment, Report, ReportEvent, Unit

FEATURE = "cz"
PENDING = "citizen"
# How long a question waits for its answer before a plain message means something else again.
PENDING_TTL = timedelta(hours=2)
# Text the citizen types after the report is filed (reasons, comments, added information).
REASON_MAX = 1000
INFO_MAX = intake.DESCRIPTION_MAX
# Notes staff write on these steps are for the reporter; the rest stay internal.
NOTES_FOR_REPORTER = {
    Action.ASK_INFO,
    Action.REJECT,
    Action.EXTEND,
    Action.CLOSE,
    Action.ANSWER_INFO,
}
OPEN = frozenset(s.value for s in OPEN_STAGES)
# Staff steps the reporter was told about (bot.services.notify), so their history shows.
TOLD_ACTIONS = notify.REPORTER_NEWS


@dataclass
class Pending:
    """A question the bot asked the citizen, waiting for the next plain message."""

    kind: str  # withdraw | dispute | comment | info | status | held
    report_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


async def pending(svc: Services, user_id: int) -> Pending | None:
    """Return what the bot is waiting for from this citizen, if anything (fresh enough)."""
    draft = await svc.repo.draft(user_id, PENDING)
    if draft is None:
        return None
    if svc.clock() - draft.updated_at > PENDING_TTL:
        await svc.repo.drop_draft(user_id, PENDING)
        return None
    data = dict(draft.data)
    return Pending(draft.step, data.pop("report_id", None), data)


async def wait_for(svc: Services, user_id: int, item: Pending) -> None:
    """Remember what the citizen's next plain message answers."""
    await svc.repo.save_draft(
        user_id, PENDING, item.kind, {"report_id": item.report_id, **item.data}
    )


async def stop_waiting(svc: Services, user_id: int) -> None:
    """Forget any question still waiting for the citizen's answer."""
    await svc.repo.drop_draft(user_id, PENDING)


def offered_by_us(waiting: Pending | None, draft_saved: datetime) -> bool:
    """Tell whether the report draft is the untouched one our "new report" offer saved."""
    if waiting is None or waiting.kind != "held":
        return False
    return waiting.data.get("offered_draft") == draft_saved.isoformat()


async def drop_offered_draft(svc: Services, user_id: int, waiting: Pending | None) -> None:
    """Forget the report draft our offer saved, when the citizen chose something else."""
    draft = await svc.repo.draft(user_id, intake.CONVERSATION)
    if draft is not None and offered_by_us(waiting, draft.updated_at):
        await svc.repo.drop_draft(user_id, intake.CONVERSATION)


async def own_report(svc: Services, user_id: int, report_id: int) -> Report | None:
    """Return the report when this Telegram user filed it; None otherwise."""
    report = await svc.repo.report(report_id)
    if report is None:
        return None
    reporter = await svc.repo.reporter_by_telegram(user_id)
    if reporter is None or reporter.id != report.reporter_id:
        return None
    return report


def may(svc: Services, report: Report, action: Action) -> bool:
    """Tell whether the reporter may take an action on the report as it stands."""
    return isinstance(plan(svc.profile, state_of(report), action, REPORTER), Plan)


def is_open(report: Report) -> bool:
    """Tell whether information may still be added to a report."""
    return report.stage in OPEN


def dispute_until(svc: Services, report: Report) -> Any:
    """Return until when the reporter may say "belum puas" about the answer."""
    return svc.calendar.due_at(
        report.answered_at or report.updated_at, svc.profile.limits.dispute_within
    )


def can_dispute(svc: Services, report: Report) -> bool:
    """Tell whether "belum puas" is still possible (answered, within the profile's period)."""
    return may(svc, report, Action.DISPUTE) and svc.clock() <= dispute_until(svc, report)


# --- files ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unusable:
    """Why a message cannot be attached to a report (rendered by citizen_problem)."""

    problem: str
    limit: int | None = None


def content_of(message: Message) -> tuple[str | None, NewAttachment | None] | Unusable:
    """Return a message's text (or caption) and file, checked as intake checks evidence."""
    text = message.text or message.caption
    if text is not None and len(text) > INFO_MAX:
        return Unusable("too_long", INFO_MAX)
    if message.sticker is not None:
        return Unusable("sticker")
    chat_id = message.chat_id
    mid = message.message_id
    found: NewAttachment | None = None
    if message.photo:
        p = message.photo[-1]
        found = NewAttachment("photo", p.file_id, p.file_unique_id, file_size=p.file_size)
    elif message.document is not None:
        d = message.document
        found = NewAttachment(
            "document", d.file_id, d.file_unique_id, d.file_name, d.mime_type, d.file_size
        )
    elif message.video is not None:
        v = message.video
        found = NewAttachment(
            "video", v.file_id, v.file_unique_id, v.file_name, v.mime_type, v.file_size
        )
    elif message.voice is not None:
        vo = message.voice
        found = NewAttachment(
            "voice", vo.file_id, vo.file_unique_id, None, vo.mime_type, vo.file_size
        )
    elif message.audio is not None:
        a = message.audio
        found = NewAttachment(
            "audio", a.file_id, a.file_unique_id, a.file_name, a.mime_type, a.file_size
        )
    elif message.text is None:
        return Unusable("unsupported")
    if found is not None:
        if found.file_size is not None and found.file_size > intake.MAX_FILE_BYTES:
            return Unusable("file_too_big", intake.MAX_FILE_BYTES // (1024 * 1024))
        if found.kind == "document" and (found.mime_type or "").lower() not in (
            intake.DOCUMENT_TYPES
        ):
            return Unusable("file_type")
        found = NewAttachment(
            found.kind,
            found.file_id,
            found.file_unique_id,
            found.file_name,
            found.mime_type,
            found.file_size,
            caption=message.caption,
            source_chat_id=chat_id,
            source_message_id=mid,
        )
    return text, found


def file_to_json(item: NewAttachment) -> dict[str, Any]:
    """Return a file as JSON for a pending row."""
    return {name: getattr(item, name) for name in NewAttachment.__dataclass_fields__}


def file_from_json(data: dict[str, Any]) -> NewAttachment:
    """Rebuild a file kept in a pending row."""
    return NewAttachment(
        **{k: v for k, v in data.items() if k in NewAttachment.__dataclass_fields__}
    )


# --- views ---------------------------------------------------------------------------------


def history_for_reporter(events: list[ReportEvent]) -> list[dict[str, Any]]:
    """Return the audit lines the reporter may read (internal staff steps left out)."""
    lines: list[dict[str, Any]] = []
    for event in events:
        action = Action(event.action)
        own = event.actor_kind is ActorKind.REPORTER
        if action is Action.NOTE and not own:
            continue
        if not own and action is not Action.SUBMIT and action not in TOLD_ACTIONS:
            continue
        if event.to_stage == Stage.AWAITING_APPROVAL:
            continue
        show_note = own or action in NOTES_FOR_REPORTER
        lines.append(
            {
                "at": event.at,
                "action": action.value,
                "note": event.note if show_note else None,
                "own": own,
            }
        )
    return lines


async def report_view(
    svc: Services,
    lang: str,
    report: Report,
    *,
    full: bool,
    details: tuple[Unit | None, list[ReportEvent]] | None = None,
) -> dict[str, Any]:
    """Return the values the citizen_status template shows for a report.

    `details`: the report's unit and audit trail when the caller read them already (/status
    reads them with the report); otherwise they are read here.
    """
    values: dict[str, Any] = {
        "number": report.number,
        "stage": report.stage,
        "stage_name": svc.renderer.label(lang, f"stage.{report.stage}"),
        "submitted_at": report.submitted_at,
        "updated_at": report.updated_at,
        "closed_at": report.closed_at,
        "due": report.stage_due_at if report.stage not in TERMINAL_STAGES else None,
        "full": full,
    }
    if not full:
        return values
    category = svc.profile.category(report.category) if report.category else None
    if details is not None:
        unit, events = details
    else:
        unit = await svc.repo.unit(report.unit_id) if report.unit_id else None
        events = await svc.repo.events(report.id)
    values.update(
        title=report.title,
        type_name=svc.renderer.label(lang, f"type.{report.type}"),
        category_name=category.name.get(lang) if category else None,
        unit_name=unit.name if unit else None,
        anonymous=report.anonymous,
        confidential=report.confidential,
        rating=report.rating,
        history=history_for_reporter(events),
        action_names={a.value: svc.renderer.label(lang, f"action.{a.value}") for a in Action},
    )
    return values


def button(
    context: Context,
    lang: str,
    key: str,
    action: str,
    *args: object,
    feature: str = FEATURE,
    **values: Any,
) -> InlineKeyboardButton:
    """Return an inline button: a label (with `values`) and data built by bot.telegram.callbacks."""
    return InlineKeyboardButton(
        label(context, lang, key, **values), callback_data=callbacks.build(feature, action, *args)
    )


def report_actions(
    context: Context, svc: Services, lang: str, report: Report
) -> InlineKeyboardMarkup:
    """Return the buttons under the reporter's own view of a report."""
    rows: list[list[InlineKeyboardButton]] = []
    if report.stage == Stage.ANSWERED:
        rows.append(
            [
                InlineKeyboardButton(
                    str(n), callback_data=callbacks.build("fb", "rate", report.id, n)
                )
                for n in range(1, 6)
            ]
        )
        if can_dispute(svc, report):
            rows.append(
                [button(context, lang, "feedback.dispute", "dispute", report.id, feature="fb")]
            )
    if report.stage == Stage.NEEDS_INFO:
        rows.append([button(context, lang, "citizen.answer_info", "add", report.id)])
    elif is_open(report):
        rows.append([button(context, lang, "citizen.add_info", "add", report.id)])
    if may(svc, report, Action.WITHDRAW):
        rows.append([button(context, lang, "citizen.withdraw", "wd", report.id)])
    rows.append([button(context, lang, "citizen.back_to_list", "list", 0)])
    return InlineKeyboardMarkup(rows)


def cancel_keyboard(context: Context, lang: str) -> InlineKeyboardMarkup:
    """Return the single "Batal" button of a question."""
    return InlineKeyboardMarkup([[button(context, lang, "citizen.cancel", "cancel")]])


async def alert(update: Update, context: Context, key: str, **values: Any) -> None:
    """Answer a button press with a short alert in the user's language."""
    query = update.callback_query
    assert query is not None
    lang = await language(update, context)
    await query.answer(label(context, lang, key, **values), show_alert=True)


def svc_of(context: Context) -> Services:
    """Return the services (a short name for handlers in these modules)."""
    return services(context)
