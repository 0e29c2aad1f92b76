"""Staff typing in reply: to a prompt (a question, an answer, a reason), or to a card (a note).

What a reply answers is looked up, never guessed from the replied message's text: a prompt is
a row of the `staff_prompts` table (so a reply after a restart still finds its question), a
card is a message linked to its report. A reply to any other bot message goes on to the
handlers after this one (a citizen answering the bot in private is not a staff member).
An answer may carry files: photos and documents sent in reply to the answer prompt are kept with
the prompt (checked as evidence is), and the text reply that follows sends the answer with them.
An album's caption cannot complete the answer (it comes on one photo of several), so the rule
is one: files first, text last.
"""

from __future__ import annotations

from typing import Any

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, MessageHandler, filters

from bot.domain import access, intake
from bot.domain.actions import SPECS
from bot.domain.vocabulary import Action
from bot.services import notify
from bot.services.container import Services
from bot.services.staff_actions import Invalid, carry_out
from bot.services.transition import Done, Stale, perform
from handlers.common import Context, kick_outbox, message_of, services
from handlers.report.steps import file_of
from handlers.staff.common import STAFF_LANG, StaffChat, alert_text, vet
from storage.models import NewAttachment, Report, StaffPrompt

CARD_SLOT = notify.CARD_SLOT


class RepliesToBot(filters.MessageFilter):
    """Match a reply to one of the bot's own messages (what it answers is looked up later)."""

    def __init__(self) -> None:
        super().__init__(name="RepliesToBot")

    def filter(self, message: Message) -> bool:
        """Tell whether the message replies to a message the bot sent."""
        replied = message.reply_to_message
        return replied is not None and replied.from_user is not None and replied.from_user.is_bot


async def replied_to_bot(update: Update, context: Context) -> None:
    """Route a reply to the bot: a prompt's answer, or a note on a card; else let it go on.

    A reply this handler consumed stops here; any other goes on to the next group's handlers.
    """
    message = message_of(update)
    assert message.reply_to_message is not None
    svc = services(context)
    replied_id = message.reply_to_message.message_id
    prompt = await svc.repo.prompt_at(message.chat_id, replied_id)
    if prompt is None and _looks_like_prompt(message.reply_to_message.text):
        # A prompt that reached the chat while the bot saw an error (and sent it again): the
        # reply answers the member's newest prompt here instead of being ignored.
        prompt = await _latest_prompt_of_sender(update, context)
    if prompt is not None:
        await prompt_answered(update, context, prompt)
        raise ApplicationHandlerStop
    if message.chat_id != svc.staff_chat_id:
        return
    report_id = await svc.repo.report_of_message(message.chat_id, replied_id, CARD_SLOT)
    if report_id is not None and await card_note(update, context, report_id):
        raise ApplicationHandlerStop


# Every staff prompt starts with this mark (templates/*/staff_prompt.html.j2).
PROMPT_MARK = "✍️"


def _looks_like_prompt(text: str | None) -> bool:
    return text is not None and text.startswith(PROMPT_MARK)


async def _latest_prompt_of_sender(update: Update, context: Context) -> StaffPrompt | None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    svc = services(context)
    member = await svc.repo.staff_by_telegram(user.id)
    return None if member is None else await svc.repo.latest_prompt_of(chat.id, member.id)


async def _say(message: Message, context: Context, result: str, **values: object) -> None:
    text = services(context).renderer.render(
        STAFF_LANG, "staff_reply_result", result=result, **values
    )
    await message.reply_text(text)


async def prompt_answered(update: Update, context: Context, prompt: StaffPrompt) -> None:
    """Complete the action a prompt asked for with the staff member's reply."""
    message = message_of(update)
    svc = services(context)
    action = Action(prompt.action)
    spec = SPECS[action]
    vetted = await vet(update, context, prompt.report_id, action, prompt.version)
    if isinstance(vetted, str):
        await _refused(message, context, prompt, vetted)
        return
    member, report = vetted
    if member.id != prompt.staff_id:
        await _say(message, context, "other_person")
        return
    found = file_of(message) if spec.takes_files else None
    if found is not None:
        await _keep_file(message, context, prompt, report, found)
        return
    text = (message.text or message.caption or "").strip()
    if not text:
        await _say(message, context, "empty")
        return
    data = prompt.data or {}
    files = [NewAttachment(**f) for f in data.get("files", [])] if spec.takes_files else []
    outcome = await carry_out(
        svc,
        report,
        action,
        member,
        version=prompt.version,
        choice=data.get("choice"),
        text=text,
        files=files,
    )
    if isinstance(outcome, Invalid):
        await _say(message, context, outcome.problem, number=report.number)
        return
    await svc.repo.drop_prompt(prompt.id)
    if isinstance(outcome, Done):
        if message.chat.type == "private":
            await _say(message, context, "done", number=report.number)
    elif isinstance(outcome, Stale):
        await _say(message, context, "stale", number=report.number)
    else:
        reason = alert_text(svc, outcome.reason.value)
        await _say(message, context, "refused", number=report.number, reason=reason)
    kick_outbox(context)


async def _keep_file(
    message: Message, context: Context, prompt: StaffPrompt, report: Report, found: dict[str, Any]
) -> None:
    """Keep a file for the answer the prompt waits for; say so once per file or album."""
    svc = services(context)
    held = len((prompt.data or {}).get("files", []))
    problem = intake.file_problem(held, found["kind"], found["mime_type"], found["file_size"])
    if problem is not None:
        await _say(message, context, problem.problem, number=report.number, limit=problem.limit)
        return
    kept = await svc.repo.add_prompt_file(prompt.id, found, message.media_group_id)
    if kept is None:
        return  # answered meanwhile
    count, new_album = kept
    if new_album:
        await _say(message, context, "file_kept", number=report.number, count=count)


async def _refused(message: Message, context: Context, prompt: StaffPrompt, key: str) -> None:
    svc = services(context)
    if key == "stale":
        await svc.repo.drop_prompt(prompt.id)
        report = await svc.repo.report(prompt.report_id)
        await _say(message, context, "stale", number=report.number if report else "")
        return
    await _say(message, context, "refused", number="", reason=alert_text(svc, key))


async def card_note(update: Update, context: Context, report_id: int) -> bool:
    """Record a staff reply to a card as an internal note the reporter never sees.

    Return False when it is no note (no text, not staff, may not note): an ordinary message.
    """
    message = message_of(update)
    svc = services(context)
    text = (message.text or message.caption or "").strip()
    if not text:
        return False
    vetted = await vet(update, context, report_id, Action.NOTE, None)
    if isinstance(vetted, str):
        return False
    member, _report = vetted
    await perform(svc, report_id, Action.NOTE, access.actor_of(member), note=text)
    kick_outbox(context)
    return True


def handlers(svc: Services) -> list[BaseHandler[Update, Context, None]]:
    """Return the handlers of this feature, for a group of their own before the features'.

    Only the first matching handler of a group runs, so a reply this one lets go on reaches
    the citizen and staff handlers of the next group; one it consumed stops there.
    """
    content = filters.TEXT | filters.PHOTO | filters.Document.ALL | filters.VIDEO
    in_reach = StaffChat(svc) | filters.ChatType.PRIVATE
    return [MessageHandler(content & in_reach & RepliesToBot(), replied_to_bot)]
