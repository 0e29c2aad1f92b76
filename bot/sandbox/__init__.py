"""The browser demo and training console: the real bot against the loopback Bot API."""
