"""The outbox: queued messages reach Telegram once each, in order, through faults and restarts."""

from __future__ import annotations

from pathlib import Path

from loopback import LoopbackBotApi
from storage.database import Database
from storage.models import OutboxMessage
from storage.repository import Repository
from tests.harness import BotRunner, eventually, make_settings


def note(chat_id: int, text: str, **extra: object) -> OutboxMessage:
    return OutboxMessage(chat_id=chat_id, kind="send_message", payload={"text": text, **extra})


async def wait_until_sent(runner: BotRunner, count: int, *, within: float = 10.0) -> None:
    # Time-based on purpose: a retry after 429, 5xx or a dropped connection is not due yet, so
    # the bot is idle in between; these tests wait for the retry itself.
    async def enough() -> bool:
        return len(await runner.services.repo.outbox_items(status="sent")) >= count

    await eventually(enough, within=within)


def texts_in(loopback: LoopbackBotApi, chat_id: int) -> list[str]:
    return [m.get("text", "") for m in loopback.bot_messages(chat_id)]


async def test_messages_are_delivered_once_each_in_order_after_429_and_5xx(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = loopback.add_user("Siti")
    loopback.inject_fault("sendMessage", "429", retry_after=1, chat_id=citizen.id)
    loopback.inject_fault("sendMessage", "500", chat_id=citizen.id)
    loopback.inject_fault("sendMessage", "502", chat_id=citizen.id)
    await bot.services.repo.enqueue([note(citizen.id, f"pesan {i}") for i in range(1, 4)])
    await wait_until_sent(bot, 3)
    assert texts_in(loopback, citizen.id) == ["pesan 1", "pesan 2", "pesan 3"]
    attempts = [r for r in loopback.calls("sendMessage", chat_id=citizen.id)]
    assert len(attempts) == 6, "three failures, then each message once"
    assert all(item.status == "sent" for item in await bot.services.repo.outbox_items())


async def test_dropped_connections_and_slow_answers_are_retried(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = loopback.add_user("Budi")
    loopback.inject_fault("sendMessage", "drop", times=2, chat_id=citizen.id)
    await bot.services.repo.enqueue([note(citizen.id, "halo")])
    await wait_until_sent(bot, 1, within=15)
    assert texts_in(loopback, citizen.id) == ["halo"]


async def test_messages_queued_while_telegram_is_down_arrive_after_a_restart(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    citizen = loopback.add_user("Ani")
    runner = BotRunner(make_settings(loopback, tmp_path))
    await runner.start()
    loopback.inject_fault("sendMessage", "500", times=1000, chat_id=citizen.id)
    await runner.services.repo.enqueue([note(citizen.id, "satu"), note(citizen.id, "dua")])
    await loopback.wait_for("sendMessage", chat_id=citizen.id)
    await runner.stop()
    assert texts_in(loopback, citizen.id) == []

    loopback.clear_faults()
    await runner.start()
    await wait_until_sent(runner, 2)
    await runner.stop()
    assert texts_in(loopback, citizen.id) == ["satu", "dua"]


async def test_a_later_message_waits_for_an_earlier_one_to_the_same_chat(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    first, second = loopback.add_user("Ani"), loopback.add_user("Budi")
    loopback.inject_fault("sendMessage", "429", retry_after=1, chat_id=first.id)
    await bot.services.repo.enqueue(
        [note(first.id, "A1"), note(second.id, "B1"), note(first.id, "A2")]
    )
    await wait_until_sent(bot, 3)
    assert texts_in(loopback, first.id) == ["A1", "A2"]
    assert texts_in(loopback, second.id) == ["B1"]
    # The other chat did not wait for the first one's retry.
    b1 = loopback.calls("sendMessage", chat_id=second.id)[0]
    a1_success = loopback.calls("sendMessage", chat_id=first.id)[1]
    assert b1.time < a1_success.time


async def test_repeated_edits_of_one_card_collapse_into_the_latest(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    group = loopback.add_supergroup("Staf Pengaduan")
    runner = BotRunner(make_settings(loopback, tmp_path, staff_chat_id=group.id), loopback=loopback)
    await runner.start()
    await runner.services.repo.enqueue([note(group.id, "kartu v1")])
    await runner.idle()
    card = loopback.last_bot_message(group.id)
    await runner.stop()

    # Three edits queued while the bot is down: only the newest may reach the group.
    offline = Database(runner.settings.database_url, runner.settings.data_key_values)
    for version in (2, 3, 4):
        await Repository(offline).enqueue(
            [
                OutboxMessage(
                    chat_id=group.id,
                    kind="edit_message_text",
                    payload={"message_id": card["message_id"], "text": f"kartu v{version}"},
                    coalesce_key="card:1",
                )
            ]
        )
    await offline.dispose()
    await runner.start()
    await runner.idle()
    assert len(await runner.services.repo.outbox_items(status="sent")) >= 2
    await runner.stop()
    edits = loopback.calls("editMessageText", chat_id=group.id)
    assert [e.params["text"] for e in edits] == ["kartu v4"]
    assert texts_in(loopback, group.id) == ["kartu v4"]


async def test_a_user_who_blocked_the_bot_is_marked_and_the_message_not_retried(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = loopback.add_user("Rina")
    await bot.services.repo.ensure_reporter(citizen.id)
    loopback.block_bot(citizen)
    await bot.services.repo.enqueue([note(citizen.id, "jawaban")])
    await bot.idle()
    assert await bot.services.repo.outbox_items(status="failed")
    reporter = await bot.services.repo.reporter_by_telegram(citizen.id)
    assert reporter is not None
    assert reporter.blocked_at is not None
    await bot.idle()  # nothing is due any more: no retry can come
    assert len(loopback.calls("sendMessage", chat_id=citizen.id)) == 1


async def test_the_group_never_gets_more_than_its_limit_in_any_window(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    group = loopback.add_supergroup("Staf Pengaduan")
    window, limit = 2.0, 20
    runner = BotRunner(
        make_settings(
            loopback,
            tmp_path,
            staff_chat_id=group.id,
            rate_group_max=limit,
            rate_group_window_seconds=window,
            rate_group_burst=5,
        )
    )
    await runner.start()
    await runner.services.repo.enqueue([note(group.id, f"kartu {i}") for i in range(40)])
    await wait_until_sent(runner, 40, within=30)  # the limiter's windows: time-based
    await runner.stop()
    times = sorted(r.time for r in loopback.calls("sendMessage", chat_id=group.id))
    assert len(times) == 40
    busiest = max(sum(1 for t in times if start <= t < start + window) for start in times)
    assert busiest <= limit
    # The limiter must not be needlessly slow either: 40 messages fit in about 3 windows.
    assert times[-1] - times[0] < 3.5 * window
