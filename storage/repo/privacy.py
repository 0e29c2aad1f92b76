"""Personal data: erasure on request, purging by retention, the access log, key rotation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    Text,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import crypto
from storage import tables as t
from storage.models import Erasure, IdentityView, OutboxMessage, Report
from storage.repo.base import RepoBase, to_model
from storage.vocabulary import Action, ActorKind, Stage

# What the reporter's identity is made of (storage/crypto.py encrypts each of them).
PERSONAL_COLUMNS = ("name", "phone", "address", "email", "id_photo_file_id")
_CLEARED = dict.fromkeys(PERSONAL_COLUMNS)
# Stages a report never leaves: their reporter's data may be purged once the period has run.
FINAL_STAGES = (Stage.CLOSED, Stage.REJECTED, Stage.DUPLICATE)


class PrivacyRepo(RepoBase):
    """Personal data: erasure on request, purging by retention, the access log, key rotation."""

    async def reports_of_reporter(self, reporter_id: int) -> list[Report]:
        """Return every report a reporter filed, oldest first."""
        stmt = (
            select(t.reports).where(t.reports.c.reporter_id == reporter_id).order_by(t.reports.c.id)
        )
        async with self.db.read() as conn:
            return [to_model(r, Report) for r in await conn.execute(stmt)]

    async def erase_reporter(self, reporter_id: int, messages: Sequence[OutboxMessage]) -> Erasure:
        """Erase a reporter's identity and make each of their reports anonymous, in one go.

        Kept, because the service must still be accountable for them: the reports (their
        words, evidence and history, now anonymous) and the Telegram id that delivers answers.
        """
        now = self.clock()
        async with self.db.write() as conn:
            await conn.execute(
                update(t.reporters)
                .where(t.reporters.c.id == reporter_id)
                .values(**_CLEARED, erased_at=now, updated_at=now)
            )
            ids = [
                r
                for (r,) in await conn.execute(
                    select(t.reports.c.id).where(t.reports.c.reporter_id == reporter_id)
                )
            ]
            if ids:
                await conn.execute(
                    update(t.reports).where(t.reports.c.id.in_(ids)).values(anonymous=True)
                )
                # A document's name ("KTP Siti Aminah.pdf") says who sent it.
                await conn.execute(
                    update(t.attachments)
                    .where(t.attachments.c.report_id.in_(ids))
                    .values(file_name=None)
                )
                await conn.execute(
                    insert(t.report_events),
                    [
                        {
                            "report_id": i,
                            "at": now,
                            "actor_kind": ActorKind.REPORTER,
                            "action": Action.NOTE,
                            "data": {"privacy": "erased"},
                        }
                        for i in ids
                    ],
                )
            telegram_id = await conn.scalar(
                select(t.reporters.c.telegram_user_id).where(t.reporters.c.id == reporter_id)
            )
            if telegram_id is not None:
                # A report half-written keeps the name and phone typed so far.
                await conn.execute(
                    delete(t.drafts).where(t.drafts.c.telegram_user_id == telegram_id)
                )
            await self._enqueue(conn, messages)
            rows = await conn.execute(select(t.reports).where(t.reports.c.id.in_(ids)))
            reports = tuple(to_model(r, Report) for r in rows)
        return Erasure(reporter_id, reports)

    async def purge_expired(self, closed_before: datetime, *, limit: int = 500) -> int:
        """Purge the personal data of reports that ended before a time; return how many.

        The report keeps its figures (type, category, unit, stages, dates, rating); its files
        lose their names, and its reporter loses their identity unless another report of
        theirs is still open or ended after `closed_before`.
        """
        now = self.clock()
        done = t.reports.c.personal_purged_at.is_(None)
        stmt = (
            select(t.reports.c.id, t.reports.c.reporter_id)
            .where(
                done,
                t.reports.c.closed_at < closed_before,
                t.reports.c.stage.in_([s.value for s in FINAL_STAGES]),
            )
            .order_by(t.reports.c.closed_at)
            .limit(limit)
        )
        async with self.db.write() as conn:
            rows = (await conn.execute(stmt)).all()
            if not rows:
                return 0
            ids = [r.id for r in rows]
            await conn.execute(
                update(t.attachments)
                .where(t.attachments.c.report_id.in_(ids))
                .values(file_name=None)
            )
            await conn.execute(
                update(t.reports).where(t.reports.c.id.in_(ids)).values(personal_purged_at=now)
            )
            for reporter_id in {r.reporter_id for r in rows}:
                if not await self._keeps_identity(conn, reporter_id, closed_before):
                    await conn.execute(
                        update(t.reporters)
                        .where(t.reporters.c.id == reporter_id)
                        .values(**_CLEARED, updated_at=now)
                    )
        return len(rows)

    async def _keeps_identity(
        self, conn: AsyncConnection, reporter_id: int, closed_before: datetime
    ) -> bool:
        """Tell whether another report still needs its reporter's identity."""
        other = select(t.reports.c.id).where(
            t.reports.c.reporter_id == reporter_id,
            or_(
                t.reports.c.closed_at.is_(None),
                t.reports.c.closed_at >= closed_before,
                t.reports.c.stage.not_in([s.value for s in FINAL_STAGES]),
            ),
        )
        return bool(await conn.scalar(select(exists(other))))

    async def log_identity_view(
        self, report_id: int, what: str, *, viewer_telegram_id: int | None
    ) -> None:
        """Record that a reporter's identity was shown to staff (a person, or the group)."""
        staff_id = None
        async with self.db.write() as conn:
            if viewer_telegram_id is not None:
                staff_id = await conn.scalar(
                    select(t.staff.c.id).where(t.staff.c.telegram_user_id == viewer_telegram_id)
                )
            await conn.execute(
                insert(t.identity_views).values(
                    report_id=report_id,
                    staff_id=staff_id,
                    viewer_telegram_id=viewer_telegram_id,
                    what=what,
                    at=self.clock(),
                )
            )

    async def identity_views(
        self, *, report_id: int | None = None, limit: int = 30
    ) -> list[IdentityView]:
        """Return the newest views of reporters' identities (of one report, or of all)."""
        v = t.identity_views
        stmt = (
            select(
                v.c.at,
                t.reports.c.number.label("report_number"),
                v.c.what,
                v.c.viewer_telegram_id,
                t.staff.c.display_name.label("staff_name"),
            )
            .join(t.reports, t.reports.c.id == v.c.report_id)
            .outerjoin(t.staff, t.staff.c.id == v.c.staff_id)
            .order_by(v.c.at.desc(), v.c.id.desc())
            .limit(limit)
        )
        if report_id is not None:
            stmt = stmt.where(v.c.report_id == report_id)
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [IdentityView(**r._mapping) for r in rows]

    async def rotate_personal_data(self, *, batch: int = 500) -> int:
        """Re-encrypt every stored personal value with the current key; return how many rows.

        Plain values stored before encryption existed are encrypted on the way.
        """
        raw = [type_coerce(t.reporters.c[c], Text).label(c) for c in PERSONAL_COLUMNS]
        changed, last = 0, 0
        while True:
            async with self.db.write() as conn:
                rows = (
                    await conn.execute(
                        select(t.reporters.c.id, *raw)
                        .where(t.reporters.c.id > last)
                        .order_by(t.reporters.c.id)
                        .limit(batch)
                    )
                ).all()
                for row in rows:
                    values = {
                        c: crypto.reencrypt(row._mapping[c])
                        for c in PERSONAL_COLUMNS
                        if row._mapping[c] is not None
                    }
                    if values:
                        await conn.execute(
                            update(t.reporters)
                            .where(t.reporters.c.id == row.id)
                            # Already tokens: literal Text values skip the column's encryption.
                            .values({c: literal(v, Text) for c, v in values.items()})
                        )
                        changed += 1
            if len(rows) < batch:
                return changed
            last = rows[-1].id

    async def plain_personal_values(self) -> int:
        """Return how many reporters still hold a value that is not encrypted."""
        raw = [type_coerce(t.reporters.c[c], Text) for c in PERSONAL_COLUMNS]
        plain = or_(*(and_(c.is_not(None), ~c.startswith(crypto.TOKEN_PREFIX)) for c in raw))
        async with self.db.read() as conn:
            return int(await conn.scalar(select(func.count()).where(plain)) or 0)
