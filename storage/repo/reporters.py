"""Reporters: citizens and their language and identity."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    LABEL_STYLE_TABLENAME_PLUS_COL,
    Select,
    and_,
    bindparam,
    cast,
    select,
    update,
)
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
        """Tell whether an update was handled, and read its private sender, in one statement.

        What each update otherwise read one by one (the redelivery guard, the reporter, the
        draft of the conversation it answers), in one read of one statement (a row per saved
        draft, at least one): handlers/common.py keeps it on the update's context for the
        update's life.
        """
        async with self.db.read() as conn:
            return await read_update_view(conn, bot_id, update_id, private_user_id)

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


_REPORTER_FIELDS = tuple(Reporter.__dataclass_fields__)
_DRAFT_FIELDS = tuple(Draft.__dataclass_fields__)


async def read_update_view(
    conn: AsyncConnection, bot_id: int, update_id: int, private_user_id: int | None
) -> UpdateView:
    """Read `update_view`'s one statement in a transaction the caller holds."""
    params = {"bot_id": bot_id, "update_id": update_id, "user_id": private_user_id}
    rows = (await conn.execute(_UPDATE_VIEW, params)).all()
    handled = rows[0]._mapping["inbound_updates_handled_at"] is not None
    if handled or private_user_id is None:
        return UpdateView(handled)
    first = rows[0]._mapping
    reporter = None
    if first["reporters_id"] is not None:
        reporter = Reporter(**{f: first[f"reporters_{f}"] for f in _REPORTER_FIELDS})
    drafts: dict[str, Draft] = {}
    for row in rows:
        m = row._mapping
        if m["drafts_conversation"] is not None:
            drafts[m["drafts_conversation"]] = Draft(**{f: m[f"drafts_{f}"] for f in _DRAFT_FIELDS})
    return UpdateView(False, reporter, drafts)


def _update_view_statement() -> Select[Any]:
    """Return the one statement of `update_view`, built once: the update's mark, the sender.

    One row from the parameter (no sender: user_id NULL matches nobody), the update's handled
    mark, the reporter and each saved draft joined to it (the keys are indexed).
    """
    inbound = t.inbound_updates
    me = select(cast(bindparam("user_id", type_=t.TgId), t.TgId).label("user_id")).subquery("me")
    joined = (
        me.outerjoin(
            inbound,
            and_(
                inbound.c.bot_id == bindparam("bot_id", type_=t.TgId),
                inbound.c.update_id == bindparam("update_id", type_=t.TgId),
            ),
        )
        .outerjoin(t.reporters, t.reporters.c.telegram_user_id == me.c.user_id)
        .outerjoin(t.drafts, t.drafts.c.telegram_user_id == me.c.user_id)
    )
    return (
        select(inbound.c.handled_at, t.reporters, t.drafts)
        .select_from(joined)
        .set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
    )


_UPDATE_VIEW = _update_view_statement()
