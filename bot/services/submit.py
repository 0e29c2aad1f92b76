"""File a finished draft as a report: number, due dates, screening marks, files, notifications.

Everything a submission writes (the report, its first audit row, files, identity and messages)
goes in one transaction; the messages are prepared before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from bot.domain.deadlines import submission_deadlines
from bot.domain.intake import (
    CONVERSATION,
    OFFERED,
    ReportDraft,
    check_file,
    check_text,
    chosen_type,
    quick_draft,
    screening_marks,
)
from bot.domain.tracking import numbering
from bot.domain.vocabulary import Channel, Stage
from bot.services import notify, staff_actions
from bot.services.container import Services
from storage.models import UNFILED, NewAttachment, NewReport, Report, Reporter


@dataclass(frozen=True, slots=True)
class DailyLimit:
    """The reporter already filed the day's allowance of reports."""

    limit: int


async def submit(
    svc: Services, reporter: Reporter, draft: ReportDraft, *, limit_per_day: int
) -> Report | DailyLimit:
    """File the draft once: the same draft submitted again returns the report it filed."""
    now = svc.clock()
    midnight = datetime.combine(now.astimezone(svc.profile.zone).date(), time(), svc.profile.zone)
    async with svc.repo.reading():  # both checks in one read transaction
        already = await svc.repo.report_by_submission_key(draft.key)
        if already is not None:
            return already
        filed_today = await svc.repo.reports_filed_since(reporter.id, midnight)
    if filed_today >= limit_per_day:
        return DailyLimit(limit_per_day)
    stage_due, final_due = submission_deadlines(svc.profile, svc.calendar, Channel.TELEGRAM, now)
    screening = screening_marks(draft)
    new = NewReport(
        reporter_id=reporter.id,
        channel=Channel.TELEGRAM,
        type=chosen_type(svc.profile, draft),
        category=draft.category,
        subcategory=draft.subcategory,
        title=draft.title or "",
        description=draft.description or "",
        event_date=date.fromisoformat(draft.event_date) if draft.event_date else None,
        location_text=draft.location_text,
        latitude=draft.latitude,
        longitude=draft.longitude,
        anonymous=draft.anonymous,
        confidential=draft.confidential,
        stage=Stage.SUBMITTED,
        submitted_at=now,
        stage_due_at=stage_due,
        final_due_at=final_due,
        screening=screening or None,
        submission_key=draft.key,
    )
    files = [NewAttachment(**a) for a in draft.attachments]
    unfiled = unfiled_report(new)
    # One transaction: the report, its card and evidence, and for a `rahasia` report the details
    # that reach the staff who may triage it (rendered here, before the write).
    messages = [
        *notify.after_submission(svc, reporter, unfiled, files),
        *await staff_actions.confidential_arrival(svc, unfiled, files),
    ]
    return await svc.repo.submit_report(
        new,
        numbering=numbering(svc.profile.prefix, now, svc.profile.zone),
        messages=messages,
        attachments=files,
        identity=_identity(draft, now),
    )


def unfiled_report(new: NewReport) -> Report:
    """Return the report a submission is about to file, to prepare its messages with.

    It has no id and no number yet: its id is `UNFILED` (storage writes the new id in the
    messages) and its number is empty (messages that show it are rendered when they are sent).
    """
    values = {name: getattr(new, name) for name in NewReport.__dataclass_fields__}
    return Report(
        **values,
        id=UNFILED,
        number="",
        resume_stage=None,
        unit_id=None,
        assignee_id=None,
        duplicate_of_id=None,
        stage_started_at=new.submitted_at,
        rating=None,
        rating_comment=None,
        approval_level=0,
        approvers=None,
        answer=None,
        answered_at=None,
        paused_stage_seconds=None,
        paused_final_seconds=None,
        stage_warned_at=None,
        stage_breached_at=None,
        stage_escalated_at=None,
        version=1,
        updated_at=new.submitted_at,
        closed_at=None,
    )


def _identity(draft: ReportDraft, now: datetime) -> dict[str, Any] | None:
    """Return the identity to remember for next time (nothing for an anonymous report)."""
    if draft.anonymous or draft.reuse_identity or not draft.consent:
        return None
    values: dict[str, Any] = {"consent_at": now}
    for name in ("name", "phone", "address", "email"):
        value = getattr(draft, name)
        if value:
            values[name] = value
    if draft.id_photo:
        values["id_photo_file_id"] = draft.id_photo
    return values


async def start_draft_from_text(
    svc: Services, telegram_user_id: int, text: str, files: Sequence[dict[str, Any]] = ()
) -> None:
    """Save a new draft that starts from messages the citizen sent outside a conversation.

    Their files become the draft's evidence (the shape `handlers.report.steps.file_of` gives);
    the evidence step stays open, so the citizen can add more or go on.
    """
    draft = quick_draft(svc.profile, text)
    for found in files:
        if check_file(draft, found["kind"], found.get("mime_type"), found.get("file_size")):
            continue  # over the limit (a kept message holds any number of files)
        caption = found.get("caption")
        if caption and (check := check_text(caption, svc.profile)).outcome != "ok":
            draft.flags[f"screen_caption_{len(draft.attachments)}"] = check.as_data()
        draft.attachments.append(dict(found))
    # Not a step: until the citizen presses "start a report", no conversation is open, and a
    # restart must not open one (the persistence restores only drafts at a real step).
    await svc.repo.save_draft(telegram_user_id, CONVERSATION, OFFERED, draft.to_json())
