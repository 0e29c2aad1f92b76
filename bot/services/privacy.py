"""Personal data under UU 27/2022 (PDP): erasure on the reporter's request, and retention.

Erasure (`/hapus_data`) takes the reporter's name, phone, address, e-mail and identity document
and makes every report of theirs anonymous; the reports stay (the office must account for each
complaint it received, Perpres 76/2013), and so does the Telegram id that delivers their
answers. Staff read a note in each report's thread, and the cards are redrawn without the
identity. Retention purges the same data once every report of the reporter ended more than the
profile's `identity.retention_days` (or RETENTION_DAYS) ago; the reports' figures stay.
"""

from __future__ import annotations

from datetime import timedelta

from bot.services import notify
from bot.services.container import Services
from storage.models import Erasure, OutboxMessage, Report

PURGE_BATCH = 500


def retention_days(svc: Services) -> int:
    """Return the retention period in days (0: personal data is kept)."""
    return svc.profile.identity.retention_days or svc.settings.retention_days


def _erasure_notices(svc: Services, reports: list[Report]) -> list[OutboxMessage]:
    messages: list[OutboxMessage] = []
    for report in reports:
        messages += notify.staff_notice(svc, report, "privacy_erased")
        messages += notify.card_refresh(svc, report.id)
    return messages


async def erase(svc: Services, telegram_user_id: int) -> Erasure | None:
    """Erase a reporter's personal data and tell staff; None when the bot never knew them."""
    reporter = await svc.repo.reporter_by_telegram(telegram_user_id)
    if reporter is None:
        return None
    reports = await svc.repo.reports_of_reporter(reporter.id)
    return await svc.repo.erase_reporter(reporter.id, _erasure_notices(svc, reports))


async def sweep_retention(svc: Services) -> int:
    """Purge the personal data of reports past the retention period; return how many."""
    days = retention_days(svc)
    if days <= 0:
        return 0
    cutoff = svc.clock() - timedelta(days=days)
    total = 0
    while True:
        purged = await svc.repo.purge_expired(cutoff, limit=PURGE_BATCH)
        total += purged
        if purged < PURGE_BATCH:
            return total


async def record_view(svc: Services, report_id: int, what: str, viewer: int | None) -> None:
    """Log that staff are shown a report's reporter's identity (nothing when it is hidden)."""
    report = await svc.repo.report(report_id)
    if report is None or report.anonymous:
        return
    reporter = await svc.repo.reporter_of_report(report_id)
    if reporter.name is None and reporter.phone is None and reporter.address is None:
        return
    await svc.repo.log_identity_view(report_id, what, viewer_telegram_id=viewer)
