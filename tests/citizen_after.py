"""Helpers for the citizen's side after submission: staff steps, button presses, what was seen."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.domain.vocabulary import Action, Role
from bot.domain.workflow import Actor, ActorKind
from bot.services.transition import Done, perform
from loopback import FakeUser
from storage.models import Report
from tests.staff_kit import StaffWorld

JSONDict = dict[str, Any]


async def staff_do(
    w: StaffWorld,
    report: Report,
    action: Action,
    *,
    note: str | None = None,
    values: dict[str, Any] | None = None,
) -> Report:
    """Let the supervisor perform a step (as the card buttons would) and deliver its messages."""
    citra = await w.svc.repo.staff_by_telegram(w.citra.id)
    assert citra is not None
    actor = Actor(ActorKind.STAFF, role=Role.SUPERVISOR, staff_id=citra.id)
    outcome = await perform(w.svc, report.id, action, actor, note=note, values=values)
    assert isinstance(outcome, Done), outcome
    await w.settle()
    return outcome.report


async def answered(w: StaffWorld, report: Report, answer: str = "Sudah diperbaiki.") -> Report:
    """Answer an information request directly, so that the reporter receives the answer."""
    now = datetime.now(UTC)
    return await staff_do(
        w, report, Action.ANSWER_INFO, values={"answer": answer, "answered_at": now}
    )


def bot_texts(w: StaffWorld, chat_id: int) -> list[str]:
    """Return what the bot sent in a chat (texts and captions), oldest first."""
    return [m.get("text") or m.get("caption") or "" for m in w.loopback.bot_messages(chat_id)]


def last_with(w: StaffWorld, chat_id: int, data: str) -> JSONDict:
    """Return the bot's last message in a chat that offers a button with this callback data."""
    for message in reversed(w.loopback.bot_messages(chat_id)):
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        if any(b.get("callback_data") == data for row in rows for b in row):
            return message
    raise AssertionError(f"no message in chat {chat_id} offers {data!r}")


def buttons_of(message: JSONDict) -> list[str]:
    """Return the callback data of a message's inline buttons."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b.get("callback_data", "") for row in rows for b in row]


async def press(
    w: StaffWorld,
    user: FakeUser,
    data: str,
    *,
    message: JSONDict | None = None,
    forge: bool = False,
) -> JSONDict:
    """Press a button in the user's private chat; return the callback answer's parameters."""
    target = message if message is not None else last_with(w, user.id, data)
    query_id = w.loopback.press_button(user, target, data, forge=forge)
    await w.settle()
    record = w.loopback.answered_callback(query_id)
    assert record is not None, "the bot did not answer the press"
    return record.params


async def say(w: StaffWorld, user: FakeUser, text: str) -> str:
    """Send a text and return the bot's last answer after everything settled."""
    before = len(w.loopback.bot_messages(user.id))
    w.loopback.send_text(user, text)
    await w.loopback.wait_for("sendMessage", chat_id=user.id, count=before + 1)
    await w.settle()
    return bot_texts(w, user.id)[-1]


async def group_thread(w: StaffWorld) -> list[JSONDict]:
    """Return every message the bot put in the staff group."""
    return w.loopback.bot_messages(w.group.id)
