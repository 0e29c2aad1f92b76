"""Staff actions from the card: how each is carried out, as its spec says.

What each action needs (a choice, a text) and sets is its spec's (bot/domain/actions.py). No
Telegram here: handlers collect the choice (a unit, a reason) and the text (a question, an
answer), and `carry_out` turns them into one `perform` call plus the private messages it causes;
the spec's lookups that need the repository, the renderer or the calendar are resolved here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain import access
from bot.domain.actions import (
    PERSON,
    SPECS,
    ActionSpec,
    Arguments,
    Lookup,
    Request,
    StaffAudience,
)
from bot.domain.screening.decisions import decision_label
from bot.domain.tracking import normalize_number
from bot.domain.vocabulary import Action, Role, Stage
from bot.services import notify
from bot.services.container import Services
from bot.services.transition import Done, Extra, Outcome, perform
from storage.models import (
    Attachment,
    NewAttachment,
    NewEvent,
    OutboxMessage,
    Report,
    StaffMember,
)
from storage.repo.screening_labels import ScreeningLabelsRepo

# The outbox kind of a report's details for one staff member, rendered when it is sent.
DETAIL = "detail"


@dataclass(frozen=True, slots=True)
class Invalid:
    """A choice or text that cannot be used (an unknown unit or tracking number)."""

    problem: str


async def held_levels(svc: Services, action: Action) -> frozenset[int]:
    """Return the approval levels someone holds, reading the registry only when they matter.

    Who holds which level is the registry's and the workflow rules on it (access.py); only an
    approval or a send-back in an office that names its levels needs it, so other presses do
    not read the staff list for it.
    """
    if not access.levels_matter(svc.profile, action):
        return frozenset()
    return access.held_levels(svc.profile, await svc.repo.list_staff())


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

    What the action sets comes from its spec (bot/domain/actions.py): a pure builder, or a
    lookup resolved here. `files` come with an answer: stored with its audit row, delivered
    after its text.
    """
    spec = SPECS[action]
    request = Request(report, member, choice, text, svc.clock())
    built = await arguments(svc, spec, request)
    if isinstance(built, Invalid):
        return built
    outcome = await perform(
        svc,
        report.id,
        action,
        access.actor_of(member, await held_levels(svc, action)),
        expected_version=version,
        note=built.note,
        data=built.data,
        values=built.values,
        attachments=files if spec.takes_files else (),
        extra=await _follow_ups(svc, report, spec, member),
    )
    if isinstance(outcome, Done):
        await _keep_screening_label(svc, outcome.report, action, built.data, member)
    return outcome


async def _keep_screening_label(
    svc: Services, report: Report, action: Action, data: dict[str, Any] | None, member: StaffMember
) -> None:
    """Keep the office's decision on a report's words as a label for retraining (issue 13)."""
    reason = (data or {}).get("reason")
    label = decision_label(
        action,
        reason if isinstance(reason, str) else None,
        report.title,
        report.description,
        report.screening,
    )
    if label is None:
        return
    await ScreeningLabelsRepo(svc.repo.db, svc.repo.clock).keep_screening_label(
        report.id,
        label.text,
        sara=label.sara,
        abusive=label.abusive,
        decision=label.decision,
        staff_id=member.id,
    )


async def arguments(svc: Services, spec: ActionSpec, request: Request) -> Arguments | Invalid:
    """Return what `perform` receives for this action: built from the spec, or looked up."""
    if isinstance(spec.arguments, Lookup):
        return await LOOKUPS[spec.arguments](svc, request)
    return spec.arguments(request)


async def _unit(svc: Services, request: Request) -> Arguments | Invalid:
    """Return the arguments of a move to the picked unit (active, not the one holding it)."""
    unit = await svc.repo.unit(int(request.choice or 0))
    if unit is None or not unit.active or unit.id == request.report.unit_id:
        return Invalid("unit")
    # What was typed is the identification of the problem, where the SOP asks for one [S000 L49].
    values = {"unit_id": unit.id, "assignee_id": None}
    return Arguments(values, request.text, {"unit": unit.code})


async def _holder(svc: Services, request: Request) -> Arguments | Invalid:
    """Return the arguments of a move to the picked unit, or to one liaison of the report's."""
    choice = request.choice or ""
    if not choice.startswith(PERSON):
        return await _unit(svc, request)
    chosen = access.assignable(await svc.repo.list_staff(), request.report)
    person = next((m for m in chosen if m.id == int(choice.removeprefix(PERSON))), None)
    if person is None:
        return Invalid("person")
    return Arguments({"assignee_id": person.id}, None, {"assignee": person.display_name})


async def _reason(svc: Services, request: Request) -> Arguments | Invalid:
    """Return a rejection's note: the reason in the reporter's language, and what was typed."""
    reporter = await svc.repo.reporter_of_report(request.report.id)
    reason = svc.renderer.label(reporter.language, f"reject_reason.{request.choice}")
    note = f"{reason}: {request.text}" if request.text else reason
    return Arguments({}, note, {"reason": request.choice})


async def _extension(svc: Services, request: Request) -> Arguments | Invalid:
    """Return both due dates moved by the picked working days (from now, if already past)."""
    days = int(request.choice or 0)
    values: dict[str, Any] = {}
    for column in ("stage_due_at", "final_due_at"):
        due = getattr(request.report, column)
        if due is not None:
            values[column] = svc.calendar.extend(due, days, request.now)
    return Arguments(values, request.text, {"days": days})


async def _original(svc: Services, request: Request) -> Arguments | Invalid:
    """Return the link to the report whose tracking number was typed (not this one)."""
    number = normalize_number(request.text or "")
    original = await svc.repo.report_by_number(number) if number is not None else None
    if original is None or original.id == request.report.id:
        return Invalid("number")
    data = {"duplicate_of_number": original.number}
    return Arguments({"duplicate_of_id": original.id}, None, data)


Resolver = Callable[[Services, Request], Awaitable[Arguments | Invalid]]
LOOKUPS: dict[Lookup, Resolver] = {
    Lookup.UNIT: _unit,
    Lookup.HOLDER: _holder,
    Lookup.REASON: _reason,
    Lookup.EXTENSION: _extension,
    Lookup.ORIGINAL: _original,
}


async def _follow_ups(
    svc: Services, report: Report, spec: ActionSpec, member: StaffMember
) -> Extra | None:
    """Prefetch what the private staff notices need; return their builder for `perform`."""
    builders: list[Extra] = []
    template = spec.notices.unit
    if template is not None:
        staff = await svc.repo.list_staff()
        units = {u.id: u.name for u in await svc.repo.list_units(active_only=False)}
        evidence = await svc.repo.attachments_of(report.id) if report.confidential else []
        builders.append(
            lambda after, _event: disposal_notices(svc, after, staff, units, evidence, template)
        )
    if spec.staff_notice is not None:
        audience, notice = spec.staff_notice
        told = await _audience(svc, report, audience, member)
        builders.append(
            lambda after, event: handover_notices(svc, after, event, told, member, notice)
        )
    if not builders:
        return None
    return lambda after, event: [m for build in builders for m in build(after, event)]


async def _audience(
    svc: Services, report: Report, audience: StaffAudience, member: StaffMember
) -> list[StaffMember]:
    """Return who hears of a handover privately: triage, or the answer's drafter."""
    staff = [m for m in await svc.repo.list_staff() if m.private_chat_at and m.id != member.id]
    if audience is StaffAudience.TRIAGE:
        return [m for m in staff if svc.profile.may(m.role, Action.DISPOSE)]
    answers = [e for e in await svc.repo.events(report.id) if e.action == Action.ANSWER]
    drafter = answers[-1].actor_staff_id if answers else report.assignee_id
    return [m for m in staff if m.id == drafter]


def handover_notices(
    svc: Services,
    report: Report,
    event: NewEvent,
    told: Sequence[StaffMember],
    member: StaffMember,
    template: str,
) -> list[OutboxMessage]:
    """Return the private notes of a handover: what happened, by whom, and the note typed."""
    messages = []
    for person in told:
        text = svc.renderer.render(
            "id",
            template,
            number=report.number,
            action=str(event.action),
            who=member.display_name,
            role_name=svc.profile.role_name(member.role, "id"),
            note=event.note,
            stage=str(report.stage),
        )
        messages.append(
            OutboxMessage(
                chat_id=person.telegram_user_id,
                kind="send_message",
                payload={"text": text},
                report_id=report.id,
            )
        )
    return messages


def disposal_notices(
    svc: Services,
    report: Report,
    staff: Sequence[StaffMember],
    units: dict[int, str],
    evidence: Sequence[Attachment],
    template: str,
) -> list[OutboxMessage]:
    """Return the private messages of a disposal: the unit's liaisons (or its one holder) hear.

    Called inside the transition's transaction with the report as it now is.
    """
    if report.unit_id is None:
        return []
    liaisons = [
        m
        for m in staff
        if m.role == Role.LIAISON and report.unit_id in m.unit_ids and m.private_chat_at
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
            template=template,
        )
        if report.confidential:
            messages += detail_messages(svc, report, chat_id, evidence)
    return messages


def detail_messages(
    svc: Services, report: Report, chat_id: int, files: Sequence[Attachment | NewAttachment]
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


async def confidential_arrival(
    svc: Services, report: Report, files: Sequence[NewAttachment]
) -> list[OutboxMessage]:
    """Return a new `rahasia` report's content and `files` for the staff who may triage it.

    The group card shows only number, category, stage and due date; the people who must act
    on it read it in their private chat (those who have started the bot). Prepared before the
    report is filed, to go in the same transaction.
    """
    if not report.confidential:
        return []
    allowed = access.readers(await svc.repo.list_staff(), report)
    messages: list[OutboxMessage] = []
    for member in allowed:
        if member.private_chat_at is not None and svc.profile.may(member.role, Action.DISPOSE):
            messages += detail_messages(svc, report, member.telegram_user_id, files)
    return messages
