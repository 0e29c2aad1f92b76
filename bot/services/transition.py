"""Perform an action on a report: plan it, move the clocks, render its messages, write it at once.

The report is read, the action planned and every message rendered outside the write transaction;
one repository write then applies the change only if the report is still at the version read
(optimistic locking), with its audit row, files and messages (DESIGN.md section 3).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from dataclasses import fields as fields_of
from datetime import datetime
from typing import Any

from bot.domain.deadlines import deadline_changes
from bot.domain.vocabulary import Action, Stage
from bot.domain.workflow import Actor, Plan, Refused, plan, state_of
from bot.services import notify
from bot.services.container import Services
from storage.models import (
    Attachment,
    NewAttachment,
    NewEvent,
    OutboxMessage,
    Report,
    ReportChange,
)

# Messages a caller adds to a transition, rendered (before the write) from data it prefetched,
# the report as the transition leaves it and the audit row it writes.
Extra = Callable[[Report, NewEvent], Sequence[OutboxMessage]]
# How often a transition is planned again when someone changed the report between the read and
# the write (only without an expected version: a button pressed on an old card is Stale at once).
ATTEMPTS = 5
REPORT_FIELDS = frozenset(f.name for f in fields_of(Report))
# Actions whose files are the answer's (the reporter receives them with the answer text).
ANSWERS = (Action.ANSWER, Action.ANSWER_INFO)


@dataclass(frozen=True, slots=True)
class Done:
    """The action happened; `report` is the report after it."""

    report: Report
    before: Report
    plan: Plan


@dataclass(frozen=True, slots=True)
class Stale:
    """The button was pressed on an older version of the report; nothing changed."""

    report: Report


Outcome = Done | Stale | Refused


async def perform(
    svc: Services,
    report_id: int,
    action: Action,
    actor: Actor,
    *,
    expected_version: int | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
    at: datetime | None = None,
    attachments: Sequence[NewAttachment] = (),
    extra: Extra | None = None,
) -> Outcome:
    """Perform `action` by `actor`, planned on the report as it is; written only if still so.

    With `expected_version` (a button pressed on a card of that version) a report that moved on
    is Stale; without it, a change that loses a race is planned again on the fresh report.
    `values` are further columns the action sets (the unit of a disposition, the new type of a
    reclassification, the answer text); the caller has validated them. `attachments` are stored
    linked to the audit row; `extra` adds the caller's messages to the same transaction.
    """
    now = at or svc.clock()
    reporter = await svc.repo.reporter_of_report(report_id)
    unit_names = {u.id: u.name for u in await svc.repo.list_units(active_only=False)}
    followers = await svc.repo.followers_of(report_id)
    answer_files: Sequence[Attachment | NewAttachment] = ()
    if action in ANSWERS:
        answer_files = attachments
    elif action is Action.APPROVE:
        answer_files = await svc.repo.answer_attachments(report_id)
    for _attempt in range(ATTEMPTS):
        report = await svc.repo.report(report_id)
        if report is None:
            raise LookupError(f"report {report_id} does not exist")
        if expected_version is not None and report.version != expected_version:
            return Stale(report)
        outcome = plan(svc.profile, state_of(report), action, actor)
        if isinstance(outcome, Refused):
            return outcome
        columns: dict[str, Any] = {
            "stage": outcome.to_stage,
            "resume_stage": outcome.resume_stage,
            "approval_level": outcome.approval_level,
            "approvers": _approvers(report, outcome, actor),
            **deadline_changes(svc.profile, svc.calendar, report, outcome, now),
            "updated_at": now,
            **(values or {}),
        }
        if outcome.closes:
            columns["closed_at"] = now
        event = NewEvent(
            at=now,
            actor_kind=actor.kind,
            actor_staff_id=actor.staff_id,
            action=action,
            from_stage=outcome.from_stage,
            to_stage=outcome.to_stage,
            note=note,
            data=data,
        )
        # Rendered here, before the write: the write lock is held only while rows are written.
        after = _after(report, columns)
        messages = [
            *notify.after_transition(
                svc, reporter, unit_names, after, event, followers, answer_files=answer_files
            ),
            *(extra(after, event) if extra is not None else ()),
        ]
        change = ReportChange(
            report_id=report_id,
            version=report.version,
            values=columns,
            event=event,
            messages=messages,
            attachments=attachments,
            # A duplicate's reporter follows the original's news from now on (DESIGN.md 3).
            follow=columns.get("duplicate_of_id") if action is Action.MARK_DUPLICATE else None,
        )
        stored = await svc.repo.apply_change(change)
        if stored is not None:
            return Done(stored, report, outcome)
        if expected_version is not None:  # pressed on the version someone else just changed
            break
    current = await svc.repo.report(report_id)
    assert current is not None
    return Stale(current)


def _after(report: Report, columns: dict[str, Any]) -> Report:
    """Return the report as the change will leave it (what its messages announce)."""
    fields = {k: v for k, v in columns.items() if k in REPORT_FIELDS}
    return replace(report, **fields, version=report.version + 1)


def _approvers(report: Report, outcome: Plan, actor: Actor) -> list[int] | None:
    if outcome.to_stage is not Stage.AWAITING_APPROVAL:
        return None
    if outcome.action is Action.APPROVE and actor.staff_id is not None:
        return [*(report.approvers or []), actor.staff_id]
    return []
