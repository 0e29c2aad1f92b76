"""Reporters: citizens and their language and identity."""

from __future__ import annotations

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.models import (
    Draft,
    Reporter,
    UpdateView,
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

    async def update_view(
        self, bot_id: int, update_id: int, private_user_id: int | None = None
    ) -> UpdateView:
        """Tell whether an update was handled, and read its private sender, in one read.

        One transaction for what each update otherwise read one by one (the redelivery guard,
        the reporter, the draft of the conversation it answers): handlers/common.py keeps it
        on the update's context for the update's life.
        """
        inbound = t.inbound_updates
        handled_stmt = select(inbound.c.handled_at).where(
            and_(inbound.c.bot_id == bot_id, inbound.c.update_id == update_id)
        )
        async with self.db.read() as conn:
            handled = (await conn.execute(handled_stmt)).scalar() is not None
            if handled or private_user_id is None:
                return UpdateView(handled)
            row = (
                await conn.execute(
                    select(t.reporters).where(t.reporters.c.telegram_user_id == private_user_id)
                )
            ).first()
            drafts = await conn.execute(
                select(t.drafts).where(t.drafts.c.telegram_user_id == private_user_id)
            )
            return UpdateView(
                False,
                None if row is None else to_model(row, Reporter),
                {d.conversation: to_model(d, Draft) for d in drafts},
            )

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
