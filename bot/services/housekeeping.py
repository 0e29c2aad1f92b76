"""Housekeeping: what the bot keeps only for a while (issue 15).

- Sent outbox rows: delivered messages are kept `OUTBOX_KEEP_DAYS` for the record (`python -m
  bot outbox`, a replay that asks whether a receipt went out), then deleted. Pending and failed
  rows are never touched here: they are work still to do or trouble to look at.
- Abandoned drafts: a conversation nobody touched for `DRAFT_KEEP_DAYS` is dropped; the person
  who comes back is told the draft is gone (handlers/report/conversation.py) and starts anew.

Each batch of at most `PRUNE_BATCH_SIZE` rows is its own short write transaction, and the job
yields between batches, so that a citizen's update never waits behind more than one batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.container import Services

# Seconds the job rests between two batches: other writers go first.
PAUSE = 0.01


@dataclass(frozen=True, slots=True)
class Pruned:
    """How many rows one housekeeping run deleted."""

    outbox: int = 0
    drafts: int = 0


async def prune(svc: Services, *, pause: float = PAUSE) -> Pruned:
    """Delete sent outbox rows and abandoned drafts past their keeping time, batch by batch."""
    settings, now = svc.settings, svc.clock()
    outbox = drafts = 0
    if settings.outbox_keep_days > 0:
        cutoff = now - timedelta(days=settings.outbox_keep_days)
        outbox = await _in_batches(svc.repo.prune_sent_outbox, cutoff, svc, pause)
    if settings.draft_keep_days > 0:
        cutoff = now - timedelta(days=settings.draft_keep_days)
        drafts = await _in_batches(svc.repo.prune_drafts, cutoff, svc, pause)
    return Pruned(outbox=outbox, drafts=drafts)


async def _in_batches(
    step: Callable[..., Awaitable[int]], cutoff: datetime, svc: Services, pause: float
) -> int:
    size = svc.settings.prune_batch_size
    total = 0
    while True:
        deleted = await step(cutoff, limit=size)
        total += deleted
        if deleted < size:
            return total
        await asyncio.sleep(pause)
