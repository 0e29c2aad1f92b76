"""Scheduled jobs: the service-level sweep and the daily recap (docs/architecture.md §5, §7).

PTB's JobQueue keeps no state and skips runs missed while the bot was down, so every job here is
idempotent and reads its state from the database; both also run once at start to catch up.
With several replicas on PostgreSQL every replica schedules them, and each run first takes a
cluster-wide lock (storage/repo/operations.py: an advisory lock; SQLite: always granted), so one
replica at a time runs each job.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.services import housekeeping, privacy
from bot.services.container import Services
from bot.services.sla.recap import post_recap
from bot.services.sla.sweep import run_sweep

log = logging.getLogger(__name__)

SWEEP_JOB = "sla-sweep"
SWEEP_START_JOB = "sla-sweep-start"
RECAP_JOB = "sla-recap"
RECAP_CATCH_UP_JOB = "sla-recap-catch-up"
RETENTION_JOB = "privacy-retention"
HOUSEKEEPING_JOB = "housekeeping"
_SINGLE = {"max_instances": 1, "coalesce": True}
# When the last sweep ran (ISO time, settings_kv): /healthz shows it; replicas read it.
LAST_SWEEP_KEY = "last_sweep_at"


async def _swept_lately(svc: Services) -> bool:
    """Tell whether another replica swept within half an interval (PostgreSQL only).

    Each replica schedules the sweep; the advisory lock keeps two from running at once, and
    this keeps the second from sweeping again right after the first. SQLite runs one process:
    every scheduled sweep runs, as before.
    """
    if svc.db.is_sqlite:
        return False
    last = await svc.repo.get_kv(LAST_SWEEP_KEY)
    if not isinstance(last, str):
        return False
    elapsed = (svc.clock() - datetime.fromisoformat(last)).total_seconds()
    return 0 <= elapsed < svc.settings.sla_sweep_interval_seconds / 2


def schedule(application: Application[Any, Any, Any, Any, Any, Any], svc: Services) -> None:
    """Schedule the sweep (now and every interval) and the recap (at opening, and now if due)."""
    queue = application.job_queue
    assert queue is not None, "install python-telegram-bot[job-queue]"
    schedule_retention(application, svc)
    schedule_housekeeping(application, svc)
    if not svc.settings.sla_jobs_enabled:
        log.info("SLA_JOBS_ENABLED is off: no reminder sweep, no daily recap")
        return

    # Two sweeps at once would read the same unmarked reports: the start-up run and the
    # repeating one take turns.
    turn = asyncio.Lock()

    async def sweep(_ctx: ContextTypes.DEFAULT_TYPE) -> None:
        async with turn, svc.repo.cluster_lock("job", SWEEP_JOB) as mine:
            if not mine or await _swept_lately(svc):
                return  # another replica sweeps now, or just did
            await run_sweep(svc)
            await svc.repo.set_kv(LAST_SWEEP_KEY, svc.clock().isoformat())
        if svc.outbox is not None:
            await svc.outbox.drain()

    async def recap(_ctx: ContextTypes.DEFAULT_TYPE) -> None:
        async with svc.repo.cluster_lock("job", RECAP_JOB) as mine:
            # post_once records the day it posted: a second replica after this one posts none.
            posted = mine and await post_recap(svc)
        if posted and svc.outbox is not None:
            await svc.outbox.drain()

    for name in (SWEEP_JOB, SWEEP_START_JOB, RECAP_JOB, RECAP_CATCH_UP_JOB):
        for job in queue.get_jobs_by_name(name):
            job.schedule_removal()
    queue.run_repeating(
        sweep, interval=svc.settings.sla_sweep_interval_seconds, name=SWEEP_JOB, job_kwargs=_SINGLE
    )
    # At start, to catch up on the downtime (PTB: a repeating job's first=0 does not run at once).
    queue.run_once(sweep, when=0, name=SWEEP_START_JOB)
    opens = svc.calendar.opens
    # Every day at opening in the office's zone; post_recap skips days off itself.
    queue.run_daily(
        recap,
        time=time(opens.hour, opens.minute, tzinfo=svc.calendar.zone),
        name=RECAP_JOB,
        job_kwargs=_SINGLE,
    )
    # A bot (re)started during office hours posts the morning's recap it missed, once.
    queue.run_once(recap, when=0, name=RECAP_CATCH_UP_JOB)


def schedule_retention(
    application: Application[Any, Any, Any, Any, Any, Any], svc: Services
) -> None:
    """Purge personal data past the retention period, at start and every interval."""
    queue = application.job_queue
    assert queue is not None, "install python-telegram-bot[job-queue]"
    if privacy.retention_days(svc) <= 0:
        return

    async def purge(_ctx: ContextTypes.DEFAULT_TYPE) -> None:
        async with svc.repo.cluster_lock("job", RETENTION_JOB) as mine:
            purged = await privacy.sweep_retention(svc) if mine else 0
        if purged:
            log.info("retention: personal data of %d report(s) purged", purged)

    for job in queue.get_jobs_by_name(RETENTION_JOB):
        job.schedule_removal()
    queue.run_repeating(
        purge,
        interval=svc.settings.retention_interval_seconds,
        first=0.1,
        name=RETENTION_JOB,
        job_kwargs=_SINGLE,
    )


def schedule_housekeeping(
    application: Application[Any, Any, Any, Any, Any, Any], svc: Services
) -> None:
    """Prune sent outbox rows and abandoned drafts (bot/services/housekeeping.py) by interval."""
    queue = application.job_queue
    assert queue is not None, "install python-telegram-bot[job-queue]"
    if svc.settings.outbox_keep_days <= 0 and svc.settings.draft_keep_days <= 0:
        return

    async def prune(_ctx: ContextTypes.DEFAULT_TYPE) -> None:
        async with svc.repo.cluster_lock("job", HOUSEKEEPING_JOB) as mine:
            if not mine:
                return  # another replica prunes now
            pruned = await housekeeping.prune(svc)
        if pruned.outbox or pruned.drafts:
            log.info(
                "housekeeping: %d sent message(s), %d abandoned draft(s) deleted",
                pruned.outbox,
                pruned.drafts,
            )

    for job in queue.get_jobs_by_name(HOUSEKEEPING_JOB):
        job.schedule_removal()
    queue.run_repeating(
        prune,
        interval=svc.settings.prune_interval_seconds,
        first=1.0,
        name=HOUSEKEEPING_JOB,
        job_kwargs=_SINGLE,
    )


class CancelledAtShutdown(logging.Filter):
    """Drop APScheduler's report of a job cancelled because the bot is stopping.

    Stopping cancels a job still running (an outbox drain, say); APScheduler logs that at ERROR
    with a traceback, which reads like a crash on every Ctrl-C. Nothing is lost: an outbox row
    not yet marked sent is sent at the next start.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but a job's CancelledError."""
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, asyncio.CancelledError)
