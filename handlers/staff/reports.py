"""/rekap, /ekspor and /surat: the office's reports, register and answer letters in Telegram.

Supervisors ask for a recap or the register in the staff group or privately. In the group the
content of `rahasia` reports is withheld (liaisons of every unit read it); privately a supervisor
gets it whole (docs/reports.md). /surat gives any staff member who may read a report its answer
letter, privately only: the letter names the reporter.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from telegram import InputFile, Update
from telegram.constants import ChatAction
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.domain import access
from bot.domain.reports.periods import Kind, Period, PeriodProblem, parse
from bot.domain.tracking import normalize_number
from bot.domain.vocabulary import Role
from bot.services.container import Services
from bot.services.reports import build, letter, morning
from bot.services.reports.apart import apart
from bot.services.reports.cells import Audience, register_title
from handlers.common import Context, message_of, services
from handlers.staff.common import STAFF_LANG, StaffChat, acting_member, alert_text
from storage.models import StaffMember


async def _supervisor(update: Update, context: Context) -> StaffMember | None:
    """Return the supervisor asking, or tell the sender why not."""
    member = await acting_member(update, context)
    if isinstance(member, str):
        await message_of(update).reply_text(alert_text(services(context), member))
        return None
    if member.role != Role.SUPERVISOR:
        svc = services(context)
        await message_of(update).reply_text(svc.renderer.label(STAFF_LANG, "reports.problem.role"))
        return None
    return member


async def _period(update: Update, context: Context, command: str, default: Kind) -> Period | None:
    """Read the period the command names, or answer with what went wrong and an example."""
    svc = services(context)
    today = svc.calendar.local_date(svc.clock())
    found = parse(" ".join(context.args or []), today, default)
    if isinstance(found, PeriodProblem):
        problem = svc.renderer.label(STAFF_LANG, f"reports.problem.{found.value}")
        text = svc.renderer.render(STAFF_LANG, "report_usage", command=command, problem=problem)
        await message_of(update).reply_text(text)
        return None
    return found


def _audience(update: Update) -> Audience:
    chat = update.effective_chat
    return Audience.READERS if chat is not None and chat.type == "private" else Audience.SHARED


async def _asked_period(
    update: Update, context: Context, command: str, default: Kind
) -> Period | None:
    """Return the period a supervisor asked for, with "sending a document" shown; else None."""
    if await _supervisor(update, context) is None:
        return None
    period = await _period(update, context, command, default)
    if period is not None:
        await message_of(update).reply_chat_action(ChatAction.UPLOAD_DOCUMENT)
    return period


async def recap(update: Update, context: Context) -> None:
    """Send the period's summary, its chart and its workbook."""
    period = await _asked_period(update, context, "rekap", Kind.DAILY)
    if period is None:
        return
    svc = services(context)
    message = message_of(update)
    with tempfile.TemporaryDirectory(prefix="aduan-rekap-") as folder:
        data, chart, book = await apart(
            svc, lambda own: morning.report_files(own, period, Path(folder))
        )
        await message.reply_text(morning.summary_text(svc, data, "reports.attachments"))
        await message.reply_photo(chart.read_bytes(), caption=data.title[:1024])
        await message.reply_chat_action(ChatAction.UPLOAD_DOCUMENT)
        caption = svc.renderer.label(
            STAFF_LANG,
            "reports.workbook",
            title=data.title,
            period=build.span_text(svc, period, STAFF_LANG),
        )
        await message.reply_document(
            InputFile(book.read_bytes(), filename=book.name), caption=caption[:1024]
        )


async def export(update: Update, context: Context) -> None:
    """Send the register of the reports filed in a period, as an Excel workbook."""
    period = await _asked_period(update, context, "ekspor", Kind.MONTHLY)
    if period is None:
        return
    svc = services(context)
    message = message_of(update)
    with tempfile.TemporaryDirectory(prefix="aduan-ekspor-") as folder:
        out = Path(folder) / f"register-{period.slug}.xlsx"
        audience, xlsx = _audience(update), build.Format.XLSX
        written = await apart(
            svc, lambda own: build.write_register(own, period, xlsx, out, audience=audience)
        )
        caption = svc.renderer.label(
            STAFF_LANG,
            "reports.export",
            title=register_title(svc.profile, svc.renderer, STAFF_LANG),
            count=written.count,
            period=build.span_text(svc, period, STAFF_LANG),
        )
        await message.reply_document(
            InputFile(out.read_bytes(), filename=out.name), caption=caption
        )


async def answer_letter(update: Update, context: Context) -> None:
    """Send a report's answer letter as DOCX and PDF, to staff who may read the report."""
    member = await acting_member(update, context)
    svc = services(context)
    if isinstance(member, str):
        await message_of(update).reply_text(alert_text(svc, member))
        return
    typed = " ".join(context.args or [])
    number = normalize_number(typed)
    report = await svc.repo.report_by_number(number) if number else None
    if report is None:
        example = f"{svc.profile.prefix}-{svc.clock().year}-000001"
        text = svc.renderer.render(
            STAFF_LANG, "report_letter_usage", missing=bool(typed), number=typed, example=example
        )
        await message_of(update).reply_text(text)
        return
    if not access.may_read(member, report):
        await message_of(update).reply_text(alert_text(svc, "unit"))
        return
    message = message_of(update)
    await message.reply_chat_action(ChatAction.UPLOAD_DOCUMENT)
    fields = await letter.letter_fields(svc, report, STAFF_LANG)
    caption = svc.renderer.label(STAFF_LANG, "reports.letter", number=report.number)
    with tempfile.TemporaryDirectory(prefix="aduan-surat-") as folder:
        docx = letter.write_docx(fields, Path(folder) / f"surat-{report.number}.docx")
        pdf = letter.write_pdf(svc, fields, Path(folder) / f"surat-{report.number}.pdf")
        for path in (docx, pdf):
            await message.reply_document(
                InputFile(path.read_bytes(), filename=path.name), caption=caption
            )


def handlers(svc: Services) -> list[BaseHandler[Update, Context, None]]:
    """Return the handlers of this feature (recaps in the group or privately; letters privately)."""
    where = StaffChat(svc) | filters.ChatType.PRIVATE
    return [
        CommandHandler("rekap", recap, filters=where),
        CommandHandler("ekspor", export, filters=where),
        CommandHandler("surat", answer_letter, filters=filters.ChatType.PRIVATE),
    ]
