"""A morning report's chart and workbook as outbox messages: built when they are sent.

The morning's rows (bot/services/sla/recap.py) carry only the period: outbox rows hold text,
not files. The chart's row and the workbook's row come one after the other, so the period is
folded once for both (the folding of a year takes about a minute: it runs away from the loop,
bot/services/reports/apart.py). Neither file names a reporter, and the workbook is the report's
figures, not the register: nothing in them is withheld from the staff group.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from telegram import InputFile

from bot.domain.reports.periods import Period
from bot.services.container import Services
from bot.services.reports import build, morning
from bot.services.reports.apart import apart
from storage.models import OutboxItem

log = logging.getLogger(__name__)

LANG = morning.LANG
CHART_KIND, WORKBOOK_KIND = morning.CHART_KIND, morning.WORKBOOK_KIND
# The files of the last period built (of which database), kept until another is asked for: the
# chart's row builds both, the workbook's row, sent just after, takes its file from here.
_built: dict[tuple[str, Period], tuple[str, bytes, str, bytes, str]] = {}


async def _files(svc: Services, period: Period) -> tuple[str, bytes, str, bytes, str]:
    """Return (title, chart PNG, its name, workbook, its name) of a period, built once."""
    key = (svc.settings.database_url, period)
    if key not in _built:
        with tempfile.TemporaryDirectory(prefix="aduan-pagi-") as folder:
            data, chart, book = await apart(
                svc, lambda own: morning.report_files(own, period, Path(folder))
            )
            built = (data.title, chart.read_bytes(), chart.name, book.read_bytes(), book.name)
        _built.clear()
        _built[key] = built
    return _built[key]


def _or_a_note(
    render: Callable[[Services, OutboxItem], Awaitable[dict[str, Any]]],
) -> Callable[[Services, OutboxItem], Awaitable[dict[str, Any]]]:
    """Send a short note where a file cannot be built, instead of retrying it for ever.

    The outbox keeps a chat's order: a row that keeps failing would hold every later card and
    notice of the staff group behind it. A chart is not worth that; /rekap builds it again.
    """

    async def rendered(svc: Services, item: OutboxItem) -> dict[str, Any]:
        try:
            return await render(svc, item)
        except Exception:
            log.exception(
                "outbox %s: the morning report's %s could not be built", item.id, item.kind
            )
            slug = morning.payload_period(item.payload).slug
            text = svc.renderer.label(LANG, "reports.files_failed", period=slug)
            return {"_send_as": "send_message", "text": text}

    return rendered


@_or_a_note
async def render_chart(svc: Services, item: OutboxItem) -> dict[str, Any]:
    """Return the report's chart as a photo for the staff group."""
    period = morning.payload_period(item.payload)
    title, chart, name, _, _ = await _files(svc, period)
    return {
        "_send_as": "send_photo",
        "photo": InputFile(chart, filename=name),
        "caption": title[:1024],
    }


@_or_a_note
async def render_workbook(svc: Services, item: OutboxItem) -> dict[str, Any]:
    """Return the report's workbook as a document for the staff group."""
    period = morning.payload_period(item.payload)
    title, _, _, book, name = await _files(svc, period)
    caption = svc.renderer.label(
        LANG, "reports.workbook", title=title, period=build.span_text(svc, period, LANG)
    )
    return {
        "_send_as": "send_document",
        "document": InputFile(book, filename=name),
        "caption": caption[:1024],
    }
