"""Walking a seed SOP row by row: file as the citizen would, read the card and /lihat as staff."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.deadlines import submission_deadlines
from bot.domain.tracking import numbering
from bot.services import notify
from bot.services.submit import unfiled_report
from loopback.models import FakeUser
from storage.models import NewReport, Report
from storage.vocabulary import Channel, ReportType, Stage
from tests.staff_kit import JSONDict, StaffWorld


def texts(w: StaffWorld, chat_id: int) -> list[str]:
    """Return what the bot sent to a chat, oldest first."""
    return [m.get("text") or m.get("caption") or "" for m in w.loopback.bot_messages(chat_id)]


def buttons(card: JSONDict) -> list[str]:
    """Return the labels of a card's buttons, in order."""
    rows = card.get("reply_markup", {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row]


async def card_text(w: StaffWorld, report: Report) -> str:
    """Return the card's text in the staff group as it is now."""
    return str((await w.card(report))["text"])


async def lihat(w: StaffWorld, user: FakeUser, report: Report) -> str:
    """Send /lihat privately and return the report's details the bot sent back."""
    seen = len(texts(w, user.id))
    w.loopback.send_text(user, f"/lihat {report.number}")
    await w.settle()
    news = [t for t in texts(w, user.id)[seen:] if report.number in t]
    assert news, f"/lihat {report.number} sent nothing"
    return news[-1]


async def file(
    w: StaffWorld,
    citizen: FakeUser,
    *,
    type: str = "pengaduan",
    channel: Channel = Channel.TELEGRAM,
    category: str | None = None,
    subcategory: str | None = None,
    title: str = "Pejabat meminta imbalan",
    description: str = "Pejabat pengadaan meminta imbalan agar berkas lelang diproses.",
) -> Report:
    """File a complete report for a citizen, as the form does (row 1 of every seed)."""
    svc = w.svc
    reporter = await svc.repo.ensure_reporter(citizen.id)
    now = datetime.now(UTC)
    stage_due, final_due = submission_deadlines(svc.profile, svc.calendar, channel, now)
    new = NewReport(
        reporter_id=reporter.id,
        channel=channel,
        type=ReportType(type),
        title=title,
        description=description,
        stage=Stage.SUBMITTED,
        submitted_at=now,
        category=category,
        subcategory=subcategory,
        stage_due_at=stage_due,
        final_due_at=final_due,
    )
    report = await svc.repo.submit_report(
        new,
        numbering=numbering(svc.profile.prefix, now, svc.profile.zone),
        attachments=[],
        identity={"name": "Siti Aminah", "phone": "081234567890", "address": "Jl. Eltari 1"},
        messages=notify.after_submission(svc, reporter, unfiled_report(new), []),
    )
    await w.settle()
    return report


async def refused(
    w: StaffWorld, user: FakeUser, report: Report, action: str, *extra: object
) -> str:
    """Press a button forged or not, assert nothing changed, and return the alert's text."""
    before = await w.report(report)
    answer = await w.press(user, report, action, *extra, forge=True)
    assert answer is not None
    assert answer.get("show_alert") is True, answer
    after = await w.report(report)
    assert (after.version, after.stage, after.type) == (before.version, before.stage, before.type)
    return str(answer.get("text", ""))
