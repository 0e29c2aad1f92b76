"""Personal data encrypted at rest: a column type over Fernet, and the keys it uses.

The reporter's name, phone, address, e-mail and identity document are stored as Fernet tokens
(AES-128-CBC with an HMAC, cryptography's MultiFernet), so that a copied database file or backup
shows none of them. The keys are configuration: the composition root hands them to `configure()`
at start (storage never reads settings). The first key encrypts; every key decrypts, so that a key
can be rotated: put the new key first, run `python -m bot keys rotate` (every value re-encrypted
with it), then drop the old one.

A stored value that is not a Fernet token is plain text written before encryption existed: it is
read as it is, and `rotate` encrypts it (docs: README, "Data pribadi").
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# Every Fernet token starts with its version byte 0x80, which base64 spells "gAAAAA".
TOKEN_PREFIX = "gAAAAA"
KEY_FILE_MODE = 0o600


class DataKeyError(Exception):
    """No key is configured, or a key is malformed; the message says which and how to fix it."""


class _Keyring:
    """The process's keys: the newest configured encrypts, every one seen decrypts."""

    def __init__(self) -> None:
        self.keys: list[bytes] = []
        self.fernet: MultiFernet | None = None

    def configure(self, keys: Sequence[str | bytes]) -> None:
        """Use these keys, the first to encrypt; keys configured before still decrypt."""
        if not keys:
            raise DataKeyError(
                "no data key given: set DATA_KEYS (python -m bot keys new prints one)"
            )
        new = [k.encode() if isinstance(k, str) else k for k in keys]
        for key in new:
            try:
                Fernet(key)
            except ValueError:
                raise DataKeyError(
                    "a DATA_KEYS entry is not a Fernet key (32 url-safe base64 bytes)"
                ) from None
        # Tests build many bots in one process; an earlier database's values stay readable.
        kept = [k for k in self.keys if k not in new]
        self.keys = new + kept
        self.fernet = MultiFernet([Fernet(k) for k in self.keys])

    def require(self) -> MultiFernet:
        if self.fernet is None:
            raise DataKeyError("personal data used before storage.crypto.configure() was called")
        return self.fernet


keyring = _Keyring()


def configure(keys: Sequence[str | bytes]) -> None:
    """Give storage the data keys (the first encrypts)."""
    keyring.configure(keys)


def new_key() -> str:
    """Return a fresh Fernet key as text."""
    return Fernet.generate_key().decode()


def key_file(path: Path) -> str:
    """Return the key kept in a 0600 file, creating the file with a new key the first time."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under another name, then linked into place: a process killed midway
        # leaves no half-written key, and of two processes starting at once one key wins.
        draft = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, KEY_FILE_MODE)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def is_token(value: str) -> bool:
    """Tell whether a stored value is already encrypted."""
    return value.startswith(TOKEN_PREFIX)


def encrypt(value: str) -> str:
    """Return a value encrypted with the current key."""
    return keyring.require().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    """Return a stored value in clear (plain legacy values as they are)."""
    if not is_token(value):
        return value
    try:
        return keyring.require().decrypt(value.encode()).decode()
    except InvalidToken:
        raise DataKeyError(
            "a personal-data value cannot be decrypted with DATA_KEYS: was a key dropped "
            "before `python -m bot keys rotate` ran?"
        ) from None


def reencrypt(value: str) -> str:
    """Return a stored value encrypted with the current key (plain values encrypted)."""
    fernet = keyring.require()
    if not is_token(value):
        return encrypt(value)
    return fernet.rotate(value.encode()).decode()


class Encrypted(TypeDecorator[str]):
    """A text column stored encrypted: clear text in Python, a Fernet token in the database.

    Tokens cannot be compared or searched: nothing filters on these columns (the reporter is
    found by Telegram id), and that must stay so.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Encrypt a value on its way in."""
        return None if value is None else encrypt(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        """Decrypt a value on its way out."""
        return None if value is None else decrypt(str(value))
