"""Reports that reached the office by other channels, recorded by staff (/catat).

They follow the same workflow and get a tracking number of the same format; the channel's
end-to-end service level applies (seed 002: 15 minutes face to face, 7 days by letter).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from enum import IntEnum
from typing import Any

from bot.domain.deadlines import submission_deadlines
from bot.domain.profile import Profile
from bot.domain.tracking import numbering
from bot.domain.vocabulary import Channel, ReportType, Stage
from bot.services import notify
from bot.services.container import Services
from bot.services.submit import unfiled_report
from storage.models import NewReport, Report

CONVERSATION = "catat"


class Field(IntEnum):
    """The questions of /catat, in the order asked."""

    CHANNEL = 1
    TYPE = 2
    CATEGORY = 3
    SUBCATEGORY = 4
    TITLE = 5
    DESCRIPTION = 6
    ANONYMOUS = 7
    NAME = 8
    PHONE = 9
    ADDRESS = 10
    SUMMARY = 11


@dataclass
class OfflineDraft:
    """What the staff member entered so far."""

    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    channel: str | None = None
    type: str | None = None
    category: str | None = None
    subcategory: str | None = None
    title: str | None = None
    description: str | None = None
    anonymous: bool = False
    name: str | None = None
    phone: str | None = None
    address: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the draft as JSON-ready data."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OfflineDraft:
        """Rebuild a draft from saved data."""
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def channels(profile: Profile) -> list[Channel]:
    """Return the channels staff record reports from (every one but this bot)."""
    return [c.code for c in profile.channels if c.code is not Channel.TELEGRAM]


def next_field(profile: Profile, draft: OfflineDraft, after: Field | None = None) -> Field:
    """Return the next question this draft needs."""
    for step in Field:
        if after is not None and step <= after:
            continue
        if step is Field.TYPE and len(profile.report_types) < 2:
            draft.type = draft.type or profile.report_types[0].code.value
            continue
        if step is Field.CATEGORY and not profile.categories:
            continue
        if step is Field.SUBCATEGORY:
            category = profile.category(draft.category or "")
            if category is None or not category.subcategories:
                continue
        if step is Field.ANONYMOUS and not profile.identity.allow_anonymous:
            continue
        if step in (Field.NAME, Field.PHONE, Field.ADDRESS) and draft.anonymous:
            continue
        return step
    return Field.SUMMARY


async def record(svc: Services, draft: OfflineDraft, staff_id: int) -> Report:
    """File the recorded report: the person without Telegram, the report, its card."""
    existing = await svc.repo.report_by_submission_key(draft.key)
    if existing is not None:
        return existing
    now = svc.clock()
    reporter = await svc.repo.add_offline_reporter(
        name=None if draft.anonymous else draft.name,
        phone=None if draft.anonymous else draft.phone,
        address=None if draft.anonymous else draft.address,
    )
    channel = Channel(draft.channel) if draft.channel else Channel.TATAP_MUKA
    stage_due, final_due = submission_deadlines(svc.profile, svc.calendar, channel, now)
    new = NewReport(
        reporter_id=reporter.id,
        channel=channel,
        type=ReportType(draft.type) if draft.type else svc.profile.report_types[0].code,
        category=draft.category,
        subcategory=draft.subcategory,
        title=draft.title or "",
        description=draft.description or "",
        anonymous=draft.anonymous,
        stage=Stage.SUBMITTED,
        submitted_at=now,
        stage_due_at=stage_due,
        final_due_at=final_due,
        submission_key=draft.key,
    )
    unfiled = unfiled_report(new)
    return await svc.repo.submit_report(
        new,
        numbering=numbering(svc.profile.prefix, now, svc.profile.zone),
        event_data={"channel": channel},
        recorded_by=staff_id,
        messages=notify.after_submission(svc, reporter, unfiled, []),
    )
