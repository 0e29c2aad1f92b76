"""The rate limiter, sized so that a group never sees more than its limit in any window."""

from __future__ import annotations

from telegram.ext import AIORateLimiter

from bot.settings import Settings


def build_rate_limiter(settings: Settings) -> AIORateLimiter:
    """Return PTB's AIORateLimiter with the group limit as a sliding-window guarantee.

    aiolimiter is a leaky bucket: with capacity c draining at r per second, any window of T
    seconds admits up to c + r*T acquisitions, so "20 per 60 s" configured naively lets 39
    through in a minute. Capacity = burst and r = (limit - burst) / window keep every window at
    or under the limit while still letting a burst go out at once.
    """
    burst = settings.rate_group_burst
    drain = (settings.rate_group_max - burst) / settings.rate_group_window_seconds
    return AIORateLimiter(
        overall_max_rate=settings.rate_overall_per_second,
        overall_time_period=1,
        group_max_rate=burst,
        group_time_period=burst / drain,
        max_retries=settings.rate_max_retries,
    )
