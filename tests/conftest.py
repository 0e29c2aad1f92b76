"""Fixtures: the loopback Bot API, settings pointing at it, and the running bot."""

from __future__ import annotations

import os
import ssl
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx._transports.default as httpx_transports
import pytest

from bot.settings import Settings
from loopback import LoopbackBotApi
from storage.database import Database
from storage.repository import Repository
from tests import pg
from tests.harness import BotRunner, make_database, make_settings


def pytest_configure(config: pytest.Config) -> None:
    """On PostgreSQL (ADUAN_TEST_DB=postgresql), give Settings and subprocesses the data key."""
    config.addinivalue_line("markers", "sqlite_only(reason): the test is about SQLite itself")
    if pg.enabled():
        os.environ.setdefault("DATA_KEYS", pg.TEST_DATA_KEY)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the session's PostgreSQL server and remove its folder (atexit does it too)."""
    pg.shutdown()


def pytest_report_header(config: pytest.Config) -> str:
    """Say which database the run uses."""
    return f"database: {'PostgreSQL (tests/pg.py)' if pg.enabled() else 'SQLite'}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked sqlite_only on PostgreSQL, with the marker's reason."""
    if not pg.enabled():
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else "about SQLite itself"
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


@pytest.fixture(autouse=True)
def _drop_postgres_databases() -> Iterator[None]:
    """Drop a test's PostgreSQL databases after it (its other fixtures are torn down first)."""
    yield
    if pg.has_test_databases():
        pg.drop_test_databases()


@pytest.fixture(autouse=True, scope="session")
def _one_tls_context() -> Iterator[None]:
    """Build the default TLS context once, not twice per bot start (50 ms each, every test).

    PTB opens two httpx clients per application and httpx loads the CA bundle for each, though
    the loopback Bot API is plain HTTP. The context is the same every time; nothing else changes.
    """
    original = httpx_transports.create_ssl_context
    shared: dict[bool, ssl.SSLContext] = {}

    def create_ssl_context(
        verify: ssl.SSLContext | str | bool = True, cert: object = None, trust_env: bool = True
    ) -> ssl.SSLContext:
        if verify is not True or cert is not None:
            return original(verify=verify, cert=cert, trust_env=trust_env)  # type: ignore[arg-type]
        if trust_env not in shared:
            shared[trust_env] = original(verify=True, trust_env=trust_env)
        return shared[trust_env]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx_transports, "create_ssl_context", create_ssl_context)
        yield


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """Give the test a migrated database of its own (an SQLite file or a PostgreSQL copy)."""
    database = make_database(tmp_path)
    await database.upgrade()
    yield database
    await database.dispose()


@pytest.fixture
def repo(db: Database) -> Repository:
    return Repository(db)


@pytest.fixture
async def loopback() -> AsyncIterator[LoopbackBotApi]:
    async with LoopbackBotApi() as server:
        yield server


@pytest.fixture
def settings(loopback: LoopbackBotApi, tmp_path: Path) -> Settings:
    return make_settings(loopback, tmp_path)


@pytest.fixture
async def bot(settings: Settings, loopback: LoopbackBotApi) -> AsyncIterator[BotRunner]:
    runner = BotRunner(settings, loopback=loopback)
    await runner.start()
    yield runner
    await runner.stop()
