"""Reminder digests: one message per recipient per sweep, never one message per report.

The staff group hears about every threshold that fired; the holder of each report (the unit's
liaisons, the operators while it waits for triage, the approver while it waits for approval: the
holder of the current level where the profile names its levels and someone holds it) and,
for escalations, the supervisors hear about theirs privately, where they have started the bot.
A long digest shows the counts and the most urgent reports and carries the full list as a CSV file
(one sendDocument whose caption is the summary), so that it is still one message.
"""

from __future__ import annotations

import codecs
import csv
import html
import operator
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.domain.deadlines import clock_level
from bot.domain.thresholds import Threshold
from bot.domain.vocabulary import Action, Role, Stage
from bot.domain.workflow import approver_role
from bot.services.container import Services
from bot.services.pacing import Pacer
from storage.models import OutboxMessage
from storage.repo.base import DOCUMENT_FILE
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


# Not frozen, as the sweep's records (storage/repo/sla.py SlaRow): 26,000 at a catch-up.
@dataclass(slots=True)
class Alert:
    """One threshold that fired on one report's clock in this sweep (not changed once made)."""

    row: SlaRow
    clock: ClockName
    threshold: Threshold
    due: datetime
    # The sort key, computed once (a catch-up sorts tens of thousands): see `urgency`.
    rank: tuple[int, datetime, str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Compute the sort key while the alert is made (a batch at a time)."""
        self.rank = (-self.threshold, self.due, self.row.number)

    def urgency(self) -> tuple[int, datetime, str]:
        """Return a sort key: escalations first, then breaches, then warnings; oldest due first."""
        return self.rank


@dataclass
class Recipient:
    """A chat a digest goes to, in its language."""

    chat_id: int
    language: str
    in_group: bool
    alerts: list[Alert] = field(default_factory=list)
    # How many alerts of each kind (Threshold.key) `alerts` holds.
    counts: dict[str, int] = field(default_factory=dict)


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
    """Return who hears about which alerts: the group, holders and supervisors privately.

    Each recipient's alerts keep the order of `alerts` (the sweep passes them most urgent
    first).
    """
    audience = _Audience(svc, staff)
    audience.take(alerts)
    return audience.recipients()


class _Audience:
    """Recipients and their alerts, built a chunk of alerts at a time.

    Who hears about an alert depends only on the report's stage, approval level and unit and on
    the threshold: an alert is filed under that class, and who hears about a class is worked
    out once. Recipients who hear about the same classes (the group, the supervisors, the
    liaisons of one unit) get one list of alerts, shared (`Recipient.alerts` is not to be
    changed).
    """

    def __init__(self, svc: Services, staff: Sequence[StaffContact]) -> None:
        self.svc = svc
        self.staff = staff
        self.by_chat: dict[int, Recipient] = {}
        self.reachable = [p for p in staff if p.reachable]
        self.group = (
            self._recipient(svc.staff_chat_id, "id", True)
            if svc.staff_chat_id is not None
            else None
        )
        self.supervisors = [
            self._recipient(p.telegram_user_id, p.language, False)
            for p in self.reachable
            if p.role == Role.SUPERVISOR
        ]
        self.holders_of: dict[tuple[str, int, int | None], list[Recipient]] = {}
        # Per class (stage, approval level, unit, threshold): its number.
        self.classes: dict[tuple[str, int, int | None, Threshold], int] = {}
        self.kind_of: list[str] = []  # per class: the threshold's key
        self.count_of: list[int] = []  # per class: how many alerts it has
        self.members: dict[int, set[int]] = {}  # per chat: the classes it hears about
        self.alerts: list[Alert] = []
        self.class_of: list[int] = []  # per alert of self.alerts: its class

    def _recipient(self, chat_id: int, language: str, in_group: bool) -> Recipient:
        who = self.by_chat.get(chat_id)
        if who is None:
            who = self.by_chat[chat_id] = Recipient(chat_id, language, in_group)
        return who

    def _holders(self, row: SlaRow) -> list[Recipient]:
        key = (row.stage, row.approval_level, row.unit_id)
        holders = self.holders_of.get(key)
        if holders is None:
            roles = holder_roles(self.svc, row)
            level = level_holders(self.svc, row, self.staff)
            holders = self.holders_of[key] = [
                self._recipient(p.telegram_user_id, p.language, False)
                for p in self.reachable
                if _holds(p, roles, row) and (not level or p.id in level)
            ]
        return holders

    def _class(self, alert: Alert) -> int:
        row = alert.row
        key = (row.stage, row.approval_level, row.unit_id, alert.threshold)
        number = self.classes.get(key)
        if number is None:
            number = self.classes[key] = len(self.kind_of)
            self.kind_of.append(alert.threshold.key)
            self.count_of.append(0)
            chats = [] if self.group is None else [self.group]
            chats += self._holders(row)
            if alert.threshold is Threshold.ESCALATE:
                chats += self.supervisors
            for who in chats:
                self.members.setdefault(who.chat_id, set()).add(number)
        return number

    def take(self, alerts: Iterable[Alert]) -> None:
        """File each alert under its class (the order of `alerts` is kept)."""
        chunk = list(alerts)
        classes, class_of, count_of = self.classes, self.class_of, self.count_of
        for alert in chunk:
            row = alert.row
            number = classes.get((row.stage, row.approval_level, row.unit_id, alert.threshold))
            if number is None:
                number = self._class(alert)
            class_of.append(number)
            count_of[number] += 1
        self.alerts.extend(chunk)

    def recipients(self) -> list[Recipient]:
        """Return the recipients that have alerts, in the order they were first met."""
        lists: dict[frozenset[int], tuple[list[Alert], dict[str, int]]] = {}
        everything = frozenset(range(len(self.kind_of)))
        found = []
        for who in self.by_chat.values():
            heard = frozenset(self.members.get(who.chat_id, ()))
            if not heard:
                continue
            shared = lists.get(heard)
            if shared is None:
                if heard == everything:
                    chosen = self.alerts
                else:
                    chosen = [
                        a for a, c in zip(self.alerts, self.class_of, strict=True) if c in heard
                    ]
                counts: dict[str, int] = {}
                for number in heard:
                    kind = self.kind_of[number]
                    counts[kind] = counts.get(kind, 0) + self.count_of[number]
                shared = lists[heard] = (chosen, counts)
            who.alerts, who.counts = shared
            found.append(who)
        return found


async def digest_messages(
    svc: Services,
    alerts: Sequence[Alert],
    staff: Sequence[StaffContact],
    unit_names: dict[int, str],
    now: datetime,
) -> list[OutboxMessage]:
    """Return one digest per recipient, held until the office opens when it is closed.

    Thousands of alerts take a while to render, so this rests every few milliseconds of work
    (bot/services/pacing.py: updates are answered meanwhile); a report's CSV line is rendered
    once per language and audience, however many recipients carry it.
    """
    # The sweep may have started just before closing: hold by the time of queueing as well.
    hold_until = svc.calendar.next_opening(max(now, svc.clock()))
    ordered = sorted(alerts, key=_RANK)
    audience = _Audience(svc, staff)
    pacer = Pacer(svc.settings.sla_sweep_pause_seconds)
    for start in range(0, len(ordered), _CHUNK):
        await pacer.breathe()
        audience.take(ordered[start : start + _CHUNK])
    lines = _Lines(svc, unit_names, pacer)
    messages = []
    # Recipients who share their alerts (`_Audience`) and language get the same digest.
    made: dict[tuple[str, bool, int], tuple[Sequence[Alert], OutboxMessage]] = {}
    for who in audience.recipients():
        await pacer.breathe()
        key = (who.language, who.in_group, id(who.alerts))
        same = made.get(key)
        if same is not None and same[0] is who.alerts:
            message = replace(same[1], chat_id=who.chat_id, payload=dict(same[1].payload))
        else:
            message = await render_digest(svc, who, lines, now, hold_until)
            made[key] = (who.alerts, message)
        messages.append(message)
    return messages


_RANK = operator.attrgetter("rank")
# Alerts handled between two looks at the pacer's clock.
_CHUNK = 50


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


async def render_digest(
    svc: Services,
    who: Recipient,
    lines: _Lines,
    now: datetime,
    hold_until: datetime,
) -> OutboxMessage:
    """Return one recipient's digest: a message, or a CSV file with the summary as caption.

    `who.alerts` come most urgent first (see `recipients`). A file is stored at once
    (`store_document`, its own transaction) and the digest names it by id: a catch-up's nine
    files are 12.5 MB, and this way the sweep holds one at a time.
    """
    settings = svc.settings
    lang = who.language
    alerts = who.alerts
    counts = {t.key: who.counts.get(t.key, 0) for t in Threshold}
    values = {"now": now, "total": len(alerts), "counts": counts, "in_group": who.in_group}
    unit_names = lines.unit_names
    if len(alerts) <= settings.sla_digest_inline_max:
        items = [_item(svc, a, lang, who.in_group, unit_names) for a in alerts]
        text = svc.renderer.render(lang, TEMPLATE, items=items, has_file=False, **values)
        if _visible_length(text) <= MESSAGE_LIMIT:
            return OutboxMessage(
                chat_id=who.chat_id,
                kind="send_message",
                payload={"text": text},
                not_before=hold_until,
            )
    top = settings.sla_digest_top
    items = [_item(svc, a, lang, who.in_group, unit_names) for a in alerts[:top]]
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
            DOCUMENT_FILE: await svc.repo.store_document(
                await lines.csv(lang, who.in_group, alerts)
            ),
            "filename": svc.renderer.label(
                lang, "sla.file_name", stamp=local.strftime("%Y%m%d-%H%M")
            ),
        },
        not_before=hold_until,
    )


_CSV_COLUMNS = ("number", "kind_name", "clock_name", "stage_name", "unit_name", "due", "full_title")


class _Lines:
    """The CSV lines of one sweep's alerts, each rendered once per language and audience."""

    def __init__(self, svc: Services, unit_names: dict[int, str], pacer: Pacer) -> None:
        self.svc = svc
        self.unit_names = unit_names
        self.pacer = pacer
        # Per language and audience (in the group or not): each alert's line, by id(alert),
        # encoded: the files are joined from them as bytes (no str of megabytes, no copy).
        self._lines: dict[tuple[str, bool], dict[int, bytes]] = {}
        self._label_cache: dict[str, dict[str, str]] = {}
        self._cells: dict[str, _Cells] = {}
        # writerow returns what the file's write returns: here the line itself.
        self._line = csv.writer(_Echo()).writerow

    def _label(self, lang: str, key: str) -> str:
        labels = self._label_cache.setdefault(lang, {})
        text = labels.get(key)
        if text is None:
            text = labels[key] = self.svc.renderer.label(lang, key)
        return text

    async def csv(self, lang: str, in_group: bool, alerts: Sequence[Alert]) -> bytes:
        """Return the CSV file of these alerts, with a header in `lang`: UTF-8, its bytes.

        Recipients with the same alerts (the liaisons of one unit, the supervisors) share one
        list of them (`_Audience`) and one file: `digest_messages` builds it once.
        """
        lines = self._lines.setdefault((lang, in_group), {})
        # A line is the same for the group and for private chats unless the report is
        # confidential (its title stays out of the group): the other audience's is reused.
        other = self._lines.get((lang, not in_group), {})
        missing = [a for a in alerts if id(a) not in lines]
        cells = self._cells.get(lang)
        if cells is None:
            cells = self._cells[lang] = _Cells(self.svc, lang, self.unit_names)
        kinds, clocks, stages, units, dues = (
            cells.kinds,
            cells.clocks,
            cells.stages,
            cells.units,
            cells.dues,
        )
        for n, alert in enumerate(missing, 1):
            row = alert.row
            key = id(alert)
            line = None if row.confidential else other.get(key)
            if line is None:
                stage = stages.get(row.stage) or cells.stage(row.stage)
                due = dues.get(alert.due) or cells.due(alert.due)
                unit = units.get(row.unit_id, "") if row.unit_id is not None else ""
                title = "" if in_group and row.confidential else csv_cell(row.title)
                # The same columns as _item's, without building the item.
                line = (
                    f"{csv_cell(row.number)},{kinds[alert.threshold]},{clocks[alert.clock]},"
                    f"{stage},{unit},{due},{title}\r\n"
                ).encode()
            lines[key] = line
            if n % _CHUNK == 0:
                await self.pacer.breathe()
        header = self._line([self._label(lang, f"sla.csv.{c}") for c in _CSV_COLUMNS]).encode()
        # A byte-order mark, so that spreadsheet programs read the file as UTF-8.
        return b"".join([codecs.BOM_UTF8, header, *map(lines.__getitem__, map(id, alerts))])


class _Cells:
    """One language's CSV cells that repeat from line to line, each formatted and quoted once.

    Kinds, clocks, stages and units are a handful; due times repeat too (most are the closing
    time of a working day: about 750 distinct ones for 21,000 overdue reports).
    """

    def __init__(self, svc: Services, lang: str, unit_names: dict[int, str]) -> None:
        label = svc.renderer.label
        self.label = lambda key: label(lang, key)
        self.kinds = {t: csv_cell(self.label(f"sla.kind.{t.key}")) for t in Threshold}
        self.clocks = {c: csv_cell(self.label(f"sla.clock.{c}")) for c in ("stage", "final")}
        self.units = {u: csv_cell(name) for u, name in unit_names.items()}
        self.stages: dict[str, str] = {}
        self.dues: dict[datetime, str] = {}
        self.format_due = svc.renderer.datetime_formatter(lang)

    def stage(self, stage: str) -> str:
        """Return (and remember) a stage's cell."""
        cell = self.stages[stage] = csv_cell(self.label(f"staff_stage.{stage}"))
        return cell

    def due(self, due: datetime) -> str:
        """Return (and remember) a due time's cell."""
        cell = self.dues[due] = csv_cell(self.format_due(due))
        return cell


def csv_cell(text: str) -> str:
    """Return one CSV cell as Python's csv.writer writes it (its default, Excel's dialect).

    Quoted only when it must be (a comma, a quote, a line break), quotes doubled. A catch-up
    writes 25,000 lines: writerow with a list per line was twice the cost of this.
    """
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


class _Echo:
    """A file whose write returns the text it is given (csv.writer then returns each line)."""

    @staticmethod
    def write(text: str) -> str:
        """Return the text (nothing is stored)."""
        return text


_TAG = re.compile(r"<[^>]+>")


def _visible_length(text: str) -> int:
    """Return the length Telegram counts for an HTML text: without tags, entities decoded."""
    return len(html.unescape(_TAG.sub("", text)))
