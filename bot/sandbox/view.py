"""What the page shows: the chats as Telegram keeps them, read from the loopback server.

Messages come from the server's store (so an edit shows in place and a deleted message goes);
reply keyboards, force-reply prompts and callback answers are not part of a stored message, so
they are read once from the recorded Bot API calls, in order.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.sandbox.world import DemoWorld

JSONDict = dict[str, Any]
_KEYBOARD_METHODS = {"sendmessage", "sendphoto", "senddocument", "copymessage", "sendmediagroup"}


@dataclass
class CallLog:
    """Reply keyboards, force-reply prompts and callback answers, from the calls so far."""

    seen: int = 0
    keyboards: dict[int, JSONDict | None] = field(default_factory=dict)
    force_reply: set[tuple[int, int]] = field(default_factory=set)
    notices: list[JSONDict] = field(default_factory=list)
    # When each message was first seen, on the demo's clock (its `date` is the real time).
    stamps: dict[tuple[int, int], str] = field(default_factory=dict)

    def catch_up(self, world: DemoWorld) -> bool:
        """Read the calls answered since last time; return whether any mattered to the page."""
        requests, changed = world.api.requests, False
        while self.seen < len(requests) and requests[self.seen].done:
            call = requests[self.seen]
            self.seen += 1
            if call.method.lower() == "getupdates" or not call.ok:
                continue
            changed = True
            self._read(world, call.method.lower(), call.params, call.result)
        return changed

    def _read(self, world: DemoWorld, method: str, params: JSONDict, result: Any) -> None:
        if method == "answercallbackquery":
            query = world.api.callback_queries.get(str(params.get("callback_query_id")), {})
            text = params.get("text")
            if text and query:
                self.notices.append(
                    {
                        "seq": len(self.notices) + 1,
                        "chat_id": query["message"]["chat"]["id"],
                        "user_id": query["from"]["id"],
                        "text": str(text),
                        "alert": bool(params.get("show_alert")),
                    }
                )
            return
        chat_id = params.get("chat_id")
        markup = params.get("reply_markup")
        if method not in _KEYBOARD_METHODS or not isinstance(markup, dict):
            return
        if not isinstance(chat_id, int):
            try:
                chat_id = int(str(chat_id))
            except ValueError:
                return
        if "keyboard" in markup:
            self.keyboards[chat_id] = markup
        elif markup.get("remove_keyboard"):
            self.keyboards[chat_id] = None
        elif markup.get("force_reply") and isinstance(result, dict):
            self.force_reply.add((chat_id, int(result.get("message_id", 0))))


def chat_view(world: DemoWorld, log: CallLog, chat_id: int) -> JSONDict:
    """Return one chat: its messages (current state), its reply keyboard."""
    messages = []
    bot_id = world.api.bot_user.id
    for message in world.api.messages_in(chat_id):
        item = copy.deepcopy(message)
        item["from_bot"] = message["from"]["id"] == bot_id
        item["force_reply"] = (chat_id, message["message_id"]) in log.force_reply
        item.pop("chat", None)
        key = (chat_id, message["message_id"])
        if key not in log.stamps:
            sent = datetime.fromtimestamp(message["date"], UTC) + world.clock.offset
            log.stamps[key] = world.calendar.local(sent).strftime("%d/%m %H:%M")
        item["stamp"] = log.stamps[key]
        reply = item.get("reply_to_message")
        if isinstance(reply, dict):
            item["reply_to_message"] = {
                "message_id": reply.get("message_id"),
                "from": reply.get("from"),
                "text": reply.get("text") or reply.get("caption") or "",
            }
        messages.append(item)
    return {"id": chat_id, "messages": messages, "keyboard": log.keyboards.get(chat_id)}


def snapshot(world: DemoWorld, log: CallLog, profiles: list[str]) -> JSONDict:
    """Return everything the page shows, as JSON."""
    assert world.group is not None
    now = world.calendar.local(world.clock())
    chats = {str(p.user.id): chat_view(world, log, p.user.id) for p in world.people.values()}
    chats[str(world.group.id)] = chat_view(world, log, world.group.id)
    return {
        "version": world.version,
        "profile": world.profile_name,
        "office": world.profile.name.id,
        "profiles": profiles,
        "clock": now.isoformat(),
        "office_open": world.calendar.is_office_open(now),
        "group": {"id": world.group.id, "title": world.group.title},
        "bot": world.api.bot_user.to_api(),
        "people": [p.to_json() for p in world.people.values()],
        "chats": chats,
        "notices": log.notices[-20:],
    }
