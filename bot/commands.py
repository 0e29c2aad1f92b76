"""The bot's commands: one list feeds /help and Telegram's command menu (setMyCommands)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Audience(StrEnum):
    """Who a command is for."""

    CITIZEN = "citizen"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class Command:
    """A command; its description is the label `cmd.<name>` in each language."""

    name: str
    audience: Audience

    @property
    def label_key(self) -> str:
        """Return the label that describes the command."""
        return f"cmd.{self.name}"


# Keep in the order people should read them in /help and the menu.
COMMANDS: tuple[Command, ...] = (
    Command("start", Audience.CITIZEN),
    Command("lapor", Audience.CITIZEN),
    Command("batal", Audience.CITIZEN),
    Command("status", Audience.CITIZEN),
    Command("laporan", Audience.CITIZEN),
    Command("help", Audience.CITIZEN),
    Command("bahasa", Audience.CITIZEN),
    Command("antrian", Audience.STAFF),
    Command("cari", Audience.STAFF),
    Command("lihat", Audience.STAFF),
    Command("riwayat", Audience.STAFF),
    Command("catat", Audience.STAFF),
    Command("staf", Audience.STAFF),
    Command("unit", Audience.STAFF),
)


def commands_for(audience: Audience) -> list[Command]:
    """Return the commands of one audience, in menu order."""
    return [c for c in COMMANDS if c.audience is audience]
