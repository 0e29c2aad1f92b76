"""The daily recap in the staff group, each working morning at office opening.

With it comes the daily report (bot/services/reports/morning.py): one message, the workload now
and the previous working day's figures and strategic issues.

Posted at most once per office day: the day is recorded in settings_kv in the same transaction
that queues the message, so a restart (or the catch-up run at start) does not post it twice.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from bot.domain.reports.periods import Kind
from bot.services.container import Services
from bot.services.reports.morning import file_messages, morning_reports
from bot.services.sla.sweep import STAFF_STAGES
from storage.models import OutboxMessage

TEMPLATE = "recap_daily"
RECAP_KEY = "sla_recap_day"
# The "answered within the service level" share looks back this far.
SHARE_PERIOD = timedelta(days=30)
# Telegram's longest message (counted after the HTML is parsed; the source is longer).
MESSAGE_LIMIT = 4096


async def post_recap(svc: Services, now: datetime | None = None) -> bool:
    """Queue today's recap if the office is open today and it was not posted yet."""
    now = now or svc.clock()
    cal = svc.calendar
    today = cal.local_date(now)
    if svc.staff_chat_id is None or not cal.is_working_day(today):
        return False
    if not cal.opening(today) <= now < cal.closing(today):
        return False  # a bot started in the evening waits for tomorrow morning
    chat = svc.staff_chat_id
    reports = await morning_reports(svc, today)
    texts = morning(await render_recap(svc, now), [(p.kind, t) for p, t in reports])
    # Each report's chart and workbook follow its text (rows rendered when sent). The daily
    # report is the first text (or the second, when it came apart from the recap).
    rest = [(p, t) for p, t in reports if p.kind is not Kind.DAILY]
    head = texts[: len(texts) - len(rest)]
    messages = [_text(chat, t) for t in head]
    for period, _ in reports[: len(reports) - len(rest)]:
        messages += file_messages(svc, chat, period)
    for period, text in rest:
        messages += [_text(chat, text), *file_messages(svc, chat, period)]
    # The monthly and annual reports, when due, ride in the same once-a-day transaction.
    return await svc.repo.post_once(RECAP_KEY, today.isoformat(), messages)


def _text(chat: int, text: str) -> OutboxMessage:
    return OutboxMessage(chat_id=chat, kind="send_message", payload={"text": text})


def morning(recap: str, reports: list[tuple[Kind, str]]) -> list[str]:
    """Return the morning's messages: the daily report in place of a bare recap, then the rest.

    The daily report takes the recap in: one message with the workload now (overdue, due today)
    and yesterday's figures and strategic issues. Only when both would not fit one Telegram
    message do they come as two.
    """
    daily = [text for kind, text in reports if kind is Kind.DAILY]
    rest = [text for kind, text in reports if kind is not Kind.DAILY]
    if not daily:
        return [recap, *rest]
    merged = f"{recap}\n\n{daily[0]}"
    first = [merged] if len(merged) <= MESSAGE_LIMIT else [recap, daily[0]]
    return [*first, *rest]


async def render_recap(svc: Services, now: datetime) -> str:
    """Return the recap's text for the office day of `now`."""
    cal = svc.calendar
    today = cal.local_date(now)
    since = cal.opening(cal.previous_working_day(today))
    end_of_day = datetime.combine(today + timedelta(days=1), time(0), tzinfo=cal.zone)
    stages = [s.value for s in STAFF_STAGES]
    units = {u.id: u.name for u in await svc.repo.list_units(active_only=False)}
    no_unit = svc.renderer.label("id", "sla.no_unit")

    def named(counts: dict[int | None, int]) -> list[dict[str, Any]]:
        rows = [
            {"unit": units.get(u, no_unit) if u else no_unit, "count": n} for u, n in counts.items()
        ]
        return sorted(rows, key=lambda r: (-r["count"], r["unit"]))

    overdue = await svc.repo.due_by_unit(stages, None, now)
    due_today = await svc.repo.due_by_unit(stages, now, end_of_day)
    tallies = await svc.repo.answered_by_unit(now - SHARE_PERIOD, now)
    shares = sorted(
        (
            {
                "unit": units.get(u, no_unit) if u else no_unit,
                "answered": t.answered,
                "within": t.within,
                "percent": round(100 * t.within / t.answered),
            }
            for u, t in tallies.items()
            if t.answered
        ),
        key=lambda r: (r["percent"], r["unit"]),
    )
    return svc.renderer.render(
        "id",
        TEMPLATE,
        day=today,
        since=since,
        new=await svc.repo.count_submitted_between(since, now),
        answered=await svc.repo.count_answered_between(since, now),
        overdue=named(overdue),
        overdue_total=sum(overdue.values()),
        due_today=named(due_today),
        due_today_total=sum(due_today.values()),
        shares=shares,
        share_days=SHARE_PERIOD.days,
        office=svc.profile.office_name("id"),
        # Messages Telegram refused or that are stuck (issue 14): supervisors read /kotakkeluar.
        outbox_trouble=await svc.repo.count_outbox_trouble(
            stuck_after=svc.settings.outbox_max_attempts,
            older_than=now - timedelta(hours=svc.settings.outbox_alert_hours),
        ),
    )
