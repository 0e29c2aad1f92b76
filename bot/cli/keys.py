"""`python -m bot keys new|rotate`: the keys that encrypt personal data at rest.

Rotation: put a new key first in DATA_KEYS (the old one after it), run `keys rotate`, which
re-encrypts every stored value with the new key (and encrypts values stored before encryption
existed), then remove the old key. Without DATA_KEYS an SQLite database keeps its key in
`<database file>.key`; `keys rotate` then re-encrypts with that key.
"""

from __future__ import annotations

import argparse
import asyncio

from bot.settings import Settings
from storage import crypto
from storage.database import Database
from storage.repository import Repository


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `keys` subcommand."""
    keys = subparsers.add_parser("keys", help="encryption keys of personal data: new, rotate")
    sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    sub.add_parser("new", help="print a new key for DATA_KEYS").set_defaults(func=cmd_keys_new)
    sub.add_parser(
        "rotate", help="re-encrypt every personal value with the first key of DATA_KEYS"
    ).set_defaults(func=cmd_keys_rotate)


def cmd_keys_new(_settings: Settings, _args: argparse.Namespace) -> int:
    """Print a fresh Fernet key."""
    print(crypto.new_key())
    return 0


def cmd_keys_rotate(settings: Settings, _args: argparse.Namespace) -> int:
    """Re-encrypt every stored personal value with the current key."""

    async def rotate() -> int:
        db = Database(settings.database_url, settings.data_key_values)
        try:
            await db.upgrade()
            repo = Repository(db)
            changed = await repo.rotate_personal_data()
            plain = await repo.plain_personal_values()
        finally:
            await db.dispose()
        print(f"re-encrypted the personal data of {changed} reporter(s) with the current key")
        if plain:
            print(f"error: {plain} reporter(s) still hold unencrypted values")
            return 1
        return 0

    try:
        return asyncio.run(rotate())
    except crypto.DataKeyError as exc:
        print(f"error: {exc}")
        return 2
