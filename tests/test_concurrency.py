"""Per-chat concurrency: a slow Telegram answer for one chat never delays another chat.

The bot handles updates of different chats side by side and each chat's updates in order
(bot/telegram/processor.py). Runs on SQLite and, with ADUAN_TEST_DB=postgresql, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from loopback import LoopbackBotApi
from tests.harness import BotRunner, make_settings

SLOW = 2.0


async def _reply_seconds(loopback: LoopbackBotApi, chat_id: int, started: float) -> float:
    await loopback.wait_for("sendMessage", chat_id=chat_id, timeout=10)
    return time.monotonic() - started


async def test_a_slow_answer_for_one_citizen_does_not_delay_another(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    slow, quick = loopback.add_user("Ani"), loopback.add_user("Budi")
    loopback.inject_fault("sendMessage", "slow", delay=SLOW, chat_id=slow.id)
    started = time.monotonic()
    loopback.send_text(slow, "/start")
    loopback.send_text(quick, "/start")

    quick_after = await _reply_seconds(loopback, quick.id, started)
    slow_after = await _reply_seconds(loopback, slow.id, started)

    assert quick_after < SLOW / 2, f"Budi waited {quick_after:.2f}s behind Ani's slow answer"
    assert slow_after >= SLOW
    assert loopback.last_bot_message(quick.id)["text"].startswith("Selamat datang di ")
    assert loopback.last_bot_message(slow.id)["text"].startswith("Selamat datang di ")
    await bot.idle()


async def test_one_update_at_a_time_makes_the_other_citizen_wait(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    """UPDATE_CONCURRENCY=1 is PTB's concurrent_updates(False): the test above can fail."""
    runner = BotRunner(make_settings(loopback, tmp_path, update_concurrency=1), loopback=loopback)
    await runner.start()
    try:
        slow, quick = loopback.add_user("Ani"), loopback.add_user("Budi")
        loopback.inject_fault("sendMessage", "slow", delay=SLOW, chat_id=slow.id)
        started = time.monotonic()
        loopback.send_text(slow, "/start")
        loopback.send_text(quick, "/start")
        quick_after = await _reply_seconds(loopback, quick.id, started)
        assert quick_after >= SLOW
        await runner.idle()
    finally:
        await runner.stop()


async def test_each_citizens_messages_are_answered_in_the_order_sent(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    ani, budi = loopback.add_user("Ani"), loopback.add_user("Budi")
    # Ani's first answer is slow: her next messages must wait for it, Budi's must not.
    loopback.inject_fault("sendMessage", "slow", delay=SLOW / 2, chat_id=ani.id)
    for command in ("/start", "/help", "/bahasa"):
        loopback.send_text(ani, command)
        loopback.send_text(budi, command)
    await loopback.wait_for("sendMessage", chat_id=budi.id, count=3, timeout=10)
    # Budi's three answers all came while Ani's first was still on its way, and her next two
    # waited for it instead of overtaking it.
    assert loopback.bot_messages(ani.id) == []
    await loopback.wait_for("sendMessage", chat_id=ani.id, count=3, timeout=10)
    await bot.idle()

    for person in (ani, budi):
        messages = loopback.bot_messages(person.id)
        assert len(messages) == 3, messages
        assert messages[0]["text"].startswith("Selamat datang di ")
        assert "inline_keyboard" not in messages[1].get("reply_markup", {})
        # The /bahasa answer is the language choice, with its buttons.
        assert messages[2]["reply_markup"]["inline_keyboard"]


@pytest.mark.parametrize("citizens", [12])
async def test_many_citizens_filing_at_once_each_get_their_answers_in_order(
    loopback: LoopbackBotApi, bot: BotRunner, citizens: int
) -> None:
    """Many chats at once over one database writer: nothing deadlocks, no chat's order mixes."""
    people = [loopback.add_user(f"Warga {n}") for n in range(citizens)]
    for person in people:
        for command in ("/start", "/help", "/start"):
            loopback.send_text(person, command)
    await asyncio.gather(
        *(loopback.wait_for("sendMessage", chat_id=p.id, count=3, timeout=20) for p in people)
    )
    await bot.idle()
    for person in people:
        texts = [m["text"] for m in loopback.bot_messages(person.id)]
        assert texts[0] == texts[2] != texts[1], texts
