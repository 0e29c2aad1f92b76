"""SQLAlchemy Core tables: the one description of the schema (migrations are generated from it)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from storage.crypto import Encrypted
from storage.types import EnumText, UtcDateTime
from storage.vocabulary import Action, ActorKind, Channel, OutboxStatus, ReportType, Role, Stage

# Stable constraint names so that migrations can refer to them on every backend.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Telegram ids exceed 32 bits; SQLite does not care, PostgreSQL does.
TgId = BigInteger().with_variant(Integer(), "sqlite")

reporters = Table(
    "reporters",
    metadata,
    Column("id", Integer, primary_key=True),
    # None for people recorded by staff (/catat) who have no Telegram.
    Column("telegram_user_id", TgId, nullable=True, unique=True),
    Column("language", String(5), nullable=False, server_default="id"),
    # Personal data, encrypted at rest (storage/crypto.py; migration 0005).
    Column("name", Encrypted),
    Column("phone", Encrypted),
    Column("address", Encrypted),
    Column("email", Encrypted),
    Column("id_photo_file_id", Encrypted),
    # When the reporter had their personal data erased (/hapus_data).
    Column("erased_at", UtcDateTime),
    Column("consent_at", UtcDateTime),
    Column("blocked_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

units = Table(
    "units",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(32)),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", UtcDateTime, nullable=False),
)

staff = Table(
    "staff",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("telegram_user_id", TgId, nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("role", EnumText(Role, 16), nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("added_by", TgId),
    # When the member first wrote to the bot privately: from then on it may message them there.
    Column("private_chat_at", UtcDateTime),
    # The approval level (1-based, the profile's order) this member approves; None: any level
    # of their role that nobody holds (migration 0003).
    Column("approval_level", Integer),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

staff_units = Table(
    "staff_units",
    metadata,
    Column("staff_id", ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
)


# Only open reports wait for a reminder: the sweep's index of end-to-end due times holds only
# them. An OR of equalities, so that the sweep's `stage = :stage` implies it.
_OPEN_STAGES = (
    "submitted",
    "disposed",
    "in_progress",
    "awaiting_approval",
    "needs_info",
    "answered",
)
_OPEN_PREDICATE = "(" + " OR ".join(f"stage = '{stage}'" for stage in _OPEN_STAGES) + ")"


reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("reporter_id", ForeignKey("reporters.id"), nullable=False),
    Column("channel", EnumText(Channel, 16), nullable=False),
    Column("type", EnumText(ReportType, 16), nullable=False),
    Column("category", String(64)),
    Column("subcategory", String(64)),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("event_date", Date),
    Column("location_text", String(500)),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("anonymous", Boolean, nullable=False, server_default="0"),
    Column("confidential", Boolean, nullable=False, server_default="0"),
    Column("stage", EnumText(Stage, 24), nullable=False),
    # The stage NEEDS_INFO returns to when the reporter answers.
    Column("resume_stage", EnumText(Stage, 24)),
    Column("unit_id", ForeignKey("units.id")),
    Column("assignee_id", ForeignKey("staff.id")),
    Column("duplicate_of_id", ForeignKey("reports.id")),
    Column("stage_started_at", UtcDateTime, nullable=False),
    Column("stage_due_at", UtcDateTime),
    Column("final_due_at", UtcDateTime),
    Column("screening", JSON),
    Column("rating", Integer),
    Column("rating_comment", Text),
    # The current answer's approval level (0 = none) and who approved earlier levels.
    Column("approval_level", Integer, nullable=False, server_default="0"),
    Column("approvers", JSON),
    Column("answer", Text),
    Column("answered_at", UtcDateTime),
    # Office time left on the clocks when NEEDS_INFO paused them, in seconds.
    Column("paused_stage_seconds", Integer),
    Column("paused_final_seconds", Integer),
    # Unused since migration 0011: the reminder marks are rows of sla_marks. Dropping a column
    # rewrites SQLite's whole table (12 s each at a million reports), so they stay, always NULL
    # for new reports, until a table rebuild drops them.
    Column("stage_warned_at", UtcDateTime),
    Column("stage_breached_at", UtcDateTime),
    Column("stage_escalated_at", UtcDateTime),
    Column("final_warned_at", UtcDateTime),
    Column("final_breached_at", UtcDateTime),
    Column("final_escalated_at", UtcDateTime),
    # Unused since migration 0015 (rows of sla_breaches), kept for the same reason as the marks'.
    Column("sla_breached_at", UtcDateTime),
    # The draft's key: submitting the same draft twice files one report.
    Column("submission_key", String(64), unique=True),
    # Bumped by every transition: a press carrying an older version is stale.
    Column("version", Integer, nullable=False, server_default="1"),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime),
    # When retention purged the personal data this report held (bot/services/privacy.py).
    Column("personal_purged_at", UtcDateTime),
    Index("ix_reports_stage_due", "stage", "stage_due_at"),
    Index("ix_reports_reporter_stage", "reporter_id", "stage"),
    Index("ix_reports_reporter_submitted", "reporter_id", "submitted_at"),
    Index("ix_reports_unit_stage", "unit_id", "stage"),
    # The SLA sweep reads open reports by stage and due time: ix_reports_stage_due for the stage
    # clock, this one for the end-to-end clock (open reports only).
    Index(
        "ix_reports_open_final_due",
        "stage",
        "final_due_at",
        sqlite_where=text(_OPEN_PREDICATE),
        postgresql_where=text(_OPEN_PREDICATE),
    ),
    # The daily recap counts new and answered reports of a day.
    Index("ix_reports_submitted_at", "submitted_at"),
    Index("ix_reports_answered_at", "answered_at"),
    # Duplicate search: open reports near a pin (a bounding box, storage/repo/search.py).
    Index("ix_reports_lat_lon", "latitude", "longitude"),
    # Retention: closed reports whose personal data is still to purge.
    Index(
        "ix_reports_closed_unpurged",
        "closed_at",
        sqlite_where=text("personal_purged_at IS NULL"),
        postgresql_where=text("personal_purged_at IS NULL"),
    ),
)

# The thresholds that fired (clock "stage" or "final"; mark "warned", "breached", "escalated"),
# each once: a stage change deletes its report's "stage" rows (storage/repo/reports.py). Narrow
# rows, so that a catch-up sweep inserts 25,000 of them instead of rewriting as many wide report
# rows (migration 0011, issue 15).
sla_marks = Table(
    "sla_marks",
    metadata,
    Column("report_id", ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("clock", String(8), primary_key=True),
    Column("mark", String(12), primary_key=True),
    Column("fired_at", UtcDateTime, nullable=False),
    sqlite_with_rowid=False,
)

# When a staff clock (a stage's or the end-to-end one) first ran out on a report: the register
# and the daily recap's "answered within the service level" share read it.
sla_breaches = Table(
    "sla_breaches",
    metadata,
    Column("report_id", ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("breached_at", UtcDateTime, nullable=False),
    sqlite_with_rowid=False,
)

report_events = Table(
    "report_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_kind", EnumText(ActorKind, 16), nullable=False),
    Column("actor_staff_id", ForeignKey("staff.id")),
    Column("action", EnumText(Action, 32), nullable=False),
    Column("from_stage", EnumText(Stage, 24)),
    Column("to_stage", EnumText(Stage, 24)),
    Column("note", Text),
    Column("data", JSON),
    Index("ix_report_events_report", "report_id", "id"),
)

# Citizens who support another reporter's open report ("saya juga mengalami ini"): they hear
# about its status changes as the reporter does. The text search over open reports (FTS5) is
# hand-written in migration 0002, not described here.
report_followers = Table(
    "report_followers",
    metadata,
    Column("report_id", ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("reporter_id", ForeignKey("reporters.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_report_followers_reporter", "reporter_id"),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", ForeignKey("report_events.id")),
    Column("kind", String(16), nullable=False),  # photo | document | video | voice | audio
    Column("file_id", String(200), nullable=False),
    Column("file_unique_id", String(100), nullable=False),
    Column("file_name", String(255)),
    Column("mime_type", String(100)),
    Column("file_size", Integer),
    Column("caption", Text),
    # Where the file came from, so that it can be re-sent with copyMessage.
    Column("source_chat_id", TgId),
    Column("source_message_id", Integer),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_attachments_report", "report_id"),
)

drafts = Table(
    "drafts",
    metadata,
    Column("telegram_user_id", TgId, primary_key=True),
    Column("conversation", String(32), primary_key=True),
    Column("step", String(32), nullable=False),
    Column("data", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # The update whose answer this save holds: a replay after a crash skips it (issue 14).
    Column("last_update_id", TgId),
    # Start-up reads one conversation's drafts; housekeeping finds the abandoned ones by age.
    Index("ix_drafts_conversation_updated", "conversation", "updated_at"),
)

# A sequence per name (tracking-number prefix and year), bumped inside the submitting transaction.
counters = Table(
    "counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Integer, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat_id", TgId, nullable=False),
    Column("kind", String(24), nullable=False),
    Column("payload", JSON, nullable=False),
    # Pending rows with the same key are one message: a newer edit replaces the older one.
    Column("coalesce_key", String(64)),
    Column("report_id", ForeignKey("reports.id", ondelete="SET NULL")),
    Column("status", EnumText(OutboxStatus, 12), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("not_before", UtcDateTime, nullable=False),
    Column("last_error", Text),
    Column("sent_message_id", Integer),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    # Bumped each time a newer refresh is folded into the pending row (see `mark_sent`).
    Column("revision", Integer, nullable=False, server_default="0"),
    # The file a send_document row sends (outbox_files): stored once for every chat it goes to.
    Column("document_id", Integer),
    Index("ix_outbox_status_due", "status", "not_before"),
    Index("ix_outbox_coalesce", "coalesce_key", "status"),
    Index("ix_outbox_chat", "chat_id", "status", "id"),
    Index(
        "ix_outbox_document",
        "document_id",
        sqlite_where=text("document_id IS NOT NULL"),
        postgresql_where=text("document_id IS NOT NULL"),
    ),
)

# A queued document's bytes, once however many chats it goes to; Telegram's file_id once it has
# been uploaded, so that the next chat gets it without another upload.
outbox_files = Table(
    "outbox_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("content", LargeBinary, nullable=False),
    Column("telegram_file_id", String(255)),
    Column("created_at", UtcDateTime, nullable=False),
)

# Messages the bot sent that later messages must refer to (a report's card, its thread).
message_links = Table(
    "message_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    Column("slot", String(32), nullable=False),
    Column("chat_id", TgId, nullable=False),
    Column("message_id", Integer, nullable=False),
    UniqueConstraint("report_id", "slot", "chat_id", name="uq_message_links_slot"),
    Index("ix_message_links_message", "chat_id", "message_id"),
)

# A question the bot asked a staff member (ForceReply): their reply completes the action, even
# after a restart. Keyed by the prompt message, so a reply finds its prompt.
staff_prompts = Table(
    "staff_prompts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat_id", TgId, nullable=False),
    Column("message_id", Integer, nullable=False),
    Column("staff_id", ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
    Column("report_id", ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    Column("action", EnumText(Action, 32), nullable=False),
    # The report's version when the prompt was asked: a reply to an outdated prompt is stale.
    Column("version", Integer, nullable=False),
    Column("data", JSON),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("chat_id", "message_id", name="uq_staff_prompts_message"),
)

# Every update, stored before Telegram is told it arrived, until its handlers have run (then its
# payload is cleared); keyed by bot too, so that one database can serve two bots.
inbound_updates = Table(
    "inbound_updates",
    metadata,
    Column("bot_id", TgId, primary_key=True),
    Column("update_id", TgId, primary_key=True),
    Column("payload", JSON),
    Column("received_at", UtcDateTime, nullable=False),
    Column("handled_at", UtcDateTime),
    Index("ix_inbound_updates_open", "bot_id", "handled_at"),
    Index("ix_inbound_updates_received", "received_at"),
)

# Small runtime values that outlive a restart (the staff group's id after a migration, ...).
settings_kv = Table(
    "settings_kv",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# The access log: every time a staff member was shown a reporter's identity (the card or the
# private details with name and phone), for supervisors to read with /log_akses.
identity_views = Table(
    "identity_views",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    Column("staff_id", ForeignKey("staff.id", ondelete="SET NULL")),
    # Who saw it: the staff member's Telegram id, or None for the shared group card.
    Column("viewer_telegram_id", TgId),
    Column("what", String(32), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_identity_views_at", "at"),
    Index("ix_identity_views_report", "report_id", "at"),
)

# The office's screening decisions as labels (issue 13): a report rejected as hate speech, SARA or
# abuse, or a screened one let through; `python -m bot screen train --with-decisions` reads them.
screening_labels = Table(
    "screening_labels",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", ForeignKey("reports.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("text", Text, nullable=False),
    Column("sara", Boolean, nullable=False),
    Column("abusive", Boolean, nullable=False),
    Column("decision", String(32), nullable=False),
    Column("staff_id", ForeignKey("staff.id", ondelete="SET NULL")),
    Column("created_at", UtcDateTime, nullable=False),
)
