"""build_application(): the one place that wires the bot, read like a table of contents."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot.domain.intake import CONVERSATION, Step
from bot.domain.profile import Profile
from bot.domain.screening import learned
from bot.services import offline
from bot.services.container import SERVICES_KEY, Services, build_services, get_services
from bot.services.staff_actions import DETAIL
from bot.settings import Settings
from bot.telegram import access_log, letters, morning_files
from bot.telegram.cards import render_card, render_detail
from bot.telegram.jobs import schedule as schedule_sla_jobs
from bot.telegram.menus import menus_wanted, publish_changed
from bot.telegram.outbox import OutboxSender
from bot.telegram.persistence import DraftPersistence
from bot.telegram.processor import PerChatProcessor
from bot.telegram.ratelimit import build_rate_limiter
from bot.telegram.request import ResilientRequest
from bot.telegram.updates import DurableApplication
from handlers import common, language, start, unknown_press
from handlers.citizen import erase as citizen_erase
from handlers.citizen import feedback as citizen_feedback
from handlers.citizen import inbox as citizen_inbox
from handlers.citizen import limits as citizen_limits
from handlers.citizen import reports as citizen_reports
from handlers.citizen import status as citizen_status
from handlers.report import conversation as report
from handlers.staff import access_log as staff_access_log
from handlers.staff import admin as staff_admin
from handlers.staff import card as staff_card
from handlers.staff import catat
from handlers.staff import migration as staff_migration
from handlers.staff import outbox as staff_outbox
from handlers.staff import presence as staff_presence
from handlers.staff import queue as staff_queue
from handlers.staff import replies as staff_replies
from handlers.staff import reports as staff_reports
from storage.backup import backup_before_migration
from storage.repository import Clock, utc_now

log = logging.getLogger(__name__)

OUTBOX_JOB = "outbox-drain"
PRUNE_JOB = "prune-processed-updates"
PROCESSED_UPDATES_KEPT = timedelta(days=7)


def build_application(
    settings: Settings, *, profile: Profile | None = None, clock: Clock = utc_now
) -> Application[Any, Any, Any, Any, Any, Any]:
    """Build the bot: services, rate limiter, handlers in order, error handler, start-up jobs."""
    svc = build_services(settings, profile=profile, clock=clock)
    application = (
        ApplicationBuilder()
        # Marks each update handled after its handlers (bot/telegram/updates.py).
        .application_class(DurableApplication)
        .token(settings.token)
        # Repeatable calls (membership, answering a press) ride out Telegram's short faults.
        .request(ResilientRequest())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.file_url)
        .rate_limiter(build_rate_limiter(settings))
        # Every template is HTML (autoescaped); one default instead of a parse_mode per call.
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        # ConversationHandler needs one update at a time per chat: different chats side by
        # side, each chat's in order (bot/telegram/processor.py); UPDATE_CONCURRENCY=1 for one
        # update at a time overall.
        .concurrent_updates(_update_processor(settings))
        # Conversation steps come back from our drafts table after a restart.
        .persistence(
            DraftPersistence(
                svc.repo,
                {
                    CONVERSATION: {s.name: s.value for s in Step},
                    offline.CONVERSATION: {f.name: f.value for f in offline.Field},
                },
            )
        )
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data[SERVICES_KEY] = svc

    # The staff group turned supergroup: follow before anything reads the group's id (its own
    # group, before the guard: following twice is harmless).
    application.add_handlers(staff_migration.handlers(), group=-4)
    # Guards first: a redelivered update must not reach any feature.
    application.add_handler(common.redelivery_guard(), group=-3)
    # Citizen flood guard (its own group: only one handler runs per group): past the
    # per-minute limit a private message stops here; redelivered ones were dropped above.
    application.add_handler(citizen_limits.flood_guard(svc), group=-2)
    # Replies to the bot, in their own group: one that answers a staff prompt (looked up in the
    # database) or notes on a card stops there; any other (a citizen's) goes on to group 0.
    application.add_handlers(staff_replies.handlers(svc), group=-1)
    # Same group (replies are messages, these are presses): a citizen's button forged outside
    # the presser's private chat (on a staff card) is refused before any feature edits it.
    application.add_handlers(unknown_press.guards(), group=-1)
    # Staff before citizens: narrow filters (card buttons), so that no citizen conversation
    # swallows a staff member's press.
    application.add_handlers(staff_card.handlers(svc))
    # Staff commands: lookups in private, the registry (supervisors) in the group or private.
    application.add_handlers(staff_queue.handlers(svc))
    application.add_handlers(staff_admin.handlers(svc))
    # Supervisors: /kotakkeluar, the messages Telegram refused or that are stuck.
    application.add_handlers(staff_outbox.handlers(svc))
    # Supervisors read the identity access log privately (/log_akses).
    application.add_handlers(staff_access_log.handlers())
    # Reports (supervisors): /rekap and /ekspor in the group or privately, /surat privately.
    application.add_handlers(staff_reports.handlers(svc))
    # Staff presence runs beside everything (its own group): who can be messaged privately.
    application.add_handlers(staff_presence.handlers(svc), group=1)
    # Conversations before plain commands, so that their steps see their answers first.
    application.add_handlers(report.handlers(svc))
    application.add_handlers(catat.handlers(svc))
    # Citizen commands and menus.
    application.add_handlers(start.handlers(svc))
    application.add_handlers(language.handlers(svc))
    # Citizen after submission: /status, /laporan, feedback on answers, kept messages' buttons.
    application.add_handlers(citizen_status.handlers(svc))
    application.add_handlers(citizen_reports.handlers(svc))
    application.add_handlers(citizen_feedback.handlers(svc))
    application.add_handlers(citizen_inbox.handlers(svc))
    # The reporter's right to erasure (UU 27/2022): /hapus_data and its confirmation.
    application.add_handlers(citizen_erase.handlers())
    application.add_handlers(citizen_reports.fallback_handlers())
    # Last in group 0: a plain private message nobody above took (never lost). Same group on
    # purpose: the report conversation above takes every message of a citizen in it, and only
    # the first matching handler of a group runs, so this never steals a conversation's answer.
    application.add_handlers(citizen_inbox.catch_all(svc))
    # Very last in group 0: a button press no feature above took (forged, garbage, a message of
    # an older version) still gets an answer, a polite alert; Telegram expects one for each.
    application.add_handlers(unknown_press.handlers())
    # Last: the error handler logs first and tells the user second.
    application.add_error_handler(_on_error)
    return application


def _update_processor(settings: Settings) -> PerChatProcessor | bool:
    """Return the per-chat processor, or False for one update at a time (PTB's own loop)."""
    if settings.update_concurrency <= 1:
        return False
    return PerChatProcessor(settings.update_concurrency)


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Open storage, seed the registry, register commands and start the outbox."""
    svc = get_services(application.bot_data)
    if svc.settings.backup_before_migration:
        # An SQLite file a migration is about to change is copied first (storage/backup.py).
        copy = await backup_before_migration(svc.db, svc.settings.backup_dir)
        if copy is not None:
            log.warning("database copied to %s before migrating it", copy)
    await svc.db.upgrade()
    # The screening model loads here, once, in a thread: loaded on the first report instead, it
    # kept that citizen waiting (seconds on a loaded machine) and held every other chat meanwhile.
    await asyncio.to_thread(learned.default_model)
    await svc.repo.seed_units((u.code, u.name.get("id"), u.kind) for u in svc.profile.units)
    await svc.repo.bootstrap_admins(svc.settings.admin_user_ids)
    migrated = await svc.repo.get_kv("staff_chat_id")
    svc.staff_chat_id = int(migrated) if migrated is not None else svc.settings.staff_chat_id
    svc.outbox = OutboxSender(
        svc.repo,
        application.bot,
        batch_size=svc.settings.outbox_batch_size,
        max_attempts=svc.settings.outbox_max_attempts,
        backoff=timedelta(seconds=svc.settings.outbox_backoff_seconds),
        expanders={
            # Each render that shows a reporter's identity is logged first (/log_akses).
            "card": access_log.logged(svc, "card", render_card, group=True),
            DETAIL: access_log.logged(
                svc, DETAIL, lambda s, r: render_detail(s, r, send=True), group=False
            ),
            # The answer letter names the reporter (never an anonymous one): logged too.
            letters.KIND: access_log.logged(svc, "letter", letters.render_letter, group=True),
            # A morning report's chart and workbook: figures only, built when sent.
            morning_files.CHART_KIND: lambda item: morning_files.render_chart(svc, item),
            morning_files.WORKBOOK_KIND: lambda item: morning_files.render_workbook(svc, item),
        },
        on_migrated=lambda old, new: _follow_migration(svc, old, new),
    )
    await _register_commands(application, svc)
    assert application.job_queue is not None, "install python-telegram-bot[job-queue]"
    sender = svc.outbox
    application.job_queue.run_repeating(
        lambda _ctx: sender.drain(),
        interval=svc.settings.outbox_interval_seconds,
        first=0,
        name=OUTBOX_JOB,
        job_kwargs={"max_instances": 1, "coalesce": True},
    )

    # Handled update ids are only needed while Telegram could redeliver them (a day at most).
    async def prune_updates(_ctx: object) -> None:
        async with svc.repo.cluster_lock("job", PRUNE_JOB) as mine:
            if mine:  # one replica at a time
                await svc.repo.prune_processed_updates(PROCESSED_UPDATES_KEPT)

    application.job_queue.run_repeating(
        prune_updates,
        interval=timedelta(hours=6),
        first=timedelta(minutes=1),
        name=PRUNE_JOB,
    )
    # Service levels (bot/services/sla, scheduled by bot/telegram/jobs.py): the reminder sweep,
    # now and every SLA_SWEEP_INTERVAL_SECONDS, and the daily recap at office opening. Job names
    # are fixed: "sla-sweep", "sla-recap".
    schedule_sla_jobs(application, svc)


def _follow_migration(svc: Services, old_chat_id: int, new_chat_id: int) -> None:
    """Point the running bot at the supergroup at once (the database already follows)."""
    if svc.staff_chat_id == old_chat_id:
        log.warning("the staff group is now %s", new_chat_id)
        svc.staff_chat_id = new_chat_id


async def _register_commands(
    application: Application[Any, Any, Any, Any, Any, Any], svc: Services
) -> None:
    """Publish the command menus; a failure is logged, never fatal.

    Citizens (every private chat) see the citizen commands; the staff group sees the commands
    that answer there (/help, /staf, /unit); each staff member who has started the bot sees
    the citizen commands and those of their role in their private chat. Telegram keeps a
    per-chat menu until it is replaced, so a staff member who starts the bot later gets theirs
    then (handlers/staff/presence.py).
    """
    # Side by side, and only the scopes whose menu changed since it was last published
    # (bot/telegram/menus.py): a restart with nothing new makes no setMyCommands call.
    wanted = menus_wanted(svc.staff_chat_id, await svc.repo.list_staff())
    await publish_changed(application.bot, svc.renderer, svc.repo, wanted, complete=True)


async def _post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Close storage."""
    await get_services(application.bot_data).db.dispose()


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure, then tell the user in a private chat that nothing was lost."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    try:
        lang = await common.language(update, context)
        text = get_services(context.bot_data).renderer.render(lang, "error")
        await context.bot.send_message(update.effective_chat.id, text)
    except Exception:  # the error handler must never raise
        log.exception("could not tell the user about the failure")
