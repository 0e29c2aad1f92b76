"""Settings from the environment and `.env`, with the names docs/architecture.md §7 fixes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/aduan.db"


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it in one line."""


class Settings(BaseSettings):
    """Everything the bot reads from its environment."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = DEFAULT_BASE_URL
    telegram_base_file_url: str | None = None
    staff_chat_id: int | None = None
    database_url: str = DEFAULT_DATABASE_URL
    aduan_profile: str | None = None
    admin_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()

    # Send limits (docs/architecture.md §7); settings so that tests can run fast.
    rate_overall_per_second: float = Field(default=30.0, gt=0)
    # At most rate_group_max messages (edits count) into one group in any window of this length.
    rate_group_max: int = Field(default=20, ge=2)
    rate_group_window_seconds: float = Field(default=60.0, gt=0)
    # How many of those may go out at once after a quiet spell.
    rate_group_burst: int = Field(default=5, ge=1)
    rate_max_retries: int = Field(default=3, ge=0)
    outbox_interval_seconds: float = Field(default=1.0, gt=0)
    outbox_batch_size: int = Field(default=50, gt=0)
    outbox_max_attempts: int = Field(default=20, gt=0)
    # First wait after a network error or 5xx; doubled per attempt, at most five minutes.
    outbox_backoff_seconds: float = Field(default=2.0, gt=0)
    # Failed or stuck outbox messages older than this are counted in the daily recap.
    outbox_alert_hours: float = Field(default=1.0, gt=0)
    poll_timeout_seconds: int = Field(default=30, ge=0)
    # Per-citizen limits against flooding: private messages a minute, reports filed a day.
    # A report takes about 20 taps; a quick citizen must never meet this limit.
    limit_messages_per_minute: int = Field(default=40, gt=0)
    limit_reports_per_day: int = Field(default=5, gt=0)
    # Service-level jobs (bot/services/sla, scheduled by bot/telegram/jobs.py): off, no sweep and
    # no recap are scheduled (tests of other features turn them off so that a recap posted at
    # start does not depend on the time of day).
    sla_jobs_enabled: bool = True
    # The morning reports (bot/services/reports/morning.py) bring their chart (PNG) and workbook
    # to the staff group after their text; false: the text alone, the files one /rekap away.
    morning_files: bool = True
    # Service-level sweep: seconds between sweeps, reports read per query batch.
    sla_sweep_interval_seconds: float = Field(default=300.0, gt=0)
    # 500: a batch (read, decide and write in one transaction) holds the database writer for
    # about 10 ms at a million reports; 100 costs 30 % more CPU in a catch-up (issue 15).
    sla_batch_size: int = Field(default=500, gt=0)
    # Seconds the sweep waits between two batches, so that the updates queued for the database
    # writer meanwhile go first (a catch-up over thousands of reports gives way); 0: no wait.
    # 0.01 is long enough for a waiting update's next step (a citizen's longest wait behind the
    # 1M catch-up: 63-87 ms at 0.01 s, 48-101 ms at 0.02 s); after each rest of 0.02 s the work
    # ran slower, ~2 ms of CPU more a rest (likely a core idling deeper), 0.15 s over a
    # catch-up's 75 rests; after 0.01 s next to none (bench/sweep_1m.py, 2026-12-03).
    sla_sweep_pause_seconds: float = Field(default=0.01, ge=0)
    # A reminder digest shows this many of the most urgent reports; past sla_digest_inline_max
    # reports the full list goes with it as a CSV file.
    sla_digest_top: int = Field(default=5, gt=0)
    sla_digest_inline_max: int = Field(default=15, gt=0)
    # Personal data at rest (storage/crypto.py): comma-separated Fernet keys, the first encrypts,
    # all decrypt (rotation: the new key first, `python -m bot keys rotate`, then drop the old).
    # Unset with SQLite: the key is kept in `<database file>.key` (0600), made on first start.
    data_keys: Annotated[tuple[SecretStr, ...], NoDecode] = ()
    # Retention: personal data of reports closed longer than this many days is purged; the
    # profile's `privacy.retention_days` wins where it sets one. 0 keeps it forever.
    retention_days: int = Field(default=0, ge=0)
    # Seconds between two retention sweeps (the job in bot/telegram/jobs.py).
    retention_interval_seconds: float = Field(default=6 * 3600.0, gt=0)
    # Housekeeping (bot/services/housekeeping.py): sent outbox rows are kept this many days,
    # drafts nobody touched for this many days are dropped (0 keeps either for ever); the job
    # runs every interval and deletes at most prune_batch_size rows per transaction.
    outbox_keep_days: int = Field(default=14, ge=0)
    draft_keep_days: int = Field(default=30, ge=0)
    prune_interval_seconds: float = Field(default=3600.0, gt=0)
    prune_batch_size: int = Field(default=200, gt=0)
    # Issue 16 (bot/telegram/processor.py): updates of different chats handled at once, each
    # chat's in order; 1 handles every update in turn (PTB's concurrent_updates(False)).
    update_concurrency: int = Field(default=32, ge=1)
    # Webhook mode (`python -m bot run --webhook`, bot/telegram/webhook.py), behind a reverse
    # proxy: the public HTTPS URL Telegram posts to, where this process listens, and the secret
    # Telegram sends back in X-Telegram-Bot-Api-Secret-Token (1-256 of A-Z a-z 0-9 _ -).
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=0, le=65535)
    webhook_path: str = "/telegram"
    webhook_secret_token: SecretStr | None = None
    # SQLite: a copy of the database (VACUUM INTO) before each automatic migration, kept here
    # (default: a `backups` folder beside the database file); off with BACKUP_BEFORE_MIGRATION=0.
    backup_before_migration: bool = True
    backup_dir: Path | None = None
    log_level: str = "INFO"

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",")]
            try:
                return frozenset(int(p) for p in parts if p)
            except ValueError:
                raise ValueError("expected comma-separated Telegram user ids") from None
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("data_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(p.strip() for p in value.replace(";", ",").split(",") if p.strip())
        return value

    @property
    def data_key_values(self) -> list[str]:
        """Return the data keys in clear, the encrypting one first."""
        return [key.get_secret_value() for key in self.data_keys]

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_secret_token", mode="before")
    @classmethod
    def _secret_token_shape(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return None
            import re

            if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
                raise ValueError("1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("webhook_path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with /")
        return value

    @field_validator("telegram_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _burst_below_limit(self) -> Settings:
        if self.rate_group_burst >= self.rate_group_max:
            raise ValueError("RATE_GROUP_BURST must be smaller than RATE_GROUP_MAX")
        return self

    @model_validator(mode="after")
    def _derive_file_url(self) -> Settings:
        if self.telegram_base_file_url is None:
            base = self.telegram_base_url.rstrip("/")
            derived = base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base
            object.__setattr__(self, "telegram_base_file_url", derived)
        return self

    @property
    def token(self) -> str:
        """Return the bot token, or raise the one-line error that says how to set it."""
        if self.telegram_bot_token is None:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put "
                "TELEGRAM_BOT_TOKEN=<token> in .env (see .env.example) or the environment."
            )
        return self.telegram_bot_token.get_secret_value()

    @property
    def file_url(self) -> str:
        """Return the file download base URL (derived from the API base when unset)."""
        assert self.telegram_base_file_url is not None  # set by _derive_file_url
        return self.telegram_base_file_url

    def sqlite_path(self) -> Path | None:
        """Return the SQLite database file, or None for other databases and in-memory ones."""
        prefix = "sqlite+aiosqlite:///"
        if not self.database_url.startswith(prefix):
            return None
        path = self.database_url[len(prefix) :].split("?", 1)[0]
        return None if path in ("", ":memory:") else Path(path)


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation error into one line per setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]).upper() or "settings"
            lines.append(f"{name}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("; ".join(lines)) from None
