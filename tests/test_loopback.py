"""The loopback Bot API server, exercised through python-telegram-bot's real Bot and Application."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import (
    Bot,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    Message,
    ReplyKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes

from loopback import LoopbackBotApi, parse_html
from loopback.models import DEFAULT_PHOTO, image_size


@pytest.fixture
async def server() -> AsyncIterator[LoopbackBotApi]:
    async with LoopbackBotApi() as s:
        yield s


@pytest.fixture
async def bot(server: LoopbackBotApi) -> AsyncIterator[Bot]:
    async with Bot(server.token, base_url=server.base_url, base_file_url=server.base_file_url) as b:
        yield b


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.title(), callback_data=d) for d in data]])


# -- basics ----------------------------------------------------------------------------------


async def test_get_me(server: LoopbackBotApi, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456
    assert me.username == "aduan_bot"
    assert me.is_bot
    assert server.calls("getMe")[0].ok


async def test_wrong_token_is_unauthorized(server: LoopbackBotApi) -> None:
    other_bot = Bot("999:WRONG", base_url=server.base_url)
    try:
        with pytest.raises(InvalidToken):
            await other_bot.initialize()
    finally:
        await other_bot.shutdown()
    assert server.calls("getMe")[-1].status == 401


async def test_unknown_method_is_404(bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("frobnicate", api_kwargs={"x": 1})


async def test_send_edit_delete(server: LoopbackBotApi, bot: Bot) -> None:
    user = server.add_user("Budi", username="budi")
    sent = await bot.send_message(user.id, "<b>Halo</b> &amp; selamat", parse_mode="HTML")
    assert sent.text == "Halo & selamat"
    assert sent.entities[0].type == "bold"
    assert sent.from_user is not None
    assert sent.from_user.id == 123456
    assert server.last_bot_message(user.id)["text"] == "Halo & selamat"
    record = server.calls("sendMessage", chat_id=user.id)[0]
    assert record.params == {
        "chat_id": user.id,
        "text": "<b>Halo</b> &amp; selamat",
        "parse_mode": "HTML",
    }

    edited = await bot.edit_message_text("Diperbarui", chat_id=user.id, message_id=sent.message_id)
    assert isinstance(edited, type(sent))
    assert edited.text == "Diperbarui"
    assert edited.edit_date is not None
    stored = server.messages_in(user.id)
    assert [m["text"] for m in stored] == ["Diperbarui"]
    assert "entities" not in stored[0]

    assert await bot.delete_message(user.id, sent.message_id)
    assert server.messages_in(user.id) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(user.id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=sent.message_id)


async def test_message_ids_are_per_chat_and_shared_with_user(
    server: LoopbackBotApi, bot: Bot
) -> None:
    user = server.add_user("Sari")
    group = server.add_supergroup("Staf")
    first = server.send_text(user, "halo")
    reply = await bot.send_message(user.id, "hai", reply_parameters=ReplyParameters(1))
    in_group = await bot.send_message(group.id, "kartu", reply_markup=keyboard("ok"))
    assert first["message_id"] == 1
    assert reply.message_id == 2
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "halo"
    assert in_group.message_id == 1
    assert group.id < -1000000000000
    assert [m["from"]["id"] for m in server.messages_in(user.id)] == [user.id, 123456]
    assert len(server.bot_messages(user.id)) == 1


async def test_validation_errors(server: LoopbackBotApi, bot: Bot) -> None:
    user = server.add_user("Andi")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(user.id, "   ")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(user.id, "x" * 4097)
    await bot.send_message(user.id, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(user.id, "pilih", reply_markup=keyboard("x" * 65))
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(-100999, "siapa")
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_photo(user.id, DEFAULT_PHOTO, caption="c" * 1025)
    reply_kb = ReplyKeyboardMarkup([["Ya", "Tidak"]])
    plain = await bot.send_message(user.id, "ya?", reply_markup=reply_kb)
    assert plain.reply_markup is None


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("1 < 2", "can't parse entities"),
        ("Tom & Jerry", "can't parse entities"),
        ("<b>tebal", "Can't find end tag"),
        ("<b>x</i>", "Unmatched end tag"),
        ("baris<br>baru", 'Unsupported start tag "br"'),
        ("<span>x</span>", "tg-spoiler"),
        ("x</b>", "Unexpected end tag"),
    ],
)
async def test_html_parse_errors(server: LoopbackBotApi, bot: Bot, text: str, error: str) -> None:
    user = server.add_user("Rina")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as caught:
        await bot.send_message(user.id, text, parse_mode="HTML")
    assert error.lower() in caught.value.message.lower()
    assert server.bot_messages(user.id) == []


def test_html_parser_entities_and_utf16_offsets() -> None:
    text, entities = parse_html(
        '\N{GRINNING FACE} <b>a<i>b</i></b> <a href="https://x.id/?a=1&amp;b=2">l</a>'
        ' <pre><code class="language-python">p</code></pre> 2 &gt; 1 &#65;'
        ' <span class="tg-spoiler">s</span> <blockquote expandable>q</blockquote>'
    )
    assert text == "\N{GRINNING FACE} ab l p 2 > 1 A s q"
    by_type = {e["type"]: e for e in entities}
    assert by_type["bold"] == {"type": "bold", "offset": 3, "length": 2}
    assert by_type["italic"] == {"type": "italic", "offset": 4, "length": 1}
    assert by_type["text_link"]["url"] == "https://x.id/?a=1&b=2"
    assert by_type["pre"]["language"] == "python"
    assert "code" not in by_type
    assert by_type["spoiler"]["length"] == 1
    assert "expandable_blockquote" in by_type


async def test_message_not_modified(server: LoopbackBotApi, bot: Bot) -> None:
    user = server.add_user("Dewi")
    sent = await bot.send_message(user.id, "status", reply_markup=keyboard("a"))
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "status", chat_id=user.id, message_id=sent.message_id, reply_markup=keyboard("a")
        )
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=user.id, message_id=sent.message_id, reply_markup=keyboard("a")
        )
    # Editing the text without reply_markup removes the inline keyboard, as on Telegram.
    edited = await bot.edit_message_text("status", chat_id=user.id, message_id=sent.message_id)
    assert isinstance(edited, Message)
    assert edited.reply_markup is None
    assert "reply_markup" not in server.last_bot_message(user.id)


# -- callbacks and updates -------------------------------------------------------------------


async def test_inline_keyboard_round_trip(server: LoopbackBotApi, bot: Bot) -> None:
    user = server.add_user("Eko")
    sent = await bot.send_message(user.id, "Setuju?", reply_markup=keyboard("yes", "no"))
    stored = server.last_bot_message(user.id)
    query_id = server.press_button(user, stored, "yes")
    with pytest.raises(LookupError, match="no button"):
        server.press_button(user, stored, "maybe")

    updates = await bot.get_updates(timeout=1)
    assert len(updates) == 1
    query = updates[0].callback_query
    assert query is not None
    assert query.id == query_id
    assert query.data == "yes"
    assert query.from_user.id == user.id
    assert query.message is not None
    assert query.message.message_id == sent.message_id

    assert server.answered_callback(query_id) is None
    assert await bot.answer_callback_query(query_id, text="Tercatat")
    answered = server.answered_callback(query_id)
    assert answered is not None
    assert answered.params["text"] == "Tercatat"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)

    await bot.edit_message_reply_markup(user.id, sent.message_id, reply_markup=keyboard("undo"))
    assert server.press_button(user, stored, "undo")  # the stored state is looked up again


async def test_get_updates_offset_long_poll_and_redeliver(server: LoopbackBotApi, bot: Bot) -> None:
    user = server.add_user("Fajar")
    assert await bot.get_updates(timeout=0) == ()

    async def later() -> None:
        await asyncio.sleep(0.1)
        server.send_text(user, "/lapor@aduan_bot")

    started = time.monotonic()
    task = asyncio.create_task(later())
    updates = await bot.get_updates(timeout=3)
    await task
    assert time.monotonic() - started < 2
    assert len(updates) == 1
    first = updates[0]
    assert first.message is not None
    assert first.message.entities[0].type == "bot_command"
    assert first.message.entities[0].length == len("/lapor@aduan_bot")

    # Not confirmed yet: delivered again; confirming with offset forgets it.
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [first.update_id]
    assert await bot.get_updates(offset=first.update_id + 1, timeout=0) == ()

    server.redeliver(first.update_id)
    redelivered = await bot.get_updates(offset=first.update_id + 1, timeout=0)
    assert [u.update_id for u in redelivered] == [first.update_id]
    assert await bot.get_updates(offset=first.update_id + 1, timeout=0) == ()

    raw_id = server.inject_raw({"message": server.send_text(user, "x")})
    assert raw_id == first.update_id + 2


async def test_concurrent_get_updates_conflict(server: LoopbackBotApi, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=2))
    await asyncio.sleep(0.1)
    async with Bot(server.token, base_url=server.base_url) as other:
        assert await other.get_updates(timeout=0) == ()
    with pytest.raises(Conflict):
        await first


async def test_json_body_and_raw_http(server: LoopbackBotApi) -> None:
    user = server.add_user("Raw")
    url = f"{server.base_url}{server.token}"
    async with httpx.AsyncClient() as client:
        ok = await client.post(f"{url}/sendmessage", json={"chat_id": user.id, "text": "123"})
        missing = await client.post(f"{url}/noSuchMethod", json={})
        wrong = await client.post(f"{server.base_url}1:x/getMe")
    assert ok.json()["result"]["text"] == "123"
    assert server.calls("sendMessage")[0].params == {"chat_id": user.id, "text": "123"}
    assert missing.status_code == 404
    assert missing.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert wrong.status_code == 401
    assert wrong.json()["description"] == "Unauthorized"


async def test_user_media_and_contact_updates(server: LoopbackBotApi, bot: Bot) -> None:
    user = server.add_user("Gita")
    group = server.add_supergroup("Staf")
    photo = server.send_photo(user, caption="jalan rusak")
    server.send_document(user, b"%PDF-1.4 x", file_name="surat.pdf", mime_type="application/pdf")
    server.send_contact(user, "+628123456789")
    server.send_location(user, -6.2, 106.8)
    server.send_voice(user)
    server.send_video(user)
    server.send_sticker(user)
    server.forward_text(user, "pesan lama", origin=server.add_user("Hadi"))
    server.send_text(user, "di grup", chat=group)
    updates = await bot.get_updates(timeout=0)
    messages = [u.message for u in updates if u.message is not None]
    assert len(messages) == 9
    assert len(photo["photo"]) == 2
    assert messages[0].caption == "jalan rusak"
    assert messages[1].document is not None
    assert messages[1].document.file_name == "surat.pdf"
    assert messages[2].contact is not None
    assert messages[2].contact.user_id == user.id
    assert messages[3].location is not None
    assert messages[4].voice is not None
    assert messages[5].video is not None
    assert messages[6].sticker is not None
    assert messages[7].forward_origin is not None
    assert messages[8].chat.id == group.id

    largest = messages[0].photo[-1]
    file = await largest.get_file()
    assert bytes(await file.download_as_bytearray()) == DEFAULT_PHOTO
    assert (largest.width, largest.height) == image_size(DEFAULT_PHOTO)


# -- files -----------------------------------------------------------------------------------


async def test_photo_upload_get_file_and_download(server: LoopbackBotApi, bot: Bot) -> None:
    user = server.add_user("Indah")
    sent = await bot.send_photo(user.id, DEFAULT_PHOTO, caption="<i>bukti</i>", parse_mode="HTML")
    assert sent.caption == "bukti"
    assert len(sent.photo) == 2
    upload = server.calls("sendPhoto")[0]
    assert any(f.content == DEFAULT_PHOTO for f in upload.files.values())

    file = await bot.get_file(sent.photo[-1].file_id)
    assert file.file_path is not None
    assert bytes(await file.download_as_bytearray()) == DEFAULT_PHOTO

    again = await bot.send_photo(user.id, sent.photo[-1].file_id)
    assert again.photo[-1].file_id == sent.photo[-1].file_id
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(user.id, "nonsense-id")
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("nonsense-id")


async def test_document_media_group_copy_and_forward(server: LoopbackBotApi, bot: Bot) -> None:
    user = server.add_user("Joko")
    staff = server.add_supergroup("Staf")
    doc = await bot.send_document(
        user.id, InputFile(b"isi laporan", filename="laporan.txt"), caption="lampiran"
    )
    assert doc.document is not None
    assert doc.document.file_name == "laporan.txt"
    file = await bot.get_file(doc.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"isi laporan"

    album = await bot.send_media_group(
        staff.id, [InputMediaPhoto(DEFAULT_PHOTO, caption="1"), InputMediaPhoto(DEFAULT_PHOTO)]
    )
    assert len(album) == 2
    assert album[0].media_group_id == album[1].media_group_id is not None

    original = server.send_text(user, "jalan berlubang")
    copied = await bot.copy_message(staff.id, user.id, original["message_id"])
    copy_stored = server.messages_in(staff.id)[-1]
    assert copy_stored["message_id"] == copied.message_id
    assert copy_stored["text"] == "jalan berlubang"
    assert "forward_origin" not in copy_stored

    forwarded = await bot.forward_message(staff.id, user.id, original["message_id"])
    assert forwarded.forward_origin is not None
    assert forwarded.text == "jalan berlubang"
    with pytest.raises(BadRequest, match=r"(?i)message to copy not found"):
        await bot.copy_message(staff.id, user.id, 999)


# -- chats and members -----------------------------------------------------------------------


async def test_chat_member_statuses(server: LoopbackBotApi, bot: Bot) -> None:
    staff = server.add_supergroup("Staf")
    expected = {
        "creator": ChatMemberOwner,
        "administrator": ChatMemberAdministrator,
        "member": ChatMemberMember,
        "restricted": ChatMemberRestricted,
        "left": ChatMemberLeft,
        "kicked": ChatMemberBanned,
    }
    for status, cls in expected.items():
        user = server.add_user(status.title())
        server.set_member(staff.id, user, status)
        member = await bot.get_chat_member(staff.id, user.id)
        assert isinstance(member, cls), status
        assert member.user.id == user.id
    stranger = server.add_user("Asing")
    assert isinstance(await bot.get_chat_member(staff.id, stranger.id), ChatMemberLeft)
    with pytest.raises(BadRequest, match=r"(?i)user not found"):
        await bot.get_chat_member(staff.id, 424242)

    admins = await bot.get_chat_administrators(staff.id)
    assert {a.user.id for a in admins} == {123456, 1001, 1002}
    chat = await bot.get_chat(staff.id)
    assert chat.title == "Staf"
    assert await bot.send_chat_action(staff.id, "typing")
    assert await bot.leave_chat(staff.id)
    with pytest.raises(Forbidden, match=r"(?i)not a member"):
        await bot.send_message(staff.id, "halo")


async def test_blocked_user_is_forbidden(server: LoopbackBotApi, bot: Bot) -> None:
    user = server.add_user("Kiki")
    server.block_bot(user)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(user.id, "halo")
    assert server.calls("sendMessage")[0].status == 403


async def test_chat_migration(server: LoopbackBotApi, bot: Bot) -> None:
    group = server.add_group("Staf lama")
    server.migrate_chat(group.id, -1001234567890)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(group.id, "halo")
    assert caught.value.new_chat_id == -1001234567890
    sent = await bot.send_message(-1001234567890, "halo")
    assert sent.chat.type == "supergroup"
    updates = await bot.get_updates(timeout=0)
    assert [u.message.migrate_to_chat_id for u in updates if u.message] == [-1001234567890, None]


async def test_commands(bot: Bot) -> None:
    assert await bot.set_my_commands([("start", "Mulai"), ("lapor", "Buat laporan")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "lapor"]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Bad Command", "x")])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


# -- faults ----------------------------------------------------------------------------------


async def test_fault_429_is_retry_after(server: LoopbackBotApi, bot: Bot) -> None:
    user = server.add_user("Lina")
    server.inject_fault("sendMessage", "429", retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(user.id, "halo")
    assert caught.value.retry_after == dt.timedelta(seconds=3)
    await bot.send_message(user.id, "halo")
    assert [r.status for r in server.calls("sendMessage")] == [429, 200]
    assert server.calls("sendMessage")[0].fault == "429"
    assert [m["text"] for m in server.bot_messages(user.id)] == ["halo"]


async def test_fault_5xx_are_network_errors(server: LoopbackBotApi, bot: Bot) -> None:
    user = server.add_user("Mira")
    server.inject_fault(None, "500")
    server.inject_fault("sendMessage", "502", chat_id=user.id)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.get_me()
    other = server.add_user("Nina")
    await bot.send_message(other.id, "tidak kena")
    with pytest.raises(NetworkError):
        await bot.send_message(user.id, "kena")
    assert await bot.get_updates(timeout=0) == ()  # getUpdates is spared by method=None
    assert server.bot_messages(user.id) == []


async def test_fault_drop_and_slow(server: LoopbackBotApi, bot: Bot) -> None:
    user = server.add_user("Oki")
    server.inject_fault("sendMessage", "drop")
    with pytest.raises(NetworkError):
        await bot.send_message(user.id, "hilang")
    assert server.bot_messages(user.id) == []

    server.inject_fault("sendMessage", "slow", delay=0.3)
    started = time.monotonic()
    await bot.send_message(user.id, "lambat")
    assert time.monotonic() - started >= 0.3

    # Slower than the client waits: the client times out, yet the message was sent.
    server.inject_fault("sendMessage", "slow", delay=0.5)
    with pytest.raises(TimedOut):
        await bot.send_message(user.id, "terlambat", read_timeout=0.1)
    await server.wait_for("sendMessage", count=3)
    assert [m["text"] for m in server.bot_messages(user.id)] == ["lambat", "terlambat"]


async def test_wait_for_times_out_helpfully(server: LoopbackBotApi, bot: Bot) -> None:
    await bot.get_me()
    with pytest.raises(TimeoutError, match=r"(?s)expected 1 sendMessage.*getMe"):
        await server.wait_for("sendMessage", timeout=0.05)


# -- a real Application ----------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "Selamat datang di <b>Aduan</b>",
        parse_mode="HTML",
        reply_markup=keyboard("lapor"),
        do_quote=True,
    )


async def test_application_polling_replies_to_start(server: LoopbackBotApi) -> None:
    app: Application = (
        ApplicationBuilder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    user = server.add_user("Putri")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        server.send_text(user, "/start")
        (reply,) = await server.wait_for("sendMessage", chat_id=user.id)
        server.send_text(user, "/start")
        await server.settle()
        assert len(server.calls("sendMessage", chat_id=user.id)) == 2
        await app.updater.stop()
        await app.stop()
    assert reply.params["reply_parameters"] == {"message_id": 1}
    message = server.bot_messages(user.id)[0]
    assert message["text"] == "Selamat datang di Aduan"
    assert message["reply_to_message"]["text"] == "/start"
    assert message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "lapor"
    assert server.undelivered_count() == 0


async def test_a_mention_link_comes_back_with_the_whole_user(
    server: LoopbackBotApi, bot: Bot
) -> None:
    staff = server.add_user("Ani", username="ani_op")
    group = server.add_supergroup("Staf")
    text = f'Untuk <a href="tg://user?id={staff.id}">Ani</a>'
    sent = await bot.send_message(group.id, text, parse_mode="HTML")
    mention = sent.entities[0]
    assert mention.type == "text_mention"
    assert mention.user is not None
    assert (mention.user.id, mention.user.first_name) == (staff.id, "Ani")
