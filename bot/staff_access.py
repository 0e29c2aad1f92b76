"""Who may act on a report now: role and unit from the registry, membership from Telegram.

Every press re-checks all three. Group membership is asked of Telegram (getChatMember) and
remembered briefly, so that a burst of presses costs one call and a removed member loses access
within `MEMBERSHIP_TTL` seconds (at once when the bot sees the change as a chat_member update).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from telegram import Bot
from telegram.error import TelegramError

from bot.domain import Action, Role
from bot.services import Services
from bot.transitions import state_of
from bot.workflow import Actor, ActorKind, Refusal, Refused, plan
from storage.models import Report, StaffMember

MEMBERSHIP_TTL = 30.0
CACHE_KEY = "staff_membership"
_MEMBER_STATUSES = {"creator", "administrator", "member", "restricted"}


class Denial(StrEnum):
    """Why someone may not act at all."""

    NOT_STAFF = "not_staff"  # not in the registry (or removed)
    NOT_MEMBER = "not_member"  # registered, but no longer in the staff group
    UNIT = "unit"  # a liaison pressing on another unit's report
    HOLDER = "holder"  # the report was assigned to another person of the unit


# Once a report is assigned to a person, only they (or a supervisor) take these steps.
HOLDER_ACTIONS = frozenset({Action.ACCEPT, Action.ANSWER, Action.RETURN_TO_TRIAGE})


@dataclass
class MembershipCache:
    """Recent getChatMember answers per (chat, user)."""

    ttl: float = MEMBERSHIP_TTL
    _seen: dict[tuple[int, int], tuple[float, bool]] = field(default_factory=dict)

    async def is_member(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        """Tell whether a user is in the chat now (asking Telegram when the answer is old)."""
        key = (chat_id, user_id)
        cached = self._seen.get(key)
        now = time.monotonic()
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
            present = member.status in _MEMBER_STATUSES
            if member.status == "restricted":
                present = bool(getattr(member, "is_member", True))
        except TelegramError:
            present = False
        self._seen[key] = (now, present)
        return present

    def forget(self, chat_id: int, user_id: int) -> None:
        """Drop what is known of a user's membership (it just changed)."""
        self._seen.pop((chat_id, user_id), None)


def membership_cache(bot_data: dict[str, Any]) -> MembershipCache:
    """Return the application's membership cache."""
    cache = bot_data.setdefault(CACHE_KEY, MembershipCache())
    assert isinstance(cache, MembershipCache)
    return cache


async def staff_member(
    svc: Services, bot: Bot, cache: MembershipCache, user_id: int
) -> StaffMember | Denial:
    """Return the active staff member behind a Telegram user who is in the staff group now."""
    member = await svc.repo.staff_by_telegram(user_id)
    if member is None:
        return Denial.NOT_STAFF
    chat_id = svc.staff_chat_id
    if chat_id is None or not await cache.is_member(bot, chat_id, user_id):
        return Denial.NOT_MEMBER
    return member


def actor_of(member: StaffMember) -> Actor:
    """Return the workflow actor for a staff member."""
    return Actor(ActorKind.STAFF, role=Role(member.role), staff_id=member.id)


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


def readers(staff: Iterable[StaffMember], report: Report) -> list[StaffMember]:
    """Return the staff allowed to read a report, among those given."""
    return [m for m in staff if m.active and may_read(m, report)]


def refusal(svc: Services, member: StaffMember, report: Report, action: Action) -> str | None:
    """Return why this member cannot take this action on this report now (an alert key)."""
    outcome = plan(svc.profile, state_of(report), action, actor_of(member))
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
