"""Pacing long work in the event loop, so that updates are answered while it runs.

A turn of the loop (`asyncio.sleep(0)`) every few hundred items is not enough: answering one
update takes dozens of turns (each database hop, each HTTP step), and each of those waited for
the next chunk of work, so a citizen's /start waited 300 ms behind a catch-up's digests
although the loop was never held for more than 35 ms. `Pacer` rests for a real pause once a
slice of work has run, long enough for an update to go through.
"""

from __future__ import annotations

import asyncio
import time

# Work between two rests, in seconds: an update waits at most about this long per turn.
SLICE = 0.005


class Pacer:
    """Rest `pause` seconds whenever `slice_` seconds of work have run since the last rest."""

    def __init__(self, pause: float, slice_: float = SLICE) -> None:
        self.pause = pause
        self.slice = slice_
        self._since = time.perf_counter()

    async def breathe(self) -> None:
        """Rest if this slice of work is used up; otherwise return at once (no turn)."""
        if time.perf_counter() - self._since >= self.slice:
            await asyncio.sleep(self.pause)
            self._since = time.perf_counter()
