"""The command line, as an operator on a fresh machine would use it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run_cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "STAFF_"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_run_without_a_token_exits_2_naming_the_setting_and_how_to_set_it(tmp_path: Path) -> None:
    # An unroutable base URL: any network call would hang or fail loudly instead of exiting 2.
    result = run_cli("run", cwd=tmp_path, TELEGRAM_BASE_URL="http://192.0.2.1:9/bot")
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert ".env" in result.stderr
    assert "@BotFather" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists(), "nothing may be created before the token is checked"


@pytest.mark.parametrize(
    ("name", "value"),
    [("STAFF_CHAT_ID", "not-a-number"), ("ADMIN_USER_IDS", "12,abc"), ("TELEGRAM_BASE_URL", "x")],
)
def test_an_invalid_setting_fails_with_one_line_naming_it(
    tmp_path: Path, name: str, value: str
) -> None:
    result = run_cli("run", cwd=tmp_path, **{name: value, "TELEGRAM_BOT_TOKEN": "1:x"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert name in lines[0]


def test_help_lists_the_subcommands(tmp_path: Path) -> None:
    result = run_cli("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("run", "db"):
        assert command in result.stdout


def test_db_upgrade_creates_the_default_database_with_its_folder(tmp_path: Path) -> None:
    result = run_cli("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "aduan.db").exists()


def test_settings_are_read_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite+aiosqlite:///elsewhere/x.db\n")
    result = run_cli("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "elsewhere" / "x.db").exists()


def test_a_broken_profile_stops_the_bot_with_the_file_and_key(tmp_path: Path) -> None:
    broken = tmp_path / "kantor.toml"
    broken.write_text('name = "Kantor"\nprefix = "lowercase"\n')
    result = run_cli(
        "run",
        cwd=tmp_path,
        TELEGRAM_BOT_TOKEN="1:x",
        TELEGRAM_BASE_URL="http://192.0.2.1:9/bot",
        ADUAN_PROFILE=str(broken),
    )
    assert result.returncode == 2
    assert "kantor.toml" in result.stderr
    assert "prefix" in result.stderr
    assert "Traceback" not in result.stderr


async def test_run_answers_start_through_the_loopback_and_never_logs_the_token(
    tmp_path: Path,
) -> None:
    import asyncio
    import signal

    from loopback import LoopbackBotApi

    async with LoopbackBotApi() as api:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "STAFF_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=api.token,
            TELEGRAM_BASE_URL=api.base_url,
            STAFF_CHAT_ID=str(api.add_supergroup("Staf").id),
            POLL_TIMEOUT_SECONDS="1",
            LOG_LEVEL="DEBUG",
        )
        # The debug log goes to a file: a pipe nobody reads until the end fills up (64 KiB)
        # and blocks the bot in mid-write.
        log_path = tmp_path / "bot.log"
        with log_path.open("wb") as log_file:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=tmp_path,
                env=env,
                stdout=log_file,
                stderr=log_file,
            )
            try:
                citizen = api.add_user("Siti")
                api.send_text(citizen, "/start")
                await api.wait_for("sendMessage", chat_id=citizen.id, timeout=30)
                assert api.last_bot_message(citizen.id)["text"].startswith("Selamat datang")
            finally:
                process.send_signal(signal.SIGINT)
                await asyncio.wait_for(process.wait(), 30)
    log = log_path.read_text()
    assert "starting long polling" in log
    assert api.token not in log
    assert (tmp_path / "data" / "aduan.db").exists()


def test_every_subcommand_is_documented_in_the_readme() -> None:
    import argparse

    from bot.__main__ import build_parser

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in commands.choices.items():
        nested = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
        actions = list(nested[0].choices) if nested else [""]
        for action in actions:
            documented = f"python -m bot {name} {action}".strip()
            alternatives = {documented, f"python -m bot {name} " + "|".join(actions)}
            assert any(a in readme for a in alternatives), documented


def test_make_run_without_a_token_serves_the_demo_console_and_ctrl_c_stops_it(
    tmp_path: Path,
) -> None:
    import json
    import signal
    import urllib.request

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "STAFF_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--sandbox-without-token"],
        cwd=tmp_path,
        env={**clean, "SANDBOX_PORT": "0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        why = process.stdout.readline()
        assert "TELEGRAM_BOT_TOKEN is not set" in why
        address = process.stdout.readline().split("console: ")[1].split()[0]
        with urllib.request.urlopen(address, timeout=10) as page:
            assert "Ponsel warga" in page.read().decode()
        with urllib.request.urlopen(f"{address}/api/state", timeout=10) as answer:
            state = json.load(answer)
        assert {p["kind"] for p in state["people"]} == {"citizen", "staff"}
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert not (tmp_path / "data").exists(), "the demo writes to a database of its own"


def test_a_job_cancelled_at_shutdown_is_not_logged_as_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import asyncio
    import logging

    from bot.telegram.jobs import CancelledAtShutdown

    executor = logging.getLogger("apscheduler.executors.default")
    executor.addFilter(quiet := CancelledAtShutdown())
    try:
        for error in (asyncio.CancelledError(), ValueError("a real bug")):
            try:
                raise error
            except BaseException:
                executor.exception("Job raised an exception")
    finally:
        executor.removeFilter(quiet)
    assert [r.exc_info[1].__class__ for r in caplog.records if r.exc_info] == [ValueError]
