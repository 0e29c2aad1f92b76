"""The bot's commands: one list feeds /help and Telegram's command menu (setMyCommands).

Menus are published at start, side by side (at most PUBLISH_CONCURRENCY calls at once), and only
where they changed: the fingerprint of each scope's menu (its commands and labels in every
language) is kept in settings_kv under `menu:<scope>`, so a restart with nothing changed makes
no setMyCommands call, and a staff member whose role changed gets their own scope republished.
A staff member who left the registry gets their private menu deleted (back to the citizens').
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import TelegramError

from bot.render import LANGUAGES, Renderer
from storage.models import StaffMember
from storage.repository import Repository
from storage.vocabulary import Role

log = logging.getLogger(__name__)

MENU_PREFIX = "menu:"
PRIVATE_KEY = "private"
# setMyCommands names no chat, so PTB's rate limiter lets every call through: the bot keeps
# itself to a few at once (Telegram's limits count per second; real round trips are ~0.1 s).
PUBLISH_CONCURRENCY = 8


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
    # The staff roles that may use it (the handlers check the same); None: every role.
    roles: frozenset[Role] | None = None

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
    Command("catat", Audience.STAFF, roles=frozenset({Role.OPERATOR, Role.SUPERVISOR})),
    Command("staf", Audience.STAFF, in_group=True, roles=frozenset({Role.SUPERVISOR})),
    Command("unit", Audience.STAFF, in_group=True, roles=frozenset({Role.SUPERVISOR})),
    Command("rekap", Audience.STAFF, in_group=True, roles=frozenset({Role.SUPERVISOR})),
    Command("ekspor", Audience.STAFF, in_group=True, roles=frozenset({Role.SUPERVISOR})),
    Command("surat", Audience.STAFF, roles=frozenset({Role.SUPERVISOR})),
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


def staff_private_commands(role: str) -> list[Command]:
    """Return a staff member's private menu: the citizen commands and those of their role."""
    return [
        c
        for c in COMMANDS
        if c.audience is Audience.CITIZEN
        or (c.audience is Audience.STAFF and (c.roles is None or role in c.roles))
    ]


def menu(renderer: Renderer, lang: str, commands: Sequence[Command]) -> list[BotCommand]:
    """Return a command menu in one language."""
    return [BotCommand(c.name, renderer.label(lang, c.label_key)) for c in commands]


async def publish(
    bot: Bot, renderer: Renderer, scope: BotCommandScope, commands: Sequence[Command]
) -> bool:
    """Publish a menu for one scope in every language at once; a failure is logged, not raised."""

    async def one(lang: str) -> bool:
        try:
            await bot.set_my_commands(
                menu(renderer, lang, commands),
                scope=scope,
                language_code=None if lang == "id" else lang,
            )
        except TelegramError as exc:
            log.warning("could not register the %s command list (%s): %s", lang, scope.type, exc)
            return False
        return True

    return all(await asyncio.gather(*(one(lang) for lang in LANGUAGES)))


async def unpublish(bot: Bot, scope: BotCommandScope) -> bool:
    """Delete a scope's menu in every language (the chat falls back to the wider scope)."""

    async def one(lang: str) -> bool:
        try:
            await bot.delete_my_commands(scope=scope, language_code=None if lang == "id" else lang)
        except TelegramError as exc:
            log.warning("could not delete the %s command list (%s): %s", lang, scope.type, exc)
            return False
        return True

    return all(await asyncio.gather(*(one(lang) for lang in LANGUAGES)))


@dataclass(frozen=True, slots=True)
class Menu:
    """One scope's menu: where Telegram shows it and what it lists."""

    key: str
    scope: BotCommandScope
    commands: tuple[Command, ...]


def fingerprint(renderer: Renderer, commands: Sequence[Command]) -> str:
    """Return what identifies a published menu: its commands and labels in every language."""
    shown = {
        lang: [[c.name, renderer.label(lang, c.label_key)] for c in commands] for lang in LANGUAGES
    }
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()[:32]


def staff_menu(member: StaffMember) -> Menu:
    """Return the menu of one staff member's private chat."""
    return Menu(
        f"staff:{member.telegram_user_id}",
        BotCommandScopeChat(member.telegram_user_id),
        tuple(staff_private_commands(member.role)),
    )


def menus_wanted(staff_chat_id: int | None, staff: Iterable[StaffMember]) -> list[Menu]:
    """Return every menu the bot shows: citizens', the staff group's, each reachable member's."""
    wanted = [
        Menu(
            PRIVATE_KEY,
            BotCommandScopeAllPrivateChats(),
            tuple(private_commands(Audience.CITIZEN)),
        )
    ]
    if staff_chat_id is not None:
        wanted.append(
            Menu(
                f"group:{staff_chat_id}",
                BotCommandScopeChat(staff_chat_id),
                tuple(group_commands()),
            )
        )
    # Telegram keeps a per-chat menu until it is replaced; a member who never wrote privately
    # gets theirs with their first private message (handlers/staff/presence.py).
    wanted += [staff_menu(m) for m in staff if m.private_chat_at is not None]
    return wanted


async def publish_changed(
    bot: Bot,
    renderer: Renderer,
    repo: Repository,
    wanted: Sequence[Menu],
    *,
    complete: bool = False,
    concurrency: int = PUBLISH_CONCURRENCY,
) -> int:
    """Publish the menus that changed since their last publication; return the scopes sent.

    `complete`: `wanted` is every menu the bot shows, so a staff member's private menu that is
    no longer wanted (they left the registry) is deleted. A failed scope is not remembered and is
    tried again at the next start.
    """
    known = await repo.kv_items(MENU_PREFIX)
    prints = {m.key: fingerprint(renderer, m.commands) for m in wanted}
    changed = [m for m in wanted if known.get(MENU_PREFIX + m.key) != prints[m.key]]
    wanted_keys = {MENU_PREFIX + m.key for m in wanted}
    stale = [k for k in known if k not in wanted_keys] if complete else []
    gate = asyncio.Semaphore(max(1, concurrency))

    async def send(item: Menu) -> bool:
        async with gate:
            return await publish(bot, renderer, item.scope, item.commands)

    async def delete(key: str) -> bool:
        scope_key = key.removeprefix(MENU_PREFIX)
        if not scope_key.startswith("staff:"):
            return True  # a group the bot left or that became a supergroup: forget it
        async with gate:
            return await unpublish(bot, BotCommandScopeChat(int(scope_key.split(":", 1)[1])))

    sent = await asyncio.gather(*(send(m) for m in changed))
    deleted = await asyncio.gather(*(delete(k) for k in stale))
    await repo.set_kvs(
        {MENU_PREFIX + m.key: prints[m.key] for m, ok in zip(changed, sent, strict=True) if ok},
        drop=[k for k, ok in zip(stale, deleted, strict=True) if ok],
    )
    return len(changed) + len(stale)


async def publish_member(bot: Bot, renderer: Renderer, repo: Repository, user_id: int) -> bool:
    """Give one staff member's private chat their menu (unless it is already theirs)."""
    member = await repo.staff_by_telegram(user_id)
    if member is None:
        return False
    return await publish_changed(bot, renderer, repo, [staff_menu(member)]) > 0
