"""The bot's commands: one list feeds /help and Telegram's command menu (setMyCommands)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from telegram import Bot, BotCommand, BotCommandScope, BotCommandScopeChat
from telegram.error import TelegramError

from bot.render import LANGUAGES, Renderer

log = logging.getLogger(__name__)


class Audience(StrEnum):
    """Who a command is for."""

    CITIZEN = "citizen"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class Command:
    """A command; its description is the label `cmd.<name>` in each language."""

    name: str
    audience: Audience
    # Answers in the staff group too; the others answer only in a private chat with the bot.
    in_group: bool = False

    @property
    def label_key(self) -> str:
        """Return the label that describes the command."""
        return f"cmd.{self.name}"


# Keep in the order people should read them in /help and the menu.
COMMANDS: tuple[Command, ...] = (
    Command("start", Audience.CITIZEN),
    Command("lapor", Audience.CITIZEN),
    Command("batal", Audience.CITIZEN),
    Command("status", Audience.CITIZEN),
    Command("laporan", Audience.CITIZEN),
    Command("help", Audience.CITIZEN, in_group=True),
    Command("bahasa", Audience.CITIZEN),
    Command("antrian", Audience.STAFF),
    Command("cari", Audience.STAFF),
    Command("lihat", Audience.STAFF),
    Command("riwayat", Audience.STAFF),
    Command("catat", Audience.STAFF),
    Command("staf", Audience.STAFF, in_group=True),
    Command("unit", Audience.STAFF, in_group=True),
    Command("rekap", Audience.STAFF, in_group=True),
    Command("ekspor", Audience.STAFF, in_group=True),
    Command("surat", Audience.STAFF),
)


def commands_for(audience: Audience) -> list[Command]:
    """Return the commands of one audience, in menu order."""
    return [c for c in COMMANDS if c.audience is audience]


def group_commands() -> list[Command]:
    """Return what the staff group's menu offers: only commands that answer there."""
    return [c for c in COMMANDS if c.in_group]


def private_commands(*audiences: Audience) -> list[Command]:
    """Return the commands of these audiences for a private chat, in menu order."""
    return [c for c in COMMANDS if c.audience in audiences]


def menu(renderer: Renderer, lang: str, commands: Sequence[Command]) -> list[BotCommand]:
    """Return a command menu in one language."""
    return [BotCommand(c.name, renderer.label(lang, c.label_key)) for c in commands]


async def publish(
    bot: Bot, renderer: Renderer, scope: BotCommandScope, commands: Sequence[Command]
) -> bool:
    """Publish a menu for one scope in every language; a failure is logged, never raised."""
    published = True
    for lang in LANGUAGES:
        try:
            await bot.set_my_commands(
                menu(renderer, lang, commands),
                scope=scope,
                language_code=None if lang == "id" else lang,
            )
        except TelegramError as exc:
            log.warning("could not register the %s command list (%s): %s", lang, scope.type, exc)
            published = False
    return published


async def publish_staff_private(bot: Bot, renderer: Renderer, chat_id: int) -> bool:
    """Give one staff member's private chat the citizen and the staff commands."""
    scope = BotCommandScopeChat(chat_id)
    return await publish(bot, renderer, scope, private_commands(Audience.CITIZEN, Audience.STAFF))
