"""Aduan: a Telegram bot for public-service complaints, run from an office's SOP."""

import os

# Opt in to python-telegram-bot's timedelta time periods now: reading them as ints is deprecated
# and warns on every RetryAfter.
os.environ.setdefault("PTB_TIMEDELTA", "true")
