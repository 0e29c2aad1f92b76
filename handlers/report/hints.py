"""Gentle hints at the description step: outside the office's remit, shouting, very brief.

A short message before the next question; the flow does not change and nothing is refused.
Each hint is shown once per draft, however often the description is rewritten.
"""

from __future__ import annotations

from telegram import Update

from bot.domain.intake import ReportDraft
from bot.domain.screening.relevance import description_hints
from handlers.common import Context, reply

SHOWN = "hints_shown"


async def show_hints(update: Update, context: Context, draft: ReportDraft) -> None:
    """Send the hints this description earns that the citizen has not seen yet."""
    shown: list[str] = draft.flags.get(SHOWN, [])
    fresh = [
        h for h in description_hints(draft.title or "", draft.description or "") if h not in shown
    ]
    if not fresh:
        return
    draft.flags[SHOWN] = shown + fresh
    await reply(update, context, "screening_hints", hints=fresh)
