"""Start and stop the application inside a running event loop, as run_polling does.

`python -m bot run` uses PTB's run_polling; the sandbox and the tests share a running loop with
the loopback server, so they start and stop the same steps by hand.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

App = Application[Any, Any, Any, Any, Any, Any]


async def start(app: App, *, poll_timeout: int) -> None:
    """Initialize, run post_init, start polling and the dispatcher."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=poll_timeout)
    await app.start()


async def stop(app: App) -> None:
    """Stop polling and the dispatcher, shut down, run post_shutdown."""
    assert app.updater is not None
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
