"""Reporters: citizens and their language and identity."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.models import (
    Reporter,
)
from storage.repo.base import RepoBase, to_model


class ReportersRepo(RepoBase):
    """Reporters: citizens and their language and identity."""

    async def reporter_by_telegram(self, telegram_user_id: int) -> Reporter | None:
        """Return the reporter with this Telegram id, if they ever talked to the bot."""
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(t.reporters).where(t.reporters.c.telegram_user_id == telegram_user_id)
                )
            ).first()
        return None if row is None else to_model(row, Reporter)

    async def ensure_reporter(self, telegram_user_id: int, language: str = "id") -> Reporter:
        """Return the reporter for a Telegram user, creating them on first contact."""
        async with self.db.write() as conn:
            return await self._ensure_reporter(conn, telegram_user_id, language)

    async def _ensure_reporter(
        self, conn: AsyncConnection, telegram_user_id: int, language: str
    ) -> Reporter:
        now = self.clock()
        await conn.execute(
            self._insert()(t.reporters)
            .values(
                telegram_user_id=telegram_user_id,
                language=language,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["telegram_user_id"])
        )
        row = (
            await conn.execute(
                select(t.reporters).where(t.reporters.c.telegram_user_id == telegram_user_id)
            )
        ).one()
        return to_model(row, Reporter)

    async def set_language(self, telegram_user_id: int, language: str) -> Reporter:
        """Remember the language a user chose."""
        async with self.db.write() as conn:
            await self._ensure_reporter(conn, telegram_user_id, language)
            await conn.execute(
                update(t.reporters)
                .where(t.reporters.c.telegram_user_id == telegram_user_id)
                .values(language=language, updated_at=self.clock())
            )
            row = (
                await conn.execute(
                    select(t.reporters).where(t.reporters.c.telegram_user_id == telegram_user_id)
                )
            ).one()
        return to_model(row, Reporter)

    async def mark_chat_blocked(self, chat_id: int, blocked: bool = True) -> None:
        """Record that a user blocked the bot (or unblocked it by writing again)."""
        async with self.db.write() as conn:
            await conn.execute(
                update(t.reporters)
                .where(t.reporters.c.telegram_user_id == chat_id)
                .values(blocked_at=self.clock() if blocked else None)
            )
