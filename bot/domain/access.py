"""Who may act on a report now: role, unit and holder, from the registry and the profile.

Every press re-checks them (and group membership, bot/telegram/membership.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from bot.domain.profile import Profile
from bot.domain.vocabulary import Action, Role
from bot.domain.workflow import (
    Actor,
    ActorKind,
    Refusal,
    Refused,
    approver_role,
    plan,
    state_of,
)
from storage.models import Report, StaffMember


class Denial(StrEnum):
    """Why someone may not act at all."""

    NOT_STAFF = "not_staff"  # not in the registry (or removed)
    NOT_MEMBER = "not_member"  # registered, but no longer in the staff group
    UNIT = "unit"  # a liaison pressing on another unit's report
    HOLDER = "holder"  # the report was assigned to another person of the unit


# Once a report is assigned to a person, only they (or a supervisor) take these steps.
HOLDER_ACTIONS = frozenset({Action.ACCEPT, Action.ANSWER, Action.RETURN_TO_TRIAGE})


def actor_of(member: StaffMember, held_levels: frozenset[int] = frozenset()) -> Actor:
    """Return the workflow actor for a staff member; `held_levels` are the office's (below)."""
    return Actor(
        ActorKind.STAFF,
        role=member.role,
        staff_id=member.id,
        approval_level=member.approval_level,
        held_levels=held_levels,
    )


def held_levels(profile: Profile, staff: Iterable[StaffMember]) -> frozenset[int]:
    """Return the approval levels some active member holds (with the level's role)."""
    return frozenset(
        m.approval_level
        for m in staff
        if m.active
        and m.approval_level is not None
        and m.role == approver_role(profile, m.approval_level)
    )


def levels_matter(profile: Profile, action: Action) -> bool:
    """Tell whether who holds which approval level can change the answer for this action."""
    return action in (Action.APPROVE, Action.SEND_BACK) and bool(profile.steps.approval_names)


def level_fits(profile: Profile, role: Role, level: int) -> bool:
    """Tell whether a member of this role can hold this approval level of the office."""
    return bool(profile.steps.approval_names) and approver_role(profile, level) == role


def handles(member: StaffMember, report: Report) -> bool:
    """Tell whether a member may act on this report: liaisons only on their units' reports."""
    if member.role == Role.VIEWER:
        return False
    if member.role == Role.LIAISON:
        return report.unit_id is not None and report.unit_id in member.unit_ids
    return True


def may_read(member: StaffMember, report: Report) -> bool:
    """Tell whether a member may read the report's content (a `rahasia` report's included)."""
    if not report.confidential:
        return True
    return member.role != Role.VIEWER and handles(member, report)


def secret_units(member: StaffMember) -> frozenset[int] | None:
    """Return the units whose `rahasia` reports a member may read; None for every unit's.

    The same rule as `may_read`, in the form a search query filters by.
    """
    if member.role == Role.VIEWER:
        return frozenset()
    if member.role == Role.LIAISON:
        return frozenset(member.unit_ids)
    return None


def readers(staff: Iterable[StaffMember], report: Report) -> list[StaffMember]:
    """Return the staff allowed to read a report, among those given."""
    return [m for m in staff if m.active and may_read(m, report)]


def refusal(
    profile: Profile,
    member: StaffMember,
    report: Report,
    action: Action,
    held: frozenset[int] = frozenset(),
) -> str | None:
    """Return why this member cannot take this action on this report now (an alert key).

    `held` are the approval levels someone in the registry holds (`held_levels`).
    """
    actor = actor_of(member, held)
    outcome = plan(profile, state_of(report), action, actor)
    if isinstance(outcome, Refused):
        return "stale" if outcome.reason is Refusal.STAGE else outcome.reason.value
    if not handles(member, report):
        return Denial.UNIT.value
    if not holds(member, report, action):
        return Denial.HOLDER.value
    return None


def holds(member: StaffMember, report: Report, action: Action) -> bool:
    """Tell whether the report's assignment lets this member take the step (a supervisor may)."""
    if action not in HOLDER_ACTIONS or report.assignee_id is None:
        return True
    return member.id == report.assignee_id or member.role == Role.SUPERVISOR


def assignable(staff: Iterable[StaffMember], report: Report) -> list[StaffMember]:
    """Return the people a report can be reassigned to: its unit's active liaisons."""
    if report.unit_id is None:
        return []
    return [
        m
        for m in staff
        if m.active
        and m.role == Role.LIAISON
        and report.unit_id in m.unit_ids
        and m.id != report.assignee_id
    ]
