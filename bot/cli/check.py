"""`python -m bot check`: ask Telegram whether the bot can work, and say what to fix."""

from __future__ import annotations

import argparse
import asyncio

from telegram import Bot
from telegram.error import Forbidden, InvalidToken, NetworkError, TelegramError

from bot.settings import Settings

_CAN_WORK = {"administrator", "member"}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `check` subcommand."""
    check = subparsers.add_parser(
        "check", help="check the token, the staff group, the bot's rights and the admins"
    )
    check.set_defaults(func=cmd_check)


def cmd_check(settings: Settings, _args: argparse.Namespace) -> int:
    """Print one line per check (ok / fix); exit 1 when anything needs fixing."""
    lines = asyncio.run(run_checks(settings))
    for line in lines:
        print(line)
    return 1 if any(line.startswith("fix:") for line in lines) else 0


async def run_checks(settings: Settings) -> list[str]:
    """Return the checks' lines: getMe, the group, the bot's membership and the admins."""
    bot = Bot(settings.token, base_url=settings.telegram_base_url)
    lines: list[str] = []
    try:
        me = await bot.get_me()
    except InvalidToken:
        return ["fix: TELEGRAM_BOT_TOKEN is refused by Telegram; copy it again from @BotFather"]
    except NetworkError as exc:
        return [f"fix: Telegram cannot be reached at {settings.telegram_base_url} ({exc})"]
    lines.append(f"ok: the token belongs to @{me.username} (id {me.id})")
    try:
        lines += await _group_checks(bot, settings, me.id)
    finally:
        await bot.shutdown()
    return lines


async def _group_checks(bot: Bot, settings: Settings, bot_id: int) -> list[str]:
    chat_id = settings.staff_chat_id
    if chat_id is None:
        return [
            "fix: STAFF_CHAT_ID is not set: add the bot to the staff group, send a message "
            "there, and set STAFF_CHAT_ID to the group's id (negative, -100...)"
        ]
    try:
        chat = await bot.get_chat(chat_id)
    except Forbidden:
        return [f"fix: the bot is not in the staff group {chat_id}: add it to the group"]
    except TelegramError as exc:
        return [f"fix: STAFF_CHAT_ID {chat_id} cannot be read ({exc}): check the id"]
    lines: list[str] = []
    if chat.type not in ("group", "supergroup"):
        return [f"fix: STAFF_CHAT_ID {chat_id} is a {chat.type} chat, not a group"]
    lines.append(f"ok: the staff group is {chat.title!r} ({chat.type})")
    me = await bot.get_chat_member(chat_id, bot_id)
    if me.status not in _CAN_WORK:
        lines.append(f"fix: the bot is {me.status} in the staff group: add it as a member")
    elif me.status == "member":
        lines.append("ok: the bot is a member (make it an administrator to pin digests)")
    else:
        lines.append("ok: the bot is an administrator of the staff group")
    admins = {m.user.id for m in await bot.get_chat_administrators(chat_id)}
    for user_id in sorted(settings.admin_user_ids):
        member = await bot.get_chat_member(chat_id, user_id)
        if member.status not in _CAN_WORK:
            lines.append(f"fix: ADMIN_USER_IDS {user_id} is not in the staff group: add them")
        elif user_id not in admins:
            lines.append(f"ok: admin {user_id} is in the group (not a group administrator)")
        else:
            lines.append(f"ok: admin {user_id} is a group administrator")
    if not settings.admin_user_ids:
        lines.append("fix: ADMIN_USER_IDS is empty: nobody can register staff from Telegram")
    return lines
