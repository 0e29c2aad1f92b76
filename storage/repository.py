"""The repository: every read and write the bot makes, as typed methods over SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, and_, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.tracking import counter_name, format_number, normalize_number, office_year
from storage import tables as t
from storage.database import Database
from storage.models import (
    Draft,
    NewReport,
    OutboxItem,
    OutboxMessage,
    Report,
    Reporter,
    ReportEvent,
    StaffMember,
    Unit,
)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def _row(row: Row[Any], cls: Any) -> Any:
    mapping = row._mapping
    return cls(**{name: mapping[name] for name in cls.__dataclass_fields__})


class Repository:
    """Typed access to the database; each public write is one transaction."""

    def __init__(self, db: Database, clock: Clock = utc_now) -> None:
        self.db = db
        self.clock = clock

    def _insert(self) -> Any:
        return sqlite_insert if self.db.is_sqlite else pg_insert

    # --- updates already handled (redelivery after a crash) -------------------------------

    async def claim_update(self, update_id: int) -> bool:
        """Record an update as handled; False when it was handled before."""
        stmt = (
            self._insert()(t.processed_updates)
            .values(update_id=update_id, processed_at=self.clock())
            .on_conflict_do_nothing(index_elements=["update_id"])
        )
        async with self.db.write() as conn:
            result = await conn.execute(stmt)
        return result.rowcount == 1

    async def prune_processed_updates(self, older_than: timedelta) -> int:
        """Forget handled update ids older than Telegram would ever redeliver."""
        cutoff = self.clock() - older_than
        async with self.db.write() as conn:
            result = await conn.execute(
                t.processed_updates.delete().where(t.processed_updates.c.processed_at < cutoff)
            )
        return result.rowcount

    # --- reporters -------------------------------------------------------------------------

    async def reporter_by_telegram(self, telegram_user_id: int) -> Reporter | None:
        """Return the reporter with this Telegram id, if they ever talked to the bot."""
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(t.reporters).where(t.reporters.c.telegram_user_id == telegram_user_id)
                )
            ).first()
        return None if row is None else _row(row, Reporter)

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
        return _row(row, Reporter)

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
        return _row(row, Reporter)

    async def mark_chat_blocked(self, chat_id: int, blocked: bool = True) -> None:
        """Record that a user blocked the bot (or unblocked it by writing again)."""
        async with self.db.write() as conn:
            await conn.execute(
                update(t.reporters)
                .where(t.reporters.c.telegram_user_id == chat_id)
                .values(blocked_at=self.clock() if blocked else None)
            )

    # --- units and staff -------------------------------------------------------------------

    async def seed_units(self, units: Iterable[tuple[str, str, str | None]]) -> int:
        """Create the profile's initial units when the registry is still empty."""
        async with self.db.write() as conn:
            existing = (await conn.execute(select(func.count()).select_from(t.units))).scalar()
            if existing:
                return 0
            now = self.clock()
            rows = [{"code": c, "name": n, "kind": k, "created_at": now} for c, n, k in units]
            if rows:
                await conn.execute(insert(t.units), rows)
            return len(rows)

    async def list_units(self, *, active_only: bool = True) -> list[Unit]:
        """Return the units, by code."""
        stmt = select(t.units).order_by(t.units.c.code)
        if active_only:
            stmt = stmt.where(t.units.c.active.is_(True))
        async with self.db.read() as conn:
            return [_row(r, Unit) for r in await conn.execute(stmt)]

    async def bootstrap_admins(self, telegram_user_ids: Iterable[int]) -> None:
        """Make the ADMIN_USER_IDS supervisors (again, if someone demoted them)."""
        now = self.clock()
        async with self.db.write() as conn:
            for uid in telegram_user_ids:
                await conn.execute(
                    self._insert()(t.staff)
                    .values(
                        telegram_user_id=uid,
                        display_name=str(uid),
                        role="supervisor",
                        created_at=now,
                        updated_at=now,
                    )
                    .on_conflict_do_update(
                        index_elements=["telegram_user_id"],
                        set_={"role": "supervisor", "active": True, "updated_at": now},
                    )
                )

    async def staff_by_telegram(self, telegram_user_id: int) -> StaffMember | None:
        """Return the active staff member with this Telegram id, with their units."""
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(t.staff).where(
                        and_(
                            t.staff.c.telegram_user_id == telegram_user_id,
                            t.staff.c.active.is_(True),
                        )
                    )
                )
            ).first()
            if row is None:
                return None
            unit_ids = (
                await conn.execute(
                    select(t.staff_units.c.unit_id).where(t.staff_units.c.staff_id == row.id)
                )
            ).scalars()
            return StaffMember(
                id=row.id,
                telegram_user_id=row.telegram_user_id,
                display_name=row.display_name,
                role=row.role,
                active=row.active,
                unit_ids=frozenset(unit_ids),
            )

    # --- reports ---------------------------------------------------------------------------

    async def submit_report(
        self,
        new: NewReport,
        *,
        prefix: str,
        zone: ZoneInfo,
        notify: Callable[[Report], Sequence[OutboxMessage]] = lambda _r: (),
        event_data: dict[str, Any] | None = None,
    ) -> Report:
        """File a report: number it, write it, its first audit row and its notifications."""
        async with self.db.write() as conn:
            year = office_year(new.submitted_at, zone)
            sequence = await self._bump_counter(conn, counter_name(prefix, year))
            values = {
                name: getattr(new, name) for name in NewReport.__dataclass_fields__ if name != "id"
            }
            report_id = (
                await conn.execute(
                    insert(t.reports)
                    .values(
                        **values,
                        number=format_number(prefix, year, sequence),
                        stage_started_at=new.submitted_at,
                        updated_at=new.submitted_at,
                    )
                    .returning(t.reports.c.id)
                )
            ).scalar_one()
            await conn.execute(
                insert(t.report_events).values(
                    report_id=report_id,
                    at=new.submitted_at,
                    actor_kind="reporter",
                    action="submit",
                    from_stage="draft",
                    to_stage=new.stage,
                    data=event_data,
                )
            )
            report = await self._report(conn, report_id)
            await self._enqueue(conn, notify(report))
            return report

    async def _bump_counter(self, conn: AsyncConnection, name: str) -> int:
        # One statement, inside the caller's write transaction: no two callers get the same value.
        stmt = (
            self._insert()(t.counters)
            .values(name=name, value=1)
            .on_conflict_do_update(index_elements=["name"], set_={"value": t.counters.c.value + 1})
            .returning(t.counters.c.value)
        )
        return int((await conn.execute(stmt)).scalar_one())

    async def _report(self, conn: AsyncConnection, report_id: int) -> Report:
        row = (await conn.execute(select(t.reports).where(t.reports.c.id == report_id))).one()
        return _row(row, Report)

    async def report_by_number(self, text: str) -> Report | None:
        """Find a report by its tracking number as a person typed it."""
        number = normalize_number(text)
        if number is None:
            return None
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(t.reports).where(t.reports.c.number == number))
            ).first()
        return None if row is None else _row(row, Report)

    async def events(self, report_id: int) -> list[ReportEvent]:
        """Return a report's audit trail, oldest first."""
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(t.report_events)
                .where(t.report_events.c.report_id == report_id)
                .order_by(t.report_events.c.id)
            )
            return [_row(r, ReportEvent) for r in rows]

    # --- drafts ----------------------------------------------------------------------------

    async def save_draft(
        self, telegram_user_id: int, conversation: str, step: str, data: dict[str, Any]
    ) -> Draft:
        """Save a conversation's step and answers (one row per user and conversation)."""
        now = self.clock()
        values = {"step": step, "data": data, "updated_at": now}
        async with self.db.write() as conn:
            await conn.execute(
                self._insert()(t.drafts)
                .values(telegram_user_id=telegram_user_id, conversation=conversation, **values)
                .on_conflict_do_update(
                    index_elements=["telegram_user_id", "conversation"], set_=values
                )
            )
        return Draft(telegram_user_id, conversation, step, data, now)

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
        return None if row is None else _row(row, Draft)

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

    # --- outbox ----------------------------------------------------------------------------

    async def enqueue(self, messages: Sequence[OutboxMessage]) -> None:
        """Queue messages on their own (for changes that write nothing else)."""
        async with self.db.write() as conn:
            await self._enqueue(conn, messages)

    async def _enqueue(self, conn: AsyncConnection, messages: Sequence[OutboxMessage]) -> None:
        now = self.clock()
        for msg in messages:
            payload = dict(msg.payload)
            if msg.link is not None:
                payload["_link"] = msg.link
            values = {
                "chat_id": msg.chat_id,
                "kind": msg.kind,
                "payload": payload,
                "report_id": msg.report_id,
                "coalesce_key": msg.coalesce_key,
                "not_before": msg.not_before or now,
                "created_at": now,
            }
            if msg.coalesce_key is not None:
                # A newer edit of the same card replaces the one still waiting.
                replaced = await conn.execute(
                    update(t.outbox)
                    .where(
                        and_(
                            t.outbox.c.coalesce_key == msg.coalesce_key,
                            t.outbox.c.status == "pending",
                        )
                    )
                    .values(payload=payload, kind=msg.kind, chat_id=msg.chat_id)
                )
                if replaced.rowcount:
                    continue
            await conn.execute(insert(t.outbox).values(**values))

    async def due_outbox(self, limit: int) -> list[OutboxItem]:
        """Return pending messages whose time has come, oldest first."""
        now = self.clock()
        waiting = t.outbox.alias("waiting")
        # A message waiting for a retry holds back the younger messages of its chat.
        held_back = (
            select(waiting.c.id)
            .where(
                and_(
                    waiting.c.chat_id == t.outbox.c.chat_id,
                    waiting.c.status == "pending",
                    waiting.c.id < t.outbox.c.id,
                    waiting.c.not_before > now,
                )
            )
            .exists()
        )
        stmt = (
            select(t.outbox)
            .where(and_(t.outbox.c.status == "pending", t.outbox.c.not_before <= now, ~held_back))
            .order_by(t.outbox.c.id)
            .limit(limit)
        )
        async with self.db.read() as conn:
            return [_row(r, OutboxItem) for r in await conn.execute(stmt)]

    async def mark_sent(self, item: OutboxItem, message_id: int | None) -> None:
        """Record a delivery, and the sent message's id where later edits need it."""
        now = self.clock()
        async with self.db.write() as conn:
            await conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == item.id)
                .values(
                    status="sent",
                    sent_at=now,
                    sent_message_id=message_id,
                    attempts=item.attempts + 1,
                )
            )
            slot = item.payload.get("_link")
            if slot and message_id is not None and item.report_id is not None:
                await conn.execute(
                    self._insert()(t.message_links)
                    .values(
                        report_id=item.report_id,
                        slot=slot,
                        chat_id=item.chat_id,
                        message_id=message_id,
                    )
                    .on_conflict_do_update(
                        index_elements=["report_id", "slot", "chat_id"],
                        set_={"message_id": message_id},
                    )
                )

    async def mark_retry(self, item: OutboxItem, *, delay: timedelta, error: str) -> None:
        """Put a message back for a later attempt."""
        async with self.db.write() as conn:
            await conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == item.id)
                .values(
                    attempts=item.attempts + 1, not_before=self.clock() + delay, last_error=error
                )
            )

    async def mark_failed(self, item: OutboxItem, error: str) -> None:
        """Give up on a message that can never be delivered (blocked, chat gone)."""
        async with self.db.write() as conn:
            await conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == item.id)
                .values(status="failed", attempts=item.attempts + 1, last_error=error)
            )

    async def retarget_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """Move pending messages and links of a group that became a supergroup."""
        async with self.db.write() as conn:
            await conn.execute(
                update(t.outbox)
                .where(and_(t.outbox.c.chat_id == old_chat_id, t.outbox.c.status == "pending"))
                .values(chat_id=new_chat_id)
            )
            await conn.execute(
                update(t.message_links)
                .where(t.message_links.c.chat_id == old_chat_id)
                .values(chat_id=new_chat_id)
            )
            await self._set_kv(conn, "staff_chat_id", new_chat_id)

    async def linked_message(self, report_id: int, slot: str, chat_id: int) -> int | None:
        """Return the id of a message the bot sent for a report (its card, say)."""
        stmt = select(t.message_links.c.message_id).where(
            and_(
                t.message_links.c.report_id == report_id,
                t.message_links.c.slot == slot,
                t.message_links.c.chat_id == chat_id,
            )
        )
        async with self.db.read() as conn:
            return (await conn.execute(stmt)).scalar()

    async def outbox_items(self, *, status: str | None = None) -> list[OutboxItem]:
        """Return outbox rows (for the CLI and tests), oldest first."""
        stmt = select(t.outbox).order_by(t.outbox.c.id)
        if status is not None:
            stmt = stmt.where(t.outbox.c.status == status)
        async with self.db.read() as conn:
            return [_row(r, OutboxItem) for r in await conn.execute(stmt)]

    # --- runtime values --------------------------------------------------------------------

    async def _set_kv(self, conn: AsyncConnection, key: str, value: Any) -> None:
        values = {"value": value, "updated_at": self.clock()}
        await conn.execute(
            self._insert()(t.settings_kv)
            .values(key=key, **values)
            .on_conflict_do_update(index_elements=["key"], set_=values)
        )

    async def get_kv(self, key: str) -> Any:
        """Return a runtime value, or None."""
        async with self.db.read() as conn:
            return (
                await conn.execute(select(t.settings_kv.c.value).where(t.settings_kv.c.key == key))
            ).scalar()
