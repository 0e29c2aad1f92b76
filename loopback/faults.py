"""Fault plans: Telegram's misbehaviour scattered over the methods a bot uses, seeded, counted.

`LoopbackBotApi.inject_fault` queues one fault at a time; a plan queues many at once from a seed
(so that a failing run can be replayed) and reads back which of them the bot actually met.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from loopback.server import FaultKind, LoopbackBotApi

ALL_KINDS: tuple[FaultKind, ...] = ("429", "500", "502", "slow", "drop", "drop_after")


@dataclass
class FaultPlan:
    """Faults queued on a loopback server from a seed, and the ones that were triggered."""

    api: LoopbackBotApi
    seed: int
    queued: Counter[tuple[str, str]] = field(default_factory=Counter)

    def scatter(
        self,
        methods: Sequence[str],
        *,
        per_method: int,
        kinds: Sequence[FaultKind] = ALL_KINDS,
        slow_seconds: float = 0.3,
    ) -> None:
        """Queue `per_method` faults of random kinds on each method (met by its next calls)."""
        rng = random.Random(self.seed)
        for method in methods:
            for _ in range(per_method):
                kind = rng.choice(list(kinds))
                self.api.inject_fault(method, kind, retry_after=1, delay=slow_seconds)
                self.queued[(method, kind)] += 1

    def triggered(self) -> Counter[tuple[str, str]]:
        """Count the faults the bot met, by method and kind."""
        return Counter((r.method, str(r.fault)) for r in self.api.requests if r.fault)
