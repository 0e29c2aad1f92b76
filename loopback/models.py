"""Plain data types of the loopback Bot API: fake users and chats, files, recorded requests."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DEFAULT_PHOTO",
    "ApiError",
    "FakeChat",
    "FakeUser",
    "RecordedRequest",
    "StoredFile",
    "UploadedFile",
    "image_size",
]

JSONDict = dict[str, Any]


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description and optional parameters."""

    def __init__(self, code: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def to_api(self) -> JSONDict:
        """Return the JSON body Telegram answers with."""
        body: JSONDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str, parameters: JSONDict | None = None) -> ApiError:
    """Build a 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {message}", parameters)


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user (or the bot itself) living in the loopback world."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_api(self) -> JSONDict:
        """Return the User JSON object."""
        data: JSONDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name is not None:
            data["last_name"] = self.last_name
        if self.username is not None:
            data["username"] = self.username
        if self.language_code is not None:
            data["language_code"] = self.language_code
        return data

    def private_chat(self) -> FakeChat:
        """Return the private chat between this user and the bot."""
        return FakeChat(
            id=self.id,
            type="private",
            first_name=self.first_name,
            last_name=self.last_name,
            username=self.username,
        )


@dataclass(frozen=True)
class FakeChat:
    """A chat (private, group or supergroup) living in the loopback world."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    def to_api(self) -> JSONDict:
        """Return the Chat JSON object."""
        data: JSONDict = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str | None
    content: bytes
    mime_type: str | None


@dataclass
class StoredFile:
    """A file known to the server, reachable by file_id and downloadable by file_path."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    mime_type: str | None = None
    file_name: str | None = None

    @property
    def size(self) -> int:
        """Return the size in bytes."""
        return len(self.data)

    def to_api(self) -> JSONDict:
        """Return the File JSON object getFile answers with."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


@dataclass
class RecordedRequest:
    """One Bot API call as the server received it, and how it answered."""

    method: str
    params: JSONDict
    time: float
    files: dict[str, UploadedFile] = field(default_factory=dict)
    http_method: str = "POST"
    status: int | None = None
    response: JSONDict | None = None
    fault: str | None = None

    @property
    def done(self) -> bool:
        """Tell whether the server has finished handling the call."""
        return self.status is not None

    @property
    def ok(self) -> bool:
        """Tell whether the call succeeded."""
        return self.status == 200

    @property
    def result(self) -> Any:
        """Return the "result" of a successful answer (None otherwise)."""
        return self.response.get("result") if self.response else None

    @property
    def chat_id(self) -> int | str | None:
        """Return the chat_id parameter, as an int when it is numeric."""
        value = self.params.get("chat_id")
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                return value
        return value if isinstance(value, int) else None

    def __repr__(self) -> str:
        shown = {
            k: (v if not isinstance(v, str) or len(v) < 60 else v[:57] + "...")
            for k, v in self.params.items()
            if not isinstance(v, UploadedFile)
        }
        return f"<{self.method} {shown} -> {self.status}{' ' + self.fault if self.fault else ''}>"


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    row = b"\x00" + b"\xd0\x30\x30" * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


DEFAULT_PHOTO = _png(8, 6)


def image_size(data: bytes) -> tuple[int, int] | None:
    """Return (width, height) of PNG or JPEG bytes, or None when unknown."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                return None
            marker = data[index + 1]
            length = struct.unpack(">H", data[index + 2 : index + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return int(width), int(height)
            index += 2 + int(length)
    return None
