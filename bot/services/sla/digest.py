"""Reminder digests: one message per recipient per sweep, never one message per report.

The staff group hears about every threshold that fired; the holder of each report (the unit's
liaisons, the operators while it waits for triage, the approver while it waits for approval: the
holder of the current level where the profile names its levels and someone holds it) and,
for escalations, the supervisors hear about theirs privately, where they have started the bot.
A long digest shows the counts and the most urgent reports and carries the full list as a CSV file
(one sendDocument whose caption is the summary), so that it is still one message.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.domain.deadlines import clock_level
from bot.domain.thresholds import Threshold
from bot.domain.vocabulary import Action, Role, Stage
from bot.domain.workflow import approver_role
from bot.services.container import Services
from storage.models import OutboxMessage
from storage.repo.sla import ClockName, SlaRow, StaffContact

TEMPLATE = "digest_staff"
CAPTION_LIMIT = 1024
MESSAGE_LIMIT = 4096
TITLE_PREVIEW = 60

# The action whose roles hold a report at each stage (approval is per level, below).
_HOLDER_ACTION = {
    Stage.SUBMITTED: Action.DISPOSE,
    Stage.DISPOSED: Action.ACCEPT,
    Stage.IN_PROGRESS: Action.ANSWER,
}


@dataclass(frozen=True, slots=True)
class Alert:
    """One threshold that fired on one report's clock in this sweep."""

    row: SlaRow
    clock: ClockName
    threshold: Threshold
    due: datetime

    def urgency(self) -> tuple[int, datetime, str]:
        """Return a sort key: escalations first, then breaches, then warnings; oldest due first."""
        return (-int(self.threshold), self.due, self.row.number)


@dataclass
class Recipient:
    """A chat a digest goes to, in its language."""

    chat_id: int
    language: str
    in_group: bool
    alerts: list[Alert] = field(default_factory=list)


def holder_roles(svc: Services, row: SlaRow) -> set[Role]:
    """Return the roles that hold a report at its stage (supervisors only where no one else)."""
    stage = Stage(row.stage)
    if stage is Stage.AWAITING_APPROVAL:
        role = approver_role(svc.profile, row.approval_level)
        return {role} if role is not None else set()
    action = _HOLDER_ACTION.get(stage)
    if action is None:
        return set()
    roles = set(svc.profile.permissions.roles(action))
    if len(roles) > 1:
        roles.discard(Role.SUPERVISOR)  # supervisors hear about escalations
    return roles


def level_holders(svc: Services, row: SlaRow, staff: Iterable[StaffContact]) -> set[int]:
    """Return who holds the approval level a report waits at (none: the level's role at large)."""
    level = row.approval_level
    role = approver_role(svc.profile, level)
    if Stage(row.stage) is not Stage.AWAITING_APPROVAL or not svc.profile.steps.approval_names:
        return set()
    return {p.id for p in staff if p.approval_level == level and p.role == role}


def _holds(person: StaffContact, roles: set[Role], row: SlaRow) -> bool:
    if person.role not in roles:
        return False
    return person.role != Role.LIAISON or (
        row.unit_id is not None and row.unit_id in person.unit_ids
    )


def recipients(
    svc: Services, alerts: Iterable[Alert], staff: Sequence[StaffContact]
) -> list[Recipient]:
    """Return who hears about which alerts: the group, holders and supervisors privately."""
    by_chat: dict[int, Recipient] = {}
    group = svc.staff_chat_id
    reachable = [p for p in staff if p.reachable]
    supervisors = [p for p in reachable if p.role == Role.SUPERVISOR]

    def add(chat_id: int, language: str, in_group: bool, alert: Alert) -> None:
        who = by_chat.setdefault(chat_id, Recipient(chat_id, language, in_group))
        if not who.alerts or who.alerts[-1] is not alert:
            who.alerts.append(alert)

    for alert in alerts:
        if group is not None:
            add(group, "id", True, alert)
        roles = holder_roles(svc, alert.row)
        holders = level_holders(svc, alert.row, staff)
        for person in reachable:
            if _holds(person, roles, alert.row) and (not holders or person.id in holders):
                add(person.telegram_user_id, person.language, False, alert)
        if alert.threshold is Threshold.ESCALATE:
            for person in supervisors:
                add(person.telegram_user_id, person.language, False, alert)
    return list(by_chat.values())


def digest_messages(
    svc: Services,
    alerts: Sequence[Alert],
    staff: Sequence[StaffContact],
    unit_names: dict[int, str],
    now: datetime,
) -> list[OutboxMessage]:
    """Return one digest per recipient, held until the office opens when it is closed."""
    # The sweep may have started just before closing: hold by the time of queueing as well.
    hold_until = svc.calendar.next_opening(max(now, svc.clock()))
    return [
        render_digest(svc, who, unit_names, now, hold_until)
        for who in recipients(svc, alerts, staff)
        if who.alerts
    ]


def _item(
    svc: Services, alert: Alert, lang: str, in_group: bool, unit_names: dict[int, str]
) -> dict[str, Any]:
    row = alert.row
    # A confidential report's content stays out of the shared group (docs/architecture.md §3).
    title = None if in_group and row.confidential else row.title
    if title is not None and len(title) > TITLE_PREVIEW:
        title = title[: TITLE_PREVIEW - 1].rstrip() + "…"
    label = svc.renderer.label
    return {
        "number": row.number,
        "title": title,
        "full_title": None if in_group and row.confidential else row.title,
        "stage_name": label(lang, f"staff_stage.{row.stage}"),
        "unit_name": unit_names.get(row.unit_id) if row.unit_id is not None else None,
        "kind": alert.threshold.key,
        "kind_name": label(lang, f"sla.kind.{alert.threshold.key}"),
        "clock": alert.clock,
        "clock_name": label(lang, f"sla.clock.{alert.clock}"),
        "due": alert.due,
        # "Tentatif" [S000 L48-50]: the date is indicative, not a promise.
        "tentative": bool(
            (level := clock_level(svc.profile, alert.clock, row.stage, row.channel))
            and level.tentative
        ),
    }


def render_digest(
    svc: Services,
    who: Recipient,
    unit_names: dict[int, str],
    now: datetime,
    hold_until: datetime,
) -> OutboxMessage:
    """Return one recipient's digest: a message, or a CSV file with the summary as caption."""
    settings = svc.settings
    lang = who.language
    alerts = sorted(who.alerts, key=Alert.urgency)
    items = [_item(svc, a, lang, who.in_group, unit_names) for a in alerts]
    counts = defaultdict(int, {t.key: 0 for t in Threshold})
    for alert in alerts:
        counts[alert.threshold.key] += 1
    values = {"now": now, "total": len(items), "counts": dict(counts), "in_group": who.in_group}
    if len(items) <= settings.sla_digest_inline_max:
        text = svc.renderer.render(lang, TEMPLATE, items=items, has_file=False, **values)
        if _visible_length(text) <= MESSAGE_LIMIT:
            return OutboxMessage(
                chat_id=who.chat_id,
                kind="send_message",
                payload={"text": text},
                not_before=hold_until,
            )
    top = settings.sla_digest_top
    while True:
        caption = svc.renderer.render(lang, TEMPLATE, items=items[:top], has_file=True, **values)
        if _visible_length(caption) <= CAPTION_LIMIT or top == 0:
            break
        top -= 1
    local = svc.calendar.local(now)
    return OutboxMessage(
        chat_id=who.chat_id,
        kind="send_document",
        payload={
            "caption": caption,
            "document_text": _csv(svc, lang, items),
            "filename": svc.renderer.label(
                lang, "sla.file_name", stamp=local.strftime("%Y%m%d-%H%M")
            ),
        },
        not_before=hold_until,
    )


def _csv(svc: Services, lang: str, items: list[dict[str, Any]]) -> str:
    label = svc.renderer.label
    columns = ("number", "kind_name", "clock_name", "stage_name", "unit_name", "due", "full_title")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label(lang, f"sla.csv.{c}") for c in columns])
    for item in items:
        due = svc.renderer.format_datetime(item["due"], lang)
        writer.writerow([due if c == "due" else (item[c] or "") for c in columns])
    # A byte-order mark so that spreadsheet programs read the file as UTF-8.
    return "\ufeff" + out.getvalue()


_TAG = re.compile(r"<[^>]+>")


def _visible_length(text: str) -> int:
    """Return the length Telegram counts for an HTML text: without tags, entities decoded."""
    return len(html.unescape(_TAG.sub("", text)))
