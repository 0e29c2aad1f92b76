"""/start and /help: the welcome, the main menu and the list of commands."""

from __future__ import annotations

from telegram import ReplyKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.domain.vocabulary import Channel
from bot.render import Renderer
from bot.services.container import Services
from bot.telegram.menus import Audience, commands_for, group_commands
from handlers.common import Context, MenuButton, keyboard, label, language, reply, services
from handlers.staff.common import StaffChat

# The main menu, row by row: filing a report first, then following reports, then help.
MENU_ROWS: tuple[tuple[str, ...], ...] = (
    ("menu_report.new",),
    ("menu.my_reports", "menu.check_status"),
    ("menu.help", "menu.language"),
)


def main_menu(context: Context, lang: str) -> ReplyKeyboardMarkup:
    """Return the citizen's main menu keyboard."""
    return keyboard([[label(context, lang, key) for key in row] for row in MENU_ROWS])


async def start(update: Update, context: Context) -> None:
    """Greet the citizen and show the main menu."""
    lang = await language(update, context)
    user = update.effective_user
    await reply(
        update,
        context,
        "welcome",
        lang=lang,
        office=services(context).profile.office_name(lang),
        first_name=user.first_name if user else None,
        types=[t.name.get(lang) for t in services(context).profile.offered_types()],
        reply_markup=main_menu(context, lang),
    )


async def help_command(update: Update, context: Context) -> None:
    """List the commands this person can use here, and the office's other channels."""
    svc = services(context)
    lang = await language(update, context)
    chat = update.effective_chat
    user = update.effective_user
    in_group = chat is not None and chat.id == svc.staff_chat_id
    member = await svc.repo.staff_by_telegram(user.id) if user is not None else None
    if in_group:
        sections = [("group", group_commands())]
    elif member is not None:
        sections = [
            ("citizen", commands_for(Audience.CITIZEN)),
            ("staff", commands_for(Audience.STAFF)),
        ]
    else:
        sections = [("citizen", commands_for(Audience.CITIZEN))]
    await reply(
        update,
        context,
        "help",
        lang=lang,
        office=svc.profile.office_name(lang),
        sections=[
            {
                "audience": audience,
                "commands": [
                    {"name": c.name, "description": label(context, lang, c.label_key)}
                    for c in commands
                ],
            }
            for audience, commands in sections
        ],
        channels=[c.name.get(lang) for c in svc.profile.channels if c.code is not Channel.TELEGRAM],
        elsewhere=[c.name for c in commands_for(Audience.STAFF) if not c.in_group],
    )


def menu_filter(renderer: Renderer, key: str) -> filters.BaseFilter:
    """Match a main-menu button (its label in any language, emoji or not) in a private chat."""
    return filters.ChatType.PRIVATE & MenuButton(renderer, key)


def handlers(svc: Services) -> list[BaseHandler[Update, Context, None]]:
    """Return the handlers of this feature."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("start", start, filters=private),
        CommandHandler("help", help_command, filters=private | StaffChat(svc)),
        MessageHandler(menu_filter(svc.renderer, "menu.help"), help_command),
    ]
