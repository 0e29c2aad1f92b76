"""`python -m bot sandbox`: the demo and training console in a browser (no Telegram, no token)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys

from bot.settings import Settings

DEFAULT_PORT = 8080
DEFAULT_PROFILE = "nasional"
EXIT_PORT = 2


def port_from_env() -> int:
    """Return SANDBOX_PORT, or 8080."""
    value = os.environ.get("SANDBOX_PORT", "")
    return int(value) if value.isdigit() else DEFAULT_PORT


async def serve(settings: Settings, *, host: str, port: int, profile: str) -> None:
    """Run the console until Ctrl-C or SIGTERM, then stop everything cleanly."""
    from bot.sandbox.server import Console

    console = Console(settings, profile)
    address = await console.start(host, port)
    print(f"Aduan demo console: {address}  (Ctrl-C stops it)", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await console.stop()
        print("demo stopped", flush=True)


def cmd_sandbox(settings: Settings, args: argparse.Namespace) -> int:
    """Serve the demo console on 127.0.0.1 (SANDBOX_PORT, default 8080)."""
    from bot.sandbox.world import profile_names

    profile = args.profile or settings.aduan_profile or DEFAULT_PROFILE
    if profile not in profile_names():
        profile = DEFAULT_PROFILE
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # The outbox drains every 50 ms here; a drain still running when the next is due is normal.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    from bot.telegram.jobs import CancelledAtShutdown

    logging.getLogger("apscheduler.executors.default").addFilter(CancelledAtShutdown())
    try:
        asyncio.run(serve(settings, host=args.host, port=args.port, profile=profile))
    except OSError as exc:
        print(
            f"error: cannot serve on {args.host}:{args.port} ({exc.strerror});"
            " set SANDBOX_PORT or --port to another port",
            file=sys.stderr,
        )
        return EXIT_PORT
    return 0


def default_args() -> argparse.Namespace:
    """Return the options `python -m bot sandbox` has when none are given."""
    return argparse.Namespace(host="127.0.0.1", port=port_from_env(), profile=None)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `sandbox` subcommand."""
    sandbox = sub.add_parser(
        "sandbox",
        help="try the bot in a browser: a demo and training console (no Telegram, no token)",
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="address to serve on")
    sandbox.add_argument(
        "--port", type=int, default=port_from_env(), help="port (default: SANDBOX_PORT or 8080)"
    )
    sandbox.add_argument("--profile", help="SOP profile to start with (default: ADUAN_PROFILE)")
    sandbox.set_defaults(func=cmd_sandbox)
