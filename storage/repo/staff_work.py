"""What staff work with beyond the registry: pending prompts, queues and search."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from storage import tables as t
from storage.models import Report, Reporter, StaffPrompt
from storage.repo.base import RepoBase, to_model

MAX_ROWS = 50


class StaffWorkRepo(RepoBase):
    """Pending staff prompts, work queues, search and reporters recorded by staff."""

    async def add_prompt(
        self,
        *,
        chat_id: int,
        message_id: int,
        staff_id: int,
        report_id: int,
        action: str,
        version: int,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Remember a question the bot asked a staff member, until they reply to it."""
        async with self.db.write() as conn:
            await conn.execute(
                insert(t.staff_prompts).values(
                    chat_id=chat_id,
                    message_id=message_id,
                    staff_id=staff_id,
                    report_id=report_id,
                    action=action,
                    version=version,
                    data=data,
                    created_at=self.clock(),
                )
            )

    async def prompt_at(self, chat_id: int, message_id: int) -> StaffPrompt | None:
        """Return the pending prompt a message is, if it is one."""
        stmt = select(t.staff_prompts).where(
            and_(t.staff_prompts.c.chat_id == chat_id, t.staff_prompts.c.message_id == message_id)
        )
        async with self.db.read() as conn:
            row = (await conn.execute(stmt)).first()
        return None if row is None else to_model(row, StaffPrompt)

    async def add_prompt_file(
        self, prompt_id: int, file: dict[str, Any], media_group: str | None = None
    ) -> tuple[int, bool] | None:
        """Keep a file sent in reply to a prompt until the reply that completes it.

        Return how many files the prompt holds now and whether this file opened a new album
        (False for the second and later photos of one album); None when the prompt is gone.
        """
        async with self.db.write() as conn:
            row = (
                await conn.execute(
                    select(t.staff_prompts.c.data).where(t.staff_prompts.c.id == prompt_id)
                )
            ).first()
            if row is None:
                return None
            data = dict(row.data or {})
            files = [*data.get("files", []), file]
            new_album = media_group is None or data.get("media_group") != media_group
            data.update(files=files, media_group=media_group)
            await conn.execute(
                update(t.staff_prompts).where(t.staff_prompts.c.id == prompt_id).values(data=data)
            )
        return len(files), new_album

    async def drop_prompt(self, prompt_id: int) -> None:
        """Forget a prompt that was answered (or can no longer be)."""
        async with self.db.write() as conn:
            await conn.execute(t.staff_prompts.delete().where(t.staff_prompts.c.id == prompt_id))

    async def reports_in(
        self,
        stages: Collection[str],
        *,
        unit_ids: Collection[int] | None = None,
        limit: int = MAX_ROWS,
        offset: int = 0,
    ) -> list[Report]:
        """Return reports at these stages (optionally of these units), oldest due first."""
        stmt = (
            select(t.reports)
            .where(*self._queue_where(stages, unit_ids))
            .order_by(t.reports.c.stage_due_at.is_(None), t.reports.c.stage_due_at, t.reports.c.id)
            .limit(limit)
            .offset(offset)
        )
        async with self.db.read() as conn:
            return [to_model(r, Report) for r in await conn.execute(stmt)]

    async def count_in(
        self, stages: Collection[str], *, unit_ids: Collection[int] | None = None
    ) -> int:
        """Return how many reports are at these stages (optionally of these units)."""
        stmt = select(func.count()).select_from(t.reports)
        async with self.db.read() as conn:
            total = await conn.scalar(stmt.where(*self._queue_where(stages, unit_ids)))
        return int(total or 0)

    @staticmethod
    def _queue_where(
        stages: Collection[str], unit_ids: Collection[int] | None
    ) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [t.reports.c.stage.in_(list(stages))]
        if unit_ids is not None:
            where.append(t.reports.c.unit_id.in_(list(unit_ids)))
        return where

    async def search_reports(self, words: Sequence[str], *, limit: int = 20) -> list[Report]:
        """Return the newest reports whose number, title, text or place contain every word."""
        columns = (
            t.reports.c.number,
            t.reports.c.title,
            t.reports.c.description,
            t.reports.c.location_text,
        )
        where = [
            or_(*(func.lower(c).contains(word.lower(), autoescape=True) for c in columns))
            for word in words
        ]
        stmt = select(t.reports).where(*where).order_by(t.reports.c.id.desc()).limit(limit)
        async with self.db.read() as conn:
            return [to_model(r, Report) for r in await conn.execute(stmt)]

    async def add_offline_reporter(
        self, *, name: str | None, phone: str | None, address: str | None = None
    ) -> Reporter:
        """Record a reporter who reached the office without Telegram (/catat)."""
        now = self.clock()
        async with self.db.write() as conn:
            reporter_id = (
                await conn.execute(
                    insert(t.reporters)
                    .values(name=name, phone=phone, address=address, created_at=now, updated_at=now)
                    .returning(t.reporters.c.id)
                )
            ).scalar_one()
            row = (
                await conn.execute(select(t.reporters).where(t.reporters.c.id == reporter_id))
            ).one()
        return to_model(row, Reporter)

    async def report_of_message(self, chat_id: int, message_id: int, slot: str) -> int | None:
        """Return the report whose `slot` message (its card) this is, if any."""
        stmt = select(t.message_links.c.report_id).where(
            and_(
                t.message_links.c.chat_id == chat_id,
                t.message_links.c.message_id == message_id,
                t.message_links.c.slot == slot,
            )
        )
        async with self.db.read() as conn:
            return (await conn.execute(stmt)).scalar()
