"""Due dates when a report changes stage: start, pause (NEEDS_INFO) and resume the clocks.

A reporter the bot cannot reach (recorded with /catat) is never closed by their silence alone:
asked for information, the report waits without a closing time until staff record that they
tried to reach the reporter (record_contact), and the usual limit counts from that try; answered,
it waits for staff to close it once they delivered the answer by the report's own channel.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.domain.clock import WorkCalendar, describe_amount
from bot.domain.profile import Profile, ServiceLevel
from bot.domain.vocabulary import Action, Channel, Stage
from bot.domain.workflow import Plan, asked_through_bot
from storage.models import Report

# A new stage visit starts with clean reminder marks.
_FRESH_MARKS = {"stage_warned_at": None, "stage_breached_at": None, "stage_escalated_at": None}


def sop_words(level: ServiceLevel, lang: str = "id") -> str:
    """Return a stage's time as the seed writes it ("1-3 hari"), else in the bot's words."""
    return level.sop or describe_amount(level.amount, level, lang)


def clock_level(profile: Profile, clock: str, stage: str, channel: str) -> ServiceLevel | None:
    """Return the level behind a report's clock: its stage's ("stage"), or end to end ("final")."""
    if clock == "final":
        return final_level(profile, channel)
    try:
        return profile.service_level(Stage(stage))
    except ValueError:
        return None


def tentative(profile: Profile, stage: str, channel: str) -> bool:
    """Tell whether a report's due dates are indicative ("Tentatif" [S000 L48-50])."""
    levels = (clock_level(profile, clock, stage, channel) for clock in ("stage", "final"))
    return any(level is not None and level.tentative for level in levels)


def final_level(profile: Profile, channel: str) -> ServiceLevel | None:
    """Return the end-to-end service level for a channel (or the profile's default)."""
    try:
        return profile.end_to_end_for(Channel(channel))
    except ValueError:
        return profile.end_to_end.default


def submission_deadlines(
    profile: Profile, calendar: WorkCalendar, channel: str, at: datetime
) -> tuple[datetime | None, datetime | None]:
    """Return the first stage's due time and the end-to-end due time of a new report."""
    stage_level = profile.service_level(Stage.SUBMITTED)
    end_level = final_level(profile, channel)
    return (
        calendar.due_at(at, stage_level) if stage_level else None,
        calendar.due_at(at, end_level) if end_level else None,
    )


def deadline_changes(
    profile: Profile, calendar: WorkCalendar, report: Report, plan: Plan, at: datetime
) -> dict[str, Any]:
    """Return the column values that move the clocks for one transition."""
    reached = asked_through_bot(report.channel)
    if plan.action is Action.RECORD_CONTACT:
        # Staff tried to reach the reporter: from now, their silence closes it as usual.
        close_at = calendar.due_at(at, profile.limits.needs_info_close_after)
        return {"stage_due_at": close_at, "stage_warned_at": None}
    if plan.to_stage is plan.from_stage:
        return {}
    values: dict[str, Any] = {"stage_started_at": at, **_FRESH_MARKS}
    final = final_level(profile, report.channel)
    if plan.pauses_clock:
        # While the reporter owes an answer, the due time is when silence closes the report.
        close_at = calendar.due_at(at, profile.limits.needs_info_close_after)
        values["stage_due_at"] = close_at if reached else None
        values["paused_stage_seconds"] = _left(calendar, report.stage_due_at, at, profile, plan)
        if final is not None and report.final_due_at is not None:
            left = calendar.remaining(report.final_due_at, at, final)
            values["paused_final_seconds"] = int(left.total_seconds())
            values["final_due_at"] = None
        return values
    if plan.from_stage is Stage.NEEDS_INFO and plan.to_stage is not Stage.CLOSED:
        level = profile.service_level(plan.to_stage)
        if level is not None and report.paused_stage_seconds is not None:
            left = timedelta(seconds=report.paused_stage_seconds)
            values["stage_due_at"] = calendar.resume(left, at, level)
        else:
            values["stage_due_at"] = calendar.due_at(at, level) if level else None
        if final is not None and report.paused_final_seconds is not None:
            left = timedelta(seconds=report.paused_final_seconds)
            values["final_due_at"] = calendar.resume(left, at, final)
        values["paused_stage_seconds"] = None
        values["paused_final_seconds"] = None
        return values
    if plan.closes:
        values["stage_due_at"] = None
        return values
    if plan.to_stage is Stage.ANSWERED:
        # An answer the reporter neither rates nor disputes closes the report at this time.
        close_at = calendar.due_at(at, profile.limits.answered_close_after)
        values["stage_due_at"] = close_at if reached else None
        return values
    level = profile.service_level(plan.to_stage)
    values["stage_due_at"] = calendar.due_at(at, level) if level else None
    return values


def _left(
    calendar: WorkCalendar, due: datetime | None, at: datetime, profile: Profile, plan: Plan
) -> int | None:
    level = profile.service_level(plan.from_stage)
    if due is None or level is None:
        return None
    return int(calendar.remaining(due, at, level).total_seconds())
