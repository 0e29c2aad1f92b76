"""The service-level sweep: warn, report breaches, escalate, remind reporters, close silent reports.

A pure function of the database and `now`, so that it is idempotent and catches up after
downtime: the thresholds that fired are marks on the report (reset by every stage change), set in
the same transaction as the digests that announce them. Every query reads one range of an index
(ix_reports_stage_due and the partial ix_reports_<clock>_un<mark>), in batches.

Staff thresholds are only looked at while the office is open: a night's breaches are announced in
the first digest of the morning, and a digest is held (outbox not_before) until the office opens in
case a sweep straddles closing time. The reporter's reminders and the automatic closing run at
any hour: messages to citizens are not held.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.deadlines import final_level
from bot.domain.profile import ServiceLevel
from bot.domain.thresholds import SLACK, Marks, Threshold, reached, shift, warn_lead, warn_moment
from bot.domain.vocabulary import Action, Stage
from bot.domain.workflow import SYSTEM
from bot.services.container import Services
from bot.services.sla.digest import Alert, digest_messages
from bot.services.transition import Done, perform
from storage.models import OutboxMessage
from storage.repo.sla import ClockName, MarkName, SlaMarks, SlaRow

log = logging.getLogger(__name__)

# Stages on a staff clock: staff owe the next step.
STAFF_STAGES = (Stage.SUBMITTED, Stage.DISPOSED, Stage.IN_PROGRESS, Stage.AWAITING_APPROVAL)
# Stages whose due time is when the report closes by itself.
SELF_CLOSING = (Stage.NEEDS_INFO, Stage.ANSWERED)
REMINDER_TEMPLATE = "reminder_reporter"


@dataclass
class SweepResult:
    """What one sweep did (for logs, tests and the benchmark)."""

    alerts: list[Alert] = field(default_factory=list)
    digests: int = 0
    reporter_reminders: int = 0
    closed: int = 0
    staff_skipped: bool = False


async def run_sweep(svc: Services, now: datetime | None = None) -> SweepResult:
    """Run one sweep at `now` (the services' clock by default)."""
    now = now or svc.clock()
    result = SweepResult()
    result.reporter_reminders = await remind_reporters(svc, now)
    result.closed = await close_silent_reports(svc, now)
    if svc.calendar.is_office_open(now):
        result.alerts, result.digests = await alert_staff(svc, now)
    else:
        result.staff_skipped = True
    if result.alerts or result.reporter_reminders or result.closed:
        log.info(
            "sla sweep: %d alert(s) in %d digest(s), %d reporter reminder(s), %d closed",
            len(result.alerts),
            result.digests,
            result.reporter_reminders,
            result.closed,
        )
    return result


async def _batches(
    svc: Services,
    stage: Stage,
    due_before: datetime,
    *,
    clock: ClockName = "stage",
    unmarked: MarkName | None = None,
) -> AsyncIterator[list[SlaRow]]:
    """Yield the candidates of one indexed range, a batch at a time (keyset pagination)."""
    after: tuple[datetime, int] | None = None
    size = svc.settings.sla_batch_size
    while True:
        rows = await svc.repo.sla_candidates(
            stage.value, due_before, clock=clock, unmarked=unmarked, after=after, limit=size
        )
        if rows:
            yield rows
        if len(rows) < size:
            return
        last = rows[-1]
        due = last.stage_due_at if clock == "stage" else last.final_due_at
        assert due is not None
        after = (due, last.id)


# --- staff: warn, breach, escalate ----------------------------------------------------------------


def _marks(row: SlaRow, clock: ClockName) -> Marks:
    if clock == "stage":
        return Marks(row.stage_warned_at, row.stage_breached_at, row.stage_escalated_at)
    return Marks(row.final_warned_at, row.final_breached_at, row.final_escalated_at)


def _horizons(
    svc: Services, now: datetime, levels: Iterable[ServiceLevel]
) -> dict[Threshold, datetime]:
    """Return, per threshold, the latest due time a clock can have for it to be due now."""
    cal = svc.calendar
    escalate_after = svc.profile.limits.escalate_after_breach
    horizons = {
        Threshold.BREACH: now,
        Threshold.ESCALATE: shift(cal, now, escalate_after, -escalate_after.amount) + SLACK,
    }
    warn = [
        shift(cal, now, level, lead) + SLACK
        for level in levels
        if (lead := warn_lead(level)) is not None
    ]
    if warn:
        horizons[Threshold.WARN] = max(warn)
    if all(level.tentative for level in levels):
        del horizons[Threshold.ESCALATE]
    return horizons


def _end_to_end_levels(svc: Services) -> list[ServiceLevel]:
    e2e = svc.profile.end_to_end
    return [lvl for lvl in (e2e.default, *e2e.channels.values()) if lvl is not None]


async def _collect(
    svc: Services,
    now: datetime,
    stage: Stage,
    clock: ClockName,
    levels: list[ServiceLevel],
) -> dict[int, SlaRow]:
    """Return the reports at `stage` that may have a threshold due on `clock`."""
    found: dict[int, SlaRow] = {}
    if not levels:
        return found
    for threshold, horizon in _horizons(svc, now, levels).items():
        mark: MarkName = threshold.mark  # type: ignore[assignment]
        async for rows in _batches(svc, stage, horizon, clock=clock, unmarked=mark):
            found.update((row.id, row) for row in rows)
    return found


def _decide(
    svc: Services, now: datetime, row: SlaRow, clock: ClockName, level: ServiceLevel
) -> tuple[Alert, dict[str, datetime], datetime | None] | None:
    """Return the alert due on one clock, the marks it sets and the breach time it records."""
    due = row.stage_due_at if clock == "stage" else row.final_due_at
    if due is None:
        return None
    marks = _marks(row, clock)
    escalate_after = svc.profile.limits.escalate_after_breach
    threshold = reached(svc.calendar, now, due, level, marks, escalate_after)
    if threshold is None:
        return None
    # The threshold fires, and the lower ones are done with (only the highest is announced).
    values = {
        f"{clock}_{t.mark}_at": now for t in Threshold if t <= threshold and not marks.is_set(t)
    }
    breached = due if threshold >= Threshold.BREACH else None
    return Alert(row, clock, threshold, due), values, breached


async def alert_staff(svc: Services, now: datetime) -> tuple[list[Alert], int]:
    """Fire the staff thresholds that are due and queue one digest per recipient."""
    alerts: list[Alert] = []
    marks: dict[tuple[int, int], SlaMarks] = {}
    e2e_levels = _end_to_end_levels(svc)
    for stage in STAFF_STAGES:
        stage_level = svc.profile.service_level(stage)
        for clock, levels in (
            ("stage", [stage_level] if stage_level else []),
            ("final", e2e_levels),
        ):
            rows = await _collect(svc, now, stage, clock, levels)  # type: ignore[arg-type]
            for row in rows.values():
                level = stage_level if clock == "stage" else final_level(svc.profile, row.channel)
                if level is None:
                    continue
                decided = _decide(svc, now, row, clock, level)  # type: ignore[arg-type]
                if decided is None:
                    continue
                alert, values, breached = decided
                alerts.append(alert)
                key = (row.id, row.version)
                previous = marks.get(key)
                if previous is not None:  # both clocks of one report fired
                    values = {**previous.values, **values}
                    earlier = [b for b in (previous.breached_at, breached) if b is not None]
                    breached = min(earlier) if earlier else None
                marks[key] = SlaMarks(row.id, row.version, values, breached)
    if not alerts:
        return [], 0
    staff = await svc.repo.staff_contacts()
    unit_names = {u.id: u.name for u in await svc.repo.list_units(active_only=False)}
    sent: list[OutboxMessage] = []

    def messages(kept: set[int]) -> list[OutboxMessage]:
        fired = [a for a in alerts if a.row.id in kept]
        sent[:] = digest_messages(svc, fired, staff, unit_names, now)
        return sent

    kept = await record_marks(svc, list(marks.values()), messages)
    return [a for a in alerts if a.row.id in kept], len(sent)


async def record_marks(
    svc: Services, marks: list[SlaMarks], messages: Callable[[set[int]], list[OutboxMessage]]
) -> set[int]:
    """Write the marks with the messages rendered for them (outside the write); return the ids.

    A report that changed since the sweep read it is left out and the messages are rendered
    again without it, so that a digest names only the reports it marks. Every retry drops at
    least one report, so this ends.
    """
    while marks:
        ids = {m.report_id for m in marks}
        moved = await svc.repo.record_sla_marks(marks, messages(ids))
        if not moved:
            return ids
        marks = [m for m in marks if m.report_id not in moved]
    return set()


# --- the reporter: reminders and closing ----------------------------------------------------------


async def remind_reporters(svc: Services, now: datetime) -> int:
    """Remind reporters whose answer staff are waiting for; return how many were reminded."""
    level = svc.profile.limits.needs_info_close_after
    lead = warn_lead(level)
    if lead is None:
        return 0
    horizon = shift(svc.calendar, now, level, lead) + SLACK
    reminded = 0
    async for rows in _batches(svc, Stage.NEEDS_INFO, horizon, unmarked="warned"):
        due_rows = []
        for row in rows:
            assert row.stage_due_at is not None
            warn = warn_moment(svc.calendar, row.stage_due_at, level)
            if warn is not None and warn <= now < row.stage_due_at:
                due_rows.append(row)
        marks = [SlaMarks(r.id, r.version, {"stage_warned_at": now}) for r in due_rows]
        by_id = {r.id: r for r in due_rows}

        def messages(kept: set[int], by_id: dict[int, SlaRow] = by_id) -> list[OutboxMessage]:
            return [m for i in sorted(kept) if (m := _reminder(svc, by_id[i])) is not None]

        kept = await record_marks(svc, marks, messages)
        reminded += len(kept)
    return reminded


def _reminder(svc: Services, row: SlaRow) -> OutboxMessage | None:
    if row.reporter_chat_id is None:
        return None
    text = svc.renderer.render(
        row.reporter_language, REMINDER_TEMPLATE, number=row.number, close_at=row.stage_due_at
    )
    return OutboxMessage(
        chat_id=row.reporter_chat_id, kind="send_message", payload={"text": text}, report_id=row.id
    )


async def close_silent_reports(svc: Services, now: datetime) -> int:
    """Close reports whose reporter stayed silent past the due time; return how many closed."""
    closed = 0
    for stage in SELF_CLOSING:
        async for rows in _batches(svc, stage, now):
            for row in rows:
                note = svc.renderer.label(row.reporter_language, f"sla.close.{stage.value}")
                outcome = await perform(
                    svc,
                    row.id,
                    Action.CLOSE,
                    SYSTEM,
                    expected_version=row.version,
                    note=note,
                    at=now,
                )
                closed += isinstance(outcome, Done)
    return closed
