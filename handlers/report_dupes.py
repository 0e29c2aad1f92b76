"""Other reporters' open reports that look like the one being written (issue 6 fills this in).

The description step calls `offer_duplicates` after the citizen's own similar reports were
checked; while `draft.flags["duplicates"]` is set, the step's answers go to `resolve_duplicates`.
"""

from __future__ import annotations

from telegram import Update

from bot.intake import ReportDraft, Step
from handlers.common import Context


async def offer_duplicates(update: Update, context: Context, draft: ReportDraft) -> Step | None:
    """Offer to support a similar open report; return the state to stay in, or None to go on."""
    return None


async def resolve_duplicates(
    update: Update, context: Context, draft: ReportDraft, text: str
) -> Step | int | None:
    """Handle the citizen's answer to the offer; None when the text is not an answer to it."""
    return None
