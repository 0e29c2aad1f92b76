"""Nothing a person does is lost to a crash or to Telegram's faults, and nothing is done twice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import ExtBot

from bot.services import notify
from bot.telegram import callbacks, lifecycle
from bot.telegram.cards import render_card
from bot.telegram.outbox import OutboxSender
from bot.telegram.updates import DurableApplication
from loopback import LoopbackBotApi
from loopback.htmltext import parse_html
from storage import tables as t
from storage.database import Database
from storage.models import OutboxItem, OutboxMessage, Report
from storage.repository import Repository
from tests.citizen import Citizen
from tests.harness import BotRunner, eventually, make_database, make_settings
from tests.staff_kit import StaffWorld, staff_world
from tests.test_report_conversation import DESCRIPTION, NUMBER, walk_content, walk_to_title


async def card_is_current(w: StaffWorld, report: Report) -> bool:
    """Tell whether the card in the group shows the report as it is now (text and buttons)."""
    shown = await w.card(report)
    now = await render_card(w.svc, report.id)
    return (
        shown["text"] == parse_html(now["text"])[0] and shown["reply_markup"] == now["reply_markup"]
    )


async def stored_updates(runner: BotRunner) -> list[dict[str, object]]:
    async with runner.services.db.read() as conn:
        rows = await conn.execute(
            t.inbound_updates.select().order_by(t.inbound_updates.c.update_id)
        )
        return [dict(r._mapping) for r in rows]


async def killed_before_the_mark(bot: BotRunner, loopback: LoopbackBotApi) -> int:
    """Leave the last update as a kill -9 after its effect would: stored, not marked handled."""
    update_id = int(str((await stored_updates(bot))[-1]["update_id"]))
    async with bot.services.db.write() as conn:
        await conn.execute(
            t.inbound_updates.update()
            .where(t.inbound_updates.c.update_id == update_id)
            .values(handled_at=None, payload=loopback.updates[update_id])
        )
    return update_id


async def _in_flight(loopback: LoopbackBotApi, chat_id: int) -> bool:
    return bool(loopback.calls("sendMessage", chat_id=chat_id))


async def test_an_update_is_stored_before_it_is_acknowledged_and_forgotten_once_handled(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = loopback.add_user("Siti")
    loopback.inject_fault("sendMessage", "slow", delay=3.0, chat_id=citizen.id)
    update_id = loopback.send_text(citizen, "/start")["message_id"]
    # The reply is in flight (held 3 s by the fault), so the handler has not finished: waiting
    # for the answered call instead raced the mark that follows it on a loaded machine.
    await eventually(lambda: _in_flight(loopback, citizen.id))
    # Telegram was told (the next getUpdates went out) while the handler still runs:
    assert loopback.undelivered_count() == 0
    (row,) = await stored_updates(bot)
    assert row["handled_at"] is None
    assert row["payload"] is not None
    await bot.idle()
    (row,) = await stored_updates(bot)
    assert row["handled_at"] is not None
    assert row["payload"] is None, "a handled update's words are not kept"
    assert update_id


async def test_an_update_the_library_cannot_read_is_skipped_in_one_line_without_its_content(
    loopback: LoopbackBotApi, bot: BotRunner, caplog: pytest.LogCaptureFixture
) -> None:
    citizen = loopback.add_user("Budi")
    broken = loopback.inject_raw({"message": {"message_id": 1, "chat": 7, "text": "RAHASIA 0812"}})
    with caplog.at_level(logging.WARNING):
        loopback.send_text(citizen, "/start")
        await bot.idle()
    assert loopback.last_bot_message(citizen.id)["text"].startswith("Selamat datang")
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]
    assert "RAHASIA" not in caplog.text
    assert f"update {broken} could not be read" in caplog.text
    assert loopback.undelivered_count() == 0, "not fetched again and again"


async def test_two_bots_sharing_a_database_keep_their_update_ids_apart(db: Database) -> None:
    repo = Repository(db)
    await repo.store_updates(111, [{"update_id": 5, "message": {}}])
    await repo.mark_update_handled(111, 5)
    assert await repo.update_handled(111, 5)
    assert not await repo.update_handled(222, 5), "another bot's update 5 is a different one"
    assert await repo.store_updates(222, [{"update_id": 5, "message": {}}]) == [5]
    assert await repo.unhandled_updates(222) == [{"update_id": 5, "message": {}}]


async def test_a_batch_with_updates_seen_before_returns_only_the_new_ones_in_order(
    db: Database,
) -> None:
    repo = Repository(db)
    assert await repo.store_updates(111, [{"update_id": 7, "message": {"text": "a"}}]) == [7]
    batch = [{"update_id": u, "message": {"text": str(u)}} for u in (9, 7, 8)]
    assert await repo.store_updates(111, batch) == [9, 8]
    await repo.mark_updates_handled(111, [7, 9])
    assert await repo.unhandled_updates(111) == [{"update_id": 8, "message": {"text": "8"}}]
    assert await repo.store_updates(111, batch) == [], "a redelivered batch is not new"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = make_database(tmp_path, "shared.db")
    await database.upgrade()
    yield database
    await database.dispose()


@pytest.mark.parametrize("announced", [True, False], ids=["service-message", "send-refused"])
async def test_the_running_bot_follows_the_staff_group_to_its_supergroup_at_once(
    loopback: LoopbackBotApi, tmp_path: Path, announced: bool
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        old = w.group.id
        loopback.migrate_chat(old, -1009876543210, announce=announced)
        await w.settle()
        report = await w.file(w.siti)  # its card goes out, to the old id when not announced
        await w.settle()
        assert w.svc.staff_chat_id == -1009876543210
        w.group = loopback.chats[-1009876543210]
        card = await w.card(report)
        assert card["chat"]["id"] == -1009876543210
        answer = await w.press(w.ani, report, "dispose")
        assert answer is not None
        assert not answer.get("show_alert"), "not refused as a stranger"
        assert old != w.group.id


async def test_a_membership_check_that_fails_for_a_moment_does_not_drop_the_press(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        loopback.inject_fault("getChatMember", "500")
        loopback.inject_fault("getChatMember", "drop")
        loopback.inject_fault("getChatMember", "429", retry_after=1)
        await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
        assert await w.stages(report) == ["submit", "dispose"]


async def test_a_press_that_cannot_be_answered_still_does_what_was_asked(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
        loopback.inject_fault("answerCallbackQuery", "drop", times=10)
        card = await w.card(report)
        version = (await w.report(report)).version
        loopback.press_button(w.budi, card, callbacks.build("rpt", "accept", report.id, version))
        await w.settle()
        assert await w.stages(report) == ["submit", "dispose", "accept"]
        assert await card_is_current(w, report)


async def test_a_card_refresh_folded_in_while_the_card_is_being_edited_is_not_lost(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        await w.press(w.ani, report, "dispose")
        card = await w.card(report)
        version = (await w.report(report)).version
        unit = await w.unit_id("dinkes")
        loopback.inject_fault("editMessageText", "slow", delay=1.2, chat_id=w.group.id)
        loopback.press_button(
            w.ani, card, callbacks.build("rpt", "dispose", report.id, version, unit)
        )

        async def disposed() -> bool:
            return (await w.report(report)).version > version

        await eventually(disposed)
        await asyncio.sleep(0.3)  # the sender has rendered the disposal and waits on the edit
        card = await w.card(report)
        accept = callbacks.build("rpt", "accept", report.id, (await w.report(report)).version)
        loopback.press_button(w.budi, card, accept, forge=True)
        await w.settle()
        assert await w.stages(report) == ["submit", "dispose", "accept"]
        assert await card_is_current(w, report)


async def test_transient_failures_never_make_the_outbox_give_up(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    settings = make_settings(loopback, tmp_path, outbox_max_attempts=2, outbox_backoff_seconds=0.05)
    runner = BotRunner(settings, loopback=loopback)
    await runner.start()
    try:
        citizen = loopback.add_user("Ani")
        loopback.inject_fault("sendMessage", "500", times=5, chat_id=citizen.id)
        await runner.services.repo.enqueue(
            [OutboxMessage(chat_id=citizen.id, kind="send_message", payload={"text": "halo"})]
        )

        async def sent() -> bool:
            return bool(await runner.services.repo.outbox_items(status="sent"))

        await eventually(sent, within=15)
        assert [m["text"] for m in loopback.bot_messages(citizen.id)] == ["halo"]
    finally:
        await runner.stop()


async def test_the_bot_removed_from_the_staff_group_holds_the_cards_until_it_is_back(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        loopback.members[(w.group.id, loopback.bot_user.id)] = "kicked"
        report = await w.file(w.siti)
        held = [i for i in await w.svc.repo.outbox_items() if i.chat_id == w.group.id]
        assert held
        assert all(i.status == "pending" for i in held)
        assert "forbidden" in (held[0].last_error or "")
        loopback.members[(w.group.id, loopback.bot_user.id)] = "administrator"
        await w.svc.repo.retry_outbox()  # nothing failed for good: nothing to requeue
        async with w.svc.db.write() as conn:  # the operator does not wait five minutes
            await conn.execute(t.outbox.update().values(not_before=datetime.now(UTC)))
        await w.settle()
        assert (await w.card(report))["chat"]["id"] == w.group.id


async def test_a_card_deleted_in_the_group_is_posted_again_on_its_next_change(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        first = await w.card(report)
        loopback.api.delete_message({"chat_id": w.group.id, "message_id": first["message_id"]})
        # Its next change (here a refresh queued as any action queues it) posts it anew.
        await w.svc.repo.enqueue(notify.card_refresh(w.svc, report.id))
        await w.settle()
        card = await w.card(report)
        assert card["message_id"] != first["message_id"]
        assert await card_is_current(w, report)
        assert not await w.svc.repo.outbox_items(status="failed")


async def test_a_reporter_marked_blocked_who_writes_again_can_be_reached(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = loopback.add_user("Rudi")
    await bot.services.repo.ensure_reporter(citizen.id)
    await bot.services.repo.mark_chat_blocked(citizen.id)
    blocked = await bot.services.repo.reporter_by_telegram(citizen.id)
    assert blocked is not None
    assert blocked.blocked_at is not None
    loopback.send_text(citizen, "/start")
    await bot.idle()
    reporter = await bot.services.repo.reporter_by_telegram(citizen.id)
    assert reporter is not None
    assert reporter.blocked_at is None


def count_view_reads(bot: BotRunner, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record each update whose redelivery guard read its view in a transaction of its own."""
    repo = bot.services.repo
    read, original = [], repo.update_view

    async def counted(bot_id: int, update_id: int, private_user_id: int | None = None) -> Any:
        read.append(update_id)
        return await original(bot_id, update_id, private_user_id)

    monkeypatch.setattr(repo, "update_view", counted)
    return read


async def test_a_fetched_update_is_read_with_its_store_not_by_its_guard(
    loopback: LoopbackBotApi, bot: BotRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = count_view_reads(bot, monkeypatch)
    citizen = Citizen(loopback, loopback.add_user("Rudi"))
    await walk_to_title(citizen)
    assert "Ceritakan masalahnya" in await citizen.says("Jalan berlubang di Oesapa")
    await bot.idle()
    assert read == [], "each step's view came with its store"
    app = bot.app
    assert isinstance(app, DurableApplication)
    assert app.fetched_views == {}
    assert not app.pending_senders


async def test_messages_sent_while_the_last_one_is_handled_read_the_drafts_before_them(
    loopback: LoopbackBotApi, bot: BotRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    citizen = Citizen(loopback, loopback.add_user("Rudi"))
    assert "Sebelum melapor" in await citizen.says("/lapor")
    assert "Apa jenis laporan" in await citizen.says("✅ Saya mengerti dan setuju")
    assert "Pilih kategori" in await citizen.says("Pengaduan")
    assert "Pilih subkategori" in await citizen.says("Infrastruktur")
    read = count_view_reads(bot, monkeypatch)
    # The subcategory's next question is slow to leave; the title comes meanwhile and waits
    # behind it, and the description comes in a batch of its own before the title's answer is
    # saved: a view read with the description's store would show the draft without the title.
    loopback.inject_fault("sendMessage", "slow", delay=1.0, chat_id=citizen.chat_id)
    before = len(loopback.calls("sendMessage", chat_id=citizen.chat_id))
    loopback.send_text(citizen.user, "Jalan dan jembatan")

    async def question_leaving() -> bool:
        return len(loopback.calls("sendMessage", chat_id=citizen.chat_id)) > before

    async def stored() -> bool:
        return loopback.unconfirmed_count() == 0

    await eventually(question_leaving)
    loopback.send_text(citizen.user, "Jalan berlubang di Oesapa")
    await eventually(stored)
    loopback.send_text(citizen.user, DESCRIPTION)
    await bot.idle()
    assert "Kapan kejadiannya" in loopback.last_bot_message(citizen.chat_id)["text"]
    draft = await bot.services.repo.draft(citizen.chat_id, "report")
    assert draft is not None
    assert draft.step == "EVENT_DATE"
    assert draft.data["subcategory"] is not None, "the title's update saw the subcategory"
    assert (draft.data["title"], draft.data["description"]) == (
        "Jalan berlubang di Oesapa",
        DESCRIPTION,
    )
    assert len(read) == 2, "the title's and the description's guards read their drafts"


async def test_updates_that_end_while_a_mark_is_written_are_marked_together_each_one_once(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizens = [loopback.add_user(name) for name in ("Ani", "Beni", "Cici")]
    # Three replies in flight at once; the first ends well before the other two, and late
    # enough that the test holds the write lock by then (0.3 s was too short in a loaded CI).
    for citizen, delay in zip(citizens, (1.5, 4.0, 4.0), strict=True):
        loopback.inject_fault("sendMessage", "slow", delay=delay, chat_id=citizen.id)
        loopback.send_text(citizen, "/start")

    async def replies_in_flight() -> bool:
        return all(bool(loopback.calls("sendMessage", chat_id=c.id)) for c in citizens)

    await eventually(replies_in_flight)
    app = bot.app
    assert isinstance(app, DurableApplication)
    ids = [int(str(r["update_id"])) for r in await stored_updates(bot)]
    assert len(ids) == 3
    before = app.marks.writes if app.marks is not None else 0
    # Hold the marks back: SQLite's one writer, PostgreSQL's row locks of the three updates.
    async with bot.services.db.write() as conn:
        await conn.execute(
            t.inbound_updates.update()
            .where(t.inbound_updates.c.update_id.in_(ids))
            .values(received_at=t.inbound_updates.c.received_at)
        )

        async def all_three_wait() -> bool:
            return app.marks is not None and app.marks.unwritten == 3

        await eventually(all_three_wait)
        assert all(r["handled_at"] is None for r in await stored_updates(bot))
    await bot.idle()
    rows = await stored_updates(bot)
    assert [r["handled_at"] is not None for r in rows] == [True, True, True]
    assert [r["payload"] for r in rows] == [None, None, None]
    # The first mark's transaction waited alone; the two that ended meanwhile shared the next.
    assert app.marks is not None
    assert app.marks.writes - before == 2
    for citizen in citizens:
        assert loopback.last_bot_message(citizen.id)["text"].startswith("Selamat datang")


async def test_a_bug_in_rendering_one_message_backs_off_and_holds_back_no_other_chat(
    loopback: LoopbackBotApi, db: Database
) -> None:
    repo = Repository(db)
    bot = ExtBot(loopback.token, base_url=loopback.base_url)
    await bot.initialize()
    first, second = loopback.add_user("Dewi"), loopback.add_user("Eko")

    async def broken(_item: OutboxItem) -> dict[str, object]:
        raise TypeError("an expander's bug")

    sender = OutboxSender(repo, bot, batch_size=10, max_attempts=3, expanders={"broken": broken})
    await repo.enqueue(
        [
            OutboxMessage(chat_id=first.id, kind="broken", payload={}),
            OutboxMessage(chat_id=second.id, kind="send_message", payload={"text": "sampai"}),
        ]
    )
    try:
        assert await sender.drain() == 1
        assert not sender.draining, "the drain lock is free again"
        broken_row = (await repo.outbox_items())[0]
        assert broken_row.status == "pending"
        assert broken_row.attempts == 1
        assert broken_row.not_before > datetime.now(UTC) + timedelta(seconds=1)
        assert "TypeError" in (broken_row.last_error or "")
        assert [m["text"] for m in loopback.bot_messages(second.id)] == ["sampai"]
    finally:
        await bot.shutdown()


async def test_telegram_unreachable_at_start_is_waited_out_one_line_per_attempt(
    loopback: LoopbackBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.app import build_application

    loopback.inject_fault("getMe", "drop", times=6)
    app = build_application(make_settings(loopback, tmp_path))
    with caplog.at_level(logging.WARNING, logger="bot.telegram.lifecycle"):
        await lifecycle.initialize(app, first_backoff=0.05)
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.telegram.lifecycle"]
    assert len(lines) == 1
    assert "attempt 1" in lines[0]
    assert app.bot.username == loopback.bot_user.username
    await app.shutdown()
    assert app.post_shutdown is not None
    await app.post_shutdown(app)  # closes storage


async def file_up_to_summary(citizen: Citizen) -> None:
    """Walk a citizen through the report conversation to its summary."""
    await walk_content(citizen)
    await citizen.says("👤 Tidak, tampilkan identitas saya")
    await citizen.says("📢 Tidak perlu dirahasiakan")
    await citizen.sends_photo(caption="lubang")
    await citizen.says("✅ Selesai, lanjut")
    await citizen.says("✅ Setuju")
    await citizen.says("Maria Kolo")
    await citizen.says("0812 3456 7890")
    await citizen.says("Jl. Timor Raya No. 5, Oesapa, Kelapa Lima")
    await citizen.says("⏭️ Lewati")
    assert "Maria Kolo" in await citizen.says("⏭️ Lewati")


async def test_the_tracking_number_survives_a_failed_send_and_comes_once(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = Citizen(loopback, loopback.add_user("Maria"))
    await file_up_to_summary(citizen)
    loopback.inject_fault("sendMessage", "500", times=2, chat_id=citizen.chat_id)
    loopback.send_text(citizen.user, "📨 Kirim laporan")

    async def receipt_sent() -> bool:
        return any(NUMBER.search(m.get("text", "")) for m in loopback.bot_messages(citizen.chat_id))

    await eventually(receipt_sent, within=20)
    await bot.idle()
    receipts = [m for m in loopback.bot_messages(citizen.chat_id) if NUMBER.search(m["text"])]
    assert len(receipts) == 1
    assert "/status" in receipts[0]["text"]
    (call,) = [
        c
        for c in loopback.calls("sendMessage", chat_id=citizen.chat_id)
        if c.status == 200 and NUMBER.search(str(c.params.get("text")))
    ]
    assert "keyboard" in call.params["reply_markup"], "the main menu comes back with it"
    assert not [m for m in loopback.bot_messages(citizen.chat_id) if "kesalahan" in m["text"]]


def prompts_in(loopback: LoopbackBotApi, chat_id: int) -> list[dict[str, Any]]:
    return [m for m in loopback.bot_messages(chat_id) if m.get("text", "").startswith("✍️")]


async def test_a_reply_to_a_prompt_whose_answer_was_lost_still_completes_the_action(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
        await w.act(w.budi, report, "accept")
        # The prompt reaches the group, but the bot never hears Telegram's answer.
        loopback.inject_fault("sendMessage", "drop_after", chat_id=w.group.id)
        await w.press(w.budi, report, "answer")
        first = prompts_in(loopback, w.group.id)[0]
        loopback.send_text(
            w.budi, "Puskesmas buka lagi mulai Senin.", chat=w.group, reply_to=first["message_id"]
        )
        await w.settle()
        assert "answer" in await w.stages(report)


async def test_pressing_again_while_a_prompt_waits_does_not_ask_twice(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
        await w.act(w.budi, report, "accept")
        await w.press(w.budi, report, "answer")
        again = await w.press(w.budi, report, "answer")
        assert len(prompts_in(loopback, w.group.id)) == 1
        assert again is not None
        assert again["text"] == w.svc.renderer.label("id", "staff_alert.write")
        await w.reply(w.budi, "Puskesmas buka lagi mulai Senin.")
        assert "answer" in await w.stages(report)


async def test_a_step_saved_before_a_crash_is_not_answered_again_at_the_replay(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    from tests.test_report_conversation import DESCRIPTION, walk_to_title

    citizen = Citizen(loopback, loopback.add_user("Agus"))
    await walk_to_title(citizen)
    assert "Ceritakan masalahnya" in await citizen.says("Air PDAM mati tiga hari")
    await bot.idle()
    saved = await bot.services.repo.draft(citizen.user.id, "report")
    assert saved is not None
    # The crash came after the step saved its answer, before the update was marked handled.
    title_update = await killed_before_the_mark(bot, loopback)
    answers = len(loopback.bot_messages(citizen.user.id))
    await bot.restart()
    await bot.idle()
    rows = {r["update_id"]: r for r in await stored_updates(bot)}
    assert rows[title_update]["handled_at"] is not None
    # Not fed into the description step: the question it led to is asked again (the crash
    # may have come before it was sent), and the draft is as it was.
    [again] = loopback.bot_messages(citizen.user.id)[answers:]
    assert "Ceritakan masalahnya" in again["text"]
    now = await bot.services.repo.draft(citizen.user.id, "report")
    assert now is not None
    assert (now.step, now.data) == (saved.step, saved.data)
    assert "Kapan kejadiannya" in await citizen.says(DESCRIPTION)
    draft = await bot.services.repo.draft(citizen.user.id, "report")
    assert draft is not None
    assert draft.data["title"] == "Air PDAM mati tiga hari"
    assert draft.data["description"] == DESCRIPTION


async def test_a_lapor_replayed_after_a_crash_goes_on_with_its_own_draft(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = Citizen(loopback, loopback.add_user("Rina"))
    assert "Sebelum melapor" in await citizen.says("/lapor")
    await bot.idle()
    await killed_before_the_mark(bot, loopback)
    answers = len(loopback.bot_messages(citizen.user.id))
    await bot.restart()
    await bot.idle()
    # Not "resume the report you began?" about the draft this same /lapor began.
    [again] = loopback.bot_messages(citizen.user.id)[answers:]
    assert "Sebelum melapor" in again["text"]
    assert "Apa jenis laporan" in await citizen.says("✅ Saya mengerti dan setuju")
