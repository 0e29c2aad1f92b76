"""The report's life (docs/architecture.md §3) as data and plain functions: no Telegram, no SQL.

`plan(profile, report, action, actor)` answers whether an action is possible now and, if so,
which stage it leads to. Storage applies the plan in one transaction, re-checking the stage and
version it was planned from, so that a double press or two staff racing produce one transition.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.profile import Profile
from bot.domain.vocabulary import (
    REPORTER_ACTIONS,
    TERMINAL_STAGES,
    Action,
    ActorKind,
    Channel,
    ReportType,
    Role,
    Stage,
)
from storage.models import Report, ReportEvent

S = Stage
A = Action

# Where each action may start. Stages an action keeps (note, extend) are handled in `plan`.
SOURCES: dict[Action, frozenset[Stage]] = {
    A.SUBMIT: frozenset({S.DRAFT}),
    A.DISPOSE: frozenset({S.SUBMITTED}),
    A.ANSWER_INFO: frozenset({S.SUBMITTED}),
    A.RECLASSIFY: frozenset({S.SUBMITTED}),
    A.REJECT: frozenset({S.SUBMITTED}),
    A.MARK_DUPLICATE: frozenset({S.SUBMITTED}),
    A.ASK_INFO: frozenset({S.SUBMITTED, S.DISPOSED, S.IN_PROGRESS}),
    A.PROVIDE_INFO: frozenset({S.NEEDS_INFO}),
    # Staff, for a reporter the bot cannot ask (recorded with /catat): their answer, or the try.
    A.RECORD_INFO: frozenset({S.NEEDS_INFO}),
    A.RECORD_CONTACT: frozenset({S.NEEDS_INFO}),
    A.ACCEPT: frozenset({S.DISPOSED}),
    # Not our authority: before accepting it, or once the liaison has looked into it [S001 L26].
    A.RETURN_TO_TRIAGE: frozenset({S.DISPOSED, S.IN_PROGRESS}),
    A.REASSIGN: frozenset({S.DISPOSED, S.IN_PROGRESS}),
    A.ANSWER: frozenset({S.IN_PROGRESS}),
    A.APPROVE: frozenset({S.AWAITING_APPROVAL}),
    A.SEND_BACK: frozenset({S.AWAITING_APPROVAL}),
    A.RATE: frozenset({S.ANSWERED}),
    A.DISPUTE: frozenset({S.ANSWERED}),
    A.CLOSE: frozenset({S.ANSWERED, S.NEEDS_INFO}),
    A.WITHDRAW: frozenset(set(Stage) - TERMINAL_STAGES - {S.DRAFT}),
    A.EXTEND: frozenset({S.SUBMITTED, S.DISPOSED, S.IN_PROGRESS, S.AWAITING_APPROVAL}),
    A.NOTE: frozenset(set(Stage) - {S.DRAFT}),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """The person (or the bot) behind an action."""

    kind: ActorKind
    role: Role | None = None
    staff_id: int | None = None
    # The approval level this staff member holds (1-based), if one was assigned to them.
    approval_level: int | None = None
    # The levels some active member holds in the office (the use case reads the registry): at
    # those levels only the holder approves; at the others any member of the level's role.
    held_levels: frozenset[int] = frozenset()


REPORTER = Actor(ActorKind.REPORTER)
SYSTEM = Actor(ActorKind.SYSTEM)


@dataclass(frozen=True, slots=True)
class ReportState:
    """The parts of a report the workflow decides on."""

    stage: Stage
    resume_stage: Stage | None = None
    approval_level: int = 0
    # Staff who approved earlier levels of the current answer: one person, one level.
    approvers: tuple[int, ...] = ()
    # The channel it came by: a reporter recorded with /catat cannot be asked through the bot.
    channel: Channel | None = None
    # The report's type: only the profile's direct-answer types skip the SOP's steps.
    type: ReportType | None = None


class Refusal(StrEnum):
    """Why an action cannot happen now."""

    ROLE = "role"  # the actor's role may not do this in this office
    STAGE = "stage"  # the report is not (or no longer) at a stage this action starts from
    STEP_OFF = "step_off"  # the office's SOP does not use this step
    SAME_PERSON = "same_person"  # an approver may not approve a second level of the same answer
    LEVEL = "level"  # this approval level is assigned to someone else
    CHANNEL = "channel"  # the reporter reads the bot and answers there themself
    TYPE = "type"  # this type of report goes through the SOP's steps (no direct answer)


@dataclass(frozen=True, slots=True)
class Plan:
    """What an action does: the stage it leads to and the bookkeeping that goes with it."""

    action: Action
    from_stage: Stage
    to_stage: Stage
    resume_stage: Stage | None = None
    approval_level: int = 0
    pauses_clock: bool = False
    closes: bool = False


@dataclass(frozen=True, slots=True)
class Refused:
    """An action that cannot happen, and why."""

    action: Action
    reason: Refusal


def may_act(profile: Profile, actor: Actor, action: Action) -> bool:
    """Tell whether this kind of actor may perform the action at all in this office."""
    if actor.kind is ActorKind.REPORTER:
        return action in REPORTER_ACTIONS
    if actor.kind is ActorKind.SYSTEM:
        return action in {A.CLOSE, A.NOTE}
    return actor.role is not None and profile.may(actor.role, action)


def plan(profile: Profile, state: ReportState, action: Action, actor: Actor) -> Plan | Refused:
    """Decide what `action` by `actor` does to a report in `state`, or why it cannot."""
    if actor.kind is ActorKind.STAFF and action in REPORTER_ACTIONS:
        return Refused(action, Refusal.ROLE)
    if actor.kind is ActorKind.STAFF and not profile.uses(action):
        return Refused(action, Refusal.STEP_OFF)
    if not may_act(profile, actor, action):
        return Refused(action, Refusal.ROLE)
    if state.stage not in SOURCES[action]:
        return Refused(action, Refusal.STAGE)
    if action in OFFLINE_ACTIONS and asked_through_bot(state.channel):
        return Refused(action, Refusal.CHANNEL)
    if action is A.ANSWER_INFO and not profile.steps.answers_directly(state.type):
        return Refused(action, Refusal.TYPE)
    if action in (A.APPROVE, A.SEND_BACK) and actor.kind is ActorKind.STAFF:
        if actor.role != approver_role(profile, state.approval_level):
            return Refused(action, Refusal.ROLE)
        if not approves_level(profile, actor, state.approval_level):
            return Refused(action, Refusal.LEVEL)
        if actor.staff_id is not None and actor.staff_id in state.approvers:
            return Refused(action, Refusal.SAME_PERSON)
    return _target(profile, state, action)


def _target(profile: Profile, state: ReportState, action: Action) -> Plan:
    here = state.stage
    same = Plan(action, here, here, state.resume_stage, state.approval_level)
    levels = len(profile.steps.approval_levels)
    match action:
        case A.SUBMIT:
            return Plan(action, here, S.SUBMITTED)
        case A.DISPOSE | A.REASSIGN:
            target = S.DISPOSED if profile.steps.liaison_accept else S.IN_PROGRESS
            return Plan(action, here, target)
        case A.ANSWER_INFO:
            return Plan(action, here, S.ANSWERED)
        case A.REJECT:
            return Plan(action, here, S.REJECTED, closes=True)
        case A.MARK_DUPLICATE:
            return Plan(action, here, S.DUPLICATE, closes=True)
        case A.ASK_INFO:
            return Plan(action, here, S.NEEDS_INFO, resume_stage=here, pauses_clock=True)
        case A.PROVIDE_INFO | A.RECORD_INFO:
            return Plan(action, here, state.resume_stage or S.SUBMITTED)
        case A.ACCEPT:
            return Plan(action, here, S.IN_PROGRESS)
        case A.RETURN_TO_TRIAGE:
            return Plan(action, here, S.SUBMITTED)
        case A.ANSWER:
            if levels:
                return Plan(action, here, S.AWAITING_APPROVAL, approval_level=1)
            return Plan(action, here, S.ANSWERED)
        case A.APPROVE:
            if state.approval_level < levels:
                return Plan(action, here, here, approval_level=state.approval_level + 1)
            return Plan(action, here, S.ANSWERED)
        case A.SEND_BACK | A.DISPUTE:
            return Plan(action, here, S.IN_PROGRESS)
        case A.RATE | A.CLOSE | A.WITHDRAW:
            return Plan(action, here, S.CLOSED, closes=True)
        case A.RECLASSIFY | A.EXTEND | A.NOTE | A.RECORD_CONTACT:
            return same
    raise AssertionError(f"no target for {action}")  # pragma: no cover - SOURCES covers all


# What staff do for a reporter without Telegram while waiting for their answer.
OFFLINE_ACTIONS = frozenset({A.RECORD_INFO, A.RECORD_CONTACT})


def asked_through_bot(channel: Channel | None) -> bool:
    """Tell whether the bot itself reaches the reporter (not one recorded with /catat)."""
    return channel is None or channel is Channel.TELEGRAM


def approver_role(profile: Profile, level: int) -> Role | None:
    """Return the role that approves at a level (1-based), or None past the last level."""
    levels = profile.steps.approval_levels
    return levels[level - 1] if 1 <= level <= len(levels) else None


def approves_level(profile: Profile, actor: Actor, level: int) -> bool:
    """Tell whether the actor may take this approval level: its holder, or anyone if none.

    Only where the profile names its levels (`approval_names`) are they held person by person
    ("secara berjenjang" [S002 L41, L43]): the Kepala Bagian approves first, the Kepala Biro next.
    """
    if not profile.steps.approval_names or level not in actor.held_levels:
        return True
    return actor.approval_level == level


def available_actions(profile: Profile, state: ReportState, actor: Actor) -> list[Action]:
    """Return the actions this actor can take now, in SOP order (for the card's buttons)."""
    return [a for a in Action if isinstance(plan(profile, state, a, actor), Plan)]


def state_of(report: Report) -> ReportState:
    """Return the part of a report the workflow rules on."""
    return ReportState(
        stage=report.stage,
        resume_stage=report.resume_stage,
        approval_level=report.approval_level,
        approvers=tuple(report.approvers or ()),
        channel=report.channel,
        type=report.type,
    )


# Actions that hand a report on with a note the next actor must read: the Ketua's
# identification [S000 L49], the liaison's "not our authority" [S001 L26], the approver's
# correction [S002 L41].
HANDOVERS = frozenset({A.DISPOSE, A.RETURN_TO_TRIAGE, A.SEND_BACK})
# Actions that leave the last handover standing (a note, a question, taking the report up).
_KEEPS_HANDOVER = frozenset(
    {A.NOTE, A.EXTEND, A.RECLASSIFY, A.ASK_INFO, A.PROVIDE_INFO, A.ACCEPT, A.REASSIGN}
)


@dataclass(frozen=True, slots=True)
class Handover:
    """The note a report was last handed on with, while it still stands."""

    action: Action
    note: str


def handover_of(events: list[ReportEvent]) -> Handover | None:
    """Return the note the report was last handed on with, unless a later step moved it on."""
    for event in reversed(events):
        if event.action in _KEEPS_HANDOVER:
            continue
        if event.action in HANDOVERS and event.note:
            return Handover(Action(event.action), event.note)
        return None
    return None
