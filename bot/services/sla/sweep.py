"""The service-level sweep: warn, report breaches, escalate, remind reporters, close silent reports.

A pure function of the database and `now`, so that it is idempotent and catches up after
downtime: the thresholds that fired are marks (rows of sla_marks; a stage change deletes the
report's stage marks).

The sweep works in bounded steps, so that a catch-up over thousands of overdue reports never
holds the write lock or the event loop for long:

1. One read of ids per stage and clock finds every report with a threshold that may be due: one
   range of the (stage, due time) index, less the reports whose marks (rows of sla_marks) are
   all there.
2. Batches of `sla_batch_size` reports, each one short write transaction: one read of their
   rows (under the write lock, so that they cannot change before their marks are written)
   serves both clocks and all three thresholds; decided in Python; the marks set and the
   alerts journaled (storage/repo/sla.py `fire_sla_batch`). Between batches the event loop
   takes updates.
3. The digests (one per recipient, a CSV file when long) are rendered outside any transaction,
   then queued with one insert, and the journal closed, in one last transaction.

A sweep stopped between two steps resumes at the next one: the marks keep what fired from firing
again, the journal keeps what fired until a digest has announced it.

Staff thresholds are only looked at while the office is open: a night's breaches are announced in
the first digest of the morning, and a digest is held (outbox not_before) until the office opens in
case a sweep straddles closing time. The reporter's reminders and the automatic closing run at
any hour: messages to citizens are not held.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.domain.deadlines import final_level
from bot.domain.profile import ServiceLevel
from bot.domain.thresholds import (
    SLACK,
    Marks,
    Threshold,
    reached,
    shift,
    warn_lead,
    warn_moment,
)
from bot.domain.vocabulary import Action, Stage
from bot.domain.workflow import SYSTEM
from bot.services.container import Services
from bot.services.sla.digest import Alert, digest_messages
from bot.services.transition import Done, perform
from storage.models import OutboxMessage
from storage.repo.sla import PENDING_PREFIX, ClockName, MarkName, PendingAlert, SlaMarks, SlaRow

log = logging.getLogger(__name__)

# Stages on a staff clock: staff owe the next step.
STAFF_STAGES = (Stage.SUBMITTED, Stage.DISPOSED, Stage.IN_PROGRESS, Stage.AWAITING_APPROVAL)
# Stages whose due time is when the report closes by itself.
SELF_CLOSING = (Stage.NEEDS_INFO, Stage.ANSWERED)
REMINDER_TEMPLATE = "reminder_reporter"
_UNKNOWN: Any = object()
# Called after each batch has been written (tests stop a sweep there, as a crash would).
BatchHook = Callable[[int], Awaitable[None]]


@dataclass
class SweepResult:
    """What one sweep did (for logs, tests and the benchmark)."""

    alerts: list[Alert] = field(default_factory=list)
    digests: int = 0
    reporter_reminders: int = 0
    closed: int = 0
    staff_skipped: bool = False


async def run_sweep(
    svc: Services, now: datetime | None = None, *, after_batch: BatchHook | None = None
) -> SweepResult:
    """Run one sweep at `now` (the services' clock by default)."""
    now = now or svc.clock()
    result = SweepResult()
    result.reporter_reminders = await remind_reporters(svc, now, after_batch=after_batch)
    result.closed = await close_silent_reports(svc, now)
    if svc.calendar.is_office_open(now):
        result.alerts, result.digests = await alert_staff(svc, now, after_batch=after_batch)
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


# Per clock: the names of its marks (SlaRow.marks keys), warned, breached, escalated.
_MARK_KEYS = {
    clock: tuple(f"{clock}_{t.mark}_at" for t in Threshold) for clock in ("stage", "final")
}
_NONE_FIRED = (False, False, False)


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


async def _candidate_ids(svc: Services, now: datetime) -> list[int]:
    """Return every report with a staff threshold that may be due now (ids, oldest first)."""
    ids: set[int] = set()
    e2e_levels = _end_to_end_levels(svc)
    for stage in STAFF_STAGES:
        stage_level = svc.profile.service_level(stage)
        clocks: list[tuple[ClockName, list[ServiceLevel]]] = [
            ("stage", [stage_level] if stage_level else []),
            ("final", e2e_levels),
        ]
        for clock, levels in clocks:
            if not levels:
                continue
            horizons: dict[MarkName, datetime] = {
                threshold.mark: horizon  # type: ignore[misc]
                for threshold, horizon in _horizons(svc, now, levels).items()
            }
            ids.update(await svc.repo.sla_candidate_ids(stage.value, clock, horizons))
    return sorted(ids)


class _Decider:
    """Decide which threshold fires on a clock, each distinct case once per sweep.

    What fires depends only on the due time, the service level and which marks the clock
    carries, and due times repeat: most are the closing time of a working day (a catch-up's
    21,000 overdue reports have about 750 distinct ones). `reached` walks the office calendar,
    so each case is decided once and remembered.
    """

    def __init__(self, svc: Services, now: datetime) -> None:
        self.svc = svc
        self.now = now
        self.escalate_after = svc.profile.limits.escalate_after_breach
        self._decided: dict[tuple[datetime, int, tuple[bool, ...]], Threshold | None] = {}

    def threshold(
        self, due: datetime, level: ServiceLevel, fired: tuple[bool, ...]
    ) -> Threshold | None:
        """Return the most urgent threshold due now that has not fired (see `reached`).

        `fired` tells, for warned, breached and escalated, whether the clock carries the mark.
        """
        key = (due, id(level), fired)
        try:
            return self._decided[key]
        except KeyError:
            pass
        # `reached` reads only whether each mark is set, not when.
        marks = Marks(*(self.now if was else None for was in fired))
        found = self._decided[key] = reached(
            self.svc.calendar, self.now, due, level, marks, self.escalate_after
        )
        return found


def _fire(
    svc: Services, decider: _Decider, rows: Iterable[SlaRow]
) -> tuple[list[Alert], list[SlaMarks]]:
    """Return the alerts due on the rows' clocks and the marks that record them.

    Per clock, the most urgent threshold due (see `_Decider`) fires, and the lower ones are
    done with (only the highest is announced): its mark alone says so (a mark stands for the
    lower ones, storage/repo/sla.py MARK_RANK). When a clock ran out (breach or escalation), the
    report's first breach is its due time, the earlier one when both clocks ran out.
    """
    alerts: list[Alert] = []
    marks: list[SlaMarks] = []
    stage_levels = {s.value: svc.profile.service_level(s) for s in STAFF_STAGES}
    final_levels: dict[str, ServiceLevel | None] = {}
    now, threshold_of = decider.now, decider.threshold
    for row in rows:
        stage_level = stage_levels.get(row.stage, _UNKNOWN)
        if stage_level is _UNKNOWN:  # it moved on since the ids were read
            continue
        final = final_levels.get(row.channel, _UNKNOWN)
        if final is _UNKNOWN:
            final = final_levels[row.channel] = final_level(svc.profile, row.channel)
        held = row.marks
        values: dict[str, datetime] = {}
        ran_out: datetime | None = None
        clocks = (("stage", stage_level, row.stage_due_at), ("final", final, row.final_due_at))
        for clock, level, due in clocks:
            if level is None or due is None:
                continue
            names = _MARK_KEYS[clock]
            fired = _NONE_FIRED
            if held:
                warned, breached, escalated = (name in held for name in names)
                fired = (warned or breached or escalated, breached or escalated, escalated)
            threshold = threshold_of(due, level, fired)
            if threshold is None:
                continue
            alerts.append(Alert(row, clock, threshold, due))  # type: ignore[arg-type]
            values[names[threshold - 1]] = now
            if threshold >= Threshold.BREACH and (ran_out is None or due < ran_out):
                ran_out = due
        if values:
            marks.append(SlaMarks(row.id, row.version, values, ran_out))
    return alerts, marks


async def alert_staff(
    svc: Services, now: datetime, *, after_batch: BatchHook | None = None
) -> tuple[list[Alert], int]:
    """Fire the staff thresholds that are due, batch by batch; queue one digest per recipient.

    Alerts journaled by an earlier sweep that stopped before its digests are announced too.
    """
    pending = await svc.repo.pending_sla_alerts()
    alerts = await _journaled_alerts(svc, [a for entries in pending.values() for a in entries])
    journals = list(pending)
    ids = await _candidate_ids(svc, now)
    decider = _Decider(svc, now)
    sweep = f"{PENDING_PREFIX}{now:%Y%m%dT%H%M%S}.{secrets.token_hex(3)}"
    size = svc.settings.sla_batch_size

    def decide(rows: list[SlaRow]) -> tuple[list[SlaMarks], list[PendingAlert], list[Alert]]:
        fired, marks = _fire(svc, decider, rows)
        pending = [PendingAlert(a.row.id, a.row.version, a.clock, int(a.threshold)) for a in fired]
        return marks, pending, fired

    for number, start in enumerate(range(0, len(ids), size), 1):
        journal = f"{sweep}.{number:05d}"
        fired = await svc.repo.fire_sla_batch(ids[start : start + size], decide, journal=journal)
        if fired:
            journals.append(journal)
        alerts.extend(fired)
        if after_batch is not None:
            await after_batch(number)
        # Updates waiting for the writer (or the event loop) go before the next batch.
        await asyncio.sleep(svc.settings.sla_sweep_pause_seconds)
    if not alerts and not journals:
        return [], 0
    staff = await svc.repo.staff_contacts()
    unit_names = {u.id: u.name for u in await svc.repo.list_units(active_only=False)}
    messages = await digest_messages(svc, alerts, staff, unit_names, now) if alerts else []
    await svc.repo.post_sla_digests(journals, messages)
    return alerts, len(messages)


async def _journaled_alerts(svc: Services, pending: Sequence[PendingAlert]) -> list[Alert]:
    """Return the alerts a stopped sweep fired, for reports still where it left them."""
    if not pending:
        return []
    rows = {r.id: r for r in await svc.repo.sla_rows(sorted({p.report_id for p in pending}))}
    alerts = []
    for entry in pending:
        row = rows.get(entry.report_id)
        # A report that moved since has a fresh stage visit: what fired is no longer news.
        if row is None or row.version != entry.version:
            continue
        # The same version, the same due times as when it fired.
        due = row.stage_due_at if entry.clock == "stage" else row.final_due_at
        if due is not None:
            alerts.append(Alert(row, entry.clock, Threshold(entry.threshold), due))
    return alerts


# --- the reporter: reminders and closing ----------------------------------------------------------


async def remind_reporters(
    svc: Services, now: datetime, *, after_batch: BatchHook | None = None
) -> int:
    """Remind reporters whose answer staff are waiting for; return how many were reminded.

    Each batch sets its marks and queues its reminders (one insert) in one transaction.
    """
    level = svc.profile.limits.needs_info_close_after
    lead = warn_lead(level)
    if lead is None:
        return 0
    horizon = shift(svc.calendar, now, level, lead) + SLACK
    reminded = batches = 0
    async for rows in _batches(svc, Stage.NEEDS_INFO, horizon, unmarked="warned"):
        due_rows = []
        for row in rows:
            assert row.stage_due_at is not None
            warn = warn_moment(svc.calendar, row.stage_due_at, level)
            if warn is not None and warn <= now < row.stage_due_at:
                due_rows.append(row)
        marks = [SlaMarks(r.id, r.version, {"stage_warned_at": now}) for r in due_rows]
        messages = [m for r in due_rows if (m := _reminder(svc, r)) is not None]
        kept = await svc.repo.record_sla_batch(marks, messages)
        reminded += len(kept)
        batches += 1
        if after_batch is not None:
            await after_batch(batches)
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
