"""File a finished draft as a report: number, due dates, screening marks, files, notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from bot import notify, staff_actions
from bot.deadlines import submission_deadlines
from bot.domain import Channel, Stage
from bot.intake import ReportDraft, similar
from bot.screening import Verdict, mask, screen
from bot.services import Services
from storage.models import NewAttachment, NewReport, Report, Reporter

SIMILAR_OWN_REPORT = 0.8


@dataclass(frozen=True, slots=True)
class TextCheck:
    """What screening found in one answer: ok, flag (let through, marked) or block."""

    outcome: str
    terms: tuple[str, ...]
    categories: tuple[str, ...]
    masked: str

    def as_data(self) -> dict[str, Any]:
        """Return the check as JSON for the report's screening column."""
        return {
            "outcome": self.outcome,
            "terms": list(self.terms),
            "categories": list(self.categories),
        }


def check_text(text: str) -> TextCheck:
    """Screen one text the citizen wrote (title, description, caption, added information)."""
    verdict: Verdict = screen(text)
    return TextCheck(verdict.outcome, verdict.terms, verdict.categories, mask(text, verdict))


def similar_open_report(open_reports: list[Report], description: str) -> Report | None:
    """Return the reporter's own open report with (nearly) the same text, if any."""
    best = max(open_reports, key=lambda r: similar(r.description, description), default=None)
    if best is not None and similar(best.description, description) >= SIMILAR_OWN_REPORT:
        return best
    return None


def screening_marks(draft: ReportDraft) -> dict[str, Any]:
    """Return what staff see of the screening: flagged words, and possible duplicates.

    `screen_*` flags are copied as they are; `dup_*` flags too, and the numbers of the other
    reporters' reports the citizen was shown and filed anyway become `possible_duplicates`.
    """
    marks = {k: v for k, v in draft.flags.items() if k.startswith(("screen_", "dup_"))}
    offered = draft.flags.get("dup_candidates") or []
    numbers = [str(c["number"]) for c in offered if isinstance(c, dict) and c.get("number")]
    if numbers:
        marks["possible_duplicates"] = numbers
    return marks


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
    already = await svc.repo.report_by_submission_key(draft.key)
    if already is not None:
        return already
    if await svc.repo.reports_filed_since(reporter.id, midnight) >= limit_per_day:
        return DailyLimit(limit_per_day)
    stage_due, final_due = submission_deadlines(svc.profile, svc.calendar, Channel.TELEGRAM, now)
    screening = screening_marks(draft)
    new = NewReport(
        reporter_id=reporter.id,
        channel=Channel.TELEGRAM.value,
        type=draft.type or svc.profile.report_types[0].code.value,
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
        stage=Stage.SUBMITTED.value,
        submitted_at=now,
        stage_due_at=stage_due,
        final_due_at=final_due,
        screening=screening or None,
        submission_key=draft.key,
    )
    files = [NewAttachment(**a) for a in draft.attachments]
    report = await svc.repo.submit_report(
        new,
        prefix=svc.profile.prefix,
        zone=svc.profile.zone,
        attachments=files,
        identity=_identity(draft, now),
        notify=lambda filed: notify.after_submission(svc, reporter, filed, files),
    )
    await svc.repo.enqueue(await staff_actions.confidential_arrival(svc, report))
    return report


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
