"""Reports that reached the office by other channels, recorded by staff (/catat).

They follow the same workflow and get a tracking number of the same format; the channel's
end-to-end service level applies (seed 002: 15 minutes face to face, 7 days by letter).

Each channel asks its own of the reporter (the profile's `channels`): where it requires
identity, the report cannot be recorded as anonymous, and its `identity_fields` must be given
(seed 002: face to face an ID, the box a name and an address or phone, SP4N-LAPOR! a name and
an address). The bot cannot reach these reporters: staff ask them and deliver the answer by the
report's own channel, and record what they said on the card (bot/domain/deadlines.py).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from enum import IntEnum
from typing import Any

from bot.domain.deadlines import submission_deadlines
from bot.domain.profile import ChannelOption, Profile
from bot.domain.tracking import numbering
from bot.domain.vocabulary import Channel, ReportType, Stage
from bot.services import notify, staff_actions
from bot.services.container import Services
from bot.services.submit import unfiled_report
from storage.models import NewReport, Report

CONVERSATION = "catat"


class Field(IntEnum):
    """The questions of /catat (asked in `ORDER`; the numbers are saved conversation states)."""

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
    ID_PHOTO = 12


F = Field
ORDER = (
    *(F.CHANNEL, F.TYPE, F.CATEGORY, F.SUBCATEGORY, F.TITLE, F.DESCRIPTION),
    *(F.ANONYMOUS, F.NAME, F.PHONE, F.ADDRESS, F.ID_PHOTO, F.SUMMARY),
)
# The identity questions and the profile's names for what they record.
IDENTITY = {F.NAME: "name", F.PHONE: "phone", F.ADDRESS: "address", F.ID_PHOTO: "id_photo"}


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
    confidential: bool = False
    name: str | None = None
    phone: str | None = None
    address: str | None = None
    id_photo: str | None = None  # the file id of the ID's photo or scan

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


def channel_of(profile: Profile, draft: OfflineDraft) -> ChannelOption | None:
    """Return the office's option for the channel picked, if one was."""
    return profile.channel(Channel(draft.channel)) if draft.channel else None


def identity_required(profile: Profile, draft: OfflineDraft) -> bool:
    """Tell whether the channel requires the reporter's identity (no anonymous report)."""
    option = channel_of(profile, draft)
    return option is not None and (option.identity_required or bool(option.identity_fields))


def requirements(profile: Profile, draft: OfflineDraft) -> list[tuple[str, ...]]:
    """Return what must be recorded of the reporter: each a field, or alternatives of which one.

    A channel without its own list asks, as always, for the reporter's name.
    """
    option = channel_of(profile, draft)
    listed = option.identity_fields if option is not None else ()
    return [tuple(entry.split("|")) for entry in listed] or [("name",)]


def may_skip(profile: Profile, draft: OfflineDraft, step: Field) -> bool:
    """Tell whether an identity question may be left out (what the channel requires may not).

    Of alternatives ("address|phone") one may be left out while another is given or still to
    be asked.
    """
    field = IDENTITY[step]
    later = {IDENTITY[s] for s in ORDER[ORDER.index(step) + 1 :] if s in IDENTITY}
    for group in requirements(profile, draft):
        if field not in group:
            continue
        others = [f for f in group if f != field]
        if not any(getattr(draft, f) or f in later for f in others):
            return False
    return True


def next_field(profile: Profile, draft: OfflineDraft, after: Field | None = None) -> Field:
    """Return the next question this draft needs."""
    start = ORDER.index(after) + 1 if after is not None else 0
    for step in ORDER[start:]:
        if step is Field.TYPE and len(profile.offered_types()) < 2:
            draft.type = draft.type or profile.offered_types()[0].code.value
            continue
        if step is Field.CATEGORY and not profile.categories:
            continue
        if step is Field.SUBCATEGORY:
            category = profile.category(draft.category or "")
            if category is None or not category.subcategories:
                continue
        if step is Field.ANONYMOUS and (
            not profile.identity.allow_anonymous or identity_required(profile, draft)
        ):
            draft.anonymous = False
            continue
        if step in IDENTITY and draft.anonymous:
            continue
        if step is Field.ID_PHOTO and not any(
            "id_photo" in group for group in requirements(profile, draft)
        ):
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
        type=ReportType(draft.type) if draft.type else svc.profile.offered_types()[0].code,
        category=draft.category,
        subcategory=draft.subcategory,
        title=draft.title or "",
        description=draft.description or "",
        anonymous=draft.anonymous,
        confidential=draft.confidential,
        stage=Stage.SUBMITTED,
        submitted_at=now,
        stage_due_at=stage_due,
        final_due_at=final_due,
        submission_key=draft.key,
    )
    unfiled = unfiled_report(new)
    # A `rahasia` report's content reaches the staff who may triage it privately, as from the bot.
    messages = [
        *notify.after_submission(svc, reporter, unfiled, []),
        *await staff_actions.confidential_arrival(svc, unfiled, []),
    ]
    photo = None if draft.anonymous else draft.id_photo
    return await svc.repo.submit_report(
        new,
        numbering=numbering(svc.profile.prefix, now, svc.profile.zone),
        event_data={"channel": channel},
        recorded_by=staff_id,
        messages=messages,
        identity={"id_photo_file_id": photo} if photo else None,
    )
