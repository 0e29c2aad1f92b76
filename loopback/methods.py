"""The Bot API methods of the loopback server about messages, callbacks and files."""

from __future__ import annotations

import copy
import time
from typing import Any

from .chats import ChatMethods, Handler
from .models import ApiError, FakeChat, UploadedFile, bad_request
from .validation import MEDIA_KINDS, URL_RE, formatted, markup, normalize_params
from .world import World

__all__ = ["ApiMethods", "normalize_params"]

JSONDict = dict[str, Any]

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


class ApiMethods(ChatMethods):
    """Implement the Bot API methods (except getUpdates) against a World."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.files: dict[str, UploadedFile] = {}
        self.handlers.update(
            {
                "sendMessage": self.send_message,
                "editMessageText": self.edit_message_text,
                "editMessageCaption": self.edit_message_caption,
                "editMessageReplyMarkup": self.edit_message_reply_markup,
                "deleteMessage": self.delete_message,
                "deleteMessages": self.delete_messages,
                "answerCallbackQuery": self.answer_callback_query,
                "copyMessage": self.copy_message,
                "forwardMessage": self.forward_message,
                "sendMediaGroup": self.send_media_group,
                "getFile": self.get_file,
            }
        )
        for kind in MEDIA_KINDS:
            self.handlers["send" + kind.capitalize()] = self._media_sender(kind)

    def call(self, method: str, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        """Run one method (by canonical name) and return its result, or raise ApiError."""
        handler = self.handlers.get(method)
        if handler is None:
            raise ApiError(404, "Not Found")
        self.files = files
        try:
            return handler(params)
        finally:
            self.files = {}

    def message(self, params: JSONDict, missing: str = "message to edit not found") -> JSONDict:
        """Return the live stored message chat_id/message_id point at."""
        if "inline_message_id" in params:
            raise bad_request("inline messages are not supported by the loopback server")
        chat = self.chat(params.get("chat_id"), sending=False)
        message = self.world.get_message(chat.id, int(params.get("message_id") or 0))
        if message is None:
            raise bad_request(missing)
        return message

    def reply_to(self, chat: FakeChat, params: JSONDict) -> JSONDict:
        """Return {"reply_to_message": ...} for reply_parameters/reply_to_message_id, or {}."""
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id, allow = reply.get("message_id"), reply.get("allow_sending_without_reply")
            if reply.get("chat_id") not in (None, chat.id):
                chat = self.chat(reply["chat_id"], sending=False)
        else:
            message_id = params.get("reply_to_message_id")
            allow = params.get("allow_sending_without_reply")
        if message_id is None:
            return {}
        replied = self.world.get_message(chat.id, int(message_id))
        if replied is None:
            if allow:
                return {}
            raise bad_request("message to be replied not found")
        return {"reply_to_message": {k: v for k, v in replied.items() if k != "reply_to_message"}}

    def deliver(self, chat: FakeChat, content: JSONDict, params: JSONDict) -> JSONDict:
        """Create, store and return a message sent by the bot."""
        extra = self.reply_to(chat, params)
        keyboard = markup(params.get("reply_markup"))
        message = self.world.new_message(chat, self.world.bot_user, {**extra, **content})
        if keyboard is not None:
            message["reply_markup"] = keyboard
        if params.get("protect_content"):
            message["has_protected_content"] = True
        self.world.store_message(message)
        return copy.deepcopy(message)

    def _formatted(
        self, text: Any, parse_mode: Any, entities: Any, *, limit: int, kind: str
    ) -> tuple[str, list[JSONDict]]:
        """Validate text like Telegram, giving text_mention entities the whole user."""
        plain, found = formatted(text, parse_mode, entities, limit=limit, kind=kind)
        for entity in found:
            if entity.get("type") == "text_mention":
                uid = int(entity.get("user", {}).get("id", 0))
                known = self.world.users.get(uid)
                entity["user"] = (
                    known.to_api()
                    if known is not None
                    else {"id": uid, "is_bot": False, "first_name": str(uid)}
                )
        return plain, found

    def caption_content(self, params: JSONDict) -> JSONDict:
        """Validate caption/parse_mode and return {"caption", "caption_entities"} or {}."""
        if params.get("caption") in (None, ""):
            return {}
        caption, entities = self._formatted(
            params["caption"],
            params.get("parse_mode"),
            params.get("caption_entities"),
            limit=1024,
            kind="caption",
        )
        content: JSONDict = {"caption": caption}
        if entities:
            content["caption_entities"] = entities
        return content

    def media_input(self, kind: str, value: Any, files: dict[str, UploadedFile]) -> JSONDict:
        """Turn an uploaded file, attach:// reference, file_id or URL into message content."""
        if isinstance(value, str) and value.startswith("attach://"):
            value = files.get(value.removeprefix("attach://"))
        if isinstance(value, UploadedFile):
            return self.world.media_content(
                kind, value.content, file_name=value.filename, mime_type=value.mime_type
            )
        if not isinstance(value, str) or not value:
            raise bad_request(f"there is no {kind} in the request")
        if value in self.world.photo_sets and kind == "photo":
            return {"photo": copy.deepcopy(self.world.photo_sets[value])}
        if value in self.world.files:
            stored = self.world.files[value]
            return self.world.media_content(
                kind, stored.data, file_name=stored.file_name, mime_type=stored.mime_type
            )
        if URL_RE.match(value):
            name = value.rsplit("/", 1)[-1] or None
            return self.world.media_content(kind, b"", file_name=name)
        raise bad_request("wrong file identifier/HTTP URL specified")

    def send_message(self, params: JSONDict) -> JSONDict:
        """Answer sendMessage."""
        chat = self.chat(params.get("chat_id"))
        text, entities = self._formatted(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            limit=4096,
            kind="text",
        )
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        return self.deliver(chat, content, params)

    def _edited(self, message: JSONDict, content: JSONDict, params: JSONDict) -> JSONDict:
        keyboard = markup(params.get("reply_markup"))
        before = {k: message.get(k) for k in (*content, "reply_markup")}
        after = {**content, "reply_markup": keyboard}
        if before == after:
            raise bad_request(_NOT_MODIFIED)
        for key, value in after.items():
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _own(self, message: JSONDict) -> None:
        if message["from"]["id"] != self.world.bot_user.id:
            raise bad_request("message can't be edited")

    def edit_message_text(self, params: JSONDict) -> JSONDict:
        """Answer editMessageText (without reply_markup the inline keyboard goes away)."""
        message = self.message(params)
        self._own(message)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._formatted(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            limit=4096,
            kind="text",
        )
        return self._edited(message, {"text": text, "entities": entities or None}, params)

    def edit_message_caption(self, params: JSONDict) -> JSONDict:
        """Answer editMessageCaption."""
        message = self.message(params)
        self._own(message)
        if not any(kind in message for kind in MEDIA_KINDS):
            raise bad_request("there is no caption in the message to edit")
        content = self.caption_content(params)
        content = {
            "caption": content.get("caption"),
            "caption_entities": content.get("caption_entities"),
        }
        return self._edited(message, content, params)

    def edit_message_reply_markup(self, params: JSONDict) -> JSONDict:
        """Answer editMessageReplyMarkup."""
        message = self.message(params)
        self._own(message)
        return self._edited(message, {}, params)

    def delete_message(self, params: JSONDict) -> bool:
        """Answer deleteMessage."""
        message = self.message(params, missing="message to delete not found")
        chat_id = message["chat"]["id"]
        own = message["from"]["id"] == self.world.bot_user.id
        admin = self.world.member_status(chat_id, self.world.bot_user.id) in (
            "creator",
            "administrator",
        )
        if not (own or message["chat"]["type"] == "private" or admin):
            raise bad_request("message can't be deleted")
        self.world.remove_message(chat_id, message["message_id"])
        return True

    def delete_messages(self, params: JSONDict) -> bool:
        """Answer deleteMessages (silently skipping missing ones, as Telegram does)."""
        for message_id in params.get("message_ids") or []:
            try:
                self.delete_message({**params, "message_id": message_id})
            except ApiError:
                continue
        return True

    def answer_callback_query(self, params: JSONDict) -> bool:
        """Answer answerCallbackQuery (each query can be answered once)."""
        query_id = str(params.get("callback_query_id"))
        if query_id not in self.world.callback_queries or query_id in self.world.answered:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(params.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self.world.answered.add(query_id)
        return True

    _COPIED = (
        "text",
        "entities",
        "caption",
        "caption_entities",
        "contact",
        "location",
        *MEDIA_KINDS,
    )

    def _source(self, params: JSONDict, missing: str) -> JSONDict:
        chat = self.chat(params.get("from_chat_id"), sending=False)
        message = self.world.get_message(chat.id, int(params.get("message_id") or 0))
        if message is None:
            raise bad_request(missing)
        return message

    def copy_message(self, params: JSONDict) -> JSONDict:
        """Answer copyMessage: same content, no forward header; returns {"message_id"}."""
        source = self._source(params, "message to copy not found")
        target = self.chat(params.get("chat_id"))
        content = {k: copy.deepcopy(source[k]) for k in self._COPIED if k in source}
        if "caption" in params:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self.caption_content(params))
        message = self.deliver(target, content, params)
        return {"message_id": message["message_id"]}

    def forward_message(self, params: JSONDict) -> JSONDict:
        """Answer forwardMessage: same content with a forward_origin."""
        source = self._source(params, "message to forward not found")
        target = self.chat(params.get("chat_id"))
        content = {k: copy.deepcopy(source[k]) for k in self._COPIED if k in source}
        content["forward_origin"] = source.get("forward_origin") or {
            "type": "user",
            "date": source["date"],
            "sender_user": source["from"],
        }
        return self.deliver(target, content, {"protect_content": params.get("protect_content")})

    def _media_sender(self, kind: str) -> Handler:
        def send(params: JSONDict) -> JSONDict:
            chat = self.chat(params.get("chat_id"))
            caption = self.caption_content(params)
            content = self.media_input(kind, params.get(kind), self.files)
            return self.deliver(chat, {**content, **caption}, params)

        send.__doc__ = f"Answer send{kind.capitalize()}."
        return send

    def send_media_group(self, params: JSONDict) -> list[JSONDict]:
        """Answer sendMediaGroup: one message per item, sharing a media_group_id."""
        chat = self.chat(params.get("chat_id"))
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media items: must be 2-10")
        group_id = self.world.media_group_id()
        contents = []
        for item in media:
            kind = item.get("type")
            if kind not in ("photo", "video", "document", "audio"):
                raise bad_request(f"unsupported media type {kind!r} in a media group")
            content = self.media_input(kind, item.get("media"), self.files)
            content.update(self.caption_content(item))
            contents.append(content)
        messages = []
        for content in contents:
            messages.append(self.deliver(chat, {"media_group_id": group_id, **content}, params))
        return messages

    def get_file(self, params: JSONDict) -> JSONDict:
        """Answer getFile."""
        stored = self.world.files.get(str(params.get("file_id")))
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > 20 * 1024 * 1024:
            raise bad_request("file is too big")
        return stored.to_api()
