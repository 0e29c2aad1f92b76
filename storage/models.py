"""Typed, immutable rows the repository returns; nothing above storage sees SQLAlchemy rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from storage.vocabulary import Action, ActorKind, Channel, OutboxStatus, ReportType, Role, Stage


@dataclass(frozen=True, slots=True)
class Reporter:
    """A citizen (or someone staff recorded for a citizen without Telegram)."""

    id: int
    telegram_user_id: int | None
    language: str
    name: str | None
    phone: str | None
    address: str | None
    email: str | None
    consent_at: datetime | None
    blocked_at: datetime | None
    # When the reporter had their personal data erased on request (/hapus_data).
    erased_at: datetime | None = None
    id_photo_file_id: str | None = None


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit (OPD, hospital, school, village...) that handles disposed reports."""

    id: int
    code: str
    name: str
    kind: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A person allowed to work on reports, with one role and, for liaisons, units."""

    id: int
    telegram_user_id: int
    display_name: str
    role: Role
    active: bool
    unit_ids: frozenset[int] = frozenset()
    private_chat_at: datetime | None = None
    # The approval level they hold (1-based, the profile's order), if one was assigned to them.
    approval_level: int | None = None


@dataclass(frozen=True, slots=True)
class NewReport:
    """What a submission (from the conversation or /catat) carries into storage."""

    reporter_id: int
    channel: Channel
    type: ReportType
    title: str
    description: str
    stage: Stage
    submitted_at: datetime
    category: str | None = None
    subcategory: str | None = None
    event_date: date | None = None
    location_text: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    anonymous: bool = False
    confidential: bool = False
    stage_due_at: datetime | None = None
    final_due_at: datetime | None = None
    screening: dict[str, Any] | None = None
    submission_key: str | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """A filed report as it stands now."""

    id: int
    number: str
    reporter_id: int
    channel: Channel
    type: ReportType
    category: str | None
    subcategory: str | None
    title: str
    description: str
    event_date: date | None
    location_text: str | None
    latitude: float | None
    longitude: float | None
    anonymous: bool
    confidential: bool
    stage: Stage
    resume_stage: Stage | None
    unit_id: int | None
    assignee_id: int | None
    duplicate_of_id: int | None
    stage_started_at: datetime
    stage_due_at: datetime | None
    final_due_at: datetime | None
    screening: dict[str, Any] | None
    rating: int | None
    rating_comment: str | None
    approval_level: int
    approvers: list[int] | None
    answer: str | None
    answered_at: datetime | None
    paused_stage_seconds: int | None
    paused_final_seconds: int | None
    # Unused since migration 0011 (always None): the marks are rows of sla_marks
    # (SlaRepo.sla_marks_of).
    stage_warned_at: datetime | None
    stage_breached_at: datetime | None
    stage_escalated_at: datetime | None
    submission_key: str | None
    version: int
    submitted_at: datetime
    updated_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReportEvent:
    """One line of a report's audit trail."""

    id: int
    report_id: int
    at: datetime
    actor_kind: ActorKind
    actor_staff_id: int | None
    action: Action
    from_stage: Stage | None
    to_stage: Stage | None
    note: str | None
    data: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Draft:
    """A conversation in progress, saved at every step so that a restart loses nothing."""

    telegram_user_id: int
    conversation: str
    step: str
    data: dict[str, Any]
    updated_at: datetime
    # The update whose answer the last save holds (a replay after a crash: issue 14).
    last_update_id: int | None = None


@dataclass(frozen=True, slots=True)
class UpdateView:
    """What handling one update starts from, read together: was it handled, who wrote it."""

    handled: bool
    # Only read for a private chat's update (None: the sender never talked to the bot).
    reporter: Reporter | None = None
    # The sender's saved conversations by name (drafts live in private chats).
    drafts: dict[str, Draft] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A message or edit to deliver, written in the same transaction as the change that causes it.

    `kind` names the Bot API call (send_message, edit_message_text, copy_message, send_document,
    edit_card); `payload` holds its arguments as JSON. `link` names a message_links slot in which
    the sent message's id is recorded, so that later edits can find the message.
    """

    chat_id: int
    kind: str
    payload: dict[str, Any]
    report_id: int | None = None
    coalesce_key: str | None = None
    link: str | None = None
    not_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A stored outbox row waiting for (or done with) delivery."""

    id: int
    chat_id: int
    kind: str
    payload: dict[str, Any]
    report_id: int | None
    coalesce_key: str | None
    status: OutboxStatus
    attempts: int
    not_before: datetime
    last_error: str | None
    sent_message_id: int | None
    created_at: datetime
    sent_at: datetime | None
    # Refreshes folded into the row while pending; a sender that rendered an older one leaves
    # the row pending (storage/repo/outbox.py `mark_sent`).
    revision: int = 0
    # The file a send_document row sends (outbox_files), stored once for all its chats.
    document_id: int | None = None


@dataclass(frozen=True, slots=True)
class OutboxFile:
    """A queued document's bytes, and Telegram's file_id for them once uploaded."""

    id: int
    content: bytes
    telegram_file_id: str | None


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An audit row to write with a change."""

    at: datetime
    actor_kind: ActorKind
    actor_staff_id: int | None
    action: Action
    from_stage: Stage | None
    to_stage: Stage | None
    note: str | None = None
    data: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class NewAttachment:
    """A file a reporter (or staff) sent, as Telegram describes it."""

    kind: str
    file_id: str
    file_unique_id: str
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None
    caption: str | None = None
    source_chat_id: int | None = None
    source_message_id: int | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A stored file of a report."""

    id: int
    report_id: int
    event_id: int | None
    kind: str
    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    file_size: int | None
    caption: str | None
    source_chat_id: int | None
    source_message_id: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StaffPrompt:
    """A question the bot asked a staff member; their reply to it completes an action."""

    id: int
    chat_id: int
    message_id: int
    staff_id: int
    report_id: int
    action: Action
    version: int
    data: dict[str, Any] | None
    created_at: datetime


# --- what a use case hands to one write transaction (storage renders nothing, decides nothing) ---

# The id a use case gives a report it is about to file, in the messages it prepares for it: storage
# writes the new report's id in its place (in `report_id`, and as the last `:` part of
# `coalesce_key`, so that the card row "card:0" becomes "card:<id>").
UNFILED = 0


@dataclass(frozen=True, slots=True)
class Numbering:
    """How the next tracking number is made: the counter to bump and the number's template.

    bot.domain.tracking builds it (the prefix, the year in the office's zone); `template` takes
    the counter's new value, as in "NTT-2026-{:06d}".
    """

    counter: str
    template: str


@dataclass(frozen=True, slots=True)
class ReportChange:
    """One planned change of a report, written whole or not at all.

    It applies only while the report is still at `version` (the one it was planned on); the
    audit row, the files linked to it and the messages, rendered beforehand, go in the same
    transaction. `follow` names a report the changed report's reporter follows from now on (a
    duplicate's reporter follows the original).
    """

    report_id: int
    version: int
    values: dict[str, Any]
    event: NewEvent
    messages: Sequence[OutboxMessage] = ()
    attachments: Sequence[NewAttachment] = ()
    follow: int | None = None


@dataclass(frozen=True, slots=True)
class IdentityView:
    """One time a staff member was shown a reporter's identity (the access log)."""

    at: datetime
    report_number: str
    what: str
    viewer_telegram_id: int | None
    staff_name: str | None


@dataclass(frozen=True, slots=True)
class Erasure:
    """What erasing a reporter's personal data touched."""

    reporter_id: int
    reports: tuple[Report, ...]


@dataclass(frozen=True, slots=True)
class StaffQuery:
    """What a staff member looks for: a whole tracking number, or words and phrases.

    `number` is canonical (bot/domain/tracking.py); a number that matches no report is looked
    for as words too (a number typed in part, say). Each term is a word or a phrase of words.
    """

    number: str | None = None
    terms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StaffSearch:
    """What a staff search found, newest first.

    `newest_only`: the search of very common words looked at this many of the newest reports
    only and found less than a page there (older reports may match too); None otherwise.
    """

    reports: list[Report]
    newest_only: int | None = None
