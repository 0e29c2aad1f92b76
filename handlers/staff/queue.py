"""Staff lookups in their private chat with the bot: /antrian, /cari, /lihat and /riwayat."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.domain import access
from bot.domain.tracking import normalize_number
from bot.domain.vocabulary import OPEN_STAGES, Role, Stage
from bot.services.container import Services
from bot.services.staff_actions import private_detail
from bot.telegram.cards import history_lines
from handlers.common import Context, kick_outbox, message_of, services
from handlers.staff.common import STAFF_LANG, acting_member, alert_text
from storage.models import Report, StaffMember, StaffQuery

# Reports per /antrian page: 10 rows of at most ~300 characters each.
QUEUE_PAGE = 10

# What waits for each role (liaisons: at their own units only).
QUEUES: dict[Role, frozenset[Stage]] = {
    Role.OPERATOR: frozenset({Stage.SUBMITTED, Stage.ANSWERED}),
    Role.SUPERVISOR: frozenset({Stage.SUBMITTED, Stage.AWAITING_APPROVAL}),
    Role.LIAISON: frozenset({Stage.DISPOSED, Stage.IN_PROGRESS}),
    Role.VIEWER: OPEN_STAGES,
}


async def _reply(update: Update, context: Context, template: str, **values: object) -> None:
    text = services(context).renderer.render(STAFF_LANG, template, **values)
    await message_of(update).reply_text(text)


async def _member(update: Update, context: Context) -> StaffMember | None:
    """Return the staff member asking, or tell them why they may not."""
    member = await acting_member(update, context)
    if isinstance(member, str):
        await message_of(update).reply_text(alert_text(services(context), member))
        return None
    return member


def _rows(svc: Services, member: StaffMember, reports: list[Report]) -> list[dict[str, object]]:
    return [
        {
            "report": r,
            "readable": access.may_read(member, r),
            "stage_name": svc.renderer.label(STAFF_LANG, f"staff_stage.{r.stage}"),
        }
        for r in reports
    ]


def page_number(args: list[str] | None) -> int:
    """Return the page a command asks for (`/antrian 2`); anything else is the first page."""
    text = " ".join(args or []).strip()
    return int(text) if text.isdecimal() and 0 < int(text) < 10_000 else 1


async def queue(update: Update, context: Context) -> None:
    """List the reports that wait for this staff member, by role and unit, a page at a time."""
    member = await _member(update, context)
    if member is None:
        return
    svc = services(context)
    role = member.role
    units = member.unit_ids if role is Role.LIAISON else None
    stages = [s.value for s in QUEUES[role]]
    total = await svc.repo.count_in(stages, unit_ids=units)
    # A page stays well under Telegram's 4096 characters even with 200-character titles.
    pages = max(1, -(-total // QUEUE_PAGE))
    page = min(page_number(context.args), pages)
    reports = await svc.repo.reports_in(
        stages, unit_ids=units, limit=QUEUE_PAGE, offset=(page - 1) * QUEUE_PAGE
    )
    await _reply(
        update,
        context,
        "staff_reports",
        kind="queue",
        rows=_rows(svc, member, reports),
        page=page,
        pages=pages,
        total=total,
    )


# A phrase in straight or curly double quotes, or one word.
_TERM = re.compile(r'"([^"]*)"|(\S+)')
_CURLY = str.maketrans("\u201c\u201d", '""')


def search_query(text: str) -> StaffQuery:
    """Read what `/cari` was given: a whole tracking number, or words and "quoted phrases"."""
    plain = text.translate(_CURLY).strip()
    terms = tuple(
        term
        for phrase, word in _TERM.findall(plain)
        if (term := " ".join((phrase or word).split()))
    )
    return StaffQuery(number=normalize_number(plain), terms=terms)


async def search(update: Update, context: Context) -> None:
    """Find reports by their number, or by words in their title, text or place."""
    member = await _member(update, context)
    if member is None:
        return
    query = search_query(" ".join(context.args or []))
    if query.number is None and not query.terms:
        await _reply(update, context, "staff_usage", command="cari")
        return
    svc = services(context)
    # A `rahasia` report is found only by those who may read it: its words are its content.
    # As many as a queue page, so that the answer fits one message.
    result = await svc.repo.find_reports(
        query, secret_units=access.secret_units(member), limit=QUEUE_PAGE
    )
    found = [r for r in result.reports if access.may_read(member, r)]  # the query's rule, again
    await _reply(
        update,
        context,
        "staff_reports",
        kind="search",
        rows=_rows(svc, member, found),
        newest_only=result.newest_only,
    )


async def _report_arg(update: Update, context: Context, command: str) -> Report | None:
    svc = services(context)
    number = normalize_number(" ".join(context.args or []))
    report = await svc.repo.report_by_number(number) if number is not None else None
    if report is None:
        await _reply(update, context, "staff_usage", command=command)
    return report


async def show(update: Update, context: Context) -> None:
    """Send a report's full details and evidence privately."""
    member = await _member(update, context)
    if member is None:
        return
    report = await _report_arg(update, context, "lihat")
    if report is None:
        return
    if not access.may_read(member, report):
        await message_of(update).reply_text(alert_text(services(context), "unit"))
        return
    svc = services(context)
    await svc.repo.enqueue(await private_detail(svc, report, member.telegram_user_id))
    kick_outbox(context)


async def history(update: Update, context: Context) -> None:
    """Show a report's full audit trail."""
    member = await _member(update, context)
    if member is None:
        return
    report = await _report_arg(update, context, "riwayat")
    if report is None:
        return
    svc = services(context)
    if not access.may_read(member, report):
        await message_of(update).reply_text(alert_text(svc, "unit"))
        return
    lines = await history_lines(svc, await svc.repo.events(report.id), STAFF_LANG)
    await _reply(update, context, "staff_history", report=report, lines=lines)


def handlers(svc: Services) -> list[BaseHandler[Update, Context, None]]:
    """Return the handlers of this feature (private chat only: nothing here is for the group)."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("antrian", queue, filters=private),
        CommandHandler("cari", search, filters=private),
        CommandHandler("lihat", show, filters=private),
        CommandHandler("riwayat", history, filters=private),
    ]
