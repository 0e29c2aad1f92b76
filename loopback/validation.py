"""Decoding and validating Bot API parameters the way Telegram does."""

from __future__ import annotations

import json
import re
from typing import Any

from .htmltext import EntityParseError, parse_html, utf16_len
from .models import bad_request

__all__ = [
    "BOOL_FIELDS",
    "CHAT_ACTIONS",
    "FLOAT_FIELDS",
    "INT_FIELDS",
    "JSON_FIELDS",
    "MEDIA_KINDS",
    "URL_RE",
    "formatted",
    "markup",
    "normalize_params",
]

JSONDict = dict[str, Any]

JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "reply_parameters",
        "link_preview_options",
        "entities",
        "caption_entities",
        "media",
        "commands",
        "scope",
        "allowed_updates",
        "message_ids",
        "permissions",
        "results",
    }
)
INT_FIELDS = frozenset(
    {
        "from_chat_id",
        "message_id",
        "reply_to_message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "cache_time",
        "message_thread_id",
        "until_date",
        "duration",
        "width",
        "height",
    }
)
FLOAT_FIELDS = frozenset({"latitude", "longitude"})
BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "allow_sending_without_reply",
        "drop_pending_updates",
        "disable_web_page_preview",
        "has_spoiler",
        "supports_streaming",
        "show_caption_above_media",
        "allow_paid_broadcast",
        "disable_content_type_detection",
        "only_if_banned",
        "revoke_messages",
    }
)
MEDIA_KINDS = ("photo", "document", "video", "voice", "sticker", "audio", "animation")
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


URL_RE = re.compile(r"^(https?|tg)://\S+$")


def normalize_params(raw: dict[str, Any]) -> JSONDict:
    """Decode form-encoded values (JSON strings, ints, bools) into their JSON types."""
    params: JSONDict = {}
    for key, value in raw.items():
        if isinstance(value, str):
            try:
                if key in JSON_FIELDS:
                    value = json.loads(value)
                elif key in INT_FIELDS:
                    value = int(value)
                elif key in FLOAT_FIELDS:
                    value = float(value)
                elif key in BOOL_FIELDS:
                    value = value.lower() in ("true", "1")
                elif key == "chat_id" and re.fullmatch(r"-?\d+", value):
                    value = int(value)
            except ValueError as exc:
                raise bad_request(f"can't parse parameter {key}") from exc
        params[key] = value
    return params


def formatted(
    text: Any, parse_mode: Any, entities: Any, *, limit: int, kind: str
) -> tuple[str, list[JSONDict]]:
    """Validate a text or caption and return it as plain text plus entities."""
    text = "" if text is None else str(text)
    found: list[JSONDict] = list(entities) if isinstance(entities, list) else []
    mode = str(parse_mode or "").lower()
    if mode == "html":
        try:
            text, found = parse_html(text)
        except EntityParseError as exc:
            raise bad_request(str(exc)) from exc
    elif mode not in ("", "markdown", "markdownv2"):
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    if kind == "text" and not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > limit:
        raise bad_request(
            "message is too long" if kind == "text" else "message caption is too long"
        )
    return text, found


def markup(value: Any) -> JSONDict | None:
    """Validate reply_markup; return it when it belongs on the message (inline keyboards)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        rows = value["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        for button in (b for row in rows for b in row):
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request("can't parse inline keyboard button: Text is empty")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not URL_RE.match(str(url)):
                raise bad_request("BUTTON_URL_INVALID")
            if data is None and url is None and len(button) == 1:
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are "
                    "unallowed in the inline keyboard"
                )
        return value if any(rows) else None
    if "keyboard" in value:
        rows = value["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request(
                'field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays'
            )
        return None
    if value.get("remove_keyboard") or value.get("force_reply"):
        return None
    raise bad_request('can\'t find field "inline_keyboard"')
