"""Lookups of staff prompts that keep a prompt from being asked twice or answered in vain."""

from __future__ import annotations

from sqlalchemy import and_, select

from storage import tables as t
from storage.models import StaffPrompt
from storage.repo.base import RepoBase, to_model


class PromptsRepo(RepoBase):
    """Open prompts by who was asked, for a repeated press and a reply to an unrecorded copy."""

    async def open_prompt(
        self, *, chat_id: int, staff_id: int, report_id: int, action: str, version: int
    ) -> StaffPrompt | None:
        """Return the prompt already asking this member for this action on this version."""
        stmt = select(t.staff_prompts).where(
            and_(
                t.staff_prompts.c.chat_id == chat_id,
                t.staff_prompts.c.staff_id == staff_id,
                t.staff_prompts.c.report_id == report_id,
                t.staff_prompts.c.action == action,
                t.staff_prompts.c.version == version,
            )
        )
        async with self.db.read() as conn:
            row = (await conn.execute(stmt)).first()
        return None if row is None else to_model(row, StaffPrompt)

    async def latest_prompt_of(self, chat_id: int, staff_id: int) -> StaffPrompt | None:
        """Return the newest prompt still waiting for a member's reply in a chat."""
        stmt = (
            select(t.staff_prompts)
            .where(
                and_(t.staff_prompts.c.chat_id == chat_id, t.staff_prompts.c.staff_id == staff_id)
            )
            .order_by(t.staff_prompts.c.id.desc())
            .limit(1)
        )
        async with self.db.read() as conn:
            row = (await conn.execute(stmt)).first()
        return None if row is None else to_model(row, StaffPrompt)
