"""Outbox expanders that log each staff view of a reporter's identity before rendering it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.services import privacy
from bot.services.container import Services
from storage.models import OutboxItem

Render = Callable[[Services, int], Awaitable[dict[str, Any]]]
Expander = Callable[[OutboxItem], Awaitable[dict[str, Any]]]


def logged(svc: Services, what: str, render: Render, *, group: bool) -> Expander:
    """Return an expander that records who is shown the identity, then renders the message.

    `group`: the staff group sees it (no one person: the viewer is left empty); otherwise
    the outbox row's chat is the staff member's private chat.
    """

    async def expand(item: OutboxItem) -> dict[str, Any]:
        assert item.report_id is not None, f"a {what} row names its report"
        viewer = None if group else item.chat_id
        # The log's reads and the rendering's in one read transaction (the log is a write).
        async with svc.repo.reading():
            await privacy.record_view(svc, item.report_id, what, viewer)
            return await render(svc, item.report_id)

    return expand
