"""Fixtures: the loopback Bot API, settings pointing at it, and the running bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.settings import Settings
from loopback import LoopbackBotApi
from tests.harness import BotRunner, make_settings


@pytest.fixture
async def loopback() -> AsyncIterator[LoopbackBotApi]:
    async with LoopbackBotApi() as server:
        yield server


@pytest.fixture
def settings(loopback: LoopbackBotApi, tmp_path: Path) -> Settings:
    return make_settings(loopback, tmp_path)


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[BotRunner]:
    runner = BotRunner(settings)
    await runner.start()
    yield runner
    await runner.stop()
