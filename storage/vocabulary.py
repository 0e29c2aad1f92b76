"""The values a report's life is stored in: stages, actions, roles, types, channels, actors.

They are what the database holds and what a profile names, so renaming a value is a data
migration. They live in storage so that its typed rows can carry them without importing from
bot/; bot.domain.vocabulary re-exports them with the rules built on them (which stages are open,
which actions are the reporter's).
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """Where a report is in its life (docs/architecture.md §3)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    DISPOSED = "disposed"
    IN_PROGRESS = "in_progress"
    AWAITING_APPROVAL = "awaiting_approval"
    NEEDS_INFO = "needs_info"
    ANSWERED = "answered"
    CLOSED = "closed"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


class Action(StrEnum):
    """A transition (or a note or an extension) someone performs on a report."""

    SUBMIT = "submit"
    DISPOSE = "dispose"
    ANSWER_INFO = "answer_info"
    RECLASSIFY = "reclassify"
    REJECT = "reject"
    MARK_DUPLICATE = "mark_duplicate"
    ASK_INFO = "ask_info"
    PROVIDE_INFO = "provide_info"
    # Staff record what a reporter without Telegram said, or that they tried to reach them.
    RECORD_INFO = "record_info"
    RECORD_CONTACT = "record_contact"
    ACCEPT = "accept"
    RETURN_TO_TRIAGE = "return_to_triage"
    REASSIGN = "reassign"
    ANSWER = "answer"
    APPROVE = "approve"
    SEND_BACK = "send_back"
    RATE = "rate"
    DISPUTE = "dispute"
    CLOSE = "close"
    WITHDRAW = "withdraw"
    EXTEND = "extend"
    NOTE = "note"


class Role(StrEnum):
    """A staff member's role; which actions each role may perform is the profile's."""

    OPERATOR = "operator"
    LIAISON = "liaison"
    SUPERVISOR = "supervisor"
    VIEWER = "viewer"


class ReportType(StrEnum):
    """What the citizen brings: a complaint, an aspiration or a request for information."""

    PENGADUAN = "pengaduan"
    ASPIRASI = "aspirasi"
    INFORMASI = "informasi"


class Channel(StrEnum):
    """How a report reached the office; staff record reports that did not come through the bot."""

    TELEGRAM = "telegram"
    TATAP_MUKA = "tatap_muka"
    KOTAK_SARAN = "kotak_saran"
    SURAT = "surat"
    TELEPON = "telepon"
    EMAIL = "email"
    MEDIA_SOSIAL = "media_sosial"
    SMS = "sms"
    LAPOR = "lapor"
    WEBSITE = "website"  # the office's own web form (seed 003)


class ActorKind(StrEnum):
    """Who acts: the reporter, a staff member, or the bot itself (timeouts)."""

    REPORTER = "reporter"
    STAFF = "staff"
    SYSTEM = "system"


class OutboxStatus(StrEnum):
    """Where an outbox message is: waiting (or retrying), delivered, given up, or dropped."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    # Given up by an operator (python -m bot outbox drop): kept for the record, never sent.
    DROPPED = "dropped"
