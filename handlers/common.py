"""Helpers every handler module shares: services, the user's language, replies, guards."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from telegram import KeyboardButton, Message, ReplyKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, ContextTypes, TypeHandler, filters

from bot.render import DEFAULT_LANGUAGE, LANGUAGES, Renderer, normalize_language
from bot.services.container import Services, get_services
from bot.telegram.updates import take_fetched_view
from storage.models import Draft, Reporter, UpdateView

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
LANG_KEY = "lang"
# What this update's handlers know of its sender, kept on the update's own context (PTB makes
# one context per update, shared by every handler group): read once by the redelivery guard.
VIEW_ATTR = "aduan_view"


def services(context: Context) -> Services:
    """Return the application's services."""
    return get_services(context.bot_data)


def message_of(update: Update) -> Message:
    """Return the update's message; only call from handlers whose filters guarantee one."""
    message = update.effective_message
    if message is None:
        raise ValueError("handler registered for updates without a message")
    return message


class SenderView:
    """The sender's reporter row and saved drafts as this update found and changed them."""

    __slots__ = ("all_drafts", "drafts", "has_reporter", "reporter")

    def __init__(self, view: UpdateView | None = None) -> None:
        self.has_reporter = view is not None
        self.reporter = view.reporter if view is not None else None
        self.drafts: dict[str, Draft] | None = dict(view.drafts) if view is not None else None
        # The view holds every saved draft of the sender: one it lacks was never saved.
        self.all_drafts = view is not None


def _sender(context: Context) -> SenderView:
    found = getattr(context, VIEW_ATTR, None)
    if not isinstance(found, SenderView):
        found = SenderView()
        setattr(context, VIEW_ATTR, found)
    return found


async def reporter_of(update: Update, context: Context) -> Reporter | None:
    """Return the sender's reporter row, read at most once per update."""
    view = _sender(context)
    if not view.has_reporter:
        user = update.effective_user
        view.reporter = await services(context).repo.reporter_by_telegram(user.id) if user else None
        view.has_reporter = True
    return view.reporter


def remember_reporter(context: Context, reporter: Reporter | None) -> None:
    """Keep the reporter row this update just wrote (None: read it again when asked)."""
    view = _sender(context)
    view.reporter, view.has_reporter = reporter, reporter is not None


async def saved_draft(update: Update, context: Context, conversation: str) -> Draft | None:
    """Return the sender's saved draft of a conversation, read at most once per update."""
    view = _sender(context)
    if view.drafts is None:
        view.drafts = {}
    if conversation not in view.drafts:
        if view.all_drafts:
            return None
        user = update.effective_user
        found = await services(context).repo.draft(user.id, conversation) if user else None
        if found is None:
            return None
        view.drafts[conversation] = found
    return view.drafts[conversation]


def remember_draft(context: Context, conversation: str, draft: Draft | None) -> None:
    """Keep the draft this update just saved (None: dropped)."""
    view = _sender(context)
    if view.drafts is None:
        if draft is None:
            return
        view.drafts = {}
    if draft is None:
        view.drafts.pop(conversation, None)
    else:
        view.drafts[conversation] = draft


async def language(update: Update, context: Context) -> str:
    """Return the language this user chose (Indonesian until they choose)."""
    cached = context.user_data.get(LANG_KEY) if context.user_data is not None else None
    if isinstance(cached, str):
        return cached
    user = update.effective_user
    lang = DEFAULT_LANGUAGE
    if user is not None:
        reporter = await reporter_of(update, context)
        if reporter is not None:
            lang = normalize_language(reporter.language)
    if context.user_data is not None:
        context.user_data[LANG_KEY] = lang
    return lang


def remember_language(context: Context, lang: str) -> None:
    """Update the cached language after the user changed it."""
    if context.user_data is not None:
        context.user_data[LANG_KEY] = lang


async def reply(
    update: Update,
    context: Context,
    template: str,
    *,
    reply_markup: Any = None,
    lang: str | None = None,
    **values: Any,
) -> Message:
    """Render a template in the user's language and send it as a reply in the same chat."""
    lang = lang or await language(update, context)
    text = services(context).renderer.render(lang, template, **values)
    return await message_of(update).reply_text(text, reply_markup=reply_markup)


def label(context: Context, lang: str, key: str, **values: Any) -> str:
    """Return a short label in a language."""
    return services(context).renderer.label(lang, key, **values)


# A keyboard button: its label, or its label and what it asks for ("location", "contact").
Button = str | tuple[str, str]


class PrebuiltKeyboard(ReplyKeyboardMarkup):
    """A reply keyboard (sized for phones) whose Bot API form is made once, when it is built.

    The same few layouts go out with every prompt: building one (a KeyboardButton per label)
    and turning it into its Bot API form took ~90 us of CPU per reply. Built once per layout
    by `keyboard`; like every PTB object it cannot be changed after it is made.
    """

    __slots__ = ("_api_form",)

    def __init__(self, rows: Sequence[Sequence[KeyboardButton | str]]) -> None:
        super().__init__(rows, resize_keyboard=True, is_persistent=True)
        with self._unfrozen():
            self._api_form = super().to_dict()

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        """Return the Bot API form (a fresh copy: callers may change it)."""
        if not recursive:
            return super().to_dict(recursive=False)
        form = dict(self._api_form)
        form["keyboard"] = [[dict(button) for button in row] for row in form["keyboard"]]
        return form


def keyboard(rows: Sequence[Sequence[Button]]) -> ReplyKeyboardMarkup:
    """Return a reply keyboard sized for phones (one object per layout, made once)."""
    return _keyboard(tuple(tuple(row) for row in rows))


@lru_cache(maxsize=1024)
def _keyboard(rows: tuple[tuple[Button, ...], ...]) -> PrebuiltKeyboard:
    return PrebuiltKeyboard([[_button(b) for b in row] for row in rows])


def _button(button: Button) -> KeyboardButton | str:
    if isinstance(button, str):
        return button
    text, asks = button
    return KeyboardButton(
        text,
        request_location=True if asks == "location" else None,
        request_contact=True if asks == "contact" else None,
    )


def kick_outbox(context: Context) -> None:
    """Deliver what a handler just queued without waiting for the next sweep."""
    sender = services(context).outbox
    if sender is not None and context.job_queue is not None:
        context.job_queue.run_once(lambda _ctx: sender.drain(), 0)


async def _drop_redelivered(update: Update, context: Context) -> None:
    """Stop an update that was already handled (Telegram redelivers after a crash)."""
    # Marked handled after the handlers (bot/telegram/updates.py), keyed by bot: a crash
    # mid-handler replays the update, and a database shared by two bots keeps both apart.
    # The same read brings a private chat's sender (reporter row, drafts) for the handlers.
    chat, user = update.effective_chat, update.effective_user
    private = user.id if user is not None and chat is not None and chat.type == "private" else None
    # A fetched update's view was read with its store (bot/telegram/updates.py), when it could.
    fetched = take_fetched_view(context.application, update.update_id)
    if fetched is not None and fetched[0] == private:
        view = fetched[1]
    else:
        view = await services(context).repo.update_view(context.bot.id, update.update_id, private)
    if view.handled:
        log.info("update %s was handled before; ignored", update.update_id)
        raise ApplicationHandlerStop
    if private is not None:
        reporter = view.reporter
        if reporter is not None and reporter.blocked_at is not None:
            # Someone who writes in their private chat can be messaged again: the "blocked"
            # mark an earlier 403 left goes (the row just read tells; most updates write none).
            await services(context).repo.mark_chat_blocked(private, blocked=False)
            view = replace(view, reporter=replace(reporter, blocked_at=None))
        setattr(context, VIEW_ATTR, SenderView(view))


def redelivery_guard() -> TypeHandler[Update, Context, None]:
    """Return the guard that drops updates already handled."""
    return TypeHandler(Update, _drop_redelivered)


# Emoji and punctuation in front of a button's label, which people do not type. Not `\W`: some
# emoji are letters to Unicode (U+2139 INFORMATION SOURCE is a lowercase letter). Labels are
# Indonesian or English.
_LEADING_SYMBOLS = re.compile(r"^[^0-9A-Za-z]+")


def bare_label(text: str) -> str:
    """Return a label as a person would type it: no leading emoji, spaces folded, any case."""
    return _LEADING_SYMBOLS.sub("", " ".join(text.split())).casefold()


class MenuButton(filters.MessageFilter):
    """Match a reply-keyboard button pressed, or its label typed with or without its emoji."""

    def __init__(self, renderer: Renderer, *keys: str) -> None:
        super().__init__(name=f"MenuButton{keys}")
        self.labels = {bare_label(renderer.label(lang, k)) for lang in LANGUAGES for k in keys}

    def filter(self, message: Message) -> bool:
        """Tell whether the message's text is one of the labels."""
        return message.text is not None and bare_label(message.text) in self.labels
