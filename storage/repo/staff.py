"""Units and staff: the live registry behind roles and dispositions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row, and_, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.models import StaffMember, Unit
from storage.repo.base import RepoBase, to_model


class StaffRepo(RepoBase):
    """Units and staff: the live registry behind roles and dispositions."""

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
        async with self._read() as conn:
            return [to_model(r, Unit) for r in await conn.execute(stmt)]

    async def unit(self, unit_id: int) -> Unit | None:
        """Return a unit by id."""
        async with self._read() as conn:
            row = (await conn.execute(select(t.units).where(t.units.c.id == unit_id))).first()
        return None if row is None else to_model(row, Unit)

    async def unit_by_code(self, code: str) -> Unit | None:
        """Return a unit by its code."""
        async with self._read() as conn:
            row = (await conn.execute(select(t.units).where(t.units.c.code == code))).first()
        return None if row is None else to_model(row, Unit)

    async def add_unit(self, code: str, name: str, kind: str | None = None) -> Unit:
        """Add a unit (or rename and reactivate the one with this code)."""
        values = {"name": name, "kind": kind, "active": True}
        async with self.db.write() as conn:
            await conn.execute(
                self._insert()(t.units)
                .values(code=code, created_at=self.clock(), **values)
                .on_conflict_do_update(index_elements=["code"], set_=values)
            )
        unit = await self.unit_by_code(code)
        assert unit is not None
        return unit

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

    async def _members(self, conn: AsyncConnection, *where: Any) -> list[StaffMember]:
        rows = (await conn.execute(select(t.staff).where(*where).order_by(t.staff.c.id))).all()
        if not rows:
            return []
        links = await conn.execute(
            select(t.staff_units).where(t.staff_units.c.staff_id.in_([r.id for r in rows]))
        )
        units: dict[int, set[int]] = {}
        for link in links:
            units.setdefault(link.staff_id, set()).add(link.unit_id)
        return [_member(r, units.get(r.id, set())) for r in rows]

    async def staff_by_telegram(self, telegram_user_id: int) -> StaffMember | None:
        """Return the active staff member with this Telegram id, with their units."""
        async with self._read() as conn:
            found = await self._members(
                conn, t.staff.c.telegram_user_id == telegram_user_id, t.staff.c.active.is_(True)
            )
        return found[0] if found else None

    async def staff_by_id(self, staff_id: int) -> StaffMember | None:
        """Return a staff member (active or not) by id."""
        async with self._read() as conn:
            found = await self._members(conn, t.staff.c.id == staff_id)
        return found[0] if found else None

    async def list_staff(self, *, active_only: bool = True) -> list[StaffMember]:
        """Return the staff, in the order they were added."""
        where = [t.staff.c.active.is_(True)] if active_only else []
        async with self._read() as conn:
            return await self._members(conn, *where)

    async def add_staff(
        self,
        telegram_user_id: int,
        display_name: str,
        role: str,
        *,
        unit_ids: Iterable[int] = (),
        added_by: int | None = None,
        approval_level: int | None = None,
    ) -> StaffMember:
        """Add a staff member (or update their role, name, units and approval level), active."""
        now = self.clock()
        values = {
            "display_name": display_name,
            "role": role,
            "active": True,
            "approval_level": approval_level,
            "updated_at": now,
        }
        async with self.db.write() as conn:
            await conn.execute(
                self._insert()(t.staff)
                .values(
                    telegram_user_id=telegram_user_id, added_by=added_by, created_at=now, **values
                )
                .on_conflict_do_update(index_elements=["telegram_user_id"], set_=values)
            )
            staff_id = (
                await conn.execute(
                    select(t.staff.c.id).where(t.staff.c.telegram_user_id == telegram_user_id)
                )
            ).scalar_one()
            await conn.execute(t.staff_units.delete().where(t.staff_units.c.staff_id == staff_id))
            units = [{"staff_id": staff_id, "unit_id": u} for u in unit_ids]
            if units:
                await conn.execute(insert(t.staff_units), units)
        member = await self.staff_by_telegram(telegram_user_id)
        assert member is not None
        return member

    async def remove_staff(self, telegram_user_id: int) -> bool:
        """Deactivate a staff member (their audit rows stay); False when there was none."""
        async with self.db.write() as conn:
            result = await conn.execute(
                update(t.staff)
                .where(and_(t.staff.c.telegram_user_id == telegram_user_id, t.staff.c.active))
                .values(active=False, updated_at=self.clock())
            )
        return result.rowcount > 0

    async def mark_private_chat(self, telegram_user_id: int) -> bool:
        """Record that a staff member wrote to the bot privately; True when this is news."""
        async with self.db.write() as conn:
            result = await conn.execute(
                update(t.staff)
                .where(
                    and_(
                        t.staff.c.telegram_user_id == telegram_user_id,
                        t.staff.c.private_chat_at.is_(None),
                    )
                )
                .values(private_chat_at=self.clock())
            )
        return result.rowcount > 0

    async def name_bootstrapped_staff(self, telegram_user_id: int, name: str) -> None:
        """Give an ADMIN_USER_IDS supervisor their Telegram name in place of the id placeholder."""
        async with self.db.write() as conn:
            await conn.execute(
                update(t.staff)
                .where(
                    and_(
                        t.staff.c.telegram_user_id == telegram_user_id,
                        t.staff.c.display_name == str(telegram_user_id),
                    )
                )
                .values(display_name=name[:200], updated_at=self.clock())
            )


def _member(row: Row[Any], unit_ids: set[int]) -> StaffMember:
    return StaffMember(
        id=row.id,
        telegram_user_id=row.telegram_user_id,
        display_name=row.display_name,
        role=row.role,
        active=row.active,
        unit_ids=frozenset(unit_ids),
        private_chat_at=row.private_chat_at,
        approval_level=row.approval_level,
    )
