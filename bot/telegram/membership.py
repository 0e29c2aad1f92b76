"""Whether a staff member is in the staff group now, asked of Telegram and remembered briefly.

A burst of presses costs one getChatMember call, and a removed member loses access within
`MEMBERSHIP_TTL` seconds (at once when the bot sees the change as a chat_member update).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bot.domain.access import Denial
from bot.services.container import Services
from storage.models import StaffMember

MEMBERSHIP_TTL = 30.0
CACHE_KEY = "staff_membership"
_MEMBER_STATUSES = {"creator", "administrator", "member", "restricted"}


@dataclass
class MembershipCache:
    """Recent getChatMember answers per (chat, user)."""

    ttl: float = MEMBERSHIP_TTL
    _seen: dict[tuple[int, int], tuple[float, bool]] = field(default_factory=dict)

    async def is_member(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        """Tell whether a user is in the chat now (asking Telegram when the answer is old)."""
        key = (chat_id, user_id)
        cached = self._seen.get(key)
        now = time.monotonic()
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
            present = member.status in _MEMBER_STATUSES
            if member.status == "restricted":
                present = bool(getattr(member, "is_member", True))
        except BadRequest:  # "user not found", "chat not found": a real answer
            present = False
        except TelegramError:
            # Telegram failed even after the request's retries: the last answer known stands,
            # and nothing is remembered, so that the next press asks again.
            return cached[1] if cached is not None else False
        self._seen[key] = (now, present)
        return present

    def forget(self, chat_id: int, user_id: int) -> None:
        """Drop what is known of a user's membership (it just changed)."""
        self._seen.pop((chat_id, user_id), None)


def membership_cache(bot_data: dict[str, Any]) -> MembershipCache:
    """Return the application's membership cache."""
    cache = bot_data.setdefault(CACHE_KEY, MembershipCache())
    assert isinstance(cache, MembershipCache)
    return cache


async def staff_member(
    svc: Services, bot: Bot, cache: MembershipCache, user_id: int
) -> StaffMember | Denial:
    """Return the active staff member behind a Telegram user who is in the staff group now."""
    member = await svc.repo.staff_by_telegram(user_id)
    if member is None:
        return Denial.NOT_STAFF
    chat_id = svc.staff_chat_id
    if chat_id is None or not await cache.is_member(bot, chat_id, user_id):
        return Denial.NOT_MEMBER
    return member
