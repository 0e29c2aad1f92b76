"""Drafts: conversations in progress, saved at every step."""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.models import (
    Draft,
)
from storage.repo.base import RepoBase, to_model

# The update being handled (set by bot/telegram/updates.py around its handlers): each draft
# save records it, so a replay after a crash can tell a step whose answer was already saved.
APPLYING_UPDATE: ContextVar[int | None] = ContextVar("applying_update", default=None)


class DraftsRepo(RepoBase):
    """Drafts: conversations in progress, saved at every step."""

    _save_draft_stmt: Any = None

    async def save_draft(
        self, telegram_user_id: int, conversation: str, step: str, data: dict[str, Any]
    ) -> Draft:
        """Save a conversation's step and answers (one row per user and conversation)."""
        now, update_id = self.clock(), APPLYING_UPDATE.get()
        values = {
            "telegram_user_id": telegram_user_id,
            "conversation": conversation,
            "step": step,
            "data": data,
            "updated_at": now,
            "last_update_id": update_id,
        }
        async with self.db.write_one() as conn:
            await conn.execute(self._save_draft_statement(), values)
        return Draft(telegram_user_id, conversation, step, data, now, update_id)

    def _save_draft_statement(self) -> Any:
        """Return the upsert of one draft, built once (a statement per step of every talk)."""
        if self._save_draft_stmt is None:
            stmt = self._insert()(t.drafts)
            self._save_draft_stmt = stmt.on_conflict_do_update(
                index_elements=["telegram_user_id", "conversation"],
                set_={
                    name: stmt.excluded[name]
                    for name in ("step", "data", "updated_at", "last_update_id")
                },
            )
        return self._save_draft_stmt

    async def draft(self, telegram_user_id: int, conversation: str) -> Draft | None:
        """Return a saved conversation, if any."""
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(t.drafts).where(
                        and_(
                            t.drafts.c.telegram_user_id == telegram_user_id,
                            t.drafts.c.conversation == conversation,
                        )
                    )
                )
            ).first()
        return None if row is None else to_model(row, Draft)

    async def updates_saved_in_drafts(
        self, update_ids: Iterable[int], *, besides: str | None = None
    ) -> set[int]:
        """Return which of these updates a draft's last save holds (read at start only).

        `besides`: a conversation left out (one that handles its own replays).
        """
        wanted = list(update_ids)
        if not wanted:
            return set()
        stmt = select(t.drafts.c.last_update_id).where(t.drafts.c.last_update_id.in_(wanted))
        if besides is not None:
            stmt = stmt.where(t.drafts.c.conversation != besides)
        async with self.db.read() as conn:
            return {int(v) for v in (await conn.execute(stmt)).scalars()}

    async def drop_draft(self, telegram_user_id: int, conversation: str) -> None:
        """Forget a saved conversation (submitted or cancelled)."""
        async with self.db.write() as conn:
            await conn.execute(
                t.drafts.delete().where(
                    and_(
                        t.drafts.c.telegram_user_id == telegram_user_id,
                        t.drafts.c.conversation == conversation,
                    )
                )
            )

    async def drafts_of(self, conversation: str) -> list[Draft]:
        """Return every saved draft of one conversation (read once, at start)."""
        stmt = select(t.drafts).where(t.drafts.c.conversation == conversation)
        async with self.db.read() as conn:
            return [to_model(r, Draft) for r in await conn.execute(stmt)]

    async def prune_drafts(self, updated_before: datetime, *, limit: int) -> int:
        """Delete up to `limit` drafts nobody touched since a time (abandoned); return how many.

        Each conversation's old drafts are read on ix_drafts_conversation_updated; the few
        conversation names are found by skipping along the same index.
        """
        d = t.drafts
        deleted = 0
        async with self.db.write() as conn:
            for name in await self._draft_conversations(conn):
                if deleted >= limit:
                    break
                old = (
                    select(d.c.telegram_user_id, d.c.conversation)
                    .where(d.c.conversation == name, d.c.updated_at < updated_before)
                    .limit(limit - deleted)
                )
                keys = [tuple(row) for row in await conn.execute(old)]
                if keys:
                    await conn.execute(
                        delete(d).where(tuple_(d.c.telegram_user_id, d.c.conversation).in_(keys))
                    )
                    deleted += len(keys)
        return deleted

    @staticmethod
    async def _draft_conversations(conn: AsyncConnection) -> list[str]:
        # min(conversation) > previous, one index seek per name (a skip scan by hand).
        d = t.drafts
        names: list[str] = []
        while True:
            stmt = select(func.min(d.c.conversation))
            if names:
                stmt = stmt.where(d.c.conversation > names[-1])
            name = (await conn.execute(stmt)).scalar()
            if name is None:
                return names
            names.append(name)
