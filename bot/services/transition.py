"""Perform an action on a report: plan it, move the clocks, write it, notify, in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.deadlines import deadline_changes
from bot.domain.vocabulary import Action, Stage
from bot.domain.workflow import Actor, Plan, Refused, plan, state_of
from bot.services import notify
from bot.services.container import Services
from storage.models import (
    Attachment,
    Change,
    NewAttachment,
    NewEvent,
    OutboxMessage,
    Report,
    ReportEvent,
)

# Messages a caller adds to a transition, computed inside its transaction from data it prefetched.
Extra = Callable[[Report, ReportEvent], Sequence[OutboxMessage]]
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
    """Perform `action` by `actor`; re-checks stage, role and version inside the transaction.

    `values` are further columns the action sets (the unit of a disposition, the new type of a
    reclassification, the answer text); the caller has validated them. `attachments` are stored
    linked to the audit row; `extra` adds the caller's messages in the same transaction.
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
    seen: list[tuple[Report, Plan]] = []

    def decide(report: Report) -> Change | Stale | Refused:
        if expected_version is not None and report.version != expected_version:
            return Stale(report)
        outcome = plan(svc.profile, state_of(report), action, actor)
        if isinstance(outcome, Refused):
            return outcome
        columns: dict[str, Any] = {
            "stage": outcome.to_stage.value,
            "resume_stage": outcome.resume_stage.value if outcome.resume_stage else None,
            "approval_level": outcome.approval_level,
            "approvers": _approvers(report, outcome, actor),
            **deadline_changes(svc.profile, svc.calendar, report, outcome, now),
            **(values or {}),
        }
        if outcome.closes:
            columns["closed_at"] = now
        seen.append((report, outcome))
        event = NewEvent(
            at=now,
            actor_kind=actor.kind.value,
            actor_staff_id=actor.staff_id,
            action=action.value,
            from_stage=outcome.from_stage.value,
            to_stage=outcome.to_stage.value,
            note=note,
            data=data,
        )

        def messages(after: Report, stored: ReportEvent) -> list[OutboxMessage]:
            found = notify.after_transition(
                svc, reporter, unit_names, after, stored, followers, answer_files=answer_files
            )
            return [*found, *(extra(after, stored) if extra is not None else ())]

        # A duplicate's reporter follows the original's news from now on (DESIGN.md section 3).
        follow = columns.get("duplicate_of_id") if action is Action.MARK_DUPLICATE else None
        return Change(columns, event, messages, attachments, follow=follow)

    decision: Change | Stale | Refused
    current, decision = await svc.repo.change_report(report_id, decide)
    if isinstance(decision, Change):
        before, planned = seen[-1]
        return Done(current, before, planned)
    return decision


def _approvers(report: Report, outcome: Plan, actor: Actor) -> list[int] | None:
    if outcome.to_stage is not Stage.AWAITING_APPROVAL:
        return None
    if outcome.action is Action.APPROVE and actor.staff_id is not None:
        return [*(report.approvers or []), actor.staff_id]
    return []
