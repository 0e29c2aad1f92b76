"""Staff actions from the card: what each needs (a choice, a text) and how it is carried out.

No Telegram here: handlers collect the choice (a unit, a reason) and the text (a question, an
answer), and `carry_out` turns them into one `perform` call plus the private messages it causes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain import access
from bot.domain.vocabulary import Action, ReportType, Role, Stage
from bot.services import notify
from bot.services.container import Services
from bot.services.transition import ANSWERS, Extra, Outcome, perform
from storage.models import Attachment, NewAttachment, OutboxMessage, Report, StaffMember

A = Action
# Actions that open a picker before anything happens: what is picked.
CHOICES: dict[Action, str] = {
    A.DISPOSE: "unit",
    A.REASSIGN: "unit",
    A.RECLASSIFY: "type",
    A.REJECT: "reason",
    A.EXTEND: "days",
}
# Actions that need the presser to type something (the bot asks with ForceReply).
TEXTS: frozenset[Action] = frozenset(
    {
        A.ASK_INFO,
        A.RETURN_TO_TRIAGE,
        A.ANSWER,
        A.ANSWER_INFO,
        A.SEND_BACK,
        A.MARK_DUPLICATE,
        A.EXTEND,
    }
)
REJECT_REASONS = ("not_relevant", "abuse", "incomplete", "outside", "other")
# Reasons that need a few words more: where to go instead, or the reason itself.
REASONS_WITH_TEXT = frozenset({"outside", "other"})
EXTEND_DAYS = (1, 3, 5, 10)
# The outbox kind of a report's details for one staff member, rendered when it is sent.
DETAIL = "detail"
# A reassignment to a person (rather than a unit) picks `p<staff id>`.
PERSON = "p"


@dataclass(frozen=True, slots=True)
class Invalid:
    """A choice or text that cannot be used (an unknown unit or tracking number)."""

    problem: str


def needs_text(action: Action, choice: str | None) -> bool:
    """Tell whether the action still needs the presser to type something."""
    if action is A.REJECT:
        return choice in REASONS_WITH_TEXT
    return action in TEXTS


def valid_choice(action: Action, choice: str) -> bool:
    """Tell whether a picked value has the shape the action's picker offers."""
    kind = CHOICES.get(action)
    if kind == "unit":
        person = action is A.REASSIGN and choice.startswith(PERSON)
        return (choice[1:] if person else choice).isdigit()
    if kind == "type":
        return choice in set(ReportType)
    if kind == "reason":
        return choice in REJECT_REASONS
    if kind == "days":
        return choice.isdigit() and int(choice) in EXTEND_DAYS
    return False


async def carry_out(
    svc: Services,
    report: Report,
    action: Action,
    member: StaffMember,
    *,
    version: int,
    choice: str | None = None,
    text: str | None = None,
    files: Sequence[NewAttachment] = (),
) -> Outcome | Invalid:
    """Perform a staff action with what was picked, typed and sent; queue the private messages.

    `files` come with an answer: stored with its audit row, delivered after its text.
    """
    built = await _arguments(svc, report, action, choice, text)
    if isinstance(built, Invalid):
        return built
    values, note, data = built
    if action is A.ACCEPT and report.assignee_id is None and member.role == Role.LIAISON:
        # The unit's liaison who accepts holds the report (a supervisor accepting on the unit's
        # behalf leaves it to the unit).
        values = {**values, "assignee_id": member.id}
    extra = await _follow_ups(svc, report, action)
    outcome = await perform(
        svc,
        report.id,
        action,
        access.actor_of(member),
        expected_version=version,
        note=note,
        data=data,
        values=values,
        attachments=files if action in ANSWERS else (),
        extra=extra,
    )
    return outcome


Arguments = tuple[dict[str, Any], str | None, dict[str, Any] | None]


async def _arguments(
    svc: Services, report: Report, action: Action, choice: str | None, text: str | None
) -> Arguments | Invalid:
    now = svc.clock()
    if action is A.REASSIGN and (choice or "").startswith(PERSON):
        return await _to_person(svc, report, int((choice or "")[1:]))
    if action in (A.DISPOSE, A.REASSIGN):
        unit = await svc.repo.unit(int(choice or 0))
        if unit is None or not unit.active or unit.id == report.unit_id:
            return Invalid("unit")
        return {"unit_id": unit.id, "assignee_id": None}, None, {"unit": unit.code}
    if action is A.RECLASSIFY:
        return {"type": choice}, None, {"from": report.type, "to": choice}
    if action is A.REJECT:
        reporter = await svc.repo.reporter_of_report(report.id)
        reason = svc.renderer.label(reporter.language, f"reject_reason.{choice}")
        note = f"{reason}: {text}" if text else reason
        return {}, note, {"reason": choice}
    if action is A.EXTEND:
        days = int(choice or 0)
        values: dict[str, Any] = {}
        for column in ("stage_due_at", "final_due_at"):
            due = getattr(report, column)
            if due is not None:
                values[column] = svc.calendar.add_working_days(max(due, now), days)
        return values, text, {"days": days}
    if action in (A.ANSWER, A.ANSWER_INFO):
        return {"answer": text, "answered_at": now}, text, None
    if action is A.APPROVE:
        return {"answered_at": now}, None, None
    if action is A.ACCEPT:
        return {}, None, None
    if action is A.RETURN_TO_TRIAGE:
        return {"unit_id": None, "assignee_id": None}, text, {"unit_id": report.unit_id}
    if action is A.MARK_DUPLICATE:
        original = await svc.repo.report_by_number(text or "")
        if original is None or original.id == report.id:
            return Invalid("number")
        data = {"duplicate_of_number": original.number}
        return {"duplicate_of_id": original.id}, None, data
    return {}, text, None


async def _to_person(svc: Services, report: Report, staff_id: int) -> Arguments | Invalid:
    """Return the arguments of a reassignment to one liaison of the report's unit."""
    chosen = access.assignable(await svc.repo.list_staff(), report)
    person = next((m for m in chosen if m.id == staff_id), None)
    if person is None:
        return Invalid("person")
    return {"assignee_id": person.id}, None, {"assignee": person.display_name}


async def _follow_ups(svc: Services, report: Report, action: Action) -> Extra | None:
    """Prefetch what a disposal's private messages need; return their builder for `perform`."""
    if action not in (A.DISPOSE, A.REASSIGN):
        return None
    staff = await svc.repo.list_staff()
    units = {u.id: u.name for u in await svc.repo.list_units(active_only=False)}
    evidence = await svc.repo.attachments_of(report.id) if report.confidential else []
    return lambda after, _event: disposal_notices(svc, after, staff, units, evidence)


def disposal_notices(
    svc: Services,
    report: Report,
    staff: Sequence[StaffMember],
    units: dict[int, str],
    evidence: Sequence[Attachment],
) -> list[OutboxMessage]:
    """Return the private messages of a disposal: the unit's liaisons (or its one holder) hear.

    Called inside the transition's transaction with the report as it now is.
    """
    if report.unit_id is None:
        return []
    liaisons = [
        m
        for m in staff
        if m.role == "liaison" and report.unit_id in m.unit_ids and m.private_chat_at
    ]
    if report.assignee_id is not None:  # reassigned to one person: only they hear of it
        liaisons = [m for m in liaisons if m.id == report.assignee_id]
    messages: list[OutboxMessage] = []
    for liaison in liaisons:
        chat_id = liaison.telegram_user_id
        messages += notify.liaison_notice(
            svc,
            report,
            chat_id,
            units.get(report.unit_id, ""),
            personal=report.assignee_id is not None,
        )
        if report.confidential:
            messages += detail_messages(svc, report, chat_id, evidence)
    return messages


def detail_messages(
    svc: Services, report: Report, chat_id: int, files: Sequence[Attachment]
) -> list[OutboxMessage]:
    """Return a report's details (rendered when sent) and its files for one staff member."""
    messages = [OutboxMessage(chat_id=chat_id, kind=DETAIL, payload={}, report_id=report.id)]
    for attachment in files:
        copy = notify.thread_copy(svc, report, attachment, chat_id=chat_id)
        if copy is not None:
            messages.append(
                OutboxMessage(
                    chat_id=chat_id, kind="copy_message", payload=copy.payload, report_id=report.id
                )
            )
    return messages


async def private_detail(svc: Services, report: Report, chat_id: int) -> list[OutboxMessage]:
    """Return a report's full details and evidence for one staff member's private chat."""
    return detail_messages(svc, report, chat_id, await svc.repo.attachments_of(report.id))


def open_for_staff(report: Report) -> bool:
    """Tell whether a report can still change (the card keeps its buttons)."""
    return report.stage not in (Stage.CLOSED, Stage.REJECTED, Stage.DUPLICATE)


async def confidential_arrival(svc: Services, report: Report) -> list[OutboxMessage]:
    """Return a new `rahasia` report's content for the staff who may triage it, privately.

    The group card shows only number, category, stage and due date; the people who must act
    on it read it in their private chat (those who have started the bot).
    """
    if not report.confidential:
        return []
    allowed = access.readers(await svc.repo.list_staff(), report)
    messages: list[OutboxMessage] = []
    for member in allowed:
        if member.private_chat_at is not None and svc.profile.may(Role(member.role), A.DISPOSE):
            messages += await private_detail(svc, report, member.telegram_user_id)
    return messages
