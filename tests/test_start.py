"""A citizen's first contact: /start, /help and /bahasa, through the real HTTP stack."""

from __future__ import annotations

from typing import Any

from bot.telegram.menus import Audience, commands_for
from loopback import LoopbackBotApi
from tests.harness import BotRunner


def keyboard_texts(loopback: LoopbackBotApi, chat_id: int) -> list[list[str]]:
    """Return the button texts of the last message the bot sent (reply keyboards included)."""
    markup = loopback.calls("sendMessage", chat_id=chat_id)[-1].params.get("reply_markup") or {}
    rows = markup.get("keyboard") or markup.get("inline_keyboard") or []
    return [
        [button["text"] if isinstance(button, dict) else button for button in row] for row in rows
    ]


async def ask(loopback: LoopbackBotApi, user: Any, text: str) -> dict[str, Any]:
    before = len(loopback.bot_messages(user.id))
    loopback.send_text(user, text)
    await loopback.wait_for("sendMessage", chat_id=user.id, count=before + 1)
    return loopback.last_bot_message(user.id)


async def test_start_greets_in_indonesian_with_the_main_menu(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = loopback.add_user("Siti", language_code="en")
    reply = await ask(loopback, citizen, "/start")
    assert reply["text"].startswith("Selamat datang di ")
    assert "Siti" in reply["text"]
    assert "/help" in reply["text"]
    assert keyboard_texts(loopback, citizen.id) == [
        ["📝 Buat Laporan"],
        ["📋 Laporan Saya", "🔎 Cek Status"],
        ["ℹ️ Bantuan", "🌐 Bahasa"],
    ]
    sent = loopback.calls("sendMessage", chat_id=citizen.id)[-1]
    assert sent.params["parse_mode"] == "HTML"


async def test_start_in_english_after_choosing_english_with_the_buttons(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = loopback.add_user("John")
    choice = await ask(loopback, citizen, "/bahasa")
    assert keyboard_texts(loopback, citizen.id) == [["🇮🇩 Bahasa Indonesia", "🇬🇧 English"]]
    loopback.press_button(citizen, choice, "lang:set:en")
    await loopback.wait_for("sendMessage", chat_id=citizen.id, count=2)
    assert loopback.last_bot_message(citizen.id)["text"].startswith("Language set to English")
    assert loopback.calls("answerCallbackQuery")

    reply = await ask(loopback, citizen, "/start")
    assert reply["text"].startswith("Welcome to ")
    assert keyboard_texts(loopback, citizen.id) == [
        ["📝 New Report"],
        ["📋 My Reports", "🔎 Check Status"],
        ["ℹ️ Help", "🌐 Language"],
    ]


async def test_language_choice_survives_a_restart(loopback: LoopbackBotApi, bot: BotRunner) -> None:
    citizen = loopback.add_user("John")
    await ask(loopback, citizen, "/bahasa en")
    await bot.restart()
    reply = await ask(loopback, citizen, "/start")
    assert reply["text"].startswith("Welcome to ")


async def test_help_lists_every_citizen_command_in_the_users_language(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = loopback.add_user("Siti")
    reply = await ask(loopback, citizen, "/help")
    for command in commands_for(Audience.CITIZEN):
        assert f"/{command.name} — " in reply["text"]
    menu_reply = await ask(loopback, citizen, "ℹ️ Bantuan")
    assert menu_reply["text"] == reply["text"]


async def test_command_menu_is_registered_in_both_languages(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    calls = loopback.calls("setMyCommands")
    by_language = {c.params.get("language_code"): c.params["commands"] for c in calls}
    names = [c.name for c in commands_for(Audience.CITIZEN)]
    assert set(by_language) == {None, "en"}
    for commands in by_language.values():
        assert [c["command"] for c in commands] == names


async def test_a_failing_command_registration_does_not_stop_the_bot(
    loopback: LoopbackBotApi, settings: Any
) -> None:
    loopback.inject_fault("setMyCommands", "500", times=2)
    runner = BotRunner(settings)
    await runner.start()
    citizen = loopback.add_user("Siti")
    reply = await ask(loopback, citizen, "/start")
    await runner.stop()
    assert reply["text"].startswith("Selamat datang")


async def test_a_forged_language_button_gets_a_polite_alert_and_changes_nothing(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = loopback.add_user("Siti")
    choice = await ask(loopback, citizen, "/bahasa")
    query_id = loopback.press_button(citizen, choice, "lang:set:xx", forge=True)
    await loopback.wait_for("answerCallbackQuery")
    answer = loopback.answered_callback(query_id)
    assert answer is not None
    assert answer.params["text"] == "Tombol ini sudah tidak berlaku."
    reporter = await bot.services.repo.reporter_by_telegram(citizen.id)
    assert reporter is None or reporter.language == "id"


async def test_the_same_update_delivered_twice_is_handled_once(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = loopback.add_user("Siti")
    message = loopback.send_text(citizen, "/start")
    await loopback.wait_for("sendMessage", chat_id=citizen.id)
    update_id = loopback.update_id_of(message)
    loopback.redeliver(update_id)
    loopback.send_text(citizen, "/help")
    await loopback.wait_for("sendMessage", chat_id=citizen.id, count=2)
    await bot.idle()
    texts = [m["text"] for m in loopback.bot_messages(citizen.id)]
    assert len(texts) == 2
    assert texts[0].startswith("Selamat datang")
    assert texts[1].startswith("<b>Bantuan") or texts[1].startswith("Bantuan")
