"""Bot API methods about the bot itself, chats and members (the base of ApiMethods)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from .models import ApiError, FakeChat, bad_request
from .validation import CHAT_ACTIONS
from .world import World

__all__ = ["ChatMethods", "Handler"]

JSONDict = dict[str, Any]
Handler = Callable[[JSONDict], Any]

_COMMAND_NAME_RE = re.compile(r"^[a-z0-9_]{1,32}$")


class ChatMethods:
    """Resolve chats and answer getMe, commands, webhook, chat and member methods."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.handlers: dict[str, Handler] = {
            "getMe": self.get_me,
            "logOut": self.true,
            "close": self.true,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "setMyDescription": self.true,
            "setMyShortDescription": self.true,
            "setMyName": self.true,
            "setChatMenuButton": self.true,
            "getChat": self.get_chat,
            "getChatMember": self.get_chat_member,
            "getChatAdministrators": self.get_chat_administrators,
            "getChatMemberCount": self.get_chat_member_count,
            "sendChatAction": self.send_chat_action,
            "leaveChat": self.leave_chat,
            "pinChatMessage": self.true,
            "unpinChatMessage": self.true,
        }

    def chat(self, chat_id: Any, *, sending: bool = True) -> FakeChat:
        """Resolve chat_id to a chat the bot may act in, or raise Telegram's error."""
        world = self.world
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            found = [c for c in world.chats.values() if c.username == chat_id[1:]]
            if not found:
                raise bad_request("chat not found")
            chat_id = found[0].id
        if not isinstance(chat_id, int):
            raise bad_request("chat_id is empty" if chat_id is None else "chat not found")
        if chat_id in world.migrated:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": world.migrated[chat_id]},
            )
        chat = world.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if chat.type == "private":
            if sending and chat.id in world.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
        else:
            status = world.member_status(chat.id, world.bot_user.id)
            if status == "kicked":
                raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
            if status == "left":
                raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        return chat

    def true(self, params: JSONDict) -> bool:
        """Accept the call and answer True."""
        return True

    def get_me(self, params: JSONDict) -> JSONDict:
        """Answer getMe."""
        return {
            **self.world.bot_user.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def delete_webhook(self, params: JSONDict) -> bool:
        """Answer deleteWebhook, dropping pending updates when asked."""
        if params.get("drop_pending_updates"):
            self.world.pending.clear()
        return True

    def get_webhook_info(self, params: JSONDict) -> JSONDict:
        """Answer getWebhookInfo (never a webhook)."""
        pending = self.world.undelivered_count()
        return {"url": "", "has_custom_certificate": False, "pending_update_count": pending}

    @staticmethod
    def _commands_key(params: JSONDict) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    def set_my_commands(self, params: JSONDict) -> bool:
        """Answer setMyCommands."""
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be an array of at most 100 BotCommand")
        for command in commands:
            if not _COMMAND_NAME_RE.match(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.world.commands[self._commands_key(params)] = commands
        return True

    def get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        """Answer getMyCommands."""
        return self.world.commands.get(self._commands_key(params), [])

    def delete_my_commands(self, params: JSONDict) -> bool:
        """Answer deleteMyCommands."""
        self.world.commands.pop(self._commands_key(params), None)
        return True

    def get_chat(self, params: JSONDict) -> JSONDict:
        """Answer getChat with a ChatFullInfo."""
        chat = self.chat(params.get("chat_id"), sending=False)
        gifts = {
            k: False
            for k in (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            )
        }
        return {
            **chat.to_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    def chat_member(self, chat_id: int, user_id: int) -> JSONDict:
        """Return the ChatMember JSON for a user in a chat."""
        user = self.world.users.get(user_id)
        if user_id == self.world.bot_user.id:
            user = self.world.bot_user
        if user is None:
            raise bad_request("user not found")
        status = self.world.member_status(chat_id, user_id)
        member: JSONDict = {"status": status, "user": user.to_api()}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                {
                    key: True
                    for key in (
                        "can_manage_chat",
                        "can_delete_messages",
                        "can_manage_video_chats",
                        "can_restrict_members",
                        "can_change_info",
                        "can_invite_users",
                        "can_post_stories",
                        "can_edit_stories",
                        "can_delete_stories",
                        "can_pin_messages",
                    )
                }
            )
            member.update(can_be_edited=False, is_anonymous=False, can_promote_members=False)
        elif status == "restricted":
            member.update(
                {
                    key: False
                    for key in (
                        "can_send_messages",
                        "can_send_audios",
                        "can_send_documents",
                        "can_send_photos",
                        "can_send_videos",
                        "can_send_video_notes",
                        "can_send_voice_notes",
                        "can_send_polls",
                        "can_send_other_messages",
                        "can_add_web_page_previews",
                        "can_change_info",
                        "can_invite_users",
                        "can_pin_messages",
                        "can_manage_topics",
                        "can_edit_tag",
                        "can_react_to_messages",
                    )
                }
            )
            member.update(is_member=True, until_date=0)
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def get_chat_member(self, params: JSONDict) -> JSONDict:
        """Answer getChatMember from set_member (default "left")."""
        chat = self.chat(params.get("chat_id"), sending=False)
        return self.chat_member(chat.id, int(params.get("user_id") or 0))

    def get_chat_administrators(self, params: JSONDict) -> list[JSONDict]:
        """Answer getChatAdministrators."""
        chat = self.chat(params.get("chat_id"), sending=False)
        return [
            self.chat_member(chat.id, uid)
            for (cid, uid), status in self.world.members.items()
            if cid == chat.id and status in ("creator", "administrator")
        ]

    def get_chat_member_count(self, params: JSONDict) -> int:
        """Answer getChatMemberCount."""
        chat = self.chat(params.get("chat_id"), sending=False)
        return sum(
            1
            for (cid, _), status in self.world.members.items()
            if cid == chat.id and status in ("creator", "administrator", "member", "restricted")
        )

    def send_chat_action(self, params: JSONDict) -> bool:
        """Answer sendChatAction."""
        self.chat(params.get("chat_id"))
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def leave_chat(self, params: JSONDict) -> bool:
        """Answer leaveChat: the bot's status becomes "left"."""
        chat = self.chat(params.get("chat_id"), sending=False)
        if chat.type == "private":
            raise bad_request("chat member status can't be changed in private chats")
        self.world.members[(chat.id, self.world.bot_user.id)] = "left"
        return True
