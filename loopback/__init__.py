"""A loopback Telegram Bot API server for tests and the sandbox mode."""

from .htmltext import EntityParseError, parse_html
from .models import ApiError, FakeChat, FakeUser, RecordedRequest, StoredFile, UploadedFile
from .server import FaultKind, LoopbackBotApi

__all__ = [
    "ApiError",
    "EntityParseError",
    "FakeChat",
    "FakeUser",
    "FaultKind",
    "LoopbackBotApi",
    "RecordedRequest",
    "StoredFile",
    "UploadedFile",
    "parse_html",
]
