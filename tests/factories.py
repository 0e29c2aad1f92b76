"""Reports filed straight through the repository, for tests that start after submission."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.tracking import numbering
from bot.services.container import Services
from storage.models import NewReport, Report
from storage.vocabulary import Channel, ReportType, Stage


async def filed_report(svc: Services, telegram_id: int, at: datetime, **changes: Any) -> Report:
    """File a Telegram complaint for a reporter at `at`; `changes` replace its fields."""
    reporter = await svc.repo.ensure_reporter(telegram_id)
    fields: dict[str, Any] = {
        "reporter_id": reporter.id,
        "channel": Channel.TELEGRAM,
        "type": ReportType.PENGADUAN,
        "title": "Puskesmas tutup",
        "description": "Puskesmas tutup pada jam pelayanan tanpa pemberitahuan kepada warga.",
        "stage": Stage.SUBMITTED,
        "submitted_at": at,
        **changes,
    }
    return await svc.repo.submit_report(
        NewReport(**fields), numbering=numbering(svc.profile.prefix, at, svc.profile.zone)
    )
