"""The shared vocabulary of a report's life: stages, actions, roles, report types and channels.

Values are lower-case strings; they are what the database stores and what a profile names, so
renaming a value is a data migration. Nothing here knows about Telegram or SQL.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """Where a report is in its life (DESIGN.md section 3)."""

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


# A report is open from submission until it is closed, rejected or marked duplicate. ANSWERED is
# open: the reporter may still rate or dispute it. DRAFT is neither open nor terminal.
TERMINAL_STAGES: frozenset[Stage] = frozenset({Stage.CLOSED, Stage.REJECTED, Stage.DUPLICATE})
OPEN_STAGES: frozenset[Stage] = frozenset(Stage) - TERMINAL_STAGES - {Stage.DRAFT}

# The reporter's own actions: no staff role performs them, so a profile's permissions omit them.
REPORTER_ACTIONS: frozenset[Action] = frozenset(
    {Action.SUBMIT, Action.PROVIDE_INFO, Action.RATE, Action.DISPUTE, Action.WITHDRAW}
)
# Everything else is done by staff, in the roles the profile's permissions name.
STAFF_ACTIONS: frozenset[Action] = frozenset(Action) - REPORTER_ACTIONS
